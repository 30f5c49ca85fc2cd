"""The authority list's services: the seed is idempotent, certificates find their row by the
name printed on them, and an office chooses its own province's and the national ones."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from shop.evaluations.authorities import (
    SEED,
    authorities_on,
    link_certificates,
    may_choose,
    seed_authorities,
)
from shop.evaluations.models import IssuingAuthority
from shop.extensions import db
from tests.factories import gen_certificate, gen_product


def test_the_seed_is_idempotent(app):
    assert seed_authorities() == len(SEED)
    assert seed_authorities() == 0
    assert db.session.scalar(select(func.count(IssuingAuthority.id))) == len(SEED)


def test_certificates_are_linked_by_the_printed_name(app):
    seed_authorities()
    known = gen_certificate(gen_product(), decision_date=date(2022, 1, 1))  # UBND tỉnh Bắc Giang
    unknown = gen_certificate(
        gen_product(), decision_date=date(2022, 1, 1), authority_name="UBND tỉnh Lạ"
    )
    assert link_certificates() == 1
    assert known.authority_id is not None
    assert unknown.authority_id is None
    assert link_certificates() == 0


def test_the_authorities_of_a_day(app):
    seed_authorities()
    names = {a.name_vi for a in authorities_on(date(2024, 6, 1), 24)}
    assert "UBND tỉnh Bắc Giang" in names
    assert "UBND huyện Lục Ngạn" in names
    assert "Bộ Nông nghiệp và Phát triển nông thôn" in names
    assert "UBND tỉnh Bắc Ninh" not in names  # the merged province signs from July 2025
    later = {a.name_vi for a in authorities_on(date(2025, 8, 1), 24)}
    assert later == {"UBND tỉnh Bắc Ninh", "Bộ Nông nghiệp và Môi trường"}
    # Another province's office sees the ministries only.
    assert {a.level for a in authorities_on(date(2025, 8, 1), 1)} == {"national"}
    bac_ninh = next(a for a in authorities_on(date(2025, 8, 1), None) if a.level == "province")
    assert may_choose(bac_ninh, 24)
    assert not may_choose(bac_ninh, 1)
