"""schema.org JSON-LD for product pages."""

from __future__ import annotations

from shop.catalog.availability import AvailabilityKind
from shop.catalog.services import ProductPage
from shop.media import picture_url
from shop.templating import localized
from shop.urls import absolute_url


def availability(page: ProductPage) -> str:
    return {
        AvailabilityKind.ON_SALE: "https://schema.org/InStock",
        AvailabilityKind.PREORDER: "https://schema.org/PreOrder",
        AvailabilityKind.SOLD_OUT: "https://schema.org/SoldOut",
        AvailabilityKind.OUT_OF_SEASON: "https://schema.org/OutOfStock",
        AvailabilityKind.PAUSED: "https://schema.org/Discontinued",
    }[page.availability.kind]


def product_jsonld(page: ProductPage) -> dict:
    product = page.product
    url = absolute_url("catalog.product_detail", slug=product.slug)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": localized(product, "name"),
        "description": localized(product, "description"),
        "sku": product.slug,
        "url": url,
        "image": [picture_url(image.path, external=True) for image in product.images],
        "brand": {"@type": "Organization", "name": product.producer.name},
        "category": localized(product.category, "name"),
        "countryOfOrigin": "VN",
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": str(product.price_vnd),
            "priceCurrency": "VND",
            "availability": availability(page),
            "itemCondition": "https://schema.org/NewCondition",
            "seller": {"@type": "Organization", "name": product.producer.name},
        },
    }
    if product.preorder and product.preorder_ships_from:
        data["offers"]["availabilityStarts"] = product.preorder_ships_from.isoformat()
    if page.certificate:
        data["award"] = f"OCOP {page.certificate.stars}★ ({page.certificate.certificate_number})"
    return data
