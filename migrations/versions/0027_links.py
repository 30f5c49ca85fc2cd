"""Recipient links of gift batches: a recipient who chooses their own address (``by_link``,
the link's random key, when it was claimed, the alcohol-free choice), the batch's ``claim_by``
date and its ``claiming`` status, and a recipient's ``waiting`` status; the phone and address
of a recipient may be empty until the link is claimed.

Revision ID: 0027_links
Revises: 0026_transfers
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_links'
down_revision = '0026_transfers'
branch_labels = None
depends_on = None

BATCH_STATUSES_BEFORE = "status IN ('draft', 'creating', 'created', 'partly_created', 'cancelled')"
BATCH_STATUSES = (
    "status IN ('draft', 'creating', 'claiming', 'created', 'partly_created', 'cancelled')"
)
RECIPIENT_STATUSES_BEFORE = "status IN ('pending', 'created', 'failed')"
RECIPIENT_STATUSES = "status IN ('waiting', 'pending', 'created', 'failed')"
ADDRESS_BEFORE_ORDER = (
    "status IN ('waiting', 'failed') OR (phone IS NOT NULL AND province_code IS NOT NULL"
    " AND commune_code IS NOT NULL AND street IS NOT NULL)"
)


def upgrade():
    with op.batch_alter_table('gift_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_by', sa.Date(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_gift_batch_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_gift_batch_status_known'), BATCH_STATUSES)

    with op.batch_alter_table('gift_batch_recipient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('by_link', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('link_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('alcohol_free', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column('phone', existing_type=sa.String(length=20), nullable=True)
        batch_op.alter_column('province_code', existing_type=sa.SmallInteger(), nullable=True)
        batch_op.alter_column('commune_code', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('street', existing_type=sa.String(length=200), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_gift_batch_recipient_link_key'), ['link_key'])
        batch_op.drop_constraint(batch_op.f('ck_gift_batch_recipient_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_gift_batch_recipient_status_known'), RECIPIENT_STATUSES)
        batch_op.create_check_constraint(batch_op.f('ck_gift_batch_recipient_waiting_is_a_link'), "status <> 'waiting' OR by_link")
        batch_op.create_check_constraint(batch_op.f('ck_gift_batch_recipient_address_before_order'), ADDRESS_BEFORE_ORDER)
        batch_op.create_check_constraint(batch_op.f('ck_gift_batch_recipient_reachable'), 'phone IS NOT NULL OR email IS NOT NULL')
        batch_op.create_check_constraint(batch_op.f('ck_gift_batch_recipient_link_has_key'), 'NOT by_link OR link_key IS NOT NULL')
        batch_op.create_check_constraint(batch_op.f('ck_gift_batch_recipient_claimed_is_a_link'), 'claimed_at IS NULL OR by_link')


def downgrade():
    op.execute("DELETE FROM gift_batch_recipient WHERE by_link")
    op.execute("UPDATE gift_batch SET status = 'partly_created' WHERE status = 'claiming'")
    with op.batch_alter_table('gift_batch_recipient', schema=None) as batch_op:
        for name in ('claimed_is_a_link', 'link_has_key', 'reachable', 'address_before_order',
                     'waiting_is_a_link', 'status_known'):
            batch_op.drop_constraint(batch_op.f(f'ck_gift_batch_recipient_{name}'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_gift_batch_recipient_status_known'), RECIPIENT_STATUSES_BEFORE)
        batch_op.drop_constraint(batch_op.f('uq_gift_batch_recipient_link_key'), type_='unique')
        batch_op.alter_column('street', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column('commune_code', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('province_code', existing_type=sa.SmallInteger(), nullable=False)
        batch_op.alter_column('phone', existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column('alcohol_free')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('link_key')
        batch_op.drop_column('by_link')

    with op.batch_alter_table('gift_batch', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_gift_batch_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_gift_batch_status_known'), BATCH_STATUSES_BEFORE)
        batch_op.drop_column('claim_by')
