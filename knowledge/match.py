"""Matching a question to clauses: BM25 recall over the index, region preference, then a rerank on how much of
the question each candidate covers, with rapidfuzz as a tie-breaker; and the decision between a confident
answer, "您是不是想问" candidates, and "not found".

The score of a candidate is in 0..1: mostly the idf-weighted share of the question's words and character bigrams
that the clause contains (a chit-chat question shares few of its rare words with any clause, so it scores low),
plus its BM25 score relative to the best candidate's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from rapidfuzz import fuzz

from knowledge.analyzer import Analyzer, fold
from knowledge.index import ClauseIndex, QueryTerm
from knowledge.model import Clause, Document

ANSWER = "answer"
CHOICES = "choices"
NOT_FOUND = "not_found"

BIGRAM_WEIGHT = 0.5  # a bigram counts half a word in recall
RECALL_DEPTH = 40  # candidates reranked
UNKNOWN_IDF_FACTOR = 1.0  # a question word no clause has weighs like the rarest known word
WORD_SHARE = 0.55  # of the coverage: words; the rest is character bigrams
RELATIVE_SHARE = 0.2  # a candidate far below the best BM25 score loses up to this share
FUZZY_SHARE = 0.1  # and up to this share for little fuzzy similarity to the question
NATIONAL_WEIGHT = 0.7  # national law, when the question names a place (the place's own documents first)
TITLE_SHARE = 0.3  # a document whose title has all the question's bigrams scores up to this much more
TITLE_OTHERS_WEIGHT = 0.6  # when a question names a document, the other documents count this much
_TITLE_NOISE = re.compile(r"^(\d{4}年)|^中华人民共和国|^.{0,8}关于|[(（]\d{4}[-.年]?.*?[)）]$|的通知$|若干|的")


@dataclass(frozen=True)
class Thresholds:
    """Where a confident answer and "did you mean" begin (calibrated with ``python -m bot eval``)."""

    answer: float = 0.55
    choices: float = 0.36
    margin: float = 0.06  # the best must lead the runner-up (another clause) by this much to answer outright
    chitchat: float = 0.6  # a question with a chit-chat word is answered only from this score up


@dataclass(frozen=True)
class Match:
    """A clause found for a question, with its document and a score in 0..1."""

    clause: Clause
    document: Document
    score: float


@dataclass
class Answer:
    """The outcome for a question: ``answer`` (confident, ``matches[0]``), ``choices`` (up to three candidates)
    or ``not_found``; ``regions`` are the places the question named."""

    question: str
    outcome: str
    matches: list[Match] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.outcome == ANSWER


@dataclass
class _Query:
    words: list[tuple[QueryTerm | None, float]]  # for recall: every word and synonym
    groups: list[list[QueryTerm | None]]  # for coverage: a word and its synonym count once
    bigrams: list[tuple[QueryTerm | None, float]]
    core: str  # the question's content, for fuzzy comparison


class Matcher:
    """Scores clauses for questions. Holds no state of its own beyond what it is given."""

    def __init__(
        self,
        analyzer: Analyzer,
        index: ClauseIndex,
        clauses: Sequence[Clause],
        documents: Sequence[Document],
        clause_document: np.ndarray,
        thresholds: Thresholds = Thresholds(),
    ) -> None:
        self.analyzer = analyzer
        self.index = index
        self.clauses = clauses
        self.documents = documents
        self.clause_document = clause_document
        self.thresholds = thresholds
        self._max_idf = float(np.log(1 + (index.size + 0.5) / 0.5)) if index.size else 1.0
        self._title_bigrams: dict[int, set[str]] = {}
        self._title_names = [(number, name) for number, d in enumerate(documents) for name in short_titles(d.title)]

    def _documents_named(self, question: str) -> tuple[list[int], str]:
        """Documents whose title (or its short form: 优化营商环境条例, 中小企业促进法) the question names, and the
        question without those names (a named document is a filter, its title words are not what is asked)."""
        folded = fold(question).replace("的", "").replace("若干", "")
        found = [(number, name) for number, name in self._title_names if name in folded]
        if not found:
            return [], question
        for _number, name in sorted(found, key=lambda item: -len(item[1])):
            folded = folded.replace(name, " ")
        return list(dict.fromkeys(number for number, _ in found)), folded

    # -- query -------------------------------------------------------------------------------------------

    def _query(self, question: str, regions: list[str]) -> _Query:
        analysis = self.analyzer.analyze(question, question=True)
        region_names = {name for name, region in self.analyzer.regions.items() if region in regions}
        words = [w for w in dict.fromkeys(analysis.words) if w not in region_names]
        bigrams = [g for g in dict.fromkeys(analysis.bigrams) if not any(g in name for name in region_names)]
        groups = [g for g in dict.fromkeys(analysis.groups) if g[0] not in region_names]
        return _Query(
            words=[(self.index.lookup(w), 1.0) for w in words],
            groups=[[self.index.lookup(w) for w in group] for group in groups],
            bigrams=[(self.index.lookup("\u00b7" + g), BIGRAM_WEIGHT) for g in bigrams],
            core="".join(bigram[0] for bigram in bigrams) + (bigrams[-1][1:] if bigrams else ""),
        )

    def _region_weights(self, named: list[str], scope: str | None) -> np.ndarray | None:
        """A multiplier per clause: documents of the named region (or the chat's scope) first, national law
        everywhere, other places' documents last. None when the question names no place and has no scope."""
        wanted = named or ([scope] if scope else [])
        if not wanted:
            return None
        strong = bool(named)
        chains = [self.analyzer.region_chain(region) for region in wanted]
        per_document = np.empty(len(self.documents), dtype=np.float32)
        for number, document in enumerate(self.documents):
            own_chain = self.analyzer.region_chain(document.region) if document.region else []
            per_document[number] = _region_weight(document, wanted, chains, own_chain, strong)
        return per_document[self.clause_document]

    # -- search ------------------------------------------------------------------------------------------

    def search(self, question: str, scope: str | None = None, limit: int = 5) -> Answer:
        """Find the clauses that answer ``question`` and decide how confident the answer is."""
        question = self.analyzer.clean_question(question)
        named = [r for r in self.analyzer.regions_named(question) if r != "全国"]
        titled, asked = self._documents_named(question)
        query = self._query(asked, named)
        known = [(t, w) for t, w in query.words + query.bigrams if t is not None]
        if not known or self.index.size == 0:
            return Answer(question, NOT_FOUND, [], named)
        recall = self.index.score(known)
        weights = self._region_weights(named, scope)
        if titled:
            per_document = np.full(len(self.documents), TITLE_OTHERS_WEIGHT, dtype=np.float32)
            per_document[titled] = 1.0
            weights = per_document[self.clause_document] if weights is None else weights * per_document[self.clause_document]
        if weights is not None:
            recall *= weights
        depth = min(RECALL_DEPTH, int(np.count_nonzero(recall)))
        if depth == 0:
            return Answer(question, NOT_FOUND, [], named)
        candidates = np.argpartition(-recall, depth - 1)[:depth]
        scored = self._rerank(query, candidates, recall[candidates], weights)
        matches = self._distinct(scored, limit)
        outcome = self._decide(matches)
        if outcome != NOT_FOUND and self.analyzer.chitchat_word(question) and matches[0].score < self.thresholds.chitchat:
            outcome = NOT_FOUND  # small talk that happens to share a word or two with some clause
        return Answer(question, outcome, matches, named)

    def _coverage(self, groups: list[list[QueryTerm | None]], candidates: np.ndarray) -> np.ndarray:
        """The idf-weighted share of the query's term groups each candidate contains. A group is a word and
        its synonyms: present when any is; it weighs its known terms' highest idf (a word no clause has
        weighs like the rarest word, so a question about something else covers little)."""
        if not groups:
            return np.zeros(len(candidates), dtype=np.float32)
        total = 0.0
        covered = np.zeros(len(candidates), dtype=np.float32)
        for group in groups:
            known = [term for term in group if term is not None]
            if not known:
                total += self._max_idf * UNKNOWN_IDF_FACTOR
                continue
            weight = max(term.idf for term in known)
            total += weight
            present = np.zeros(len(candidates), dtype=bool)
            for term in known:
                position = np.searchsorted(term.postings, candidates)
                position[position >= len(term.postings)] = len(term.postings) - 1
                present |= term.postings[position] == candidates
            covered += present * np.float32(weight)
        return covered / np.float32(total)

    def _rerank(
        self, query: _Query, candidates: np.ndarray, recall: np.ndarray, weights: np.ndarray | None
    ) -> list[tuple[float, int]]:
        word_cover = self._coverage(query.groups, candidates)
        bigram_cover = self._coverage([[term] for term, _ in query.bigrams], candidates)
        relative = recall / max(float(recall.max()), 1e-9)
        fuzzy = np.array(
            [fuzz.partial_ratio(query.core, fold(self._text_of(int(c)))[:600]) / 100.0 for c in candidates]
            if query.core
            else np.zeros(len(candidates))
        )
        titles = self._title_cover(query, candidates)
        # How much of the question the clause covers is the confidence; recall strength, fuzzy similarity
        # and the document's title (养犬管理条例 for a question about dogs) order candidates that cover about as much.
        coverage = WORD_SHARE * word_cover + (1 - WORD_SHARE) * bigram_cover
        scores = coverage * (1 - RELATIVE_SHARE + RELATIVE_SHARE * relative) * (1 - FUZZY_SHARE + FUZZY_SHARE * fuzzy)
        scores = np.minimum(1.0, scores * (1 + TITLE_SHARE * titles))
        if weights is not None:
            scores = scores * np.minimum(1.0, weights[candidates] + 0.25)
        order = np.argsort(-scores, kind="stable")
        return [(float(min(scores[i], 1.0)), int(candidates[i])) for i in order]

    def _title_cover(self, query: _Query, candidates: np.ndarray) -> np.ndarray:
        """The share of the question's bigrams found in each candidate's document title."""
        wanted = {term.term[1:] for term, _ in query.bigrams if term is not None}
        if not wanted:
            return np.zeros(len(candidates), dtype=np.float32)
        shares = np.empty(len(candidates), dtype=np.float32)
        for position, candidate in enumerate(candidates):
            document = int(self.clause_document[int(candidate)])
            title = self._title_bigrams.get(document)
            if title is None:
                title = self._title_bigrams[document] = set(self.analyzer.analyze(self.documents[document].title).bigrams)
            shares[position] = len(wanted & title) / len(wanted)
        return shares

    def _text_of(self, number: int) -> str:
        clause = self.clauses[number]
        return clause.heading + clause.text

    def _distinct(self, scored: list[tuple[float, int]], limit: int) -> list[Match]:
        matches: list[Match] = []
        for score, number in scored[:limit]:
            clause = self.clauses[number]
            matches.append(Match(clause, self.documents[int(self.clause_document[number])], round(score, 4)))
        return matches

    def _decide(self, matches: list[Match]) -> str:
        if not matches:
            return NOT_FOUND
        best = matches[0].score
        runner_up = matches[1].score if len(matches) > 1 else 0.0
        if best >= self.thresholds.answer and best - runner_up >= self.thresholds.margin:
            return ANSWER
        if best >= self.thresholds.choices:
            return CHOICES
        return NOT_FOUND

    def related(self, number: int, limit: int = 3) -> list[Match]:
        """Clauses most like clause ``number`` (its rarest words as the query), itself excluded."""
        analysis = self.analyzer.analyze(self._text_of(number))
        terms = [t for t in (self.index.lookup(w) for w in dict.fromkeys(analysis.words)) if t is not None]
        terms.sort(key=lambda t: -t.idf)
        scores = self.index.score([(t, 1.0) for t in terms[:12]])
        scores[number] = 0
        top = np.argsort(-scores)[:limit]
        best = float(scores[top[0]]) if len(top) else 1.0
        return [
            Match(self.clauses[int(i)], self.documents[int(self.clause_document[int(i)])], round(float(scores[i]) / best, 4))
            for i in top
            if scores[i] > 0
        ]


def short_titles(title: str) -> list[str]:
    """The ways a question may name a document: its folded title without year, ``中华人民共和国`` or date
    suffix, and the name inside 《》 for a notice that publishes a plan. Names under 5 characters are dropped."""
    folded = fold(title)
    names = {folded}
    inner = re.findall(r"《(.+?)》", title)
    names.update(fold(name) for name in inner)
    for name in list(names):
        names.add(_TITLE_NOISE.sub("", _TITLE_NOISE.sub("", name)))
    return [name for name in names if len(name) >= 5]


def _region_weight(document: Document, wanted: list[str], chains: list[list[str]], own_chain: list[str], strong: bool) -> float:
    """How much a document counts for a question about ``wanted`` places (``strong``: the question named them;
    otherwise they are the chat's scope and only tip the balance)."""
    region = document.region or ""
    if region == "全国":
        return NATIONAL_WEIGHT if strong else 0.97
    for chain in chains:
        if region == chain[0]:
            return 1.0
        if region in chain[1:] or chain[0] in own_chain[1:]:
            return 0.8  # the city's plan for a district question, or a district's plan for a city question
    return 0.45 if strong else 0.85


_SENTENCE = re.compile(r"(?<=[。；;！？!?])")


def key_sentences(analyzer: Analyzer, clause: Clause, question: str, limit: int = 2) -> list[str]:
    """The sentences of ``clause`` that answer ``question`` best, in the clause's order."""
    sentences = [s.strip() for s in _SENTENCE.split(clause.text) if s.strip()]
    if len(sentences) <= limit:
        return sentences
    wanted = set(analyzer.analyze(question).bigrams)
    ranked = sorted(
        range(len(sentences)),
        key=lambda i: (-len(wanted & set(analyzer.analyze(sentences[i]).bigrams)), i),
    )
    return [sentences[i] for i in sorted(ranked[:limit])]
