"""Users and their roles."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from shop.db import TimestampMixin
from shop.extensions import db
from shop.text import fold


class Role(StrEnum):
    CUSTOMER = "customer"
    PRODUCER_STAFF = "producer_staff"
    AGENCY = "agency"
    ADMIN = "admin"
    # Staff of a province's OCOP office: producers, certificates, evaluations and listings of
    # their province only (``province_code``); admins see every province.
    OCOP_OFFICE = "ocop_office"


# Common Vietnamese family names (folded): a name starting with one is written family name first,
# so the given name a greeting uses is the last word ("Lê Minh Anh" → "Anh").
VIETNAMESE_FAMILY_NAMES = frozenset(
    [
        "nguyen",
        "tran",
        "le",
        "pham",
        "hoang",
        "huynh",
        "phan",
        "vu",
        "vo",
        "dang",
        "bui",
        "do",
        "ho",
        "ngo",
        "duong",
        "ly",
        "dinh",
        "trinh",
        "mai",
        "truong",
        "lam",
        "luong",
        "ha",
        "cao",
        "quach",
        "ta",
        "chu",
        "luu",
        "kieu",
        "doan",
        "tong",
        "thai",
        "lai",
    ]
)


def hash_password(password: str) -> str:
    """scrypt, slow on purpose. ``PASSWORD_HASH_METHOD`` (set by the test suite only, where
    every sign-in would otherwise cost most of a second) may name a cheaper werkzeug method."""
    method = (
        current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    )
    return generate_password_hash(password, method=method)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('customer', 'producer_staff', 'agency', 'admin', 'ocop_office')",
            name="role_known",
        ),
        CheckConstraint(
            "role <> 'ocop_office' OR province_code IS NOT NULL", name="office_has_province"
        ),
        CheckConstraint(
            "role <> 'producer_staff' OR producer_id IS NOT NULL", name="staff_has_producer"
        ),
        CheckConstraint(
            "NOT producer_admin OR role = 'producer_staff'", name="producer_admin_is_staff"
        ),
        CheckConstraint("locale IN ('vi', 'en')", name="locale_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("session_generation >= 0", name="session_generation_not_negative"),
        # The target of ``organisation_member``'s reference to a customer account.
        UniqueConstraint("id", "role", name="uq_user_account_id_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(2), default="vi")
    role: Mapped[str] = mapped_column(String(20), default=Role.CUSTOMER)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producer.id"), index=True)
    # The province (a code of the 2025 list) an OCOP office account works for.
    province_code: Mapped[int | None] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Producer staff who may invite and remove the producer's other staff.
    producer_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Stored in the session and the remember-me cookie at sign-in (``get_id``); signing out and
    # changing the password move it on, which ends every session and cookie issued before.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """Sign out every browser: sessions and remember-me cookies carry the old generation."""
        self.session_generation = (self.session_generation or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def password_fingerprint(self) -> str:
        """A short digest of the current password hash (salted, so it tells nothing about the
        password); it changes whenever the password does, which ends reset links issued before
        the change."""
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]

    # Flask-Login. Users compare by identity (the session's identity map), not by get_id().
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    @property
    def short_name(self) -> str:
        """The given name, for the header: the last word of a Vietnamese name, else the first."""
        words = self.name.split()
        if not words:
            return self.email.split("@", 1)[0]
        if len(words) > 1 and fold(words[0]) in VIETNAMESE_FAMILY_NAMES:
            return words[-1]
        return words[0]
