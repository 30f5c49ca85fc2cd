"""Producers, OCOP categories, products and their OCOP certificates."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.addresses.services import find_province
from shop.db import TimestampMixin, one_of
from shop.extensions import db
from shop.text import search_terms

CERTIFICATE_VALIDITY_MONTHS = 36


def join_address(*parts: str | None) -> str:
    """A producer's address on one line: street, commune, province (empty parts left out)."""
    return ", ".join(p for p in parts if p)


def certificate_in_force(status: str, valid_until: date, today: date) -> bool:
    """A certificate counts until the end of its last day unless revoked or superseded by a
    later decision (the same rule as ``shop.catalog.reads.best_stars`` in SQL)."""
    return status not in NOT_IN_FORCE and valid_until >= today


def best_certificate(certificates, today: date):
    """The highest-rated certificate in force on ``today`` (latest decision on a tie)."""
    valid = [c for c in certificates if c.is_valid_on(today)]
    return max(valid, key=lambda c: (c.stars, c.decision_date), default=None)


def season_contains(season_start: int | None, season_end: int | None, day: date) -> bool | None:
    """None for all-year products, else whether ``day`` falls in the season window
    (``month*100 + day`` bounds; a window may run over the new year)."""
    if season_start is None or season_end is None:
        return None
    md = day.month * 100 + day.day
    if season_start <= season_end:
        return season_start <= md <= season_end
    return md >= season_start or md <= season_end


class LegalType(StrEnum):
    COOPERATIVE = "cooperative"
    ENTERPRISE = "enterprise"
    COOPERATIVE_GROUP = "cooperative_group"
    HOUSEHOLD = "household"
    INDIVIDUAL = "individual"  # a person selling in their own name (withheld like households)


class ShippingClass(StrEnum):
    AMBIENT = "ambient"
    CHILLED = "chilled"
    FRESH_PERISHABLE = "fresh_perishable"


class Authority(StrEnum):
    PROVINCE = "province"
    MINISTRY = "ministry"
    DISTRICT = "district"


class ProducerStatus(StrEnum):
    PENDING = "pending"  # onboarding: not on sale until the office approves
    APPROVED = "approved"  # on sale
    SUSPENDED = "suspended"  # off sale by the office (with a reason); its open orders go on


# Who moves a producer where (``shop.db.move_status``); approving needs the onboarding checklist.
PRODUCER_TRANSITIONS: dict[str, frozenset[str]] = {
    ProducerStatus.PENDING: frozenset({ProducerStatus.APPROVED, ProducerStatus.SUSPENDED}),
    ProducerStatus.APPROVED: frozenset({ProducerStatus.SUSPENDED}),
    ProducerStatus.SUSPENDED: frozenset({ProducerStatus.APPROVED}),
}


class ReviewStatus(StrEnum):
    """A listing's review by the OCOP office (``shop.moderation``): a new listing of a moderated
    producer waits (``pending``) and is off sale until approved; a rejected one stays off."""

    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


# Only an approved listing may be on sale: every shop read tests ``active``, so a listing
# waiting for review (or rejected) is off every public page, cache, search and cart at once.
REVIEWED_WHEN_ACTIVE = "review_status = 'approved' OR NOT active"


class CertificateStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    # Replaced by the decision of a later evaluation of the same product or experience: kept
    # as history, never counted again (``shop.evaluations.services.record_evaluation``).
    SUPERSEDED = "superseded"


# Statuses that stop a certificate counting before its last valid day.
NOT_IN_FORCE = (CertificateStatus.REVOKED.value, CertificateStatus.SUPERSEDED.value)


def stars_for_score(score: int) -> int:
    """OCOP rating from the 100-point score: ≥90 → 5★, 70–89 → 4★, 50–69 → 3★, 30–49 → 2★."""
    if not 0 <= score <= 100:
        raise ValueError("score must be between 0 and 100")
    if score >= 90:
        return 5
    if score >= 70:
        return 4
    if score >= 50:
        return 3
    if score >= 30:
        return 2
    return 1


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover


def word_list(*texts: str | None) -> str:
    """Folded words between spaces, so ``LIKE '% word%'`` matches the start of any word."""
    return " " + " ".join(search_terms(" ".join(t for t in texts if t))) + " "


def lot_always_required(shipping_class: str | None) -> bool:
    """Fresh fruit (fresh, perishable goods such as lychee) always name the harvest lot each
    parcel line was shipped from; the producer chooses for everything else."""
    return shipping_class == ShippingClass.FRESH_PERISHABLE


def _lot_required_by_default(context) -> bool:
    return lot_always_required(context.get_current_parameters().get("shipping_class"))


# ``acct_`` then letters and digits only; portable SQL (SQLite and PostgreSQL): trimming every
# letter and digit from the rest leaves nothing.
STRIPE_ACCOUNT_CHECK = (
    "stripe_account_id IS NULL OR (substr(stripe_account_id, 1, 5) = 'acct_'"
    " AND length(stripe_account_id) > 5"
    " AND trim(lower(substr(stripe_account_id, 6)), '0123456789abcdefghijklmnopqrstuvwxyz') = '')"
)


class Producer(TimestampMixin, db.Model):
    __tablename__ = "producer"
    __table_args__ = (
        CheckConstraint(one_of("legal_type", LegalType), name="legal_type_known"),
        CheckConstraint("length(tax_code) BETWEEN 10 AND 14", name="tax_code_length"),
        CheckConstraint(STRIPE_ACCOUNT_CHECK, name="stripe_account_id_shape"),
        CheckConstraint(one_of("status", ProducerStatus), name="status_known"),
        # ``active`` (what every shop query reads) is on sale exactly when approved.
        CheckConstraint("(status = 'approved') = active", name="active_when_approved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_type: Mapped[str] = mapped_column(String(20))
    tax_code: Mapped[str] = mapped_column(String(14))
    province: Mapped[str] = mapped_column(String(80))
    commune: Mapped[str] = mapped_column(String(80), index=True)
    # Codes of the 2025 address list (``shop.addresses``), when the names are in it.
    province_code: Mapped[int | None] = mapped_column(SmallInteger)
    commune_code: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str | None] = mapped_column(String(200))
    legacy_address: Mapped[str | None] = mapped_column(String(300))
    story_vi: Mapped[str] = mapped_column(Text, default="")
    story_en: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    image: Mapped[str | None] = mapped_column(String(200))
    # Provinces this producer can reach with fresh or chilled goods within 48 hours, besides
    # its own, separated by ";" (e.g. "Hà Nội;Hải Phòng").
    fresh_delivery_provinces: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(
        String(12), default=ProducerStatus.APPROVED, server_default=ProducerStatus.APPROVED.value
    )
    status_reason: Mapped[str | None] = mapped_column(Text)  # the office's, e-mailed
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The producer's Stripe Connect account (``acct_…``): payouts go there by Stripe transfer.
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    # Set by the office: new listings and changes to their public content wait for its review.
    moderated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    products: Mapped[list[Product]] = relationship(back_populates="producer")

    def delivers_fresh_to(self, province: int | str) -> bool:
        """Whether fresh goods reach ``province`` (a code of the 2025 list, or a name)."""
        wanted = find_province(province)
        if wanted is None:
            return False
        names = [self.province, *(self.fresh_delivery_provinces or "").split(";")]
        served = {self.province_code} | {
            found.code for name in names if (found := find_province(name)) is not None
        }
        return wanted.code in served

    @property
    def address(self) -> str:
        return join_address(self.street, self.commune, self.province)


class Category(db.Model):
    """An OCOP product group (2023 criteria) or one of its sub-groups."""

    __tablename__ = "category"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )


class Product(TimestampMixin, db.Model):
    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("price_vnd > 0", name="price_positive"),
        CheckConstraint("vat_rate IN (0, 5, 8, 10)", name="vat_rate_known"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("weight_g > 0", name="weight_positive"),
        CheckConstraint(one_of("shipping_class", ShippingClass), name="shipping_class_known"),
        CheckConstraint(
            "(season_start IS NULL AND season_end IS NULL)"
            " OR (season_start IS NOT NULL AND season_end IS NOT NULL"
            " AND season_start BETWEEN 101 AND 1231 AND season_start % 100 BETWEEN 1 AND 31"
            " AND season_end BETWEEN 101 AND 1231 AND season_end % 100 BETWEEN 1 AND 31)",
            name="season_window_valid",
        ),
        # The listing's shelf: visible products by producer with their sort keys, read from
        # the index alone while sorting and counting (the rows carry long descriptions).
        Index("ix_product_shelf", "active", "producer_id", "created_at", "price_vnd"),
        CheckConstraint(
            "NOT preorder OR (preorder_ships_from IS NOT NULL AND preorder_cap IS NOT NULL)",
            name="preorder_has_date_and_cap",
        ),
        CheckConstraint("preorder_cap IS NULL OR preorder_cap >= 0", name="preorder_cap_valid"),
        CheckConstraint(one_of("review_status", ReviewStatus), name="review_status_known"),
        CheckConstraint(REVIEWED_WHEN_ACTIVE, name="on_sale_when_reviewed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    unit_vi: Mapped[str] = mapped_column(String(60))
    unit_en: Mapped[str | None] = mapped_column(String(60))
    origin: Mapped[str] = mapped_column(String(200))
    price_vnd: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[int] = mapped_column(SmallInteger)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    weight_g: Mapped[int] = mapped_column(Integer)
    shipping_class: Mapped[str] = mapped_column(String(20), default=ShippingClass.AMBIENT)
    # Season window as month*100 + day (515 = 15 May); a window may wrap the new year.
    season_start: Mapped[int | None] = mapped_column(SmallInteger)
    season_end: Mapped[int | None] = mapped_column(SmallInteger)
    preorder: Mapped[bool] = mapped_column(Boolean, default=False)
    preorder_ships_from: Mapped[date | None] = mapped_column(Date)
    preorder_cap: Mapped[int | None] = mapped_column(Integer)
    adult_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether each parcel line must name the harvest lot it was shipped from (fresh fruit).
    lot_required: Mapped[bool] = mapped_column(Boolean, default=_lot_required_by_default)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    review_status: Mapped[str] = mapped_column(
        String(10), default=ReviewStatus.APPROVED, server_default=ReviewStatus.APPROVED.value
    )
    # Folded words (see shop.text.fold) for accent-insensitive search: names only, and everything.
    search_name: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")

    producer: Mapped[Producer] = relationship(back_populates="products")
    category: Mapped[Category] = relationship()
    images: Mapped[list[ProductImage]] = relationship(
        order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    certificates: Mapped[list[OcopCertificate]] = relationship(
        back_populates="product", order_by="OcopCertificate.decision_date.desc()"
    )

    def refresh_search_text(self) -> None:
        """Fold names, descriptions, producer, place and group into the searchable text."""
        parts = [
            self.name_vi,
            self.name_en,
            self.producer.name if self.producer else "",
            self.producer.commune if self.producer else "",
            self.origin,
            self.category.name_vi if self.category else "",
            self.category.name_en if self.category else "",
            self.description_vi,
            self.description_en,
        ]
        self.search_name = word_list(self.name_vi, self.name_en)
        self.search_text = word_list(*parts)

    def in_season_on(self, day: date) -> bool | None:
        """None for all-year products, else whether ``day`` falls in the season window."""
        return season_contains(self.season_start, self.season_end, day)

    def valid_certificate(self, today: date) -> OcopCertificate | None:
        """The highest-rated certificate in force on ``today`` (already-loaded certificates)."""
        return best_certificate(self.certificates, today)


class ProductImage(db.Model):
    __tablename__ = "product_image"
    __table_args__ = (UniqueConstraint("product_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    alt_vi: Mapped[str] = mapped_column(String(200))
    alt_en: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class OcopCertificate(TimestampMixin, db.Model):
    __tablename__ = "ocop_certificate"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 3 AND 5", name="certified_stars"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint(
            "(stars = 5 AND score >= 90) OR (stars = 4 AND score >= 70 AND score < 90)"
            " OR (stars = 3 AND score >= 50 AND score < 70)",
            name="stars_match_score",
        ),
        CheckConstraint("valid_until > decision_date", name="valid_after_decision"),
        CheckConstraint(one_of("authority", Authority), name="authority_known"),
        CheckConstraint("criteria_version IN ('2019', '2023')", name="criteria_known"),
        CheckConstraint(one_of("status", CertificateStatus), name="status_known"),
        # Covers the best-stars subquery of every listing (shop.catalog.reads.best_stars): the
        # ratings are read from the index alone, grouped by product.
        Index("ix_ocop_certificate_rating", "product_id", "valid_until", "status", "stars"),
        # A certificate rates one product or one experience (rural tourism is an OCOP group).
        CheckConstraint("(product_id IS NULL) <> (experience_id IS NULL)", name="rates_one_thing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    experience_id: Mapped[int | None] = mapped_column(ForeignKey("experience.id"), index=True)
    certificate_number: Mapped[str] = mapped_column(String(60), unique=True)
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_date: Mapped[date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(20))
    authority_name: Mapped[str] = mapped_column(String(200))
    criteria_version: Mapped[str] = mapped_column(String(4))
    evaluation_round: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(SmallInteger)
    stars: Mapped[int] = mapped_column(SmallInteger)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    scan_file: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=CertificateStatus.ACTIVE)
    # The evaluation round it recognises (None for certificates recorded before evaluations
    # were) and the authority row that signed the decision (``authority_name`` keeps its name
    # as printed).
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation.id"), unique=True)
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"), index=True)

    product: Mapped[Product] = relationship(back_populates="certificates")

    @classmethod
    def issue(cls, *, score: int, decision_date: date, **fields) -> OcopCertificate:
        """A certificate whose stars come from the score and validity from the decision date."""
        stars = stars_for_score(score)
        if stars < 3:
            raise ValueError("only 3★ to 5★ products are certified")
        return cls(
            score=score,
            stars=stars,
            decision_date=decision_date,
            valid_until=add_months(decision_date, CERTIFICATE_VALIDITY_MONTHS),
            **fields,
        )

    def is_valid_on(self, today: date) -> bool:
        return certificate_in_force(self.status, self.valid_until, today)
