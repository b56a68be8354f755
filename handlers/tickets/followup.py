"""Follow-ups and near-duplicates.

A new message from an enterprise that has open tickets is compared with each of them (rapidfuzz's
``token_set_ratio`` over jieba words, plus a bonus for the same catalogue category and for recency); above
``tickets.followup_score`` it is appended to that ticket instead of opening a new one.

A new ticket is compared with other enterprises' open tickets of the last ``tickets.duplicate_days`` days; those
scoring ``tickets.duplicate_score`` or more are linked as 并单 candidates for the dispatcher.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Sequence

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.tickets import CLOSED, Ticket, TicketLink

Words = Callable[[str], Sequence[str]]
CATEGORY_BONUS = 15.0
RECENCY_BONUS = 10.0  # for a ticket filed just now, falling to 0 at the end of the window
TEXT_SHARE = 0.8


def _settings(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return config.get("tickets") or {}


def text_similarity(words: Words, first: str, second: str) -> float:
    """0..100: how much two texts say the same, word for word, order and extra words aside."""
    return float(fuzz.token_set_ratio(" ".join(words(first)), " ".join(words(second))))


def follow_up_score(words: Words, text: str, category: str, ticket: Ticket, now: datetime, window_days: int) -> float:
    """0..100+: how likely ``text`` (whose category is ``category``) is about ``ticket``."""
    age = max(0.0, (now - ticket.accepted_at).total_seconds() / 86400)
    recency = RECENCY_BONUS * max(0.0, 1 - age / max(window_days, 1))
    same_category = CATEGORY_BONUS if category and category == ticket.category else 0.0
    return TEXT_SHARE * text_similarity(words, text, ticket.text) + same_category + recency


def open_tickets_of(session: Session, complainant: str, since: datetime) -> list[Ticket]:
    """The complainant's open tickets accepted since ``since``, newest first."""
    query = (
        select(Ticket)
        .where(Ticket.complainant == complainant, Ticket.state != CLOSED, Ticket.accepted_at >= since)
        .order_by(Ticket.accepted_at.desc(), Ticket.id.desc())
    )
    return list(session.scalars(query))


def match_follow_up(
    session: Session, complainant: str, text: str, category: str, words: Words, now: datetime, config: Mapping[str, Any]
) -> tuple[Ticket, float] | None:
    """The complainant's open ticket ``text`` follows up, with its score, or None."""
    window = int(_settings(config).get("followup_days", 30))
    threshold = float(_settings(config).get("followup_score", 60))
    scored = [
        (ticket, follow_up_score(words, text, category, ticket, now, window))
        for ticket in open_tickets_of(session, complainant, now - timedelta(days=window))
    ]
    scored = [item for item in scored if item[1] >= threshold]
    return max(scored, key=lambda item: item[1]) if scored else None


def link_duplicates(session: Session, ticket: Ticket, words: Words, now: datetime, config: Mapping[str, Any]) -> list[tuple[Ticket, float]]:
    """Link ``ticket`` to other enterprises' open look-alikes (并单 candidates); returns them, most similar first."""
    settings = _settings(config)
    threshold = float(settings.get("duplicate_score", 75))
    since = now - timedelta(days=int(settings.get("duplicate_days", 30)))
    others = session.scalars(
        select(Ticket).where(
            Ticket.id != ticket.id,
            Ticket.complainant != ticket.complainant,
            Ticket.state != CLOSED,
            Ticket.accepted_at >= since,
        )
    )
    found = []
    for other in others:
        score = text_similarity(words, ticket.text, other.text)
        if score >= threshold and (not ticket.category or not other.category or ticket.category == other.category):
            session.add(TicketLink(ticket_id=ticket.id, other_id=other.id, score=score, created_at=now))
            found.append((other, score))
    session.flush()
    return sorted(found, key=lambda item: -item[1])
