"""Bank transfers: the day each incoming transfer arrived (an order's transfers are summed),
the customer's account on a refund paid back by transfer, and VAT invoices numbered when asked
for and issued by a job after the commit (``invoice_request``; every invoice issued so far gets
its request, marked issued).

Revision ID: 0026_transfers
Revises: 0025_membership
Create Date: 2026-12-04 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0026_transfers"
down_revision = "0025_membership"
branch_labels = None
depends_on = None

PAYEE_WHOLE = (
    "(payee_bin IS NULL AND payee_account IS NULL AND payee_holder IS NULL)"
    " OR (payee_bin IS NOT NULL AND payee_account IS NOT NULL AND payee_holder IS NOT NULL)"
)


def upgrade():
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_on", sa.Date(), nullable=True))
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payee_bin", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("payee_account", sa.String(length=19), nullable=True))
        batch_op.add_column(sa.Column("payee_holder", sa.String(length=120), nullable=True))
        batch_op.create_check_constraint(op.f("ck_refund_payee_whole"), PAYEE_WHOLE)
    op.create_table(
        "invoice_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_order_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=10), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("number > 0", name=op.f("ck_invoice_request_number_positive")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_invoice_request_attempts_not_negative")),
        sa.CheckConstraint(
            "status IN ('pending', 'issuing', 'issued', 'failed')",
            name=op.f("ck_invoice_request_status_known"),
        ),
        sa.ForeignKeyConstraint(["producer_id"], ["producer.id"],
                                name=op.f("fk_invoice_request_producer_id_producer")),
        sa.ForeignKeyConstraint(["producer_order_id"], ["producer_order.id"],
                                name=op.f("fk_invoice_request_producer_order_id_producer_order")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"],
                                name=op.f("fk_invoice_request_requested_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_request")),
        sa.UniqueConstraint("producer_id", "series", "number",
                            name=op.f("uq_invoice_request_producer_id")),
        sa.UniqueConstraint("producer_order_id", name=op.f("uq_invoice_request_producer_order_id")),
    )
    with op.batch_alter_table("invoice_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_request_producer_id"), ["producer_id"], unique=False
        )
    day = "date(issued_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(issued_at AS DATE)"
    op.execute(
        "INSERT INTO invoice_request (producer_order_id, producer_id, series, number,"
        " invoice_date, status, attempts, requested_by_id, created_at, updated_at)"
        f" SELECT producer_order_id, producer_id, series, number, {day},"
        " 'issued', 1, issued_by_id, issued_at, issued_at FROM issued_invoice"
    )


def downgrade():
    bind = op.get_bind()
    waiting = bind.execute(
        sa.text("SELECT COUNT(*) FROM invoice_request WHERE status <> 'issued'")
    ).scalar()
    if waiting:
        raise RuntimeError("VAT invoices are waiting to be issued: cannot downgrade")
    with op.batch_alter_table("invoice_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_request_producer_id"))
    op.drop_table("invoice_request")
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_refund_payee_whole"), type_="check")
        batch_op.drop_column("payee_holder")
        batch_op.drop_column("payee_account")
        batch_op.drop_column("payee_bin")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_column("received_on")
