"""Declarative base with a constraint naming convention, shared mixins and engine tuning."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column: str, values) -> str:
    """SQL for a CHECK constraint: ``column IN ('a', 'b')`` from an enum or a list."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def utcnow() -> datetime:
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def engine_options(config) -> dict:
    """``SQLALCHEMY_ENGINE_OPTIONS`` with the PostgreSQL timeouts from the settings.

    A server that is down, frozen or locked then costs a request a few seconds and a 503 page,
    not a worker stuck for minutes: ``connect_timeout`` bounds opening a connection (psycopg
    waits at least 2 s), ``statement_timeout`` (sent at connect) bounds each statement and its
    lock waits, and ``pool_timeout`` bounds the wait for a free connection in the pool.
    """
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "postgresql":
        return options
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", config["DATABASE_CONNECT_TIMEOUT"])
    statement_ms = int(config["DATABASE_STATEMENT_TIMEOUT_MS"])
    if statement_ms > 0:
        connect_args.setdefault("options", f"-c statement_timeout={statement_ms}")
    options["connect_args"] = connect_args
    options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
    return options


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL journal, foreign keys, a busy timeout, and transactions SQLAlchemy controls.

    pysqlite's own transaction handling is switched off so that SQLAlchemy emits BEGIN itself;
    a unit of work that will write asks for ``BEGIN IMMEDIATE`` through the
    ``sqlite_begin_immediate`` execution option, so concurrent writers queue on the busy timeout
    instead of failing half-way with "database is locked".
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get("sqlite_begin_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def begin_write_transaction(session) -> None:
    """End any read-only transaction and start one that will write.

    On SQLite this is ``BEGIN IMMEDIATE``: the write lock is taken up front, so concurrent
    writers queue on the busy timeout instead of failing mid-transaction. On PostgreSQL it is
    an ordinary transaction. Call it before a service that reserves stock.
    """
    session.rollback()
    session.connection(execution_options={"sqlite_begin_immediate": True})


def move_status(
    session, model, row, table: dict[str, frozenset[str]], target: str, *, where=(), **values
) -> bool:
    """Compare-and-set ``row`` (of ``model``) to the status ``target`` from any status the
    ``table`` allows to reach it, as the database has it now (not as ``row`` was read), under
    the extra ``where`` conditions, setting ``values`` too; ``row`` is refreshed when it moved.
    Returns whether it moved: of a job and a page racing, one only."""
    sources = [status for status, targets in table.items() if target in targets]
    moved = session.execute(
        update(model)
        .where(model.id == row.id, model.status.in_(sources), *where)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved:
        session.refresh(row)
    return bool(moved)
