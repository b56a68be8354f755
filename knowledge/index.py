"""An inverted index over clauses with BM25 weights, held in flat numpy arrays (CSR layout).

One posting list per term: the clause numbers that contain it and the term's BM25 tf-weight in each. Scoring a
question adds ``idf × weight`` into a score vector per query term, which numpy does in microseconds even for
terms that occur in tens of thousands of clauses. The arrays are saved with ``numpy.save`` and memory-mapped on
load, so opening a 150,000-clause index takes well under a second.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from pypinyin import lazy_pinyin

K1 = 1.2
B = 0.75
_SOUND_WORD = re.compile(r"^[\u4e00-\u9fff]{2,6}$")
_ARRAYS = ("offsets", "postings", "weights", "lengths")


@dataclass
class QueryTerm:
    """A term of a question with its posting list and inverse document frequency."""

    term: str
    postings: np.ndarray
    weights: np.ndarray
    idf: float


class ClauseIndex:
    """BM25 over a fixed list of clauses numbered 0..n-1 (the knowledge base keeps the numbering)."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        offsets: np.ndarray,
        postings: np.ndarray,
        weights: np.ndarray,
        lengths: np.ndarray,
        sounds: dict[str, list[str]] | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.offsets = offsets
        self.postings = postings
        self.weights = weights
        self.lengths = lengths
        self.sounds = sounds or {}

    @property
    def size(self) -> int:
        """The number of clauses indexed."""
        return int(self.lengths.shape[0])

    @classmethod
    def build(cls, clause_terms: Iterable[Sequence[str]], sounds: bool = True) -> "ClauseIndex":
        """Index clauses given as term lists (with repeats), in clause order; ``sounds``: also the homophone
        table of its words (:meth:`sound_alike`)."""
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        counts: list[int] = []
        clause_of: list[int] = []
        lengths: list[int] = []
        for number, terms in enumerate(clause_terms):
            counter = Counter(terms)
            lengths.append(len(terms))
            for term, count in counter.items():
                term_id = vocabulary.setdefault(term, len(vocabulary))
                term_ids.append(term_id)
                counts.append(count)
                clause_of.append(number)
        index = cls._from_triples(vocabulary, term_ids, counts, clause_of, lengths)
        index.sounds = sound_table(vocabulary) if sounds else {}
        return index

    @classmethod
    def _from_triples(
        cls,
        vocabulary: dict[str, int],
        term_ids: list[int],
        counts: list[int],
        clause_of: list[int],
        lengths: list[int],
    ) -> "ClauseIndex":
        length_array = np.asarray(lengths, dtype=np.float32)
        term_array = np.asarray(term_ids, dtype=np.int32)
        order = np.argsort(term_array, kind="stable")
        postings = np.asarray(clause_of, dtype=np.int32)[order]
        tf = np.asarray(counts, dtype=np.float32)[order]
        average = float(length_array.mean()) if len(lengths) else 1.0
        norm = K1 * (1 - B + B * length_array[postings] / max(average, 1.0))
        weights = (tf * (K1 + 1) / (tf + norm)).astype(np.float32)
        offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_array, minlength=len(vocabulary)), out=offsets[1:])
        return cls(vocabulary, offsets, postings, weights, length_array)

    def lookup(self, term: str) -> QueryTerm | None:
        """The posting list of ``term``, or None when no clause has it."""
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return None
        start, end = int(self.offsets[term_id]), int(self.offsets[term_id + 1])
        frequency = end - start
        idf = math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))
        return QueryTerm(term, self.postings[start:end], self.weights[start:end], idf)

    def sound_alike(self, word: str) -> list[str]:
        """Indexed words that sound like ``word`` and differ from it in one character, most frequent first:
        the homophone a pinyin input method typed by mistake (注消 → 注销, 抵压 → 抵押, 发漂 → 发票)."""
        if not _SOUND_WORD.match(word):
            return []
        found = []
        for other in self.sounds.get(sound_key(word), ()):
            if other != word and len(other) == len(word) and sum(a != b for a, b in zip(other, word)) == 1:
                found.append(other)
        return sorted(found, key=lambda other: -self._frequency(other))

    def _frequency(self, term: str) -> int:
        term_id = self.vocabulary[term]
        return int(self.offsets[term_id + 1] - self.offsets[term_id])

    def score(self, terms: Sequence[tuple[QueryTerm, float]]) -> np.ndarray:
        """BM25 scores of every clause for query terms given with their query weights."""
        scores = np.zeros(self.size, dtype=np.float32)
        for term, weight in terms:
            scores[term.postings] += term.weights * np.float32(term.idf * weight)
        return scores

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (arrays as .npy, vocabulary as JSON)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        for name, value in (("sounds.json", self.sounds), ("vocabulary.json", terms)):
            tmp = folder / f"{name}.tmp"
            tmp.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, folder / name)

    @classmethod
    def load(cls, folder: Path) -> "ClauseIndex":
        """Open an index written by :meth:`save`; the arrays are memory-mapped, not read."""
        # Plain ndarray views of the memory maps: slicing a np.memmap makes a memmap object each time (slow).
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray) for name in _ARRAYS}
        terms = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        sounds = json.loads((folder / "sounds.json").read_text(encoding="utf-8"))
        return cls({term: number for number, term in enumerate(terms)}, **arrays, sounds=sounds)


def sound_key(word: str) -> str:
    """The toneless pinyin of ``word``: ``注销`` and ``注消`` are both ``zhu xiao``."""
    return " ".join(lazy_pinyin(word))


def sound_table(vocabulary: dict[str, int]) -> dict[str, list[str]]:
    """``{pinyin: [words]}`` for the indexed words of 2–6 Chinese characters (not the bigram terms)."""
    table: dict[str, list[str]] = {}
    for term in vocabulary:
        if _SOUND_WORD.match(term):
            table.setdefault(sound_key(term), []).append(term)
    return table
