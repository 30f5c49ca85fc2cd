"""An index that covers each product's best OCOP rating (read by every catalogue listing); it
replaces the index on the certificate's product alone.

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


def downgrade():
    op.create_index("ix_ocop_certificate_product_id", "ocop_certificate", ["product_id"])
    op.drop_index("ix_ocop_certificate_rating", table_name="ocop_certificate")
