"""Access tokens shared by every process through the database, refreshed by one process at a time.

:class:`DatabaseTokenStorage` is a wechatpy ``SessionStorage``: wechatpy's clients read and write their access
token through it. :meth:`DatabaseTokenStorage.refresh` wraps the client's own fetch in a lease, so when a token
expires one process fetches a new one while the others wait for it instead of all calling WeChat at once
(each call to the token endpoint invalidates the previous token, and the endpoint has a daily quota).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import DateTime, String, Text, or_, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from wechatpy.session import SessionStorage

from bot.store.base import Base, session_scope, utcnow
from bot.store.upsert import insert_if_absent

EXPIRY_MARGIN = timedelta(seconds=300)  # a token this close to expiry counts as expired


class TokenUnavailable(RuntimeError):
    """Another process is refreshing the token and did not finish in time."""


class AccessToken(Base):
    """One cached credential. ``lease_until`` is set while a process is fetching a new value."""

    __tablename__ = "access_token"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class DatabaseTokenStorage(SessionStorage):
    """wechatpy session storage in the ``access_token`` table."""

    def __init__(self, sessions: sessionmaker[Session], lease_seconds: float = 15.0, wait_seconds: float = 10.0) -> None:
        self._sessions = sessions
        self._lease = timedelta(seconds=lease_seconds)
        self._wait_seconds = wait_seconds

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value while it is not (nearly) expired, else ``default``."""
        with session_scope(self._sessions) as session:
            row = session.get(AccessToken, key)
            if row is None or not row.value:
                return default
            if row.expires_at is not None and row.expires_at - EXPIRY_MARGIN <= utcnow():
                return default
            return row.value

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        """Store ``value`` for ``ttl`` seconds and release any refresh lease."""
        expires_at = utcnow() + timedelta(seconds=int(ttl)) if ttl else None
        with session_scope(self._sessions) as session:
            insert_if_absent(session, AccessToken, {"key": key, "value": ""}, ["key"])
            session.execute(
                update(AccessToken)
                .where(AccessToken.key == key)
                .values(value=str(value), expires_at=expires_at, lease_until=None)
            )

    def delete(self, key: str) -> None:
        """Forget the value (WeChat said it is invalid), so the next use refreshes it."""
        with session_scope(self._sessions) as session:
            session.execute(update(AccessToken).where(AccessToken.key == key).values(value="", expires_at=None))

    def _take_lease(self, key: str) -> bool:
        now = utcnow()
        with session_scope(self._sessions) as session:
            insert_if_absent(session, AccessToken, {"key": key, "value": ""}, ["key"])
            taken = session.execute(
                update(AccessToken)
                .where(AccessToken.key == key, or_(AccessToken.lease_until.is_(None), AccessToken.lease_until < now))
                .values(lease_until=now + self._lease)
            ).rowcount
        return taken == 1

    def _release_lease(self, key: str) -> None:
        with session_scope(self._sessions) as session:
            session.execute(update(AccessToken).where(AccessToken.key == key).values(lease_until=None))

    def refresh(self, key: str, fetch: Callable[[], Any]) -> Any:
        """Call ``fetch`` (which stores a new token through :meth:`set`) in one process only.

        A process that finds the lease taken waits up to ``wait_seconds`` for the new token, then raises
        :class:`TokenUnavailable` (the caller retries later). A fresh token stored meanwhile is used as is.
        """
        deadline = time.monotonic() + self._wait_seconds
        while True:
            if self.get(key):
                return None
            if self._take_lease(key):
                break
            if time.monotonic() >= deadline:
                raise TokenUnavailable(f"token {key} is being refreshed by another process")
            time.sleep(0.2)
        try:
            if self.get(key):  # refreshed by another process between our check and our lease
                return None
            return fetch()
        finally:
            self._release_lease(key)
