"""Listing moderation: when the OCOP office moderates a producer, its new products and
experiences, and changes to the public content of those on sale, wait for the office's review.

A new listing is saved off sale (``review_status`` pending; a CHECK keeps a listing that is not
approved off sale, so every shop read, cache, search and cart refuses it). A change to a listing
on sale is kept as a pending ``ListingRevision`` while the shop goes on showing the approved
values; approving applies it in one transaction. Stock, pause / resume and session times are
operations and never wait.
"""
