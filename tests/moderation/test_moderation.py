"""Listing moderation through the portal and the office's pages, CSRF on: a moderated
producer's new product waits off sale (product page, listing, search and cart refuse it); a
change to a product on sale waits as a revision while the shop shows the approved values;
approving applies it once, rejecting keeps the live values; a replaced revision cannot be
approved; another province's office gets 404; e-mails in the producer's language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop.audit.models import AuditLog
from shop.catalog.models import Producer, Product
from shop.db import utcnow
from shop.extensions import db, limiter
from shop.moderation import services as moderation
from shop.moderation.models import ListingRevision
from shop.outbox.models import OutboxMessage
from shop.tourism.models import Experience
from tests.conftest import csrf_token, sign_in
from tests.factories import (
    DEFAULT_PASSWORD,
    gen_category,
    gen_experience,
    gen_producer,
    gen_product,
    gen_user,
)
from tests.producer.test_catalogue import product_form as catalogue_form

BAC_NINH, HA_NOI = 24, 1


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict | None = None, **kwargs):
    token = csrf_token(client, "/account")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def product_form(category, **overrides) -> dict:
    """The portal's new-product form (tests/producer), with an English name."""
    return catalogue_form(category, **{"name_en": "Lychee flower honey", **overrides})


def form_of(product: Product, **overrides) -> dict:
    values = {
        "name_vi": product.name_vi,
        "name_en": product.name_en or "",
        "description_vi": product.description_vi,
        "description_en": product.description_en or "",
        "unit_vi": product.unit_vi,
        "unit_en": product.unit_en or "",
        "origin": product.origin,
        "category_id": str(product.category_id),
        "price_vnd": str(product.price_vnd),
        "vat_rate": str(product.vat_rate),
        "weight_g": str(product.weight_g),
        "shipping_class": product.shipping_class,
        "season_start": "",
        "season_end": "",
        "preorder_ships_from": "",
        "preorder_cap": "",
    }
    values.update(overrides)
    return values


def revisions(product_id: int) -> list[tuple[str, str, dict]]:
    db.session.expire_all()
    return [
        (r.kind, r.status, r.proposed)
        for r in db.session.scalars(
            select(ListingRevision)
            .where(ListingRevision.product_id == product_id)
            .order_by(ListingRevision.id)
        )
    ]


def pending_of(product_id: int) -> ListingRevision:
    db.session.expire_all()
    return db.session.scalar(
        select(ListingRevision).where(
            ListingRevision.product_id == product_id, ListingRevision.status == "pending"
        )
    )


def mails_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.payload["to"].as_string() == address)
            .order_by(OutboxMessage.id)
        )
    )


@pytest.fixture
def category(app):
    group = gen_category(name_vi="Thực phẩm", name_en="Food")
    db.session.commit()
    return group


@pytest.fixture
def portal(client, category):
    """A moderated producer of Bắc Ninh with an English-speaking admin signed in on ``client``,
    and one product on sale."""
    producer = gen_producer(province_code=BAC_NINH, moderated=True, contact_email="htx@example.vn")
    boss = gen_user("producer_staff", producer_id=producer.id, producer_admin=True, locale="en")
    product = gen_product(
        producer=producer, category=category, name_vi="Chè Yên Thế", name_en="Yen The tea",
        price_vnd=120_000, stock=9,
    )  # fmt: skip
    db.session.commit()
    assert sign_in(client, boss.email, DEFAULT_PASSWORD).status_code == 302
    return producer, boss, product


@pytest.fixture
def office(app):
    """An OCOP office account of Bắc Ninh signed in on its own client."""
    client = app.test_client()
    user = gen_user("ocop_office", province_code=BAC_NINH)
    db.session.commit()
    assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
    return client, user


# --- without moderation ---------------------------------------------------------------------


def test_without_moderation_new_products_and_changes_show_at_once(client, login_as, category):
    staff = login_as("producer_staff")
    response = post(client, "/producer/products/new", product_form(category))
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.producer_id == staff.producer_id))
    assert (product.active, product.review_status) == (True, "approved")
    assert client.get(f"/products/{product.slug}").status_code == 200
    changed = post(client, f"/producer/products/{product.id}/edit",
                   form_of(product, name_vi="Mật ong rừng", price_vnd="199.000"))  # fmt: skip
    assert changed.status_code == 302
    product = fresh(Product, product.id)
    assert (product.name_vi, product.price_vnd) == ("Mật ong rừng", 199_000)
    assert revisions(product.id) == []


# --- a new product under moderation ---------------------------------------------------------


def test_a_new_product_waits_off_every_public_page_until_approved(
    client, portal, office, app, category
):
    producer, boss, live = portal
    response = post(client, "/producer/products/new?lang=en", product_form(category),
                    follow_redirects=True)  # fmt: skip
    assert "waits for the OCOP office's review" in html(response)
    product = db.session.scalar(select(Product).where(Product.name_vi == "Mật ong hoa vải"))
    assert (product.active, product.review_status) == (False, "pending")
    [(kind, status, proposed)] = revisions(product.id)
    assert (kind, status, proposed["name_vi"], proposed["price_vnd"]) == (
        "new", "pending", "Mật ong hoa vải", 185_000,
    )  # fmt: skip

    # The producer cannot put it on sale itself.
    resumed = post(client, f"/producer/products/{product.id}/resume?lang=en",
                   follow_redirects=True)  # fmt: skip
    assert "goes on sale once approved" in html(resumed)
    assert fresh(Product, product.id).active is False

    # Nowhere in the shop: its page, the listing, search, the sitemap, the cart.
    shopper = app.test_client()
    assert shopper.get(f"/products/{product.slug}").status_code == 404
    link = f'/products/{product.slug}"'
    assert link not in html(shopper.get("/products"))
    assert link not in html(shopper.get("/products?q=mat+ong"))
    assert link not in html(shopper.get(f"/producers/{producer.slug}"))
    assert product.slug not in html(shopper.get("/sitemap.xml"))
    token = csrf_token(shopper, f"/products/{live.slug}")
    added = shopper.post(
        "/cart/add?lang=en",
        data={"csrf_token": token, "product_id": product.id, "quantity": "1", "next": "/cart"},
        follow_redirects=True,
    )
    assert "This product cannot be bought right now." in html(added)
    assert "Mật ong hoa vải" not in html(shopper.get("/cart"))

    # The office approves it: on sale, the producer's admin told in English.
    office_client, officer = office
    queue = html(office_client.get("/admin/listings?state=pending&lang=en"))
    revision = pending_of(product.id)
    assert f"/admin/listings/{revision.id}" in queue
    page = html(office_client.get(f"/admin/listings/{revision.id}?lang=en"))
    assert "New product" in page
    assert "185.000" in page
    assert post(office_client, f"/admin/listings/{revision.id}/approve").status_code == 302
    product = fresh(Product, product.id)
    assert (product.active, product.review_status) == (True, "approved")
    assert shopper.get(f"/products/{product.slug}").status_code == 200
    assert link in html(shopper.get("/products?q=mat+ong"))
    assert link in html(shopper.get("/products"))
    [mail] = mails_to(boss.email)
    assert "approved your listing" in mail.payload["subject"]
    assert "now on sale" in mail.payload["text_body"]
    audit = db.session.scalar(
        select(AuditLog).where(
            AuditLog.action == "product.approve", AuditLog.target_id == product.id
        )
    )
    assert audit.actor_id == officer.id


def test_a_rejected_new_product_stays_off_sale_and_goes_back_to_review_when_edited(
    client, portal, office, category
):
    producer, boss, _live = portal
    post(client, "/producer/products/new", product_form(category))
    product = db.session.scalar(select(Product).where(Product.name_vi == "Mật ong hoa vải"))
    revision = pending_of(product.id)
    office_client, _officer = office
    reason = "Thiếu giấy chứng nhận an toàn thực phẩm"
    assert post(office_client, f"/admin/listings/{revision.id}/reject",
                {"reason": reason}).status_code == 302  # fmt: skip
    product = fresh(Product, product.id)
    assert (product.active, product.review_status) == (False, "rejected")
    detail = html(client.get(f"/producer/products/{product.id}?lang=en"))
    assert "Rejected by the OCOP office" in detail
    assert reason in detail
    [mail] = mails_to(boss.email)
    assert "refused your listing" in mail.payload["subject"]
    assert reason in mail.payload["text_body"]

    post(client, f"/producer/products/{product.id}/edit",
         form_of(product, description_vi="Có giấy chứng nhận."))  # fmt: skip
    product = fresh(Product, product.id)
    assert (product.active, product.review_status) == (False, "pending")
    assert [(k, s) for k, s, _p in revisions(product.id)] == [
        ("new", "rejected"), ("new", "pending"),
    ]  # fmt: skip


# --- a change to a product on sale ------------------------------------------------------------


def test_a_change_waits_while_the_shop_shows_the_approved_values(client, portal, office, app):
    producer, boss, product = portal
    response = post(
        client, f"/producer/products/{product.id}/edit?lang=en",
        form_of(product, name_vi="Chè Tân Cương", price_vnd="150.000", weight_g="900"),
        follow_redirects=True,
    )  # fmt: skip
    assert "wait for the OCOP office's review" in html(response)
    live = fresh(Product, product.id)
    # Operations apply at once; the public content waits.
    assert (live.name_vi, live.price_vnd, live.weight_g, live.active) == (
        "Chè Yên Thế", 120_000, 900, True,
    )  # fmt: skip
    assert revisions(product.id) == [
        ("change", "pending", {"name_vi": "Chè Tân Cương", "price_vnd": 150_000})
    ]
    shopper = app.test_client()
    page = html(shopper.get(f"/products/{product.slug}"))
    assert "Chè Yên Thế" in page
    assert "Chè Tân Cương" not in page
    assert "120.000" in page
    # The portal shows what waits, and the form goes on from it.
    detail = html(client.get(f"/producer/products/{product.id}?lang=en"))
    assert "Waiting for the OCOP office's review" in detail
    assert "Chè Tân Cương" in detail
    form = html(client.get(f"/producer/products/{product.id}/edit?lang=en"))
    assert 'value="Chè Tân Cương"' in form

    office_client, _officer = office
    revision = pending_of(product.id)
    review = html(office_client.get(f"/admin/listings/{revision.id}?lang=en"))
    assert "Chè Yên Thế" in review
    assert "Chè Tân Cương" in review
    assert "120.000" in review
    assert "150.000" in review
    assert post(office_client, f"/admin/listings/{revision.id}/approve").status_code == 302
    live = fresh(Product, product.id)
    assert (live.name_vi, live.price_vnd) == ("Chè Tân Cương", 150_000)
    assert "tan cuong" in live.search_name
    assert "Chè Tân Cương" in html(shopper.get(f"/products/{product.slug}"))
    [mail] = mails_to(boss.email)
    assert "approved your changes" in mail.payload["text_body"]


def test_a_rejected_change_keeps_the_live_values_and_needs_a_reason(client, portal, office):
    producer, boss, product = portal
    other_admin = gen_user(
        "producer_staff", producer_id=producer.id, producer_admin=True, locale="vi"
    )
    db.session.commit()
    post(client, f"/producer/products/{product.id}/edit",
         form_of(product, description_vi="Chữa bách bệnh!"))  # fmt: skip
    revision = pending_of(product.id)
    office_client, _officer = office
    empty = post(office_client, f"/admin/listings/{revision.id}/reject?lang=en", {"reason": "  "})
    assert empty.status_code == 400
    assert re.search(r"field-error[^>]*>[^<]*Say why these changes are refused", html(empty))
    assert pending_of(product.id) is not None
    reason = "Không được quảng cáo công dụng chữa bệnh"
    assert post(office_client, f"/admin/listings/{revision.id}/reject",
                {"reason": reason}).status_code == 302  # fmt: skip
    live = fresh(Product, product.id)
    assert (live.description_vi, live.active, live.review_status) == ("Mô tả.", True, "approved")
    assert revisions(product.id)[0][1] == "rejected"
    assert fresh(ListingRevision, revision.id).reason == reason
    [mail] = mails_to(boss.email)
    assert reason in mail.payload["text_body"]
    assert "goes on showing the approved version" in mail.payload["text_body"]
    [vietnamese] = mails_to(other_admin.email)  # each admin in their own language
    assert "Văn phòng OCOP đã từ chối tin đăng của bạn" in vietnamese.payload["subject"]
    assert "cửa hàng tiếp tục hiển thị phiên bản đã duyệt" in vietnamese.payload["text_body"]
    assert reason in vietnamese.payload["text_body"]


def test_a_newer_submission_replaces_the_pending_one_which_cannot_be_approved(
    client, portal, office
):
    producer, _boss, product = portal
    post(client, f"/producer/products/{product.id}/edit", form_of(product, name_vi="Chè A"))
    first = pending_of(product.id)
    post(client, f"/producer/products/{product.id}/edit", form_of(product, name_vi="Chè B"))
    second = pending_of(product.id)
    assert second.id != first.id
    assert [s for _k, s, _p in revisions(product.id)] == ["superseded", "pending"]
    office_client, _officer = office
    stale = post(office_client, f"/admin/listings/{first.id}/approve?lang=en",
                 follow_redirects=True)  # fmt: skip
    assert "A newer version replaced these changes" in html(stale)
    assert fresh(Product, product.id).name_vi == "Chè Yên Thế"
    assert fresh(ListingRevision, first.id).status == "superseded"
    # The same change again keeps its place; going back to the live values withdraws it.
    post(client, f"/producer/products/{product.id}/edit", form_of(product, name_vi="Chè B"))
    assert pending_of(product.id).id == second.id
    post(client, f"/producer/products/{product.id}/edit", form_of(product))
    assert pending_of(product.id) is None


def test_approving_twice_applies_once(client, portal, office):
    producer, boss, product = portal
    post(client, f"/producer/products/{product.id}/edit", form_of(product, price_vnd="130.000"))
    revision = pending_of(product.id)
    office_client, _officer = office
    assert post(office_client, f"/admin/listings/{revision.id}/approve").status_code == 302
    again = post(office_client, f"/admin/listings/{revision.id}/approve?lang=en",
                 follow_redirects=True)  # fmt: skip
    assert "reviewed already" in html(again)
    rejected = post(office_client, f"/admin/listings/{revision.id}/reject", {"reason": "x"})
    assert rejected.status_code == 302
    assert fresh(ListingRevision, revision.id).status == "approved"
    assert len(mails_to(boss.email)) == 1
    approvals = select(func.count(AuditLog.id)).where(AuditLog.action == "product.approve")
    assert db.session.scalar(approvals) == 1


@pytest.mark.postgres
def test_two_approvals_at_once_apply_once(pg_app):
    from tests.conftest import run_threads

    category = gen_category()
    producer = gen_producer(province_code=BAC_NINH, moderated=True)
    boss = gen_user("producer_staff", producer_id=producer.id, producer_admin=True)
    product = gen_product(producer=producer, category=category, price_vnd=100_000)
    officer = gen_user("admin")
    db.session.commit()
    revision = moderation.submit_change(product, {"price_vnd": 90_000}, actor_id=boss.id)
    db.session.commit()
    clients = []
    for _ in range(4):
        client = pg_app.test_client()
        assert sign_in(client, officer.email, DEFAULT_PASSWORD).status_code == 302
        clients.append((client, csrf_token(client, f"/admin/listings/{revision.id}")))

    def approve(i: int) -> str:
        client, token = clients[i]
        response = client.post(
            f"/admin/listings/{revision.id}/approve?lang=en", data={"csrf_token": token}
        )
        return response.headers["Location"]

    locations = run_threads(4, approve)
    assert sorted("/admin/listings?" in loc for loc in locations) == [False, False, False, True]
    db.session.expire_all()
    assert db.session.get(Product, product.id).price_vnd == 90_000
    approvals = select(func.count(AuditLog.id)).where(AuditLog.action == "product.approve")
    assert db.session.scalar(approvals) == 1
    assert len(mails_to(boss.email)) == 1


# --- the office: scope, the to-do count, the switch -------------------------------------------


def test_another_provinces_office_gets_404_and_does_not_see_the_queue(client, portal, app):
    producer, _boss, product = portal
    post(client, f"/producer/products/{product.id}/edit", form_of(product, name_vi="Chè C"))
    revision = pending_of(product.id)
    other = app.test_client()
    outsider = gen_user("ocop_office", province_code=HA_NOI)
    db.session.commit()
    assert sign_in(other, outsider.email, DEFAULT_PASSWORD).status_code == 302
    assert other.get(f"/admin/listings/{revision.id}").status_code == 404
    assert post(other, f"/admin/listings/{revision.id}/approve").status_code == 404
    assert post(other, f"/admin/listings/{revision.id}/reject", {"reason": "x"}).status_code == 404
    assert post(other, f"/admin/producers/{producer.id}/moderation",
                {"moderated": "off"}).status_code == 404  # fmt: skip
    assert f"/admin/listings/{revision.id}" not in html(other.get("/admin/listings"))
    assert fresh(ListingRevision, revision.id).status == "pending"
    assert fresh(Producer, producer.id).moderated is True


def test_the_to_do_count_equals_the_queue(client, portal, office, app):
    producer, _boss, product = portal
    second = gen_product(producer=producer)
    elsewhere = gen_product(producer=gen_producer(province_code=HA_NOI, moderated=True))
    admin = gen_user("admin")
    db.session.commit()
    for listing in (product, second, elsewhere):
        moderation.submit_change(listing, {"name_vi": "Tên mới"}, actor_id=None)
    db.session.commit()
    admin_client = app.test_client()
    assert sign_in(admin_client, admin.email, DEFAULT_PASSWORD).status_code == 302
    home = html(admin_client.get("/admin/?lang=en"))
    found = re.search(
        r'<a href="([^"]+)"><span class="todo-count">(\d+)</span> '
        r'<span class="todo-label">Listings to review',
        home,
    )
    href, count = found.group(1).replace("&amp;", "&"), int(found.group(2))
    assert href == "/admin/listings?state=pending"
    assert count == 3
    assert html(admin_client.get(href)).count('href="/admin/listings/') == count
    # The office of Bắc Ninh: its own province's two, on its home and in its list.
    office_client, _officer = office
    mine = re.search(
        r'<span class="todo-count">(\d+)</span> <span class="todo-label">Listings to review',
        html(office_client.get("/admin/?lang=en")),
    )
    assert int(mine.group(1)) == 2
    assert html(office_client.get(href)).count('href="/admin/listings/') == 2


def test_the_office_turns_moderation_on_and_off_and_nothing_pending_is_approved(
    client, portal, office, app
):
    producer, _boss, product = portal
    post(client, f"/producer/products/{product.id}/edit", form_of(product, name_vi="Chè D"))
    office_client, officer = office
    admin_client, admin = app.test_client(), gen_user("admin")
    db.session.commit()
    assert sign_in(admin_client, admin.email, DEFAULT_PASSWORD).status_code == 302
    page = html(admin_client.get(f"/admin/producers/{producer.id}?lang=en"))
    assert "Turn moderation off" in page
    off = post(office_client, f"/admin/producers/{producer.id}/moderation", {"moderated": "off"})
    assert off.status_code == 302
    assert fresh(Producer, producer.id).moderated is False
    assert pending_of(product.id) is not None  # still in the queue
    assert fresh(Product, product.id).name_vi == "Chè Yên Thế"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "producer.moderation"))
    assert (entry.actor_id, entry.after) == (officer.id, {"moderated": False})
    bad = post(office_client, f"/admin/producers/{producer.id}/moderation?lang=en",
               {"moderated": "maybe"}, follow_redirects=True)  # fmt: skip
    assert "Choose on or off." in html(bad)
    # Unmoderated, the producer's next edit applies at once and replaces what waited.
    post(client, f"/producer/products/{product.id}/edit", form_of(product, name_vi="Chè E"))
    assert fresh(Product, product.id).name_vi == "Chè E"
    assert pending_of(product.id) is None
    on = post(office_client, f"/admin/producers/{producer.id}/moderation", {"moderated": "on"})
    assert on.status_code == 302
    assert fresh(Producer, producer.id).moderated is True
    assert "Turn moderation off" in html(
        admin_client.get(f"/admin/producers/{producer.id}?lang=en")
    )


@pytest.mark.parametrize(
    ("query", "status"),
    [("?state=²", 200), ("?state=approved&page=²", 200), ("?page=99999999999999999999", 200),
     ("?state=rejected%00", 400), ("", 200)],
)  # fmt: skip
def test_hostile_queries_get_a_page(office, query, status):
    office_client, _officer = office
    assert office_client.get(f"/admin/listings{query}").status_code == status


def test_unknown_and_huge_ids_are_404(office):
    office_client, _officer = office
    assert office_client.get("/admin/listings/99999999999999999999").status_code == 404
    assert post(office_client, "/admin/listings/424242/approve").status_code == 404
    assert post(office_client, "/admin/producers/99999999999999999999/moderation",
                {"moderated": "on"}).status_code == 404  # fmt: skip


def test_customers_and_staff_do_not_reach_the_queue(client, portal, app):
    # ``portal`` signed in producer staff on ``client``.
    assert client.get("/admin/listings").status_code == 404
    limiter.reset()


# --- experiences and the database's own guards ------------------------------------------------


def test_an_experience_waiting_for_review_is_off_the_shop_until_approved(app):
    producer = gen_producer(moderated=True)
    experience = gen_experience(producer=producer)
    officer = gen_user("admin")
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/experiences/{experience.slug}").status_code == 200
    revision = moderation.submit_new(experience, actor_id=None)
    db.session.commit()
    assert client.get(f"/experiences/{experience.slug}").status_code == 404
    assert experience.name_vi not in html(client.get("/experiences"))
    change = moderation.approve(revision, officer.id, now=utcnow())
    db.session.commit()
    assert change.active is True
    assert client.get(f"/experiences/{experience.slug}").status_code == 200
    # A change to its summary waits as a revision; approving applies it.
    pending = moderation.submit_change(experience, {"summary_vi": "Mới."}, actor_id=None)
    db.session.commit()
    assert fresh(Experience, experience.id).summary_vi != "Mới."
    moderation.approve(pending, officer.id, now=utcnow())
    db.session.commit()
    assert fresh(Experience, experience.id).summary_vi == "Mới."


def test_the_database_keeps_unreviewed_listings_off_sale_and_one_pending_revision(app):
    product = gen_product()
    db.session.commit()
    product.review_status = "pending"  # still active: refused
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    product = fresh(Product, product.id)
    for _ in range(2):
        db.session.add(
            ListingRevision(
                producer_id=product.producer_id, product_id=product.id, kind="change",
                proposed={"name_vi": "x"}, status="pending",
            )
        )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(
        ListingRevision(
            producer_id=product.producer_id, product_id=product.id, kind="change",
            proposed={}, status="rejected", reason=" ", reviewed_at=utcnow(),
        )
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.postgres
def test_a_submission_racing_an_approval_neither_deadlocks_nor_loses_a_change(pg_app):
    from tests.conftest import run_threads

    producer = gen_producer(moderated=True)
    product = gen_product(producer=producer, name_vi="Tên cũ")
    officer = gen_user("admin")
    db.session.commit()
    first = moderation.submit_change(product, {"name_vi": "Tên A"}, actor_id=None)
    db.session.commit()
    product_id, first_id, officer_id = product.id, first.id, officer.id

    def act(i: int) -> str:
        from shop.db import begin_write_transaction

        with pg_app.app_context():
            try:
                begin_write_transaction(db.session)
                if i == 0:
                    revision = db.session.get(ListingRevision, first_id)
                    moderation.approve(revision, officer_id, now=utcnow())
                else:
                    listing = db.session.get(Product, product_id)
                    moderation.submit_change(listing, {"name_vi": "Tên B"}, actor_id=None)
                db.session.commit()
                return "done"
            except moderation.RevisionAlreadyReviewed:
                db.session.rollback()
                return "late"
            finally:
                db.session.remove()

    outcomes = run_threads(2, act)
    db.session.expire_all()
    live = db.session.get(Product, product_id).name_vi
    pending = pending_of(product_id)
    assert pending is not None
    assert pending.proposed == {"name_vi": "Tên B"}  # the newer change always waits
    if outcomes[0] == "done":
        assert live == "Tên A"
    else:
        assert (outcomes[0], live) == ("late", "Tên cũ")


def test_the_queue_reads_a_constant_number_of_queries(office):
    from tests.conftest import count_queries

    office_client, _officer = office

    def queries_for(count: int) -> int:
        for _ in range(count):
            listing = gen_product(producer=gen_producer(province_code=BAC_NINH))
            moderation.submit_change(listing, {"price_vnd": 99_000}, actor_id=None)
        db.session.commit()
        with count_queries(db.engine) as statements:
            page = office_client.get("/admin/listings?state=pending")
        assert page.status_code == 200
        return len(statements)

    few = queries_for(2)
    assert queries_for(20) == few  # no query per row
