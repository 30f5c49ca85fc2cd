"""Every shopper-facing page in English says nothing in Vietnamese outside product content.

Product content is what producers and shoppers wrote: English names and descriptions (which
name Vietnamese places: "Bản Ven green tea"), certificate numbers, the shopper's own name.
Content that exists only in Vietnamese — and Vietnamese names of producers and places — is marked
``lang="vi"`` by the templates (right for screen readers too). Everything else on an English page
— labels, notes, authorities, dates — must be English.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from shop.accounts.models import User
from shop.catalog.models import Producer, Product
from shop.extensions import db
from tests.checkout.test_checkout import checkout, fill_cart, orders
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, gen_user

VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE
)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
UI_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "value")
# Proper names inside translated sentences ("Certified specialities of Bắc Ninh…", "Lục Ngạn
# lychee, Bản Ven tea, Chũ rice noodles…", "charged in Vietnamese đồng").
ALLOWED = ("Bắc Ninh", "Bắc Giang", "Lục Ngạn", "Bản Ven", "Chũ", "đồng")


class EnglishChecker(HTMLParser):
    """Collects text and UI attributes of <body> that are not inside a lang="vi" element."""

    def __init__(self, content: tuple[str, ...] = ()) -> None:
        super().__init__(convert_charrefs=True)
        self.content = content
        self.stack: list[tuple[str, bool]] = []  # (tag, inside Vietnamese content)
        self.in_body = False
        self.found: list[str] = []

    @property
    def vietnamese(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "body":
            self.in_body = True
        inside = self.vietnamese or attributes.get("lang") == "vi"
        if tag in ("script", "style"):
            inside = True
        if self.in_body and not inside:
            for name in UI_ATTRIBUTES:
                if name == "value" and attributes.get("type") not in ("submit", "button"):
                    continue
                self._check(attributes.get(name) or "", f"<{tag} {name}>")
        if tag not in VOID:
            self.stack.append((tag, inside))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self.in_body and not self.vietnamese:
            self._check(data, "text")

    def _check(self, text: str, where: str) -> None:
        for allowed in (*self.content, *ALLOWED):
            text = text.replace(allowed, "")
        if VIETNAMESE.search(text):
            self.found.append(f"{where}: {text.strip()[:120]!r}")


def vietnamese_outside_content(html: str, content: tuple[str, ...] = ()) -> list[str]:
    checker = EnglishChecker(content)
    checker.feed(html)
    return checker.found


def test_the_checker_finds_vietnamese_ui_text_and_skips_marked_content():
    assert vietnamese_outside_content("<body><p>Giỏ hàng</p></body>")
    assert vietnamese_outside_content("<body><dd>Issued by Bộ Nông nghiệp</dd></body>")
    assert vietnamese_outside_content('<body><input type="search" placeholder="Tìm"></body>')
    assert not vietnamese_outside_content(
        '<body><p><span lang="vi">Vải thiều <br>Lục Ngạn</span> lychee</p><img alt=""></body>'
    )
    assert not vietnamese_outside_content("<body><p>Certified specialities of Bắc Ninh</p></body>")
    assert not vietnamese_outside_content(
        "<body><h3>Bản Ven green tea</h3></body>", content=("Bản Ven green tea",)
    )


def english_content() -> tuple[str, ...]:
    """What producers and shoppers wrote in English (or as identifiers), longest first."""
    texts: list[str] = []
    for product in db.session.scalars(select(Product)):
        texts += [product.name_en or "", product.unit_en or ""]
        texts += (product.description_en or "").split("\n")
        texts += [image.alt_en or "" for image in product.images]
        for certificate in product.certificates:
            texts += [certificate.certificate_number, certificate.decision_number]
    for producer in db.session.scalars(select(Producer)):
        texts += (producer.story_en or "").split("\n")
    for user in db.session.scalars(select(User)):
        texts += [user.name, user.short_name]
    return tuple(sorted({t.strip() for t in texts if t.strip()}, key=len, reverse=True))


def english_pages(client) -> list[str]:
    """Every catalogue, account, cart, checkout and order page a customer sees."""
    products = db.session.scalars(select(Product.slug).order_by(Product.id)).all()
    producers = db.session.scalars(select(Producer.slug).order_by(Producer.id)).all()
    return [
        "/",
        "/products",
        "/products?stars=5&in_season=1",
        "/products?q=vai",
        "/producers",
        "/policies/delivery",
        "/policies/returns",
        *(f"/products/{slug}" for slug in products),
        *(f"/producers/{slug}" for slug in producers),
    ]


@pytest.mark.usefixtures("demo")
def test_english_pages_show_no_vietnamese_outside_product_content(client):
    failures = {}
    user = gen_user("customer")
    db.session.commit()
    content = english_content()

    def check(path: str) -> None:
        response = client.get(path + ("&" if "?" in path else "?") + "lang=en")
        assert response.status_code == 200, path
        found = vietnamese_outside_content(response.get_data(as_text=True), content)
        if found:
            failures[path] = found

    for path in ("/account/login", "/account/register", "/account/reset", "/cart"):
        check(path)
    for path in english_pages(client):
        check(path)

    sign_in(client, user.email, DEFAULT_PASSWORD)
    fill_cart(client, ("my-gao-chu-xuan-truong", 1), ("vai-thieu-luc-ngan-hong-xuan", 1))
    for path in ("/cart", "/checkout", "/account", "/account/password"):
        check(path)
    checkout(client, payment_method="demo")
    [order] = orders()
    for path in ("/account/orders", f"/orders/{order.reference}"):
        check(path)
    assert not failures, failures
