"""The application factory: a list of configure steps and nothing else."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from config import Config, config_from_env

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | Config | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config or config_from_env())
    configure_logging(app)
    check_translations(app)
    configure_security(app)
    configure_extensions(app)
    configure_database(app)
    configure_i18n(app)
    configure_edge(app)
    configure_jobs(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_cli(app)
    configure_static(app)
    return app


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
    login_manager.init_app(app)
    limiter.init_app(app)
    init_cache(app)
    # Import every model module so metadata (and Alembic autogenerate) sees all tables.
    import shop.models  # noqa: F401


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
    from shop.cart import bp as cart_bp
    from shop.catalog import bp as catalog_bp
    from shop.checkout import bp as checkout_bp
    from shop.payments import bp as payments_bp
    from shop.producer import bp as producer_bp
    from shop.site import bp as site_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(producer_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(addresses_bp)


def register_template_helpers(app: Flask) -> None:
    from shop.templating import init_templating

    init_templating(app)


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
