"""The portal's overview: what needs doing today (parcels to confirm and to ship), this week's
sessions, products running low, certificates that expire within 90 days, and the balance
(available / pending, linking to the money page)."""

from __future__ import annotations

from datetime import time, timedelta

from flask import render_template
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from shop.accounts.decorators import role_required
from shop.accounts.models import Role
from shop.catalog.models import NOT_IN_FORCE, OcopCertificate, Producer, Product
from shop.db import utcnow
from shop.extensions import db
from shop.orders.models import Order, ProducerOrder, ProducerOrderStatus
from shop.payouts.ledger import balance
from shop.producer import bp
from shop.producer.catalogue import LOW_STOCK
from shop.producer.routes import _visible_to_staff
from shop.templating import local_today
from shop.tourism.models import Experience, ExperienceSession, SessionStatus
from shop.tourism.rules import utc_from_local

LIST_MAX = 10
EXPIRY_DAYS = 90


def _parcels(status: str, *, due_by=None) -> list[ProducerOrder]:
    conditions = [*_visible_to_staff(), ProducerOrder.status == status]
    if due_by is not None:  # pre-orders only once their shipping date has come
        conditions.append(
            or_(ProducerOrder.ships_from.is_(None), ProducerOrder.ships_from < due_by)
        )
    return list(
        db.session.scalars(
            select(ProducerOrder)
            .join(ProducerOrder.order)
            .where(*conditions)
            .options(joinedload(ProducerOrder.order))
            .order_by(Order.created_at, ProducerOrder.id)
            .limit(LIST_MAX)
        )
    )


@bp.get("/")
@role_required(Role.PRODUCER_STAFF)
def dashboard():
    producer_id = current_user.producer_id
    today = local_today()
    tomorrow_start = utc_from_local(today + timedelta(days=1), time.min)
    now = utcnow()
    sessions = db.session.scalars(
        select(ExperienceSession)
        .join(Experience, ExperienceSession.experience_id == Experience.id)
        .where(
            Experience.producer_id == producer_id,
            ExperienceSession.starts_at >= now,
            ExperienceSession.starts_at < now + timedelta(days=7),
            ExperienceSession.status != SessionStatus.CANCELLED,
        )
        .order_by(ExperienceSession.starts_at)
        .limit(LIST_MAX)
    ).all()
    low_stock = db.session.scalars(
        select(Product)
        .where(Product.producer_id == producer_id, Product.active, Product.stock <= LOW_STOCK)
        .order_by(Product.stock, Product.name_vi)
        .limit(LIST_MAX)
    ).all()
    expiring = db.session.execute(
        select(OcopCertificate, Product.name_vi, Experience.name_vi)
        .outerjoin(Product, OcopCertificate.product_id == Product.id)
        .outerjoin(Experience, OcopCertificate.experience_id == Experience.id)
        .where(
            or_(Product.producer_id == producer_id, Experience.producer_id == producer_id),
            OcopCertificate.status.not_in(NOT_IN_FORCE),
            OcopCertificate.valid_until >= today,
            OcopCertificate.valid_until <= today + timedelta(days=EXPIRY_DAYS),
        )
        .order_by(OcopCertificate.valid_until)
    ).all()
    return render_template(
        "producer/dashboard.html",
        producer=db.session.get(Producer, producer_id),
        to_confirm=_parcels(ProducerOrderStatus.NEW),
        to_ship=_parcels(ProducerOrderStatus.CONFIRMED, due_by=tomorrow_start),
        sessions=sessions,
        low_stock=low_stock,
        low_stock_limit=LOW_STOCK,
        expiring=[(c, p or e) for c, p, e in expiring],
        balance=balance(producer_id, today),
    )
