"""Parsed and analysed documents kept between builds, so that adding one file to a library of thousands parses
one file, not all of them (a corpus-size library: 38 s → see the README's figures).

An entry is keyed by the file's name and bytes and a version (the storage format, the parser version and the
lexicon's fingerprint): a changed file, storage format, parser or lexicon misses the cache and is parsed again. It holds the document without its similar questions
(those are attached after, from beside the file or from the version it replaces) and the index terms of each
clause. ``kb rebuild`` does not read the cache: it is the way to parse everything again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from knowledge.model import Document

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
_SEPARATOR = "\x1f"  # index terms never hold control characters (Analyzer splits on them)


@dataclass(frozen=True)
class Analysed:
    """A parsed document (without similar questions), each clause's index terms, and each clause's everyday
    words (``Analyzer.expansion``)."""

    document: Document
    terms: list[list[str]]
    expansions: list[list[str]]


class ParseCache:
    """A folder of analysed documents, one file per entry."""

    def __init__(self, folder: Path, version: str) -> None:
        self.folder = folder
        self._salt = f"{CACHE_FORMAT}\0{version}\0".encode()

    def key(self, source: str | os.PathLike[str]) -> str:
        """The entry of a file as it is now (its name matters: a title or date may come from it)."""
        path = Path(source)
        digest = hashlib.sha1(self._salt + path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        return digest.hexdigest()

    def get(self, key: str) -> Analysed | None:
        """The entry, or None when there is none or it cannot be read (it is then parsed again)."""
        path = self.folder / f"{key}.pickle"
        try:
            with open(path, "rb") as handle:
                document, terms, expansions = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as exc:  # a torn or foreign file: parse the document again
            log.warning("parse cache entry %s unreadable (%s): parsing again", path.name, exc)
            return None
        return Analysed(document, _split(terms), _split(expansions))

    def put(self, key: str, analysed: Analysed) -> None:
        """Store an entry (written whole under a temporary name, then renamed)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{key}.pickle"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump((analysed.document, _join(analysed.terms), _join(analysed.expansions)), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)

    def keep_only(self, keys: set[str]) -> None:
        """Delete the entries (and stray temporary files) of documents no longer in the knowledge base."""
        if not self.folder.exists():
            return
        for entry in self.folder.iterdir():
            if entry.suffix != ".pickle" or entry.stem not in keys:
                entry.unlink(missing_ok=True)


def _join(lists: list[list[str]]) -> list[str]:
    """One string per clause: a list of a few strings unpickles many times faster than a list of thousands."""
    return [_SEPARATOR.join(terms) for terms in lists]


def _split(joined: list[str]) -> list[list[str]]:
    return [text.split(_SEPARATOR) if text else [] for text in joined]
