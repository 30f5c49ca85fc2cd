"""Policies, the health check and robots.txt."""

from __future__ import annotations

import logging

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


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("health check: database unreachable: %s", exc)
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
