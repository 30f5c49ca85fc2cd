"""The API's read operations: parse (the schemas validate the query), one read of the domain
that owns the data, serialise. Catalogue answers carry an ETag (``shop.api.caching``)."""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime, timedelta

from apiflask.exceptions import HTTPError
from flask import request
from flask_babel import force_locale

from shop.api import bp
from shop.api.caching import etag_response, json_response
from shop.api.pagination import InvalidCursor, decode_cursor, encode_cursor
from shop.api.schemas import (
    AvailabilityQuery,
    AvailabilitySchema,
    CertificateSchema,
    ExperienceDetailSchema,
    ExperiencePageSchema,
    OrderQuery,
    OrderStatusSchema,
    PageArgs,
    ProducerDetailSchema,
    ProducerPageSchema,
    ProductPageSchema,
    ProductQuery,
    ProductSchema,
)
from shop.catalog.forms import parse_listing_args
from shop.catalog.reads import category_tree, read_product_page
from shop.catalog.services import (
    listing_key_length,
    search_products_after,
    visible_producer,
    visible_producers_after,
)
from shop.catalog.services import listing_name as product_listing_name
from shop.db import utcnow
from shop.errors import InvalidQuery, NotFound, ShopError
from shop.extensions import limiter
from shop.media import picture_url
from shop.orders.services import find_order
from shop.templating import local_today
from shop.tourism.models import AvailabilityKind
from shop.tourism.queries import sessions_between, visible_experience, visible_experiences_after
from shop.tourism.rules import LOCAL_TZ, AvailabilityStatus, aware, local
from shop.urls import absolute_url
from shop.verify.routes import VERIFY_LIMITS
from shop.verify.services import UNKNOWN, verify

CATALOGUE = "Catalogue"
EXPERIENCES = "Experiences"
VERIFICATION = "Certificates"
ORDERS = "Orders"
NOT_MODIFIED = {304: "Not modified"}
AVAILABILITY_MAX_DAYS = 92


class CertificateUnknown(ShopError):
    code = "certificate_unknown"
    status = 404


def _money(amount: int) -> dict:
    return {"amount": int(amount), "currency": "VND"}


def _instant(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 with its offset (stored instants are UTC)."""
    return aware(moment).astimezone(UTC).isoformat() if moment is not None else None


def _invalid(field: str, message: str) -> HTTPError:
    return HTTPError(400, detail={"query": {field: [message]}})


def _page_key(cursor: str | None, listing: str, length: int) -> list | None:
    return decode_cursor(cursor, listing, length)


def _next_cursor(listing: str, key: list | None) -> str | None:
    return encode_cursor(listing, key) if key is not None else None


# --- products ---------------------------------------------------------------------------------


def _image(path: str, alt_vi: str, alt_en: str | None) -> dict:
    return {"url": picture_url(path, external=True), "alt_vi": alt_vi, "alt_en": alt_en}


def _product_item(product, stars, updated_at, province: str) -> dict:
    return {
        "id": product.id,
        "slug": product.slug,
        "name_vi": product.name_vi,
        "name_en": product.name_en,
        "unit_vi": product.unit_vi,
        "unit_en": product.unit_en,
        "price": _money(product.price_vnd),
        "stars": stars,
        "producer": {"slug": product.producer.slug, "name": product.producer.name},
        "commune": product.producer.commune,
        "province": province,
        "images": [_image(i.path, i.alt_vi, i.alt_en) for i in product.images],
        "in_stock": product.stock > 0,
        "preorder": bool(product.preorder),
        "adult_only": bool(product.adult_only),
        "url": absolute_url("catalog.product_detail", slug=product.slug),
        "updated_at": _instant(updated_at),
    }


@bp.get("/products")
@bp.input(ProductQuery, location="query", arg_name="query")
@bp.output(ProductPageSchema)
@bp.doc(
    operation_id="listProducts",
    summary="List products",
    description="The catalogue listing's filters and sort orders, a cursor page at a time.",
    tags=[CATALOGUE],
    responses=NOT_MODIFIED,
)
def products(query: dict):
    categories = category_tree()
    args = request.args.copy()
    args.poplist("page")  # the listing page's, not the API's: cursors page here
    with force_locale("en"):
        filters, errors = parse_listing_args(args, categories.slugs)
    if errors:
        raise HTTPError(400, detail={"query": {name: [m] for name, m in errors.items()}})
    listing = product_listing_name(filters)
    after = decode_cursor(query["cursor"], listing, listing_key_length(filters))
    try:
        page = search_products_after(
            filters, today=local_today(), limit=query["limit"], after=after
        )
    except InvalidQuery as error:
        raise InvalidCursor("The cursor is not one this API gave out.") from error
    return etag_response(
        {
            "items": [_product_item(*row) for row in page.rows],
            "next_cursor": _next_cursor(listing, page.next_key),
        }
    )


@bp.get("/products/<slug>")
@bp.output(ProductSchema)
@bp.doc(
    operation_id="getProduct", summary="Get a product", tags=[CATALOGUE], responses=NOT_MODIFIED
)
def product(slug: str):
    today = local_today()
    read = read_product_page(slug, today, category_tree())
    if read is None:
        raise NotFound("There is no product with this slug on sale.")
    product = read.product
    certificate = product.valid_certificate(today)
    body = _product_item(
        product,
        certificate.stars if certificate else None,
        product.updated_at,
        product.producer.province,
    )
    body.update(
        description_vi=product.description_vi,
        description_en=product.description_en,
        origin=product.origin,
        vat_rate=product.vat_rate,
        shipping_class=product.shipping_class,
        group=product.category.slug,
        certificate=(
            {
                "number": certificate.certificate_number,
                "stars": certificate.stars,
                "decision_number": certificate.decision_number,
                "decision_date": certificate.decision_date.isoformat(),
                "authority": certificate.authority_name,
                "valid_until": certificate.valid_until.isoformat(),
            }
            if certificate
            else None
        ),
    )
    return etag_response(body)


# --- producers --------------------------------------------------------------------------------


def _producer(producer) -> dict:
    return {
        "id": producer.id,
        "slug": producer.slug,
        "name": producer.name,
        "legal_type": producer.legal_type,
        "commune": producer.commune,
        "province": producer.province,
        "legacy_address": producer.legacy_address,
        "story_vi": producer.story_vi or "",
        "story_en": producer.story_en,
        "url": absolute_url("catalog.producer_detail", slug=producer.slug),
        "updated_at": _instant(producer.updated_at),
    }


@bp.get("/producers")
@bp.input(PageArgs, location="query", arg_name="query")
@bp.output(ProducerPageSchema)
@bp.doc(
    operation_id="listProducers",
    summary="List producers",
    description="Active producers by name, a cursor page at a time.",
    tags=[CATALOGUE],
    responses=NOT_MODIFIED,
)
def producers(query: dict):
    after = decode_cursor(query["cursor"], "producers", 2)
    try:
        found, next_key = visible_producers_after(after, query["limit"])
    except InvalidQuery as error:
        raise InvalidCursor("The cursor is not one this API gave out.") from error
    return etag_response(
        {
            "items": [_producer(p) for p in found],
            "next_cursor": _next_cursor("producers", next_key),
        }
    )


@bp.get("/producers/<slug>")
@bp.output(ProducerDetailSchema)
@bp.doc(
    operation_id="getProducer", summary="Get a producer", tags=[CATALOGUE], responses=NOT_MODIFIED
)
def producer(slug: str):
    found = visible_producer(slug)
    if found is None:
        raise NotFound("There is no active producer with this slug.")
    return etag_response(_producer(found))


# --- experiences ------------------------------------------------------------------------------


def _experience(experience, today: date) -> dict:
    certificate = experience.valid_certificate(today)
    return {
        "id": experience.id,
        "slug": experience.slug,
        "name_vi": experience.name_vi,
        "name_en": experience.name_en,
        "summary_vi": experience.summary_vi or "",
        "summary_en": experience.summary_en,
        "producer": {"slug": experience.producer.slug, "name": experience.producer.name},
        "commune": experience.commune,
        "province": experience.province,
        "duration_minutes": experience.duration_minutes,
        "availability_type": (
            "OPENING_HOURS"
            if experience.availability_kind == AvailabilityKind.OPENING_HOURS
            else "START_TIME"
        ),
        "languages": experience.language_codes,
        "stars": certificate.stars if certificate else None,
        "units": [
            {
                "code": unit.code,
                "name_vi": unit.name_vi,
                "name_en": unit.name_en,
                "price": _money(unit.price_vnd),
            }
            for unit in experience.unit_types
        ],
        "image": picture_url(experience.image, external=True) if experience.image else None,
        "url": absolute_url("tourism.experience_detail", slug=experience.slug),
        "updated_at": _instant(experience.updated_at),
    }


@bp.get("/experiences")
@bp.input(PageArgs, location="query", arg_name="query")
@bp.output(ExperiencePageSchema)
@bp.doc(
    operation_id="listExperiences",
    summary="List experiences",
    description="Experiences on sale, a cursor page at a time.",
    tags=[EXPERIENCES],
    responses=NOT_MODIFIED,
)
def experiences(query: dict):
    after = decode_cursor(query["cursor"], "experiences", 1)
    if after is not None and not isinstance(after[0], int):
        raise InvalidCursor("The cursor is not one this API gave out.")
    found, more = visible_experiences_after(after[0] if after else None, query["limit"])
    today = local_today()
    return etag_response(
        {
            "items": [_experience(e, today) for e in found],
            "next_cursor": _next_cursor("experiences", [found[-1].id] if more else None),
        }
    )


@bp.get("/experiences/<slug>")
@bp.output(ExperienceDetailSchema)
@bp.doc(
    operation_id="getExperience",
    summary="Get an experience",
    tags=[EXPERIENCES],
    responses=NOT_MODIFIED,
)
def experience(slug: str):
    found = visible_experience(slug)
    if found is None:
        raise NotFound("There is no experience with this slug on sale.")
    return etag_response(_experience(found, local_today()))


def _local_day(query: dict, field: str) -> date:
    try:
        return date.fromisoformat(query[field])
    except ValueError as error:
        raise _invalid(field, "Not a valid date (YYYY-MM-DD).") from error


def _utc_z(moment: datetime) -> str:
    return aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def octo_availability(session, opening_hours: bool) -> dict:
    """A session as OCTO's ``Availability``: local times with the +07:00 offset, the cut-off
    in UTC, the shop's statuses (CLOSED, SOLD_OUT, LIMITED: at most a fifth of the seats left,
    AVAILABLE)."""
    start, end = local(session.starts_at), local(session.ends_at)
    status = session.availability
    body = {
        "id": start.isoformat(),
        "localDateTimeStart": start.isoformat(),
        "localDateTimeEnd": end.isoformat(),
        "allDay": False,
        "available": status in (AvailabilityStatus.AVAILABLE, AvailabilityStatus.LIMITED),
        "status": str(status),
        "vacancies": session.seats_left,
        "capacity": session.capacity,
        "maxUnits": None,
        "utcCutoffAt": _utc_z(session.cutoff),
        "openingHours": [],
    }
    if opening_hours:  # open for the day between these hours (OCTO's OPENING_HOURS)
        day = datetime.combine(start.date(), datetime.min.time(), tzinfo=LOCAL_TZ)
        body.update(
            localDateTimeStart=day.isoformat(),
            localDateTimeEnd=(day + timedelta(days=1)).isoformat(),
            allDay=True,
            openingHours=[{"from": start.strftime("%H:%M"), "to": end.strftime("%H:%M")}],
        )
    return body


@bp.get("/experiences/<slug>/availability")
@bp.input(AvailabilityQuery, location="query", arg_name="query")
@bp.output(AvailabilitySchema(many=True))
@bp.doc(
    operation_id="listAvailability",
    summary="Availability of an experience",
    description="Its sessions between two local dates (at most 92 days), as OCTO Availability "
    "objects.",
    tags=[EXPERIENCES],
    responses=NOT_MODIFIED,
)
def availability(slug: str, query: dict):
    first, last = _local_day(query, "localDateStart"), _local_day(query, "localDateEnd")
    if last < first:
        raise _invalid("localDateEnd", "Must not be before localDateStart.")
    if (last - first).days > AVAILABILITY_MAX_DAYS:
        raise _invalid("localDateEnd", f"At most {AVAILABILITY_MAX_DAYS} days after the start.")
    found = visible_experience(slug)
    if found is None:
        raise NotFound("There is no experience with this slug on sale.")
    start = datetime.combine(first, datetime.min.time(), tzinfo=LOCAL_TZ).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL_TZ)
    sessions = sessions_between(found, start, end.astimezone(UTC), now=utcnow())
    opening_hours = found.availability_kind == AvailabilityKind.OPENING_HOURS
    # Seats change with every booking: revalidate each time.
    return etag_response(
        [octo_availability(s, opening_hours) for s in sessions], cache_control="no-cache"
    )


# --- certificates -----------------------------------------------------------------------------


@bp.get("/certificates/<path:number>")
@limiter.limit(VERIFY_LIMITS)
@bp.output(CertificateSchema)
@bp.doc(
    operation_id="verifyCertificate",
    summary="Verify an OCOP certificate",
    description="What a certificate number says today, as /verify/<number> does: valid, "
    "expired (since when), revoked or superseded by a later decision; unknown numbers are a 404 "
    "certificate_unknown. "
    "Rate-limited per address like /verify.",
    tags=[VERIFICATION],
    responses={429: "Too many requests"},
)
def certificate(number: str):
    verdict = verify(number, local_today())
    if verdict.state == UNKNOWN or verdict.certificate is None:
        raise CertificateUnknown("No OCOP certificate with this number is in the register.")
    cert, subject = verdict.certificate, verdict.subject
    kind = None
    if subject is not None:
        kind = "product" if cert.product_id else "experience"
    return json_response(
        {
            "number": cert.certificate_number,
            "state": verdict.state,
            "stars": cert.stars,
            "decision_number": cert.decision_number,
            "decision_date": cert.decision_date.isoformat(),
            "authority": cert.authority_name,
            "criteria_version": cert.criteria_version,
            "valid_until": cert.valid_until.isoformat(),
            "expired_since": verdict.expired_since.isoformat() if verdict.expired_since else None,
            "subject_kind": kind,
            "subject_slug": subject.slug if subject is not None else None,
            "subject_name_vi": subject.name_vi if subject is not None else None,
            "subject_name_en": subject.name_en if subject is not None else None,
            "producer": (
                {"slug": subject.producer.slug, "name": subject.producer.name}
                if subject is not None
                else None
            ),
        },
        cache_control="public, max-age=300",
    )


# --- orders -----------------------------------------------------------------------------------

_NO_ORDER_TOKEN = "x" * 43  # compared when the reference is unknown, so both take as long


@bp.get("/orders/<reference>")
@bp.input(OrderQuery, location="query", arg_name="query")
@bp.output(OrderStatusSchema)
@bp.doc(
    operation_id="getOrderStatus",
    summary="Order status",
    description="An order's status by its reference and the access token of its link (the "
    "one in the order e-mail). A wrong token or reference is the same 404.",
    tags=[ORDERS],
)
def order_status(reference: str, query: dict):
    order = find_order(reference) if len(reference) <= 20 else None
    expected = order.access_token if order is not None else _NO_ORDER_TOKEN
    if not hmac.compare_digest(query["token"].encode(), expected.encode()) or order is None:
        raise NotFound("There is no order with this reference and token.")
    return json_response(
        {
            "reference": order.reference,
            "status": order.status,
            "payment_method": order.payment_method,
            "total": _money(order.total_vnd),
            "paid": _money(order.paid_vnd),
            "refunded": _money(order.refunded_vnd),
            "created_at": _instant(order.created_at),
            "updated_at": _instant(order.updated_at),
            "parcels": [
                {
                    "producer": parcel.producer.name,
                    "status": parcel.status,
                    "carrier": parcel.carrier,
                    "tracking_number": parcel.tracking_number,
                    "shipped_at": _instant(parcel.shipped_at),
                    "delivered_at": _instant(parcel.delivered_at),
                }
                for parcel in order.producer_orders
            ],
        }
    )
