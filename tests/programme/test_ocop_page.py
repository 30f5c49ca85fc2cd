"""The programme page ``/ocop`` and its open data: the figures equal independent counts (best
certificate in force per product or experience; revoked and expired ones left out; history by
decision year), charts carry their numbers in tables, the page works without script in both
languages, the CSV is neutralised, and the page's statements do not grow with the catalogue."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shop.catalog.models import CertificateStatus, OcopCertificate
from shop.extensions import db
from shop.programme.queries import programme
from shop.templating import local_today
from tests.conftest import count_queries
from tests.factories import gen_certificate, gen_product


def html(response) -> str:
    return response.get_data(as_text=True)


def _certify(n: int, *, score=75, days_ago=100, **fields):
    products = []
    for _ in range(n):
        product = gen_product(**fields)
        gen_certificate(
            product, score=score, decision_date=local_today() - timedelta(days=days_ago)
        )
        products.append(product)
    return products


def test_the_figures_equal_independent_counts(app):
    today = local_today()
    fives = _certify(2, score=95)
    fours = _certify(3, score=80)
    [threes] = _certify(1, score=60)
    # A product with two certificates in force counts once, at its best.
    gen_certificate(threes, score=72, decision_date=today - timedelta(days=10))
    # Revoked and expired certificates count for nothing today.
    [revoked] = _certify(1, score=92)
    db.session.execute(
        OcopCertificate.__table__.update()
        .where(OcopCertificate.product_id == revoked.id)
        .values(status=CertificateStatus.REVOKED)
    )
    _certify(1, score=90, days_ago=4 * 365)  # expired a year ago
    db.session.commit()

    view = programme(today)
    in_force = db.session.scalar(
        select(func.count(func.distinct(OcopCertificate.product_id))).where(
            OcopCertificate.status != "revoked", OcopCertificate.valid_until >= today
        )
    )
    assert view.rated_count == in_force == len(fives) + len(fours) + 1
    assert view.by_stars == {3: 0, 4: 4, 5: 2}  # the 3★ product is 4★ by its newer certificate
    by_year = dict(
        db.session.execute(
            select(func.extract("year", OcopCertificate.decision_date), func.count()).group_by(
                func.extract("year", OcopCertificate.decision_date)
            )
        ).all()
    )
    assert view.by_year == {int(y): n for y, n in by_year.items()}
    assert sum(view.by_year.values()) == 9
    assert sum(n for _name, n in view.by_commune) == view.rated_count


def test_certificates_expiring_within_six_months_are_listed(client, app):
    [soon] = _certify(1, score=80, days_ago=3 * 365 - 20, name_vi="Miến dong Sơn Động")
    _certify(1, score=80, days_ago=30, name_vi="Gạo nếp cái hoa vàng")
    db.session.commit()
    view = programme(local_today())
    assert [item.name_vi for item in view.expiring] == ["Miến dong Sơn Động"]
    page = html(client.get("/ocop?lang=en"))
    assert "Certificates expiring in the next 6 months" in page
    number = soon.certificates[0].certificate_number
    assert f'href="/verify/{number}"' in page


def test_the_page_draws_its_charts_with_their_numbers_without_script(client, app):
    _certify(3, score=80)
    db.session.commit()
    for lang, title in (("en", "The OCOP programme in figures"), ("vi", "Chương trình OCOP")):
        response = client.get(f"/ocop?lang={lang}")
        assert response.status_code == 200
        page = html(response)
        assert title in page
        assert page.count('<svg class="chart-svg"') == 4
        assert page.count('<table class="data-table chart-table">') == 4
        assert 'role="img"' in page
        assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'href="/ocop"' in html(client.get("/?lang=en"))  # the footer


def test_open_data_csv_lists_every_rated_item_with_formulas_neutralised(client, app):
    _certify(2, score=80)
    _certify(1, score=80, name_vi='=HYPERLINK("http://evil")')
    db.session.commit()
    response = client.get("/ocop/open-data.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["certificate_number", "kind", "name_vi"]
    assert len(rows) == 1 + 3
    names = [row[2] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in names


@pytest.mark.parametrize("extra", [0, 40])
def test_the_page_reads_the_same_statements_whatever_the_catalogue(app, client, extra):
    _certify(5 + extra, score=80)
    db.session.commit()
    client.get("/ocop")  # warm the per-process caches
    with count_queries(db.engine) as statements:
        assert client.get("/ocop").status_code == 200
    assert len(statements) == 3, statements  # products, experiences, years


def test_the_page_lists_the_soonest_expiring_and_follows_a_change_at_once(client, app):
    from tests.test_cache import enable_cache

    enable_cache(app)
    soon = _certify(24, score=80, days_ago=3 * 365 - 20)
    db.session.commit()
    page = html(client.get("/ocop?lang=en"))
    section = page[page.index('id="expiring-h"') :]
    assert section.count('href="/verify/') == 20  # the page stays small; the CSV has them all
    assert "The 20 soonest of 24." in section
    assert html(client.get("/ocop/open-data.csv")).count("\n") == 25  # header and 24 rows
    # The figures are cached per catalogue version: revoking a certificate shows at once.
    soon[0].certificates[0].status = CertificateStatus.REVOKED
    db.session.commit()
    assert "The 20 soonest of 23." in html(client.get("/ocop?lang=en"))
