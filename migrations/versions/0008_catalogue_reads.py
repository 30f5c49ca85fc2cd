"""Indexes that cover the catalogue listing: each product's best OCOP rating (replacing the
index on the certificate's product alone) and the shelf of visible products with their sort keys
(replacing the index on ``product.active``).

Revision ID: 0008_catalogue_reads
Revises: 0007_jobs
Create Date: 2026-12-02 20:10:00

"""

from alembic import op

revision = "0008_catalogue_reads"
down_revision = "0007_jobs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_ocop_certificate_rating",
        "ocop_certificate",
        ["product_id", "valid_until", "status", "stars"],
    )
    op.drop_index("ix_ocop_certificate_product_id", table_name="ocop_certificate")
    op.create_index(
        "ix_product_shelf", "product", ["active", "producer_id", "created_at", "price_vnd"]
    )
    op.drop_index("ix_product_active", table_name="product")


def downgrade():
    op.create_index("ix_product_active", "product", ["active"])
    op.drop_index("ix_product_shelf", table_name="product")
    op.create_index("ix_ocop_certificate_product_id", "ocop_certificate", ["product_id"])
    op.drop_index("ix_ocop_certificate_rating", table_name="ocop_certificate")
