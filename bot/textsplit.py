"""Split text to fit WeChat's byte limits (text ≤ 2048 bytes, markdown ≤ 4096 bytes, UTF-8).

Parts break at sentence ends (。！？；!?; and line breaks), else at a comma, else between characters —
never inside a multi-byte character. When there is more than one part each is numbered ``(1/3)``.
"""

from __future__ import annotations

import re

TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
_CLAUSE_END = re.compile(r"(?<=[，、,：:])")
_NUMBER_RESERVE = len("(99/99)\n".encode("utf-8"))


def byte_length(text: str) -> int:
    return len(text.encode("utf-8"))


def _pieces(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` bytes, preferring sentence, then clause boundaries."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if byte_length(sentence) <= limit:
            pieces.append(sentence)
            continue
        for clause in _CLAUSE_END.split(sentence):
            while byte_length(clause) > limit:
                cut = len(clause.encode("utf-8")[:limit].decode("utf-8", errors="ignore"))
                pieces.append(clause[:cut])
                clause = clause[cut:]
            pieces.append(clause)
    return [piece for piece in pieces if piece]


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Return ``text`` as one or more parts, each at most ``limit`` bytes in UTF-8."""
    if byte_length(text) <= limit:
        return [text]
    budget = limit - _NUMBER_RESERVE
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, budget):
        if current and byte_length(current + piece) > budget:
            parts.append(current)
            current = ""
        current += piece
    if current:
        parts.append(current)
    total = len(parts)
    return [f"({index}/{total})\n{part.strip()}" for index, part in enumerate(parts, start=1)]
