"""Evaluation rounds of OCOP products and experiences, and the authorities that issue the
recognising decisions.

An evaluation records one council's scores under one criteria version (``criteria.VERSIONS``):
the three part scores within that version's maxima, their total and the stars the thresholds
give — every rule held by a CHECK, so no bug in Python can store a 4★ at 65 points. A rating of
3★ or more leads to a certificate (``OcopCertificate.evaluation_id``); a later evaluation with
its decision supersedes the subject's earlier certificates, which stay as history.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import OcopCertificate, Product
from shop.db import TimestampMixin, one_of
from shop.evaluations.criteria import (
    NATIONAL_STARS,
    VERSIONS,
    Level,
    parts_check_sql,
    stars_check_sql,
)
from shop.extensions import db


class IssuingAuthority(TimestampMixin, db.Model):
    """A body that signs recognising decisions, over the dates it did (the office edits the
    list: district committees recognised 3★ from 2023 to June 2025, the ministry was renamed in
    March 2025, Bắc Giang joined Bắc Ninh in July 2025)."""

    __tablename__ = "authority"
    __table_args__ = (
        CheckConstraint(one_of("level", Level), name="level_known"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_in_order"),
        # A ministry answers for every province; a local committee for its own.
        CheckConstraint("level <> 'national' OR province_code IS NULL", name="national_everywhere"),
        CheckConstraint("length(name_vi) > 0", name="has_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    # The province (2025 list code) whose office keeps it; None for a national body.
    province_code: Mapped[int | None] = mapped_column(SmallInteger, index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Evaluation(TimestampMixin, db.Model):
    __tablename__ = "evaluation"
    __table_args__ = (
        CheckConstraint("(product_id IS NULL) <> (experience_id IS NULL)", name="rates_one_thing"),
        CheckConstraint(one_of("criteria_version", VERSIONS), name="criteria_known"),
        CheckConstraint(parts_check_sql(), name="parts_within_maxima"),
        CheckConstraint("total = score_a + score_b + score_c", name="total_is_sum"),
        CheckConstraint(stars_check_sql(), name="stars_match_total"),
        CheckConstraint(one_of("level", Level), name="level_known"),
        CheckConstraint(f"stars < {NATIONAL_STARS} OR level = 'national'", name="five_national"),
        CheckConstraint("length(round_name) > 0", name="has_round"),
        Index("ix_evaluation_product", "product_id", "evaluated_on"),
        Index("ix_evaluation_experience", "experience_id", "evaluated_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    experience_id: Mapped[int | None] = mapped_column(ForeignKey("experience.id"))
    round_name: Mapped[str] = mapped_column(String(40))
    criteria_version: Mapped[str] = mapped_column(String(4))
    score_a: Mapped[int] = mapped_column(SmallInteger)
    score_b: Mapped[int] = mapped_column(SmallInteger)
    score_c: Mapped[int] = mapped_column(SmallInteger)
    total: Mapped[int] = mapped_column(SmallInteger)
    stars: Mapped[int] = mapped_column(SmallInteger)
    level: Mapped[str] = mapped_column(String(10))
    evaluated_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    notes: Mapped[str | None] = mapped_column(Text)

    product: Mapped[Product | None] = relationship()
    certificate: Mapped[OcopCertificate | None] = relationship(
        primaryjoin="Evaluation.id == foreign(OcopCertificate.evaluation_id)",
        viewonly=True,
        uselist=False,
    )
