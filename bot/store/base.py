"""Declarative base, engine factory and transaction helper.

The session's lifecycle stays outside the functions that use it: services take a ``Session``,
entrypoints (web request, CLI command, scheduler job) open one with :func:`session_scope`.
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from bot.store.sqlite import BUSY_TIMEOUT_SECONDS, LazyWriteConnection

# Every module that defines tables; import_models imports them so metadata is complete (bot/store/migrate.py).
MODEL_MODULES: list[str] = [
    "bot.store.outbox",
    "bot.store.conversation",
    "bot.store.staff",
    "bot.store.questions",
    "bot.store.tickets",
    "bot.store.reminders",
    "bot.store.subscriptions",
    "bot.store.schedule",
    "bot.store.inbound",
    "bot.store.ratelimit",
    "bot.store.tokens",
]


class Base(DeclarativeBase):
    """Base class of every ORM model of the project."""


def utcnow() -> datetime:
    """The current time as a naive UTC datetime (the form stored in every table)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys, a busy timeout, WAL, and transactions managed by :mod:`bot.store.sqlite`."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - exercised through every test
        dbapi_connection.isolation_level = None  # LazyWriteConnection begins transactions, not pysqlite
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        if not getattr(engine.url, "database", None) in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def make_engine(database_url: str, echo: bool = False) -> Engine:
    """Create an engine; for SQLite, create the parent folder and turn on WAL, foreign keys and a busy timeout."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"factory": LazyWriteConnection} if database_url.startswith("sqlite") else {}
    # hide_parameters: a database error in the log must not carry the user's message text or ids
    engine = create_engine(database_url, echo=echo, future=True, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def import_models() -> None:
    """Import every module listed in :data:`MODEL_MODULES` so that ``Base.metadata`` knows all tables."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
