"""The buyer's VAT invoice fields: in the checkout form (behind a checkbox) and on the order
page. Checked only when the box is ticked; what was typed is kept when the form fails."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import Email, ValidationError

from shop.agencies.taxcode import normalize_tax_code
from shop.fields import email_field, text_field
from shop.invoicing.models import ADDRESS_MAX, BUYER_NAME_MAX, LEGAL_NAME_MAX
from shop.invoicing.services import InvoiceDataInput
from shop.text import strip


def _required_when_asked(message):
    def check(form, field) -> None:
        if form.typed_invoice and not field.data:
            raise ValidationError(message)

    return check


class InvoiceFields:
    """The fields, mixed into a Flask-WTF form. A member of an organisation is offered its
    billing entities (``offer_billing_choices``): one chosen, the order copies its data and the
    typed fields are not used."""

    wants_invoice = BooleanField(_l("I need a VAT invoice"))
    # "" = the details typed below; else the key of one of ``billing_choices``.
    invoice_entity = RadioField(
        _l("Invoice to"), choices=[], default="", validate_choice=False, filters=[strip]
    )
    billing_choices: tuple = ()

    def offer_billing_choices(self, choices, *, prefill: bool) -> None:
        """Offer ``choices`` (``shop.agencies.queries.BillingChoice``); ``prefill`` (a fresh
        form) asks for an invoice to the default one."""
        self.billing_choices = tuple(choices)
        self.invoice_entity.choices = [(c.key, c.label) for c in choices] + [
            ("", _l("Other details, typed below"))
        ]
        if prefill and choices:
            self.wants_invoice.data = True
            self.invoice_entity.data = next(c.key for c in choices if c.default)

    @property
    def chosen_billing(self):
        """The offered billing entity chosen, if an invoice is asked for."""
        if not self.wants_invoice.data or not self.invoice_entity.data:
            return None
        return next((c for c in self.billing_choices if c.key == self.invoice_entity.data), None)

    @property
    def typed_invoice(self) -> bool:
        """An invoice to the details typed in the fields."""
        return bool(self.wants_invoice.data) and not self.invoice_entity.data

    def validate_invoice_entity(self, field) -> None:
        if self.wants_invoice.data and field.data and self.chosen_billing is None:
            raise ValidationError(_l("Choose one of your organisation's details, or type them."))

    invoice_legal_name = text_field(
        _l("Company or agency name"),
        LEGAL_NAME_MAX,
        required=_required_when_asked(_l("Enter the legal name as registered for tax.")),
    )
    invoice_tax_code = StringField(
        _l("Tax code (MST)"),
        filters=[strip],
        validators=[_required_when_asked(_l("Enter the tax code."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    invoice_address = text_field(
        _l("Address on the invoice"),
        ADDRESS_MAX,
        required=_required_when_asked(_l("Enter the address registered for tax.")),
    )
    # The format is checked only when an invoice is asked for (``validate_invoice_email``).
    invoice_email = email_field(
        _l("E-mail for the invoice"),
        required=_required_when_asked(_l("Enter the e-mail address the invoice goes to.")),
    )
    invoice_buyer_name = text_field(_l("Buyer's name or department (optional)"), BUYER_NAME_MAX)

    def validate_invoice_tax_code(self, field) -> None:
        if not (self.typed_invoice and field.data):
            return
        # The shop's one MST rule (shop.agencies.taxcode), stored in its normal form.
        normal = normalize_tax_code(field.data)
        if normal is None:
            raise ValidationError(
                _l("A tax code is 10 digits, or 10 digits, a hyphen and 3 digits (0101234567-001).")
            )
        field.data = normal

    def validate_invoice_email(self, field) -> None:
        # Only checked when an invoice is asked for: a stray entry must not block the checkout.
        if self.typed_invoice and field.data:
            Email(_l("Enter an e-mail address such as an@example.vn."), check_deliverability=False)(
                self, field
            )

    @property
    def invoice_data(self) -> InvoiceDataInput | None:
        """The data to record, or ``None`` when no invoice is wanted (the form is valid)."""
        if not self.wants_invoice.data:
            return None
        chosen = self.chosen_billing
        if chosen is not None:  # copied: later edits of the organisation leave the order alone
            typed_buyer = self.invoice_buyer_name.data or None
            return replace(chosen.data, buyer_name=typed_buyer or chosen.data.buyer_name)
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
                "invoice_entity",
                "invoice_legal_name",
                "invoice_tax_code",
                "invoice_address",
                "invoice_email",
                "invoice_buyer_name",
            )
        )


class InvoiceDataForm(InvoiceFields, FlaskForm):
    """The order page's form: untick the box to remove the data."""
