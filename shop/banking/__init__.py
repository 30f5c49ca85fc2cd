"""Vietnamese bank transfers: the NAPAS bank table, VietQR codes, bank-statement imports and
the matching of a transfer's reference in a statement's notes.

Nothing here knows about payouts or orders: callers pass plain values (a BIN, an account
number, an amount in đồng, a reference) and get plain values back.
"""
