"""Gift sets: packaging, greeting card, the alcohol-free variant, and volume price tiers.

Revision ID: 0022_giftsets
Revises: 0021_orderbank
Create Date: 2026-12-03 17:40:00

"""
from alembic import op
import sqlalchemy as sa

# Autogenerate misses CHECK constraints on existing tables: written by hand.
GIFT_SET_FIELDS = (
    "kind = 'gift_set' OR (packaging_vi IS NULL AND packaging_en IS NULL"
    " AND card_text_vi IS NULL AND card_text_en IS NULL"
    " AND alcohol_free_variant_id IS NULL)"
)
VARIANT_NOT_ITSELF = "alcohol_free_variant_id IS NULL OR alcohol_free_variant_id <> id"

# revision identifiers, used by Alembic.
revision = "0022_giftsets"
down_revision = '0021_orderbank'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "gift_set_tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_vnd", sa.Integer(), nullable=False),
        sa.CheckConstraint("min_quantity >= 1", name=op.f("ck_gift_set_tier_min_quantity_positive")),
        sa.CheckConstraint("unit_price_vnd > 0", name=op.f("ck_gift_set_tier_unit_price_positive")),
        sa.ForeignKeyConstraint(
            ["bundle_id"], ["bundle.id"], name=op.f("fk_gift_set_tier_bundle_id_bundle"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_set_tier")),
        sa.UniqueConstraint("bundle_id", "min_quantity", name="uq_gift_set_tier_quantity"),
    )
    with op.batch_alter_table("gift_set_tier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gift_set_tier_bundle_id"), ["bundle_id"], unique=False)

    with op.batch_alter_table("bundle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("packaging_vi", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("packaging_en", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("card_text_vi", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("card_text_en", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("alcohol_free_variant_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_bundle_alcohol_free_variant_id"), ["alcohol_free_variant_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_bundle_alcohol_free_variant_id_bundle"),
            "bundle",
            ["alcohol_free_variant_id"],
            ["id"],
        )
        batch_op.create_check_constraint(op.f("ck_bundle_gift_set_fields"), GIFT_SET_FIELDS)
        batch_op.create_check_constraint(op.f("ck_bundle_variant_not_itself"), VARIANT_NOT_ITSELF)


def downgrade():
    with op.batch_alter_table("bundle", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bundle_variant_not_itself"), type_="check")
        batch_op.drop_constraint(op.f("ck_bundle_gift_set_fields"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_bundle_alcohol_free_variant_id_bundle"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_bundle_alcohol_free_variant_id"))
        batch_op.drop_column("alcohol_free_variant_id")
        batch_op.drop_column("card_text_en")
        batch_op.drop_column("card_text_vi")
        batch_op.drop_column("packaging_en")
        batch_op.drop_column("packaging_vi")

    with op.batch_alter_table("gift_set_tier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gift_set_tier_bundle_id"))
    op.drop_table("gift_set_tier")
