"""Refunds of money an order could not take (a surplus transfer, a second payment, money after
the order expired): ``refund.kind`` is ``order`` (every refund so far) or ``unapplied``; an
unapplied refund names no lines.

Revision ID: 0030_unapplied
Revises: 0029_quote_revisions
Create Date: 2026-12-04 22:15:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0030_unapplied"
down_revision = "0029_quote_revisions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="order", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_refund_kind_known"), "kind IN ('order', 'unapplied')"
        )
        batch_op.create_check_constraint(
            op.f("ck_refund_unapplied_has_no_lines"), "kind = 'order' OR lines_json = '{}'"
        )


def downgrade():
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_refund_unapplied_has_no_lines"), type_="check")
        batch_op.drop_constraint(op.f("ck_refund_kind_known"), type_="check")
        batch_op.drop_column("kind")
