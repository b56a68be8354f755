"""The values that cross the boundary between channels and handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy.orm import Session

from bot.store.base import utcnow


@dataclass(frozen=True)
class Incoming:
    """One message from a user, whatever channel it came through.

    ``channel``: ``mp`` (公众号), ``work`` (WeChat Work app, 1:1), ``aibot`` (智能机器人 in a group), ``cli``.
    ``group``: the chat id when the message was said in a group chat, else None.
    ``msg_type``: ``text``, ``event``, ``image`` ...; ``event`` names the event for ``msg_type == "event"``.
    """

    channel: str
    user: str
    text: str
    msg_id: str = ""
    group: str | None = None
    msg_type: str = "text"
    event: str | None = None
    received_at: datetime = field(default_factory=utcnow)
    response_url: str | None = None


@dataclass
class Reply:
    """What the bot says back. ``mention`` names the user to @ in a group answer."""

    text: str
    mention: str | None = None
    markdown: bool = False


@dataclass
class Context:
    """What a handler may use: one database session (one transaction), the configuration, the knowledge base,
    the current time and the conversation's persistent state (a dict each feature keeps its own key in).
    """

    session: Session
    config: dict[str, Any]
    knowledge: Any  # knowledge.store.KnowledgeBase, loaded lazily
    now: datetime
    state: dict[str, Any] = field(default_factory=dict)
    staff: Any = None  # bot.store.staff.StaffMember when the sender is staff
    scope: str | None = None  # the region bound to the group the message came from

    @property
    def is_staff(self) -> bool:
        return self.staff is not None


@dataclass(frozen=True)
class Handler:
    """A predicate and a callback. The first handler whose ``matches`` is true and whose ``handle``
    returns a Reply wins; ``handle`` may return None to let later handlers try."""

    name: str
    matches: Callable[[Incoming, Context], bool]
    handle: Callable[[Incoming, Context], Reply | None]
