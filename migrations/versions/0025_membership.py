"""An account belongs to one organisation or works for one producer, never both: the
organisation member row refers to the account as a customer (``account_role``, always
'customer', with ``user_id`` a foreign key to ``user_account (id, role)``), so a member cannot be
made producer staff, nor producer staff a member. Refuses to run while an account is both.

Revision ID: 0025_membership
Revises: 0024_batches
Create Date: 2026-12-04 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_membership'
down_revision = '0024_batches'
branch_labels = None
depends_on = None


def upgrade():
    both = op.get_bind().execute(sa.text(
        "SELECT u.email FROM organisation_member m JOIN user_account u ON u.id = m.user_id "
        "WHERE u.role <> 'customer' ORDER BY u.email"
    )).scalars().all()
    if both:
        raise RuntimeError(
            "These accounts are organisation members without being customer accounts; remove "
            "them from their organisation or their producer first: " + ", ".join(both)
        )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_user_account_id_role', ['id', 'role'])

    with op.batch_alter_table('organisation_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_role', sa.String(length=20), server_default='customer', nullable=False))
        batch_op.create_check_constraint(op.f('ck_organisation_member_account_is_customer'), "account_role = 'customer'")
        batch_op.create_foreign_key('fk_organisation_member_account_customer', 'user_account', ['user_id', 'account_role'], ['id', 'role'])


def downgrade():
    with op.batch_alter_table('organisation_member', schema=None) as batch_op:
        batch_op.drop_constraint('fk_organisation_member_account_customer', type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_organisation_member_account_is_customer'), type_='check')
        batch_op.drop_column('account_role')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_id_role', type_='unique')
