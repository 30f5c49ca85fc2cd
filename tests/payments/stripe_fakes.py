"""A fake ``stripe.HTTPClient`` that records requests, and signed webhook payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl

import stripe

WEBHOOK_SECRET = "whsec_test_secret"


class RecordingHTTPClient(stripe.HTTPClient):
    name = "recording"

    def __init__(self, responses: dict[str, dict] | None = None) -> None:
        super().__init__()
        self.requests: list[dict] = []
        self.responses = responses or {}

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        params = dict(parse_qsl(post_data or "", keep_blank_values=True))
        self.requests.append(
            {"method": method, "url": url, "headers": dict(headers), "params": params}
        )
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        for prefix, body in self.responses.items():
            if path.startswith(prefix.lstrip("/")):
                return json.dumps(body), 200, {}
        return json.dumps({"id": "obj_unknown", "object": "unknown"}), 200, {}

    def close(self):
        pass


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{payload}".encode()
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def event(event_id: str, event_type: str, obj: dict) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "api_version": "2025-01-27",
            "created": int(time.time()),
            "data": {"object": obj},
        }
    )
