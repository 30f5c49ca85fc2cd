"""Places where other domains add their parts to catalogue pages, so the catalogue never
imports them (DESIGN §3: imports go one way, and tourism builds on the catalogue).

A domain sets a hook when its blueprint is registered (``set_hook``); catalogue routes call it
(``call_hook``) and get ``default`` when nobody set it. Hooks of the catalogue pages:

* ``home_experiences(today=, now=)`` → an object with ``cards`` and ``category_ids`` (the home
  page's experiences and the OCOP groups whose tile leads to them);
* ``search_experiences(q, today=)`` → cards shown above the product results of a search;
* ``experiences_near(producer_id, commune, today=, now=)`` → "visit where it is made" on the
  product page;
* ``search_gift_sets(q)`` → gift sets shown (with a link to all of them) above the results of
  a search that asks for gifts ("quà tặng", "hộp quà", "gift", "Tết"…);
* ``home_gift_sets()`` → the gift sets of the home page's gift section;
* ``sitemap_entries()`` → ``(endpoint, slug, updated_at)`` rows added to the sitemap.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

_KEY = "catalog_hooks"


def set_hook(app: Flask, name: str, function: Callable) -> None:
    app.extensions.setdefault(_KEY, {})[name] = function


def call_hook(name: str, *args: object, default: object = None, **kwargs: object):
    function = current_app.extensions.get(_KEY, {}).get(name)
    return function(*args, **kwargs) if function is not None else default
