"""The authorisation matrix: every protected route × every kind of visitor.

Anonymous visitors are sent to the sign-in page; a signed-in user without the right role gets a
404 (the back-office does not reveal that it exists); the right role gets the page or its
redirect. A refused POST changes nothing in the database.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import current_app
from sqlalchemy import select

from shop.accounts.models import User
from shop.agencies import services
from shop.agencies.approvals import request_approval
from shop.agencies.models import (
    ApprovalRequest,
    BillingEntity,
    Organisation,
    OrganisationInvitation,
    OrganisationMember,
)
from shop.agencies.services import invitation_token as org_invitation_token
from shop.audit.models import AuditLog
from shop.banking.statement import CREDIT, StatementRow
from shop.batches.claims import link_token
from shop.batches.gift_sets import lookup_gift_set
from shop.batches.models import GiftBatch, GiftBatchRecipient
from shop.batches.services import save_draft
from shop.catalog.models import OcopCertificate, Producer, Product, ProductImage
from shop.catalog.stock import StockAdjustment
from shop.evaluations.authorities import seed_authorities
from shop.evaluations.models import Evaluation, IssuingAuthority
from shop.evaluations.scans import new_name, write_scan
from shop.extensions import db
from shop.invoicing.models import InvoiceRequest, IssuedInvoice
from shop.invoicing.services import InvoiceDataInput, request_invoice, save_invoice_data
from shop.lots.models import Lot
from shop.moderation.models import ListingRevision
from shop.moderation.services import submit_change
from shop.orders.models import Order, OrderEvent, OrderLine, ProducerOrder
from shop.orders.services import confirm_producer_order, flag_for_review, ship_producer_order
from shop.partners.bookings import HoldRequest, hold
from shop.partners.keys import create_key
from shop.partners.models import ApiKey
from shop.payments.bank_statement import record_transfer
from shop.payments.models import Payment, Refund
from shop.payments.services import Payee, payment_succeeded, record_refund
from shop.payouts import remittances
from shop.payouts.bank_accounts import ProducerBankAccount
from shop.payouts.bank_forms import holder_form
from shop.payouts.models import Payout, PayoutRun
from shop.payouts.office_models import LedgerAdjustment, Remittance
from shop.producer.invitations import invitation_token
from shop.producer.models import ProducerInvitation
from shop.quotes.models import Quote
from shop.templating import LOCAL_TZ, local_today
from shop.tourism.models import Booking, ExperienceSession
from tests.agencies.factories import add_member, gen_organisation
from tests.conftest import csrf_token, database_is_empty, insert_rows, sign_in, table_rows
from tests.factories import (
    DEFAULT_PASSWORD,
    gen_booking_order,
    gen_certificate,
    gen_experience,
    gen_order,
    gen_producer,
    gen_product,
    gen_session,
    gen_user,
    order_rules,
    unit,
)
from tests.lots.factories import gen_lot
from tests.payments.attempts import start_attempt

BAC_NINH, THAI_NGUYEN = 24, 19  # province codes of the 2025 list
ANONYMOUS = "anonymous"
CUSTOMER = "customer"
OTHER_STAFF = "staff of another producer"
OWN_STAFF = "staff of the order's producer"
ADMIN = "admin"
# OCOP office accounts: of the world's producer's province (Bắc Ninh), and of another province.
OWN_OFFICE = "office of the producer's province"
OTHER_OFFICE = "office of another province"
VISITORS = (ANONYMOUS, CUSTOMER, OTHER_STAFF, OWN_STAFF, OWN_OFFICE, OTHER_OFFICE, ADMIN)
# Producer admins (staff who manage their producer's staff): tried on the routes that say so.
OWN_ADMIN = "admin of the order's producer"
OTHER_ADMIN = "admin of another producer"
# Organisation members (customers whose membership rows give them a role): tried on the routes
# that say so (``members=True``). The world's organisation has an approver, a buyer, a pending
# approval request and a waiting invitation; another organisation's approver sees only theirs.
OWN_APPROVER = "approver of the organisation"
OWN_BUYER = "buyer of the organisation"
OTHER_APPROVER = "approver of another organisation"
MEMBERS = (OWN_APPROVER, OWN_BUYER, OTHER_APPROVER)
ANY_APPROVER = frozenset({OWN_APPROVER, OTHER_APPROVER})


@dataclass(frozen=True)
class Route:
    name: str
    endpoint: str
    method: str
    path: str  # formatted with the world's ids
    allowed: frozenset[str]  # who gets the page; anonymous is always sent to sign in
    ok: int  # the status the allowed visitors get
    data: tuple[tuple[str, str], ...] = ()
    upload: bool = False  # sends a small PNG as ``picture-picture``
    statement: bool = False  # sends a small carrier's remittance CSV as ``file``
    # Whether the allowed POST changes the database (a preview or a stale form does not).
    changes: bool = True
    admins: bool = False  # also tried by the producer's admin and another producer's admin
    members: bool = False  # also tried by the organisations' members (``MEMBERS``)
    public: bool = False  # no sign-in: anonymous visitors get the page too (a private link)


INVOICE_DATA = InvoiceDataInput(
    legal_name="Công ty TNHH Quà Tết",
    tax_code="0101234567",
    address="1 Tràng Tiền, Hà Nội",
    email="ketoan@example.vn",
)
SIGNED_IN = frozenset({CUSTOMER, OTHER_STAFF, OWN_STAFF, OWN_OFFICE, OTHER_OFFICE, ADMIN})
# The office's pages: admins and every office account reach the lists (each sees its own
# province's rows); a producer's own pages answer the office of its province only.
OFFICE = frozenset({OWN_OFFICE, OTHER_OFFICE, ADMIN})
PROVINCE_OFFICE = frozenset({OWN_OFFICE, ADMIN})
ANY_STAFF = frozenset({OTHER_STAFF, OWN_STAFF})
ANY_ADMIN = frozenset({OWN_ADMIN, OTHER_ADMIN})

# The organisation form, as a browser posts it (the commune typed, the province by its code).
ORG_FORM = (
    ("tax_code", "0109876543"),
    ("legal_name", "Cơ quan Thử"),
    ("province", "24"),
    ("commune", "Phường Kinh Bắc"),
    ("street", "Số 1 Lý Thái Tổ"),
    ("invoice_email", "ketoan@example.com"),
)

ROUTES = [
    # Partners' API keys (``shop.partners``): the admins only.
    Route("api keys", "partners.keys", "GET", "/admin/api-keys/", frozenset({ADMIN}), 200),
    Route("new api key", "partners.new_key", "GET", "/admin/api-keys/new", frozenset({ADMIN}), 200),
    Route(
        "create api key",
        "partners.new_key",
        "POST",
        "/admin/api-keys/new",
        frozenset({ADMIN}),
        200,
        (
            ("name", "Website"),
            ("partner_name", "Du lịch Xanh"),
            ("contact_email", "api@dulichxanh.example"),
            ("rate_limit_per_minute", "60"),
        ),
    ),
    Route(
        "revoke api key (confirm)",
        "partners.revoke",
        "GET",
        "/admin/api-keys/{api_key}/revoke",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "revoke api key",
        "partners.revoke",
        "POST",
        "/admin/api-keys/{api_key}/revoke",
        frozenset({ADMIN}),
        302,
    ),
    Route("producer list", "producer.orders", "GET", "/producer/orders", ANY_STAFF, 200),
    Route(
        "producer detail",
        "producer.order_detail",
        "GET",
        "/producer/orders/{new_parcel}",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "producer confirm",
        "producer.confirm",
        "POST",
        "/producer/orders/{new_parcel}/confirm",
        frozenset({OWN_STAFF}),
        302,
    ),
    Route(
        "producer ship",
        "producer.ship",
        "POST",
        "/producer/orders/{confirmed_parcel}/ship",
        frozenset({OWN_STAFF}),
        302,
        (("carrier", "Viettel Post"), ("tracking_number", "VTP1")),
    ),
    Route(
        "producer deliver",
        "producer.deliver",
        "POST",
        "/producer/orders/{shipped_parcel}/deliver",
        frozenset({OWN_STAFF}),
        302,
    ),
    Route("admin list", "admin.orders", "GET", "/admin/orders", frozenset({ADMIN}), 200),
    Route(
        "review list", "admin.review_list", "GET", "/admin/orders/review", frozenset({ADMIN}), 200
    ),
    Route(
        "admin detail",
        "admin.order_detail",
        "GET",
        "/admin/orders/{new_order}",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "admin refund",
        "admin.refund",
        "POST",
        "/admin/orders/{new_order}/refund",
        frozenset({ADMIN}),
        302,
        (("everything", "y"), ("reason", "damaged")),
    ),
    Route(
        "admin send refund",
        "admin.send_again",
        "POST",
        "/admin/orders/{new_order}/refunds/{pending_refund}/send",
        frozenset({ADMIN}),
        302,
    ),
    Route(
        "admin refund by transfer: the customer's account",
        "admin.refund_payee",
        "POST",
        "/admin/orders/{transfer_order}/refunds/{transfer_refund}/payee",
        frozenset({ADMIN}),
        302,
        (
            ("payee-{transfer_refund}-payee_bin", "970436"),
            ("payee-{transfer_refund}-payee_account", "0987654321"),
            ("payee-{transfer_refund}-payee_holder", "Trần Thị Bình"),
        ),
    ),
    Route(
        "admin refund by transfer: paid",
        "admin.refund_transferred",
        "POST",
        "/admin/orders/{transfer_order}/refunds/{transfer_refund}/transferred",
        frozenset({ADMIN}),
        302,
        (("sent-{transfer_refund}-bank_reference", "FT-REFUND-1"),),
    ),
    Route(
        "admin pay back money the order did not take (none here: refused with a message)",
        "admin.unapplied_refund",
        "POST",
        "/admin/orders/{new_order}/unapplied-refund",
        frozenset({ADMIN}),
        409,
        (("unapplied-unapplied_reason", "paid twice"),),
        changes=False,
    ),
    Route(
        "admin cancel",
        "admin.cancel",
        "POST",
        "/admin/orders/{new_order}/cancel",
        frozenset({ADMIN}),
        302,
        (("reason", "customer asked"),),
    ),
    Route(
        "admin review",
        "admin.review",
        "POST",
        "/admin/orders/{new_order}/review",
        frozenset({ADMIN}),
        302,
        (("note", "checked"),),
    ),
    Route(
        "admin allow early shipping",
        "admin.allow_early_shipping_route",
        "POST",
        "/admin/orders/{preorder}/parcels/{preorder_parcel}/allow-early-shipping",
        frozenset({ADMIN}),
        302,
        (("early-{preorder_parcel}-reason", "leaves the country"),),
    ),
    # The operator side of experiences (sessions, participants, the gate).
    Route("sessions", "producer.sessions", "GET", "/producer/sessions", ANY_STAFF, 200),
    Route(
        "new session form",
        "producer.new_session",
        "GET",
        "/producer/experiences/{experience}/sessions/new",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "new session",
        "producer.new_session",
        "POST",
        "/producer/experiences/{experience}/sessions/new",
        frozenset({OWN_STAFF}),
        302,
        (
            ("kind", "one"),
            ("one-day", "2027-03-01"),
            ("one-start", "07:30"),
            ("one-capacity", "20"),
        ),
    ),
    Route(
        "session detail",
        "producer.session_detail",
        "GET",
        "/producer/sessions/{session}",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "session capacity",
        "producer.session_capacity",
        "POST",
        "/producer/sessions/{session}/capacity",
        frozenset({OWN_STAFF}),
        302,
        (("cap-capacity", "25"),),
    ),
    Route(
        "close session",
        "producer.session_close",
        "POST",
        "/producer/sessions/{session}/close",
        frozenset({OWN_STAFF}),
        302,
    ),
    Route(
        "reopen session",
        "producer.session_reopen",
        "POST",
        "/producer/sessions/{closed_session}/reopen",
        frozenset({OWN_STAFF}),
        302,
    ),
    Route(
        "cancel session",
        "producer.session_cancel",
        "POST",
        "/producer/sessions/{session}/cancel",
        frozenset({OWN_STAFF}),
        302,
        (("cancel-reason", "storm warning"),),
    ),
    Route(
        "refund the remaining bookings",
        "producer.session_refund_remaining",
        "POST",
        "/producer/sessions/{cancelled_session}/refund-remaining",
        frozenset({OWN_STAFF}),
        302,
    ),
    Route(
        "participants",
        "producer.participants",
        "GET",
        "/producer/sessions/{session}/participants",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "participants CSV",
        "producer.participants_csv",
        "GET",
        "/producer/sessions/{session}/participants.csv",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "participants PDF",
        "producer.participants_pdf",
        "GET",
        "/producer/sessions/{session}/participants.pdf",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route("check-in page", "producer.gate", "GET", "/producer/check-in", ANY_STAFF, 200),
    # Harvest lots and their stamps.
    Route("lots", "producer.lots", "GET", "/producer/lots", ANY_STAFF, 200),
    Route(
        "new lot form",
        "producer.new_lot",
        "GET",
        "/producer/products/{product}/lots/new",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "new lot",
        "producer.new_lot",
        "POST",
        "/producer/products/{product}/lots/new",
        frozenset({OWN_STAFF}),
        302,
        (("harvest_date", "2026-11-20"), ("plot", "Thôn Kim Sơn"), ("quantity", "50")),
    ),
    Route(
        "lot stamps",
        "producer.lot_stamps",
        "GET",
        "/producer/lots/{lot}/stamps.pdf",
        frozenset({OWN_STAFF}),
        200,
    ),
    # Monthly statements (each producer's own) and the office's money reports.
    Route("statements", "producer.statements", "GET", "/producer/statements", ANY_STAFF, 200),
    Route(
        "statement PDF",
        "producer.statement",
        "GET",
        "/producer/statements/{year}/{month}.pdf",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "statement CSV",
        "producer.statement",
        "GET",
        "/producer/statements/{year}/{month}.csv?lang=en",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "producer statement (admin)",
        "payouts.producer_statement",
        "GET",
        "/admin/producers/{producer}/statements/{year}/{month}.pdf",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "money reports", "payouts.reports", "GET", "/admin/payouts/reports", frozenset({ADMIN}), 200
    ),
    Route(
        "commission CSV",
        "payouts.commission_csv",
        "GET",
        "/admin/payouts/reports/commission.csv",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "withholding CSV",
        "payouts.withholding_csv",
        "GET",
        "/admin/payouts/reports/withholding.csv?month={year}-{month:02d}",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "payouts CSV",
        "payouts.payouts_csv",
        "GET",
        "/admin/payouts/reports/payouts.csv",
        frozenset({ADMIN}),
        200,
    ),
    # The catalogue side of the portal.
    Route("portal overview", "producer.dashboard", "GET", "/producer/", ANY_STAFF, 200),
    Route("products", "producer.products", "GET", "/producer/products", ANY_STAFF, 200),
    Route("activity", "producer.audit_log", "GET", "/producer/audit", ANY_STAFF, 200),
    Route(
        "new product form", "producer.new_product", "GET", "/producer/products/new", ANY_STAFF, 200
    ),
    Route(
        "product page",
        "producer.product_detail",
        "GET",
        "/producer/products/{product}",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "edit product form",
        "producer.edit_product",
        "GET",
        "/producer/products/{product}/edit",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "edit product",
        "producer.edit_product",
        "POST",
        "/producer/products/{product}/edit",
        frozenset({OWN_STAFF}),
        302,
        (
            ("name_vi", "Vải thiều"),
            ("unit_vi", "hộp 2 kg"),
            ("origin", "Lục Ngạn"),
            ("category_id", "{category}"),
            ("price_vnd", "123000"),
            ("vat_rate", "5"),
            ("weight_g", "2100"),
            ("shipping_class", "ambient"),
        ),
    ),
    Route(
        "pause product",
        "producer.pause_product",
        "POST",
        "/producer/products/{product}/pause",
        frozenset({OWN_STAFF}),
        302,
    ),
    Route(
        "resume product",
        "producer.resume_product",
        "POST",
        "/producer/products/{paused_product}/resume",
        frozenset({OWN_STAFF}),
        302,
    ),
    Route(
        "adjust stock",
        "producer.adjust_product_stock",
        "POST",
        "/producer/products/{product}/stock",
        frozenset({OWN_STAFF}),
        302,
        (("stock-delta", "5"), ("stock-reason", "new harvest")),
    ),
    Route(
        "upload picture",
        "producer.upload_picture",
        "POST",
        "/producer/products/{product}/pictures",
        frozenset({OWN_STAFF}),
        302,
        upload=True,
    ),
    Route(
        "remove picture",
        "producer.delete_picture",
        "POST",
        "/producer/products/{product}/pictures/{product_image}/delete",
        frozenset({OWN_STAFF}),
        302,
    ),
    # The office's remittance imports and ledger adjustments.
    Route(
        "remittances",
        "payouts.remittances",
        "GET",
        "/admin/payouts/remittances",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "upload remittance",
        "payouts.upload_remittance",
        "POST",
        "/admin/payouts/remittances",
        frozenset({ADMIN}),
        302,
        statement=True,
    ),
    Route(
        "remittance",
        "payouts.remittance",
        "GET",
        "/admin/payouts/remittances/{remittance}",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "confirm remittance",
        "payouts.confirm_remittance",
        "POST",
        "/admin/payouts/remittances/{remittance}/confirm",
        frozenset({ADMIN}),
        302,
    ),
    Route(
        "adjustments",
        "payouts.adjustments",
        "GET",
        "/admin/payouts/adjustments",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "new adjustment form",
        "payouts.new_adjustment",
        "GET",
        "/admin/payouts/adjustments/new",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "new adjustment",
        "payouts.new_adjustment",
        "POST",
        "/admin/payouts/adjustments/new",
        frozenset({ADMIN}),
        302,
        (
            ("producer_id", "{producer}"),
            ("amount_vnd", "-50000"),
            ("reason", "phí"),
            ("available_on", "2026-12-01"),
            ("form_token", "matrix-token-0123456789"),
        ),
    ),
    Route(
        "payout detail",
        "payouts.payout_detail",
        "GET",
        "/admin/payouts/{approved_payout}",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "payout batch file",
        "payouts.batch_csv",
        "GET",
        "/admin/payouts/batch.csv",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "bank statement",
        "payouts.bank_statement",
        "GET",
        "/admin/payouts/bank-statement",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "bank statement preview",
        "payouts.bank_statement",
        "POST",
        "/admin/payouts/bank-statement",
        frozenset({ADMIN}),
        200,
        changes=False,
    ),
    Route(
        "bank statement confirm",
        "payouts.confirm_bank_statement",
        "POST",
        "/admin/payouts/bank-statement/confirm",
        frozenset({ADMIN}),
        302,
        data=(("plan", "not-signed"),),
        changes=False,
    ),
    Route(
        "incoming bank transfers",
        "payments.bank_statement",
        "GET",
        "/admin/payments/bank-statement",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "incoming bank transfers preview",
        "payments.bank_statement",
        "POST",
        "/admin/payments/bank-statement",
        frozenset({ADMIN}),
        200,
        changes=False,
    ),
    Route(
        "incoming bank transfers confirm",
        "payments.confirm_bank_statement",
        "POST",
        "/admin/payments/bank-statement/confirm",
        frozenset({ADMIN}),
        302,
        data=(("plan", "not-signed"),),
        changes=False,
    ),
    Route(
        "own bank account",
        "payouts.producer_bank_account",
        "GET",
        "/producer/bank-account",
        ANY_STAFF,
        200,
    ),
    Route(
        "change own bank account",
        "payouts.producer_bank_account",
        "POST",
        "/producer/bank-account",
        ANY_STAFF,
        302,
        data=(
            ("bank_bin", "970418"),
            ("account_number", "1234567890"),
            ("holder_name", "{staff_holder}"),
        ),
    ),
    Route("office home", "admin.home", "GET", "/admin/", OFFICE, 200),
    Route("office audit log", "admin.audit", "GET", "/admin/audit?q=a", OFFICE, 200),
    # The office's reports (every office account, its province's figures only).
    Route("office reports", "admin.reports", "GET", "/admin/reports", OFFICE, 200),
    Route(
        "office report page",
        "admin.report",
        "GET",
        "/admin/reports/sales-by-group?from=2026-01-01&to=2026-12-31",
        OFFICE,
        200,
    ),
    Route(
        "office report CSV",
        "admin.report",
        "GET",
        "/admin/reports/withholding?format=csv",
        OFFICE,
        200,
    ),
    Route(
        "office report XLSX",
        "admin.report",
        "GET",
        "/admin/reports/experiences?format=xlsx",
        OFFICE,
        200,
    ),
    Route(
        "office certificates expiring",
        "admin.certificates",
        "GET",
        "/admin/certificates?within=30",
        OFFICE,
        200,
    ),
    Route("office producers", "admin.producers", "GET", "/admin/producers", OFFICE, 200),
    Route(
        "office producer",
        "admin.producer_detail",
        "GET",
        "/admin/producers/{producer}",
        PROVINCE_OFFICE,
        200,
    ),
    Route(
        "office approves a producer (on sale already: a message)",
        "admin.producer_approve",
        "POST",
        "/admin/producers/{producer}/approve",
        PROVINCE_OFFICE,
        302,
        changes=False,
    ),
    Route(
        "office suspends a producer",
        "admin.producer_suspend",
        "POST",
        "/admin/producers/{producer}/suspend",
        PROVINCE_OFFICE,
        302,
        data=(("reason", "hồ sơ hết hạn"),),
    ),
    Route(
        "office turns listing moderation on",
        "admin.producer_moderation",
        "POST",
        "/admin/producers/{producer}/moderation",
        PROVINCE_OFFICE,
        302,
        data=(("moderated", "on"),),
    ),
    Route(
        "office listings to review",
        "admin.listings",
        "GET",
        "/admin/listings?state=pending",
        OFFICE,
        200,
    ),
    Route(
        "office reviews a listing",
        "admin.listing_review",
        "GET",
        "/admin/listings/{revision}",
        PROVINCE_OFFICE,
        200,
    ),
    Route(
        "office approves a listing",
        "admin.listing_approve",
        "POST",
        "/admin/listings/{revision}/approve",
        PROVINCE_OFFICE,
        302,
    ),
    Route(
        "office rejects a listing",
        "admin.listing_reject",
        "POST",
        "/admin/listings/{revision}/reject",
        PROVINCE_OFFICE,
        302,
        data=(("reason", "ảnh không đúng sản phẩm"),),
    ),
    Route(
        "producer bank account",
        "payouts.verify_producer_bank_account",
        "GET",
        "/admin/producers/{producer}/bank-account",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "verify producer bank account",
        "payouts.verify_producer_bank_account",
        "POST",
        "/admin/producers/{producer}/bank-account",
        frozenset({ADMIN}),
        302,
        data=(
            ("bank_bin", "970436"),
            ("account_number", "0071000888888"),
            ("holder_name", "{holder}"),
        ),
    ),
    # OCOP evaluations: the office of the producer's province (admins: every one); the
    # authorities list is every office's (each adds for its own province).
    Route(
        "evaluation history",
        "admin.evaluation_history",
        "GET",
        "/admin/evaluations/product/{product}",
        PROVINCE_OFFICE,
        200,
    ),
    Route(
        "evaluation form",
        "admin.evaluation_new",
        "GET",
        "/admin/evaluations/experience/{experience}/new",
        PROVINCE_OFFICE,
        200,
    ),
    Route(
        "record an evaluation (2★: no certificate)",
        "admin.evaluation_create",
        "POST",
        "/admin/evaluations/product/{product}/new",
        PROVINCE_OFFICE,
        302,
        data=(
            ("criteria_version", "2023"),
            ("round_name", "2026"),
            ("level", "province"),
            ("evaluated_on", "2026-05-04"),
            ("score_a", "20"),
            ("score_b", "10"),
            ("score_c", "10"),
        ),
    ),
    Route(
        "certificate scan",
        "admin.certificate_scan",
        "GET",
        "/admin/evaluations/certificates/{scanned_certificate}/scan",
        PROVINCE_OFFICE,
        200,
    ),
    Route(
        "certificate scan (the producer's)",
        "producer.certificate_scan",
        "GET",
        "/producer/certificates/{scanned_certificate}/scan",
        frozenset({OWN_STAFF, OWN_ADMIN}),
        200,
        admins=True,
    ),
    Route("authorities", "admin.authorities", "GET", "/admin/authorities", OFFICE, 200),
    Route(
        "add an authority",
        "admin.authority_add",
        "POST",
        "/admin/authorities",
        OFFICE,
        302,
        data=(
            ("name_vi", "UBND tỉnh Thử"),
            ("name_en", "Test committee"),
            ("level", "province"),
            ("valid_from", "2026-01-01"),
            ("province", "24"),  # an admin's choice; an office's own province regardless
        ),
    ),
    Route(
        "authority",
        "admin.authority_edit",
        "GET",
        "/admin/authorities/{authority}",
        PROVINCE_OFFICE,
        200,
    ),
    Route(
        "edit an authority",
        "admin.authority_save",
        "POST",
        "/admin/authorities/{authority}",
        PROVINCE_OFFICE,
        302,
        data=(
            ("name_vi", "UBND tỉnh Bắc Ninh"),
            ("name_en", "People's Committee of Bắc Ninh province"),
            ("level", "province"),
            ("valid_from", "2025-07-01"),
            ("valid_to", "2030-12-31"),
            ("province", "24"),
        ),
    ),
    Route(
        "money", "producer.money", "GET", "/producer/money", ANY_STAFF | ANY_ADMIN, 200, admins=True
    ),
    Route("staff", "producer.staff", "GET", "/producer/staff", ANY_ADMIN, 200, admins=True),
    Route(
        "invite staff",
        "producer.invite",
        "POST",
        "/producer/staff/invite",
        ANY_ADMIN,  # into their own producer's staff
        302,
        (("email", "new-hand@example.com"),),
        admins=True,
    ),
    Route(
        "revoke invitation",
        "producer.revoke_invitation",
        "POST",
        "/producer/staff/invitations/{invitation}/revoke",
        frozenset({OWN_ADMIN}),
        302,
        admins=True,
    ),
    Route(
        "remove staff",
        "producer.remove_staff",
        "POST",
        "/producer/staff/{plain_staff}/remove",
        frozenset({OWN_ADMIN}),
        302,
        admins=True,
    ),
    Route(
        "join staff",
        "producer.join",
        "GET",
        "/producer/join/{invitation_token}",
        SIGNED_IN | ANY_ADMIN,  # the page says whether this account may join
        200,
        admins=True,
    ),
    Route("account", "accounts.profile", "GET", "/account", SIGNED_IN, 200),
    Route("my orders", "checkout.my_orders", "GET", "/account/orders", SIGNED_IN, 200),
    Route("password", "accounts.change_password", "GET", "/account/password", SIGNED_IN, 200),
    Route("payouts", "payouts.drafts", "GET", "/admin/payouts", frozenset({ADMIN}), 200),
    Route(
        "sent payouts",
        "payouts.drafts",
        "GET",
        "/admin/payouts?status=sent",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "approve payout",
        "payouts.approve",
        "POST",
        "/admin/payouts/{draft_payout}/approve",
        frozenset({ADMIN}),
        302,
    ),
    Route(
        "send payout",
        "payouts.send",
        "POST",
        "/admin/payouts/{approved_payout}/send",
        frozenset({ADMIN}),
        302,
    ),
    Route(
        "mark payout paid",
        "payouts.mark_paid_route",
        "POST",
        "/admin/payouts/{sent_payout}/mark-paid",
        frozenset({ADMIN}),
        302,
        (("reference", "VCB 123456"),),
    ),
    Route(
        "mark payout failed",
        "payouts.mark_failed_route",
        "POST",
        "/admin/payouts/{sent_payout}/mark-failed",
        frozenset({ADMIN}),
        302,
        (("reason", "account closed"),),
    ),
    # VAT invoices: the producer issues its parcel's; its staff and the office download it.
    Route(
        "issue VAT invoice",
        "invoicing.issue",
        "POST",
        "/producer/orders/{shipped_parcel}/invoice",
        frozenset({OWN_STAFF}),
        302,
    ),
    Route(
        "VAT invoice XML (producer)",
        "invoicing.producer_invoice_xml",
        "GET",
        "/producer/orders/{invoiced_parcel}/invoice.xml",
        frozenset({OWN_STAFF}),
        200,
    ),
    Route(
        "VAT invoice retry (admin)",
        "invoicing.admin_retry",
        "POST",
        "/admin/invoices/{unissued_parcel}/retry",
        frozenset({ADMIN}),
        302,
    ),
    Route(
        "VAT invoice XML (admin)",
        "invoicing.admin_invoice_xml",
        "GET",
        "/admin/invoices/{invoiced_parcel}.xml",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "stripe account",
        "payouts.stripe_account",
        "GET",
        "/admin/producers/{producer}/stripe-account",
        frozenset({ADMIN}),
        200,
    ),
    Route(
        "set stripe account",
        "payouts.stripe_account",
        "POST",
        "/admin/producers/{producer}/stripe-account",
        frozenset({ADMIN}),
        302,
        (("account_id", "acct_1Abc2Def"),),
    ),
    # Organisations (agencies and companies): each member sees only their own organisation.
    Route(
        "register organisation",
        "agencies.register",
        "GET",
        "/agency/register",
        frozenset({CUSTOMER}),
        200,
    ),
    Route(
        "register organisation (send)",
        "agencies.register",
        "POST",
        "/agency/register",
        frozenset({CUSTOMER}),
        302,
        ORG_FORM,
    ),
    Route(
        "organisation home",
        "agencies.home",
        "GET",
        "/agency",
        frozenset(MEMBERS),
        200,
        members=True,
    ),
    Route(
        "edit organisation form",
        "agencies.edit",
        "GET",
        "/agency/edit",
        ANY_APPROVER,
        200,
        members=True,
    ),
    Route(
        "edit organisation",
        "agencies.edit",
        "POST",
        "/agency/edit",
        ANY_APPROVER,  # each their own organisation
        302,
        (*ORG_FORM[1:], ("tax_code", "0100009999")),
        members=True,
    ),
    Route(
        "new department form",
        "agencies.new_billing_entity",
        "GET",
        "/agency/billing/new",
        ANY_APPROVER,
        200,
        members=True,
    ),
    Route(
        "new department",
        "agencies.new_billing_entity",
        "POST",
        "/agency/billing/new",
        ANY_APPROVER,
        302,
        (*ORG_FORM, ("name", "Phòng Kế toán")),
        members=True,
    ),
    Route(
        "department",
        "agencies.edit_billing_entity",
        "GET",
        "/agency/billing/{billing_entity}",
        frozenset({OWN_APPROVER}),
        200,
        members=True,
    ),
    Route(
        "edit department",
        "agencies.edit_billing_entity",
        "POST",
        "/agency/billing/{billing_entity}",
        frozenset({OWN_APPROVER}),
        302,
        (*ORG_FORM, ("name", "Văn phòng")),
        members=True,
    ),
    Route(
        "invite member",
        "agencies.invite",
        "POST",
        "/agency/members/invite",
        ANY_APPROVER,
        302,
        (("email", "new-buyer@example.com"), ("role", "buyer")),
        members=True,
    ),
    Route(
        "revoke organisation invitation",
        "agencies.revoke_invitation",
        "POST",
        "/agency/invitations/{org_invitation}/revoke",
        frozenset({OWN_APPROVER}),
        302,
        members=True,
    ),
    Route(
        "remove member",
        "agencies.remove_member",
        "POST",
        "/agency/members/{org_buyer}/remove",
        frozenset({OWN_APPROVER}),
        302,
        members=True,
    ),
    Route(
        "change member role",
        "agencies.change_role",
        "POST",
        "/agency/members/{org_buyer}/role",
        frozenset({OWN_APPROVER}),
        302,
        (("role", "accountant"),),
        members=True,
    ),
    Route(
        "join organisation",
        "agencies.join",
        "GET",
        "/agency/join/{org_invitation_token}",
        SIGNED_IN | frozenset(MEMBERS),  # the page says whether this account may join
        200,
        members=True,
    ),
    Route(
        "sign-offs",
        "agencies.approvals_page",
        "GET",
        "/agency/approvals",
        ANY_APPROVER,
        200,
        members=True,
    ),
    Route(
        "approve",
        "agencies.decide",
        "POST",
        "/agency/approvals/{approval}/approve",
        frozenset({OWN_APPROVER}),
        302,
        members=True,
    ),
    # Gift batches: the buyer creates, every member follows, the office may look.
    Route(
        "gift batches",
        "gift_batches.batches",
        "GET",
        "/agency/batches",
        frozenset(MEMBERS),
        200,
        members=True,
    ),
    Route(
        "new gift batch form",
        "gift_batches.new_batch",
        "GET",
        "/agency/batches/new",
        frozenset({OWN_BUYER}),
        200,
        members=True,
    ),
    Route(
        "gift batch",
        "gift_batches.batch",
        "GET",
        "/agency/batches/{gift_batch}",
        frozenset({OWN_APPROVER, OWN_BUYER, ADMIN}),
        200,
        members=True,
    ),
    Route(
        "gift batch progress",
        "gift_batches.progress",
        "GET",
        "/agency/batches/{gift_batch}/progress.json",
        frozenset({OWN_APPROVER, OWN_BUYER, ADMIN}),
        200,
        members=True,
    ),
    Route(
        "gift batch tracking",
        "gift_batches.tracking_csv",
        "GET",
        "/agency/batches/{gift_batch}/tracking.csv",
        frozenset({OWN_APPROVER, OWN_BUYER, ADMIN}),
        200,
        members=True,
    ),
    Route(
        "cancel gift batch",
        "gift_batches.cancel",
        "POST",
        "/agency/batches/{gift_batch}/cancel",
        frozenset({OWN_BUYER}),
        302,
        members=True,
    ),
    Route(
        "start gift batch",
        "gift_batches.start",
        "POST",
        "/agency/batches/{gift_batch}/start",
        frozenset({OWN_BUYER}),
        302,
        members=True,
    ),
    # Every member of the organisation may pay a batch's unpaid orders by card (the demo
    # provider here: it opens a payment for the child order); the office only looks.
    Route(
        "pay gift batch by card",
        "gift_batches.pay_by_card",
        "POST",
        "/agency/batches/{unpaid_batch}/pay-by-card",
        frozenset({OWN_APPROVER, OWN_BUYER}),
        302,
        members=True,
    ),
    # A recipient link: public, the token is the key (a wrong one is a 404, see
    # tests/batches/test_links.py).
    Route(
        "gift recipient link",
        "gift_batches.claim",
        "GET",
        "/gifts/{gift_link_token}",
        frozenset(VISITORS) | frozenset(MEMBERS),
        200,
        members=True,
        public=True,
    ),
    Route(
        "claim gift recipient link",
        "gift_batches.claim_post",
        "POST",
        "/gifts/{gift_link_token}",
        frozenset(VISITORS) | frozenset(MEMBERS),
        302,
        (
            ("recipient_name", "Trần Thị Hoa"),
            ("phone", "0987654321"),
            ("province", "24"),
            ("commune", "Phường Kinh Bắc"),
            ("street", "5 Nguyễn Trãi"),
        ),
        members=True,
        public=True,
    ),
    Route(
        "request a quote",
        "quotes.request_quote",
        "POST",
        "/agency/batches/{gift_batch}/quote",
        frozenset({OWN_BUYER}),
        302,
        data=(("po_number", "PO-1"),),
        members=True,
    ),
    Route(
        "accept a quote",
        "quotes.accept",
        "POST",
        "/agency/quotes/{quote}/accept",
        frozenset({OWN_BUYER, OWN_APPROVER}),
        302,
        members=True,
    ),
    Route(
        "decline a quote",
        "quotes.decline",
        "POST",
        "/agency/quotes/{quote}/decline",
        frozenset({OWN_BUYER, OWN_APPROVER}),
        302,
        members=True,
    ),
    Route(
        "quote pdf",
        "quotes.pdf",
        "GET",
        "/agency/quotes/{quote}/quote.pdf",
        frozenset({OWN_BUYER, OWN_APPROVER, ADMIN}),
        200,
        members=True,
    ),
    Route("quotes", "quotes.admin_list", "GET", "/admin/quotes", frozenset({ADMIN}), 200),
    Route(
        "quote (office)",
        "quotes.admin_detail",
        "GET",
        "/admin/quotes/{quote}",
        frozenset({ADMIN}),
        200,
        members=True,
    ),
    Route(
        "send a quote",
        "quotes.admin_send",
        "POST",
        "/admin/quotes/{requested_quote}/send",
        frozenset({ADMIN}),
        302,
        data=(("delivery_vnd", "30000"), ("discount_vnd", "0"), ("valid_until", "2030-01-31")),
        members=True,
    ),
    Route(
        "organisations",
        "agencies.admin_list",
        "GET",
        "/admin/organisations",
        frozenset({ADMIN}),
        200,
        members=True,
    ),
    Route(
        "organisation (office)",
        "agencies.admin_detail",
        "GET",
        "/admin/organisations/{organisation}",
        frozenset({ADMIN}),
        200,
        members=True,
    ),
    Route(
        "verify organisation",
        "agencies.admin_verify",
        "POST",
        "/admin/organisations/{organisation}/verify",
        frozenset({ADMIN}),
        302,
        members=True,
    ),
    Route(
        "organisation terms",
        "agencies.admin_terms",
        "POST",
        "/admin/organisations/{organisation}/terms",
        frozenset({ADMIN}),
        302,
        (("payment_terms_days", "0"), ("approval_threshold_vnd", "1000000")),
        members=True,
    ),
]

# The public JSON API (/api/v1) and its document: no sign-in, the same answer for every visitor;
# the order status needs the order's token, as its page does (a wrong one is a 404, see
# tests/api/test_api.py).
API_ROUTES = [
    Route(name, endpoint, "GET", path, frozenset(VISITORS), 200, public=True)
    for name, endpoint, path in (
        ("api document", "openapi.spec", "/api/v1/openapi.json"),
        ("api docs page", "api_docs.docs", "/api/v1/docs"),
        ("api products", "api.products", "/api/v1/products"),
        ("api product", "api.product", "/api/v1/products/{product_slug}"),
        ("api producers", "api.producers", "/api/v1/producers"),
        ("api producer", "api.producer", "/api/v1/producers/{producer_slug}"),
        ("api experiences", "api.experiences", "/api/v1/experiences"),
        ("api experience", "api.experience", "/api/v1/experiences/{experience_slug}"),
        (
            "api availability",
            "api.availability",
            "/api/v1/experiences/{experience_slug}/availability"
            "?localDateStart=2026-12-01&localDateEnd=2026-12-31",
        ),
        ("api certificate", "api.certificate", "/api/v1/certificates/{certificate_number}"),
        ("api order status", "api.order_status", "/api/v1/orders/{new_order}?token={new_token}"),
    )
]
# The partners' operations: a partner's API key opens them, never a signed-in session, so every
# visitor (an admin included) gets 401 invalid_api_key, even for a real booking (the world's),
# and nothing changes.
API_ROUTES += [
    Route(name, endpoint, method, path, frozenset(VISITORS), 401, changes=False, public=True)
    for name, endpoint, method, path in (
        ("api hold", "api.create_booking", "POST", "/api/v1/bookings"),
        ("api booking", "api.get_booking", "GET", "/api/v1/bookings/{partner_booking}"),
        (
            "api confirm",
            "api.confirm_booking",
            "POST",
            "/api/v1/bookings/{partner_booking}/confirm",
        ),
        ("api release", "api.release_booking", "POST", "/api/v1/bookings/{partner_booking}/cancel"),
    )
]
ROUTES += API_ROUTES


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 150), (30, 120, 60)).save(out, "PNG")
    return out.getvalue()


def _paid(order: Order) -> Order:
    payment = start_attempt(order)
    payment_succeeded(payment, amount_vnd=order.total_vnd, currency="vnd", actor="test")
    db.session.refresh(order)
    return order


def _payouts(producer_id: int) -> tuple[int, int, int]:
    """A draft, an approved and a sent bank-transfer payout of the producer (one run each)."""
    approver = gen_user("admin")
    ids = []
    for day, status in enumerate(("draft", "approved", "sent"), start=1):
        run = PayoutRun(key=f"matrix-{day}", run_on=date(2026, 12, day))
        db.session.add(run)
        db.session.flush()
        payout = Payout(
            run_id=run.id,
            producer_id=producer_id,
            amount_vnd=300_000,
            status=status,
            provider="bank_transfer",
            approved_by_id=None if status == "draft" else approver.id,
        )
        db.session.add(payout)
        db.session.flush()
        ids.append(payout.id)
    return ids[0], ids[1], ids[2]


def build_world(visitor: str) -> dict:
    """Three paid orders of one producer (parcels new / confirmed / shipped; the first flagged
    for review, with a pending refund of one item), and the visitor's account."""
    producer = gen_producer(province_code=BAC_NINH)
    product = gen_product(producer=producer, price_vnd=100_000, stock=20)
    now = datetime.now(UTC)
    new, confirmed, shipped = (_paid(gen_order([(product, 2)])) for _ in range(3))
    save_invoice_data(shipped, INVOICE_DATA)  # its buyer asked for a VAT invoice
    confirm_producer_order(confirmed.producer_orders[0], user_id=None)
    confirm_producer_order(shipped.producer_orders[0], user_id=None)
    ship_producer_order(
        shipped.producer_orders[0], carrier="GHN", tracking_number="1", user_id=None, now=now
    )
    flag_for_review(new, "amount to check")
    # The shipped parcel's buyer asked for a VAT invoice; another shipped parcel has one issued.
    invoiced = _paid(gen_order([(product, 1)]))
    save_invoice_data(invoiced, INVOICE_DATA)
    confirm_producer_order(invoiced.producer_orders[0], user_id=None)
    ship_producer_order(
        invoiced.producer_orders[0], carrier="GHN", tracking_number="2", user_id=None, now=now
    )
    request_invoice(invoiced.producer_orders[0].id, today=now.date(), user_id=None)
    lychee = gen_product(
        producer=producer, preorder=True, preorder_ships_from=date(2027, 6, 5), preorder_cap=9
    )
    preorder = _paid(gen_order([(lychee, 1)]))
    pending = record_refund(new, lines={new.lines[0].id: 1}, reason="one broken", admin_id=None)
    # An order paid by bank transfer with a refund waiting to be paid back by transfer, and a
    # shipped parcel whose VAT invoice the e-invoice service failed to issue.
    by_transfer = gen_order([(product, 1)], method="bank_transfer")
    record_transfer(
        by_transfer.id,
        StatementRow(2, now.date(), CREDIT, by_transfer.total_vnd, "x", "FT-MATRIX"),
        admin_id=None,
    )
    transfer_refund = record_refund(
        by_transfer,
        lines=None,
        reason="damaged",
        admin_id=None,
        payee=Payee(bank_bin="970416", account="0123456789", holder="NGUYEN VAN AN"),
    )
    api_key = create_key(
        name="Website",
        partner_name="Du lịch Xanh",
        contact_email="api@dulichxanh.example",
        rate_limit_per_minute=60,
        created_by_id=None,
        now=now,
    ).api_key
    # A partner's hold, on an experience of its own.
    partner_experience = gen_experience()
    partner_booking = hold(
        api_key,
        HoldRequest(
            session_id=gen_session(partner_experience, starts_at=now + timedelta(days=20)).id,
            units={unit(partner_experience, "adult").id: 1},
            lead_name="Jane Doe",
            email="jane@example.com",
            phone="+33612345678",
        ),
        rules=order_rules(),
        now=now,
    )
    unissued = _paid(gen_order([(product, 1)]))
    save_invoice_data(unissued, INVOICE_DATA)
    confirm_producer_order(unissued.producer_orders[0], user_id=None)
    ship_producer_order(
        unissued.producer_orders[0], carrier="GHN", tracking_number="3", user_id=None, now=now
    )
    db.session.add(
        InvoiceRequest(
            producer_order_id=unissued.producer_orders[0].id,
            producer_id=producer.id,
            series="C26TOC",
            number=90,
            invoice_date=now.date(),
            status="failed",
            attempts=5,
            last_error="HTTP 503",
        )
    )
    # An experience of the producer: an open session with a paid booking, a closed one and a
    # cancelled one whose booking still waits for its refund.
    experience = gen_experience(producer=producer)
    start = now + timedelta(days=20)
    session = gen_session(experience, starts_at=start, capacity=20)
    closed = gen_session(experience, starts_at=start + timedelta(days=1), status="closed")
    cancelled = gen_session(experience, starts_at=start + timedelta(days=2))
    _paid(gen_booking_order([(session, unit(experience, "adult"), 2)], now=now))
    _paid(gen_booking_order([(cancelled, unit(experience, "adult"), 1)], now=now))
    cancelled.status, cancelled.cancel_reason = "cancelled", "storm"
    lot = gen_lot(product)
    paused = gen_product(producer=producer, active=False)
    # The issuing authorities (as migration 0036 seeds them) and a certificate with its scan.
    seed_authorities()
    scan_name = write_scan(b"%PDF-1.4\n%%EOF\n", new_name(".pdf"), current_app.config["SCAN_DIR"])
    scanned_product = gen_product(producer=producer)
    scanned = gen_certificate(
        scanned_product, decision_date=date(2025, 1, 10), scan_file=scan_name.name
    )
    # A change to another of its products waiting for the office's review.
    revision = submit_change(
        gen_product(producer=producer), {"name_vi": "Tên chờ duyệt"}, actor_id=None
    )
    # Payouts: a draft, an approved and a sent one; the producer's bank details, entered by
    # its staff and not yet verified.
    draft_payout, approved_payout, sent_payout = _payouts(producer.id)
    holder = holder_form(producer.name)
    db.session.add(
        ProducerBankAccount(
            producer_id=producer.id,
            bank_bin="970436",
            account_number="0071000888888",
            holder_name=holder,
        )  # fmt: skip
    )
    remittance = remittances.preview(
        remittances.read_file(f"order reference,amount\n{new.reference},1000\n".encode()),
        file_name="ghn.csv",
        admin_id=None,
        now=now,
    )
    # The producer's staff: its admin, a plain member, and an invitation waiting.
    boss = gen_user("producer_staff", producer_id=producer.id, producer_admin=True)
    plain_staff = gen_user("producer_staff", producer_id=producer.id)
    invitation = ProducerInvitation(
        producer_id=producer.id, email="invitee@example.com", invited_by_id=boss.id
    )
    db.session.add(invitation)
    db.session.flush()
    # An organisation: its approver, a buyer, a department, a waiting invitation and a request
    # for a sign-off (the buyer's).
    db.session.commit()
    org_boss = gen_user("customer")
    organisation = gen_organisation(org_boss, threshold=1_000_000)
    org_buyer = add_member(organisation, "buyer")
    org_invitation = OrganisationInvitation(
        organisation_id=organisation.id, email="joiner@example.com", role="buyer"
    )
    db.session.add(org_invitation)
    db.session.flush()
    approval = request_approval(organisation.id, "quote", 1, 2_000_000, org_buyer.id)
    gift_batch = _gift_batch(organisation.id, org_buyer.id, product)
    gift_link = _gift_link(organisation.id, org_buyer.id, product)
    unpaid_batch = _unpaid_batch(organisation.id, org_buyer.id, product)
    # Two more batches: one with a quote the office sent, one with a quote requested.
    quote = _quote(_gift_batch(organisation.id, org_buyer.id, product), org_buyer.id, send=True)
    requested_quote = _quote(_gift_batch(organisation.id, org_buyer.id, product), org_buyer.id)
    user = None
    if visitor == CUSTOMER:
        user = gen_user("customer")
    elif visitor == OTHER_STAFF:
        user = gen_user("producer_staff")
    elif visitor == OWN_STAFF:
        user = gen_user("producer_staff", producer_id=producer.id)
    elif visitor == ADMIN:
        user = gen_user("admin")
    elif visitor == OWN_OFFICE:
        user = gen_user("ocop_office", province_code=BAC_NINH)
    elif visitor == OTHER_OFFICE:
        user = gen_user("ocop_office", province_code=THAI_NGUYEN)
    elif visitor == OWN_ADMIN:
        user = gen_user("producer_staff", producer_id=producer.id, producer_admin=True)
    elif visitor == OTHER_ADMIN:
        user = gen_user("producer_staff", producer_admin=True)
    elif visitor == OWN_APPROVER:
        user = add_member(organisation, "approver")
    elif visitor == OWN_BUYER:
        user = add_member(organisation, "buyer")
    elif visitor == OTHER_APPROVER:
        user = gen_user("customer")
        gen_organisation(user)
    db.session.commit()
    certificate = gen_certificate(product, decision_date=local_today() - timedelta(days=30))
    db.session.commit()
    return {
        "user": user,
        "new_order": new.reference,
        "new_token": new.access_token,
        "product_slug": product.slug,
        "producer_slug": producer.slug,
        "experience_slug": experience.slug,
        "certificate_number": certificate.certificate_number,
        "new_parcel": new.producer_orders[0].id,
        "confirmed_parcel": confirmed.producer_orders[0].id,
        "shipped_parcel": shipped.producer_orders[0].id,
        "invoiced_parcel": invoiced.producer_orders[0].id,
        "pending_refund": pending.id,
        "transfer_order": by_transfer.reference,
        "transfer_refund": transfer_refund.id,
        "unissued_parcel": unissued.producer_orders[0].id,
        "preorder": preorder.reference,
        "preorder_parcel": preorder.producer_orders[0].id,
        "experience": experience.id,
        "session": session.id,
        "closed_session": closed.id,
        "holder": holder,
        "staff_holder": holder_form(db.session.get(Producer, user.producer_id).name)
        if user is not None and user.producer_id
        else "",
        "cancelled_session": cancelled.id,
        "lot": lot.id,
        "product": product.id,
        "scanned_certificate": scanned.id,
        "authority": db.session.scalar(
            select(IssuingAuthority.id).where(IssuingAuthority.name_vi == "UBND tỉnh Bắc Ninh")
        ),
        "product_image": product.images[0].id,
        "paused_product": paused.id,
        "revision": revision.id,
        "category": product.category_id,
        "remittance": remittance.id,
        "api_key": api_key.id,
        "partner_booking": partner_booking.public_id,
        "producer": producer.id,
        "draft_payout": draft_payout,
        "approved_payout": approved_payout,
        "sent_payout": sent_payout,
        "invitation": invitation.id,
        "invitation_token": invitation_token(invitation),
        "plain_staff": plain_staff.id,
        "organisation": organisation.id,
        "organisation_name": organisation.legal_name,
        "billing_entity": services.billing_entities(organisation.id)[0].id,
        "org_buyer": org_buyer.id,
        "org_invitation": org_invitation.id,
        "org_invitation_token": org_invitation_token(org_invitation),
        "approval": approval.id,
        "gift_batch": gift_batch.id,
        "unpaid_batch": unpaid_batch.id,
        "gift_link_token": link_token(gift_link),
        "quote": quote.id,
        "requested_quote": requested_quote.id,
        # The local month of the ledger entries the paid orders wrote.
        "year": datetime.now(LOCAL_TZ).year,
        "month": datetime.now(LOCAL_TZ).month,
    }


# Each visitor's world as rows, per backend, read back after its first building in this worker:
# the matrix's thousand cases insert them instead of building the world again (seconds each).
_WORLDS: dict[tuple[str, str], tuple[float, list, dict]] = {}
# A world's orders, sessions and signed links are dated when it is built: rebuilt after this.
WORLD_MAX_AGE_SECONDS = 600


def world_for(visitor: str) -> dict:
    key = (db.engine.dialect.name, visitor)
    cached = _WORLDS.get(key)
    empty = database_is_empty()
    if cached and empty and time.monotonic() - cached[0] < WORLD_MAX_AGE_SECONDS:
        _built, rows, world = cached
        insert_rows(rows)
        user = world["user"]
        return {**world, "user": db.session.get(User, user) if user is not None else None}
    world = build_world(visitor)
    if empty:
        user = world["user"]
        saved = {**world, "user": user.id if user is not None else None}
        _WORLDS[key] = (time.monotonic(), table_rows(), saved)
    return world


def _gift_batch(organisation_id: int, buyer_id: int, product: Product) -> GiftBatch:
    """A draft batch of one recipient of a small gift set (below the sign-off threshold)."""
    from shop.batches.recipients import validate_table
    from tests.giftsets.factories import gen_gift_set

    gift = gen_gift_set([(product, 1)], tiers=[(1, 10_000)], price_vnd=10_000)
    result = validate_table(
        [["name", "phone", "province", "commune", "street", "gift_set"],
         ["Chị Lan", "0912345678", "Bắc Ninh", "Phường Kinh Bắc", "1 Lý Thái Tổ", gift.slug]],
        today=local_today(), gift_set_lookup=lookup_gift_set,
    )  # fmt: skip
    assert result.ok, result.errors
    return save_draft(organisation_id, buyer_id, result.rows)


def _gift_link(organisation_id: int, buyer_id: int, product: Product) -> GiftBatchRecipient:
    """A started batch whose one recipient chooses the address: its link waits."""
    from shop.batches.recipients import validate_table
    from tests.giftsets.factories import gen_gift_set

    gift = gen_gift_set([(product, 1)], tiers=[(1, 10_000)], price_vnd=10_000)
    result = validate_table(
        [["name", "phone", "email", "province", "commune", "street", "gift_set", "link"],
         ["Chị Hoa", "", "hoa@example.vn", "", "", "", gift.slug, "x"]],
        today=local_today(), gift_set_lookup=lookup_gift_set,
    )  # fmt: skip
    assert result.ok, result.errors
    batch = save_draft(
        organisation_id, buyer_id, result.rows, claim_by=local_today() + timedelta(days=14)
    )
    batch.status = "claiming"
    db.session.flush()
    return batch.recipients[0]


def _unpaid_batch(organisation_id: int, buyer_id: int, product: Product) -> GiftBatch:
    """A created batch whose one child order waits for the transfer (or a card payment)."""
    batch = _gift_batch(organisation_id, buyer_id, product)
    batch.status = "created"
    gen_order(
        [(product, 1)],
        method="bank_transfer",
        now=datetime.now(UTC),
        user_id=buyer_id,
        batch_id=batch.id,
    )
    return batch


def _quote(batch: GiftBatch, buyer_id: int, *, send: bool = False) -> Quote:
    from shop.batches.services import preview
    from shop.db import utcnow
    from shop.quotes import services as quotes

    now = utcnow()
    found = preview(batch, today=local_today(), now=now)
    quote = quotes.request_quote(batch, buyer_id, found, po_number=None, now=now)
    if send:
        quotes.send(
            quote, gen_user("admin").id, delivery_vnd=quote.delivery_vnd, discount_vnd=0,
            valid_until=local_today() + timedelta(days=14), now=now,
        )  # fmt: skip
    return quote


def snapshot() -> tuple:
    """Everything a protected POST could change."""
    db.session.expire_all()

    def rows(*columns):
        return tuple(db.session.execute(select(*columns).order_by(columns[0])).all())

    return (
        rows(
            Order.id,
            Order.status,
            Order.paid_vnd,
            Order.refunded_vnd,
            Order.needs_review,
            Order.review_reason,
        ),
        rows(
            ProducerOrder.id,
            ProducerOrder.status,
            ProducerOrder.carrier,
            ProducerOrder.may_ship_early,
        ),
        rows(OrderLine.id, OrderLine.refunded_quantity, OrderLine.lot_id),
        rows(Lot.id, Lot.product_id),
        rows(OrderEvent.id),
        rows(Payment.id, Payment.status),
        rows(Refund.id, Refund.status, Refund.amount_vnd),
        rows(Product.id, Product.stock),
        rows(
            ExperienceSession.id,
            ExperienceSession.status,
            ExperienceSession.capacity,
            ExperienceSession.seats_taken,
        ),
        rows(Booking.id, Booking.status, Booking.session_id),
        rows(Product.id, Product.active, Product.price_vnd, Product.name_vi),
        rows(ProductImage.id),
        rows(StockAdjustment.id),
        rows(AuditLog.id),
        rows(Remittance.id, Remittance.status),
        rows(LedgerAdjustment.id),
        rows(Payout.id, Payout.status, Payout.provider_reference),
        rows(Producer.id, Producer.stripe_account_id),
        rows(
            ProducerBankAccount.id,
            ProducerBankAccount.bank_bin,
            ProducerBankAccount.verified_at,
        ),
        rows(User.id, User.role, User.producer_id, User.producer_admin),
        rows(IssuedInvoice.id),
        rows(InvoiceRequest.id, InvoiceRequest.status),
        rows(
            Refund.id,
            Refund.status,
            Refund.provider_reference,
            Refund.payee_account,
        ),
        rows(ProducerInvitation.id, ProducerInvitation.accepted_at, ProducerInvitation.revoked_at),
        rows(
            Organisation.id,
            Organisation.legal_name,
            Organisation.verified_at,
            Organisation.approval_threshold_vnd,
        ),
        rows(BillingEntity.id, BillingEntity.name),
        rows(OrganisationMember.id, OrganisationMember.role),
        rows(
            OrganisationInvitation.id,
            OrganisationInvitation.accepted_at,
            OrganisationInvitation.revoked_at,
        ),
        rows(ApprovalRequest.id, ApprovalRequest.status),
        rows(GiftBatch.id, GiftBatch.status),
        rows(GiftBatchRecipient.id, GiftBatchRecipient.status),
        rows(Quote.id, Quote.status),
        rows(Evaluation.id),
        rows(OcopCertificate.id, OcopCertificate.status),
        rows(IssuingAuthority.id, IssuingAuthority.valid_to, IssuingAuthority.name_en),
        rows(ApiKey.id, ApiKey.revoked_at),
        rows(ListingRevision.id, ListingRevision.status),
        rows(Producer.id, Producer.moderated),
        rows(Product.id, Product.review_status),
    )


CASES = (
    [(route, visitor) for route in ROUTES for visitor in VISITORS]
    + [(route, visitor) for route in ROUTES if route.admins for visitor in (OWN_ADMIN, OTHER_ADMIN)]
    + [(route, visitor) for route in ROUTES if route.members for visitor in MEMBERS]
)


@pytest.mark.parametrize(
    ("route", "visitor"), CASES, ids=[f"{route.name}-{visitor}" for route, visitor in CASES]
)
def test_authorization_matrix(client, route: Route, visitor: str):
    world = world_for(visitor)
    if world["user"] is not None:
        assert sign_in(client, world["user"].email, DEFAULT_PASSWORD).status_code == 302
    path = route.path.format(**world)
    before = snapshot()

    if route.method == "GET":
        response = client.get(path)
    else:
        token = csrf_token(client, "/account/login")  # a form every visitor can reach
        data = {key.format(**world): value.format(**world) for key, value in route.data}
        if route.upload:
            data["picture-picture"] = (io.BytesIO(_png()), "photo.png", "image/png")
        if route.statement:
            csv = f"Mã đơn hàng,Tiền thu hộ\n{world['new_order']},200000\n".encode()
            data["file"] = (io.BytesIO(csv), "ghtk.csv", "text/csv")
        response = client.post(path, data={"csrf_token": token, **data})

    if visitor == ANONYMOUS and not route.public:
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/account/login"
        assert parse_qs(location.query)["next"] == [path]
    elif visitor in route.allowed:
        assert response.status_code == route.ok, response.get_data(as_text=True)[:2000]
        if route.endpoint == "producer.orders":
            shown = world["new_order"] in response.get_data(as_text=True)
            assert shown is (visitor == OWN_STAFF)  # each producer sees only its own parcels
        if route.endpoint == "payouts.producer_bank_account" and route.method == "GET":
            shown = "0071000888888" in response.get_data(as_text=True)
            assert shown is (visitor == OWN_STAFF)  # each producer sees only its own account
        if route.endpoint in ("admin.producers", "admin.certificates"):
            shown = f'/admin/producers/{world["producer"]}"' in response.get_data(as_text=True)
            if route.endpoint == "admin.producers":
                assert shown is (visitor in PROVINCE_OFFICE)  # an office sees its province only
        if route.endpoint == "admin.listings":
            shown = f'/admin/listings/{world["revision"]}"' in response.get_data(as_text=True)
            assert shown is (visitor in PROVINCE_OFFICE)  # an office reviews its province only
        if route.endpoint == "producer.products":
            shown = f'/producer/products/{world["product"]}"' in response.get_data(as_text=True)
            assert shown is (visitor == OWN_STAFF)  # each producer sees only its own products
        if route.method == "GET" and route.endpoint in (
            "agencies.home",
            "agencies.approvals_page",
            "agencies.edit",
        ):
            shown = world["organisation_name"] in response.get_data(as_text=True)
            assert shown is (visitor in (OWN_APPROVER, OWN_BUYER))  # never another's organisation
        if route.method == "POST" and route.changes:
            assert snapshot() != before  # the allowed action did something
            if route.ok == 302:
                assert "/account/login" not in response.headers["Location"]
    else:
        assert response.status_code == 404

    if route.method == "POST" and (
        (visitor == ANONYMOUS and not route.public) or visitor not in route.allowed
    ):
        assert snapshot() == before


# Every other route of the app, by why it needs no role: the shop's public pages, the cart and
# checkout of the visitor's own session, pages opened by a secret in the URL (an order's or a
# ticket's reference and token, a reset link), and machine endpoints with their own check (the
# webhook's signature). A route of the URL map that is in neither list fails the test below, so
# a new route cannot escape the matrix.
OPEN_ENDPOINTS = {
    # public pages and files
    "catalog.home", "catalog.product_list", "catalog.product_detail", "catalog.producer_list",
    "catalog.producer_detail", "catalog.sitemap", "bundles.bundle_list", "bundles.bundle_detail",
    "bundles.gift_sets", "bundles.gift_set_builder", "tourism.experience_list",
    "tourism.experience_detail", "programme.page", "programme.open_data", "verify.form",
    "verify.certificate", "lots.trace", "site.delivery_policy", "site.returns_policy",
    "site.healthz", "site.robots", "static", "media.file", "addresses.communes",
    "batches.template_csv", "batches.template_xlsx",
    # signing in and out, registering, resetting a password (by its signed link)
    "accounts.login", "accounts.logout", "accounts.register", "accounts.reset_request",
    "accounts.reset_sent", "accounts.reset_password",
    # the visitor's own cart and checkout (the session's cart)
    "cart.show", "cart.add", "cart.add_bundle_to_cart", "cart.add_seats_to_cart",
    "cart.prices_seen", "cart.update", "cart.remove", "cart.remove_seats", "checkout.start",
    "checkout.find_commune",
    # an order's pages: its buyer, or anyone holding its reference and the order's token
    "checkout.order_detail", "checkout.pay_again", "checkout.restore_cart",
    "checkout.cancel_booking_by_tourist", "checkout.move_booking_by_tourist",
    "invoicing.invoice_data", "invoicing.proforma", "invoicing.buyer_invoice_xml",
    "payments.demo_payment", "tickets.ticket", "tickets.ticket_pdf",
    # the payment provider's webhook (its signature is checked, tests/payments)
    "payments.stripe_webhook",
}  # fmt: skip


def test_every_route_of_the_app_is_in_the_matrix_or_said_open(app):
    """A new route fails here until it has its rows in the matrix or is said open above."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    matrix = {route.endpoint for route in ROUTES}
    assert endpoints - matrix - OPEN_ENDPOINTS == set()
    assert OPEN_ENDPOINTS - endpoints == set()  # no stale name
    assert OPEN_ENDPOINTS & {route.endpoint for route in ROUTES if not route.public} == set()


# Back-office pages of other blueprints tested in their own area (tests/payouts/test_routes.py).
def test_the_matrix_covers_every_back_office_route(app):
    """A new producer or admin page must be added to the matrix above."""
    protected = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("producer", "admin", "payouts", "agencies")
        or rule.rule.startswith(("/admin/", "/producer/", "/agency"))
    }
    assert protected == {route.endpoint for route in ROUTES if not route.public} - {
        "accounts.profile",
        "checkout.my_orders",
        "accounts.change_password",
    }
    for route in ROUTES:
        methods = next(r.methods for r in app.url_map.iter_rules() if r.endpoint == route.endpoint)
        assert route.method in methods


def test_the_matrix_covers_every_api_route(app):
    """A new operation of the JSON API (or a page under /api/) must be added to API_ROUTES."""
    api = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert api == {route.endpoint for route in API_ROUTES}
