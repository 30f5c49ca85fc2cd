"""Read models: the public trace page, the producer's lots, the lots offered when shipping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from shop.catalog.models import CertificateStatus, OcopCertificate, Product
from shop.extensions import db
from shop.lots.models import Lot
from shop.orders.models import OrderLine


class CertificateState(StrEnum):
    VALID = "valid"  # a certificate was in force on the day
    EXPIRED = "expired"  # the product had been certified, but the certificate had run out
    REVOKED = "revoked"  # the certificate covering the day was withdrawn
    NONE = "none"  # never certified by then


@dataclass(frozen=True, slots=True)
class CertificateOnDay:
    state: CertificateState
    certificate: OcopCertificate | None  # the one that decides the state, if any


def _replaced(certificate: OcopCertificate, issued: list[OcopCertificate]) -> bool:
    """A superseded certificate covered the days until a later decision replaced it."""
    return certificate.status == CertificateStatus.SUPERSEDED and any(
        other.decision_date > certificate.decision_date for other in issued
    )


def certificate_on(certificates: Iterable[OcopCertificate], day: date) -> CertificateOnDay:
    """The product's certification on ``day``: the best certificate whose decision date to
    valid-until window covers the day (unless revoked), else the latest one issued before it."""
    issued = [c for c in certificates if c.decision_date <= day]
    covering = [c for c in issued if c.valid_until >= day and not _replaced(c, issued)]
    in_force = [c for c in covering if c.status != CertificateStatus.REVOKED]
    if in_force:
        best = max(in_force, key=lambda c: (c.stars, c.decision_date))
        return CertificateOnDay(CertificateState.VALID, best)
    if covering:
        return CertificateOnDay(
            CertificateState.REVOKED, max(covering, key=lambda c: c.decision_date)
        )
    if issued:
        return CertificateOnDay(CertificateState.EXPIRED, max(issued, key=lambda c: c.valid_until))
    return CertificateOnDay(CertificateState.NONE, None)


@dataclass(frozen=True, slots=True)
class TraceView:
    lot: Lot
    product: Product
    on_harvest: CertificateOnDay
    in_force_today: OcopCertificate | None
    orders_count: int


def orders_count(lot_id: int) -> int:
    """How many orders had goods of this lot shipped (no one's details)."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(OrderLine.order_id))).where(OrderLine.lot_id == lot_id)
        )
        or 0
    )


def trace_view(code: str, today: date) -> TraceView | None:
    lot = db.session.scalar(
        select(Lot)
        .where(Lot.code == code)
        .options(
            joinedload(Lot.product).joinedload(Product.producer),
            joinedload(Lot.product).selectinload(Product.certificates),
        )
    )
    if lot is None:
        return None
    product = lot.product
    return TraceView(
        lot=lot,
        product=product,
        on_harvest=certificate_on(product.certificates, lot.harvest_date),
        in_force_today=product.valid_certificate(today),
        orders_count=orders_count(lot.id),
    )


def producer_lot(producer_id: int, lot_id: int) -> Lot | None:
    """One of the producer's lots (None for another producer's, as for one that does not
    exist)."""
    return db.session.scalar(
        select(Lot)
        .join(Lot.product)
        .where(Lot.id == lot_id, Product.producer_id == producer_id)
        .options(
            joinedload(Lot.product).joinedload(Product.producer),
            joinedload(Lot.product).selectinload(Product.certificates),
        )
    )


def producer_product(producer_id: int, product_id: int) -> Product | None:
    return db.session.scalar(
        select(Product).where(Product.id == product_id, Product.producer_id == producer_id)
    )


def producer_lots_query(producer_id: int):
    """The producer's lots, newest harvest first (statement and count, for ``paginate``)."""
    where = (Product.producer_id == producer_id,)
    stmt = (
        select(Lot)
        .join(Lot.product)
        .where(*where)
        .options(joinedload(Lot.product))
        .order_by(Lot.harvest_date.desc(), Lot.id.desc())
    )
    return stmt, select(func.count(Lot.id)).join(Lot.product).where(*where)


def producer_products(producer_id: int) -> list[Product]:
    """The producer's products to record lots of, by name."""
    return list(
        db.session.scalars(
            select(Product).where(Product.producer_id == producer_id).order_by(Product.name_vi)
        )
    )


def lots_for_products(product_ids: Iterable[int], *, limit_per_product: int = 30) -> dict:
    """The latest lots of each product (product id → lots, newest harvest first), to choose
    from when shipping."""
    ids = set(product_ids)
    if not ids:
        return {}
    ranked = (
        select(
            Lot.id,
            func.row_number()
            .over(partition_by=Lot.product_id, order_by=(Lot.harvest_date.desc(), Lot.id.desc()))
            .label("rank"),
        )
        .where(Lot.product_id.in_(ids))
        .subquery()
    )
    lots = db.session.scalars(
        select(Lot)
        .join(ranked, ranked.c.id == Lot.id)
        .where(ranked.c.rank <= limit_per_product)
        .order_by(Lot.harvest_date.desc(), Lot.id.desc())
    ).all()
    found: dict[int, list[Lot]] = {product_id: [] for product_id in ids}
    for lot in lots:
        found[lot.product_id].append(lot)
    return found


def lots_by_id(ids: Iterable[int]) -> dict[int, Lot]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {lot.id: lot for lot in db.session.scalars(select(Lot).where(Lot.id.in_(wanted)))}


def required_products(lines: Iterable) -> set[int]:
    """The products among ``lines`` whose shipped lines must name their lot."""
    ids = {line.product_id for line in lines if line.product_id is not None}
    if not ids:
        return set()
    return set(
        db.session.scalars(select(Product.id).where(Product.id.in_(ids), Product.lot_required))
    )
