"""A session generation per user: signing out or changing the password ends every session.

Revision ID: 0005_security
Revises: 0004_addresses
Create Date: 2026-12-02 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_security"
down_revision = "0004_addresses"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.create_check_constraint(
            'session_generation_not_negative', 'session_generation >= 0'
        )


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f('ck_user_account_session_generation_not_negative'), type_='check'
        )
        batch_op.drop_column('session_generation')
