"""Idempotency records: the fingerprint, claiming a key (new, replayed, reused, in flight,
abandoned), and the daily purge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from shop.extensions import db
from shop.partners import idempotency
from shop.partners.idempotency import StoredResponse, claim, complete, fingerprint, forget
from shop.partners.models import IdempotencyRecord
from tests.partners.factories import NOW, gen_api_key


def test_the_fingerprint_ignores_key_order_and_spacing_only():
    a = fingerprint("POST", "/api/v1/bookings", b'{"a": 1, "b": [1, 2]}')
    assert a == fingerprint("post", "/api/v1/bookings", b'{"b":[1,2],"a":1}')
    assert a != fingerprint("POST", "/api/v1/bookings", b'{"a": 2, "b": [1, 2]}')
    assert a != fingerprint("POST", "/api/v1/bookings", b'{"a": 1, "b": [2, 1]}')
    assert a != fingerprint("POST", "/api/v1/bookings/x/confirm", b'{"a": 1, "b": [1, 2]}')
    assert len(a) == 64
    # Not JSON: taken as sent (and never an error).
    assert fingerprint("POST", "/x", b"\xff\xfe") != fingerprint("POST", "/x", b"\xff")
    assert fingerprint("POST", "/x", b"[" * 100_000)


def test_valid_keys():
    assert idempotency.valid_key("0b9c2a1e-7f0d-4a8e-9e33-5c1f2d9b7a10")
    for bad in (None, "", " k", "k ", "k\x00", "é", "x" * 256):
        assert not idempotency.valid_key(bad), bad
    assert idempotency.valid_key("x" * 255)


def test_claiming_a_key(app):
    key = gen_api_key().api_key
    db.session.commit()
    print_ = fingerprint("POST", "/api/v1/bookings", b"{}")
    first = claim(key.id, "k1", print_, now=NOW)
    assert first.record_id is not None
    assert first.replay is None
    assert first.conflict is None
    db.session.commit()
    # The same key while the first is still running.
    assert claim(key.id, "k1", print_, now=NOW).conflict == "in_flight"
    # The same key with another body, running or not.
    other = fingerprint("POST", "/api/v1/bookings", b'{"x": 1}')
    assert claim(key.id, "k1", other, now=NOW).conflict == "reused"
    # Finished: replayed.
    answer = StoredResponse(201, '{"id": "x"}', {"Location": "/api/v1/bookings/x"})
    assert complete(first.record_id, answer) is True
    assert complete(first.record_id, answer) is False
    db.session.commit()
    assert claim(key.id, "k1", print_, now=NOW).replay == answer
    assert claim(key.id, "k1", other, now=NOW).conflict == "reused"
    # Another API key may use the same Idempotency-Key.
    assert claim(gen_api_key().api_key.id, "k1", print_, now=NOW).record_id is not None


def test_a_failed_request_forgets_its_key_and_an_abandoned_one_is_taken_over(app):
    key = gen_api_key().api_key
    db.session.commit()
    print_ = "a" * 64
    first = claim(key.id, "k", print_, now=NOW)
    db.session.commit()
    forget(first.record_id)
    db.session.commit()
    again = claim(key.id, "k", print_, now=NOW)
    assert again.record_id is not None
    db.session.commit()
    # Its process died: after two minutes the next request takes the record over.
    assert claim(key.id, "k", print_, now=NOW + timedelta(seconds=90)).conflict == "in_flight"
    taken = claim(key.id, "k", print_, now=NOW + timedelta(minutes=3))
    assert taken.record_id == again.record_id
    db.session.commit()
    assert claim(key.id, "k", print_, now=NOW + timedelta(minutes=3)).conflict == "in_flight"


def test_records_older_than_a_day_are_purged(app, runner):
    key = gen_api_key().api_key
    db.session.commit()
    claim(key.id, "old", "a" * 64, now=NOW - timedelta(hours=25))
    claim(key.id, "new", "a" * 64, now=NOW - timedelta(hours=23))
    db.session.commit()
    assert idempotency.purge_idempotency_records(NOW) == 1
    db.session.commit()
    assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["new"]
    # The command does the same (with the real clock: both are older than a day by now).
    result = runner.invoke(args=["partners", "purge-idempotency"])
    assert "1 idempotency record(s) deleted." in result.output
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 0


def test_the_daily_job_purges_once_a_day(app):
    from shop.jobs import purge_idempotency_records

    key = gen_api_key().api_key
    claim(key.id, "old", "a" * 64, now=NOW - timedelta(days=3))
    db.session.commit()
    assert purge_idempotency_records.call_local() == 1
    assert purge_idempotency_records.call_local() is None  # the same day: already run
    db.session.expire_all()
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 0
