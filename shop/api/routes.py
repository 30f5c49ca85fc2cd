"""The API's read operations (thin: parse, one query, serialise)."""

from __future__ import annotations
