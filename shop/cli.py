"""Flask commands: the demo seed, admin creation, the job worker and the periodic jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import Flask
from sqlalchemy import select

from shop.extensions import db


def register_commands(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option(
        "--if-empty", is_flag=True, help="Only seed when there are no products or experiences yet."
    )
    def seed_demo_command(if_empty: bool) -> None:
        """Load the demo catalogue (idempotent: safe to run again)."""
        from shop.bundles.demo import bundles_missing, seed_bundles
        from shop.demo.seed import demo_is_missing, seed_demo
        from shop.templating import local_today

        if if_empty and not demo_is_missing():
            click.echo("Catalogue already has products and experiences; demo seed skipped.")
            if bundles_missing():  # a database seeded before bundles existed gets them
                click.echo(f"Demo bundles on sale: {seed_bundles()}.")
                db.session.commit()
            return
        counts = seed_demo(local_today())
        # Bundles after the goods and experiences they are made of.
        counts["bundles"] = seed_bundles()
        db.session.commit()
        click.echo(
            "Demo catalogue ready: {categories} categories, {producers} producers, "
            "{products} products, {experiences} experiences ({sessions} new sessions), "
            "{bundles} bundles.".format(**counts)
        )

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="OCOP admin")
    @click.password_option()
    def create_admin_command(email: str, name: str, password: str) -> None:
        """Create an admin account, or make an existing account an admin."""
        from shop.accounts.models import Role, User

        email = email.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name)
            db.session.add(user)
        user.role = Role.ADMIN
        user.set_password(password)
        db.session.commit()
        click.echo(f"Admin ready: {email}")

    @app.cli.command("create-office-user")
    @click.argument("email")
    @click.option("--province", "province", required=True, help="The province's code or name.")
    @click.option("--name", default="Văn phòng OCOP")
    @click.password_option()
    def create_office_user_command(email: str, province: str, name: str, password: str) -> None:
        """Create an OCOP office account for one province (or make an account one)."""
        from shop.accounts.models import Role, User
        from shop.addresses.services import find_province

        found = find_province(province)
        if found is None:
            raise click.BadParameter(
                f"no province {province!r} in the 2025 list", param_hint="--province"
            )
        email = email.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name)
            db.session.add(user)
        user.role, user.province_code, user.producer_id = Role.OCOP_OFFICE, found.code, None
        user.producer_admin = False
        user.set_password(password)
        db.session.commit()
        click.echo(f"OCOP office account ready: {email} ({found.name})")

    ocop = click.Group("ocop", help="OCOP certificate jobs.")

    @ocop.command("expire-certificates")
    def expire_certificates_command() -> None:
        """Mark certificates past their validity as expired (idempotent, for cron)."""
        from shop.catalog.services import expire_certificates
        from shop.templating import local_today

        changed = expire_certificates(local_today())
        db.session.commit()
        click.echo(f"{changed} certificate(s) marked expired.")

    @ocop.command("remind-certificates")
    def remind_certificates_command() -> None:
        """E-mail producers whose certificates reach 90, 60 or 30 days before their last valid
        day; each reminder is sent once (idempotent, safe beside the worker's daily job)."""
        from shop.db import begin_write_transaction
        from shop.producer.reminders import send_certificate_reminders
        from shop.templating import local_today

        begin_write_transaction(db.session)
        run = send_certificate_reminders(local_today())
        db.session.commit()
        click.echo(f"{run.reminders} certificate reminder(s) sent in {run.emails} e-mail(s).")
        if run.unreachable:
            click.echo(
                f"{run.unreachable} reminder(s) due for producers with no admin account and no "
                "contact e-mail."
            )

    app.cli.add_command(ocop)

    orders = click.Group("orders", help="Order jobs.")

    @orders.command("expire")
    def expire_orders_command() -> None:
        """Expire unpaid orders past their payment window and release their stock (for cron).

        Idempotent and safe to run on two machines at once: each order is released by whichever
        compare-and-set wins.
        """
        from shop.db import begin_write_transaction, utcnow
        from shop.orders.services import expire_due_orders

        begin_write_transaction(db.session)
        expired = expire_due_orders(utcnow())
        db.session.commit()
        click.echo(f"{expired} order(s) expired.")

    app.cli.add_command(orders)

    batches = click.Group("batches", help="Gift batch jobs.")

    @batches.command("expire-links")
    def expire_links_command() -> None:
        """Recipient links past their batch's claim-by date fail "not claimed" (idempotent,
        for cron)."""
        from shop.batches.claims import expire_links

        click.echo(f"{expire_links()} recipient link(s) expired.")

    app.cli.add_command(batches)

    tourism = click.Group("tourism", help="Experience jobs.")

    @tourism.command("complete-bookings")
    def complete_bookings_command() -> None:
        """Mark the bookings of sessions that have ended as completed, and parts made only of
        bookings as delivered (idempotent, for cron)."""
        from shop.db import begin_write_transaction, utcnow
        from shop.orders.services import complete_booking_parts

        begin_write_transaction(db.session)
        completed = complete_booking_parts(utcnow())
        db.session.commit()
        click.echo(f"{completed} booking(s) completed.")

    @tourism.command("purge-guests")
    def purge_guests_command() -> None:
        """Erase foreign guests' passport data 30 days after their stay (idempotent, for cron)."""
        from shop.db import begin_write_transaction, utcnow
        from shop.tourism.services import purge_guest_data

        begin_write_transaction(db.session)
        erased = purge_guest_data(utcnow())
        db.session.commit()
        click.echo(f"{erased} guest record(s) erased.")

    app.cli.add_command(tourism)

    partners = click.Group("partners", help="Partner API jobs.")

    @partners.command("purge-idempotency")
    def purge_idempotency_command() -> None:
        """Delete the partners' idempotency records older than 24 hours (idempotent, for
        cron)."""
        from shop.db import begin_write_transaction, utcnow
        from shop.partners.idempotency import purge_idempotency_records

        begin_write_transaction(db.session)
        purged = purge_idempotency_records(utcnow())
        db.session.commit()
        click.echo(f"{purged} idempotency record(s) deleted.")

    app.cli.add_command(partners)

    payouts = click.Group("payouts", help="Producer payouts.")

    @payouts.command("run")
    @click.option("--dry-run", is_flag=True, help="Show who would be paid; write nothing.")
    @click.option("--by", "admin_email", help="The admin starting the run (cannot approve it).")
    def run_payouts_command(dry_run: bool, admin_email: str | None) -> None:
        """Make a draft payout for every producer whose available balance reaches
        PAYOUT_MINIMUM_VND. Safe to run again: a producer is paid once per run (the date)."""
        from shop.accounts.models import Role, User
        from shop.payouts.services import run_payouts
        from shop.templating import local_today

        created_by_id = None
        if admin_email:
            admin = db.session.scalar(
                select(User).where(User.email == admin_email, User.role == Role.ADMIN)
            )
            if admin is None:
                raise click.ClickException(f"no admin with the address {admin_email}")
            created_by_id = admin.id
        report = run_payouts(local_today(), dry_run=dry_run, created_by_id=created_by_id)
        for producer_id, amount in report.payouts:
            click.echo(f"producer {producer_id}: {amount} VND")
        verb = "would be made" if dry_run else "made"
        click.echo(f"{len(report.payouts)} payout(s) {verb}, {report.total_vnd} VND in all.")
        reasons = {"no_verified_bank_account": "no verified bank details"}
        for producer_id, reason in report.skipped:
            click.echo(f"producer {producer_id}: skipped ({reasons.get(reason, reason)})")
        if report.skipped:
            click.echo(f"{len(report.skipped)} producer(s) skipped; their money keeps accruing.")

    @payouts.command("send")
    def send_payouts_command() -> None:
        """Send every approved payout through its provider (bank transfer, Stripe Connect).
        Safe to run again: each payout carries its own idempotency key."""
        from shop.payouts.sending import send_approved_payouts

        report = send_approved_payouts()
        click.echo(f"{len(report.sent)} payout(s) sent, {len(report.failed)} refused.")

    @payouts.command("clawback")
    def clawback_command() -> None:
        """Take back, through the provider, money refunded after a Stripe Connect payout.
        Safe to run again: each clawback carries its own idempotency key."""
        from shop.payouts.clawbacks import reverse_pending_clawbacks

        report = reverse_pending_clawbacks()
        click.echo(f"{report.done} clawback(s) done, {report.retrying} refused (retried later).")

    app.cli.add_command(payouts)

    invoicing = click.Group("invoicing", help="VAT invoices.")

    @invoicing.command("issue")
    def issue_invoices_command() -> None:
        """Issue the VAT invoices asked for (and retry those the e-invoice service failed).
        Safe to run again: each request is claimed and recorded once."""
        from shop.invoicing.services import issue_requested_invoices

        report = issue_requested_invoices()
        click.echo(f"{len(report.issued)} invoice(s) issued, {len(report.failed)} failed.")

    app.cli.add_command(invoicing)

    jobs = click.Group("jobs", help="The job worker (outbox delivery, periodic jobs).")

    @jobs.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Worker threads.")
    @click.option(
        "--no-periodic", is_flag=True, help="Do not schedule the periodic jobs from this worker."
    )
    def jobs_worker_command(workers: int, no_periodic: bool) -> None:
        """Run the job worker in the foreground (the same as ``huey_consumer shop.jobs.huey``)."""
        from shop.jobs import huey, use_app

        use_app(app)
        huey.immediate = False
        consumer = huey.create_consumer(
            workers=workers, worker_type="thread", periodic=not no_periodic
        )
        consumer.run()

    app.cli.add_command(jobs)

    @app.cli.command("run-all")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True)
    def run_all_command(host: str, port: int) -> None:
        """The development server with the job worker beside it; stopping one stops both."""
        from werkzeug.serving import run_simple

        def stop(signum, _frame):
            raise SystemExit(128 + signum)

        # Ctrl-C and a plain `kill` both end the server and then the worker (the finally below).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, stop)
        worker = subprocess.Popen(  # noqa: S603 - our own command, no user input
            [sys.executable, "-m", "flask", "jobs", "worker"], env=os.environ.copy()
        )
        try:
            run_simple(host, port, app, threaded=True)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()

    outbox = click.Group("outbox", help="Side effects waiting for the job worker.")

    @outbox.command("status")
    def outbox_status_command() -> None:
        """How many messages are pending, sending, sent and failed."""
        from shop.outbox.services import status_counts

        counts = status_counts()
        for status in ("pending", "sending", "sent", "failed"):
            click.echo(f"{status}: {counts.get(status, 0)}")

    @outbox.command("deliver")
    def outbox_deliver_command() -> None:
        """Deliver the due messages now, in this process (what the worker does every minute)."""
        from shop.outbox.services import deliver_due

        report = deliver_due()
        click.echo(f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed.")

    @outbox.command("retry")
    def outbox_retry_command() -> None:
        """Give the messages that failed for good a fresh set of attempts."""
        from shop.outbox.services import retry_failed

        count = retry_failed()
        db.session.commit()
        click.echo(f"{count} message(s) queued again.")

    app.cli.add_command(outbox)

    i18n = click.Group("i18n", help="Translation catalogue chores.")

    @i18n.command("fill-en")
    def fill_english_catalogue() -> None:
        """Copy each English msgid into the English catalogue, so it is complete by construction."""
        from pathlib import Path

        from babel.messages.pofile import read_po, write_po

        path = Path(app.root_path) / "translations" / "en" / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="en")
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple):  # singular and plural, English has both forms
                if not all(message.string):
                    message.string = tuple(message.id)
            elif not message.string:
                message.string = message.id
            message.flags.discard("fuzzy")
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
        click.echo(f"English catalogue: {len(catalog)} messages.")

    app.cli.add_command(i18n)
