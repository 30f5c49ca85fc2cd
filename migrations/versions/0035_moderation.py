"""Listing moderation: ``producer.moderated`` (set by the office), a review state on products
and experiences (only an approved listing may be on sale: CHECK), and ``listing_revision``, the
proposed content of a listing waiting for the office's review (one pending per listing).

Revision ID: 0035_moderation
Revises: 0034_partner_api
Create Date: 2026-12-05 01:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0035_moderation"
down_revision = "0034_partner_api"
branch_labels = None
depends_on = None

REVIEW_STATUSES = "review_status IN ('approved', 'pending', 'rejected')"
REVIEWED_WHEN_ACTIVE = "review_status = 'approved' OR NOT active"
PENDING = "status = 'pending'"


def upgrade():
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("moderated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    for table in ("product", "experience"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "review_status", sa.String(length=10), server_default="approved",
                    nullable=False,
                )
            )
            batch_op.create_check_constraint(op.f(f"ck_{table}_review_status_known"), REVIEW_STATUSES)
            batch_op.create_check_constraint(
                op.f(f"ck_{table}_on_sale_when_reviewed"), REVIEWED_WHEN_ACTIVE
            )

    op.create_table(
        "listing_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("experience_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("replaced", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(product_id IS NULL) <> (experience_id IS NULL)",
            name=op.f("ck_listing_revision_revises_one"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'superseded')",
            name=op.f("ck_listing_revision_status_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('new', 'change')", name=op.f("ck_listing_revision_kind_known")
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR length(trim(reason)) > 0",
            name=op.f("ck_listing_revision_rejected_with_reason"),
        ),
        sa.CheckConstraint(
            "(status IN ('approved', 'rejected')) = (reviewed_at IS NOT NULL)",
            name=op.f("ck_listing_revision_reviewed_when_decided"),
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producer.id"],
            name=op.f("fk_listing_revision_producer_id_producer"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_listing_revision_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["experience_id"], ["experience.id"],
            name=op.f("fk_listing_revision_experience_id_experience"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user_account.id"],
            name=op.f("fk_listing_revision_submitted_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["user_account.id"],
            name=op.f("fk_listing_revision_reviewed_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_revision")),
    )
    with op.batch_alter_table("listing_revision", schema=None) as batch_op:
        batch_op.create_index(
            "uq_listing_revision_pending_product", ["product_id"], unique=True,
            sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING),
        )
        batch_op.create_index(
            "uq_listing_revision_pending_experience", ["experience_id"], unique=True,
            sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING),
        )
        batch_op.create_index(
            "ix_listing_revision_queue", ["status", "producer_id", "submitted_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("listing_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_listing_revision_queue")
        batch_op.drop_index(
            "uq_listing_revision_pending_experience",
            sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING),
        )
        batch_op.drop_index(
            "uq_listing_revision_pending_product",
            sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING),
        )
    op.drop_table("listing_revision")
    for table in ("experience", "product"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_on_sale_when_reviewed"), type_="check")
            batch_op.drop_constraint(op.f(f"ck_{table}_review_status_known"), type_="check")
            batch_op.drop_column("review_status")
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.drop_column("moderated")
