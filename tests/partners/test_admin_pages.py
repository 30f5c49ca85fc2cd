"""The office's API-key pages: the list, a new key shown once (never stored, never again), a
form refused with its fields kept, and revoking after a confirmation — audit-logged."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from shop.audit.models import AuditLog
from shop.extensions import db
from shop.partners.keys import find_active_key
from shop.partners.models import ApiKey
from tests.conftest import csrf_token
from tests.partners.factories import gen_api_key

KEY_SHAPE = re.compile(r"ocop_live_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def office(client, login_as):
    return login_as("admin")


def post(client, path: str, data: dict | None = None, **kwargs):
    return client.post(
        path, data={"csrf_token": csrf_token(client, "/account"), **(data or {})}, **kwargs
    )


FORM = {
    "name": "Website",
    "partner_name": "Du lịch Xanh",
    "contact_email": "API@DuLichXanh.example",
    "rate_limit_per_minute": "120",
}


def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(client, office):
    page = html(client.get("/admin/api-keys/new?lang=en"))
    assert "Requests a minute" in page
    response = post(client, "/admin/api-keys/new?lang=en", FORM)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    shown = KEY_SHAPE.findall(html(response))
    assert len(set(shown)) == 1
    secret = shown[0]
    key = db.session.scalars(select(ApiKey)).one()
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (key.name, key.partner_name, key.contact_email, key.rate_limit_per_minute) == (
        "Website",
        "Du lịch Xanh",
        "api@dulichxanh.example",
        120,
    )
    assert key.created_by_id == office.id
    assert find_active_key(secret).id == key.id
    # Never again: not on the list, not on the revoke page.
    for path in ("/admin/api-keys/", f"/admin/api-keys/{key.id}/revoke"):
        body = html(client.get(path))
        assert key.prefix in body
        assert secret not in body
        assert secret[len(key.prefix) + 1 :] not in body
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "api_key.create")).one()
    assert entry.actor_id == office.id
    assert entry.target_id == key.id


def test_the_list_shows_prefix_name_use_and_state(client, office):
    active = gen_api_key(name="Active one").api_key
    revoked = gen_api_key(name="Old one").api_key
    revoked.revoked_at = db.func.now()
    db.session.commit()
    page = html(client.get("/admin/api-keys/?lang=en"))
    assert active.prefix in page
    assert revoked.prefix in page
    assert "Active one" in page
    assert "Never" in page
    assert "Revoked" in page
    assert page.count("/revoke") == 1  # only the active key can be revoked
    vi = html(client.get("/admin/api-keys/?lang=vi"))
    assert "Khóa API của đối tác" in vi


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Name the key"),
        ("partner_name", "  ", "partner's name"),
        ("contact_email", "not-an-address", "e-mail address like"),
        ("rate_limit_per_minute", "0", "from 1 to 6000"),
        ("rate_limit_per_minute", "6001", "from 1 to 6000"),
        ("rate_limit_per_minute", "²", "from 1 to 6000"),
        ("rate_limit_per_minute", "1e3", "from 1 to 6000"),
        ("rate_limit_per_minute", "9" * 25, "from 1 to 6000"),
        ("rate_limit_per_minute", "", "how many requests"),
        ("name", "x" * 121, "At most 120"),
    ],
)
def test_a_bad_form_is_answered_next_to_its_field_and_keeps_what_was_typed(
    client, office, field, value, message
):
    data = {**FORM, field: value}
    response = post(client, "/admin/api-keys/new?lang=en", data)
    assert response.status_code == 400
    page = html(response)
    assert message.lower() in page.lower()
    assert "Du lịch Xanh" in page or field == "partner_name"
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(ApiKey.id)) is None


def test_control_characters_are_refused_before_the_form(client, office):
    response = post(client, "/admin/api-keys/new?lang=en", {**FORM, "name": "Web\x00site"})
    assert response.status_code == 400
    assert "control characters" in html(response)
    assert db.session.scalar(select(ApiKey.id)) is None


def test_revoking_asks_first_then_refuses_the_key(client, office):
    created = gen_api_key()
    db.session.commit()
    key_id = created.api_key.id
    page = html(client.get(f"/admin/api-keys/{key_id}/revoke?lang=en"))
    assert "cannot be undone" in page
    assert db.session.get(ApiKey, key_id).revoked_at is None  # a GET changes nothing
    response = post(client, f"/admin/api-keys/{key_id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/api-keys/"
    db.session.expire_all()
    key = db.session.get(ApiKey, key_id)
    assert key.revoked_at is not None
    assert key.revoked_by_id == office.id
    assert find_active_key(created.secret) is None
    again = post(client, f"/admin/api-keys/{key_id}/revoke?lang=en", follow_redirects=True)
    assert "revoked already" in html(again)
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.target_type == "api_key")
    ).all()
    assert actions == ["api_key.create", "api_key.revoke"]
    assert "was revoked on" in html(client.get(f"/admin/api-keys/{key_id}/revoke?lang=en"))


def test_revoke_without_a_valid_form_changes_nothing(client, office):
    key = gen_api_key().api_key
    db.session.commit()
    response = client.post(f"/admin/api-keys/{key.id}/revoke", data={})
    assert response.status_code in (200, 400)
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).revoked_at is None
    assert client.get("/admin/api-keys/99999999999999999999/revoke").status_code == 404
    assert client.get("/admin/api-keys/2147483647/revoke").status_code == 404
