"""The application factory: a list of configure steps and nothing else."""

from __future__ import annotations

import logging
from pathlib import Path

from apiflask import APIFlask
from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from config import Config, config_from_env

ROOT = Path(__file__).resolve().parent.parent


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer made once per secret key
    instead of on every request (making one signs a test value to learn its output type)."""

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = getattr(self, "_kept", None)
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]

    def save_session(self, app: Flask, session, response) -> None:
        # The JSON API is stateless: its answers never set, refresh or clear a cookie.
        if request.path.startswith("/api/"):
            return
        super().save_session(app, session, response)


class Shop(APIFlask):
    """The shop's Flask app: APIFlask's (Flask with the JSON API's OpenAPI document), with the
    per-request costs of two of Flask's conveniences paid once.

    Created with ``json_errors=False``: the HTML site keeps its HTML error pages, and the
    shop's own handlers answer problem+json under ``/api/`` only (``shop.errors``)."""

    session_interface = KeptSerializerSessionInterface()

    def ensure_sync(self, func):
        # Flask asks whether each hook and view is a coroutine function on every request
        # (about a dozen inspections); the answer never changes for a function.
        sync = self._sync_functions.get(func)
        if sync is None:
            sync = self._sync_functions[func] = super().ensure_sync(func)
        return sync

    @property
    def _sync_functions(self) -> dict:
        try:
            return self.__dict__["_sync_function_memo"]
        except KeyError:
            return self.__dict__.setdefault("_sync_function_memo", {})


def create_app(config: type[Config] | Config | None = None) -> Flask:
    app = Shop(
        __name__,
        title="OCOP Market API",
        version="1.0.0",
        spec_path="/api/v1/openapi.json",
        docs_path=None,  # the shop serves its own docs page (no CDN assets): /api/v1/docs
        json_errors=False,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config or config_from_env())
    check_payment_settings(app)
    start_each_request_afresh(app)
    configure_logging(app)
    check_translations(app)
    configure_security(app)
    configure_extensions(app)
    configure_database(app)
    configure_i18n(app)
    configure_edge(app)
    configure_jobs(app)
    register_blueprints(app)
    configure_api(app)
    trim_rate_limit_hooks(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_cli(app)
    configure_static(app)
    return app


def check_payment_settings(app: Flask) -> None:
    """Refuse to start with a receiving bank account no transfer could reach."""
    from shop.payments.bank_transfer import check_bank_settings

    check_bank_settings(app)


def start_each_request_afresh(app: Flask) -> None:
    """Empty ``g`` before anything else runs in a request.

    Every request served by a server gets a fresh application context, so a fresh ``g``. A test
    or a CLI command may keep one application context open across requests, and the locale,
    the signed-in user, the CSRF token and the cart are all cached on ``g``: without this the
    second request would see the first one's.
    """
    from flask import g

    def _fresh_g() -> None:
        g.__dict__.clear()

    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)


def configure_logging(app: Flask) -> None:
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def configure_security(app: Flask) -> None:
    from shop.security import configure_security as configure

    configure(app)


def check_translations(app: Flask) -> None:
    """Production refuses to start without compiled catalogues (it would serve English)."""
    from shop.catalogues import check_compiled_catalogues

    check_compiled_catalogues(app)


def configure_extensions(app: Flask) -> None:
    from shop.cache import init_cache
    from shop.db import engine_options
    from shop.extensions import csrf, db, limiter, login_manager, migrate

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    check_csrf_on_unsafe_methods_only(app)
    login_manager.init_app(app)
    refresh_remember_cookie_only_when_asked(app)
    limiter.init_app(app)
    init_cache(app)
    # Import every model module so metadata (and Alembic autogenerate) sees all tables.
    import shop.models  # noqa: F401


def refresh_remember_cookie_only_when_asked(app: Flask) -> None:
    """Flask-Login's after-request hook sets or clears the remember-me cookie when sign-in,
    sign-out or session protection asked for it in this request (they put ``_remember`` in the
    session and send a signal), or on every request with ``REMEMBER_COOKIE_REFRESH_EACH_REQUEST``.
    The same hook, run only then: looking in the session marks it read, and every response
    that read the session gets ``Vary: Cookie`` worked into its headers."""
    from flask import g
    from flask_login import session_protected, user_logged_in, user_logged_out

    from shop.extensions import login_manager

    def asked(_sender, **_extra) -> None:
        g.remember_cookie_asked = True

    for signal in (user_logged_in, user_logged_out, session_protected):
        signal.connect(asked, app, weak=False)

    hooks = app.after_request_funcs.get(None, [])
    original = login_manager._update_remember_cookie

    def update_remember_cookie(response):
        if g.get("remember_cookie_asked") or app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
            return original(response)
        return response

    hooks[:] = [update_remember_cookie if hook == original else hook for hook in hooks]


def check_csrf_on_unsafe_methods_only(app: Flask) -> None:
    """The same CSRF check as Flask-WTF's default hook, which looks up view exemptions before
    the method on every request: here a GET or HEAD costs one comparison."""
    from flask import request

    from shop.extensions import csrf

    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # Flask-WTF's own hook does nothing with the default check off, yet runs on every request.
    hooks = app.before_request_funcs.get(None, [])
    hooks[:] = [
        hook
        for hook in hooks
        if getattr(hook, "__self__", None) is not csrf
        and not getattr(hook, "__qualname__", "").startswith("CSRFProtect.init_app")
    ]

    @app.before_request
    def _check_csrf() -> None:
        if request.method in app.config["WTF_CSRF_METHODS"] and app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)


def configure_database(app: Flask) -> None:
    from shop.db import configure_sqlite
    from shop.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def configure_i18n(app: Flask) -> None:
    from shop.i18n import init_i18n

    init_i18n(app)


def configure_edge(app: Flask) -> None:
    from shop.edge import init_edge

    init_edge(app)


def configure_jobs(app: Flask) -> None:
    from shop.jobs import init_jobs

    init_jobs(app)


def register_blueprints(app: Flask) -> None:
    from shop.accounts import bp as accounts_bp
    from shop.addresses import bp as addresses_bp
    from shop.admin import bp as admin_bp
    from shop.agencies import bp as agencies_bp
    from shop.api import bp as api_bp
    from shop.api import docs_bp as api_docs_bp
    from shop.batches import bp as batches_bp
    from shop.batches import pages_bp as gift_batches_bp
    from shop.bundles import bp as bundles_bp
    from shop.cart import bp as cart_bp
    from shop.catalog import bp as catalog_bp
    from shop.checkout import bp as checkout_bp
    from shop.invoicing import bp as invoicing_bp
    from shop.lots import bp as lots_bp
    from shop.media import bp as media_bp
    from shop.partners import bp as partners_bp
    from shop.payments import bp as payments_bp
    from shop.payouts import bp as payouts_bp
    from shop.producer import bp as producer_bp
    from shop.programme import bp as programme_bp
    from shop.quotes import bp as quotes_bp
    from shop.site import bp as site_bp
    from shop.tourism import bp as tourism_bp
    from shop.tourism.ticket_routes import bp as tickets_bp
    from shop.verify import bp as verify_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(tourism_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(producer_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(addresses_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(bundles_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(lots_bp)
    app.register_blueprint(payouts_bp)
    app.register_blueprint(batches_bp)
    app.register_blueprint(gift_batches_bp)
    app.register_blueprint(quotes_bp)
    app.register_blueprint(invoicing_bp)
    app.register_blueprint(agencies_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(programme_bp)
    app.register_blueprint(partners_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_docs_bp)


def configure_api(app: Flask) -> None:
    from shop.api.problems import init_api

    init_api(app)


def trim_rate_limit_hooks(app: Flask) -> None:
    """Run Flask-Limiter's per-request hooks only where a rate limit applies.

    The shop's limits are decorators on a few form posts, and a decorated view checks its own
    limits when it runs. Without application-wide, default or blueprint limits the limiter's
    before-request check finds nothing to do on every other request, yet costs a third of a bare
    request: drop it, and run its after-request (``Retry-After``) and teardown hooks only for
    requests that met a limit.
    """
    from flask.globals import request_ctx

    from shop.extensions import limiter

    manager = limiter.limit_manager
    if (
        manager.application_limits
        or manager.default_limits
        or getattr(manager, "_blueprint_limits", None)
        or getattr(limiter, "_meta_limits", None)
    ):
        return
    before = app.before_request_funcs.get(None, [])
    after = app.after_request_funcs.get(None, [])
    teardown = app.teardown_request_funcs.get(None, [])

    def owned(hook) -> bool:
        return getattr(hook, "__self__", None) is limiter or (
            getattr(hook, "args", None) and hook.args[0] is limiter
        )

    def met_a_limit() -> bool:
        return hasattr(request_ctx, "_limiter_request_context")

    def only_if_met(hook):
        def run(arg):
            return hook(arg) if met_a_limit() else arg

        return run

    before[:] = [hook for hook in before if not owned(hook)]
    after[:] = [only_if_met(hook) if owned(hook) else hook for hook in after]
    teardown[:] = [only_if_met(hook) if owned(hook) else hook for hook in teardown]


def register_template_helpers(app: Flask) -> None:
    from shop.payments.bank_transfer import transfer_details
    from shop.templating import init_templating

    init_templating(app)
    # The order e-mails (rendered by the orders domain) show an order's bank-transfer details.
    app.jinja_env.globals["bank_transfer"] = transfer_details


def register_error_handlers(app: Flask) -> None:
    from shop.errors import register_error_handlers as register

    register(app)


def register_cli(app: Flask) -> None:
    from shop.cli import register_commands

    register_commands(app)


def configure_static(app: Flask) -> None:
    if app.config["PROXY_FIX_X_FOR"]:
        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=app.static_folder,
        prefix="static/",
        max_age=app.config["STATIC_MAX_AGE"],
        add_headers_function=_static_headers,
    )


def _static_headers(headers, _path: str, _url: str) -> None:
    # Static files never reach Flask's after_request: browsers must not sniff them either.
    headers["X-Content-Type-Options"] = "nosniff"
