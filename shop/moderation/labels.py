"""What the review pages call each moderated field and each state."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "category_id": _l("OCOP group"),
    "name_vi": _l("Name (Vietnamese)"),
    "name_en": _l("Name (English)"),
    "description_vi": _l("Description (Vietnamese)"),
    "description_en": _l("Description (English)"),
    "unit_vi": _l("Unit (Vietnamese)"),
    "unit_en": _l("Unit (English)"),
    "origin": _l("Origin"),
    "price_vnd": _l("Price"),
    "summary_vi": _l("Summary (Vietnamese)"),
    "summary_en": _l("Summary (English)"),
    "itinerary": _l("Itinerary"),
    "meeting_point_vi": _l("Meeting point (Vietnamese)"),
    "meeting_point_en": _l("Meeting point (English)"),
    "directions_vi": _l("Directions (Vietnamese)"),
    "directions_en": _l("Directions (English)"),
    "included_vi": _l("Included (Vietnamese)"),
    "included_en": _l("Included (English)"),
    "excluded_vi": _l("Not included (Vietnamese)"),
    "excluded_en": _l("Not included (English)"),
    "bring_vi": _l("What to bring (Vietnamese)"),
    "bring_en": _l("What to bring (English)"),
    "accessibility_vi": _l("Accessibility (Vietnamese)"),
    "accessibility_en": _l("Accessibility (English)"),
    "food_notes_vi": _l("Food notes (Vietnamese)"),
    "food_notes_en": _l("Food notes (English)"),
}

STATE_LABELS = {
    "pending": _l("Waiting for review"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "superseded": _l("Replaced by a newer version"),
}
