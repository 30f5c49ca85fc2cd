"""Absolute links: always on the shop's public address (``SITE_URL``), never the request's Host.

A link in an e-mail, a canonical or hreflang tag, ``og:url``, the sitemap or a payment provider's
return URL built from the request would follow a forged ``Host`` header (password-reset
poisoning). Build every absolute link with ``absolute_url``.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request


def site_parts() -> tuple[str, str, str]:
    """``SITE_URL`` as (scheme, host[:port], path prefix)."""
    return _split_site_url(current_app.config["SITE_URL"])


@lru_cache(maxsize=16)
def _split_site_url(site_url: str) -> tuple[str, str, str]:
    parts = urlsplit(site_url)
    return parts.scheme or "https", parts.netloc, parts.path.rstrip("/")


def site_host() -> str:
    """The host name of ``SITE_URL`` without the port (``shop.example``)."""
    return urlsplit(current_app.config["SITE_URL"]).hostname or ""


def on_site(path: str) -> str:
    """A path of this app (``/products?lang=en``, from ``url_for``) as a full URL on
    ``SITE_URL``."""
    scheme, netloc, prefix = site_parts()
    if has_request_context() and request.script_root:
        path = path.removeprefix(request.script_root)
    return f"{scheme}://{netloc}{prefix}{path}"


def absolute_url(endpoint: str, **values: object) -> str:
    """``url_for(endpoint, **values)`` as a full URL on ``SITE_URL``.

    Works inside and outside a request (e-mails sent by jobs); URL defaults (the static files'
    content hash) are applied as ``url_for`` would.
    """
    anchor = values.pop("_anchor", None)
    values = {key: value for key, value in values.items() if value is not None}
    app = current_app._get_current_object()
    site_url = app.config["SITE_URL"]
    memo: dict[tuple, str] = app.extensions.setdefault("absolute_urls", {})
    try:  # remembered per process, as relative URLs are (shop.templating.remembered_url_for)
        key = (site_url, endpoint, *sorted(values.items()))
        url = memo.get(key) if not app.debug else None
    except TypeError:  # an unhashable value (a list of query values)
        key, url = None, None
    if url is None:
        scheme, netloc, prefix = _split_site_url(site_url)
        built = dict(values)
        app.inject_url_defaults(endpoint, built)
        adapter = app.url_map.bind(netloc, script_name=prefix or "/", url_scheme=scheme)
        url = adapter.build(endpoint, built, force_external=True)
        if key is not None:
            if len(memo) > 8192:
                memo.clear()
            memo[key] = url
    if anchor is not None:
        url += f"#{anchor}"
    return url
