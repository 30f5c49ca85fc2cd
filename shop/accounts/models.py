"""Users and their roles."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from shop.db import TimestampMixin
from shop.extensions import db


class Role(StrEnum):
    CUSTOMER = "customer"
    PRODUCER_STAFF = "producer_staff"
    AGENCY = "agency"
    ADMIN = "admin"


class User(TimestampMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('customer', 'producer_staff', 'agency', 'admin')", name="role_known"
        ),
        CheckConstraint(
            "role <> 'producer_staff' OR producer_id IS NOT NULL", name="staff_has_producer"
        ),
        CheckConstraint("locale IN ('vi', 'en')", name="locale_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(2), default="vi")
    role: Mapped[str] = mapped_column(String(20), default=Role.CUSTOMER)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producer.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)
