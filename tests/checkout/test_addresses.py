"""The delivery address at checkout: a province from the list, then one of its communes,
found by typing (with or without JavaScript); codes stored beside the names."""

from __future__ import annotations

import re

from tests.checkout.test_checkout import checkout, fill_cart, orders
from tests.conftest import csrf_token

NOODLES = ("my-gao-chu-xuan-truong", 1)


def error_next_to(body: str, field: str) -> str:
    block = re.search(rf'id="{field}-error">(.*?)</div>', body, re.S)
    assert block, f"no error next to {field}"
    return block.group(1)


def find(client, **fields):
    data = {"csrf_token": csrf_token(client, "/checkout"), "email": "an@example.vn", **fields}
    return client.post("/checkout/find-commune?lang=en", data=data)


def test_a_commune_of_another_province_is_refused_next_to_the_field(client, demo):
    fill_cart(client, NOODLES)
    response = checkout(client, province="1", commune="Phường Chũ")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    message = error_next_to(body, "commune")
    assert "Phường Chũ is in Bắc Ninh, not in Hà Nội" in message
    assert '<option lang="vi" selected value="1">Hà Nội</option>' in body  # what was chosen is kept
    assert orders() == []


def test_an_unknown_commune_is_refused_and_kept_as_typed(client, demo):
    fill_cart(client, NOODLES)
    response = checkout(client, province="24", commune="Xã Không Có")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bắc Ninh has no commune or ward called “Xã Không Có”" in error_next_to(body, "commune")
    assert 'value="Xã Không Có"' in body
    assert orders() == []


def test_the_commune_of_the_province_is_accepted_and_its_codes_stored(client, demo):
    fill_cart(client, NOODLES)
    response = checkout(client, province="24", commune="Phường Chũ")
    assert response.status_code == 302
    (order,) = orders()
    assert (order.province, order.commune) == ("Bắc Ninh", "Phường Chũ")
    assert (order.province_code, order.commune_code) == (24, 7525)


def test_a_name_typed_without_accents_takes_the_lists_spelling(client, demo):
    fill_cart(client, NOODLES)
    response = checkout(client, province="Bac Ninh", commune="phuong chu")
    assert response.status_code == 302
    (order,) = orders()
    assert (order.province, order.commune, order.commune_code) == ("Bắc Ninh", "Phường Chũ", 7525)


def test_an_ambiguous_name_offers_the_choice(client, demo):
    fill_cart(client, NOODLES)
    response = checkout(client, province="Thái Nguyên", commune="xa van lang")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "choose one" in error_next_to(body, "commune")
    assert '<select id="commune" name="commune"' in body
    assert '<option value="Xã Văn Lang">' in body
    assert '<option value="Xã Văn Lăng">' in body
    assert checkout(client, province="Thái Nguyên", commune="Xã Văn Lăng").status_code == 302
    assert orders()[0].commune == "Xã Văn Lăng"


def test_without_javascript_find_fills_in_the_one_match_and_keeps_the_rest(client, demo):
    fill_cart(client, NOODLES)
    response = find(client, province="24", commune="chu", street="Thôn Chũ")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Phường Chũ"' in body
    assert 'value="Thôn Chũ"' in body
    assert 'value="an@example.vn"' in body
    assert '<option lang="vi" selected value="24">Bắc Ninh</option>' in body
    assert 'formaction="/checkout/find-commune"' in body
    assert orders() == []


def test_without_javascript_find_lists_several_matches_as_a_choice(client, demo):
    fill_cart(client, NOODLES)
    body = find(client, province="24", commune="tan").get_data(as_text=True)
    options = re.findall(r'<option value="([^"]+)">', body.split('<select id="commune"')[1])
    assert len(options) > 1
    assert all("Tân" in name or "Tấn" in name or "Tan" in name for name in options)
    everything = find(client, province="24", commune="").get_data(as_text=True)
    assert everything.split('<select id="commune"')[1].count("<option") == 99  # all of Bắc Ninh


def test_without_javascript_find_explains_what_is_missing(client, demo):
    fill_cart(client, NOODLES)
    no_province = find(client, province="", commune="chu").get_data(as_text=True)
    assert "Choose the province or city first." in error_next_to(no_province, "province")
    nothing = find(client, province="1", commune="zzz").get_data(as_text=True)
    assert "No commune or ward of Hà Nội matches “zzz”." in error_next_to(nothing, "commune")
    assert orders() == []


def test_the_page_asks_for_a_province_then_suggests_its_communes(client, demo):
    fill_cart(client, NOODLES)
    body = client.get("/checkout?lang=en").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="province"[^>]*>(.*?)</select>', body, re.S)
    assert select, "the province is a list"
    assert select.group(1).count("<option ") == 35  # "Choose…" and the 34 provinces
    assert 'data-suggest-url="/addresses/communes"' in body
    assert "/static/js/commune-suggest.js" in body
    assert "<script>" not in body  # no inline script
