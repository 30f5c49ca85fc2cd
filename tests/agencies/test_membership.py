"""An account works for one producer or belongs to one organisation, never both: each join
page refuses the other kind of account with a message, and the database refuses it too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from shop.accounts.models import User
from shop.agencies import services
from shop.agencies.models import OrganisationMember
from shop.extensions import db, limiter
from shop.producer import invitations as staff_invitations
from shop.producer.models import ProducerInvitation
from tests.agencies.factories import add_member, gen_organisation
from tests.conftest import csrf_token, sign_in
from tests.factories import DEFAULT_PASSWORD, gen_user


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str):
    return client.post(path, data={"csrf_token": csrf_token(client, "/account")})


def sign_in_as(client, user: User) -> None:
    client.get("/?lang=en")
    limiter.reset()
    assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302


def members() -> int:
    return db.session.scalar(select(func.count(OrganisationMember.id)))


def staff_invitation(email: str) -> tuple[ProducerInvitation, str]:
    admin = gen_user("producer_staff", producer_admin=True)
    db.session.commit()
    invitation, token = staff_invitations.invite(
        admin.producer_id, email, admin=False, actor_id=admin.id
    )
    db.session.commit()
    return invitation, token


def member_invitation(email: str) -> str:
    approver = gen_user("customer")
    organisation = gen_organisation(approver)
    db.session.commit()
    _, token = services.invite(organisation.id, email, role="buyer", actor_id=approver.id)
    db.session.commit()
    return token


def test_an_organisation_member_cannot_join_a_producer_s_staff(client):
    buyer = add_member(gen_organisation(), "buyer", gen_user("customer", email="b@example.com"))
    db.session.commit()
    invitation, token = staff_invitation("b@example.com")
    sign_in_as(client, buyer)

    shown = client.get(f"/producer/join/{token}")
    assert shown.status_code == 200
    assert "belongs to an organisation" in html(shown)
    assert '<button type="submit">Join' not in html(shown)
    response = post(client, f"/producer/join/{token}")
    assert response.status_code == 409
    assert "belongs to an organisation" in html(response)

    db.session.expire_all()
    assert db.session.get(User, buyer.id).role == "customer"
    assert db.session.get(User, buyer.id).producer_id is None
    assert db.session.get(ProducerInvitation, invitation.id).accepted_at is None


def test_a_producer_s_staff_cannot_join_an_organisation(client):
    staff = gen_user("producer_staff", email="s@example.com")
    db.session.commit()
    token = member_invitation("s@example.com")
    before = members()
    sign_in_as(client, staff)

    shown = client.get(f"/agency/join/{token}")
    assert shown.status_code == 200
    assert "works for a producer" in html(shown)
    assert '<button type="submit">Join' not in html(shown)
    response = post(client, f"/agency/join/{token}")
    assert response.status_code == 409
    assert "works for a producer" in html(response)
    assert members() == before


def test_the_database_refuses_an_account_in_both(app):
    staff = gen_user("producer_staff")
    organisation = gen_organisation()
    db.session.commit()
    with pytest.raises(IntegrityError):
        add_member(organisation, "buyer", staff)
    db.session.rollback()

    buyer = add_member(organisation, "buyer")
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(User)
            .where(User.id == buyer.id)
            .values(role="producer_staff", producer_id=staff.producer_id)
        )
    db.session.rollback()


def test_an_account_that_joined_meanwhile_is_refused_by_the_constraint(app, monkeypatch):
    """The page's check passed, then the account joined the other side before the acceptance
    wrote: the constraint stops it and the acceptance is refused with the same message."""
    buyer = add_member(gen_organisation(), "buyer", gen_user("customer", email="r@example.com"))
    db.session.commit()
    _, staff_token = staff_invitation("r@example.com")
    monkeypatch.setattr(staff_invitations, "membership_of", lambda user_id: None)
    with pytest.raises(staff_invitations.InvitationRefused) as refused:
        staff_invitations.accept(staff_token, buyer.id)
    assert refused.value.code == "in_organisation"
    db.session.rollback()

    staff = gen_user("producer_staff", email="t@example.com")
    db.session.commit()
    member_token = member_invitation("t@example.com")
    monkeypatch.setattr(services, "check_account", lambda invitation, user: None)
    with pytest.raises(services.InvitationRefused) as refused:
        services.accept(member_token, staff.id)
    assert refused.value.code == "producer_staff"
    db.session.rollback()
    assert (
        db.session.scalar(
            select(OrganisationMember.id).where(OrganisationMember.user_id == staff.id)
        )
        is None
    )
