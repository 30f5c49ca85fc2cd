"""The API's shapes: marshmallow schemas the OpenAPI document is generated from, and the query
arguments each operation validates.

Conventions: money is integer đồng with its ``currency`` (``{"amount": 285000, "currency":
"VND"}``); instants are ISO 8601 with their offset; lists are cursor pages ``{"items": […],
"next_cursor": "…" | null}``."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp
from marshmallow import fields as mfields

from shop.api.pagination import DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT
from shop.catalog.services import SORTS, STAR_CHOICES


class AsciiInteger(mfields.Integer):
    """A whole number written in ASCII digits only (``²`` and ``١٢`` are refused, and so is a
    number of thousands of digits, before ``int()`` reads it)."""

    default_error_messages = {"invalid": "Not a whole number in ASCII digits."}  # noqa: RUF012

    def _validated(self, value):
        if isinstance(value, str):
            text = value.strip()
            if not text or len(text) > 30 or not text.isascii() or not text.lstrip("-").isdigit():
                raise self.make_error("invalid")
        return super()._validated(value)


# --- errors -----------------------------------------------------------------------------------


# --- shared -----------------------------------------------------------------------------------


class MoneySchema(Schema):
    amount = Integer(required=True, metadata={"description": "Whole đồng (VND has no minor unit)"})
    currency = String(required=True, validate=OneOf(["VND"]))


class ImageSchema(Schema):
    url = String(required=True, metadata={"format": "uri"})
    alt_vi = String(required=True)
    alt_en = String(required=True, allow_none=True)


class PageArgs(Schema):
    limit = AsciiInteger(
        load_default=DEFAULT_LIMIT,
        validate=Range(1, MAX_LIMIT),
        metadata={"description": f"Items per page, 1 to {MAX_LIMIT}"},
    )
    cursor = String(
        load_default="",
        validate=Length(max=MAX_CURSOR_LENGTH),
        metadata={"description": "The next_cursor of the previous page"},
    )


# --- catalogue --------------------------------------------------------------------------------


class ProductQuery(PageArgs):
    q = String(load_default="", validate=Length(max=200), metadata={"description": "Search"})
    group = String(
        load_default="", validate=Length(max=120), metadata={"description": "OCOP group slug"}
    )
    stars = List(
        AsciiInteger(validate=OneOf(list(STAR_CHOICES))),
        load_default=[],
        metadata={"description": "Valid certificate of these stars (repeatable)"},
    )
    certified = Boolean(load_default=False)
    commune = String(load_default="", validate=Length(max=80))
    min_price = AsciiInteger(validate=Range(0, 1_000_000_000), metadata={"description": "đồng"})
    max_price = AsciiInteger(validate=Range(0, 1_000_000_000), metadata={"description": "đồng"})
    in_season = Boolean(load_default=False)
    exclude_adult = Boolean(load_default=False)
    sort = String(load_default="relevance", validate=OneOf(list(SORTS)))


class ProducerRefSchema(Schema):
    slug = String(required=True)
    name = String(required=True)


class ProductItemSchema(Schema):
    id = Integer(required=True)
    slug = String(required=True)
    name_vi = String(required=True)
    name_en = String(required=True, allow_none=True)
    unit_vi = String(required=True)
    unit_en = String(required=True, allow_none=True)
    price = Nested(MoneySchema, required=True)
    stars = Integer(
        required=True, allow_none=True, metadata={"description": "Only with a valid certificate"}
    )
    producer = Nested(ProducerRefSchema, required=True)
    commune = String(required=True)
    province = String(required=True)
    images = List(Nested(ImageSchema), required=True)
    in_stock = Boolean(required=True)
    preorder = Boolean(required=True)
    adult_only = Boolean(required=True)
    url = String(required=True, metadata={"format": "uri", "description": "The product page"})
    updated_at = DateTime(required=True)


class ProductPageSchema(Schema):
    items = List(Nested(ProductItemSchema), required=True)
    next_cursor = String(required=True, allow_none=True)


class CertificateBriefSchema(Schema):
    number = String(required=True)
    stars = Integer(required=True)
    decision_number = String(required=True)
    decision_date = String(required=True, metadata={"format": "date"})
    authority = String(required=True)
    valid_until = String(required=True, metadata={"format": "date"})


class ProductSchema(ProductItemSchema):
    description_vi = String(required=True)
    description_en = String(required=True, allow_none=True)
    origin = String(required=True)
    vat_rate = Integer(required=True, metadata={"description": "VAT included in the price, %"})
    shipping_class = String(required=True)
    group = String(required=True, metadata={"description": "OCOP group slug"})
    certificate = Nested(CertificateBriefSchema, required=True, allow_none=True)


class ProducerSchema(Schema):
    id = Integer(required=True)
    slug = String(required=True)
    name = String(required=True)
    legal_type = String(required=True)
    commune = String(required=True)
    province = String(required=True)
    legacy_address = String(required=True, allow_none=True)
    story_vi = String(required=True)
    story_en = String(required=True, allow_none=True)
    url = String(required=True, metadata={"format": "uri"})
    updated_at = DateTime(required=True)


class ProducerDetailSchema(ProducerSchema):
    """A producer on its own (the same members as in the list)."""


class ProducerPageSchema(Schema):
    items = List(Nested(ProducerSchema), required=True)
    next_cursor = String(required=True, allow_none=True)


# --- experiences ------------------------------------------------------------------------------


class UnitSchema(Schema):
    code = String(required=True)
    name_vi = String(required=True)
    name_en = String(required=True, allow_none=True)
    price = Nested(MoneySchema, required=True)


class ExperienceSchema(Schema):
    id = Integer(required=True)
    slug = String(required=True)
    name_vi = String(required=True)
    name_en = String(required=True, allow_none=True)
    summary_vi = String(required=True)
    summary_en = String(required=True, allow_none=True)
    producer = Nested(ProducerRefSchema, required=True)
    commune = String(required=True)
    province = String(required=True)
    duration_minutes = Integer(required=True)
    availability_type = String(required=True, validate=OneOf(["START_TIME", "OPENING_HOURS"]))
    languages = List(String(), required=True)
    stars = Integer(required=True, allow_none=True)
    units = List(Nested(UnitSchema), required=True)
    image = String(required=True, allow_none=True, metadata={"format": "uri"})
    url = String(required=True, metadata={"format": "uri"})
    updated_at = DateTime(required=True)


class ExperienceDetailSchema(ExperienceSchema):
    """An experience on its own (the same members as in the list)."""


class ExperiencePageSchema(Schema):
    items = List(Nested(ExperienceSchema), required=True)
    next_cursor = String(required=True, allow_none=True)


class OpeningHoursSchema(Schema):
    """OCTO's OpeningHours: local ``HH:MM``."""

    from_ = String(required=True, data_key="from", metadata={"description": "Opens, HH:MM local"})
    to = String(required=True, metadata={"description": "Closes, HH:MM local"})


AVAILABILITY_STATUSES = ["AVAILABLE", "FREESALE", "SOLD_OUT", "LIMITED", "CLOSED"]


class AvailabilitySchema(Schema):
    """OCTO's ``Availability`` (octotravel/octo-types), so a reseller's OCTO client reads it."""

    id = String(required=True, metadata={"description": "The session's start, local ISO 8601"})
    localDateTimeStart = String(required=True, metadata={"format": "date-time"})  # noqa: N815
    localDateTimeEnd = String(required=True, metadata={"format": "date-time"})  # noqa: N815
    allDay = Boolean(required=True)  # noqa: N815
    available = Boolean(required=True)
    status = String(required=True, validate=OneOf(AVAILABILITY_STATUSES))
    vacancies = Integer(required=True, allow_none=True)
    capacity = Integer(required=True, allow_none=True)
    maxUnits = Integer(required=True, allow_none=True)  # noqa: N815
    utcCutoffAt = String(required=True, metadata={"format": "date-time"})  # noqa: N815
    openingHours = List(Nested(OpeningHoursSchema), required=True)  # noqa: N815


class AvailabilityQuery(Schema):
    localDateStart = String(  # noqa: N815
        required=True,
        validate=Regexp(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
        metadata={"format": "date", "description": "First local day (YYYY-MM-DD)"},
    )
    localDateEnd = String(  # noqa: N815
        required=True,
        validate=Regexp(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
        metadata={"format": "date", "description": "Last local day, at most 92 days on"},
    )


# --- certificates and orders ------------------------------------------------------------------


class CertificateSchema(Schema):
    number = String(required=True)
    state = String(required=True, validate=OneOf(["valid", "expired", "revoked", "superseded"]))
    stars = Integer(required=True)
    decision_number = String(required=True)
    decision_date = String(required=True, metadata={"format": "date"})
    authority = String(required=True)
    criteria_version = String(required=True)
    valid_until = String(required=True, metadata={"format": "date"})
    expired_since = String(required=True, allow_none=True, metadata={"format": "date"})
    subject_kind = String(required=True, allow_none=True, validate=OneOf(["product", "experience"]))
    subject_slug = String(required=True, allow_none=True)
    subject_name_vi = String(required=True, allow_none=True)
    subject_name_en = String(required=True, allow_none=True)
    producer = Nested(ProducerRefSchema, required=True, allow_none=True)


class OrderQuery(Schema):
    token = String(required=True, validate=Length(min=1, max=64))


class ParcelSchema(Schema):
    producer = String(required=True)
    status = String(required=True)
    carrier = String(required=True, allow_none=True)
    tracking_number = String(required=True, allow_none=True)
    shipped_at = DateTime(required=True, allow_none=True)
    delivered_at = DateTime(required=True, allow_none=True)


class OrderStatusSchema(Schema):
    reference = String(required=True)
    status = String(required=True)
    payment_method = String(required=True)
    total = Nested(MoneySchema, required=True)
    paid = Nested(MoneySchema, required=True)
    refunded = Nested(MoneySchema, required=True)
    created_at = DateTime(required=True)
    updated_at = DateTime(required=True)
    parcels = List(Nested(ParcelSchema), required=True)
