"""Back-office forms: refund (one quantity per order line, and the customer's account when the
order was paid by bank transfer), a refund paid by transfer, cancel, mark reviewed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from shop.http import parse_int
from shop.orders.models import Order
from shop.payouts.bank_accounts import HOLDER_MAX
from shop.payouts.bank_forms import account_number_field, bank_field, holder_form
from shop.text import strip
from shop.validators import no_control_characters

REASON_MAX = 500


class QuantityField(IntegerField):
    """A whole number of items; blank counts as 0 and anything else that is not a whole number
    is left as None for ``QuantityUpTo`` to report (one message, not two)."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        self.data = parse_int(text) if text else 0


class QuantityUpTo:
    def __init__(self, maximum: int) -> None:
        self.maximum = maximum

    def __call__(self, _form, field) -> None:
        if field.data is None or not 0 <= field.data <= self.maximum:
            raise ValidationError(
                _l("Enter a whole number from 0 to %(max)d.") % {"max": self.maximum}
            )


def _reason_field(label, required_message) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[strip],
        validators=[
            DataRequired(required_message),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters.")),
        ],
    )


class RefundForm(FlaskForm):
    """Built per order by ``refund_form_for``: one ``line_<id>`` field per order line."""

    everything = BooleanField(_l("Refund everything that is left, delivery included"))
    reason = _reason_field(_l("Reason for the refund"), _l("Enter the reason for this refund."))

    line_ids: tuple[int, ...] = ()

    def line_field(self, line_id: int) -> QuantityField:
        return self[f"line_{line_id}"]

    def quantities(self) -> dict[int, int]:
        """{line id: quantity} for every line with a quantity above zero."""
        return {
            line_id: self.line_field(line_id).data
            for line_id in self.line_ids
            if self.line_field(line_id).data
        }

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.everything.data and self.quantities():
            self.everything.errors.append(
                _l("Leave every quantity at 0 to refund everything that is left.")
            )
            return False
        if not self.everything.data and not self.quantities():
            self.everything.errors.append(
                _l("Enter a quantity to refund for at least one line, or tick this box.")
            )
            return False
        return True


class PayeeForm(FlaskForm):
    """The customer's account a refund by bank transfer goes to."""

    payee_bin = bank_field(_l("Customer's bank"), _l("Choose the customer's bank."))
    payee_account = account_number_field(
        _l("Customer's account number"), _l("Enter the customer's account number.")
    )
    payee_holder = StringField(
        _l("Account holder"),
        filters=[strip, holder_form],
        validators=[
            DataRequired(_l("Enter the account holder's name.")),
            Length(max=HOLDER_MAX, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )

    def validate_payee_holder(self, field) -> None:
        if field.data and not field.data.isascii():
            raise ValidationError(_l("Write the holder's name in Vietnamese or plain letters."))

    def payee(self):
        from shop.payments.services import Payee

        return Payee(
            bank_bin=self.payee_bin.data,
            account=self.payee_account.data,
            holder=self.payee_holder.data,
        )


class TransferredForm(FlaskForm):
    """The office paid a refund from its banking app: the bank's reference of the transfer."""

    bank_reference = StringField(
        _l("Bank reference of the transfer"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the bank's reference of the transfer.")),
            Length(max=120, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )


def refund_form_for(order: Order, *, by_transfer: bool = False, **kwargs) -> RefundForm:
    """A refund form with a quantity field (0 to what is left) for each line of ``order``, and
    (``by_transfer``) the customer's account."""

    bases = (RefundForm, PayeeForm) if by_transfer else (RefundForm,)
    OrderRefundForm = type("OrderRefundForm", bases, {})  # noqa: N806 - a class

    for line in order.lines:
        remaining = line.quantity - line.refunded_quantity
        setattr(
            OrderRefundForm,
            f"line_{line.id}",
            QuantityField(line.name, default=0, validators=[QuantityUpTo(remaining)]),
        )
    OrderRefundForm.line_ids = tuple(line.id for line in order.lines)
    return OrderRefundForm(**kwargs)


class UnappliedForm(FlaskForm):
    """Pay back the money an order could not take (``shop.payments.unapplied``)."""

    unapplied_reason = _reason_field(
        _l("Reason for paying it back"), _l("Enter the reason for paying this money back.")
    )


def unapplied_form_for(*, with_payee: bool, **kwargs) -> UnappliedForm:
    """The form, with the customer's account when part of the money goes back by transfer."""
    if not with_payee:
        return UnappliedForm(**kwargs)
    return type("UnappliedTransferForm", (UnappliedForm, PayeeForm), {})(**kwargs)


class SuspendProducerForm(FlaskForm):
    reason = _reason_field(
        _l("Reason (e-mailed to the producer)"), _l("Enter the reason for the suspension.")
    )


class CancelForm(FlaskForm):
    reason = _reason_field(_l("Reason for cancelling"), _l("Say why the order is cancelled."))


class EarlyShippingForm(FlaskForm):
    reason = _reason_field(
        _l("Why may this pre-order ship early?"), _l("Say why this parcel may ship early.")
    )


class ReviewForm(FlaskForm):
    note = TextAreaField(
        _l("What you checked (optional)"),
        filters=[strip],
        validators=[Length(max=REASON_MAX, message=_l("At most %(max)d characters."))],
    )


class RejectListingForm(FlaskForm):
    reason = _reason_field(
        _l("Reason (e-mailed to the producer)"), _l("Say why these changes are refused.")
    )


class ModerationForm(FlaskForm):
    """Turn moderation of a producer's listings on (``on``) or off (``off``)."""

    moderated = RadioField(
        _l("Listing moderation"),
        choices=[SelectChoice("on", _l("On")), SelectChoice("off", _l("Off"))],
        validators=[InputRequired(_l("Choose on or off."))],
    )
