"""The catalogue cache (Flask-Caching): reused bodies, and a fresh page after any catalogue
change — per process, and across processes through Redis."""

from __future__ import annotations

import re
import uuid
from contextlib import contextmanager

import pytest
import redis
from sqlalchemy import select, update

from shop.cache import VERSION_KEY, init_cache
from shop.catalog.models import CertificateStatus, OcopCertificate, Product
from shop.extensions import cache, db
from tests.conftest import DEMO_TODAY, count_queries, make_config, skip_without_redis

REDIS_URL = "redis://127.0.0.1:6379/14"


def enable_cache(app, **settings):
    app.config.update(CATALOGUE_CACHE_SECONDS=30, **settings)
    init_cache(app)
    return app


@pytest.fixture
def cached(demo, app):
    return enable_cache(app)


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def without_nonce(page: str) -> str:
    return re.sub(r'nonce="[^"]*"', "", page)


def cached_bodies() -> list[str]:
    """Keys of rendered bodies in the per-process cache (not the version or the OCOP groups)."""
    simple = cache.cache  # SimpleCache: no prefix, values pickled
    return [
        key
        for key, (_expires, value) in simple._cache.items()
        if key != VERSION_KEY and isinstance(simple.serializer.loads(value), str)
    ]


def test_listing_body_is_reused_per_language_and_query(cached, client):
    first = client.get("/products?lang=en&stars=5").get_data(as_text=True)
    with count_queries(db.engine) as statements:
        again = client.get("/products?lang=en&stars=5").get_data(as_text=True)
    assert statements == []
    assert without_csrf(again) == without_csrf(first)  # a token is signed with the time
    vietnamese = client.get("/products?lang=vi&stars=5").get_data(as_text=True)
    assert '<html lang="vi">' in vietnamese
    assert "Bộ lọc" in vietnamese
    other = client.get("/products?lang=en&stars=4").get_data(as_text=True)
    assert other != first


def test_bad_queries_are_never_cached(cached, client):
    assert client.get("/products?page=abc").status_code == 400
    assert client.get("/products?page=abc").status_code == 400
    assert cached_bodies() == []  # only the OCOP groups, read to check ?group=


def test_home_body_is_cached(cached, client):
    client.get("/?lang=en")
    with count_queries(db.engine) as statements:
        response = client.get("/?lang=en")
    assert response.status_code == 200
    assert statements == []


def test_zero_seconds_turns_the_cache_off(demo, app, client):
    client.get("/products?lang=en")
    with count_queries(db.engine) as statements:
        client.get("/products?lang=en")
    assert statements != []


def noodles() -> Product:
    return db.session.scalar(select(Product).where(Product.slug == "my-gao-chu-xuan-truong"))


def test_a_new_price_shows_on_the_next_request(cached, client):
    assert "1.234.000" not in client.get("/products?lang=en").get_data(as_text=True)
    noodles().price_vnd = 1_234_000
    db.session.commit()
    assert "1.234.000" in client.get("/products?lang=en").get_data(as_text=True)


def test_stock_changed_by_a_statement_shows_on_the_next_request(cached, client):
    product = noodles()
    product_id, name = product.id, product.name_en
    page = client.get("/products?lang=en&q=noodles").get_data(as_text=True)
    assert name in page
    before = page.count("Sold out")
    db.session.execute(update(Product).where(Product.id == product_id).values(stock=0))
    db.session.commit()
    page = client.get("/products?lang=en&q=noodles").get_data(as_text=True)
    assert page.count("Sold out") == before + 1


def test_a_product_taken_off_sale_leaves_the_listing_at_once(cached, client):
    product = noodles()
    name = product.name_en
    assert name in client.get("/products?lang=en").get_data(as_text=True)
    product.active = False
    db.session.commit()
    assert name not in client.get("/products?lang=en").get_data(as_text=True)


def test_a_revoked_certificate_leaves_the_star_filter_at_once(cached, client):
    url = "/products?lang=en&stars=5"
    certificate = db.session.scalar(
        select(OcopCertificate)
        .where(OcopCertificate.stars == 5, OcopCertificate.valid_until >= DEMO_TODAY)
        .order_by(OcopCertificate.id)
        .limit(1)
    )
    name = certificate.product.name_en
    assert name in client.get(url).get_data(as_text=True)
    certificate.status = CertificateStatus.REVOKED
    db.session.commit()
    assert name not in client.get(url).get_data(as_text=True)


def test_a_rolled_back_change_keeps_the_cache(cached, client):
    client.get("/products?lang=en")
    noodles().price_vnd = 1_234_000
    db.session.flush()
    db.session.rollback()
    with count_queries(db.engine) as statements:
        client.get("/products?lang=en")
    assert statements == []


@pytest.fixture
def redis_prefix():
    try:
        connection = redis.Redis.from_url(REDIS_URL)
        connection.ping()
    except redis.ConnectionError:
        skip_without_redis("no Redis on 127.0.0.1:6379")
    prefix = f"ocop-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    for key in connection.scan_iter(f"{prefix}*"):
        connection.delete(key)


@contextmanager
def two_app_servers(tmp_path, **settings):
    """Two apps (as two server processes) on one demo database, with the cache ``settings``."""
    from shop import create_app
    from shop.catalog.demo import seed_demo

    config = make_config(
        f"sqlite:///{tmp_path / 'shop.db'}", CATALOGUE_CACHE_SECONDS=30, **settings
    )
    first, second = create_app(config), create_app(config)
    with first.app_context():
        db.create_all()
        seed_demo(DEMO_TODAY)
        db.session.commit()
    try:
        yield first, second
    finally:
        for app in (first, second):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def check_a_new_price_reaches_the_other_server(first, second) -> None:
    """The first server caches the listing; a price changed through the second shows on the
    first's next listing and product page."""
    client = first.test_client()
    assert "1.234.000" not in client.get("/products?lang=en").get_data(as_text=True)
    with first.app_context(), count_queries(db.engine) as statements:
        client.get("/products?lang=en")
    assert statements == []  # served from the cache
    with second.app_context():
        noodles().price_vnd = 1_234_000
        db.session.commit()
        sibling = sibling_of_noodles().slug
    assert "1.234.000" in client.get("/products?lang=en").get_data(as_text=True)
    assert "1.234.000" in client.get(f"/products/{sibling}?lang=en").get_data(as_text=True)


def test_two_app_servers_share_the_cache_and_its_invalidation(tmp_path, redis_prefix):
    """Two processes on one database and one Redis."""
    with two_app_servers(tmp_path, CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=redis_prefix) as (
        first,
        second,
    ):
        check_a_new_price_reaches_the_other_server(first, second)


def test_workers_without_redis_follow_a_change_made_through_another(tmp_path):
    """Two processes on one machine, each with its own in-process cache, sharing the version
    file."""
    version_file = str(tmp_path / "catalogue-version")
    with two_app_servers(tmp_path, CATALOGUE_VERSION_FILE=version_file) as (first, second):
        check_a_new_price_reaches_the_other_server(first, second)


# The product page: below the buy box it is shared (description, certificate, seller, more from
# the producer); the buy box is live. Every shared part follows a catalogue change at once.


def sibling_of_noodles() -> Product:
    """A product whose "more from the producer" shows the noodles."""
    product = noodles()
    return db.session.scalar(
        select(Product)
        .where(Product.producer_id == product.producer_id, Product.id != product.id)
        .order_by(Product.id)
        .limit(1)
    )


def test_product_page_details_are_reused_with_the_visitors_csrf_token(cached, client):
    url = f"/products/{sibling_of_noodles().slug}?lang=en"
    before = len(cached_bodies())
    first = client.get(url).get_data(as_text=True)
    bodies = len(cached_bodies())
    again = client.get(url).get_data(as_text=True)
    assert bodies == before + 1
    assert len(cached_bodies()) == bodies
    assert without_nonce(without_csrf(again)) == without_nonce(without_csrf(first))
    assert "__CSRF_TOKEN__" not in again
    assert 'name="csrf_token" value=""' not in again


def test_a_new_price_shows_on_the_product_page_at_once(cached, client):
    url = f"/products/{noodles().slug}?lang=en"
    client.get(url)
    noodles().price_vnd = 1_234_000
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert page.count("1.234.000\u00a0₫") == 2  # the buy box and the seller's facts
    assert "1.234.000\u00a0₫, VAT included" in page


def test_a_new_price_shows_in_more_from_the_producer_at_once(cached, client):
    url = f"/products/{sibling_of_noodles().slug}?lang=en"
    assert noodles().name_en in client.get(url).get_data(as_text=True)
    noodles().price_vnd = 1_234_000
    db.session.commit()
    assert "1.234.000\u00a0₫" in client.get(url).get_data(as_text=True)


def test_stock_changed_by_a_statement_shows_in_more_from_the_producer_at_once(cached, client):
    product_id = noodles().id
    url = f"/products/{sibling_of_noodles().slug}?lang=en"
    before = client.get(url).get_data(as_text=True).count("Sold out")
    db.session.execute(update(Product).where(Product.id == product_id).values(stock=0))
    db.session.commit()
    assert client.get(url).get_data(as_text=True).count("Sold out") == before + 1


def test_a_revoked_certificate_leaves_the_product_page_at_once(cached, client):
    certificate = db.session.scalar(
        select(OcopCertificate)
        .where(OcopCertificate.stars == 5, OcopCertificate.valid_until >= DEMO_TODAY)
        .order_by(OcopCertificate.id)
        .limit(1)
    )
    url = f"/products/{certificate.product.slug}?lang=en"
    number = certificate.certificate_number
    page = client.get(url).get_data(as_text=True)
    assert "certificate-valid" in page
    assert number in page
    certificate.status = CertificateStatus.REVOKED
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "certificate-valid" not in page
    assert number not in page


def test_the_shared_footer_follows_the_language(demo, app, client):
    app.debug = False  # the debug server renders the footer afresh
    vietnamese = client.get("/products?lang=vi").get_data(as_text=True)
    english = client.get("/products?lang=en").get_data(as_text=True)
    again = client.get("/?lang=vi").get_data(as_text=True)
    assert "Chính sách" in vietnamese.split('<footer class="site-footer">')[1]
    assert "Returns and refunds" in english.split('<footer class="site-footer">')[1]
    assert "Returns and refunds" not in again.split('<footer class="site-footer">')[1]


# Whole pages for newcomers: visitors not signed in, with no cart and no message waiting, get
# the listing and home page rendered once; everyone else gets their own header.


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_newcomers_share_the_whole_listing_page_with_their_own_csrf_token(cached, app):
    first, second = app.test_client(), app.test_client()
    mine = first.get("/products?lang=en").get_data(as_text=True)
    assert len(cached_bodies()) == 2  # the listing's body, and the whole page around it
    with count_queries(db.engine) as statements:
        theirs = second.get("/products?lang=en").get_data(as_text=True)
    assert statements == []
    assert without_csrf(theirs) == without_csrf(mine)
    assert csrf_of(theirs) != csrf_of(mine)
    assert "__CSRF_TOKEN__" not in theirs
    # The token filled in is the visitor's own: adding to the cart with it works.
    product_id = re.search(r'name="product_id" value="(\d+)"', theirs).group(1)
    response = second.post(
        "/cart/add",
        data={"csrf_token": csrf_of(theirs), "product_id": product_id, "next": "/products"},
    )
    assert response.status_code == 302


def test_a_visitor_with_a_cart_sees_it_on_a_listing_shared_by_newcomers(cached, app):
    app.test_client().get("/products?lang=en")  # a newcomer's page is cached
    client = app.test_client()
    page = client.get("/products?lang=en").get_data(as_text=True)
    product_id = re.search(r'name="product_id" value="(\d+)"', page).group(1)
    client.post(
        "/cart/add",
        data={"csrf_token": csrf_of(page), "product_id": product_id, "next": "/products"},
    )
    page = client.get("/products?lang=en").get_data(as_text=True)
    assert '<span class="cart-badge">1' in page
    assert "View cart" in page  # the message waiting after adding
    again = client.get("/products?lang=en").get_data(as_text=True)
    assert '<span class="cart-badge">1' in again
    assert '<span class="cart-badge">' not in app.test_client().get("/products?lang=en").text


def test_a_signed_in_shopper_gets_their_own_header_on_a_shared_home_page(
    cached, app, client, login_as
):
    newcomer = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert "Sign in" in newcomer
    user = login_as("customer")
    page = client.get("/?lang=en").get_data(as_text=True)
    assert f'<span class="account-name">{user.short_name}</span>' in page
    assert "Sign out" in page
    assert "Sign in</a>" not in page
    other = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert "Sign in" in other
    assert "account-name" not in other


def test_a_shared_page_part_refuses_a_script_nonce(app):
    from shop.security import csp_nonce
    from shop.templating import render_shared

    with app.test_request_context("/"):
        assert render_shared(lambda: "<p>same for everyone</p>") == "<p>same for everyone</p>"
        with pytest.raises(RuntimeError, match="nonce"):
            render_shared(lambda: f'<script nonce="{csp_nonce()}"></script>')


def test_made_up_query_parameters_get_no_shared_page_of_their_own(cached, client):
    for n in range(3):
        page = client.get(f"/products?lang=en&utm_source=x{n}")
        assert page.status_code == 200
        assert f"utm_source=x{n}" in page.get_data(as_text=True)  # its links keep the query
    assert len(cached_bodies()) == 3  # the bodies only (their pagination links differ)
    client.get("/products?lang=en&sort=newest")
    assert len(cached_bodies()) == 5  # a real filter: its body and its whole page
