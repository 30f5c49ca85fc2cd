"""Who works in the office's pages, and which province they see.

Admins see every province. An OCOP office account (``Role.OCOP_OFFICE``) works for one
province (``User.province_code``): its lists hold that province's producers and what belongs
to them, and another province's producer, certificate or listing answers 404, as a page the
account may not see does everywhere in the back-office.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import or_, select

from shop.accounts.decorators import role_required
from shop.accounts.models import Role
from shop.catalog.models import OcopCertificate, Producer, Product

# The office's own pages: producers, certificates, evaluations, listings, reports, audit.
office_required = role_required(Role.ADMIN, Role.OCOP_OFFICE)


def office_province() -> int | None:
    """The province the signed-in office account works for; None for an admin (every one)."""
    if current_user.role == Role.OCOP_OFFICE:
        return current_user.province_code
    return None


def province_name(code: int | None) -> str | None:
    """The province's name for a heading (None for None)."""
    if code is None:
        return None
    from shop.addresses.services import find_province

    found = find_province(code)
    return found.name if found else str(code)


def producer_in_scope(producer: Producer | None) -> bool:
    if producer is None:
        return False
    province = office_province()
    return province is None or producer.province_code == province


def producer_or_404(producer: Producer | None) -> Producer:
    if not producer_in_scope(producer):
        abort(404)
    return producer  # type: ignore[return-value]


def scoped_producers(query, province: int | None = ...):
    """``query`` (over ``Producer``) limited to ``province`` (by default the office's)."""
    if province is ...:
        province = office_province()
    return query if province is None else query.where(Producer.province_code == province)


def producer_ids_in_scope(province: int | None = ...):
    """A subquery of the ids of the producers of ``province`` (by default the office's), or
    None for every producer."""
    if province is ...:
        province = office_province()
    if province is None:
        return None
    return select(Producer.id).where(Producer.province_code == province).scalar_subquery()


def scoped_by_producer(query, producer_id_column, province: int | None = ...):
    """``query`` limited to rows whose ``producer_id_column`` is a producer in scope."""
    ids = producer_ids_in_scope(province)
    return query if ids is None else query.where(producer_id_column.in_(ids))


def scoped_certificates(query, province: int | None = ...):
    """``query`` (over ``OcopCertificate``) limited to certificates of products and experiences
    of producers in ``province`` (by default the office's)."""
    ids = producer_ids_in_scope(province)
    if ids is None:
        return query
    from shop.tourism.models import Experience

    return query.where(
        or_(
            OcopCertificate.product_id.in_(select(Product.id).where(Product.producer_id.in_(ids))),
            OcopCertificate.experience_id.in_(
                select(Experience.id).where(Experience.producer_id.in_(ids))
            ),
        )
    )
