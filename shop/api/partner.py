"""The partners' write operations: hold seats, confirm the hold, read it, release it.

Every operation is authenticated by ``Authorization: Bearer <key>`` (an unknown or revoked key
→ 401 ``invalid_api_key`` with ``WWW-Authenticate``) and rate-limited per key with
Flask-Limiter's limiter (its ``rate_limit_per_minute``, counted per key, → 429 ``rate_limited``
with ``Retry-After``). Every POST carries an ``Idempotency-Key`` (``shop.partners.idempotency``):
the same key and body get the stored answer again (``Idempotent-Replayed: true``), the same key
with another body 422 ``idempotency_key_reused``, the same key while the first is still running
409 ``idempotency_key_in_flight``. Views are thin: parse, one service call; the wrapper commits
the work together with the answer it stores.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from apiflask import Schema
from apiflask.exceptions import HTTPError
from apiflask.fields import DateTime, Email, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from flask import current_app, g, request, url_for
from flask.wrappers import Response
from limits import RateLimitItemPerMinute
from marshmallow import ValidationError, validates

from shop.accounts.forms import normalize_phone
from shop.api import bp
from shop.api.schemas import MoneySchema
from shop.db import begin_write_transaction, utcnow
from shop.errors import ShopError, problem
from shop.extensions import db, limiter
from shop.orders.services import OrderRules
from shop.partners import bookings, idempotency
from shop.partners.errors import InvalidApiKey
from shop.partners.keys import LAST_USED_EVERY, find_active_key, mark_used
from shop.partners.models import IDEMPOTENCY_KEY_MAX, ApiKey
from shop.templating import LOCAL_TZ
from shop.text import has_control_characters
from shop.tourism.rules import aware

log = logging.getLogger(__name__)

PARTNERS = "Partner bookings"
SECURITY = "PartnerKey"
REALM = 'Bearer realm="OCOP Market partner API"'

# --- shapes ---------------------------------------------------------------------------------------


def _no_control_characters(value: str) -> None:
    if has_control_characters(value):
        raise ValidationError("Must not contain control characters.")


class GuestSchema(Schema):
    name = String(required=True, validate=[Length(1, 120), _no_control_characters])
    email = Email(required=True, validate=Length(max=254))
    phone = String(
        required=True,
        validate=Length(1, 30),
        metadata={"description": "International (+44 20 7946 0000) or Vietnamese (0912 345 678)"},
    )

    @validates("phone")
    def _phone(self, value: str, **_kwargs) -> None:
        if normalize_phone(value) is None:
            raise ValidationError("Not a valid phone number.")


class UnitRequestSchema(Schema):
    unit = String(
        required=True,
        validate=[Length(1, 10), _no_control_characters],
        metadata={"description": "A unit code of the experience (adult, child, senior, family)"},
    )
    quantity = Integer(required=True, strict=True, validate=Range(1, 100))


class HoldInSchema(Schema):
    experience = String(
        required=True,
        validate=[Length(1, 120), _no_control_characters],
        metadata={"description": "The experience's slug"},
    )
    availability_id = String(
        required=True,
        validate=[Length(1, 40), _no_control_characters],
        metadata={
            "format": "date-time",
            "description": "The id of one of its availabilities (its local start, ISO 8601 with "
            "its offset)",
        },
    )
    units = List(Nested(UnitRequestSchema), required=True, validate=Length(1, 4))
    guest = Nested(GuestSchema, required=True, metadata={"description": "The lead guest"})
    locale = String(load_default="en", validate=OneOf(["vi", "en"]))
    partner_reference = String(
        load_default=None,
        allow_none=True,
        validate=[Length(1, 100), _no_control_characters],
        metadata={"description": "The partner's own reference for the booking"},
    )


class IdempotencyHeaders(Schema):
    idempotency_key = String(
        required=True,
        data_key="Idempotency-Key",
        validate=Length(1, IDEMPOTENCY_KEY_MAX),
        metadata={
            "description": "A unique key per operation (a UUID): sent again, it answers again"
        },
    )


class BookingUnitSchema(Schema):
    unit = String(required=True)
    name = String(required=True)
    quantity = Integer(required=True)
    unit_price = Nested(MoneySchema, required=True)
    total = Nested(MoneySchema, required=True)


class BookingGuestSchema(Schema):
    name = String(required=True)
    email = String(required=True)
    phone = String(required=True)


class TicketSchema(Schema):
    code = String(required=True)
    url = String(required=True, metadata={"format": "uri"})


class BookingSchema(Schema):
    id = String(required=True, metadata={"format": "uuid"})
    status = String(
        required=True,
        validate=OneOf(
            ["held", "confirmed", "checked_in", "completed", "expired", "released", "cancelled"]
        ),
    )
    partner_reference = String(required=True, allow_none=True)
    order_reference = String(required=True)
    experience = String(required=True, metadata={"description": "The experience's slug"})
    availability_id = String(required=True)
    starts_at = DateTime(required=True)
    seats = Integer(required=True)
    units = List(Nested(BookingUnitSchema), required=True)
    total = Nested(MoneySchema, required=True)
    guest = Nested(BookingGuestSchema, required=True)
    created_at = DateTime(required=True)
    expires_at = DateTime(
        required=True, allow_none=True, metadata={"description": "While held: when it lapses"}
    )
    confirmed_at = DateTime(required=True, allow_none=True)
    tickets = List(Nested(TicketSchema), required=True)


# --- authentication, rate limit, idempotency ----------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The key of the request, as plain values (the row stays in its session)."""

    id: int
    prefix: str
    rate_limit_per_minute: int

    def row(self) -> ApiKey:
        return db.session.get(ApiKey, self.id)


def _unauthorized(detail: str, presented: bool) -> Response:
    response = problem(401, InvalidApiKey.code, detail)
    response.headers["WWW-Authenticate"] = f'{REALM}, error="invalid_token"' if presented else REALM
    return response


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _authenticate() -> Caller | Response:
    presented = _presented_key()
    if presented is None:
        return _unauthorized("Send the API key as Authorization: Bearer <key>.", False)
    api_key = find_active_key(presented)
    if api_key is None:
        return _unauthorized("This API key is unknown or has been revoked.", True)
    caller = Caller(api_key.id, api_key.prefix, api_key.rate_limit_per_minute)
    last_used = api_key.last_used_at
    now = utcnow()
    if last_used is None or aware(last_used) < now - LAST_USED_EVERY:
        begin_write_transaction(db.session)
        mark_used(caller.id, now)
        db.session.commit()
    return caller


def _rate_limited(caller: Caller) -> Response | None:
    """One hit on the key's counter (Flask-Limiter's limiter and storage, a moving minute);
    a 429 problem with ``Retry-After`` when the key has used its minute."""
    if not limiter.enabled or not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    item = RateLimitItemPerMinute(caller.rate_limit_per_minute)
    identity = (current_app.config.get("RATELIMIT_KEY_PREFIX", ""), "partner-api", caller.prefix)
    if limiter.limiter.hit(item, *identity):
        return None
    reset_at = limiter.limiter.get_window_stats(item, *identity).reset_time
    retry_after = max(1, math.ceil(reset_at - time.time()))
    response = problem(
        429,
        "rate_limited",
        f"This key may make {caller.rate_limit_per_minute} requests a minute.",
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def _replay(stored: idempotency.StoredResponse) -> Response:
    response = current_app.response_class(stored.body, status=stored.status)
    for name, value in stored.headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


STORED_HEADERS = ("Content-Type", "Location", "Cache-Control")


def _stored(response: Response) -> idempotency.StoredResponse:
    return idempotency.StoredResponse(
        response.status_code,
        response.get_data(as_text=True),
        {name: response.headers[name] for name in STORED_HEADERS if name in response.headers},
    )


def _error_response(error: Exception) -> Response:
    """What Flask would answer for ``error`` (a refusal, a body that does not validate)."""
    return current_app.make_response(current_app.handle_user_exception(error))


def _idempotent(view: Callable, caller: Caller, args, kwargs) -> Response:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return problem(
            400, "idempotency_key_missing", "Every POST needs an Idempotency-Key header."
        )
    if not idempotency.valid_key(key):
        return problem(
            400,
            "idempotency_key_invalid",
            f"An Idempotency-Key is 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters.",
        )
    print_ = idempotency.fingerprint(request.method, request.path, request.get_data())
    begin_write_transaction(db.session)
    claim = idempotency.claim(caller.id, key, print_, now=utcnow())
    if claim.record_id is None:
        db.session.rollback()
        if claim.replay is not None:
            return _replay(claim.replay)
        if claim.conflict == "reused":
            return problem(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used with another request body.",
            )
        return problem(
            409,
            "idempotency_key_in_flight",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        )
    db.session.commit()  # others with the key see it from now on
    record_id = claim.record_id
    try:
        response = current_app.make_response(view(*args, **kwargs))
    except (ShopError, HTTPError) as error:  # a refusal: the same body gets it again
        db.session.rollback()
        response = _error_response(error)
        begin_write_transaction(db.session)
    except Exception:
        db.session.rollback()
        begin_write_transaction(db.session)
        idempotency.forget(record_id)
        db.session.commit()
        raise
    if response.status_code >= 500:
        db.session.rollback()
        begin_write_transaction(db.session)
        idempotency.forget(record_id)
        db.session.commit()
        return response
    try:
        if not db.session().in_transaction():  # the view wrote nothing
            begin_write_transaction(db.session)
        idempotency.complete(record_id, _stored(response))
        db.session.commit()  # the work and its answer together
    except Exception:
        db.session.rollback()
        begin_write_transaction(db.session)
        idempotency.forget(record_id)
        db.session.commit()
        raise
    return response


def partner_operation(*, idempotent: bool) -> Callable:
    """Authenticate, count against the key's rate limit, and (POSTs) apply the
    ``Idempotency-Key``; the view finds the key in ``g.partner``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            caller = _authenticate()
            if isinstance(caller, Response):
                return caller
            refused = _rate_limited(caller)
            if refused is not None:
                return refused
            g.partner = caller
            if idempotent:
                response = _idempotent(view, caller, args, kwargs)
            else:
                response = current_app.make_response(view(*args, **kwargs))
            response.headers["Cache-Control"] = "no-store"
            return response

        return guarded

    return decorator


# --- the operations ------------------------------------------------------------------------------


def _money(amount: int) -> dict:
    return {"amount": amount, "currency": "VND"}


def _booking(found: bookings.BookingView) -> dict:
    start = found.starts_at.astimezone(LOCAL_TZ)
    return {
        "id": found.public_id,
        "status": found.status,
        "partner_reference": found.partner_reference,
        "order_reference": found.order_reference,
        "experience": found.experience_slug,
        "availability_id": start.isoformat(),
        "starts_at": start,
        "seats": found.seats,
        "units": [
            {
                "unit": unit.code,
                "name": unit.name,
                "quantity": unit.quantity,
                "unit_price": _money(unit.unit_price_vnd),
                "total": _money(unit.total_vnd),
            }
            for unit in found.units
        ],
        "total": _money(found.total_vnd),
        "guest": {"name": found.lead_name, "email": found.email, "phone": found.phone},
        "created_at": found.created_at,
        "expires_at": found.expires_at,
        "confirmed_at": found.confirmed_at,
        "tickets": [
            {"code": code, "url": url_for("tickets.ticket", code=code, _external=True)}
            for code in found.tickets
        ],
    }


def _rules() -> OrderRules:
    config = current_app.config
    return OrderRules(
        standard_fee_vnd=config["DELIVERY_STANDARD_FEE_VND"],
        chilled_fee_vnd=config["DELIVERY_CHILLED_FEE_VND"],
        payment_ttl=timedelta(minutes=config["ORDER_PAYMENT_TTL_MINUTES"]),
        max_line_quantity=config["MAX_LINE_QUANTITY"],
    )


def _availability_start(value: str) -> datetime:
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise HTTPError(
            400,
            detail={
                "json": {"availability_id": ["An availability id: a local start with its offset."]}
            },
        )
    return start


ERRORS_WRITE = {
    400: "Bad request: a body that does not validate (validation_failed), a missing or malformed "
    "Idempotency-Key (idempotency_key_missing, idempotency_key_invalid), a unit quantity out of "
    "range (invalid_quantity)",
    401: "No API key, or an unknown or revoked one (invalid_api_key)",
    404: "No such booking for this key (booking_not_found)",
    409: "Conflict: the session is full or not bookable (session_full, session_unavailable), the "
    "hold expired or was released (hold_expired, hold_released), the booking is confirmed "
    "(booking_confirmed), or a request with this Idempotency-Key is still running "
    "(idempotency_key_in_flight)",
    422: "This Idempotency-Key was used with another body (idempotency_key_reused)",
    429: "Too many requests for this key (rate_limited); Retry-After says when to come back",
}


@bp.post("/bookings")
@bp.doc(
    operation_id="createBooking",
    summary="Hold seats",
    description="Hold seats of one availability of an experience for the lead guest: the hold "
    "lasts the shop's payment window (expires_at), then lapses and its seats go back.",
    tags=[PARTNERS],
    security=SECURITY,
    responses={k: v for k, v in ERRORS_WRITE.items() if k != 404},
)
@partner_operation(idempotent=True)
@bp.output(BookingSchema, status_code=201, description="The booking, held")
@bp.input(IdempotencyHeaders, location="headers", arg_name="headers")
@bp.input(HoldInSchema, location="json", arg_name="body")
def create_booking(headers: dict, body: dict):
    start = _availability_start(body["availability_id"])
    quantities: dict[str, int] = {}
    for item in body["units"]:
        quantities[item["unit"]] = quantities.get(item["unit"], 0) + item["quantity"]
    caller: Caller = g.partner
    now = utcnow()
    begin_write_transaction(db.session)
    session = bookings.find_session(body["experience"], start)
    guest = body["guest"]
    held = bookings.hold(
        caller.row(),
        bookings.HoldRequest(
            session_id=session.id,
            units=bookings.unit_ids(session, quantities),
            lead_name=guest["name"],
            email=guest["email"].lower(),
            phone=normalize_phone(guest["phone"]),
            locale=body["locale"],
            partner_reference=body["partner_reference"],
        ),
        rules=_rules(),
        now=now,
    )
    location = url_for("api.get_booking", booking_id=held.public_id)
    return _booking(bookings.view(held, now)), 201, {"Location": location}


@bp.post("/bookings/<booking_id>/confirm")
@bp.doc(
    operation_id="confirmBooking",
    summary="Confirm a hold",
    description="The partner takes on the booking's price (invoiced to its account): the "
    "booking is confirmed and its ticket issued. Confirming again answers with the same booking.",
    tags=[PARTNERS],
    security=SECURITY,
    responses=ERRORS_WRITE,
)
@partner_operation(idempotent=True)
@bp.output(BookingSchema, description="The booking, confirmed, with its ticket")
@bp.input(IdempotencyHeaders, location="headers", arg_name="headers")
def confirm_booking(booking_id: str, headers: dict):
    begin_write_transaction(db.session)
    now = utcnow()
    held = bookings.confirm(g.partner.row(), booking_id, now=now)
    return _booking(bookings.view(held, now))


@bp.post("/bookings/<booking_id>/cancel")
@bp.doc(
    operation_id="releaseBooking",
    summary="Release a hold",
    description="Give a hold up before confirming it: its seats go back. Releasing again (or "
    "a hold that expired) answers with the booking as it is.",
    tags=[PARTNERS],
    security=SECURITY,
    responses=ERRORS_WRITE,
)
@partner_operation(idempotent=True)
@bp.output(BookingSchema, description="The booking, released")
@bp.input(IdempotencyHeaders, location="headers", arg_name="headers")
def release_booking(booking_id: str, headers: dict):
    begin_write_transaction(db.session)
    now = utcnow()
    held = bookings.release(g.partner.row(), booking_id, now=now)
    return _booking(bookings.view(held, now))


@bp.get("/bookings/<booking_id>")
@bp.doc(
    operation_id="getBooking",
    summary="A booking",
    description="One of this key's bookings, as it is now.",
    tags=[PARTNERS],
    security=SECURITY,
    responses={k: v for k, v in ERRORS_WRITE.items() if k in (401, 404, 429)},
)
@partner_operation(idempotent=False)
@bp.output(BookingSchema, description="The booking")
def get_booking(booking_id: str):
    now = utcnow()
    return _booking(bookings.view(bookings.find(g.partner.row(), booking_id), now))
