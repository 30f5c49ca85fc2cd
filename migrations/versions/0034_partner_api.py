"""Partners' API: their keys (only a SHA-256 of each kept), the idempotency records of their
POSTs, their bookings (``partner_booking``), and the payment method ``partner_account``.

Revision ID: 0034_partner_api
Revises: 0033_office
Create Date: 2026-12-05 00:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0034_partner_api"
down_revision = "0033_office"
branch_labels = None
depends_on = None

METHODS_BEFORE = "payment_method IN ('stripe', 'cod', 'demo', 'bank_transfer')"
METHODS_AFTER = (
    "payment_method IN ('stripe', 'cod', 'demo', 'bank_transfer', 'partner_account')"
)


def upgrade():
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("partner_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("prefix", sa.String(length=24), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "rate_limit_per_minute BETWEEN 1 AND 6000", name=op.f("ck_api_key_rate_limit_range")
        ),
        sa.CheckConstraint("length(key_hash) = 64", name=op.f("ck_api_key_key_hash_sha256")),
        sa.CheckConstraint("prefix LIKE 'ocop_live_%'", name=op.f("ck_api_key_prefix_shape")),
        sa.CheckConstraint(
            "revoked_by_id IS NULL OR revoked_at IS NOT NULL",
            name=op.f("ck_api_key_revoker_only_when_revoked"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_api_key_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["user_account.id"],
            name=op.f("fk_api_key_revoked_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("completed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("response_status", sa.SmallInteger(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(fingerprint) = 64", name=op.f("ck_idempotency_record_fingerprint_sha256")
        ),
        sa.CheckConstraint(
            "response_status IS NULL OR response_status BETWEEN 100 AND 599",
            name=op.f("ck_idempotency_record_response_status_range"),
        ),
        sa.CheckConstraint(
            "NOT completed OR (response_status IS NOT NULL AND response_body IS NOT NULL)",
            name=op.f("ck_idempotency_record_completed_has_response"),
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_key.id"],
            name=op.f("fk_idempotency_record_api_key_id_api_key"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint(
            "api_key_id", "key", name=op.f("uq_idempotency_record_api_key_id")
        ),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_record_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "partner_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("partner_reference", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(public_id) = 36", name=op.f("ck_partner_booking_public_id_uuid")
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_partner_booking_api_key_id_api_key")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["shop_order.id"], name=op.f("fk_partner_booking_order_id_shop_order")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_partner_booking_booking_id_booking")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_booking")),
        sa.UniqueConstraint("public_id", name=op.f("uq_partner_booking_public_id")),
        sa.UniqueConstraint("order_id", name=op.f("uq_partner_booking_order_id")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_partner_booking_booking_id")),
    )
    with op.batch_alter_table("partner_booking", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_booking_api_key_id"), ["api_key_id"], unique=False
        )

    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shop_order_payment_method_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_shop_order_payment_method_known"), METHODS_AFTER)


def downgrade():
    # Orders a partner booked cannot be written under the old rule: refuse rather than lose them.
    used = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM shop_order WHERE payment_method = 'partner_account'")
    ).scalar()
    if used:
        raise RuntimeError("partner orders exist: cannot downgrade")
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shop_order_payment_method_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_shop_order_payment_method_known"), METHODS_BEFORE)
    with op.batch_alter_table("partner_booking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_booking_api_key_id"))
    op.drop_table("partner_booking")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_created_at"))
    op.drop_table("idempotency_record")
    op.drop_table("api_key")
