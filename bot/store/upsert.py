"""Insert-or-update for SQLite and PostgreSQL: the dialect-specific statements the store needs.

Both dialects spell it ``INSERT ... ON CONFLICT (...) DO NOTHING / DO UPDATE``; SQLAlchemy has a construct per
dialect. One statement instead of a SELECT and an INSERT or UPDATE, and atomic under concurrency.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, model: type, values: dict[str, Any]):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model).values(**values)


def insert_if_absent(session: Session, model: type, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert ``values`` into ``model``'s table unless a row with the same ``keys`` exists; True when inserted."""
    statement = _insert(session, model, values).on_conflict_do_nothing(index_elements=keys)
    return session.execute(statement).rowcount == 1


def upsert(session: Session, model: type, values: dict[str, Any], keys: list[str], update: Iterable[str]) -> None:
    """Insert ``values``, or when a row with the same ``keys`` exists set its ``update`` columns to them."""
    statement = _insert(session, model, values)
    statement = statement.on_conflict_do_update(index_elements=keys, set_={name: statement.excluded[name] for name in update})
    session.execute(statement)
