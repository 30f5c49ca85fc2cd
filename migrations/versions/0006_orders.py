"""Typed cart and order lines with their VAT, checkout idempotency tokens, event kinds and
visibility, and early shipping of pre-order parcels.

Revision ID: 0006_orders
Revises: 0005_security
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_orders"
down_revision = "0005_security"
branch_labels = None
depends_on = None

KIND_TARGET = "(kind = 'product' AND product_id IS NOT NULL)"
EVENT_KINDS = "kind IN ('status_changed', 'flagged', 'reviewed', 'note', 'refund', 'override')"
VISIBILITIES = "visibility IN ('customer', 'producer', 'staff')"


def upgrade():
    for table in ("cart_line", "order_line"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("kind", sa.String(length=20), nullable=False, server_default="product")
            )
            batch_op.alter_column("product_id", existing_type=sa.Integer(), nullable=True)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("kind", server_default=None)
            batch_op.create_check_constraint(op.f(f"ck_{table}_kind_target"), KIND_TARGET)

    # The VAT contained in each existing line total, rounded half up (shop/money.vat_included).
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vat_vnd", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE order_line SET vat_vnd = "
        "(line_total_vnd * vat_rate * 2 + (100 + vat_rate)) / ((100 + vat_rate) * 2)"
    )
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.alter_column("vat_vnd", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_order_line_vat_within_total"), "vat_vnd >= 0 AND vat_vnd <= line_total_vnd"
        )

    # shop_order and producer_order are referenced by other tables: on SQLite a batch copy would
    # drop them under their rows' foreign keys, so their new columns are plain additions.
    op.add_column("shop_order", sa.Column("checkout_token", sa.String(length=64), nullable=True))
    op.create_index(
        op.f("ix_shop_order_checkout_token"), "shop_order", ["checkout_token"], unique=True
    )
    op.add_column(
        "producer_order",
        sa.Column("may_ship_early", sa.Boolean(), nullable=False, server_default=sa.false()),
    )

    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("visibility", sa.String(length=10), nullable=True))
    # Until now flags and reviews were told apart by their reason text; they are for the
    # office only. Everything else was a status change every party saw.
    op.execute(
        "UPDATE order_event SET kind = 'flagged', visibility = 'staff' "
        "WHERE reason LIKE 'flagged for review%'"
    )
    op.execute(
        "UPDATE order_event SET kind = 'reviewed', visibility = 'staff' "
        "WHERE kind IS NULL AND reason LIKE 'reviewed%' AND from_status = to_status"
    )
    op.execute(
        "UPDATE order_event SET kind = 'status_changed', visibility = 'customer' "
        "WHERE kind IS NULL"
    )
    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column("visibility", existing_type=sa.String(length=10), nullable=False)
        batch_op.create_check_constraint(op.f("ck_order_event_kind_known"), EVENT_KINDS)
        batch_op.create_check_constraint(op.f("ck_order_event_visibility_known"), VISIBILITIES)


def downgrade():
    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_event_visibility_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_order_event_kind_known"), type_="check")
        batch_op.drop_column("visibility")
        batch_op.drop_column("kind")
    op.drop_column("producer_order", "may_ship_early")
    op.drop_index(op.f("ix_shop_order_checkout_token"), table_name="shop_order")
    op.drop_column("shop_order", "checkout_token")
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_line_vat_within_total"), type_="check")
        batch_op.drop_column("vat_vnd")
    for table in ("cart_line", "order_line"):
        op.execute(f"DELETE FROM {table} WHERE product_id IS NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_kind_target"), type_="check")
            batch_op.alter_column("product_id", existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column("kind")
