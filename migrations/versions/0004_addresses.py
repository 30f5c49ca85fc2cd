"""Codes of the 2025 address list beside the province and commune names of orders and
producers; existing rows get them where their names match the list, else stay null.

Revision ID: 0004_addresses
Revises: 0003
Create Date: 2026-12-02 16:20:00

"""

import sqlalchemy as sa
from alembic import op

from shop.addresses.services import find_commune, find_province

# revision identifiers, used by Alembic.
revision = "0004_addresses"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("shop_order", "producer")


def _backfill(table: str) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT id, province, commune FROM {table}")).all()  # noqa: S608
    for row_id, province_name, commune_name in rows:
        province = find_province(province_name)
        if province is None:
            continue
        matches = find_commune(province.code, commune_name)
        conn.execute(
            sa.text(
                f"UPDATE {table} SET province_code = :p, commune_code = :c WHERE id = :id"  # noqa: S608
            ),
            {"p": province.code, "c": matches[0].code if len(matches) == 1 else None, "id": row_id},
        )


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("province_code", sa.SmallInteger(), nullable=True))
            batch_op.add_column(sa.Column("commune_code", sa.Integer(), nullable=True))
    for table in TABLES:
        _backfill(table)
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_shop_order_commune_within_province"),
            "commune_code IS NULL OR province_code IS NOT NULL",
        )


def downgrade():
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shop_order_commune_within_province"), type_="check")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("commune_code")
            batch_op.drop_column("province_code")
