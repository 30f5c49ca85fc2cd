"""The new-batch form: the recipients from one address for all, a pasted list or a file, all
checked by the same validator (``shop.batches.recipients``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from shop.addresses.services import provinces
from shop.checkout.forms import CheckoutForm
from shop.text import strip
from shop.validators import no_control_characters

ONE_ADDRESS = "one"
PASTED = "paste"
UPLOAD = "file"
MAX_PASTE = 400_000  # characters: 2,000 rows of a dozen cells
AS_IS = "as_is"
ALCOHOL_FREE = "alcohol_free"


class NewBatchForm(FlaskForm):
    source = RadioField(
        _l("Recipients"),
        choices=[
            SelectChoice(ONE_ADDRESS, _l("One address for all the boxes")),
            SelectChoice(PASTED, _l("Paste a list")),
            SelectChoice(UPLOAD, _l("Upload a file (CSV or Excel)")),
        ],
        default=UPLOAD,
    )
    billing_entity = SelectField(_l("Department (invoice data)"), validate_choice=False)
    po_number = StringField(
        _l("Purchase order number (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=60, message=_l("At most %(max)d characters.")),
            no_control_characters,
        ],
    )
    # (a) one address for all
    name = StringField(_l("Recipient's name"), filters=[strip])
    phone = StringField(_l("Phone"), filters=[strip])
    email = StringField(_l("E-mail (optional)"), filters=[strip])
    province = SelectField(_l("Province or city"), filters=[strip], validate_choice=False)
    commune = StringField(_l("Commune or ward"), filters=[strip])
    street = StringField(_l("House number, street"), filters=[strip])
    gift_set = SelectField(_l("Gift set"), validate_choice=False)
    quantity = StringField(_l("Number of boxes"), filters=[strip], default="1")
    deliver_on = StringField(_l("Deliver on (optional)"), filters=[strip])
    message = TextAreaField(_l("Greeting card message (optional)"), filters=[strip])
    # (b) a pasted list
    pasted = TextAreaField(
        _l("The list, with its header row"),
        validators=[Length(max=MAX_PASTE, message=_l("At most %(max)d characters."))],
    )
    # (c) a file
    file = FileField(_l("CSV or Excel file"))
    # Recipients who choose their own address: until when their links work.
    claim_by = DateField(
        _l("Recipient links work until (optional)"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )

    def __init__(self, *args, gift_sets=(), departments=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.province.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(str(p.code), p.name, render_kw={"lang": "vi"}) for p in provinces()
        ]
        self.gift_set.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(b.slug, b.name_vi, render_kw={"lang": "vi"}) for b in gift_sets
        ]
        self.billing_entity.choices = [
            SelectChoice(str(d.id), d.name, render_kw={"lang": "vi"}) for d in departments
        ]


class StartForm(FlaskForm):
    adult_confirmed = BooleanField(_l("The recipients of sets with rice wine are 18 or over"))


class ClaimForm(FlaskForm):
    """A recipient link's page: the address with the checkout's fields and checks (a commune
    of the chosen province, named exactly or unambiguously), and the choice of the gift set's
    alcohol-free variant."""

    commune_matches: list

    recipient_name = CheckoutForm.recipient_name
    phone = CheckoutForm.phone
    province = CheckoutForm.province
    commune = CheckoutForm.commune
    street = CheckoutForm.street
    variant = RadioField(
        _l("Your gift set"),
        choices=[
            SelectChoice(AS_IS, _l("As offered (with rice wine)")),
            SelectChoice(ALCOHOL_FREE, _l("The alcohol-free variant")),
        ],
        default=AS_IS,
    )
    adult_confirmed = BooleanField(_l("I am 18 or over (needed for the rice wine)"))

    validate_phone = CheckoutForm.validate_phone
    validate_province = CheckoutForm.validate_province
    validate_commune = CheckoutForm.validate_commune

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commune_matches = []
        self.province.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(str(p.code), p.name, render_kw={"lang": "vi"}) for p in provinces()
        ]
