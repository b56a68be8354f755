"""SQLite transactions that behave like PostgreSQL's READ COMMITTED with one writer at a time.

pysqlite left to itself emits BEGIN only before INSERT/UPDATE/DELETE and runs everything else as given. A
SAVEPOINT opened first (the router's ``begin_nested``) therefore became the outermost transaction and its RELEASE
committed the handler's work before the caller's transaction ended. Emitting BEGIN at the start of every
transaction (SQLAlchemy's recipe) fixes that, but then a transaction either holds the single write lock from its
first statement (IMMEDIATE: every handler's thinking time serialized across processes) or fails when it upgrades
from reading to writing after another process wrote (DEFERRED: ``SQLITE_BUSY_SNAPSHOT``).

This connection does what PostgreSQL does by default instead: reads outside a write see the latest committed
data and take no lock; the first write of a transaction takes the write lock (``BEGIN IMMEDIATE``, waiting for
another writer by polling each millisecond, not SQLite's sleeps of up to 100 ms) and holds it to the end.
SAVEPOINTs opened before the first write are remembered and opened for real only when that write comes, so a
RELEASE never commits anything on its own.
"""

from __future__ import annotations

import sqlite3
import time

BUSY_TIMEOUT_SECONDS = 10.0
_READS = ("SELECT", "PRAGMA", "EXPLAIN", "VALUES")
_OUTSIDE_TRANSACTIONS = ("BEGIN", "COMMIT", "ROLLBACK", "END", "VACUUM", "ATTACH", "DETACH")


def _verb(sql: str) -> str:
    return sql.lstrip()[:20].upper()


class LazyWriteConnection(sqlite3.Connection):
    """A pysqlite connection (use with ``isolation_level=None``) whose transactions start at their first write."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pending_savepoints: list[str] = []

    def cursor(self, factory=None):
        return super().cursor(factory or LazyWriteCursor)

    def begin_write(self) -> None:
        """BEGIN IMMEDIATE (polling while another process writes), then the savepoints opened so far."""
        deadline, delay = time.monotonic() + BUSY_TIMEOUT_SECONDS, 0.0001
        raw = super().cursor()
        raw.execute("PRAGMA busy_timeout=0")
        try:
            while True:
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) or time.monotonic() > deadline:
                        raise
                    time.sleep(delay)
                    delay = min(delay * 2, 0.001)
        finally:
            raw.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        for name in self.pending_savepoints:
            raw.execute(f"SAVEPOINT {name}")
        self.pending_savepoints.clear()
        raw.close()

    def commit(self) -> None:
        self.pending_savepoints.clear()
        super().commit()

    def rollback(self) -> None:
        self.pending_savepoints.clear()
        super().rollback()


class LazyWriteCursor(sqlite3.Cursor):
    """Defers SAVEPOINTs and BEGINs the write transaction right before the first write statement."""

    def _intercepted(self, sql: str) -> bool:
        connection: LazyWriteConnection = self.connection
        if connection.in_transaction:
            return False
        verb = _verb(sql)
        words = sql.split()
        if verb.startswith("SAVEPOINT"):
            connection.pending_savepoints.append(words[1])
            return True
        if verb.startswith("RELEASE") or verb.startswith("ROLLBACK TO"):
            name = words[-1]
            if name in connection.pending_savepoints:
                del connection.pending_savepoints[connection.pending_savepoints.index(name):]
            return True
        if not verb.startswith(_READS + _OUTSIDE_TRANSACTIONS):
            connection.begin_write()
        return False

    def execute(self, sql, parameters=()):
        if self._intercepted(sql):
            return self
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        if self._intercepted(sql):
            return self
        return super().executemany(sql, seq_of_parameters)
