"""The job worker (Huey): outbox delivery and the periodic jobs.

``huey`` is the queue every process shares: SQLite storage (``JOBS_SQLITE_PATH``, a file under
``instance/``) by default, Redis when ``REDIS_URL`` is set. The worker is
``flask jobs worker`` (or ``huey_consumer shop.jobs.huey``); ``make run`` starts it beside the
web server. Tasks run in an application context of their own, so they get a database session
of their own; with ``JOBS_IMMEDIATE`` (the tests) a task runs at once, in the caller's process.

Periodic jobs are scheduled by every worker that runs the scheduler; each runs once per tick
(``shop/jobs/runs.py``), and the work inside is a compare-and-set anyway.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab

from config import Config

log = logging.getLogger(__name__)


def make_huey(redis_url: str, sqlite_path: str, name: str = "ocop") -> Huey:
    """Redis storage when ``redis_url`` is set, else a SQLite file. Results are not kept:
    tasks report through the database and the log."""
    if redis_url:
        return RedisHuey(name, url=redis_url, results=False)
    Path(sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=sqlite_path, results=False)


huey = make_huey(Config.REDIS_URL, Config.JOBS_SQLITE_PATH)

_worker_app: Flask | None = None
_worker_app_lock = threading.Lock()


def init_jobs(app: Flask) -> None:
    """``JOBS_IMMEDIATE`` runs each task in the calling process (tests; a worker-less setup)."""
    huey.immediate = bool(app.config["JOBS_IMMEDIATE"])


def use_app(app: Flask) -> None:
    """Run tasks in ``app`` (``flask jobs worker`` passes its own) instead of creating one."""
    global _worker_app
    _worker_app = app


def job_app() -> Flask:
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    with _worker_app_lock:
        if _worker_app is None:
            from shop import create_app

            mode = huey.immediate  # a running consumer stays a consumer, whatever the config
            _worker_app = create_app()
            huey.immediate = mode
        return _worker_app


@contextmanager
def job_context() -> Iterator[None]:
    """A fresh application context, hence a fresh database session (removed afterwards)."""
    with job_app().app_context():
        yield


@huey.task()
def deliver_outbox() -> int:
    """Deliver every outbox message that is due; enqueued after each commit that wrote one."""
    from shop.outbox.services import deliver_due

    with job_context():
        return deliver_due().sent


@huey.task()
def close_payment_pages(provider_id: str, sessions: list[str]) -> int:
    """Close the provider's payment pages of attempts the shop closed (the order was paid
    another way, expired or failed); enqueued after the commit that closed them."""
    from shop.payments.services import close_provider_pages

    with job_context():
        return close_provider_pages(provider_id, sessions)


@huey.periodic_task(crontab(minute="*"))
def sweep_outbox() -> int:
    """Every minute: retries whose backoff is over, and anything a lost enqueue left behind."""
    from shop.outbox.services import deliver_due

    with job_context():
        return deliver_due().sent


@huey.periodic_task(crontab(minute="*"))
def expire_orders() -> int | None:
    """Every minute: unpaid orders past their payment window expire, stock comes back
    (`flask orders expire`)."""
    from shop.db import utcnow
    from shop.jobs.runs import minute_tick, run_once_per_tick
    from shop.orders.services import expire_due_orders

    with job_context():
        now = utcnow()
        return run_once_per_tick("expire-orders", minute_tick(now), lambda: expire_due_orders(now))


# 17:05 UTC is 00:05 in Vietnam: just after a certificate's last valid day ends.
@huey.periodic_task(crontab(minute="5", hour="17"))
def expire_certificates() -> int | None:
    """Daily: certificates past their validity marked expired (flask ocop expire-certificates)."""
    from shop.catalog.services import expire_certificates as expire
    from shop.db import utcnow
    from shop.jobs.runs import day_tick, run_once_per_tick
    from shop.templating import local_today

    with job_context():
        return run_once_per_tick(
            "expire-certificates", day_tick(utcnow()), lambda: expire(local_today())
        )


# 17:10 UTC is 00:10 in Vietnam: the new day's days left, after the expiry job, in the night.
@huey.periodic_task(crontab(minute="10", hour="17"))
def remind_certificates() -> int | None:
    """Daily: producers e-mailed 90, 60 and 30 days before a certificate's last valid day,
    each reminder once (`flask ocop remind-certificates`); returns how many e-mails."""
    from shop.db import utcnow
    from shop.jobs.runs import day_tick, run_once_per_tick
    from shop.producer.reminders import send_certificate_reminders
    from shop.templating import local_today

    with job_context():
        return run_once_per_tick(
            "remind-certificates",
            day_tick(utcnow()),
            lambda: send_certificate_reminders(local_today()).emails,
        )


@huey.periodic_task(crontab(minute="7"))
def complete_sessions() -> int | None:
    """Hourly: bookings of sessions that have ended become completed, which payouts wait for,
    and an operator's part made only of bookings counts as delivered
    (`flask tourism complete-bookings`)."""
    from shop.db import utcnow
    from shop.jobs.runs import hour_tick, run_once_per_tick
    from shop.orders.services import complete_booking_parts

    with job_context():
        now = utcnow()
        return run_once_per_tick(
            "complete-sessions", hour_tick(now), lambda: complete_booking_parts(now)
        )


# 20:15 UTC is 03:15 in Vietnam: a quiet hour.
@huey.periodic_task(crontab(minute="15", hour="20"))
def purge_guest_data() -> int | None:
    """Daily: foreign guests' passport data erased 30 days after their stay
    (`flask tourism purge-guests`)."""
    from shop.db import utcnow
    from shop.jobs.runs import day_tick, run_once_per_tick
    from shop.tourism.services import purge_guest_data as purge

    with job_context():
        now = utcnow()
        return run_once_per_tick("purge-guest-data", day_tick(now), lambda: purge(now))


# 20:25 UTC is 03:25 in Vietnam: a quiet hour.
@huey.periodic_task(crontab(minute="25", hour="20"))
def purge_idempotency_records() -> int | None:
    """Daily: the partners' idempotency records older than 24 hours deleted
    (`flask partners purge-idempotency`)."""
    from shop.db import utcnow
    from shop.jobs.runs import day_tick, run_once_per_tick
    from shop.partners.idempotency import purge_idempotency_records as purge

    with job_context():
        now = utcnow()
        return run_once_per_tick("purge-idempotency", day_tick(now), lambda: purge(now))


# Mondays 01:30 UTC is 08:30 in Vietnam, when the office can approve the drafts.
@huey.periodic_task(crontab(minute="30", hour="1", day_of_week="1"))
def run_payouts() -> int:
    """Weekly: a draft payout for every producer whose available balance reaches the minimum
    (`flask payouts run`); a second admin approves them. The run commits producer by producer,
    so it does not go through ``run_once_per_tick``: its own key (the date) already makes a
    second worker, or a re-run after a crash, pay nobody twice."""
    from shop.payouts.services import run_payouts as run
    from shop.templating import local_today

    with job_context():
        return len(run(local_today()).payouts)


@huey.periodic_task(crontab(minute="20"))
def send_approved_payouts() -> int:
    """Hourly: every payout a second admin approved goes out through its provider (`flask
    payouts send`). Each send is a compare-and-set and carries the payout's idempotency key,
    so two workers, or a re-run after a crash, move the money once."""
    from shop.payouts.sending import send_approved_payouts as send

    with job_context():
        return len(send().sent)


@huey.task()
def reverse_payout_clawbacks() -> int:
    """Take back money from paid payouts after a refund; enqueued after the refund's commit."""
    from shop.payouts.clawbacks import reverse_pending_clawbacks

    with job_context():
        return reverse_pending_clawbacks().done


@huey.task()
def issue_invoices() -> int:
    """Issue the VAT invoices asked for; enqueued after the commit that asked."""
    from shop.invoicing.services import issue_requested_invoices

    with job_context():
        return len(issue_requested_invoices().issued)


@huey.periodic_task(crontab(minute="*/10"))
def sweep_invoices() -> int:
    """Every ten minutes: invoices the e-invoice service failed to issue, or a lost enqueue
    left behind, are tried again."""
    from shop.invoicing.services import issue_requested_invoices

    with job_context():
        return len(issue_requested_invoices().issued)


@huey.periodic_task(crontab(minute="25"))
def sweep_payout_clawbacks() -> int:
    """Hourly: clawbacks the provider refused, or a lost enqueue left behind, are tried again."""
    from shop.payouts.clawbacks import reverse_pending_clawbacks

    with job_context():
        return reverse_pending_clawbacks().done


@huey.periodic_task(crontab(minute="*/10"))
def expire_quotes() -> int | None:
    """Every ten minutes: sent quotes past their validity become expired (accepting one
    checks the clock itself, so this only keeps lists and e-mails right)."""
    from shop.db import utcnow
    from shop.jobs.runs import minute_tick, run_once_per_tick
    from shop.quotes.services import expire_due_quotes

    with job_context():
        now = utcnow()
        return run_once_per_tick("expire-quotes", minute_tick(now), lambda: expire_due_quotes(now))


@huey.task()
def create_batch_orders(batch_id: int, recipient_id: int | None = None) -> int:
    """A gift batch's child orders, one short transaction per recipient; enqueued after the
    commit that started the batch (or approved it), and for one recipient after the commit
    that claimed its link. Running it again creates nothing twice."""
    from shop.batches.services import create_orders

    with job_context():
        return create_orders(batch_id, recipient_id=recipient_id).created


@huey.periodic_task(crontab(minute="10"))
def expire_gift_links() -> int:
    """Recipient links past their batch's claim-by date: the recipient fails, not claimed,
    and its share is never ordered."""
    from shop.batches.claims import expire_links

    with job_context():
        return expire_links()
