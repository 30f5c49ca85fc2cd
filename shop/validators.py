"""Form validators shared by the domains' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


def no_control_characters(_form, field) -> None:
    """Refuse invisible control characters (line breaks and tabs are allowed)."""
    if field.data and any(
        (ord(ch) < 32 and ch not in "\n\r\t") or ord(ch) == 127 for ch in field.data
    ):
        raise ValidationError(_l("Remove the invisible control characters."))
