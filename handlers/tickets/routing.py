"""Routing a message: the catalogue's category, with jieba words from the knowledge base's analyzer (its domain
dictionary and synonyms) and the lead departments of the clauses that best match the message."""

from __future__ import annotations

from typing import Any, Sequence

import jieba

from handlers.tickets.catalogue import Catalogue, Routing


def message_words(text: str, knowledge: Any = None) -> list[str]:
    """The jieba words of ``text``: the knowledge base's analysis (synonyms added) when there is one."""
    if knowledge is not None:
        return list(knowledge.analyzer.analyze(text).words)
    return [word for word in jieba.lcut(text) if word.strip()]


def route_message(text: str, knowledge: Any, catalogue: Catalogue, matches: Sequence[Any] | None = None) -> Routing:
    """The routing of ``text``; ``matches`` are its knowledge-base matches when already known."""
    if matches is None and knowledge is not None:
        matches = knowledge.search(text)
    departments = [(m.clause.departments, m.score) for m in (matches or [])]
    return catalogue.route(text, message_words(text, knowledge), departments)
