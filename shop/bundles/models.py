"""Bundles and their components.

A bundle is sold whole at its own price but bought as its parts: each component becomes an
order line of its own kind (goods or seats), so stock and seats are held by the same conditional
updates as when bought alone, and each producer sees its own line (``shop.bundles.allocation``
splits the price over them).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db import TimestampMixin, one_of
from shop.extensions import db


class BundleKind(StrEnum):
    PACKAGE = "package"  # goods + one experience
    GIFT_SET = "gift_set"  # goods only (the agencies issue adds volume tiers)


class GoodsHandover(StrEnum):
    """How a package's goods reach the buyer."""

    PICKUP = "pickup"  # collected at the cooperative during the visit
    DELIVERY = "delivery"  # delivered to the order's address, like any goods


class Bundle(TimestampMixin, db.Model):
    __tablename__ = "bundle"
    __table_args__ = (
        CheckConstraint(one_of("kind", BundleKind), name="kind_known"),
        CheckConstraint("price_vnd > 0", name="price_positive"),
        # A package says how its goods are handed over; a gift set is always delivered.
        CheckConstraint(
            "(kind = 'package' AND goods_handover IS NOT NULL"
            f" AND {one_of('goods_handover', GoodsHandover)})"
            " OR (kind = 'gift_set' AND goods_handover IS NULL)",
            name="handover_known",
        ),
        CheckConstraint("kind = 'package' OR NOT licensed_travel", name="licence_for_packages"),
        # A licensed travel product (transport, lodging and a guide) is sold only under the
        # operator's international or domestic travel licence.
        CheckConstraint(
            "NOT (active AND licensed_travel)"
            " OR (operator_licence IS NOT NULL AND length(trim(operator_licence)) > 0)",
            name="licensed_travel_has_licence",
        ),
        # Packaging, greeting card and the alcohol-free variant belong to gift sets only.
        CheckConstraint(
            "kind = 'gift_set' OR (packaging_vi IS NULL AND packaging_en IS NULL"
            " AND card_text_vi IS NULL AND card_text_en IS NULL"
            " AND alcohol_free_variant_id IS NULL)",
            name="gift_set_fields",
        ),
        CheckConstraint(
            "alcohol_free_variant_id IS NULL OR alcohol_free_variant_id <> id",
            name="variant_not_itself",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    summary_vi: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str | None] = mapped_column(Text)
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    # A drawn SVG under static/ (like the goods' pictures).
    image: Mapped[str | None] = mapped_column(String(200))
    price_vnd: Mapped[int] = mapped_column(Integer)
    # On sale: only through ``shop.bundles.services.put_on_sale``, which checks the bundle.
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    goods_handover: Mapped[str | None] = mapped_column(String(10))
    # The package includes transport, lodging and a guide: a licensed travel product.
    licensed_travel: Mapped[bool] = mapped_column(Boolean, default=False)
    operator_licence: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Gift sets: how the box is packed, the greeting card inside (both languages), and the same
    # set without its alcoholic drink (a gift set holding rice wine points to it).
    packaging_vi: Mapped[str | None] = mapped_column(Text)
    packaging_en: Mapped[str | None] = mapped_column(Text)
    card_text_vi: Mapped[str | None] = mapped_column(Text)
    card_text_en: Mapped[str | None] = mapped_column(Text)
    alcohol_free_variant_id: Mapped[int | None] = mapped_column(ForeignKey("bundle.id"), index=True)

    components: Mapped[list[BundleComponent]] = relationship(
        back_populates="bundle",
        order_by="BundleComponent.position",
        cascade="all, delete-orphan",
    )
    # A gift set's volume prices, lowest quantity first (``shop.bundles.giftsets.set_tiers``).
    tiers: Mapped[list[GiftSetTier]] = relationship(
        order_by="GiftSetTier.min_quantity",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    alcohol_free_variant: Mapped[Bundle | None] = relationship(remote_side=[id])

    @property
    def is_package(self) -> bool:
        return self.kind == BundleKind.PACKAGE

    @property
    def goods(self) -> list[BundleComponent]:
        return [c for c in self.components if c.product_id is not None]

    @property
    def seats_components(self) -> list[BundleComponent]:
        return [c for c in self.components if c.unit_type_id is not None]

    @property
    def experience(self):
        """A package's experience (that of its unit types), else None."""
        seats = self.seats_components
        return seats[0].unit_type.experience if seats else None

    @property
    def seats_per_bundle(self) -> int:
        """Seats of the session's pool one package takes (a family ticket takes 4)."""
        return sum(c.unit_type.seats * c.quantity for c in self.seats_components)

    @property
    def delivers_goods(self) -> bool:
        return self.goods_handover != GoodsHandover.PICKUP


class BundleComponent(db.Model):
    """A quantity of a product, or of an experience's unit type (e.g. 2 × adult)."""

    __tablename__ = "bundle_component"
    __table_args__ = (
        UniqueConstraint("bundle_id", "product_id", name="uq_bundle_component_product"),
        UniqueConstraint("bundle_id", "unit_type_id", name="uq_bundle_component_unit_type"),
        CheckConstraint("(product_id IS NULL) <> (unit_type_id IS NULL)", name="one_target"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    unit_type_id: Mapped[int | None] = mapped_column(ForeignKey("unit_type.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    bundle: Mapped[Bundle] = relationship(back_populates="components")
    product = relationship("Product")
    unit_type = relationship("UnitType")

    @property
    def list_price_vnd(self) -> int:
        """What one unit costs bought alone (the unit type's list price, no group tier)."""
        return self.product.price_vnd if self.product_id is not None else self.unit_type.price_vnd


class GiftSetTier(db.Model):
    """A gift set's unit price from ``min_quantity`` boxes on one line (tier 1 is the set's own
    price; dearer tiers never come after cheaper ones: ``shop.bundles.giftsets.set_tiers``)."""

    __tablename__ = "gift_set_tier"
    __table_args__ = (
        UniqueConstraint("bundle_id", "min_quantity", name="uq_gift_set_tier_quantity"),
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
        CheckConstraint("unit_price_vnd > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id", ondelete="CASCADE"), index=True)
    min_quantity: Mapped[int] = mapped_column(Integer)
    unit_price_vnd: Mapped[int] = mapped_column(Integer)
