"""The office's reports: every figure against hand-computed sums of a small province pair, the
office scope (an office account of province A never sees B), the local-day edges, the CSV and
XLSX files, and hostile parameters."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from openpyxl import load_workbook

from shop.extensions import db
from shop.orders.services import apply_refund, mark_paid
from shop.tourism.models import BookingStatus, SessionStatus
from tests.factories import (
    gen_booking_order,
    gen_category,
    gen_certificate,
    gen_experience,
    gen_producer,
    gen_product,
    gen_session,
    unit,
)
from tests.payouts.factories import paid_order

A, B = 24, 1  # Bắc Ninh and Hà Nội in the 2025 address list
TODAY = date(2027, 1, 10)
DECEMBER = "?from=2026-12-01&to=2026-12-31"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def pay(order, now: datetime):
    with time_machine.travel(now, tick=False):
        assert mark_paid(order, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    return order


@pytest.fixture
def province(app):
    """Two producers in province A (a household and a cooperative) and one household in B.

    December (local days): tea ×2 at 23:59 on the 31st, tea ×1 + lychee ×1 at 00:00 on the
    1st, basket ×3 + lychee ×2 on the 10th; tea ×1 at 00:00 on 1 January (out); one tea of
    the 1 December order refunded on the 15th. Tea is 4★ all along; lychee 3★ from 5 December
    (and a revoked 5★); the basket 5★."""
    app.config["FIXED_TODAY"] = TODAY
    food = gen_category(name_vi="Thực phẩm", name_en="Food")
    tea_group = gen_category(parent=food, name_vi="Chè", name_en="Tea")
    crafts = gen_category(name_vi="Thủ công mỹ nghệ", name_en="Handicrafts")
    household = gen_producer(
        name="Hộ Chè Ngọc", legal_type="household", province_code=A, commune="Phường Chũ"
    )
    coop = gen_producer(name="HTX Vải", province_code=A, commune="Xã Lục Ngạn")
    other = gen_producer(
        name='=HYPERLINK("http://evil")',
        legal_type="household",
        province="Hà Nội",
        province_code=B,
        commune="Phường Hoàn Kiếm",
    )
    tea = gen_product(household, tea_group, price_vnd=100_000, stock=50)
    lychee = gen_product(coop, food, price_vnd=200_000, stock=50)
    basket = gen_product(other, crafts, price_vnd=50_000, stock=50)
    gen_certificate(tea, score=80, decision_date=date(2025, 1, 1))
    gen_certificate(lychee, score=60, decision_date=date(2026, 12, 5))
    gen_certificate(lychee, score=95, decision_date=date(2025, 1, 1), status="revoked")
    gen_certificate(basket, score=92, decision_date=date(2024, 6, 1))
    paid_order([(tea, 2)], now=utc(2026, 12, 31, 16, 59))  # 23:59 on 31 December
    paid_order([(tea, 1)], now=utc(2026, 12, 31, 17, 0))  # 00:00 on 1 January
    first = paid_order([(tea, 1), (lychee, 1)], now=utc(2026, 11, 30, 17, 0))  # 1 December
    paid_order([(basket, 3), (lychee, 2)], now=utc(2026, 12, 10, 3, 0))
    line = next(line for line in first.lines if line.product_id == tea.id)
    with time_machine.travel(utc(2026, 12, 15, 3, 0), tick=False):
        apply_refund(first, amount_vnd=100_000, lines={line.id: 1})
    db.session.commit()
    return {"tea": tea, "lychee": lychee, "basket": basket, "household": household,
            "coop": coop, "other": other, "food": food, "crafts": crafts}  # fmt: skip


@pytest.fixture
def visits(app):
    """Experience in A: two sessions in December (and a cancelled one, and one in January):
    a booking of 2 adults checked in and a family of 4 not, plus an unpaid booking. In B: one
    session, 3 adults checked in. Paid in November (no December sales)."""
    app.config["FIXED_TODAY"] = TODAY
    mine = gen_experience(
        gen_producer(province_code=A, name="HTX Bản Ven"), name_vi="Bản Ven", name_en=None
    )
    theirs = gen_experience(
        gen_producer(province_code=B, province="Hà Nội", name="HTX Hà Nội"),
        name_vi="Hà Nội",
        name_en=None,
    )
    first = gen_session(mine, starts_at=utc(2026, 12, 5, 2, 0))
    second = gen_session(mine, starts_at=utc(2026, 12, 20, 2, 0))
    gen_session(mine, starts_at=utc(2026, 12, 21, 2, 0), status=SessionStatus.CANCELLED,
                cancel_reason="Mưa bão")  # fmt: skip
    gen_session(mine, starts_at=utc(2027, 1, 5, 2, 0))
    elsewhere = gen_session(theirs, starts_at=utc(2026, 12, 7, 2, 0))
    now = utc(2026, 11, 28, 3, 0)
    arrived = pay(gen_booking_order([(first, unit(mine, "adult"), 2)], now=now), now)
    pay(gen_booking_order([(first, unit(mine, "family"), 1)], now=now), now)
    gen_booking_order([(second, unit(mine, "adult"), 1)], now=now)  # never paid
    away = pay(gen_booking_order([(elsewhere, unit(theirs, "adult"), 3)], now=now), now)
    for order in (arrived, away):
        for booking in order_bookings(order):
            booking.status = BookingStatus.CHECKED_IN
            booking.checked_in_at = utc(2026, 12, 5, 2, 5)
    db.session.commit()


def order_bookings(order):
    from sqlalchemy import select

    from shop.tourism.models import Booking

    return db.session.scalars(select(Booking).where(Booking.order_id == order.id)).all()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def csv_rows(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def xlsx_rows(client, url: str) -> list[list]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def by_first(rows) -> dict:
    return {row[0]: row[1:] for row in rows[1:]}


# --- sales ---------------------------------------------------------------------------------------


def test_sales_by_group_for_the_admin(client, login_as, province):
    login_as("admin")
    rows = csv_rows(client, f"/admin/reports/sales-by-group{DECEMBER}&format=csv&lang=en")
    assert rows[0] == ["OCOP group", "Gross sales", "Refunded", "Net sales", "Quantity", "Orders"]
    table = by_first(rows)
    # Tea (a sub-group of Food) counts in Food: 200k + 100k tea, 200k + 400k lychee.
    assert table["Food"] == ["900000", "100000", "800000", "6", "3"]
    assert table["Handicrafts"] == ["150000", "0", "150000", "3", "1"]
    assert table["Total"] == ["1050000", "100000", "950000", "9", "3"]  # 3 orders, once each


def test_sales_by_group_for_each_province_office(client, login_as, province):
    login_as("ocop_office", province_code=A)
    table = by_first(csv_rows(client, f"/admin/reports/sales-by-group{DECEMBER}&format=csv"))
    assert table.keys() == {"Thực phẩm", "Tổng cộng"}
    assert table["Thực phẩm"] == ["900000", "100000", "800000", "6", "3"]
    client.get("/account/logout")
    login_as("ocop_office", province_code=B)
    table = by_first(csv_rows(client, f"/admin/reports/sales-by-group{DECEMBER}&format=csv"))
    assert table.keys() == {"Thủ công mỹ nghệ", "Tổng cộng"}
    assert table["Tổng cộng"] == ["150000", "0", "150000", "3", "1"]


def test_sales_by_commune(client, login_as, province):
    login_as("admin")
    rows = csv_rows(client, f"/admin/reports/sales-by-commune{DECEMBER}&format=csv&lang=en")
    assert rows[0][:2] == ["Commune", "Province"]
    table = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert table[("Xã Lục Ngạn", "Bắc Ninh")] == ["600000", "0", "600000", "3", "2"]
    assert table[("Phường Chũ", "Bắc Ninh")] == ["300000", "100000", "200000", "3", "2"]
    assert table[("Phường Hoàn Kiếm", "Hà Nội")] == ["150000", "0", "150000", "3", "1"]
    client.get("/account/logout")
    login_as("ocop_office", province_code=A)
    body = page(client, f"/admin/reports/sales-by-commune{DECEMBER}&lang=en")
    assert "Phường Chũ" in body
    assert "Xã Lục Ngạn" in body
    assert "Hoàn Kiếm" not in body
    assert "HYPERLINK" not in body
    assert "<svg" in body
    assert "600.000" in body


def test_sales_by_stars_uses_the_certificate_in_force_on_the_sale_day(client, login_as, province):
    login_as("admin")
    rows = csv_rows(client, f"/admin/reports/sales-by-stars{DECEMBER}&format=csv&lang=en")
    table = by_first(rows)
    assert table["5 stars"] == ["150000", "0", "150000", "3", "1"]  # the revoked 5★ never
    assert table["4 stars"] == ["300000", "100000", "200000", "3", "2"]
    assert table["3 stars"] == ["400000", "0", "400000", "2", "1"]  # lychee from 5 December
    assert table["Not rated"] == ["200000", "0", "200000", "1", "1"]  # lychee on 1 December
    assert [row[0] for row in rows[1:]] == ["5 stars", "4 stars", "3 stars", "Not rated", "Total"]


def test_the_last_minute_of_the_last_day_is_in_and_the_next_midnight_out(
    client, login_as, province
):
    login_as("admin")
    last_day = "?from=2026-12-31&to=2026-12-31&format=csv&lang=en"
    assert by_first(csv_rows(client, f"/admin/reports/sales-by-stars{last_day}")) == {
        "4 stars": ["200000", "0", "200000", "2", "1"],
        "Total": ["200000", "0", "200000", "2", "1"],
    }
    next_day = "?from=2027-01-01&to=2027-01-01&format=csv&lang=en"
    assert by_first(csv_rows(client, f"/admin/reports/sales-by-stars{next_day}"))["Total"] == [
        "100000", "0", "100000", "1", "1",
    ]  # fmt: skip
    first_day = "?from=2026-12-01&to=2026-12-01&format=csv&lang=en"
    assert by_first(csv_rows(client, f"/admin/reports/sales-by-group{first_day}"))["Food"] == [
        "300000", "0", "300000", "2", "1",
    ]  # fmt: skip
    november = "?from=2026-11-01&to=2026-11-30&format=csv&lang=en"
    assert by_first(csv_rows(client, f"/admin/reports/sales-by-group{november}")) == {
        "Total": ["0", "0", "0", "0", "0"]
    }


# --- withholding ---------------------------------------------------------------------------------


def test_withholding_by_month_and_producer(client, login_as, province):
    login_as("admin")
    url = "/admin/reports/withholding?from=2026-12-01&to=2027-01-10&format=csv&lang=en"
    rows = csv_rows(client, url)
    assert rows[0][3:] == [
        "Sales withheld from", "Refunded sales", "VAT withheld", "Personal income tax withheld",
        "Returned on refunds", "Withholding to declare",
    ]  # fmt: skip
    # Goods: 1 % VAT + 0.5 % PIT from household sellers only (the cooperative is not withheld).
    assert rows[1:] == [
        ["01/2027", "Hộ Chè Ngọc", province["household"].tax_code,
         "100000", "0", "1000", "500", "0", "1500"],
        ["12/2026", "'=HYPERLINK(\"http://evil\")", province["other"].tax_code,
         "150000", "0", "1500", "750", "0", "2250"],
        ["12/2026", "Hộ Chè Ngọc", province["household"].tax_code,
         "300000", "100000", "3000", "1500", "1500", "3000"],
        ["Total", "", "", "550000", "100000", "5500", "2750", "1500", "6750"],
    ]  # fmt: skip
    client.get("/account/logout")
    login_as("ocop_office", province_code=A)
    rows = csv_rows(client, url)
    assert [row[1] for row in rows[1:]] == ["Hộ Chè Ngọc", "Hộ Chè Ngọc", ""]
    assert rows[-1][-1] == "4500"


# --- experiences ---------------------------------------------------------------------------------


def test_experiences_visitors_and_check_in_rate(client, login_as, visits):
    login_as("admin")
    rows = csv_rows(client, f"/admin/reports/experiences{DECEMBER}&format=csv&lang=en")
    assert rows[0] == ["Experience", "Producer", "Sessions", "Tickets sold", "Guests",
                       "Guests checked in", "Check-in rate"]  # fmt: skip
    assert by_first(rows) == {
        "Bản Ven": ["HTX Bản Ven", "2", "2", "6", "2", "33.3"],
        "Hà Nội": ["HTX Hà Nội", "1", "1", "3", "3", "100.0"],
        "Total": ["", "3", "3", "9", "5", "55.6"],
    }
    client.get("/account/logout")
    login_as("ocop_office", province_code=A)
    body = page(client, f"/admin/reports/experiences{DECEMBER}&lang=en")
    assert "Bản Ven" in body
    assert "33.3 %" in body
    assert "Hà Nội" not in body


def test_an_experience_without_guests_shows_no_rate(client, login_as, app):
    app.config["FIXED_TODAY"] = TODAY
    experience = gen_experience(gen_producer(), name_vi="Vắng khách")
    gen_session(experience, starts_at=utc(2026, 12, 5, 2, 0))
    db.session.commit()
    login_as("admin")
    rows = csv_rows(client, f"/admin/reports/experiences{DECEMBER}&format=csv")
    assert by_first(rows)["Vắng khách"][1:] == ["1", "0", "0", "0", ""]
    assert "—" in page(client, f"/admin/reports/experiences{DECEMBER}")


# --- files ---------------------------------------------------------------------------------------


def test_the_xlsx_holds_numbers_as_numbers_and_text_never_as_a_formula(client, login_as, province):
    login_as("admin")
    rows = xlsx_rows(client, f"/admin/reports/withholding{DECEMBER}&format=xlsx&lang=en")
    assert rows[0][0] == "Month"
    evil = next(row for row in rows if "HYPERLINK" in str(row[1]))
    assert evil[1] == '=HYPERLINK("http://evil")'  # shown as typed: a string cell
    assert evil[3:] == [150_000, 0, 1500, 750, 0, 2250]
    response = client.get(f"/admin/reports/withholding{DECEMBER}&format=xlsx")
    assert b"<f>" not in _sheet_xml(response.data)
    assert (
        'filename="withholding-2026-12-01-2026-12-31.xlsx"'
        in response.headers["Content-Disposition"]
    )
    groups = xlsx_rows(client, f"/admin/reports/sales-by-group{DECEMBER}&format=xlsx&lang=en")
    assert groups[1] == ["Food", 900_000, 100_000, 800_000, 6, 3]


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_the_csv_neutralises_formulas(client, login_as, province):
    login_as("admin")
    rows = csv_rows(client, f"/admin/reports/withholding{DECEMBER}&format=csv")
    assert any(row[1] == '\'=HYPERLINK("http://evil")' for row in rows)


# --- the form and hostile parameters -------------------------------------------------------------


def test_the_list_defaults_to_this_month_so_far_and_links_every_report(client, login_as, app):
    app.config["FIXED_TODAY"] = TODAY
    login_as("ocop_office", province_code=A)
    body = page(client, "/admin/reports?lang=en")
    assert 'value="2027-01-01"' in body
    assert 'value="2027-01-10"' in body
    for code in ("sales-by-group", "sales-by-commune", "sales-by-stars", "experiences",
                 "withholding"):  # fmt: skip
        assert f"/admin/reports/{code}?from=2027-01-01&amp;to=2027-01-10" in body


def test_the_office_home_links_the_reports(client, login_as):
    login_as("admin")
    assert 'href="/admin/reports"' in page(client, "/admin/")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=²", "from", "Not a valid date value"),
        ("from=2026-13-01", "from", "Not a valid date value"),
        ("to=9999-12-31", "to", "between the years 2000 and 2999"),
        ("from=0001-01-01&to=2026-12-01", "from", "between the years 2000 and 2999"),
        ("from=2026-12-31&to=2026-12-01", "to", "must not be before the first day"),
        ("from=2025-01-01&to=2026-12-31", "to", "at most 366 days"),
    ],
)
@pytest.mark.parametrize("path", ["/admin/reports", "/admin/reports/sales-by-group"])
def test_bad_days_are_answered_next_to_the_field_and_kept(
    client, login_as, app, path, query, field, message
):
    app.config["FIXED_TODAY"] = TODAY
    login_as("admin")
    for suffix in ("", "&format=csv", "&format=xlsx"):
        response = client.get(f"{path}?{query}{suffix}&lang=en")
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert f'id="{field}-error"' in body
        assert message in body
        typed = dict(part.split("=") for part in query.split("&"))[field]
        assert f'value="{typed}"' in body


def test_the_widest_range_is_accepted(client, login_as, app):
    app.config["FIXED_TODAY"] = TODAY
    login_as("admin")
    assert (
        client.get("/admin/reports/sales-by-group?from=2026-01-01&to=2027-01-01").status_code == 200
    )
    assert (
        client.get("/admin/reports/sales-by-group?from=2026-01-01&to=2027-01-02").status_code == 400
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reports/unknown",
        "/admin/reports/sales-by-group?format=pdf",
        "/admin/reports/sales-by-group?format=",
        "/admin/reports/__init__",
    ],
)
def test_unknown_reports_and_formats_are_not_found(client, login_as, url):
    login_as("admin")
    assert client.get(url).status_code == 404


def test_nul_and_control_characters_are_refused(client, login_as):
    login_as("admin")
    assert client.get("/admin/reports/sales-by-group?from=%00").status_code == 400
    assert client.get("/admin/reports?to=2026-12-01%00").status_code == 400


@pytest.mark.parametrize("role", ["customer", "producer_staff"])
def test_other_roles_do_not_find_the_reports(client, login_as, role):
    login_as(role)
    assert client.get("/admin/reports").status_code == 404
    assert client.get("/admin/reports/sales-by-group?format=csv").status_code == 404


def test_each_report_reads_the_same_statements_whatever_the_sales(client, login_as, province):
    from tests.conftest import count_queries

    login_as("ocop_office", province_code=A)
    codes = ("sales-by-group", "sales-by-commune", "sales-by-stars", "experiences", "withholding")

    def counts() -> dict[str, int]:
        found = {}
        for code in codes:
            url = f"/admin/reports/{code}{DECEMBER}&format=csv"
            client.get(url)
            with count_queries(db.engine) as statements:
                assert client.get(url).status_code == 200
            found[code] = len(statements)
        return found

    before = counts()
    for day in range(2, 8):
        paid_order(
            [(province["tea"], 1), (province["lychee"], 1), (province["basket"], 1)],
            now=utc(2026, 12, day, 3, 0),
        )
    db.session.commit()
    assert counts() == before
