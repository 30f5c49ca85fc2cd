"""OCOP office accounts: the role ``ocop_office`` and the province an office account works
for (required for that role).

Revision ID: 0033_office
Revises: 0032_producer_status
Create Date: 2026-12-05 00:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0033_office"
down_revision = "0032_producer_status"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.SmallInteger(), nullable=True))
        batch_op.drop_constraint(op.f("ck_user_account_role_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_user_account_role_known"),
            "role IN ('customer', 'producer_staff', 'agency', 'admin', 'ocop_office')",
        )
        batch_op.create_check_constraint(
            op.f("ck_user_account_office_has_province"),
            "role <> 'ocop_office' OR province_code IS NOT NULL",
        )


def downgrade():
    op.execute("UPDATE user_account SET role = 'customer' WHERE role = 'ocop_office'")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_office_has_province"), type_="check")
        batch_op.drop_constraint(op.f("ck_user_account_role_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_user_account_role_known"),
            "role IN ('customer', 'producer_staff', 'agency', 'admin')",
        )
        batch_op.drop_column("province_code")
