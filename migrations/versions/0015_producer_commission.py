"""A producer's commission is a commission rule (scope producer) like every other: the
producer's own ``commission_bp`` column, which nothing read since the ledger, is dropped;
a rate other than the old default (10 %) becomes a producer rule.

Revision ID: 0015_producer_commission
Revises: 0014_payouts
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0015_producer_commission"
down_revision = "0014_payouts"
branch_labels = None
depends_on = None

OLD_DEFAULT_BP = 1000


def upgrade():
    op.execute(
        "INSERT INTO commission_rule (scope, producer_id, basis_points, minimum_vnd,"
        " created_at, updated_at)"
        " SELECT 'producer', p.id, p.commission_bp, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
        " FROM producer p"
        f" WHERE p.commission_bp <> {OLD_DEFAULT_BP} AND NOT EXISTS (SELECT 1 FROM commission_rule r"
        "  WHERE r.scope = 'producer' AND r.producer_id = p.id)"
    )
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_producer_commission_in_range"), type_="check")
        batch_op.drop_column("commission_bp")


def downgrade():
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "commission_bp", sa.Integer(), nullable=False, server_default=str(OLD_DEFAULT_BP)
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_producer_commission_in_range"), "commission_bp >= 0 AND commission_bp <= 5000"
        )
    op.execute(
        "UPDATE producer SET commission_bp = (SELECT r.basis_points FROM commission_rule r"
        " WHERE r.scope = 'producer' AND r.producer_id = producer.id)"
        " WHERE EXISTS (SELECT 1 FROM commission_rule r"
        "  WHERE r.scope = 'producer' AND r.producer_id = producer.id)"
    )
