"""Matching a question to clauses, in three steps:

1. recall: BM25 over the inverted index (:mod:`knowledge.index`) gives the candidates — the best overall, plus
   the best in the documents of the place the question names or the chat is bound to, plus the best in a
   document the question names by title (so a province-wide library cannot crowd a place's own plan out);
2. rank: every candidate is measured (:mod:`knowledge.features`) and the measurements weighed by a fitted
   model (:mod:`knowledge.ranking`: LightGBM LambdaRank trees);
3. decide: a calibrated confidence says whether the question is in scope at all; a confident question whose
   best candidate clearly leads is answered, a less clear one gets "您是不是想问" with the top candidates, and
   a question about something else is declined ("not found") rather than answered wrongly. A match's
   ``score`` is the confidence for the best candidate, lower for the others by how far they rank below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from knowledge.analyzer import BIGRAM_PREFIX, Analyzer, fold
from knowledge.features import FEATURES, FeatureBuilder, Query, evidence, is_telling, unstated_quantity
from knowledge.index import ClauseIndex
from knowledge.model import Clause, Document
from knowledge.ranking import Example, RankingModel, decision_row, lead_of

NATIONAL = "全国"
ANSWER = "answer"
CHOICES = "choices"
NOT_FOUND = "not_found"

BIGRAM_WEIGHT = 0.5  # a bigram counts half a word in recall
RECALL_DEPTH = 40  # candidates taken from the whole knowledge base
PLACE_DEPTH = 20  # and from the documents of the place asked about, and of a document named by title
EXPANSION_RECALL = 0.3  # the everyday-words index counts this much in the recall score
PLACES_TIE = 0.5  # two places' measures this close, for a question naming no place: ask which is meant
_TITLE_NOISE = re.compile(r"^(\d{4}年)|^中华人民共和国|^.{0,8}关于|[(（]\d{4}[-.年]?.*?[)）]$|的通知$|若干|的")


@dataclass(frozen=True)
class Match:
    """A clause found for a question, with its document and a score in 0..1."""

    clause: Clause
    document: Document
    score: float


@dataclass
class Answer:
    """The outcome for a question: ``answer`` (confident, ``matches[0]``), ``choices`` (up to three candidates)
    or ``not_found``; ``regions`` are the places the question named; ``confidence`` is the decision's
    probability that the question is one the knowledge base answers."""

    question: str
    outcome: str
    matches: list[Match] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    confidence: float = 0.0
    small_talk: bool = False  # declined, and the message is chit-chat (a chit-chat word, no domain term): 谢谢, 收到
    unserved: list[str] = field(default_factory=list)  # places named that no document binds (成都): national law only

    @property
    def answered(self) -> bool:
        return self.outcome == ANSWER


@dataclass
class Ranked:
    """Everything the matcher worked out for a question (for the answer, and for fitting the model)."""

    query: Query
    candidates: np.ndarray
    features: np.ndarray
    scores: np.ndarray
    question_features: dict[str, float]


class Matcher:
    """Scores clauses for questions over a fixed knowledge base."""

    def __init__(
        self,
        analyzer: Analyzer,
        index: ClauseIndex,
        clauses: Sequence[Clause],
        documents: Sequence[Document],
        clause_document: np.ndarray,
        model: RankingModel | None = None,
        expansion: ClauseIndex | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.index = index
        self.expansion = expansion
        self.clauses = clauses
        self.documents = documents
        self.clause_document = clause_document
        self.model = model or RankingModel.load()
        self._max_idf = float(np.log(1 + (index.size + 0.5) / 0.5)) if index.size else 1.0
        self.features = FeatureBuilder(analyzer, clauses, documents, clause_document, self._max_idf)
        self._title_names = [(number, name) for number, d in enumerate(documents) for name in short_titles(d.title)]
        self._place_masks: dict[tuple[tuple[str, ...], tuple[str, ...]], np.ndarray] = {}
        self._served: dict[str, bool] = {}
        self._law_titles: dict[int, str] | None = None
        self._current = _current_versions(documents)[clause_document] if len(documents) else np.ones(0, dtype=np.float32)

    # -- the question ------------------------------------------------------------------------------------

    def parse(self, question: str, scope: str | None = None) -> Query:
        """The question's terms (without the place names and document titles it mentions), places and titles."""
        text = self.analyzer.clean_question(question)
        named = self.analyzer.regions_named(text)
        if len(named) > 1 and NATIONAL in named:
            named.remove(NATIONAL)  # "长春落实国家的…": the place is 长春
        titled, asked = self._documents_named(text)
        analysis = self.analyzer.analyze(asked, question=True)
        place_names = {name for region in named for name in self.analyzer.places.names_of(region)}
        groups = [group for group in dict.fromkeys(analysis.groups) if group[0] not in place_names]
        bigrams = [gram for gram in dict.fromkeys(analysis.bigrams) if not any(gram in name for name in place_names)]
        groups = [self._with_homophone(group) for group in groups]
        expansion = self.expansion
        return Query(
            text=text,
            groups=[[self.index.lookup(word) for word in group] for group in groups],
            expansion_groups=[[expansion.lookup(word) for word in group] for group in groups] if expansion else [],
            expansion_bigrams=[expansion.lookup(BIGRAM_PREFIX + gram) for gram in bigrams] if expansion else [],
            words=[term for term in map(self.index.lookup, dict.fromkeys(w for g in groups for w in g)) if term is not None],
            bigrams=[self.index.lookup(BIGRAM_PREFIX + gram) for gram in bigrams],
            core="".join(gram[0] for gram in bigrams) + (bigrams[-1][1:] if bigrams else ""),
            named=named,
            scope=None if named else scope,
            titled=titled,
            domain=self.analyzer.domain_share([group[0] for group in groups]),
            plain=self.features.plain(asked),
        )

    def _with_homophone(self, group: tuple[str, ...]) -> tuple[str, ...]:
        """A word no clause has, with the indexed word it was probably mistyped for (注消 → 注销)."""
        if any(word in self.index.vocabulary for word in group):
            return group
        alike = self.index.sound_alike(group[0])
        return (*group, alike[0]) if alike else group

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

    def _question_features(self, query: Query) -> dict[str, float]:
        groups = query.either_groups
        unknown = sum(1 for group in groups if all(term is None for term in group)) / len(groups) if groups else 1.0
        chitchat = 1.0 if self.analyzer.chitchat_word(query.text) else 0.0
        return {
            "chitchat": chitchat,
            "small_talk": chitchat * (1.0 - query.domain),
            "lookup": 1.0 if self.analyzer.lookup_word(query.text) else 0.0,
            "unknown": unknown,
            "domain": query.domain,
            "telling": 1.0 if is_telling(query.text) else 0.0,
            "phrasing": self.model.phrasing.score(query.plain),
        }

    # -- recall ------------------------------------------------------------------------------------------

    def _recall(self, query: Query) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Candidate clause numbers (ascending), their recall scores, and its two parts: BM25 on the clause index
        and on the everyday-words index. A question that names a place, or comes from a chat bound to one, is
        answered from that place's documents, its city's or districts', and national law (another place's
        policy does not bind the asker); other places' documents only when none of those has anything in
        common with the question."""
        terms = [(term, 1.0) for term in query.words] + [(term, BIGRAM_WEIGHT) for term in query.bigrams if term is not None]
        scores = self.index.score(terms) * self._current
        allowed_mask = None
        if query.places:
            allowed_mask = self._place_mask(tuple(query.places), ("own", "near", "national"))
            if (scores * allowed_mask).any():
                scores = scores * allowed_mask
            else:
                allowed_mask = None
        picked = [_top(scores, RECALL_DEPTH)]
        main = scores
        expanded = np.zeros_like(scores)
        if self.expansion is not None and query.expansion_groups:
            everyday = [(t, 1.0) for g in query.expansion_groups for t in g if t is not None]
            everyday += [(t, BIGRAM_WEIGHT) for t in query.expansion_bigrams if t is not None]
            expanded = self.expansion.score(everyday) * self._current
            if allowed_mask is not None:
                expanded = expanded * allowed_mask
            picked.append(_top(expanded, PLACE_DEPTH))
            scores = scores + EXPANSION_RECALL * expanded
        if query.places:
            places = tuple(query.places)
            picked.append(_top(scores * self._place_mask(places, ("own",)), PLACE_DEPTH))  # the place's own, then
            picked.append(_top(scores * self._place_mask(places, ("own", "near")), PLACE_DEPTH))  # with its cities
        if query.titled:
            picked.append(_top(scores * np.isin(self.clause_document, query.titled), PLACE_DEPTH))
        candidates = np.unique(np.concatenate(picked))
        candidates = candidates[scores[candidates] > 0]
        return candidates.astype(np.int32), scores[candidates], main[candidates], expanded[candidates]

    def _place_mask(self, places: tuple[str, ...], relations: tuple[str, ...]) -> np.ndarray:
        """1 for clauses of documents whose relation to ``places`` is one of ``relations``, else 0 — and 0 for a
        national regulation the place has its own regulation of the same name (上海市优化营商环境条例 for
        优化营商环境条例: the place's own version answers a question about the place)."""
        key = (places, relations)
        mask = self._place_masks.get(key)
        if mask is None:
            related = self.features.document_relations(places)
            per_document = np.array([r in relations for r in related], dtype=np.float32)
            laws = self._plain_law_titles()
            own_laws = {laws[number] for number, relation in enumerate(related) if relation in ("own", "near") and number in laws}
            for number, relation in enumerate(related):
                if relation == "national" and number in laws and laws[number] in own_laws:
                    per_document[number] = 0.0
            mask = self._place_masks[key] = per_document[self.clause_document] if len(per_document) else per_document
        return mask

    def _plain_law_titles(self) -> dict[int, str]:
        """Each law's title (by document number) without place names and ``中华人民共和国``: what a place's own
        version shares with the national one. Worked out once: taking 3,000 place names out of 2,000 titles
        takes a tenth of a second."""
        if self._law_titles is None:
            without_names = self.analyzer.places.without_names
            self._law_titles = {
                number: without_names(fold(document.title).removeprefix("中华人民共和国"))
                for number, document in enumerate(self.documents)
                if document.kind == "law"
            }
        return self._law_titles

    # -- search ------------------------------------------------------------------------------------------

    def rank(self, question: str, scope: str | None = None) -> Ranked:
        """Recall and rank the candidates of ``question``."""
        query = self.parse(question, scope)
        empty = np.zeros(0, dtype=np.int32)
        if not query.words and not any(query.bigrams):
            return Ranked(query, empty, np.zeros((0, len(FEATURES)), dtype=np.float32), np.zeros(0), self._question_features(query))
        candidates, recall, main, everyday = self._recall(query)
        features = self.features.build(query, candidates, recall, main, everyday)
        return Ranked(query, candidates, features, self.model.scores(features), self._question_features(query))

    def search(self, question: str, scope: str | None = None, limit: int = 5) -> Answer:
        """Find the clauses that answer ``question`` and decide how confident the answer is."""
        ranked = self.rank(question, scope)
        named = ranked.query.named
        unserved = [place for place in named if not self.serves(place)]
        small_talk = ranked.question_features["small_talk"] >= 1.0
        if len(ranked.candidates) == 0:
            return Answer(ranked.query.text, NOT_FOUND, [], named, small_talk=small_talk, unserved=unserved)
        order = np.argsort(-ranked.scores, kind="stable")
        best = int(order[0])
        runner_up = int(order[1]) if len(order) > 1 else None
        best_evidence = self._evidence(ranked.query, int(ranked.candidates[best]))
        row = decision_row(ranked.features, ranked.scores, best, runner_up, ranked.question_features, best_evidence)
        confidence = self.model.confidence(row)
        # A match's score: the confidence for the best, lowered for the others by how far they rank below it.
        logit = np.log(max(confidence, 1e-6) / max(1 - confidence, 1e-6))
        scores = 1 / (1 + np.exp(-(logit + ranked.scores - ranked.scores[best])))
        matches = [self._match(int(ranked.candidates[i]), float(scores[i])) for i in order[:limit]]
        thresholds = self.model.thresholds
        lead = lead_of(ranked.scores, best, runner_up)
        unsure_where = not ranked.query.places and lead < PLACES_TIE and self._other_places(ranked, best, runner_up)
        # A place no document binds (成都) asks about its own practice, which national law seldom settles: offer
        # the national clauses to choose from, under a note that says so, rather than answer outright.
        only_unserved = bool(named) and unserved == named
        sure = self.model.sureness(row) >= thresholds.sure
        if confidence >= thresholds.answer and lead >= thresholds.lead and sure and not unsure_where and not only_unserved:
            outcome = ANSWER
        elif confidence >= thresholds.choices:
            outcome = CHOICES
        else:
            outcome = NOT_FOUND
        small_talk = small_talk and outcome == NOT_FOUND
        return Answer(ranked.query.text, outcome, matches, named, round(confidence, 4), small_talk=small_talk, unserved=unserved)

    def serves(self, place: str) -> bool:
        """Whether some document binds ``place``: its own, its city's or province's, or one of its districts'
        (national law aside). 成都 is not served by a knowledge base of 长春's plans."""
        served = self._served.get(place)
        if served is None:
            served = self._served[place] = place == NATIONAL or any(
                relation in ("own", "near") for relation in self.features.document_relations((place,))
            )
        return served

    def _other_places(self, ranked: Ranked, best: int, runner_up: int | None) -> bool:
        """Whether the two best candidates come from two places' own plans, neither within the other (长春 and
        辽源, not 长春 and its district 朝阳区): asked without a place, the answer depends on where the asker is."""
        if runner_up is None:
            return False
        first, second = (self.documents[int(self.clause_document[int(ranked.candidates[i])])].region for i in (best, runner_up))
        if NATIONAL in (first, second) or not first or not second or first == second:
            return False
        return first not in self.analyzer.region_chain(second) and second not in self.analyzer.region_chain(first)

    def example(self, question: str, scope: str | None, right: Callable[[Clause], bool] | None) -> Example:
        """A question as material for fitting the model: ``right`` tells which clauses answer it (None:
        the question is out of scope)."""
        ranked = self.rank(question, scope)
        marks = np.array([bool(right and right(self.clauses[int(c)])) for c in ranked.candidates], dtype=bool)
        evidence_of = [self._evidence(ranked.query, int(c)) for c in ranked.candidates]
        return Example(ranked.features.astype(np.float64), marks, ranked.question_features, right is not None, evidence_of, ranked.query.plain)

    def _evidence(self, query: Query, candidate: int) -> dict[str, float]:
        """What the decision reads of one candidate beyond its features: how much of the question it bears out,
        and whether the question asks for a figure the clause does not state."""
        found = evidence(query.either_groups, candidate, self._max_idf)
        found["unstated"] = unstated_quantity(fold(query.text), self.clauses[candidate].text)
        return found

    def _match(self, number: int, score: float) -> Match:
        return Match(self.clauses[number], self.documents[int(self.clause_document[number])], round(score, 4))

    def related(self, number: int, limit: int = 3) -> list[Match]:
        """Clauses about the same thing as clause ``number``, itself and superseded versions excluded: BM25 with
        the words of its own heading (twice the weight: they say what it is about; an article's heading is its
        chapter's, which says little) and the twelve rarest words it shares with other clauses."""
        clause = self.clauses[number]
        own_heading = "" if clause.is_article else clause.heading
        heading = [t for t in map(self.index.lookup, dict.fromkeys(self.analyzer.analyze(own_heading).words)) if t is not None]
        body = [t for t in map(self.index.lookup, dict.fromkeys(self.analyzer.analyze(clause.text).words)) if t is not None]
        # its rarest words that some other clause has too (a word of this clause alone relates it to nothing)
        body = sorted((t for t in body if len(t.postings) > 1 and t.term not in {h.term for h in heading}), key=lambda t: -t.idf)[:12]
        scores = self.index.score([(t, 2.0) for t in heading] + [(t, 1.0) for t in body]) * self._current
        scores[number] = 0
        top = np.argsort(-scores)[:limit]
        best = float(scores[top[0]]) if len(top) else 1.0
        return [self._match(int(i), float(scores[i]) / best) for i in top if scores[i] > 0]


def _current_versions(documents: Sequence[Document]) -> np.ndarray:
    """1 per document, 0 for one superseded by a newer version of the same title in the same place (a library
    holds 北京市安全生产条例 of 2004 and of 2022: questions are answered from the one in force)."""
    newest: dict[tuple[str, str], tuple[str, int]] = {}
    for number, document in enumerate(documents):
        key = (fold(document.title), document.region)
        if key not in newest or (document.date or "") > newest[key][0]:
            newest[key] = (document.date or "", number)
    current = np.zeros(len(documents), dtype=np.float32)
    current[[number for _date, number in newest.values()]] = 1.0
    return current


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    """The numbers of the ``depth`` highest scores (unordered)."""
    depth = min(depth, len(scores))
    if depth == 0:
        return np.zeros(0, dtype=np.int64)
    return np.argpartition(-scores, depth - 1)[:depth]


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


_SENTENCE = re.compile(r"(?<=[。；;！？!?])|\n")


def key_sentences(analyzer: Analyzer, clause: Clause, question: str, limit: int = 2) -> list[str]:
    """The sentences of ``clause`` that answer ``question`` best, in the clause's order (a first sentence that
    only repeats the heading is left out: the answer shows the heading anyway). A sentence scores by the
    question's words it has (a word or any of its synonyms), then by shared character bigrams."""
    sentences = [s.strip() for s in _SENTENCE.split(clause.text) if s.strip()]
    if len(sentences) > 1 and fold(sentences[0]).rstrip("。") == fold(clause.heading):
        sentences = sentences[1:]
    if len(sentences) <= limit:
        return sentences
    asked = analyzer.analyze(question, question=True)
    wanted = set(asked.bigrams)

    def score(sentence: str) -> tuple[int, int]:
        folded = fold(sentence)
        words = sum(1 for group in asked.groups if any(word in folded for word in group))
        return words, len(wanted & set(analyzer.analyze(sentence).bigrams))

    ranked = sorted(range(len(sentences)), key=lambda i: (*(-x for x in score(sentences[i])), i))
    return [sentences[i] for i in sorted(ranked[:limit])]
