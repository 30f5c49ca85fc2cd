"""Gift batches: the parent of an organisation's batch of gift orders (status, bank-transfer
reference, progress counters; no amounts of its own), one row per recipient, and the child
orders' ``shop_order.batch_id``.

Revision ID: 0024_batches
Revises: 0023_orgs
Create Date: 2026-12-04 17:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_batches'
down_revision = '0023_orgs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gift_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=25), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('billing_entity_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('po_number', sa.String(length=60), nullable=True),
    sa.Column('adult_confirmed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failed_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'creating', 'created', 'partly_created', 'cancelled')", name=op.f('ck_gift_batch_status_known')),
    sa.CheckConstraint('created_count >= 0 AND failed_count >= 0 AND created_count + failed_count <= size', name=op.f('ck_gift_batch_counters_in_range')),
    sa.CheckConstraint('size > 0', name=op.f('ck_gift_batch_size_positive')),
    sa.CheckConstraint('length(reference) <= 25', name=op.f('ck_gift_batch_reference_short')),
    sa.ForeignKeyConstraint(['billing_entity_id'], ['billing_entity.id'], name=op.f('fk_gift_batch_billing_entity_id_billing_entity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_gift_batch_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_gift_batch_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_batch')),
    sa.UniqueConstraint('reference', name=op.f('uq_gift_batch_reference'))
    )
    with op.batch_alter_table('gift_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gift_batch_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('gift_batch_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('province_code', sa.SmallInteger(), nullable=False),
    sa.Column('commune_code', sa.Integer(), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('deliver_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'created', 'failed')", name=op.f('ck_gift_batch_recipient_status_known')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_gift_batch_recipient_quantity_positive')),
    sa.CheckConstraint('row > 0', name=op.f('ck_gift_batch_recipient_row_positive')),
    sa.CheckConstraint("(status = 'created') = (order_id IS NOT NULL)", name=op.f('ck_gift_batch_recipient_created_has_order')),
    sa.CheckConstraint("status <> 'failed' OR error IS NOT NULL", name=op.f('ck_gift_batch_recipient_failed_has_reason')),
    sa.ForeignKeyConstraint(['batch_id'], ['gift_batch.id'], name=op.f('fk_gift_batch_recipient_batch_id_gift_batch')),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundle.id'], name=op.f('fk_gift_batch_recipient_bundle_id_bundle')),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_gift_batch_recipient_order_id_shop_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_batch_recipient')),
    sa.UniqueConstraint('batch_id', 'row', name='uq_gift_batch_recipient_row'),
    sa.UniqueConstraint('order_id', name=op.f('uq_gift_batch_recipient_order_id'))
    )
    with op.batch_alter_table('gift_batch_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gift_batch_recipient_batch_id'), ['batch_id'], unique=False)

    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_shop_order_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_shop_order_batch_id_gift_batch'), 'gift_batch', ['batch_id'], ['id'])


def downgrade():
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_shop_order_batch_id_gift_batch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_shop_order_batch_id'))
        batch_op.drop_column('batch_id')

    with op.batch_alter_table('gift_batch_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gift_batch_recipient_batch_id'))
    op.drop_table('gift_batch_recipient')
    with op.batch_alter_table('gift_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gift_batch_organisation_id'))
    op.drop_table('gift_batch')
