"""OCOP evaluations and the authorities that recognise them: the ``authority`` list (seeded
with the first province's committees and the ministry, with the dates each could sign), the
``evaluation`` rounds (part scores within each criteria version's maxima, total, stars by the
thresholds, level — CHECKs), and on ``ocop_certificate`` the evaluation it recognises, the
authority row that signed it and the status ``superseded``. Existing certificates get their
authority row by the name printed on them.

Revision ID: 0036_evaluations
Revises: 0035_moderation
Create Date: 2026-12-05 01:00:00

"""

from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0036_evaluations"
down_revision = "0035_moderation"
branch_labels = None
depends_on = None

# The same rules as shop.evaluations.criteria (1048/QĐ-TTg: 35/25/40; 148/QĐ-TTg: 40/25/35).
PARTS = (
    "(criteria_version = '2019' AND score_a BETWEEN 0 AND 35 AND score_b BETWEEN 0 AND 25"
    " AND score_c BETWEEN 0 AND 40) OR (criteria_version = '2023' AND score_a BETWEEN 0 AND 40"
    " AND score_b BETWEEN 0 AND 25 AND score_c BETWEEN 0 AND 35)"
)
STARS = (
    "(stars = 5 AND total >= 90) OR (stars = 4 AND total >= 70 AND total < 90)"
    " OR (stars = 3 AND total >= 50 AND total < 70) OR (stars = 2 AND total >= 30 AND total < 50)"
    " OR (stars = 1 AND total >= 0 AND total < 30)"
)
LEVELS = "level IN ('district', 'province', 'national')"
STATUSES = "status IN ('active', 'expired', 'revoked')"
STATUSES_NOW = "status IN ('active', 'expired', 'revoked', 'superseded')"

BAC_NINH = 24
START, DISTRICTS_FROM, DISTRICTS_TO = date(2018, 5, 7), date(2023, 2, 24), date(2025, 6, 30)
# shop.evaluations.authorities.SEED
SEED = [
    ("UBND tỉnh Bắc Giang", "People's Committee of Bắc Giang province", "province", BAC_NINH,
     START, DISTRICTS_TO),
    ("UBND tỉnh Bắc Ninh", "People's Committee of Bắc Ninh province", "province", BAC_NINH,
     date(2025, 7, 1), None),
    ("Bộ Nông nghiệp và Phát triển nông thôn", "Ministry of Agriculture and Rural Development",
     "national", None, START, date(2025, 2, 28)),
    ("Bộ Nông nghiệp và Môi trường", "Ministry of Agriculture and Environment", "national",
     None, date(2025, 3, 1), None),
] + [
    (f"UBND huyện {name}", f"People's Committee of {name} district", "district", BAC_NINH,
     DISTRICTS_FROM, DISTRICTS_TO)
    for name in ("Lục Ngạn", "Lục Nam", "Tân Yên", "Yên Thế", "Hiệp Hòa")
]  # fmt: skip
LEVEL_OF = {"ministry": "national", "province": "province", "district": "district"}


def _timestamps():
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    authority = op.create_table(
        "authority",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("province_code", sa.SmallInteger(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(LEVELS, name=op.f("ck_authority_level_known")),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_authority_dates_in_order")
        ),
        sa.CheckConstraint(
            "level <> 'national' OR province_code IS NULL",
            name=op.f("ck_authority_national_everywhere"),
        ),
        sa.CheckConstraint("length(name_vi) > 0", name=op.f("ck_authority_has_name")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authority")),
        sa.UniqueConstraint("name_vi", name=op.f("uq_authority_name_vi")),
    )
    op.create_index(op.f("ix_authority_province_code"), "authority", ["province_code"])

    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("experience_id", sa.Integer(), nullable=True),
        sa.Column("round_name", sa.String(length=40), nullable=False),
        sa.Column("criteria_version", sa.String(length=4), nullable=False),
        sa.Column("score_a", sa.SmallInteger(), nullable=False),
        sa.Column("score_b", sa.SmallInteger(), nullable=False),
        sa.Column("score_c", sa.SmallInteger(), nullable=False),
        sa.Column("total", sa.SmallInteger(), nullable=False),
        sa.Column("stars", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "(product_id IS NULL) <> (experience_id IS NULL)",
            name=op.f("ck_evaluation_rates_one_thing"),
        ),
        sa.CheckConstraint(
            "criteria_version IN ('2019', '2023')", name=op.f("ck_evaluation_criteria_known")
        ),
        sa.CheckConstraint(PARTS, name=op.f("ck_evaluation_parts_within_maxima")),
        sa.CheckConstraint(
            "total = score_a + score_b + score_c", name=op.f("ck_evaluation_total_is_sum")
        ),
        sa.CheckConstraint(STARS, name=op.f("ck_evaluation_stars_match_total")),
        sa.CheckConstraint(LEVELS, name=op.f("ck_evaluation_level_known")),
        sa.CheckConstraint(
            "stars < 5 OR level = 'national'", name=op.f("ck_evaluation_five_national")
        ),
        sa.CheckConstraint("length(round_name) > 0", name=op.f("ck_evaluation_has_round")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_evaluation_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["experience_id"],
            ["experience.id"],
            name=op.f("fk_evaluation_experience_id_experience"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_evaluation_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation")),
    )
    op.create_index("ix_evaluation_product", "evaluation", ["product_id", "evaluated_on"])
    op.create_index("ix_evaluation_experience", "evaluation", ["experience_id", "evaluated_on"])

    with op.batch_alter_table("ocop_certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("authority_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            op.f("uq_ocop_certificate_evaluation_id"), ["evaluation_id"]
        )
        batch_op.create_index(op.f("ix_ocop_certificate_authority_id"), ["authority_id"])
        batch_op.create_foreign_key(
            op.f("fk_ocop_certificate_evaluation_id_evaluation"),
            "evaluation",
            ["evaluation_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            op.f("fk_ocop_certificate_authority_id_authority"), "authority", ["authority_id"], ["id"]
        )
        batch_op.drop_constraint(op.f("ck_ocop_certificate_status_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ocop_certificate_status_known"), STATUSES_NOW)

    # The seed, then a row for every other name printed on the certificates already stored
    # (valid from its first decision), and each certificate linked to its row by that name.
    conn = op.get_bind()
    now = sa.func.now()
    rows = [
        {"name_vi": vi, "name_en": en, "level": level, "province_code": province,
         "valid_from": valid_from, "valid_to": valid_to}
        for vi, en, level, province, valid_from, valid_to in SEED
    ]  # fmt: skip
    seeded = {row["name_vi"] for row in rows}
    certificate = sa.table(
        "ocop_certificate",
        sa.column("authority"),
        sa.column("authority_name"),
        sa.column("decision_date", sa.Date()),
    )
    others = conn.execute(
        sa.select(
            certificate.c.authority_name,
            sa.func.min(certificate.c.authority),
            sa.func.min(certificate.c.decision_date),
        ).group_by(certificate.c.authority_name)
    ).all()
    for name, kind, first in others:
        if name and name not in seeded:
            level = LEVEL_OF.get(kind, "province")
            rows.append(
                {"name_vi": name[:200], "name_en": name[:200], "level": level,
                 "province_code": None, "valid_from": first or START, "valid_to": None}
            )  # fmt: skip
    for row in rows:
        conn.execute(authority.insert().values(**row, created_at=now, updated_at=now))
    op.execute(
        "UPDATE ocop_certificate SET authority_id = (SELECT authority.id FROM authority"
        " WHERE authority.name_vi = ocop_certificate.authority_name)"
    )


def downgrade():
    # A superseded certificate must not count again: it becomes revoked.
    op.execute("UPDATE ocop_certificate SET status = 'revoked' WHERE status = 'superseded'")
    with op.batch_alter_table("ocop_certificate", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ocop_certificate_status_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ocop_certificate_status_known"), STATUSES)
        batch_op.drop_constraint(
            op.f("fk_ocop_certificate_authority_id_authority"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            op.f("fk_ocop_certificate_evaluation_id_evaluation"), type_="foreignkey"
        )
        batch_op.drop_index(op.f("ix_ocop_certificate_authority_id"))
        batch_op.drop_constraint(op.f("uq_ocop_certificate_evaluation_id"), type_="unique")
        batch_op.drop_column("authority_id")
        batch_op.drop_column("evaluation_id")
    op.drop_index("ix_evaluation_experience", table_name="evaluation")
    op.drop_index("ix_evaluation_product", table_name="evaluation")
    op.drop_table("evaluation")
    op.drop_index(op.f("ix_authority_province_code"), table_name="authority")
    op.drop_table("authority")
