"""Quotes for gift batches: the quote (status, locked amounts, VAT per rate, validity, who
asked, sent and accepted; one live quote per batch), its per-recipient lines the child orders
are priced from, and the stock an accepted quote holds until its job gives it to the orders.

Revision ID: 0028_quotes
Revises: 0027_links
Create Date: 2026-12-04 18:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0028_quotes"
down_revision = "0027_links"
branch_labels = None
depends_on = None

LIVE = "status IN ('requested', 'sent', 'accepted')"


def upgrade():
    op.create_table(
        "quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=25), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("po_number", sa.String(length=60), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("boxes", sa.Integer(), nullable=False),
        sa.Column("goods_vnd", sa.Integer(), nullable=False),
        sa.Column("delivery_vnd", sa.Integer(), nullable=False),
        sa.Column("discount_vnd", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_vnd", sa.Integer(), nullable=False),
        sa.Column("vat_rates", sa.JSON(), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'sent', 'accepted', 'declined', 'expired', 'withdrawn')",
            name=op.f("ck_quote_status_known"),
        ),
        sa.CheckConstraint(
            "goods_vnd >= 0 AND delivery_vnd >= 0 AND discount_vnd >= 0",
            name=op.f("ck_quote_amounts_not_negative"),
        ),
        sa.CheckConstraint(
            "discount_vnd <= goods_vnd", name=op.f("ck_quote_discount_within_goods")
        ),
        sa.CheckConstraint(
            "total_vnd = goods_vnd + delivery_vnd - discount_vnd",
            name=op.f("ck_quote_total_adds_up"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('sent', 'accepted', 'declined', 'expired') OR (sent_at IS NOT NULL AND valid_until IS NOT NULL AND sent_by_id IS NOT NULL)",
            name=op.f("ck_quote_sent_has_validity"),
        ),
        sa.CheckConstraint(
            "(status = 'accepted') = (accepted_at IS NOT NULL AND accepted_by_id IS NOT NULL)",
            name=op.f("ck_quote_accepted_has_who"),
        ),
        sa.CheckConstraint("recipients > 0 AND boxes > 0", name=op.f("ck_quote_counts_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["gift_batch.id"], name=op.f("fk_quote_batch_id_gift_batch")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_quote_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_quote_requested_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["user_account.id"], name=op.f("fk_quote_sent_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["user_account.id"],
            name=op.f("fk_quote_accepted_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote")),
        sa.UniqueConstraint("reference", name=op.f("uq_quote_reference")),
    )
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quote_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_quote_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_quote_live_batch",
            ["batch_id"],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )

    op.create_table(
        "quote_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_vnd", sa.Integer(), nullable=False),
        sa.Column("goods_vnd", sa.Integer(), nullable=False),
        sa.Column("delivery_vnd", sa.Integer(), nullable=False),
        sa.Column("discount_vnd", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "quantity > 0 AND unit_price_vnd > 0",
            name=op.f("ck_quote_line_quantity_price_positive"),
        ),
        sa.CheckConstraint(
            "goods_vnd = unit_price_vnd * quantity", name=op.f("ck_quote_line_goods_adds_up")
        ),
        sa.CheckConstraint(
            "discount_vnd >= 0 AND discount_vnd < goods_vnd AND delivery_vnd >= 0",
            name=op.f("ck_quote_line_amounts_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quote.id"], name=op.f("fk_quote_line_quote_id_quote")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["gift_batch_recipient.id"],
            name=op.f("fk_quote_line_recipient_id_gift_batch_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["bundle_id"], ["bundle.id"], name=op.f("fk_quote_line_bundle_id_bundle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_line")),
        sa.UniqueConstraint("quote_id", "recipient_id", name="uq_quote_line_recipient"),
    )
    with op.batch_alter_table("quote_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_line_quote_id"), ["quote_id"], unique=False)

    op.create_table(
        "quote_hold",
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_quote_hold_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quote.id"], name=op.f("fk_quote_hold_quote_id_quote")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_quote_hold_product_id_product")
        ),
        sa.PrimaryKeyConstraint("quote_id", "product_id", name=op.f("pk_quote_hold")),
    )


def downgrade():
    op.drop_table("quote_hold")
    with op.batch_alter_table("quote_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_line_quote_id"))
    op.drop_table("quote_line")
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_index("uq_quote_live_batch")
        batch_op.drop_index(batch_op.f("ix_quote_status"))
        batch_op.drop_index(batch_op.f("ix_quote_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_quote_batch_id"))
    op.drop_table("quote")
