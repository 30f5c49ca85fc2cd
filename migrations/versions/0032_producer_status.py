"""Producer status for the OCOP office: pending (onboarding), approved (on sale) or suspended,
with the office's reason and when it changed; ``active`` stays what the shop reads and is true
exactly when approved (CHECK). Every producer so far is approved if active, else suspended.

Revision ID: 0032_producer_status
Revises: 0031_group_payments
Create Date: 2026-12-04 22:50:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0032_producer_status"
down_revision = "0031_group_payments"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=12), server_default="approved", nullable=False)
        )
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE producer SET status = CASE WHEN active THEN 'approved' ELSE 'suspended' END"
    )
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_producer_status_known"), "status IN ('pending', 'approved', 'suspended')"
        )
        batch_op.create_check_constraint(
            op.f("ck_producer_active_when_approved"), "(status = 'approved') = active"
        )


def downgrade():
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_producer_active_when_approved"), type_="check")
        batch_op.drop_constraint(op.f("ck_producer_status_known"), type_="check")
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status")
