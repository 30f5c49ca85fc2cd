"""What a page says, without its markup: for assertions on text that may carry inline tags."""

from __future__ import annotations

import re
from html import unescape

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def page_text(html: str) -> str:
    return _SPACE.sub(" ", unescape(_TAG.sub("", html))).replace("\u00a0", " ")
