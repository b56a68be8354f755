"""Insert-if-absent for SQLite and PostgreSQL: the one dialect-specific statement the store needs.

Both dialects spell it ``INSERT ... ON CONFLICT (...) DO NOTHING``; SQLAlchemy has a construct per dialect.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_if_absent(session: Session, model: type, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert ``values`` into ``model``'s table unless a row with the same ``keys`` exists; True when inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    return session.execute(statement).rowcount == 1
