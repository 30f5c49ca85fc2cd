from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from shop.accounts.models import User
from shop.catalog.models import OcopCertificate, Producer, Product
from shop.catalog.services import expire_certificates
from shop.extensions import db
from tests.conftest import DEMO_TODAY
from tests.factories import gen_certificate, gen_product


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_is_idempotent_and_complete(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (count(Product), count(Producer), count(OcopCertificate), count(User))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert (count(Product), count(Producer), count(OcopCertificate), count(User)) == counts

    products = db.session.scalars(select(Product)).all()
    assert len(products) >= 15
    assert count(Producer) >= 10
    assert any(p.preorder and "vai" in p.slug for p in products)
    assert any(p.adult_only for p in products)
    assert any(not p.certificates for p in products)
    assert any(p.certificates and p.valid_certificate(DEMO_TODAY) is None for p in products)
    assert all(p.name_vi and p.description_vi and p.images for p in products)
    assert len({p.images[0].path for p in products}) == len(products)  # a picture each
    producers = db.session.scalars(select(Producer)).all()
    assert all(p.legacy_address and p.commune and p.province for p in producers)
    roles = {u.role for u in db.session.scalars(select(User))}
    assert {"admin", "producer_staff", "customer"} <= roles


def test_seed_demo_if_empty_leaves_an_existing_catalogue_alone(app, runner):
    gen_product()
    db.session.commit()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "skipped" in result.output
    assert count(Product) == 1


def test_expire_certificates_job_is_idempotent(app, runner):
    product = gen_product()
    old = gen_certificate(product, score=75, decision_date=date(2021, 5, 1))
    current = gen_certificate(product, score=95, decision_date=date(2025, 5, 1))
    db.session.commit()
    assert expire_certificates(DEMO_TODAY) == 1
    assert expire_certificates(DEMO_TODAY) == 0
    db.session.refresh(old)
    db.session.refresh(current)
    assert (old.status, current.status) == ("expired", "active")
    result = runner.invoke(args=["ocop", "expire-certificates"])
    assert result.exit_code == 0
    assert "0 certificate(s)" in result.output


def test_badge_disappears_on_expiry_without_the_job(app, client):
    product = gen_product(slug="honey-test")
    gen_certificate(product, score=65, decision_date=date(2023, 11, 28))  # valid until 2026-11-28
    db.session.commit()
    assert "ocop-badge" in client.get("/products/honey-test").get_data(as_text=True)
    app.config["FIXED_TODAY"] = date(2026, 11, 29)
    body = client.get("/products/honey-test?lang=en").get_data(as_text=True)
    assert "ocop-badge" not in body
    assert "Certificate expired." in body
    assert db.session.scalar(select(OcopCertificate.status)) == "active"  # data untouched


def test_create_admin(app, runner):
    result = runner.invoke(
        args=["create-admin", "Boss@Example.VN"], input="s3cret-pass\ns3cret-pass\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.vn"))
    assert user.role == "admin"
    assert user.check_password("s3cret-pass")
