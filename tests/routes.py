"""A small world (a producer, a product, a paid order) and a URL for every route of the map.

Shared by the edge tests and the fuzz test, so a new route is covered without a new list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from werkzeug.routing import Rule

from shop.extensions import db
from shop.orders.models import Order
from shop.payments.services import payment_succeeded
from shop.templating import LOCAL_TZ
from tests.factories import (
    gen_booking_order,
    gen_certificate,
    gen_experience,
    gen_order,
    gen_product,
    gen_session,
    unit,
)
from tests.lots.factories import gen_lot
from tests.payments.attempts import start_attempt

# Not HTML pages of the shop: files, feeds, the health probe and the webhook.
NOT_PAGES = {"static", "site.robots", "catalog.sitemap", "site.healthz", "payments.stripe_webhook"}


@dataclass
class World:
    product_slug: str
    producer_slug: str
    producer_id: int
    order: Order
    parcel_id: int
    line_id: int
    demo_reference: str
    experience_slug: str
    experience_id: int
    session_id: int
    booking_id: int
    ticket_code: str
    product_id: int
    lot_id: int
    lot_code: str
    certificate_number: str
    image_id: int
    revision_id: int


def make_world(producer=None) -> World:
    """A product with stock and one order for it, paid through the demo provider; an experience
    of the same producer with a session, and a paid booking of it with its ticket."""
    from datetime import timedelta

    from shop.db import utcnow
    from shop.moderation.services import submit_change
    from shop.tourism.models import Booking

    product = gen_product(stock=20, **({"producer": producer} if producer else {}))
    order = gen_order([(product, 1)])
    payment = start_attempt(order)  # the demo provider's own reference
    demo_reference = payment.provider_reference
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    experience = gen_experience(producer=product.producer)
    session = gen_session(experience, starts_at=utcnow() + timedelta(days=20))
    trip = gen_booking_order([(session, unit(experience, "adult"), 2)], now=utcnow())
    payment_succeeded(start_attempt(trip), amount_vnd=trip.total_vnd, currency="vnd", actor="test")
    booking = db.session.scalars(db.select(Booking).where(Booking.order_id == trip.id)).one()
    ticket_code = booking.ticket.code
    lot = gen_lot(product)
    certificate = gen_certificate(product, decision_date=utcnow().date() - timedelta(days=200))
    # A change of the product's name waiting for the office's review.
    revision = submit_change(product, {"name_vi": f"{product.name_vi} mới"}, actor_id=None)
    db.session.commit()
    db.session.refresh(order)
    return World(
        product_slug=product.slug,
        producer_slug=product.producer.slug,
        producer_id=product.producer_id,
        order=order,
        parcel_id=order.producer_orders[0].id,
        line_id=order.lines[0].id,
        demo_reference=demo_reference,
        experience_slug=experience.slug,
        experience_id=experience.id,
        session_id=session.id,
        booking_id=booking.id,
        ticket_code=ticket_code,
        product_id=product.id,
        lot_id=lot.id,
        lot_code=lot.code,
        certificate_number=certificate.certificate_number,
        image_id=product.images[0].id,
        revision_id=revision.id,
    )


def sample_values(rule: Rule, world: World) -> dict[str, object]:
    """Real values for the variables of ``rule`` (the page exists)."""
    values: dict[str, object] = {}
    for name in rule.arguments:
        if name == "slug":
            if rule.endpoint == "catalog.producer_detail":
                values[name] = world.producer_slug
            elif rule.endpoint.startswith("tourism."):
                values[name] = world.experience_slug
            else:
                values[name] = world.product_slug
        elif name == "reference":
            demo = rule.endpoint.startswith("payments.")
            values[name] = world.demo_reference if demo else world.order.reference
        elif name == "token":
            values[name] = "not-a-real-token"
        elif name == "parcel_id":
            values[name] = world.parcel_id
        elif name in {"line_id", "refund_id"}:
            values[name] = world.line_id
        elif name == "experience_id":
            values[name] = world.experience_id
        elif name == "session_id":
            values[name] = world.session_id
        elif name == "booking_id":
            values[name] = world.booking_id
        elif name == "batch_id":
            values[name] = 1  # the sample world has no remittance: the page says there is none
        elif name == "producer_id":
            values[name] = world.producer_id
        elif name == "payout_id":
            values[name] = 1  # the sample world has no payout: the page says there is none
        elif name == "key_id":
            values[name] = 1  # the sample world has no partner API key: a 404 for everyone
        elif name in {"user_id", "invitation_id"}:
            values[name] = 1  # a staff member or invitation id (another producer's: a 404)
        elif name == "code":
            values[name] = (
                world.lot_code if rule.endpoint.startswith("lots.") else world.ticket_code
            )
        elif name == "product_id":
            values[name] = world.product_id
        elif name == "producer_id":
            values[name] = world.producer_id
        elif name == "image_id":
            values[name] = world.image_id
        elif name == "revision_id":
            values[name] = world.revision_id
        elif name == "lot_id":
            values[name] = world.lot_id
        elif name == "producer_id":
            values[name] = world.producer_id
        elif name in {"year", "month"}:  # this month (the world's orders wrote ledger entries)
            now = datetime.now(LOCAL_TZ)
            values[name] = now.year if name == "year" else now.month
        elif name in {"entity_id", "organisation_id", "request_id", "quote_id"}:
            values[name] = 1  # the sample world has no organisation: a 404 for everyone
        elif name == "decision":
            values[name] = "approve"
        elif name == "fmt":
            values[name] = "pdf"
        elif name == "filename":
            values[name] = "css/shop.css"
        elif name == "number":
            values[name] = world.certificate_number
        elif name == "kind":  # an evaluation's subject
            values[name] = "product"
        elif name == "subject_id":
            values[name] = world.product_id
        elif name in {"certificate_id", "authority_id"}:
            values[name] = 1  # the world's certificate (no scan: a 404), an authority or none
        elif name == "report":
            values[name] = "sales-by-group"  # one of the office's reports
        else:  # a new kind of variable: teach this helper about it
            raise AssertionError(f"no sample value for <{name}> in {rule.rule}")
    return values


def rules(app: Flask, method: str, *, pages_only: bool = True) -> list[Rule]:
    found = [
        rule
        for rule in app.url_map.iter_rules()
        if method in (rule.methods or ()) and not (pages_only and rule.endpoint in NOT_PAGES)
    ]
    return sorted(found, key=lambda rule: rule.rule)


def build(app: Flask, rule: Rule, values: dict[str, object]) -> str:
    return app.url_map.bind("localhost").build(rule.endpoint, values)
