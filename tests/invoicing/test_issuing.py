"""Issuing VAT invoices after the commit: the e-invoice provider is called by a job outside
any transaction; its failure never undoes the order, is shown to the office and retried, and a
job run twice issues an invoice once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from shop.catalog.models import Producer
from shop.extensions import db
from shop.invoicing import providers
from shop.invoicing.models import InvoiceRequest, InvoiceRequestStatus, IssuedInvoice
from shop.invoicing.providers import EInvoiceProvider, EInvoiceProviderError, FileProvider
from shop.invoicing.services import issue_requested_invoices
from shop.orders.models import Order, OrderStatus, ProducerOrder, ProducerOrderStatus
from tests.conftest import csrf_token
from tests.factories import gen_order, gen_product
from tests.invoicing.helpers import paid, ship, with_invoice_data


class FlakyProvider(EInvoiceProvider):
    """Refuses while ``down``; records whether it was ever called inside a transaction."""

    id = "flaky"

    def __init__(self) -> None:
        self.down = True
        self.calls = 0
        self.in_transaction = False

    def issue(self, invoice):
        self.calls += 1
        self.in_transaction |= db.session().in_transaction()
        if self.down:
            raise EInvoiceProviderError("the e-invoice service is unavailable (HTTP 503)")
        return FileProvider().issue(invoice)


@pytest.fixture
def flaky(app, tmp_path, monkeypatch):
    provider = FlakyProvider()
    monkeypatch.setitem(providers.PROVIDERS, provider.id, provider)
    app.config.update(EINVOICE_PROVIDER=provider.id, EINVOICE_DIR=str(tmp_path))
    return provider


def _shipped_parcel(login_as):
    user = login_as("producer_staff")
    producer = db.session.get(Producer, user.producer_id)
    order = paid(gen_order([(gen_product(producer=producer, price_vnd=120_000), 2)]))
    with_invoice_data(order)
    parcel = order.producer_orders[0]
    ship(parcel)
    db.session.commit()
    return order, parcel


def test_a_failing_provider_leaves_the_order_and_marks_the_invoice_failed(client, login_as, flaky):
    order, parcel = _shipped_parcel(login_as)
    token = csrf_token(client, f"/producer/orders/{parcel.id}")
    response = client.post(
        f"/producer/orders/{parcel.id}/invoice?lang=en",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "could not issue the invoice" in response.get_data(as_text=True)
    assert flaky.calls == 1
    assert not flaky.in_transaction
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID
    assert db.session.get(ProducerOrder, parcel.id).status == ProducerOrderStatus.SHIPPED
    request = db.session.scalar(select(InvoiceRequest))
    assert (request.status, request.attempts, request.number) == (InvoiceRequestStatus.FAILED, 1, 1)
    assert "HTTP 503" in request.last_error
    assert db.session.scalar(select(func.count(IssuedInvoice.id))) == 0

    # The office sees the failure on the order's page.
    client.get("/account/logout")
    login_as("admin")
    page = client.get(f"/admin/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert 'data-invoice="failed"' in page
    assert "HTTP 503" in page

    # The service is back: the sweep issues it, with the number it was given; a second run
    # (or a second worker) issues nothing more.
    flaky.down = False
    assert issue_requested_invoices().issued == [parcel.id]
    assert issue_requested_invoices().issued == []
    assert flaky.calls == 2
    assert not flaky.in_transaction
    [issued] = db.session.scalars(select(IssuedInvoice)).all()
    assert (issued.producer_order_id, issued.number) == (parcel.id, 1)
    db.session.expire_all()
    assert db.session.scalar(select(InvoiceRequest.status)) == InvoiceRequestStatus.ISSUED
    page = client.get(f"/admin/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert "data-invoice=" not in page
    assert f"/admin/invoices/{parcel.id}.xml" in page


def test_the_office_asks_again_for_a_failed_invoice(client, login_as, flaky):
    order, parcel = _shipped_parcel(login_as)
    token = csrf_token(client, f"/producer/orders/{parcel.id}")
    client.post(f"/producer/orders/{parcel.id}/invoice", data={"csrf_token": token})
    client.get("/account/logout")
    login_as("admin")
    page = client.get(f"/admin/orders/{order.reference}?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    flaky.down = False
    response = client.post(
        f"/admin/invoices/{parcel.id}/retry?lang=en",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "VAT invoice C" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(IssuedInvoice.id))) == 1
    again = client.post(
        f"/admin/invoices/{parcel.id}/retry?lang=en",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "not waiting for a retry" in again.get_data(as_text=True)
    assert flaky.calls == 2


def test_a_failure_after_the_last_retry_waits_for_the_office(app, flaky):
    from shop.invoicing.services import MAX_ATTEMPTS, request_invoice

    order = paid(gen_order([(gen_product(price_vnd=90_000), 1)]))
    with_invoice_data(order)
    parcel = order.producer_orders[0]
    ship(parcel)
    request_invoice(parcel.id, today=order.created_at.date(), user_id=None)
    db.session.commit()  # the job runs after the commit, and fails
    for _ in range(MAX_ATTEMPTS + 2):
        issue_requested_invoices()
    assert flaky.calls == MAX_ATTEMPTS
    db.session.expire_all()
    assert db.session.scalar(select(InvoiceRequest.attempts)) == MAX_ATTEMPTS


@pytest.mark.postgres
def test_two_workers_at_once_issue_an_invoice_once(pg_app, tmp_path, monkeypatch):
    from tests.conftest import run_threads

    provider = FlakyProvider()
    provider.down = False
    monkeypatch.setitem(providers.PROVIDERS, provider.id, provider)
    pg_app.config.update(EINVOICE_PROVIDER=provider.id, EINVOICE_DIR=str(tmp_path))
    order = paid(gen_order([(gen_product(price_vnd=80_000), 1)]))
    with_invoice_data(order)
    parcel = order.producer_orders[0]
    ship(parcel)
    db.session.add(
        InvoiceRequest(
            producer_order_id=parcel.id,
            producer_id=parcel.producer_id,
            series="C26TOC",
            number=1,
            invoice_date=order.created_at.date(),
            status=InvoiceRequestStatus.PENDING,
            attempts=0,
        )
    )
    db.session.commit()  # written directly: no job enqueued
    db.session.remove()

    def work(_i: int) -> list[int]:
        with pg_app.app_context():
            return issue_requested_invoices().issued

    results = run_threads(3, work)
    assert sorted(len(r) for r in results) == [0, 0, 1]
    assert provider.calls == 1
    assert db.session.scalar(select(func.count(IssuedInvoice.id))) == 1
