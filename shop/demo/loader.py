"""Read the demo catalogue from the TOML files beside this module.

Producers, places, star ratings and the years of recognition follow public provincial and national
OCOP lists for the former Bắc Giang province (now Bắc Ninh) and its neighbour Thái Nguyên.

DEMO VALUES, NOT REAL RECORDS:

* Retail prices are estimates of typical online retail prices (2024–25), not producers' price lists.
* Certificate numbers, decision numbers, decision dates (beyond the year) and scores are invented
  demo values, marked ``DEMO-``; they are not the real OCOP certificates or decisions.
* Tax codes, phone numbers, e-mail addresses, stock levels and the demo users are invented too.

Files: ``categories.toml`` (OCOP groups and sub-groups), ``producers.toml`` (with the province and
commune codes of the 2025 address list), ``products.toml``, ``certificates.toml`` (each naming its
product), ``experiences.toml`` (rural-tourism experiences with their unit types, itinerary, own
certificate and a session schedule), ``users.toml``. A key that is left out is empty
(``None``); an unknown key, a reference to a missing producer, category or product, or an
address whose codes do not match its names (accents aside) is an error, so a typo fails the
seed instead of seeding something else. Product and experience pictures are the SVG files under
``static/img/``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shop.addresses.services import find_commune, find_province, resolve

DATA_DIR = Path(__file__).parent

Record = dict[str, Any]

CATEGORY_FIELDS = {"slug": True, "name_vi": True, "name_en": False}
PRODUCER_FIELDS = {
    "slug": True,
    "name": True,
    "legal_type": True,
    "tax_code": True,
    "province": True,
    "commune": True,
    "province_code": True,
    "commune_code": True,
    "street": False,
    "legacy_address": False,
    "story_vi": True,
    "story_en": False,
    "contact_phone": False,
    "contact_email": False,
    "image": False,
}
PRODUCT_FIELDS = {
    "slug": True,
    "producer": True,
    "category": True,
    "name_vi": True,
    "name_en": False,
    "description_vi": True,
    "description_en": False,
    "unit_vi": True,
    "unit_en": False,
    "origin": True,
    "price_vnd": True,
    "vat_rate": True,
    "stock": True,
    "weight_g": True,
    "shipping_class": True,
    "season": False,  # [start MMDD, end MMDD]
    "preorder": False,  # {ships_on = [month, day], cap = N}
    "adult_only": False,
    "image_alt_vi": True,
    "image_alt_en": False,
}
CERTIFICATE_FIELDS = {
    "product": True,
    "number": True,
    "decision_number": True,
    "decision_date": True,
    "authority": True,
    "authority_name": True,
    "criteria_version": True,
    "evaluation_round": True,
    "score": True,
}
EXPERIENCE_FIELDS = {
    "slug": True,
    "producer": True,
    "category": True,
    "name_vi": True,
    "name_en": False,
    "summary_vi": True,
    "summary_en": False,
    "meeting_point_vi": True,
    "meeting_point_en": False,
    "meeting_lat": False,
    "meeting_lng": False,
    "directions_vi": True,
    "directions_en": False,
    "duration_minutes": True,
    "languages": True,
    "included_vi": True,
    "included_en": False,
    "excluded_vi": False,
    "excluded_en": False,
    "bring_vi": False,
    "bring_en": False,
    "difficulty": True,
    "accessibility_vi": False,
    "accessibility_en": False,
    "food_notes_vi": False,
    "food_notes_en": False,
    "min_age": False,
    "availability_kind": True,
    "overnight": True,
    "cutoff": True,  # [days before, "HH:MM" local]
    "cancellation_rules": True,
    "schedule": True,
    "cancel_reason": False,
    "certificate": False,
    "itinerary": True,
    "units": True,
}
UNIT_FIELDS = {
    "code": True,
    "name_vi": True,
    "name_en": False,
    "age_min": False,
    "age_max": False,
    "seats": False,
    "price_vnd": True,
    "min": False,
    "max": True,
    "tiers": False,  # [[from quantity, price], …]
}
SCHEDULE_FIELDS = {
    "days": True,
    "times": True,
    "hours": True,
    "capacity": True,
    "nearly_full": False,
    "sold_out": False,
    "cancelled": False,
}
USER_FIELDS = {
    "email": True,
    "name": True,
    "role": True,
    "password": True,
    "locale": False,
    "producer": False,
    "province_code": False,  # the province an OCOP office account works for
}


class DemoDataError(ValueError):
    """A demo data file says something the loader cannot seed."""


@dataclass(frozen=True)
class DemoData:
    categories: list[Record]  # groups, each with its "children"
    producers: list[Record]
    fresh_delivery_provinces: list[str]
    products: list[Record]
    certificates: list[Record]
    users: list[Record]
    experiences: list[Record]

    def certificates_of(self, product_slug: str) -> list[Record]:
        return [c for c in self.certificates if c["product"] == product_slug]


def _reader(directory: Path):
    def read(name: str) -> dict[str, Any]:
        with (directory / name).open("rb") as file:
            return tomllib.load(file)

    return read


def _record(
    source: str, raw: Record, fields: dict[str, bool], extra: tuple[str, ...] = ()
) -> Record:
    unknown = set(raw) - set(fields) - set(extra)
    if unknown:
        raise DemoDataError(f"{source}: unknown keys {sorted(unknown)}")
    missing = [key for key, required in fields.items() if required and raw.get(key) is None]
    if missing:
        raise DemoDataError(f"{source}: missing {missing}")
    return {key: raw.get(key) for key in fields} | {key: raw[key] for key in extra if key in raw}


def _check_references(data: DemoData) -> None:
    categories = {c["slug"] for g in data.categories for c in (g, *g["children"])}
    producers = {p["slug"] for p in data.producers}
    products = {p["slug"] for p in data.products}
    for product in data.products:
        if product["producer"] not in producers or product["category"] not in categories:
            raise DemoDataError(
                f"products.toml: {product['slug']} names an unknown producer or category"
            )
    for certificate in data.certificates:
        if certificate["product"] not in products:
            raise DemoDataError(
                f"certificates.toml: {certificate['number']} names an unknown product"
            )
    for experience in data.experiences:
        if experience["producer"] not in producers or experience["category"] not in categories:
            raise DemoDataError(
                f"experiences.toml: {experience['slug']} names an unknown producer or category"
            )
        cancelled = experience["schedule"]["cancelled"] is not None
        if cancelled != (experience["cancel_reason"] is not None):
            raise DemoDataError(
                f"experiences.toml: {experience['slug']}: a cancelled session needs its reason"
            )
    for user in data.users:
        if user["producer"] is not None and user["producer"] not in producers:
            raise DemoDataError(f"users.toml: {user['email']} names an unknown producer")
    for producer in data.producers:
        # Names may keep an older spelling ("Phúc Hoà" for the list's "Phúc Hòa").
        address = resolve(producer["province_code"], producer["commune_code"])
        if (
            address is None
            or find_province(producer["province"]) != address.province
            or find_commune(address.province.code, producer["commune"]) != [address.commune]
        ):
            raise DemoDataError(
                f"producers.toml: {producer['slug']}'s address codes do not match its names"
            )


def _experience(raw: Record) -> Record:
    source = f"experiences.toml {raw.get('slug')}"
    experience = _record(source, raw, EXPERIENCE_FIELDS)
    experience["units"] = [_record(f"{source} unit", u, UNIT_FIELDS) for u in experience["units"]]
    experience["schedule"] = _record(f"{source} schedule", experience["schedule"], SCHEDULE_FIELDS)
    if experience["certificate"] is not None:
        fields = {k: v for k, v in CERTIFICATE_FIELDS.items() if k != "product"}
        experience["certificate"] = _record(
            f"{source} certificate", experience["certificate"], fields
        )
    for step in experience["itinerary"]:
        _record(f"{source} itinerary", step, {"time": True, "vi": True, "en": False})
    return experience


@cache
def load_demo_data() -> DemoData:
    """The demo catalogue, read and checked once per process."""
    return read_demo_data(DATA_DIR)


def read_demo_data(directory: Path) -> DemoData:
    """Read and check the demo data files in ``directory``."""
    _read = _reader(directory)
    categories = [
        _record(f"categories.toml {g.get('slug')}", g, CATEGORY_FIELDS, extra=("children",))
        for g in _read("categories.toml")["groups"]
    ]
    for group in categories:
        group["children"] = [
            _record(f"categories.toml {c.get('slug')}", c, CATEGORY_FIELDS)
            for c in group.get("children", [])
        ]
    producer_file = _read("producers.toml")
    data = DemoData(
        categories=categories,
        producers=[
            _record(f"producers.toml {p.get('slug')}", p, PRODUCER_FIELDS)
            for p in producer_file["producers"]
        ],
        fresh_delivery_provinces=list(producer_file.get("fresh_delivery_provinces", [])),
        products=[
            _record(f"products.toml {p.get('slug')}", p, PRODUCT_FIELDS)
            for p in _read("products.toml")["products"]
        ],
        certificates=[
            _record(f"certificates.toml {c.get('number')}", c, CERTIFICATE_FIELDS)
            for c in _read("certificates.toml")["certificates"]
        ],
        users=[
            _record(f"users.toml {u.get('email')}", u, USER_FIELDS)
            for u in _read("users.toml")["users"]
        ],
        experiences=[_experience(raw) for raw in _read("experiences.toml")["experiences"]],
    )
    _check_references(data)
    return data
