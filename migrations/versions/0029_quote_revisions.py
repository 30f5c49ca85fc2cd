"""Revised quotes: the office may send a sent quote again with another delivery, discount or
validity; the new quote names the one it replaces, which becomes ``superseded``.

Revision ID: 0029_quote_revisions
Revises: 0028_quotes
Create Date: 2026-12-04 22:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0029_quote_revisions"
down_revision = "0028_quotes"
branch_labels = None
depends_on = None

STATUSES = "'requested', 'sent', 'accepted', 'declined', 'expired', 'withdrawn'"
PRICED = "'sent', 'accepted', 'declined', 'expired'"
SENT_HAS_VALIDITY = (
    "status NOT IN ({}) OR (sent_at IS NOT NULL AND valid_until IS NOT NULL"
    " AND sent_by_id IS NOT NULL)"
)


def _checks(batch_op, statuses: str, priced: str) -> None:
    batch_op.create_check_constraint(op.f("ck_quote_status_known"), f"status IN ({statuses})")
    batch_op.create_check_constraint(
        op.f("ck_quote_sent_has_validity"), SENT_HAS_VALIDITY.format(priced)
    )


def upgrade():
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_quote_status_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_quote_sent_has_validity"), type_="check")
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_quote_replaces_id_quote"), "quote", ["replaces_id"], ["id"]
        )
        _checks(batch_op, f"{STATUSES}, 'superseded'", f"{PRICED}, 'superseded'")


def downgrade():
    op.execute("UPDATE quote SET status = 'declined' WHERE status = 'superseded'")
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_quote_status_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_quote_sent_has_validity"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_quote_replaces_id_quote"), type_="foreignkey")
        batch_op.drop_column("replaces_id")
        _checks(batch_op, STATUSES, PRICED)
