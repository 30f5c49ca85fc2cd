"""The partner API over HTTP: bearer keys (401 with WWW-Authenticate), per-key rate limits
(429 with Retry-After), Idempotency-Key on every POST (missing 400, replayed, reused 422,
in flight 409), hold → confirm → read, release, and another key's booking answering 404."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shop.extensions import db, limiter
from shop.orders.models import Order
from shop.partners.keys import revoke_key
from shop.partners.models import ApiKey, IdempotencyRecord, PartnerBooking
from shop.templating import LOCAL_TZ
from shop.tourism.models import ExperienceSession
from tests.factories import gen_experience, gen_session
from tests.partners.factories import gen_api_key

PROBLEM = "application/problem+json"


@pytest.fixture
def partner(app):
    limiter.reset()
    created = gen_api_key(rate_limit_per_minute=1000)
    experience = gen_experience()
    start = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=20)
    session = gen_session(experience, starts_at=start, capacity=6)
    db.session.commit()
    return {
        "secret": created.secret,
        "key": created.api_key,
        "experience": experience,
        "session": session,
        "availability_id": start.astimezone(LOCAL_TZ).isoformat(),
    }


def body(partner, **fields) -> dict:
    return {
        "experience": partner["experience"].slug,
        "availability_id": partner["availability_id"],
        "units": [{"unit": "adult", "quantity": 2}, {"unit": "child", "quantity": 1}],
        "guest": {"name": "Jane Doe", "email": "Jane@Example.com", "phone": "+33 6 12 34 56 78"},
        "partner_reference": "DLX-1",
        **fields,
    }


def headers(partner, key: str | None = None, **extra) -> dict:
    values = {"Authorization": f"Bearer {partner['secret']}", **extra}
    if key is not None:
        values["Idempotency-Key"] = key
    return values


def post(client, path, partner, data=None, key="k-1", **extra):
    return client.post(
        path,
        data=json.dumps(data) if data is not None else None,
        content_type="application/json",
        headers=headers(partner, key, **extra),
    )


def _seats(session_id: int) -> int:
    db.session.expire_all()
    return db.session.get(ExperienceSession, session_id).seats_taken


def test_hold_confirm_and_read(client, partner):
    created = post(client, "/api/v1/bookings", partner, body(partner), key=str(uuid.uuid4()))
    assert created.status_code == 201, created.get_data(as_text=True)
    booking = created.get_json()
    assert created.headers["Location"] == f"/api/v1/bookings/{booking['id']}"
    assert created.headers["Cache-Control"] == "no-store"
    assert booking["status"] == "held"
    assert booking["partner_reference"] == "DLX-1"
    assert booking["total"] == {"amount": 750_000, "currency": "VND"}
    assert booking["seats"] == 3
    assert booking["tickets"] == []
    assert booking["expires_at"]
    assert booking["guest"] == {
        "name": "Jane Doe",
        "email": "jane@example.com",
        "phone": "+33612345678",
    }
    assert {(u["unit"], u["quantity"]) for u in booking["units"]} == {("adult", 2), ("child", 1)}
    assert booking["availability_id"] == partner["availability_id"]
    assert _seats(partner["session"].id) == 3

    confirmed = post(client, f"/api/v1/bookings/{booking['id']}/confirm", partner, key="c-1")
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    data = confirmed.get_json()
    assert data["status"] == "confirmed"
    assert data["expires_at"] is None
    assert len(data["tickets"]) == 1
    assert data["tickets"][0]["url"].endswith(data["tickets"][0]["code"])
    read = client.get(f"/api/v1/bookings/{booking['id']}", headers=headers(partner))
    assert read.status_code == 200
    assert read.get_json() == data
    # Confirming again with a new key: the same booking.
    again = post(client, f"/api/v1/bookings/{booking['id']}/confirm", partner, key="c-2")
    assert again.status_code == 200
    assert again.get_json()["tickets"] == data["tickets"]
    # Releasing a confirmed booking is refused.
    refused = post(client, f"/api/v1/bookings/{booking['id']}/cancel", partner, key="r-1")
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "booking_confirmed"


@pytest.mark.parametrize(
    ("authorization", "presented"),
    [
        (None, False),
        ("Basic dXNlcjpwYXNz", False),
        ("Bearer", False),
        ("Bearer ocop_live_00000000_notakey", True),
        ("Bearer " + "x" * 5000, True),
    ],
)
def test_a_request_without_a_valid_key_is_401_with_www_authenticate(
    client, partner, authorization, presented
):
    hdrs = {"Idempotency-Key": "k"}
    if authorization is not None:
        hdrs["Authorization"] = authorization
    for response in (
        client.post("/api/v1/bookings", json=body(partner), headers=hdrs),
        client.get(f"/api/v1/bookings/{uuid.uuid4()}", headers=hdrs),
    ):
        assert response.status_code == 401
        assert response.mimetype == PROBLEM
        assert response.get_json()["code"] == "invalid_api_key"
        assert response.headers["WWW-Authenticate"].startswith("Bearer realm=")
        assert ('error="invalid_token"' in response.headers["WWW-Authenticate"]) is presented
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_a_revoked_key_is_refused_at_once(client, partner):
    assert post(client, "/api/v1/bookings", partner, body(partner)).status_code == 201
    revoke_key(db.session.get(ApiKey, partner["key"].id), admin_id=None, now=datetime.now(UTC))
    db.session.commit()
    response = post(client, "/api/v1/bookings", partner, body(partner), key="k-2")
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_api_key"


def test_the_key_is_rate_limited_by_its_own_limit(client, partner):
    key = db.session.get(ApiKey, partner["key"].id)
    key.rate_limit_per_minute = 3
    db.session.commit()
    missing = f"/api/v1/bookings/{uuid.uuid4()}"
    statuses = [client.get(missing, headers=headers(partner)).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    limited = client.get(missing, headers=headers(partner))
    assert limited.status_code == 429
    assert limited.mimetype == PROBLEM
    assert limited.get_json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # POSTs count too, and another key has its own minute.
    assert post(client, "/api/v1/bookings", partner, body(partner)).status_code == 429
    other = gen_api_key(rate_limit_per_minute=3)
    db.session.commit()
    response = client.get(missing, headers={"Authorization": f"Bearer {other.secret}"})
    assert response.status_code == 404
    assert db.session.get(ApiKey, partner["key"].id).last_used_at is not None


def test_every_post_needs_an_idempotency_key(client, partner):
    for path in ("/api/v1/bookings", f"/api/v1/bookings/{uuid.uuid4()}/confirm"):
        response = post(client, path, partner, body(partner), key=None)
        assert response.status_code == 400
        assert response.mimetype == PROBLEM
        assert response.get_json()["code"] == "idempotency_key_missing"
    for bad in ("x" * 256, " padded"):
        response = post(client, "/api/v1/bookings", partner, body(partner), key=bad)
        assert response.status_code == 400
        assert response.get_json()["code"] == "idempotency_key_invalid"
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_the_same_key_and_body_replay_the_answer_and_another_body_is_422(client, partner):
    first = post(client, "/api/v1/bookings", partner, body(partner), key="same")
    assert first.status_code == 201
    # The same body, its keys in another order and spaced otherwise: the same answer.
    reordered = json.dumps(dict(reversed(list(body(partner).items()))), indent=2)
    replay = client.post(
        "/api/v1/bookings",
        data=reordered,
        content_type="application/json",
        headers=headers(partner, "same"),
    )
    assert replay.status_code == 201
    assert replay.get_data() == first.get_data()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.headers["Location"] == first.headers["Location"]
    assert "Idempotent-Replayed" not in first.headers
    assert db.session.scalar(select(func.count(PartnerBooking.id))) == 1
    assert _seats(partner["session"].id) == 3
    other = post(client, "/api/v1/bookings", partner, body(partner, partner_reference="X"), "same")
    assert other.status_code == 422
    assert other.get_json()["code"] == "idempotency_key_reused"
    # The same Idempotency-Key on another operation is another body too.
    booking_id = first.get_json()["id"]
    elsewhere = post(client, f"/api/v1/bookings/{booking_id}/confirm", partner, key="same")
    assert elsewhere.status_code == 422
    # Another API key may use the same Idempotency-Key for its own request.
    second = gen_api_key(rate_limit_per_minute=100)
    db.session.commit()
    response = client.post(
        "/api/v1/bookings",
        json=body(partner),
        headers={"Authorization": f"Bearer {second.secret}", "Idempotency-Key": "same"},
    )
    assert response.status_code == 201
    assert response.get_json()["id"] != booking_id


def test_refusals_are_replayed_too_and_server_errors_are_not_kept(client, partner, monkeypatch):
    full = body(partner, units=[{"unit": "adult", "quantity": 7}])
    first = post(client, "/api/v1/bookings", partner, full, key="full")
    assert first.status_code == 409
    assert first.get_json()["code"] == "session_full"
    again = post(client, "/api/v1/bookings", partner, full, key="full")
    assert again.status_code == 409
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    # A crash leaves no record: the partner can send the key again.
    from shop.partners import bookings

    def crash(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bookings, "hold", crash)
    with pytest.raises(RuntimeError):
        post(client, "/api/v1/bookings", partner, body(partner), key="crash")
    monkeypatch.undo()
    assert (
        db.session.scalar(select(IdempotencyRecord.id).where(IdempotencyRecord.key == "crash"))
        is None
    )
    assert post(client, "/api/v1/bookings", partner, body(partner), key="crash").status_code == 201


def test_a_key_still_in_flight_is_409(client, partner):
    from shop.partners.idempotency import claim, fingerprint

    data = body(partner)
    print_ = fingerprint("POST", "/api/v1/bookings", json.dumps(data).encode())
    claim(partner["key"].id, "busy", print_, now=datetime.now(UTC))
    db.session.commit()
    response = post(client, "/api/v1/bookings", partner, data, key="busy")
    assert response.status_code == 409
    assert response.get_json()["code"] == "idempotency_key_in_flight"
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_release_gives_the_seats_back_and_confirm_after_it_is_409(client, partner):
    booking = post(client, "/api/v1/bookings", partner, body(partner)).get_json()
    assert _seats(partner["session"].id) == 3
    released = post(client, f"/api/v1/bookings/{booking['id']}/cancel", partner, key="r")
    assert released.status_code == 200
    assert released.get_json()["status"] == "released"
    assert _seats(partner["session"].id) == 0
    late = post(client, f"/api/v1/bookings/{booking['id']}/confirm", partner, key="c")
    assert late.status_code == 409
    assert late.get_json()["code"] == "hold_released"


def test_an_expired_hold_is_409_hold_expired(client, partner):
    booking = post(client, "/api/v1/bookings", partner, body(partner)).get_json()
    order_id = db.session.scalar(select(PartnerBooking.order_id))
    db.session.get(Order, order_id).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert (
        client.get(f"/api/v1/bookings/{booking['id']}", headers=headers(partner)).get_json()[
            "status"
        ]
        == "expired"
    )
    response = post(client, f"/api/v1/bookings/{booking['id']}/confirm", partner, key="late")
    assert response.status_code == 409
    assert response.get_json()["code"] == "hold_expired"


def test_another_keys_booking_is_404(client, partner):
    booking = post(client, "/api/v1/bookings", partner, body(partner)).get_json()
    other = gen_api_key(rate_limit_per_minute=100)
    db.session.commit()
    theirs = {"Authorization": f"Bearer {other.secret}"}
    for response in (
        client.get(f"/api/v1/bookings/{booking['id']}", headers=theirs),
        client.post(
            f"/api/v1/bookings/{booking['id']}/confirm", headers={**theirs, "Idempotency-Key": "1"}
        ),
        client.post(
            f"/api/v1/bookings/{booking['id']}/cancel", headers={**theirs, "Idempotency-Key": "2"}
        ),
    ):
        assert response.status_code == 404
        assert response.get_json()["code"] == "booking_not_found"
    assert db.session.get(Order, db.session.scalar(select(PartnerBooking.order_id))).paid_vnd == 0


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"experience": "no-such-experience"}, 409, "session_unavailable"),
        ({"availability_id": "2026-12-18T07:30:00"}, 400, "validation_failed"),
        ({"availability_id": "tomorrow"}, 400, "validation_failed"),
        ({"availability_id": "2099-01-01T07:30:00+07:00"}, 409, "session_unavailable"),
        ({"units": []}, 400, "validation_failed"),
        ({"units": [{"unit": "adult", "quantity": 0}]}, 400, "validation_failed"),
        ({"units": [{"unit": "adult", "quantity": "2"}]}, 400, "validation_failed"),
        ({"units": [{"unit": "dragon", "quantity": 1}]}, 400, "invalid_quantity"),
        ({"units": [{"unit": "adult", "quantity": 41}]}, 400, "invalid_quantity"),
        ({"guest": {"name": "A", "email": "nope", "phone": "+447700900123"}}, 400, None),
        ({"guest": {"name": "A", "email": "a@example.com", "phone": "12"}}, 400, None),
        ({"guest": {"name": "A\x00", "email": "a@example.com", "phone": "0912345678"}}, 400, None),
        ({"locale": "fr"}, 400, "validation_failed"),
        ({"partner_reference": "x" * 101}, 400, "validation_failed"),
    ],
)
def test_bad_bodies_are_problems_never_errors(client, partner, fields, status, code):
    response = post(client, "/api/v1/bookings", partner, body(partner, **fields), key="bad")
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    if code:
        assert response.get_json()["code"] == code
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_a_body_that_is_not_json_is_a_problem(client, partner):
    for raw in (b"not json", b"[1, 2]", b"\xff\xfe", b"null"):
        response = client.post(
            "/api/v1/bookings",
            data=raw,
            content_type="application/json",
            headers=headers(partner, "raw"),
        )
        assert response.status_code in (400, 422), (raw, response.status_code)
        assert response.mimetype == PROBLEM


def test_hostile_booking_ids_are_404(client, partner):
    for booking_id in ("1", "9" * 40, "²", "..%2F..", "%00", "x" * 2000):
        response = client.get(f"/api/v1/bookings/{booking_id}", headers=headers(partner))
        assert response.status_code in (400, 404), booking_id
        assert response.mimetype == PROBLEM


@pytest.mark.parametrize(
    "fields",
    [
        {"experience": "ban\x00ven"},
        {"availability_id": "2026-12-18T07:30:00\x00+07:00"},
        {"units": [{"unit": "adu\x00lt", "quantity": 1}]},
        {"partner_reference": "DLX\x00"},
        {"guest": {"name": "Jane", "email": "ja\x00ne@example.com", "phone": "0912345678"}},
        {"guest": {"name": "Jane", "email": "jane@example.com", "phone": "0912\x00345678"}},
    ],
)
def test_nul_bytes_in_the_body_are_400_on_every_database(client, partner, fields):
    response = post(client, "/api/v1/bookings", partner, body(partner, **fields), key="nul")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM


def test_the_guest_reaches_the_confirmed_order_by_the_link_in_the_mail(client, partner, outbox):
    booking = post(client, "/api/v1/bookings", partner, body(partner)).get_json()
    post(client, f"/api/v1/bookings/{booking['id']}/confirm", partner, key="c")
    mails = outbox()
    assert len(mails) == 1  # "paid", with the ticket: no "order received" before it
    text = mails[0].get_body().get_content()
    assert booking["order_reference"] in text
    link = next(word for word in text.split() if "/orders/" in word)
    page = client.get(link.replace("http://127.0.0.1:5000", ""))
    assert page.status_code == 200
    assert booking["order_reference"] in page.get_data(as_text=True)
