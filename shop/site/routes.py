"""Policies, the health check and robots.txt."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from flask import current_app, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shop.extensions import db
from shop.site import bp
from shop.urls import absolute_url

log = logging.getLogger(__name__)


@bp.get("/policies/returns")
def returns_policy():
    return render_template("site/returns_policy.html")


@bp.get("/policies/delivery")
def delivery_policy():
    return render_template(
        "site/delivery_policy.html",
        standard_fee=current_app.config["DELIVERY_STANDARD_FEE_VND"],
        chilled_fee=current_app.config["DELIVERY_CHILLED_FEE_VND"],
    )


# Probes of a server-based database run here, so a frozen server costs /healthz its budget
# (HEALTHZ_TIMEOUT_MS), not the connect or statement timeout. A stuck probe still ends within
# those timeouts, so at most a few threads wait at a time.
_probes = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")


def _probe(app) -> None:
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _database_ok() -> bool:
    try:
        if db.engine.dialect.name == "sqlite":  # a local file (or memory): no network to hang on
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
            return True
        budget = current_app.config["HEALTHZ_TIMEOUT_MS"] / 1000
        _probes.submit(_probe, current_app._get_current_object()).result(timeout=budget)
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("health check: database unreachable: %s", exc)
        return False
    except FutureTimeout:
        log.warning("health check: database did not answer within %.1f s", budget)
        return False
    return True


@bp.get("/healthz")
def healthz():
    if not _database_ok():
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.get("/robots.txt")
def robots():
    body = "\n".join(
        [
            "User-agent: *",
            "Disallow: /healthz",
            "Disallow: /products?*sort=",
            "",
            f"Sitemap: {absolute_url('catalog.sitemap')}",
            "",
        ]
    )
    return body, 200, {"Content-Type": "text/plain; charset=utf-8"}
