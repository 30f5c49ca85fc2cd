"""The demo catalogue from its data files (shop/demo/*.toml): the same catalogue as before the
files (19 products of 17 producers, valid and expired certificates, a pre-order lychee, an 18+
wine), seeded idempotently, with a typo in a file refused."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from sqlalchemy import func, select

from shop.accounts.models import User
from shop.addresses.services import commune
from shop.catalog.demo import seed_demo
from shop.catalog.models import Category, OcopCertificate, Producer, Product, ProductImage
from shop.demo.loader import DATA_DIR, DemoDataError, read_demo_data
from shop.extensions import db
from tests.conftest import DEMO_TODAY

VALID = {
    "che-dinh-tan-cuong-hao-dat": 5,
    "che-xanh-ban-ven": 4,
    "gao-nep-cai-hoa-vang-thai-son": 4,
    "mang-luc-truc-ngoc-chau": 4,
    "mat-ong-hoa-vai": 3,
    "my-gao-luc-ngan-hang-hieu": 4,
    "tra-hoa-cuc-chi-luc-ngan": 3,
    "vai-thieu-huu-co-vu-van-men": 3,
    "vai-thieu-luc-ngan-hong-xuan": 5,
    "vu-sua-tan-yen": 4,
}
EXPIRED = {
    "banh-khao-moc-son",
    "cha-ga-doi-yen-the",
    "dong-trung-ha-thao-truong-tho",
    "my-gao-chu-xuan-truong",
    "nem-nuong-lien-chung",
    "nu-hoa-sam-nam-nui-danh",
    "ruou-nep-cai-hoa-vang-lang-van",
    "vai-som-phuc-hoa",
}
OUT_OF_SEASON = {
    "mang-luc-truc-ngoc-chau",
    "vai-som-phuc-hoa",
    "vai-thieu-huu-co-vu-van-men",
    "vai-thieu-luc-ngan-hong-xuan",
    "vu-sua-tan-yen",
}


def counts() -> dict[str, int]:
    models = (Category, Producer, Product, OcopCertificate, ProductImage, User)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def test_the_data_files_seed_the_same_catalogue_twice(app):
    seed_demo(DEMO_TODAY)
    db.session.commit()
    first = counts()
    seed_demo(DEMO_TODAY)
    db.session.commit()
    assert (
        counts()
        == first
        == {
            "Category": 25,
            "Producer": 18,
            "Product": 19,
            "OcopCertificate": 19,
            "ProductImage": 19,
            "User": 8,  # with the OCOP office of Bắc Ninh
        }
    )
    products = {p.slug: p for p in db.session.scalars(select(Product))}
    valid = {s: p.valid_certificate(DEMO_TODAY) for s, p in products.items()}
    assert {s: c.stars for s, c in valid.items() if c} == VALID
    assert {s for s, p in products.items() if p.certificates and not valid[s]} == EXPIRED
    assert [s for s, p in products.items() if not p.certificates] == ["my-ngu-sac-xuan-truong"]
    assert {s for s, p in products.items() if p.in_season_on(DEMO_TODAY) is False} == (
        OUT_OF_SEASON
    )
    preorders = {
        s: (p.preorder_ships_from, p.preorder_cap) for s, p in products.items() if p.preorder
    }
    assert preorders == {
        "vai-thieu-luc-ngan-hong-xuan": (date(2027, 6, 5), 500),
        "vu-sua-tan-yen": (date(2026, 12, 5), 100),
    }
    assert [s for s, p in products.items() if p.adult_only] == ["ruou-nep-cai-hoa-vang-lang-van"]
    assert sum(p.stock for p in products.values()) == 1685
    assert sum(p.price_vnd for p in products.values()) == 3_325_000
    assert products["banh-khao-moc-son"].description_en is None  # English falls back


def test_producers_carry_the_address_list_codes(app):
    seed_demo(DEMO_TODAY)
    db.session.commit()
    producers = {p.slug: p for p in db.session.scalars(select(Producer))}
    hong_xuan = producers["htx-hong-xuan"]
    assert (hong_xuan.province, hong_xuan.commune) == ("Bắc Ninh", "Phường Chũ")
    assert (hong_xuan.province_code, hong_xuan.commune_code) == (24, 7525)
    for producer in producers.values():
        place = commune(producer.commune_code)
        assert place.province_code == producer.province_code, producer.slug
        assert place.province.name == producer.province
        assert producer.delivers_fresh_to(1)  # Hà Nội, from the shared delivery area
        assert not producer.delivers_fresh_to(96)  # Cà Mau


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("products.toml", "price_vnd = 285000", "prize_vnd = 285000", "unknown keys"),
        ("products.toml", 'producer = "htx-hong-xuan"', 'producer = "htx-nobody"', "unknown"),
        ("producers.toml", "commune_code = 7525", "commune_code = 4", "codes do not match"),
        ("certificates.toml", 'product = "vai-som-phuc-hoa"', 'product = "x"', "unknown product"),
        ("users.toml", 'role = "admin"\n', "", "missing ['role']"),
    ],
)
def test_a_mistake_in_a_data_file_is_refused(tmp_path, file, old, new, message):
    for source in DATA_DIR.glob("*.toml"):
        shutil.copy(source, tmp_path / source.name)
    text = (tmp_path / file).read_text(encoding="utf-8")
    assert old in text
    (tmp_path / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DemoDataError, match=re.escape(message)):
        read_demo_data(tmp_path)
