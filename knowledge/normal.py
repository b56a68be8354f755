"""The folded form texts are compared in, and the reader of the editable lexicon files."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

_QUOTES = re.compile(r"[\"'“”‘’「」『』《》〈〉]")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFKC, lower case, quotation marks and white space removed: the form clauses are compared in."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACES.sub("", _QUOTES.sub("", text))


def read_lines(path: Path) -> list[str]:
    """The lines of a lexicon file without blank lines and ``#`` comments, stripped."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines
