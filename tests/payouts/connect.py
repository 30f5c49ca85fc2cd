"""Builders for sending payouts: approved payouts, Stripe configured with a fake HTTP client
that behaves like Stripe for idempotency keys (the same key answers the same object)."""

from __future__ import annotations

import json

from sqlalchemy import select

from shop.db import utcnow
from shop.extensions import db
from shop.payouts.models import Payout
from shop.payouts.services import approve_payout, run_payouts
from tests.factories import gen_user
from tests.payments.stripe_fakes import RecordingHTTPClient
from tests.payouts.test_runs import RUN_DAY, producers_owed

ACCOUNT = "acct_1Producer2Xyz"


class FakeStripe(RecordingHTTPClient):
    """Transfers and reversals get ids of their own, except a request repeating an
    idempotency key, which gets the object the first one made (as Stripe answers)."""

    def __init__(self, *, refuse: str | None = None) -> None:
        super().__init__()
        self.refuse = refuse
        self.by_key: dict[str, dict] = {}

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        super().request(method, url, headers, post_data, _usage=_usage)
        if self.refuse:
            body = {"error": {"type": "invalid_request_error", "message": self.refuse}}
            return json.dumps(body), 400, {}
        key = dict(headers).get("Idempotency-Key")
        if key not in self.by_key:
            reversal = url.endswith("/reversals")
            number = sum(1 for k in self.by_key if k.startswith("clawback") == reversal) + 1
            self.by_key[key] = (
                {"id": f"trr_{number}", "object": "transfer_reversal"}
                if reversal
                else {"id": f"tr_{number}", "object": "transfer"}
            )
        return json.dumps(self.by_key[key]), 200, {}

    def posts(self, fragment: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "post" and fragment in r["url"]]


def use_stripe(app, client: RecordingHTTPClient | None = None) -> RecordingHTTPClient:
    client = client or FakeStripe()
    app.config["STRIPE_SECRET_KEY"] = "sk_test_connect"
    app.config["STRIPE_API_BASE"] = "http://stripe.test"
    app.extensions["stripe_http_client"] = client
    return client


def approved_payouts(*prices: int, stripe_account: str | None = None) -> list[Payout]:
    """One approved payout per price (90 % of it after the commission), each its producer's."""
    producers = producers_owed(*prices)
    for producer in producers:
        producer.stripe_account_id = stripe_account
    db.session.commit()
    run_payouts(RUN_DAY)
    admin = gen_user("admin")
    payouts = list(db.session.scalars(select(Payout).order_by(Payout.id)))
    for payout in payouts:
        approve_payout(payout, admin_id=admin.id, now=utcnow())
    db.session.commit()
    return payouts
