"""Producer staff invitations (single-use, revocable links); a producer admin is producer
staff; each producer's oldest staff member becomes its admin when it has none.

Revision ID: 0019_staff
Revises: 0018_connect
Create Date: 2026-12-03 16:12:00

"""
from alembic import op
import sqlalchemy as sa

# Autogenerate misses CHECK constraints on existing tables: written by hand.
ADMIN_IS_STAFF = "NOT producer_admin OR role = 'producer_staff'"
# Each producer without an admin: its oldest staff member becomes one.
OLDEST_STAFF_ADMIN = """
UPDATE user_account SET producer_admin = TRUE
WHERE role = 'producer_staff'
  AND id = (
    SELECT oldest.id FROM user_account AS oldest
    WHERE oldest.role = 'producer_staff' AND oldest.producer_id = user_account.producer_id
    ORDER BY oldest.created_at, oldest.id
    LIMIT 1
  )
  AND NOT EXISTS (
    SELECT 1 FROM user_account AS existing
    WHERE existing.role = 'producer_staff' AND existing.producer_id = user_account.producer_id
      AND existing.producer_admin
  )
"""

# revision identifiers, used by Alembic.
revision = "0019_staff"
down_revision = '0018_connect'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('producer_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('admin', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(accepted_at IS NULL) = (accepted_by_id IS NULL)', name=op.f('ck_producer_invitation_accepted_by_someone')),
    sa.CheckConstraint('accepted_at IS NULL OR revoked_at IS NULL', name=op.f('ck_producer_invitation_accepted_or_revoked')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_producer_invitation_email_lowercase')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user_account.id'], name=op.f('fk_producer_invitation_accepted_by_id_user_account')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_producer_invitation_invited_by_id_user_account')),
    sa.ForeignKeyConstraint(['producer_id'], ['producer.id'], name=op.f('fk_producer_invitation_producer_id_producer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_producer_invitation'))
    )
    with op.batch_alter_table('producer_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_producer_invitation_producer_id'), ['producer_id'], unique=False)

    op.execute("UPDATE user_account SET producer_admin = FALSE WHERE role <> 'producer_staff'")
    op.execute(OLDEST_STAFF_ADMIN)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_user_account_producer_admin_is_staff"), ADMIN_IS_STAFF)


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_producer_admin_is_staff"), type_="check")
    with op.batch_alter_table('producer_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_producer_invitation_producer_id'))

    op.drop_table('producer_invitation')
