"""Group payments: ``payment.group_reference``, the provider's session id when one Checkout
Session pays several orders at once (a gift batch paid by card). Each order keeps a payment of
its own (its total, ``provider_reference`` = ``<session id> / <order reference>``); the
webhook finds them all by this column.

Revision ID: 0031_group_payments
Revises: 0030_unapplied
Create Date: 2026-12-04 22:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0031_group_payments"
down_revision = "0030_unapplied"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_reference", sa.String(length=255), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_payment_group_reference"), ["group_reference"], unique=False
        )


def downgrade():
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_group_reference"))
        batch_op.drop_column("group_reference")
