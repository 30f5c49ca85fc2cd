"""Imports every model module so the metadata knows all tables (Alembic, create_all)."""

from shop.accounts.models import User  # noqa: F401
from shop.catalog.models import (  # noqa: F401
    Category,
    OcopCertificate,
    Producer,
    Product,
    ProductImage,
)
