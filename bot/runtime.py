"""The runtime: configuration, database and knowledge base, built once per process and shared by
the web app, the CLI and the scheduler."""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.config import load_config
from bot.store.base import make_engine, make_session_factory, session_scope, utcnow
from bot.store.migrate import ensure_schema
from bot.store.conversation import load_state, save_state
from bot.store.staff import find_staff, seed_staff
from handlers.router import route
from handlers.types import Context, Incoming, Reply

log = logging.getLogger(__name__)


class Runtime:
    """Everything a process needs to handle messages. Cheap to create; the knowledge base loads on first use."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = config if config is not None else load_config()
        self.engine = make_engine(self.config["database_url"])
        ensure_schema(self.engine)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        if self.config.get("staff"):
            with self.session() as session:
                seed_staff(session, self.config["staff"])

    def session(self):
        """A transaction: ``with runtime.session() as session: ...`` commits on success."""
        return session_scope(self.sessions)

    @cached_property
    def knowledge(self):
        """The knowledge base, opened (and on first use filled with the shipped documents) lazily."""
        from knowledge.store import KnowledgeBase

        settings = self.config["knowledge"]
        return KnowledgeBase.open(settings["path"], load_defaults=settings.get("load_defaults", True))

    def group_scope(self, group: str | None) -> str | None:
        """The region a group chat is bound to in ``groups.<chatid>.region``, if any."""
        if not group:
            return None
        return (self.config.get("groups") or {}).get(group, {}).get("region")

    def handle(self, message: Incoming, session: Session | None = None) -> Reply:
        """Route one message in one transaction (the caller's, when ``session`` is given)."""
        if session is not None:
            return self._handle_in(session, message)
        with self.session() as own_session:
            return self._handle_in(own_session, message)

    def _handle_in(self, session: Session, message: Incoming) -> Reply:
        state = load_state(session, message.channel, message.group, message.user)
        before = repr(state)
        ctx = Context(
            session=session,
            config=self.config,
            knowledge=_LazyKnowledge(self),
            now=utcnow(),
            state=state,
            staff=find_staff(session, message.user),
            scope=self.group_scope(message.group),
        )
        reply = route(message, ctx)
        if repr(ctx.state) != before:
            save_state(session, message.channel, message.group, message.user, ctx.state)
        return reply


class _LazyKnowledge:
    """The knowledge base as one message sees it: loaded only when a handler touches it (help and status need
    none), and each question matched once however many handlers ask (intent detection, routing, the answer)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._asked: dict[tuple[str, str | None, int], Any] = {}

    def ask(self, question: str, scope: str | None = None, limit: int = 5) -> Any:
        key = (question, scope, limit)
        if key not in self._asked:
            self._asked[key] = self._runtime.knowledge.ask(question, scope=scope, limit=limit)
        return self._asked[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runtime.knowledge, name)
