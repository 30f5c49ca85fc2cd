"""Run a periodic job at most once per tick, however many workers schedule it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite

from shop.db import begin_write_transaction
from shop.extensions import db
from shop.jobs.models import JobRun

log = logging.getLogger(__name__)
KEEP_RUNS = timedelta(days=7)


def run_once_per_tick(job: str, tick_at: datetime, work: Callable[[], int]) -> int | None:
    """Claim ``(job, tick_at)`` and run ``work`` in the same write transaction, then commit.

    Returns what ``work`` returned, or None when another worker already ran (or is running)
    this tick: on PostgreSQL the second insert waits for the first transaction and then finds
    the row; on SQLite ``BEGIN IMMEDIATE`` serialises the two. If ``work`` fails, the claim
    rolls back with it and the next tick tries again.
    """
    begin_write_transaction(db.session)
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    claimed = db.session.execute(
        dialect.insert(JobRun.__table__)
        .values(job=job, tick_at=tick_at)
        .on_conflict_do_nothing(index_elements=["job", "tick_at"])
        .returning(JobRun.__table__.c.job)
    ).first()
    if claimed is None:
        db.session.rollback()
        log.info("job %s: tick %s already ran elsewhere", job, tick_at.isoformat())
        return None
    try:
        result = work()
        db.session.execute(
            update(JobRun).where(JobRun.job == job, JobRun.tick_at == tick_at).values(result=result)
        )
        db.session.execute(
            delete(JobRun).where(JobRun.job == job, JobRun.tick_at < tick_at - KEEP_RUNS)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    log.info("job %s: tick %s done (%s)", job, tick_at.isoformat(), result)
    return result


def minute_tick(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def hour_tick(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def day_tick(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
