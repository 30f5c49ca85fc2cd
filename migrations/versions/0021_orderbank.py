"""Orders paid by bank transfer: the payment method ``bank_transfer`` (longer than the old
10-character columns of the order's payment method and the payment's provider).

Revision ID: 0021_orderbank
Revises: 0020_invoices
Create Date: 2026-12-03 17:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = "0021_orderbank"
down_revision = '0020_invoices'
branch_labels = None
depends_on = None

# Autogenerate misses CHECK constraints on existing tables: written by hand.
METHODS_BEFORE = "payment_method IN ('stripe', 'cod', 'demo')"
METHODS_AFTER = "payment_method IN ('stripe', 'cod', 'demo', 'bank_transfer')"


def upgrade():
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shop_order_payment_method_known"), type_="check")
        batch_op.alter_column(
            "payment_method", existing_type=sa.String(length=10), type_=sa.String(length=20)
        )
        batch_op.create_check_constraint(op.f("ck_shop_order_payment_method_known"), METHODS_AFTER)
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.alter_column(
            "provider", existing_type=sa.String(length=10), type_=sa.String(length=20)
        )


def downgrade():
    # Orders paid by bank transfer cannot be written in the old columns: refuse rather than lose
    # what they record.
    bind = op.get_bind()
    used = bind.execute(
        sa.text(
            "SELECT COUNT(*) FROM shop_order WHERE payment_method = 'bank_transfer'"
        )
    ).scalar() or bind.execute(
        sa.text("SELECT COUNT(*) FROM payment WHERE provider = 'bank_transfer'")
    ).scalar()
    if used:
        raise RuntimeError("bank-transfer orders or payments exist: cannot downgrade")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.alter_column(
            "provider", existing_type=sa.String(length=20), type_=sa.String(length=10)
        )
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shop_order_payment_method_known"), type_="check")
        batch_op.alter_column(
            "payment_method", existing_type=sa.String(length=20), type_=sa.String(length=10)
        )
        batch_op.create_check_constraint(op.f("ck_shop_order_payment_method_known"), METHODS_BEFORE)
