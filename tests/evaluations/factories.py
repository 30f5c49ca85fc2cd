"""Builders for evaluations: the seeded authorities, a valid evaluation row, a tiny PDF."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shop.evaluations.authorities import seed_authorities
from shop.evaluations.models import Evaluation, IssuingAuthority
from shop.extensions import db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def authority(name_vi: str) -> IssuingAuthority:
    seed_authorities()
    return db.session.scalar(select(IssuingAuthority).where(IssuingAuthority.name_vi == name_vi))


def gen_evaluation(product, **fields) -> Evaluation:
    values = {
        "product_id": product.id,
        "round_name": "2026",
        "criteria_version": "2023",
        "score_a": 30,
        "score_b": 20,
        "score_c": 25,
        "total": 75,
        "stars": 4,
        "level": "province",
        "evaluated_on": date(2026, 5, 1),
        **fields,
    }
    evaluation = Evaluation(**values)
    db.session.add(evaluation)
    db.session.flush()
    return evaluation
