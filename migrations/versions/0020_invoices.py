"""VAT invoices: the buyer's invoice data on an order (tax code format checked) and each
producer order's issued VAT invoice (once per producer order, numbers unique per series).

Revision ID: 0020_invoices
Revises: 0019_staff
Create Date: 2026-12-03 17:27:14.954314

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_invoices'
down_revision = '0019_staff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_invoice_data',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('tax_code', sa.String(length=14), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('buyer_name', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(length(tax_code) = 10 AND replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(tax_code, '0', ''), '1', ''), '2', ''), '3', ''), '4', ''), '5', ''), '6', ''), '7', ''), '8', ''), '9', '') = '') OR (length(tax_code) = 14 AND substr(tax_code, 11, 1) = '-' AND replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(substr(tax_code, 1, 10) || substr(tax_code, 12, 3), '0', ''), '1', ''), '2', ''), '3', ''), '4', ''), '5', ''), '6', ''), '7', ''), '8', ''), '9', '') = '')", name=op.f('ck_order_invoice_data_tax_code_format')),
    sa.CheckConstraint('length(trim(address)) > 0', name=op.f('ck_order_invoice_data_address_given')),
    sa.CheckConstraint('length(trim(legal_name)) > 0', name=op.f('ck_order_invoice_data_legal_name_given')),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_order_invoice_data_order_id_shop_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_invoice_data')),
    sa.UniqueConstraint('order_id', name=op.f('uq_order_invoice_data_order_id'))
    )
    op.create_table('issued_invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('producer_order_id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('series', sa.String(length=10), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('provider_reference', sa.String(length=120), nullable=True),
    sa.Column('file_path', sa.String(length=200), nullable=True),
    sa.Column('total_vnd', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('number > 0', name=op.f('ck_issued_invoice_number_positive')),
    sa.CheckConstraint('total_vnd >= 0', name=op.f('ck_issued_invoice_total_not_negative')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_issued_invoice_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['producer_id'], ['producer.id'], name=op.f('fk_issued_invoice_producer_id_producer')),
    sa.ForeignKeyConstraint(['producer_order_id'], ['producer_order.id'], name=op.f('fk_issued_invoice_producer_order_id_producer_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_invoice')),
    sa.UniqueConstraint('producer_id', 'series', 'number', name=op.f('uq_issued_invoice_producer_id')),
    sa.UniqueConstraint('producer_order_id', name=op.f('uq_issued_invoice_producer_order_id'))
    )
    with op.batch_alter_table('issued_invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_invoice_producer_id'), ['producer_id'], unique=False)



def downgrade():
    with op.batch_alter_table('issued_invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_invoice_producer_id'))

    op.drop_table('issued_invoice')
    op.drop_table('order_invoice_data')
