"""A producer's staff through the test client, CSRF on: invitations by e-mail (sent, accepted,
refused for every kind of bad link or account, revoked), removal and its rules, and who may
see the staff page."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from shop.accounts.models import User
from shop.audit.models import AuditLog
from shop.db import utcnow
from shop.extensions import db, limiter
from shop.producer import invitations
from shop.producer.models import ProducerInvitation
from tests.conftest import csrf_token, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_user

LINK = re.compile(r"https?://\S+?(/producer/join/[A-Za-z0-9_.\-]+)")


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict | None = None, **kwargs):
    token = csrf_token(client, "/account")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def fresh_user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def actions(producer_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditLog.action)
            .where(AuditLog.producer_id == producer_id, AuditLog.action.like("staff.%"))
            .order_by(AuditLog.id)
        )
    )


def switch_to(client, user: User) -> None:
    """Sign ``client`` out and in again as ``user``."""
    post(client, "/account/logout")
    limiter.reset()
    assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302


@pytest.fixture
def admin(client, login_as):
    client.get("/?lang=en")
    return login_as("producer_staff", producer_admin=True, name="Nguyễn Thị Chủ")


def invite(admin: User, email: str, *, as_admin: bool = False) -> tuple[ProducerInvitation, str]:
    invitation, token = invitations.invite(
        admin.producer_id, email, admin=as_admin, actor_id=admin.id
    )
    db.session.commit()
    return invitation, token


# --- inviting and joining ----------------------------------------------------------------------


def test_an_invitation_by_e_mail_makes_the_customer_staff_once(client, admin, outbox):
    response = post(
        client, "/producer/staff/invite", {"email": " New.Hand@Example.com ", "admin": "y"}
    )
    assert response.status_code == 302
    invitation = db.session.scalar(select(ProducerInvitation))
    assert (invitation.email, invitation.admin, invitation.invited_by_id) == (
        "new.hand@example.com",
        True,
        admin.id,
    )
    page = html(client.get("/producer/staff"))
    assert "new.hand@example.com" in page
    assert "Revoke" in page
    [message] = outbox()
    assert message["To"] == "new.hand@example.com"
    body = message.get_body(("plain",)).get_content()
    assert "Nguyễn Thị Chủ" in body
    path = LINK.search(body).group(1)

    newcomer = gen_user("customer", email="new.hand@example.com", locale="en")
    db.session.commit()
    switch_to(client, newcomer)
    page = client.get(path)
    assert page.status_code == 200
    assert "Join" in html(page)
    response = post(client, path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/producer/")
    joined = fresh_user(newcomer.id)
    assert (joined.role, joined.producer_id, joined.producer_admin) == (
        "producer_staff",
        admin.producer_id,
        True,
    )
    assert db.session.get(ProducerInvitation, invitation.id).accepted_by_id == newcomer.id
    assert actions(admin.producer_id) == ["staff.invite", "staff.join"]
    assert client.get("/producer/staff").status_code == 200  # an admin now

    again = post(client, path)  # the link works once
    assert again.status_code == 409
    assert "already been used" in html(again)
    assert actions(admin.producer_id) == ["staff.invite", "staff.join"]


def test_the_invitation_is_written_in_the_invited_account_s_language(app, admin, outbox):
    gen_user("customer", email="english@example.com", locale="en")
    db.session.commit()
    invitation, token = invite(admin, "english@example.com")
    from shop.producer.emails import send_staff_invitation

    with app.test_request_context("/?lang=vi"):
        send_staff_invitation(invitation, token, admin)
        send_staff_invitation(
            invite(admin, "nobody-yet@example.com")[0], "t", admin
        )  # no account: Vietnamese
    db.session.commit()
    subjects = {m["To"]: m["Subject"] for m in outbox()}
    assert subjects["english@example.com"].startswith("Join ")
    assert not subjects["nobody-yet@example.com"].startswith("Join ")


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_back(client, admin):
    _, token = invite(admin, "later@example.com")
    post(client, "/account/logout")
    response = client.get(f"/producer/join/{token}")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/account/login"
    assert parse_qs(location.query)["next"] == [f"/producer/join/{token}"]
    login = html(client.get(response.headers["Location"]))
    assert "the e-mail address the invitation was sent to" in login
    register = re.search(r'href="(/account/register\?[^"]+)"', login).group(1)
    assert parse_qs(urlsplit(register.replace("&amp;", "&")).query)["next"] == [
        f"/producer/join/{token}"
    ]  # creating an account comes back to the link too


def test_inviting_someone_already_on_the_staff_or_already_invited_is_refused(client, admin):
    member = gen_user("producer_staff", producer_id=admin.producer_id)
    db.session.commit()
    response = post(client, "/producer/staff/invite", {"email": member.email})
    assert response.status_code == 400
    assert "already on your staff" in html(response)
    invite(admin, "twice@example.com")
    response = post(client, "/producer/staff/invite", {"email": "TWICE@example.com"})
    assert response.status_code == 400
    assert "is waiting" in html(response)
    assert 'value="TWICE@example.com"' in html(response)  # what was typed is kept
    response = post(client, "/producer/staff/invite", {"email": "not an address"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(ProducerInvitation.id))) == 1


def _forged(invitation_id: int) -> str:
    return URLSafeTimedSerializer("not-the-key", salt=invitations.INVITATION_SALT).dumps(
        {"inv": invitation_id}
    )


REFUSED = {
    "expired": "has expired",
    "forged": "not valid",
    "revoked": "withdrawn",
    "used": "already been used",
    "other_email": "another e-mail address",
    "other_producer": "works for another producer",
    "office_admin": "cannot join",
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_bad_link_or_account_is_refused_with_a_message_and_changes_nothing(client, admin, case):
    invitation, token = invite(admin, "invitee@example.com")
    role, fields = "customer", {"email": "invitee@example.com"}
    if case == "other_email":
        fields["email"] = "someone-else@example.com"
    elif case == "other_producer":
        role = "producer_staff"
    elif case == "office_admin":
        role = "admin"
    elif case == "forged":
        token = _forged(invitation.id)
    elif case == "revoked":
        assert (
            post(client, f"/producer/staff/invitations/{invitation.id}/revoke").status_code == 302
        )
    elif case == "used":
        first = gen_user("customer", email="first@example.com")
        invitation.email = "first@example.com"
        db.session.commit()
        invitations.accept(token, first.id)
        db.session.commit()
        fields["email"] = "first-again@example.com"
    visitor = gen_user(role, **fields)
    if case == "used":  # the same e-mail as the invitation, on a second account
        invitation.email = visitor.email
    db.session.commit()
    before = (visitor.role, visitor.producer_id, visitor.producer_admin)
    audited = actions(admin.producer_id)
    switch_to(client, visitor)

    travel = time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False)
    if case == "expired":
        travel.start()
    try:
        shown = client.get(f"/producer/join/{token}")
        response = post(client, f"/producer/join/{token}")
    finally:
        if case == "expired":
            travel.stop()
    assert shown.status_code == 200
    assert REFUSED[case] in html(shown)
    assert '<button type="submit">Join' not in html(shown)
    assert response.status_code == 409
    assert REFUSED[case] in html(response)
    after = fresh_user(visitor.id)
    assert (after.role, after.producer_id, after.producer_admin) == before
    assert actions(admin.producer_id) == audited
    if case != "used":
        assert db.session.get(ProducerInvitation, invitation.id).accepted_at is None


def test_a_garbled_link_is_refused(client, admin):
    response = client.get("/producer/join/abc")
    assert response.status_code == 200
    assert "not valid" in html(response)


def test_revoking_is_audited_and_a_second_revoke_says_so(client, admin):
    invitation, _ = invite(admin, "maybe@example.com")
    assert post(client, f"/producer/staff/invitations/{invitation.id}/revoke").status_code == 302
    again = post(
        client, f"/producer/staff/invitations/{invitation.id}/revoke", follow_redirects=True
    )
    assert "already accepted or revoked" in html(again)
    assert db.session.get(ProducerInvitation, invitation.id).revoked_at is not None
    assert actions(admin.producer_id) == ["staff.invite", "staff.revoke"]
    assert "maybe@example.com" not in html(client.get("/producer/staff"))


# --- removal ----------------------------------------------------------------------------------


def test_an_admin_removes_a_member_who_becomes_a_customer_again(client, admin):
    member = gen_user("producer_staff", producer_id=admin.producer_id, name="Trần Văn Phụ")
    db.session.commit()
    page = html(client.get("/producer/staff"))
    assert "Trần Văn Phụ" in page
    assert member.email in page
    response = post(client, f"/producer/staff/{member.id}/remove", follow_redirects=True)
    assert "Trần Văn Phụ no longer works for your shop" in html(response)
    gone = fresh_user(member.id)
    assert (gone.role, gone.producer_id, gone.producer_admin) == ("customer", None, False)
    assert actions(admin.producer_id) == ["staff.remove"]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "staff.remove"))
    assert entry.actor_id == admin.id
    assert entry.before["email"] == member.email
    switch_to(client, gone)
    assert client.get("/producer/").status_code == 404  # the portal is closed to them


def test_an_admin_cannot_remove_themself(client, admin):
    response = post(client, f"/producer/staff/{admin.id}/remove", follow_redirects=True)
    assert "cannot remove yourself" in html(response)
    assert fresh_user(admin.id).producer_admin
    assert actions(admin.producer_id) == []


def test_another_admin_may_be_removed_but_the_last_admin_stays(client, admin):
    other = gen_user("producer_staff", producer_id=admin.producer_id, producer_admin=True)
    db.session.commit()
    assert post(client, f"/producer/staff/{other.id}/remove").status_code == 302
    assert fresh_user(other.id).role == "customer"
    with pytest.raises(invitations.LastAdmin):  # the only admin left is never removed
        _remove_last_admin(admin)
    db.session.rollback()
    assert fresh_user(admin.id).producer_admin


def _remove_last_admin(admin: User) -> None:
    """The last-admin rule on its own: the member is the only admin left."""
    from unittest import mock

    with mock.patch.object(invitations, "_require_admin"):
        invitations.remove(admin.producer_id, admin.id, actor_id=-1)


def test_another_producer_s_staff_and_invitations_are_out_of_reach(client, admin):
    outsider = gen_user("producer_staff")
    theirs = ProducerInvitation(producer_id=outsider.producer_id, email="x@example.com")
    db.session.add(theirs)
    db.session.commit()
    assert post(client, f"/producer/staff/{outsider.id}/remove").status_code == 404
    assert post(client, f"/producer/staff/invitations/{theirs.id}/revoke").status_code == 404
    assert outsider.email not in html(client.get("/producer/staff"))
    assert fresh_user(outsider.id).role == "producer_staff"
    assert db.session.get(ProducerInvitation, theirs.id).revoked_at is None


def test_only_admins_see_the_staff_link_and_page(client, admin):
    assert 'href="/producer/staff"' in html(client.get("/producer/"))
    member = gen_user("producer_staff", producer_id=admin.producer_id)
    db.session.commit()
    switch_to(client, member)
    assert 'href="/producer/staff"' not in html(client.get("/producer/"))
    assert client.get("/producer/staff").status_code == 404
    assert post(client, "/producer/staff/invite", {"email": "a@example.com"}).status_code == 404
    assert post(client, f"/producer/staff/{admin.id}/remove").status_code == 404
    assert fresh_user(admin.id).role == "producer_staff"
