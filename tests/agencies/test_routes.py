"""The organisation pages through the test client, CSRF on: registration (happy path, errors
next to the fields with what was typed kept), invitations (sent, accepted once, refused),
member rules (never without an approver), sign-offs, and the office's pages."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from shop.agencies import approvals, services
from shop.agencies.models import (
    ApprovalRequest,
    BillingEntity,
    MemberRole,
    Organisation,
    OrganisationMember,
)
from shop.audit.models import AuditLog
from shop.extensions import db, limiter
from tests.agencies.factories import BAC_NINH, add_member, gen_organisation
from tests.conftest import csrf_token, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_user

LINK = re.compile(r"https?://\S+?(/agency/join/[A-Za-z0-9_.\-]+)")


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict | None = None, **kwargs):
    token = csrf_token(client, "/account")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def switch_to(client, user) -> None:
    post(client, "/account/logout")
    limiter.reset()
    assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302


FORM = {
    "legal_name": "Công ty TNHH Quà Quê",
    "tax_code": " 0109876543 ",
    "province": str(BAC_NINH),
    "commune": "Kinh Bắc",
    "street": "Số 5 Nguyễn Gia Thiều",
    "invoice_email": "KeToan@QuaQue.vn",
    "approval_threshold_vnd": "20000000",
}


def test_a_customer_registers_an_organisation_and_becomes_its_approver(client, login_as):
    client.get("/?lang=en")
    user = login_as("customer")
    assert client.get("/agency/register").status_code == 200
    response = post(client, "/agency/register", FORM)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/agency")
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.tax_code, organisation.invoice_email) == ("0109876543", "ketoan@quaque.vn")
    assert organisation.approval_threshold_vnd is None  # the office or an approver sets it later
    assert organisation.invoice_commune_code == 9187
    member = db.session.scalar(select(OrganisationMember))
    assert (member.user_id, member.role) == (user.id, "approver")
    entity = db.session.scalar(select(BillingEntity))
    assert entity.is_default
    assert entity.organisation_id == organisation.id
    page = html(client.get("/agency"))
    assert "Công ty TNHH Quà Quê" in page
    assert "Phường Kinh Bắc" in page
    # Registering again goes to the organisation's page.
    assert client.get("/agency/register").headers["Location"].endswith("/agency")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tax_code", "01098765", "10 digits"),
        ("tax_code", "0109876543-1", "10 digits"),
        ("commune", "Phường Sài Gòn", "not in Bắc Ninh"),
        ("legal_name", "", "legal name"),
        ("invoice_email", "not-an-address", "e-mail address"),
    ],
)
def test_a_bad_field_is_refused_next_to_it_and_the_input_is_kept(
    client, login_as, field, value, message
):
    client.get("/?lang=en")
    login_as("customer")
    response = post(client, "/agency/register", {**FORM, field: value})
    assert response.status_code == 400
    page = html(response)
    assert message in page
    assert 'class="field-error"' in page
    for name in ("legal_name", "street", "commune", "invoice_email"):
        if name != field:
            assert FORM[name] in page  # the other fields keep what was typed
    if value:
        assert value in page  # and so does the refused one
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_a_tax_code_registered_already_is_refused_on_the_field(client, login_as):
    client.get("/?lang=en")
    gen_organisation(tax_code="0109876543")
    db.session.commit()
    login_as("customer")
    response = post(client, "/agency/register", FORM)
    assert response.status_code == 400
    assert "registered already" in html(response)


def test_producer_staff_and_admins_cannot_register(client, login_as):
    login_as("producer_staff")
    assert client.get("/agency/register").status_code == 404


# --- invitations -------------------------------------------------------------------------------


@pytest.fixture
def approver(client, login_as):
    client.get("/?lang=en")
    user = login_as("customer", name="Đỗ Thị Hà")
    gen_organisation(user, legal_name="Sở Thử nghiệm")
    db.session.commit()
    return user


def test_an_invitation_makes_the_customer_a_member_once(client, approver, outbox):
    newcomer = gen_user("customer", email="buyer@example.com", locale="en")
    db.session.commit()
    response = post(
        client, "/agency/members/invite", {"email": "Buyer@Example.com", "role": "buyer"}
    )
    assert response.status_code == 302
    (message,) = outbox()
    assert message["To"] == "buyer@example.com"
    assert "Join Sở Thử nghiệm" in message["Subject"]  # the account's language: English
    path = LINK.search(message.get_body(("plain",)).get_content()).group(1)
    switch_to(client, newcomer)
    assert "as its buyer" in html(client.get(path))
    assert post(client, path).status_code == 302
    member = db.session.scalar(
        select(OrganisationMember).where(OrganisationMember.user_id == newcomer.id)
    )
    assert member.role == "buyer"
    again = post(client, path)
    assert again.status_code == 409
    assert "already been used" in html(again)
    assert (
        db.session.scalar(
            select(func.count(AuditLog.id)).where(AuditLog.action == "organisation.join")
        )
        == 1
    )


@pytest.mark.parametrize(
    "case", ["revoked", "other_email", "other_organisation", "expired", "forged"]
)
def test_a_bad_link_or_account_is_refused_and_changes_nothing(app, client, approver, case):
    organisation_id = services.membership_of(approver.id).organisation_id
    invitation, token = services.invite(
        organisation_id, "someone@example.com", role="buyer", actor_id=approver.id
    )
    db.session.commit()
    someone = gen_user("customer", email="someone@example.com")
    if case == "revoked":
        services.revoke(organisation_id, invitation.id, actor_id=approver.id)
    elif case == "other_email":
        someone = gen_user("customer")
    elif case == "other_organisation":
        gen_organisation(someone)
    elif case == "expired":
        app.config["ORGANISATION_INVITATION_MAX_AGE_SECONDS"] = -1
    elif case == "forged":
        token = URLSafeTimedSerializer("not-the-key", salt=services.INVITATION_SALT).dumps(
            {"org_inv": invitation.id}
        )
    db.session.commit()
    before = db.session.scalar(select(func.count(OrganisationMember.id)))
    switch_to(client, someone)
    response = post(client, f"/agency/join/{token}")
    assert response.status_code == 409
    expected = {
        "revoked": "withdrawn",
        "other_email": "another e-mail address",
        "other_organisation": "another organisation",
        "expired": "expired",
        "forged": "not valid",
    }[case]
    assert expected in html(response)
    assert db.session.scalar(select(func.count(OrganisationMember.id))) == before


# --- members -------------------------------------------------------------------------------------


def test_the_last_approver_is_never_removed_nor_demoted(client, approver):
    organisation = db.session.get(Organisation, services.membership_of(approver.id).organisation_id)
    buyer = add_member(organisation, MemberRole.BUYER)
    db.session.commit()
    # The only approver cannot step down...
    response = post(
        client, f"/agency/members/{approver.id}/role", {"role": "buyer"}, follow_redirects=True
    )
    assert "last approver" in html(response)
    assert services.membership_of(approver.id).role == "approver"
    # ...until someone else is an approver.
    post(client, f"/agency/members/{buyer.id}/role", {"role": "approver"})
    assert services.membership_of(buyer.id).role == "approver"
    with pytest.raises(services.CannotRemoveSelf):
        services.remove(organisation.id, approver.id, actor_id=approver.id)
    db.session.rollback()
    # The other approver removes the first; then the last one cannot be removed by anyone.
    services.remove(organisation.id, approver.id, actor_id=buyer.id)
    db.session.commit()
    assert services.membership_of(approver.id) is None
    with pytest.raises(services.LastApprover):
        services.change_role(organisation.id, buyer.id, "accountant", actor_id=buyer.id)


def test_buyers_see_the_organisation_but_cannot_manage_it(client, approver):
    organisation = db.session.get(Organisation, services.membership_of(approver.id).organisation_id)
    buyer = add_member(organisation, MemberRole.BUYER)
    db.session.commit()
    switch_to(client, buyer)
    page = html(client.get("/agency"))
    assert "Sở Thử nghiệm" in page
    assert "Invite someone" not in page
    assert client.get("/agency/edit").status_code == 404
    assert post(client, f"/agency/members/{approver.id}/remove").status_code == 404
    assert client.get("/agency/approvals").status_code == 404


def test_an_approver_sets_the_threshold_and_adds_a_department(client, approver):
    response = post(
        client,
        "/agency/edit",
        {
            **FORM,
            "legal_name": "Sở Thử nghiệm",
            "tax_code": "0100000001-001",
            "approval_threshold_vnd": "20000000",
        },
    )
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation))
    db.session.refresh(organisation)
    assert (organisation.tax_code, organisation.approval_threshold_vnd) == (
        "0100000001-001",
        20_000_000,
    )
    data = {**FORM, "name": "Phòng Hành chính", "tax_code": "", "is_default": "y"}
    assert post(client, "/agency/billing/new", data).status_code == 302
    entities = services.billing_entities(organisation.id)
    assert [(e.name, e.is_default, e.tax_code) for e in entities][0] == (
        "Phòng Hành chính",
        True,
        None,
    )
    assert sum(e.is_default for e in entities) == 1


def test_approvers_decide_on_the_approvals_page(client, approver):
    organisation = db.session.get(Organisation, services.membership_of(approver.id).organisation_id)
    buyer = add_member(organisation, MemberRole.BUYER)
    own = approvals.request_approval(organisation.id, "quote", 1, 25_000_000, approver.id)
    theirs = approvals.request_approval(organisation.id, "quote", 2, 25_000_000, buyer.id)
    db.session.commit()
    page = html(client.get("/agency/approvals"))
    assert "Your own request" in page
    response = post(
        client, f"/agency/approvals/{own.id}/approve", {"note": ""}, follow_redirects=True
    )
    assert "cannot decide on your own request" in html(response)
    post(client, f"/agency/approvals/{theirs.id}/reject", {"note": "Quá ngân sách"})
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, own.id).status == "pending"
    rejected = db.session.get(ApprovalRequest, theirs.id)
    assert (rejected.status, rejected.note) == ("rejected", "Quá ngân sách")


# --- the office ----------------------------------------------------------------------------------


def test_the_office_finds_verifies_and_sets_terms(client, login_as):
    client.get("/?lang=en")
    first = gen_organisation(legal_name="Công ty Sen Vàng", tax_code="0311111111")
    gen_organisation(legal_name="Ban Quản lý Dự án", tax_code="0322222222")
    db.session.commit()
    login_as("admin")
    assert "Sen Vàng" in html(client.get("/admin/organisations?q=sen"))
    listing = html(client.get("/admin/organisations?q=0322"))
    assert "Ban Quản lý" in listing
    assert "Sen Vàng" not in listing
    # Terms need a verified organisation.
    response = post(client, f"/admin/organisations/{first.id}/terms", {"payment_terms_days": "30"})
    assert response.status_code == 400
    assert "Verify the organisation first" in html(response)
    post(client, f"/admin/organisations/{first.id}/verify")
    post(
        client,
        f"/admin/organisations/{first.id}/terms",
        {"payment_terms_days": "30", "approval_threshold_vnd": "5000000"},
    )
    db.session.expire_all()
    done = db.session.get(Organisation, first.id)
    assert done.verified_at is not None
    assert done.payment_terms_days == 30
    assert done.approval_threshold_vnd == 5_000_000
    assert {"organisation.verify", "organisation.terms"} <= set(
        db.session.scalars(select(AuditLog.action))
    )


def test_the_admin_list_pages(client, login_as):
    for n in range(32):
        gen_organisation(tax_code=f"04{n:08d}")
    db.session.commit()
    client.get("/?lang=en")
    login_as("admin")
    page = html(client.get("/admin/organisations"))
    assert "Page 1 of 2" in page
    assert "Page 2 of 2" in html(client.get("/admin/organisations?page=2"))


def test_the_demo_organisation_is_seeded_with_its_members(app):
    from shop.demo.seed import seed_demo
    from tests.conftest import DEMO_TODAY

    seed_demo(DEMO_TODAY)
    seed_demo(DEMO_TODAY)
    db.session.commit()
    organisation = db.session.scalar(select(Organisation).where(Organisation.demo))
    assert organisation.approval_threshold_vnd == 20_000_000
    roles = {user.email: member.role for member, user in services.members_of(organisation.id)}
    assert roles == {"pheduyet@ocop.example": "approver", "muahang@ocop.example": "buyer"}
