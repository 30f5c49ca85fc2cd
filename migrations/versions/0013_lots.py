"""Harvest lots: a lot per harvest or production run of a product with its public
traceability code, the lot each shipped order line came from, and whether a product's lines
must name one when shipped (fresh-perishable goods do by default).

Revision ID: 0013_lots
Revises: 0012_portal
Created: 2026-12-03 09:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0013_lots'
down_revision = "0012_portal"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('harvest_date', sa.Date(), nullable=False),
    sa.Column('best_before', sa.Date(), nullable=True),
    sa.Column('plot', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('best_before IS NULL OR best_before > harvest_date', name=op.f('ck_lot_best_before_after_harvest')),
    sa.CheckConstraint('length(code) = 8', name=op.f('ck_lot_code_length')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_lot_quantity_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_lot_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_lot_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot')),
    sa.UniqueConstraint('code', name=op.f('uq_lot_code'))
    )
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.create_index('ix_lot_product_harvest', ['product_id', 'harvest_date'], unique=False)

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lot_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_line_lot_id'), ['lot_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_line_lot_id_lot'), 'lot', ['lot_id'], ['id'])

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('lot_required', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Fresh fruit names its lot when shipped; the producer may change it per product.
    op.execute(
        "UPDATE product SET lot_required = (shipping_class = 'fresh_perishable')"
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.alter_column('lot_required', server_default=None)


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('lot_required')

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_line_lot_id_lot'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_line_lot_id'))
        batch_op.drop_column('lot_id')

    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_index('ix_lot_product_harvest')

    op.drop_table('lot')
