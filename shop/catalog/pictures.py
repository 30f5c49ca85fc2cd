"""Product pictures: an upload is decoded and re-encoded with Pillow into two WebP sizes (a
thumbnail and a large picture), which drops every piece of metadata (EXIF, GPS, comments).

Only JPEG, PNG and WebP are opened, whatever the file name or the declared type says; a file
Pillow cannot identify among those (SVG, GIF, PDF, a renamed text file), a corrupted or
truncated one, and an image bomb (more pixels than ``MAX_PIXELS``) are refused with a reason.
Files are named after a hash of their content, so a URL never changes meaning and can be
cached for a year.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from shop.errors import ShopError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# Longest side of each size, in pixels.
SIZES = {"thumb": 480, "large": 1600}
# Largest upload, and the most pixels decoded (a 5 MB PNG can unpack to gigabytes).
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_SIDE = 64
WEBP_QUALITY = 82
FOLDER = "products"


class PictureRefused(ShopError):
    """``reason``: ``type``, ``corrupt``, ``too_large``, ``too_many_pixels`` or ``too_small``."""

    code = "picture_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"picture refused: {reason}", reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredPicture:
    path: str  # relative to the media folder: the large size
    thumb_path: str
    width: int
    height: int


def _open(data: bytes) -> Image.Image:
    if len(data) > MAX_BYTES:
        raise PictureRefused("too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise PictureRefused("too_many_pixels")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PictureRefused("too_many_pixels") from error
    except UnidentifiedImageError as error:
        raise PictureRefused("type") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise PictureRefused("corrupt") from error
    if min(image.width, image.height) < MIN_SIDE:
        raise PictureRefused("too_small")
    return image


def encode_picture(data: bytes) -> dict[str, bytes]:
    """The upload re-encoded as WebP in each size of ``SIZES`` (no metadata kept)."""
    image = _open(data)
    try:
        image = ImageOps.exif_transpose(image)  # phones store the rotation in EXIF
    except (OSError, SyntaxError, ValueError) as error:
        raise PictureRefused("corrupt") from error
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    image = image.convert(mode)
    encoded = {}
    for name, side in SIZES.items():
        copy = image.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        copy.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
        encoded[name] = out.getvalue()
    return encoded


def _write(folder: Path, name: str, data: bytes) -> None:
    target = folder / name
    if target.exists():
        return
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.replace(temporary, target)


def store_picture(data: bytes, media_dir: str) -> StoredPicture:
    """Encode ``data`` and write both sizes under ``media_dir``; raises ``PictureRefused``."""
    encoded = encode_picture(data)
    digest = hashlib.sha256(encoded["large"]).hexdigest()[:24]
    folder = Path(media_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    names = {size: f"{digest}-{SIZES[size]}.webp" for size in SIZES}
    for size, name in names.items():
        _write(folder, name, encoded[size])
    with Image.open(io.BytesIO(encoded["large"])) as large:
        width, height = large.size
    return StoredPicture(
        path=f"{FOLDER}/{names['large']}",
        thumb_path=f"{FOLDER}/{names['thumb']}",
        width=width,
        height=height,
    )
