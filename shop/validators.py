"""Form validators shared by the domains' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from shop.text import has_control_characters


def no_control_characters(_form, field) -> None:
    """Refuse invisible control characters (line breaks and tabs are allowed)."""
    if field.data and has_control_characters(field.data, allow_line_breaks=True):
        raise ValidationError(_l("Remove the invisible control characters."))
