"""The producer portal's monthly statements: the months whose ledger moved, and each month's
statement as PDF or CSV, in Vietnamese or English. Staff see only their own producer's."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from shop.accounts.decorators import role_required
from shop.accounts.models import Role
from shop.catalog.models import Producer
from shop.extensions import db
from shop.payouts.report_routes import statement_file
from shop.payouts.statements import statement_months
from shop.producer import bp


@bp.get("/statements")
@role_required(Role.PRODUCER_STAFF)
def statements():
    producer_id = current_user.producer_id
    return render_template(
        "producer/statements.html",
        producer=db.session.get(Producer, producer_id),
        months=statement_months(producer_id),
    )


@bp.get("/statements/<int:year>/<int:month>.<any(pdf, csv):fmt>")
@role_required(Role.PRODUCER_STAFF)
def statement(year: int, month: int, fmt: str):
    return statement_file(current_user.producer_id, year, month, fmt)
