from __future__ import annotations

import pytest
from flask import request

from config import ProductionConfig
from shop import create_app
from tests.conftest import make_config


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig()
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    assert ProductionConfig().SECRET_KEY == "s3cret"


@pytest.mark.parametrize(("hops", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_client_address_behind_a_trusted_proxy(hops, seen):
    app = create_app(make_config("sqlite://", PROXY_FIX_X_FOR=hops))

    @app.get("/_ip")
    def ip():
        return request.remote_addr or ""

    response = app.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == seen


def test_a_server_process_keeps_the_collector_off_what_it_built_at_start():
    import gc

    from shop.server import ready_to_serve

    app = create_app(make_config("sqlite://"))
    try:
        assert ready_to_serve(app) is app
        assert gc.get_freeze_count() > 10_000  # the app, its models, routes and libraries
        assert not any(o is app.url_map for o in gc.get_objects())  # frozen: not walked
    finally:
        gc.unfreeze()


def test_the_session_serializer_is_made_once_per_secret_key():
    app = create_app(make_config("sqlite://"))
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    app.secret_key = "another-key"
    second = interface.get_signing_serializer(app)
    assert second is not first
    assert second.loads(second.dumps({"a": 1})) == {"a": 1}
    with pytest.raises(Exception, match="Signature"):
        first.loads(second.dumps({"a": 1}))
