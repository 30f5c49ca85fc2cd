"""Certificate scans: a PDF kept as sent, or a picture checked like product pictures and
re-encoded (which drops EXIF, GPS and comments), under a random name in ``SCAN_DIR``.

Scans are private: ``SCAN_DIR`` is not served at ``/media``; only the office (of the
producer's province) and the producer's own staff download them, through a view that checks
who asks. A scan shows signatures, seals and the names of a household's owners; what the
public needs — that the number is real and in force — ``/verify`` answers from the register.

A PDF is recognised by its first bytes (``%PDF-``), never by its name or declared type, and may
be at most ``PDF_MAX_BYTES``; a picture goes through ``shop.catalog.pictures`` (JPEG, PNG or
WebP only, at most 5 MB and 40 megapixels, not corrupt).
"""

from __future__ import annotations

import io
import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import Response, abort
from PIL import ImageOps

from shop.catalog.pictures import MAX_BYTES as PICTURE_MAX_BYTES
from shop.catalog.pictures import PictureRefused
from shop.catalog.pictures import _open as open_picture
from shop.errors import ShopError

PDF_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
WEBP_QUALITY = 90  # a scan must stay legible: no resizing, a high quality
CONTENT_TYPES = {".pdf": "application/pdf", ".webp": "image/webp"}
READ_MAX = PDF_MAX_BYTES + 1


class ScanRefused(ShopError):
    """``reason``: ``empty``, ``type``, ``too_large``, ``corrupt``, ``too_many_pixels`` or
    ``too_small``."""

    code = "scan_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"scan refused: {reason}", reason=reason)
        self.reason = reason


def prepare_scan(data: bytes) -> tuple[bytes, str]:
    """The bytes to keep and their suffix (``.pdf`` or ``.webp``); raises ``ScanRefused``."""
    if not data:
        raise ScanRefused("empty")
    if data.startswith(PDF_MAGIC):
        if len(data) > PDF_MAX_BYTES:
            raise ScanRefused("too_large")
        return data, ".pdf"
    if len(data) > PICTURE_MAX_BYTES:
        raise ScanRefused("too_large")
    try:
        image = open_picture(data)
        image = ImageOps.exif_transpose(image)
    except PictureRefused as refused:
        raise ScanRefused(refused.reason) from refused
    except (OSError, SyntaxError, ValueError) as error:
        raise ScanRefused("corrupt") from error
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    out = io.BytesIO()
    image.convert(mode).save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue(), ".webp"


def new_name(suffix: str) -> str:
    """A random file name (unguessable, never derived from the upload's name)."""
    return secrets.token_urlsafe(24) + suffix


def write_scan(data: bytes, name: str, scan_dir: str) -> Path:
    """Write prepared bytes under ``name`` atomically; returns the path."""
    folder = Path(scan_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    target = folder / name
    os.replace(temporary, target)
    return target


def store_scan(data: bytes, scan_dir: str) -> str:
    """Check and write a scan under a random name; returns the name (``scan_file``)."""
    kept, suffix = prepare_scan(data)
    name = new_name(suffix)
    write_scan(kept, name, scan_dir)
    return name


def scan_path(name: str | None, scan_dir: str) -> Path | None:
    """The file of a stored scan, or None (no scan, a name that is not one of ours, or a
    missing file)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    if Path(name).suffix not in CONTENT_TYPES:
        return None
    path = Path(scan_dir) / name
    return path if path.is_file() else None


def scan_response(certificate, scan_dir: str) -> Response:
    """The certificate's scan inline, never cached, sandboxed; 404 when it has none. Read
    whole (at most 10 MB): no open file is left to a client that does not read the body."""
    path = scan_path(certificate.scan_file, scan_dir)
    if path is None:
        abort(404)
    suffix = path.suffix
    safe = re.sub(r"[^A-Za-z0-9.-]+", "-", certificate.certificate_number).strip("-")
    response = Response(path.read_bytes(), mimetype=CONTENT_TYPES[suffix])
    response.headers["Content-Disposition"] = f'inline; filename="{safe or "certificate"}{suffix}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
