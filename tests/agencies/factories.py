"""Organisations for the tests: one with an approver (and whoever else is asked for)."""

from __future__ import annotations

from itertools import count

from shop.accounts.models import User
from shop.agencies import services
from shop.agencies.models import Organisation, OrganisationMember
from shop.extensions import db
from tests.factories import gen_user

BAC_NINH = 24
KINH_BAC = 9187  # Phường Kinh Bắc, Bắc Ninh
_seq = count(1)


def gen_organisation(
    approver: User | None = None, *, threshold: int | None = None, **fields
) -> Organisation:
    """A registered organisation (default department, the approver as member)."""
    approver = approver or gen_user("customer")
    n = next(_seq)
    organisation = services.register(
        approver.id,
        legal_name=fields.get("legal_name", f"Công ty Thử nghiệm {n}"),
        tax_code=fields.get("tax_code", f"01{n:08d}"),
        province_code=BAC_NINH,
        commune_code=KINH_BAC,
        street="Số 1 Lý Thái Tổ",
        invoice_email=f"ketoan{n}@example.com",
    )
    organisation.approval_threshold_vnd = threshold
    db.session.flush()
    return organisation


def add_member(organisation: Organisation, role: str, user: User | None = None) -> User:
    user = user or gen_user("customer")
    db.session.add(OrganisationMember(organisation_id=organisation.id, user_id=user.id, role=role))
    db.session.flush()
    return user
