"""Organisations, their departments (billing entities), members, invitations and approval
requests. Every invariant has a database constraint behind it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.agencies.taxcode import tax_code_check
from shop.db import utcnow
from shop.extensions import db

# The longest payment terms the office grants (net 90 days).
MAX_PAYMENT_TERMS_DAYS = 90


class MemberRole(StrEnum):
    BUYER = "buyer"  # orders for the organisation
    APPROVER = "approver"  # signs off orders above the threshold; manages the organisation
    ACCOUNTANT = "accountant"  # sees orders and invoices


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


ROLE_VALUES = "('buyer', 'approver', 'accountant')"


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(tax_code_check(), name="tax_code_format"),
        CheckConstraint("invoice_email = lower(invoice_email)", name="invoice_email_lowercase"),
        CheckConstraint(
            f"payment_terms_days BETWEEN 0 AND {MAX_PAYMENT_TERMS_DAYS}",
            name="payment_terms_range",
        ),
        CheckConstraint(
            "payment_terms_days = 0 OR verified_at IS NOT NULL", name="terms_need_verification"
        ),
        CheckConstraint(
            "(verified_at IS NULL) = (verified_by_id IS NULL)", name="verified_by_someone"
        ),
        CheckConstraint(
            "approval_threshold_vnd IS NULL OR approval_threshold_vnd >= 0",
            name="threshold_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    # Normalised MST (``shop.agencies.taxcode``): 10 digits, or 10 + "-" + 3 for a branch.
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)
    invoice_province_code: Mapped[int] = mapped_column(Integer)
    invoice_commune_code: Mapped[int] = mapped_column(Integer)
    invoice_street: Mapped[str] = mapped_column(String(200))
    invoice_email: Mapped[str] = mapped_column(String(254))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # 0 = pay before shipping; net N days for verified organisations (set by the office only).
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Orders above this amount (strictly) need an approver's sign-off; None = never.
    approval_threshold_vnd: Mapped[int | None] = mapped_column(BigInteger)
    # Demo seed data (``flask seed-demo``), never a real organisation.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class BillingEntity(db.Model):
    """A department with its own invoice data; the organisation's own data when left empty."""

    __tablename__ = "billing_entity"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name", name="uq_billing_entity_name"),
        CheckConstraint(f"tax_code IS NULL OR ({tax_code_check()})", name="tax_code_format"),
        CheckConstraint("invoice_email = lower(invoice_email)", name="invoice_email_lowercase"),
        Index(
            "ix_billing_entity_one_default",
            "organisation_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    legal_name: Mapped[str] = mapped_column(String(200))
    # None: the organisation's MST is printed on the invoice.
    tax_code: Mapped[str | None] = mapped_column(String(14))
    province_code: Mapped[int] = mapped_column(Integer)
    commune_code: Mapped[int] = mapped_column(Integer)
    street: Mapped[str] = mapped_column(String(200))
    invoice_email: Mapped[str] = mapped_column(String(254))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OrganisationMember(db.Model):
    __tablename__ = "organisation_member"
    __table_args__ = (
        # An account belongs to one organisation at most.
        UniqueConstraint("user_id", name="uq_organisation_member_user"),
        CheckConstraint(f"role IN {ROLE_VALUES}", name="role_known"),
        # ... and works for no producer: the row refers to the account as a customer, so
        # neither can a producer's staff become a member nor a member become a producer's staff
        # (the account's role cannot change while the row refers to it).
        CheckConstraint("account_role = 'customer'", name="account_is_customer"),
        ForeignKeyConstraint(
            ["user_id", "account_role"],
            ["user_account.id", "user_account.role"],
            name="fk_organisation_member_account_customer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str] = mapped_column(String(20))
    # Always "customer" (see the constraints): the account's role the membership relies on.
    account_role: Mapped[str] = mapped_column(
        String(20), default="customer", server_default="customer"
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OrganisationInvitation(db.Model):
    """One row per invitation e-mail: its link works once and can be withdrawn."""

    __tablename__ = "organisation_invitation"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint(f"role IN {ROLE_VALUES}", name="role_known"),
        CheckConstraint(
            "(accepted_at IS NULL) = (accepted_by_id IS NULL)", name="accepted_by_someone"
        ),
        CheckConstraint("accepted_at IS NULL OR revoked_at IS NULL", name="accepted_or_revoked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class ApprovalRequest(db.Model):
    """An approver's sign-off asked for something (a quote, a batch order) of the organisation;
    one request per subject."""

    __tablename__ = "approval_request"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", name="uq_approval_request_subject"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="status_known"
        ),
        CheckConstraint("amount_vnd >= 0", name="amount_not_negative"),
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_when_done"),
        CheckConstraint(
            "(status IN ('approved', 'rejected')) = (decided_by_id IS NOT NULL)",
            name="decided_by_approver",
        ),
        CheckConstraint(
            "decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="not_self_approved"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(20), default=ApprovalStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
