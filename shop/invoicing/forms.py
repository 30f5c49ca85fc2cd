"""The buyer's VAT invoice fields: in the checkout form (behind a checkbox) and on the order
page. Checked only when the box is ticked; what was typed is kept when the form fails."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import Email, Length, Optional, ValidationError

from shop.invoicing.models import ADDRESS_MAX, BUYER_NAME_MAX, LEGAL_NAME_MAX
from shop.invoicing.services import InvoiceDataInput
from shop.text import strip
from shop.validators import no_control_characters

# Mã số thuế: 10 digits, or 10 digits, "-" and a 3-digit branch suffix (ASCII digits only).
TAX_CODE_RE = re.compile(r"[0-9]{10}(-[0-9]{3})?")


def is_tax_code(value: str | None) -> bool:
    return isinstance(value, str) and TAX_CODE_RE.fullmatch(value) is not None


def _required_when_asked(message):
    def check(form, field) -> None:
        if form.wants_invoice.data and not field.data:
            raise ValidationError(message)

    return check


class InvoiceFields:
    """The fields, mixed into a Flask-WTF form."""

    wants_invoice = BooleanField(_l("I need a VAT invoice"))
    invoice_legal_name = StringField(
        _l("Company or agency name"),
        filters=[strip],
        validators=[
            _required_when_asked(_l("Enter the legal name as registered for tax.")),
            Length(max=LEGAL_NAME_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    invoice_tax_code = StringField(
        _l("Tax code (MST)"),
        filters=[strip],
        validators=[_required_when_asked(_l("Enter the tax code."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    invoice_address = StringField(
        _l("Address on the invoice"),
        filters=[strip],
        validators=[
            _required_when_asked(_l("Enter the address registered for tax.")),
            Length(max=ADDRESS_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    invoice_email = EmailField(
        _l("E-mail for the invoice"),
        filters=[strip],
        validators=[
            _required_when_asked(_l("Enter the e-mail address the invoice goes to.")),
            Optional(),
            Length(max=254, message=_l("At most %(max)d characters.")),
        ],
    )
    invoice_buyer_name = StringField(
        _l("Buyer's name or department (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=BUYER_NAME_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )

    def validate_invoice_tax_code(self, field) -> None:
        if self.wants_invoice.data and field.data and not is_tax_code(field.data):
            raise ValidationError(
                _l("A tax code is 10 digits, or 10 digits, a hyphen and 3 digits (0101234567-001).")
            )

    def validate_invoice_email(self, field) -> None:
        # Only checked when an invoice is asked for: a stray entry must not block the checkout.
        if self.wants_invoice.data and field.data:
            Email(_l("Enter an e-mail address such as an@example.vn."), check_deliverability=False)(
                self, field
            )

    @property
    def invoice_data(self) -> InvoiceDataInput | None:
        """The data to record, or ``None`` when no invoice is wanted (the form is valid)."""
        if not self.wants_invoice.data:
            return None
        return InvoiceDataInput(
            legal_name=self.invoice_legal_name.data,
            tax_code=self.invoice_tax_code.data,
            address=self.invoice_address.data,
            email=self.invoice_email.data.lower(),
            buyer_name=self.invoice_buyer_name.data or None,
        )

    def fill_invoice(self, row) -> None:
        """Show recorded data (``OrderInvoiceData``) in the fields."""
        self.wants_invoice.data = row is not None
        if row is not None:
            self.invoice_legal_name.data = row.legal_name
            self.invoice_tax_code.data = row.tax_code
            self.invoice_address.data = row.address
            self.invoice_email.data = row.email
            self.invoice_buyer_name.data = row.buyer_name or ""

    @property
    def invoice_has_errors(self) -> bool:
        return any(
            getattr(self, name).errors
            for name in (
                "invoice_legal_name",
                "invoice_tax_code",
                "invoice_address",
                "invoice_email",
                "invoice_buyer_name",
            )
        )


class InvoiceDataForm(InvoiceFields, FlaskForm):
    """The order page's form: untick the box to remove the data."""
