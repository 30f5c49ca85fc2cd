"""Uploaded media (product pictures) served from ``MEDIA_DIR`` at ``/media/<path>``.

File names carry a hash of their content, so responses are cached for a year and marked
immutable; a missing file is a 404."""

from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("media", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/<path:filename>")
def file(filename: str):
    response = send_from_directory(current_app.config["MEDIA_DIR"], filename, max_age=ONE_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


MEDIA_PREFIX = "media/"


def picture_target(path: str | None, size: str = "large") -> tuple[str, str]:
    """The endpoint and file name of a product picture: an upload (``media/…``) is served by
    this blueprint, anything else is a file of ``static/``; the placeholder when there is none.
    Cards build their URLs with a remembered builder, so they ask for this pair."""
    if not path:
        return "static", "img/placeholder-product.svg"
    if path.startswith(MEDIA_PREFIX):
        name = path.removeprefix(MEDIA_PREFIX)
        return "media.file", thumb_of(name) if size == "thumb" else name
    return "static", path


def thumb_of(path: str) -> str:
    """The thumbnail of an uploaded picture (``…-1600.webp`` → ``…-480.webp``)."""
    return path.replace("-1600.webp", "-480.webp") if path.endswith("-1600.webp") else path


@bp.app_template_global()
def picture_url(path: str | None, size: str = "large", *, external: bool = False) -> str:
    """The URL of a product picture (absolute on ``SITE_URL`` with ``external``)."""
    from flask import url_for

    from shop.urls import absolute_url

    endpoint, filename = picture_target(path, size)
    return (absolute_url if external else url_for)(endpoint, filename=filename)
