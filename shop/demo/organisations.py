"""The demo organisations (``organisations.toml``), idempotent: found again by their tax code,
their members by e-mail (the accounts come from ``users.toml``)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sqlalchemy import select

from shop.accounts.models import User
from shop.addresses.services import find_commune, find_province
from shop.agencies.models import BillingEntity, Organisation, OrganisationMember
from shop.agencies.taxcode import normalize_tax_code
from shop.demo.loader import DemoDataError
from shop.extensions import db

FILE = Path(__file__).with_name("organisations.toml")


def seed_organisations() -> int:
    data = tomllib.loads(FILE.read_text(encoding="utf-8"))
    count = 0
    for raw in data.get("organisations", []):
        tax_code = normalize_tax_code(raw["tax_code"])
        province = find_province(raw["province"])
        matches = find_commune(province.code, raw["commune"]) if province else []
        if tax_code is None or len(matches) != 1:
            raise DemoDataError(f"organisations.toml: {raw['legal_name']} has a bad address or MST")
        commune = matches[0]
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.tax_code == tax_code)
        )
        if organisation is None:
            organisation = Organisation(tax_code=tax_code, demo=True)
            db.session.add(organisation)
        organisation.legal_name = raw["legal_name"]
        organisation.invoice_province_code = province.code
        organisation.invoice_commune_code = commune.code
        organisation.invoice_street = raw["street"]
        organisation.invoice_email = raw["invoice_email"]
        organisation.approval_threshold_vnd = raw.get("approval_threshold_vnd")
        db.session.flush()
        default = db.session.scalar(
            select(BillingEntity).where(
                BillingEntity.organisation_id == organisation.id, BillingEntity.is_default
            )
        )
        if default is None:
            db.session.add(
                BillingEntity(
                    organisation_id=organisation.id,
                    name=raw["legal_name"][:120],
                    legal_name=raw["legal_name"],
                    province_code=province.code,
                    commune_code=commune.code,
                    street=raw["street"],
                    invoice_email=raw["invoice_email"],
                    is_default=True,
                )
            )
        for member in raw.get("members", []):
            user = db.session.scalar(select(User).where(User.email == member["email"]))
            if user is None:
                raise DemoDataError(f"organisations.toml: unknown account {member['email']}")
            row = db.session.scalar(
                select(OrganisationMember).where(OrganisationMember.user_id == user.id)
            )
            if row is None:
                db.session.add(
                    OrganisationMember(
                        organisation_id=organisation.id, user_id=user.id, role=member["role"]
                    )
                )
        db.session.flush()
        count += 1
    return count
