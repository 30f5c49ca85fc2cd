"""The portal's catalogue through the test client, CSRF on: products created and edited in
both languages, hostile input answered next to the field, pause / resume, stock adjustments,
pictures (and every kind of bad upload), the overview and the audit log."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from shop.audit.models import AuditLog
from shop.catalog.models import OcopCertificate, Producer, Product, ProductImage
from shop.catalog.stock import StockAdjustment, StockWouldGoNegative, adjust_stock
from shop.extensions import db
from tests.conftest import csrf_token
from tests.factories import gen_category, gen_certificate, gen_producer, gen_product


def html(response) -> str:
    return response.get_data(as_text=True)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def post(client, path: str, data: dict | None = None, **kwargs):
    token = csrf_token(client, "/account")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def staff(client, login_as):
    client.get("/?lang=en")
    user = login_as("producer_staff")
    return user, db.session.get(Producer, user.producer_id)


@pytest.fixture
def category(app):
    group = gen_category(name_vi="Thực phẩm", name_en="Food")
    db.session.commit()
    return group


def product_form(category, **overrides) -> dict:
    values = {
        "name_vi": "Mật ong hoa vải",
        "name_en": "",
        "description_vi": "Mật ong nguyên chất.",
        "description_en": "",
        "unit_vi": "chai 500 ml",
        "unit_en": "",
        "origin": "Lục Ngạn, Bắc Ninh",
        "category_id": str(category.id),
        "price_vnd": "185.000",
        "vat_rate": "5",
        "weight_g": "800",
        "shipping_class": "ambient",
        "season_start": "",
        "season_end": "",
        "preorder_ships_from": "",
        "preorder_cap": "",
        "stock": "12",
    }
    values.update(overrides)
    return values


def audit_actions(product_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditLog.action)
            .where(AuditLog.target_type == "product", AuditLog.target_id == product_id)
            .order_by(AuditLog.id)
        )
    )


# --- create and edit ---------------------------------------------------------------------------


def test_a_new_product_goes_on_sale_with_a_slug_search_text_and_an_audit_entry(
    client, staff, category
):
    user, mine = staff
    gen_product(producer=gen_producer(), slug="mat-ong-hoa-vai")  # the slug is taken
    db.session.commit()
    response = post(client, "/producer/products/new", product_form(category))
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.name_vi == "Mật ong hoa vải"))
    assert product.producer_id == mine.id
    assert product.slug == "mat-ong-hoa-vai-2"
    assert (product.price_vnd, product.vat_rate, product.stock) == (185_000, 5, 12)
    assert product.name_en is None
    assert product.active
    assert " mat " in product.search_text
    assert " vai " in product.search_name
    entry = db.session.scalar(select(AuditLog).where(AuditLog.target_id == product.id))
    assert (entry.action, entry.actor_id, entry.producer_id) == ("product.create", user.id, mine.id)
    assert entry.after["price_vnd"] == 185_000

    page = html(client.get(response.headers["Location"]))
    assert "Not translated" in page
    assert "Mật ong hoa vải" in html(client.get("/producer/products"))
    # Shoppers see it at once.
    assert client.get("/products/mat-ong-hoa-vai-2").status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price_vnd", "²00000", "Enter a price in đồng between"),
        ("price_vnd", "١٢٣٤٥", "Enter a price in đồng between"),
        ("price_vnd", "12345678901234567890", "Enter a price in đồng between"),
        ("price_vnd", "-5000", "Enter a price in đồng between"),
        ("price_vnd", "", "Enter the price in đồng."),
        ("weight_g", "1e3", "Enter a weight in grams"),
        ("name_vi", "", "Enter the product"),
        ("vat_rate", "7", "Not a valid choice"),
        ("category_id", "99999", "Not a valid choice"),
        ("season_start", "31/02", "Enter a day and month such as 15/05."),
        ("season_end", "", "Give both days of the season"),
        ("stock", "99999999999999999999", "Enter a whole number of units"),
        ("preorder_ships_from", "2027-13-45", "Not a valid date value."),
        ("description_vi", "x" * 5001, "At most 5000 characters."),
    ],
)
def test_hostile_or_wrong_values_get_a_message_next_to_the_field(
    client, staff, category, field, value, message
):
    typed = product_form(category, **{field: value, "name_en": "Lychee honey"})
    if field == "season_end":
        typed["season_start"] = "15/05"
    response = post(client, "/producer/products/new", typed)
    body = html(response)
    assert response.status_code == 400
    assert f'id="{field}-error"' in body
    assert message in body
    assert 'value="Lychee honey"' in body  # what was typed is kept
    assert db.session.scalar(select(func.count(Product.id))) == 0


@pytest.mark.parametrize("field", ["name_vi", "vat_rate", "category_id", "price_vnd"])
def test_a_nul_byte_anywhere_is_refused_before_the_view(client, staff, category, field):
    response = post(client, "/producer/products/new", product_form(category, **{field: "5\x00"}))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_a_pre_order_needs_its_date_and_cap(client, staff, category):
    response = post(client, "/producer/products/new", product_form(category, preorder="y"))
    body = html(response)
    assert response.status_code == 400
    assert "Enter the date pre-orders ship from." in body
    assert "Enter how many units may be pre-ordered." in body
    response = post(
        client,
        "/producer/products/new",
        product_form(
            category,
            preorder="y",
            preorder_ships_from="2027-05-20",
            preorder_cap="300",
            season_start="15/5",
            season_end="31/7",
        ),
    )
    assert response.status_code == 302
    product = db.session.scalar(select(Product))
    assert (product.preorder_ships_from, product.preorder_cap) == (date(2027, 5, 20), 300)
    assert (product.season_start, product.season_end) == (515, 731)


def test_editing_keeps_the_certificate_slug_and_stock_and_is_audited(client, staff, category):
    user, mine = staff
    product = gen_product(producer=mine, name_vi="Chè xanh", stock=7, slug="che-xanh")
    certificate = gen_certificate(product, score=92, decision_date=date(2026, 1, 10))
    db.session.commit()
    page = html(client.get(f"/producer/products/{product.id}/edit"))
    assert 'value="Chè xanh"' in page
    assert "only the OCOP office changes them" in page

    response = post(
        client,
        f"/producer/products/{product.id}/edit",
        product_form(
            category,
            name_vi="Chè xanh Tân Cương",
            name_en="Green tea",
            price_vnd="210000",
            stock="999",  # not a field of the edit form: ignored
            stars="5",
        ),
    )
    assert response.status_code == 302
    product = fresh(Product, product.id)
    assert product.name_vi == "Chè xanh Tân Cương"
    assert product.name_en == "Green tea"
    assert product.slug == "che-xanh"
    assert product.stock == 7
    assert product.price_vnd == 210_000
    kept = fresh(OcopCertificate, certificate.id)
    assert kept.product_id == product.id
    assert kept.stars == 5
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "product.update"))
    assert entry.actor_id == user.id
    assert entry.before["price_vnd"] == 100_000
    assert entry.after["price_vnd"] == 210_000
    assert "stock" not in entry.after


def test_pause_and_resume_sale(client, staff):
    _user, mine = staff
    product = gen_product(producer=mine)
    db.session.commit()
    assert post(client, f"/producer/products/{product.id}/pause").status_code == 302
    assert fresh(Product, product.id).active is False
    assert client.get(f"/products/{product.slug}").status_code == 404
    post(client, f"/producer/products/{product.id}/pause")  # a double submit changes nothing
    post(client, f"/producer/products/{product.id}/resume")
    assert fresh(Product, product.id).active is True
    assert audit_actions(product.id) == ["product.pause", "product.resume"]


def test_another_producers_product_is_a_404(client, staff, category):
    other = gen_product(producer=gen_producer(), price_vnd=50_000)
    db.session.commit()
    assert client.get(f"/producer/products/{other.id}").status_code == 404
    assert client.get(f"/producer/products/{other.id}/edit").status_code == 404
    response = post(client, f"/producer/products/{other.id}/edit", product_form(category))
    assert response.status_code == 404
    assert fresh(Product, other.id).price_vnd == 50_000
    assert other.name_vi not in html(client.get("/producer/products"))


# --- stock -------------------------------------------------------------------------------------


def test_stock_adjustments_are_recorded_with_their_reason(client, staff):
    user, mine = staff
    product = gen_product(producer=mine, stock=10)
    db.session.commit()
    path = f"/producer/products/{product.id}/stock"
    assert (
        post(client, path, {"stock-delta": "+20", "stock-reason": "new harvest"}).status_code == 302
    )
    assert (
        post(client, path, {"stock-delta": "-3", "stock-reason": "2 boxes damaged"}).status_code
        == 302
    )
    assert fresh(Product, product.id).stock == 27
    rows = db.session.execute(
        select(
            StockAdjustment.stock_before,
            StockAdjustment.stock_after,
            StockAdjustment.reason,
            StockAdjustment.user_id,
        ).order_by(StockAdjustment.id)
    ).all()
    assert rows == [(10, 30, "new harvest", user.id), (30, 27, "2 boxes damaged", user.id)]
    page = html(client.get(f"/producer/products/{product.id}"))
    assert "2 boxes damaged" in page
    assert "30 → 27" in page
    assert audit_actions(product.id) == ["product.stock", "product.stock"]


@pytest.mark.parametrize(
    ("delta", "reason", "message"),
    [
        ("-11", "lost", "Only 10 in stock: you cannot remove 11."),
        ("0", "nothing", "A change of 0 units changes nothing."),
        ("²", "odd", "Enter a whole number of units to add"),
        ("99999999999999999999", "typo", "Enter a whole number of units to add"),
        ("5", "", "Say why"),
    ],
)
def test_a_refused_stock_adjustment_says_why_and_changes_nothing(
    client, staff, delta, reason, message
):
    _user, mine = staff
    product = gen_product(producer=mine, stock=10)
    db.session.commit()
    response = post(
        client,
        f"/producer/products/{product.id}/stock",
        {"stock-delta": delta, "stock-reason": reason},
    )
    assert response.status_code == 400
    assert message in html(response)
    assert fresh(Product, product.id).stock == 10
    assert db.session.scalar(select(func.count(StockAdjustment.id))) == 0


def test_an_adjustment_is_relative_so_a_checkout_reservation_in_between_is_kept(app):
    product = gen_product(stock=10)
    db.session.commit()
    # A checkout reserves 4 after the producer loaded the page showing 10.
    db.session.execute(Product.__table__.update().values(stock=Product.__table__.c.stock - 4))
    adjustment = adjust_stock(product.id, -5, user_id=None, reason="spoiled")
    assert (adjustment.stock_before, adjustment.stock_after) == (6, 1)
    with pytest.raises(StockWouldGoNegative):
        adjust_stock(product.id, -2, user_id=None, reason="spoiled")
    assert fresh(Product, product.id).stock == 1


# --- pictures ----------------------------------------------------------------------------------


def picture_bytes(fmt: str = "JPEG", size=(900, 600), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt, **save)
    return out.getvalue()


def png_bomb() -> bytes:
    """A valid-looking PNG header claiming 100 000 × 100 000 pixels (a few hundred bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@pytest.fixture
def media(app, tmp_path):
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    return tmp_path / "media"


def upload(client, product_id: int, data: bytes, filename: str, mimetype="image/jpeg"):
    return post(
        client,
        f"/producer/products/{product_id}/pictures",
        {"picture-picture": (io.BytesIO(data), filename, mimetype), "picture-alt_vi": "Ảnh"},
        content_type="multipart/form-data",
    )


def test_a_picture_is_re_encoded_as_two_webp_sizes_without_metadata(client, staff, media):
    _user, mine = staff
    product = gen_product(producer=mine)
    db.session.commit()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    original = picture_bytes("JPEG", size=(3000, 2000), exif=exif.tobytes())
    response = upload(client, product.id, original, "photo.jpg")
    assert response.status_code == 302, html(response)[:500]
    image = db.session.scalar(
        select(ProductImage)
        .where(ProductImage.product_id == product.id)
        .order_by(ProductImage.position.desc())
    )
    assert image.path.startswith("media/products/")
    assert image.path.endswith("-1600.webp")
    files = sorted(p.name for p in (media / "products").iterdir())
    assert len(files) == 2
    assert all(name.endswith(".webp") for name in files)
    for name, longest in zip(files, (1600, 480), strict=True):
        with Image.open(media / "products" / name) as stored:
            assert stored.format == "WEBP"
            assert max(stored.size) == longest
            assert not stored.getexif()
            assert "exif" not in stored.info
    page = html(client.get(f"/producer/products/{product.id}"))
    thumb = next(name for name in files if name.endswith("-480.webp"))
    assert f"/media/products/{thumb}" in page
    served = client.get(f"/media/products/{thumb}")
    served.close()
    assert served.status_code == 200
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.mimetype == "image/webp"
    missing = client.get("/media/products/nothing-480.webp")
    assert missing.status_code == 404
    assert client.get("/media/../config.py").status_code == 404
    assert audit_actions(product.id) == ["product.picture_add"]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "x.svg",
            "not a JPEG, PNG or WebP",
        ),
        (b"%PDF-1.4 not a picture", "renamed.jpg", "not a JPEG, PNG or WebP"),
        (picture_bytes("GIF"), "anim.gif", "not a JPEG, PNG or WebP"),
        (picture_bytes("JPEG")[:400], "cut.jpg", "damaged"),
        (png_bomb(), "bomb.png", "too many pixels"),
        (picture_bytes("PNG", size=(20, 20)), "tiny.png", "too small"),
        (b"", "empty.jpg", "not a JPEG, PNG or WebP"),
    ],
    ids=["svg", "renamed", "gif", "truncated", "bomb", "tiny", "empty"],
)
def test_bad_pictures_are_refused_next_to_the_field(client, staff, media, data, filename, message):
    _user, mine = staff
    product = gen_product(producer=mine)
    db.session.commit()
    response = upload(client, product.id, data, filename)
    assert response.status_code == 400
    body = html(response)
    assert 'id="picture-picture-error"' in body
    assert message in body
    assert db.session.scalar(select(func.count(ProductImage.id))) == 1  # the factory's own
    assert not (media / "products").exists() or not any((media / "products").iterdir())


def test_a_picture_over_5_mb_is_refused(client, staff, media):
    _user, mine = staff
    product = gen_product(producer=mine)
    db.session.commit()
    token = csrf_token(client, "/account")
    # Encoded by hand: the test client would spool a large body to a file nobody closes.
    boundary = "portal-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="picture-picture";'
            f' filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + b"\xff\xd8"
        + b"0" * (5 * 1024 * 1024 + 10)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/producer/products/{product.id}/pictures",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=len(body),
    )
    assert response.status_code == 400
    assert "larger than 5 MB" in html(response)
    assert db.session.scalar(select(func.count(ProductImage.id))) == 1
    # Far beyond the upload's own limit: refused before the body is read.
    huge = client.post(
        f"/producer/products/{product.id}/pictures",
        input_stream=io.BytesIO(b"x" * (6 * 1024 * 1024)),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=6 * 1024 * 1024,
    )
    assert huge.status_code == 413


def test_removing_a_picture(client, staff, media):
    _user, mine = staff
    product = gen_product(producer=mine)
    db.session.commit()
    image_id = product.images[0].id
    assert (
        post(client, f"/producer/products/{product.id}/pictures/{image_id}/delete").status_code
        == 302
    )
    assert fresh(ProductImage, image_id) is None


# --- overview and activity ---------------------------------------------------------------------


def test_the_overview_shows_low_stock_and_expiring_certificates(client, staff):
    _user, mine = staff
    low = gen_product(producer=mine, name_vi="Vải thiều sấy", stock=2)
    gen_product(producer=mine, name_vi="Gạo nếp", stock=50)
    # DEMO_TODAY is 28 Nov 2026: valid 36 months from 1 Jan 2024 → 1 Jan 2027.
    gen_certificate(low, score=75, decision_date=date(2024, 1, 1))
    db.session.commit()
    body = html(client.get("/producer/"))
    assert "Vải thiều sấy" in body
    assert "Gạo nếp" not in body
    assert "valid until 1 Jan 2027" in body
    assert "Nothing to confirm." in body


def test_the_activity_page_lists_only_the_producers_own_actions(client, staff):
    _user, mine = staff
    product = gen_product(producer=mine)
    other = gen_product(producer=gen_producer())
    db.session.commit()
    post(client, f"/producer/products/{product.id}/pause")
    adjust_stock(other.id, 5, user_id=None, reason="elsewhere")
    from shop.audit.services import record

    record(
        None,
        "product.stock",
        "product",
        other.id,
        {"stock": 10},
        {"stock": 15, "reason": "elsewhere"},
        producer_id=other.producer_id,
    )
    db.session.commit()
    body = html(client.get("/producer/audit"))
    assert "Sale paused" in body
    assert "elsewhere" not in body


def test_an_uploaded_picture_shows_to_shoppers(client, app):
    """The shop's own pages (card, product page, cart, JSON-LD) serve an uploaded picture from
    /media/, the thumbnail on cards."""
    from shop.catalog.models import ProductImage
    from shop.media import picture_target, picture_url
    from tests.factories import gen_product

    product = gen_product(stock=5)
    product.images[0].path = "media/products/ab/abcdef-1600.webp"
    product.images.append(
        ProductImage(path="media/products/cd/cdef-1600.webp", alt_vi="Ảnh", position=1)
    )
    db.session.commit()
    assert picture_target("media/products/ab/abcdef-1600.webp", "thumb") == (
        "media.file",
        "products/ab/abcdef-480.webp",
    )
    assert picture_target("img/x.svg") == ("static", "img/x.svg")
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "/media/products/ab/abcdef-1600.webp" in page
    listing = client.get("/products").get_data(as_text=True)
    assert "/media/products/ab/abcdef-480.webp" in listing  # the card's thumbnail
    with app.test_request_context():
        assert picture_url(None).startswith("/static/img/placeholder-product.svg")
