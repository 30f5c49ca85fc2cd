"""Bank transfers of payouts: producers' bank details (entered by their staff, verified by
an admin), a payout's VietQR code, the bank's batch file, and bank-statement reconciliation."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from shop.accounts.decorators import role_required
from shop.accounts.models import Role
from shop.banking import vietqr
from shop.banking.banks import bank_for
from shop.banking.uploads import confirmed_rows, preview_upload
from shop.catalog.models import Producer
from shop.db import begin_write_transaction, utcnow
from shop.extensions import db
from shop.payouts import bp
from shop.payouts.bank_accounts import (
    BankAccountNotAllowed,
    ProducerBankAccount,
    bank_account_of,
    save_bank_account,
    verify_bank_account,
)
from shop.payouts.bank_forms import (
    BankAccountForm,
    VerifyBankAccountForm,
    holder_form,
)
from shop.payouts.models import Payout, PayoutStatus
from shop.payouts.providers import DEFAULT_PROVIDER, payout_reference
from shop.payouts.reconcile import (
    AMOUNT,
    DONE,
    MANY,
    OTHER_METHOD,
    PAY,
    RECONCILE,
    RETURNED,
    STATE,
    TWICE,
    UNKNOWN,
    apply_statement,
    match_statement,
)

STATUS_LABELS = {
    PayoutStatus.DRAFT: _l("Draft"),
    PayoutStatus.APPROVED: _l("Approved"),
    PayoutStatus.SENT: _l("Sent"),
    PayoutStatus.PAID: _l("Paid"),
    PayoutStatus.FAILED: _l("Failed"),
    PayoutStatus.RECONCILED: _l("Reconciled"),
}
ACTION_LABELS = {
    PAY: _l("Mark paid"),
    RECONCILE: _l("Mark reconciled"),
    DONE: _l("Already recorded"),
    UNKNOWN: _l("No payout has this reference"),
    AMOUNT: _l("The amount differs from the payout's"),
    STATE: _l("The payout is not sent or paid"),
    RETURNED: _l("Money came back to the account"),
    TWICE: _l("The payout appears twice"),
    MANY: _l("The note names several payouts"),
    OTHER_METHOD: _l("The payout is not paid by bank transfer"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# --- the producer's own bank details ----------------------------------------------------------


@bp.route("/producer/bank-account", methods=["GET", "POST"])
@role_required(Role.PRODUCER_STAFF)
def producer_bank_account():
    producer = db.session.get(Producer, current_user.producer_id)
    if producer is None:
        abort(404)
    account = bank_account_of(producer.id)
    form = BankAccountForm(obj=account, legal_name=producer.name)
    if form.validate_on_submit():
        user_id = current_user.id
        begin_write_transaction(db.session)
        producer = db.session.get(Producer, current_user.producer_id)
        save_bank_account(
            producer,
            bank_bin=form.bank_bin.data,
            account_number=form.account_number.data,
            holder_name=holder_form(form.holder_name.data),
            user_id=user_id,
        )
        db.session.commit()
        flash(_("Bank details saved. The OCOP office checks them before the next payout."),
              "success")  # fmt: skip
        return redirect(url_for("payouts.producer_bank_account"))
    return render_template(
        "payouts/producer_bank_account.html",
        form=form,
        account=account,
        producer=producer,
        legal_holder=holder_form(producer.name),
    )


# --- the office verifies them -----------------------------------------------------------------


@bp.route("/admin/producers/<int:producer_id>/bank-account", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def verify_producer_bank_account(producer_id: int):
    producer = db.session.get(Producer, producer_id)
    if producer is None:
        abort(404)
    account = bank_account_of(producer_id)
    form = VerifyBankAccountForm()
    if form.validate_on_submit() and account is not None:
        admin_id = current_user.id
        begin_write_transaction(db.session)
        account = db.session.get(ProducerBankAccount, account.id)
        try:
            done = verify_bank_account(
                account,
                admin_id=admin_id,
                now=utcnow(),
                seen={
                    "bank_bin": form.bank_bin.data,
                    "account_number": form.account_number.data,
                    "holder_name": form.holder_name.data,
                },
            )
        except BankAccountNotAllowed:
            db.session.rollback()
            flash(_("Someone other than the person who entered these details must verify them."),
                  "error")  # fmt: skip
        else:
            db.session.commit()
            if done:
                flash(_("Bank details verified."), "success")
            else:
                flash(_("These details changed or were verified meanwhile: check them again."),
                      "info")  # fmt: skip
        return redirect(url_for("payouts.verify_producer_bank_account", producer_id=producer_id))
    if account is not None and not form.is_submitted():
        form.bank_bin.data = account.bank_bin
        form.account_number.data = account.account_number
        form.holder_name.data = account.holder_name
    return render_template(
        "payouts/verify_bank_account.html",
        producer=producer,
        account=account,
        form=form,
        legal_holder=holder_form(producer.name),
    )


# --- a payout's transfer ----------------------------------------------------------------------


def _transfer(payout: Payout, account: ProducerBankAccount | None) -> dict | None:
    """The VietQR code of a bank-transfer payout the office is about to pay (or has sent)."""
    if payout.provider != DEFAULT_PROVIDER or account is None or not account.verified:
        return None
    if payout.status not in (PayoutStatus.APPROVED, PayoutStatus.SENT):
        return None
    payload = vietqr.build_payload(
        bin=account.bank_bin,
        account=account.account_number,
        amount_vnd=payout.amount_vnd,
        purpose=payout_reference(payout.id),
    )
    return {"payload": payload, "svg": vietqr.svg(payload, title=payout_reference(payout.id))}


@bp.get("/admin/payouts/<int:payout_id>")
@role_required(Role.ADMIN)
def payout_detail(payout_id: int):
    payout = db.session.get(Payout, payout_id)
    if payout is None:
        abort(404)
    producer = db.session.get(Producer, payout.producer_id)
    account = bank_account_of(payout.producer_id)
    return render_template(
        "payouts/payout_detail.html",
        payout=payout,
        producer=producer,
        account=account,
        reference=payout_reference(payout.id),
        status_label=status_label(payout.status),
        qr=_transfer(payout, account),
    )


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/admin/payouts/batch.csv")
@role_required(Role.ADMIN)
def batch_csv():
    """The approved bank-transfer payouts whose bank details are verified, for the bank's
    batch transfer."""
    rows = db.session.execute(
        select(Payout, ProducerBankAccount)
        .join(ProducerBankAccount, ProducerBankAccount.producer_id == Payout.producer_id)
        .where(
            Payout.status == PayoutStatus.APPROVED,
            Payout.provider == DEFAULT_PROVIDER,
            ProducerBankAccount.verified_at.is_not(None),
        )
        .order_by(Payout.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Bank BIN"), _("Bank"), _("Account number"), _("Account holder"),
                     _("Amount (VND)"), _("Reference")])  # fmt: skip
    for payout, account in rows:
        bank = bank_for(account.bank_bin)
        writer.writerow(
            [
                _cell(account.bank_bin),
                _cell(bank.short_name if bank else ""),
                _cell(account.account_number),
                _cell(account.holder_name),
                payout.amount_vnd,
                _cell(payout_reference(payout.id)),
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM: spreadsheets then read the file as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="payouts-batch.csv"'},
    )


# --- bank statements --------------------------------------------------------------------------


SALT = "bank-statement"


@bp.route("/admin/payouts/bank-statement", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def bank_statement():
    # Only the rows that name a payout travel to the confirmation; the server signs them and
    # matches them again against the payouts when confirmed.
    preview = preview_upload(SALT, match_statement)
    return render_template(
        "payouts/bank_statement.html",
        form=preview.form,
        problems=preview.problems,
        matches=preview.matches,
        plan=preview.plan,
        confirm_form=preview.confirm_form,
        action_labels=ACTION_LABELS,
        status_label=status_label,
        reference=payout_reference,
    )


@bp.post("/admin/payouts/bank-statement/confirm")
@role_required(Role.ADMIN)
def confirm_bank_statement():
    rows = confirmed_rows(SALT)
    if rows is None:
        flash(_("This preview expired or was changed: upload the statement again."), "error")
        return redirect(url_for("payouts.bank_statement"))
    admin_id = current_user.id
    begin_write_transaction(db.session)
    applied = apply_statement(rows, admin_id=admin_id)
    db.session.commit()
    if applied:
        flash(_("%(count)d payout(s) updated from the statement.", count=len(applied)), "success")
    else:
        flash(_("Nothing to update: the statement's payouts are already recorded."), "info")
    return redirect(url_for("payouts.bank_statement"))
