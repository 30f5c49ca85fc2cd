"""Stripe Connect payouts: a producer's connected account, the last send error of a payout,
and the clawbacks that take money back from paid payouts after a refund.

Revision ID: 0018_connect
Revises: 0017_bank
Create Date: 2026-12-03 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

# Frozen copy of shop.catalog.models.STRIPE_ACCOUNT_CHECK (autogenerate misses CHECKs).
STRIPE_ACCOUNT_CHECK = (
    "stripe_account_id IS NULL OR (substr(stripe_account_id, 1, 5) = 'acct_'"
    " AND length(stripe_account_id) > 5"
    " AND trim(lower(substr(stripe_account_id, 6)), '0123456789abcdefghijklmnopqrstuvwxyz') = '')"
)

# revision identifiers, used by Alembic.
revision = "0018_connect"
down_revision = '0017_bank'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripe_account_id", sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_producer_stripe_account_id_shape"), sa.text(STRIPE_ACCOUNT_CHECK)
        )
    with op.batch_alter_table("payout", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_error", sa.Text(), nullable=True))
    op.create_table(
        "payout_clawback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("payout_id", sa.Integer(), nullable=False),
        sa.Column("amount_vnd", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("provider_reference", sa.String(length=120), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_vnd > 0", name=op.f("ck_payout_clawback_amount_positive")),
        sa.CheckConstraint(
            "status IN ('pending', 'done')", name=op.f("ck_payout_clawback_status_known")
        ),
        sa.CheckConstraint(
            "(status = 'done') = (provider_reference IS NOT NULL)",
            name=op.f("ck_payout_clawback_done_has_reference"),
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payout.id"], name=op.f("fk_payout_clawback_payout_id_payout")
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producer.id"], name=op.f("fk_payout_clawback_producer_id_producer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_clawback")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payout_clawback_idempotency_key")),
    )
    with op.batch_alter_table("payout_clawback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_clawback_payout_id"), ["payout_id"])
        batch_op.create_index(batch_op.f("ix_payout_clawback_producer_id"), ["producer_id"])
        batch_op.create_index(batch_op.f("ix_payout_clawback_status"), ["status"])


def downgrade():
    with op.batch_alter_table("payout_clawback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_clawback_status"))
        batch_op.drop_index(batch_op.f("ix_payout_clawback_producer_id"))
        batch_op.drop_index(batch_op.f("ix_payout_clawback_payout_id"))
    op.drop_table("payout_clawback")
    with op.batch_alter_table("payout", schema=None) as batch_op:
        batch_op.drop_column("send_error")
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_producer_stripe_account_id_shape"), type_="check")
        batch_op.drop_column("stripe_account_id")
