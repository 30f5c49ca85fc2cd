"""One row per periodic job and tick: the claim that makes a tick run once across workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.db import utcnow
from shop.extensions import db


class JobRun(db.Model):
    """``(job, tick_at)`` is the primary key: the worker that inserts it runs the tick, in the
    same transaction as the job's work; any other worker finds the row and skips."""

    __tablename__ = "job_run"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    tick_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # What the run did (orders expired, certificates marked, …), for operations.
    result: Mapped[int | None] = mapped_column(Integer)
