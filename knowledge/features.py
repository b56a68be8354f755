"""What is measured of a (question, clause) pair to rank the candidates: how much of the question the clause
covers (words with their synonyms, character bigrams, its heading, its document's title), how strongly BM25
recalled it, how alike the texts are (rapidfuzz), and where the clause's document stands relative to the place
the question names or the chat is bound to.

Each feature is a column of a matrix with one row per candidate; :mod:`knowledge.ranking` weighs them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from rapidfuzz import fuzz

from knowledge.analyzer import Analyzer, fold
from knowledge.index import QueryTerm
from knowledge.model import Clause, Document

FEATURES: tuple[str, ...] = (
    "word_cover",  # idf-weighted share of the question's words (a word or its synonym) the clause contains
    "bigram_cover",  # the same for the question's character bigrams
    "recall",  # BM25 score relative to the best candidate's
    "fuzzy",  # rapidfuzz partial_ratio between the question's content and the clause's start
    "title_cover",  # share of the question's bigrams found in the document's title
    "heading_cover",  # idf-weighted share of the question's words found in the clause's heading or sections
    "named_own",  # the question names a place and the document is that place's
    "named_near",  # ... the document is the place's city or one of its districts
    "named_national",  # ... the document is national law
    "named_other",  # ... the document is another place's
    "scope_own",  # the chat is bound to a place (no place named) and the document is that place's
    "scope_near",
    "scope_national",
    "scope_other",
    "national_unplaced",  # national law, for a question with no place and no scope
    "general",  # a preamble or a general section (总体要求, 保障措施 ...), which seldom answers a question
    "length",  # log length of the clause text
    "titled",  # the question names the clause's document
    "expansion_word_cover",  # word_cover against the everyday words of the clause's terms (Analyzer.expansion)
    "expansion_bigram_cover",  # bigram_cover against them
    "either_word_cover",  # share of the question's words found in the clause or in its everyday words
    "asked_alike",  # rapidfuzz similarity of the question to the closest of the clause's similar questions
    "document_cover",  # word_cover of the clause's whole document: a question about dogs belongs to a law on dogs
    "title_word_cover",  # idf-weighted share of the question's words (or synonyms) in the document's title
    "states_asked",  # the question asks for a figure (sum, rate, head count, time, date, phone, criteria), the clause states one
    "top_of_clause_index",  # the candidate BM25 on the clause index puts first
    "top_of_everyday_index",  # the candidate BM25 on the everyday-words index puts first
)
COLUMN = {name: number for number, name in enumerate(FEATURES)}
FUZZY_PREFIX = 600  # characters of a clause compared by rapidfuzz
FOLDED_CACHE = 50_000  # clauses whose folded text is kept
GENERAL_SECTIONS = re.compile(r"总体要求|指导思想|基本原则|保障措施|组织领导|目的意义|总体思路|工作目标")
GENERAL_NUMBERS = ("前言", "全文")
# A law's article on its own purpose, scope or entry into force: "为了……，制定本条例", "本法自…起施行".
GENERAL_ARTICLE = re.compile(r"^为了.{0,200}?制定本(?:条例|法|规定|办法)|^本(?:条例|法|规定|办法)自.{0,30}起施行")


@dataclass
class Query:
    """A question as the matcher uses it."""

    text: str
    groups: list[list[QueryTerm | None]]  # each word with its synonyms (None: a word no clause has)
    words: list[QueryTerm]  # every known word and synonym, for recall
    bigrams: list[QueryTerm | None]
    core: str
    expansion_groups: list[list[QueryTerm | None]] = field(default_factory=list)  # the groups in the expansion index
    expansion_bigrams: list[QueryTerm | None] = field(default_factory=list)  # the question's content words joined, for fuzzy comparison
    named: list[str] = field(default_factory=list)  # places the question names
    scope: str | None = None  # the place the chat is bound to
    titled: list[int] = field(default_factory=list)  # documents the question names (by number)
    domain: float = 0.0  # the share of its words that are lexicon terms
    plain: str = ""  # the question folded, without the names of the places it names (compared with similar questions)

    @property
    def either_groups(self) -> list[list[QueryTerm | None]]:
        """Each word's terms in the clause index and in the everyday-words index together."""
        if not self.expansion_groups:
            return self.groups
        return [[*main, *extra] for main, extra in zip(self.groups, self.expansion_groups)]

    @property
    def places(self) -> list[str]:
        return self.named or ([self.scope] if self.scope else [])


def coverage(groups: Sequence[Sequence[QueryTerm | None]], candidates: np.ndarray, unknown_weight: float) -> np.ndarray:
    """The idf-weighted share of ``groups`` each candidate clause contains. A group (a word and its synonyms)
    is present when any of its terms is, and weighs its terms' highest idf; a group no clause has weighs
    ``unknown_weight`` (the rarest word's idf), so a question about something else covers little."""

    def contains(term: QueryTerm) -> np.ndarray:
        position = np.searchsorted(term.postings, candidates)
        position[position >= len(term.postings)] = len(term.postings) - 1
        return term.postings[position] == candidates

    return weighted_share(groups, len(candidates), unknown_weight, contains)


def weighted_share(
    groups: Sequence[Sequence[QueryTerm | None]], size: int, unknown_weight: float, contains: Callable[[QueryTerm], np.ndarray]
) -> np.ndarray:
    """For ``size`` items, the idf-weighted share of ``groups`` present in each, where ``contains(term)`` says
    which items have a term (weights as in :func:`coverage`)."""
    if not groups or size == 0:
        return np.zeros(size, dtype=np.float32)
    total = 0.0
    covered = np.zeros(size, dtype=np.float32)
    for group in groups:
        known = [term for term in group if term is not None]
        if not known:
            total += unknown_weight
            continue
        weight = max(term.idf for term in known)
        total += weight
        present = np.zeros(size, dtype=bool)
        for term in known:
            present |= contains(term)
        covered += present * np.float32(weight)
    return covered / np.float32(total)


def evidence(groups: Sequence[Sequence[QueryTerm | None]], candidate: int, max_idf: float) -> dict[str, float]:
    """How much of the question a single clause bears out: the idf its present words carry (in units of the
    rarest word's idf), and the idf of the most specific question word it lacks (a word no clause has counts
    as the rarest). A small-talk question covers little; a question about something else lacks its point."""
    covered, missing = 0.0, 0.0
    for group in groups:
        known = [term for term in group if term is not None]
        weight = max((term.idf for term in known), default=max_idf)
        present = any(_contains(term, candidate) for term in known)
        if present:
            covered += weight
        else:
            missing = max(missing, weight)
    return {"covered_idf": min(covered / max_idf, 3.0), "missing_idf": missing / max_idf, "words": min(len(groups), 8) / 8}


# A question that asks for an amount, a rate, a head count, a length of time, a date, a number to call or the criteria,
# and the kind of figure a clause must state to answer it. "供水扩容要交多少钱" is not answered by a clause on
# 供水扩容 that names no sum.
_QUANTITIES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (  # a sum of money
        "金额",
        re.compile(
            r"多少钱|几块钱|[收交给补奖罚赔退返贷]多少|(?:补贴|补助|奖励|奖金|费|罚款|报酬|工资|价|利息|资金|额度|贷款).{0,3}多少"
            r"|多少(?:补贴|补助|奖励|奖金|费用?|资金|额度)|(?:电|水|气|房)价|收费标准|起征点|注册资本"
        ),
        re.compile(r"[\d一二三四五六七八九十百千万两]+(?:\.\d+)?\s*(?:元|万元|亿元)|减半|免收|免费|全额|不收取|零收费"),
    ),
    ("比例", re.compile(r"[税利费]率|百分之几|几个点|比例.{0,3}(?:多少|几)|多大比例|占比"), re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|‰)|百分之|分之")),  # a rate
    ("人数", re.compile(r"多少(?:个)?人|几个人"), re.compile(r"[\d一二三四五六七八九十百千]+(?:名|个|位)?人")),  # a head count
    (  # a length of time (a clause on time limits answers "how long" even without a figure: 各地确定并公开时限)
        "时限",
        re.compile(r"多长时间|多久|几天|多少天|几个(?:工作)?日|几个月|多少个工作日"),
        re.compile(r"[\d一二三四五六七八九十百半两]+个?(?:工作日|日|天|小时|月|年|分钟|周)|即时|即办|当日|当天|立等|同步|时限|期限|压缩|压减|缩短"),
    ),
    (  # a date: when it starts, ends, is held
        "日期",
        re.compile(r"啥时候|什么时候|几号|哪天|几月份?|何时|截止"),
        re.compile(r"\d{4}年|[\d一二三四五六七八九十]+月|月底|年底|年内|底前|起施行|每年|季度|常态化|长期|持续|定期|即日|届满|期限|时限|日内"),
    ),
    ("电话", re.compile(r"电话|热线|联系方式|手机号"), re.compile(r"\d{5,}")),  # a number to call: 设立服务电话 gives none
    ("条件", re.compile(r"条件|门槛|资格"), re.compile(r"条件|符合|标准|要求|资格|以上|以下|不低于|不超过|达到|认定|具备")),
)


# What makes a message a question (or a request for a rule): a question mark or word, 能…不 / 管不管 / 有人管没,
# or a word that asks for a rule (流程, 条件 …). A message with none of them tells something: 收到，马上转给财务.
_QUESTION_FORM = re.compile(
    r"[?？]|吗|么|呢|啥|什么|怎|咋|如何|哪|几|多少|多久|多长|多常|多快|谁|能否|可否|是否|有没有|有无|没有|还是"
    r"|([\u4e00-\u9fff])不\1|[不没][了啦]?\W*$|需要|流程|条件|标准|规定|政策|办法|时限|要求|手续|材料"
)


def is_telling(message: str) -> bool:
    """Whether ``message`` has no question form at all: it tells something rather than asks."""
    return not _QUESTION_FORM.search(message)


def asked_quantities(question: str) -> list[re.Pattern[str]]:
    """For each kind of figure ``question`` asks for (:data:`_QUANTITIES`), the pattern of a clause that states one."""
    return [states for _kind, asks, states in _QUANTITIES if asks.search(question)]


def unstated_figures(question: str, clause_text: str) -> list[str]:
    """The kinds of figure (金额, 比例, 人数, 时限, 日期, 电话, 条件) ``question`` asks for and the clause states nothing of."""
    return [kind for kind, asks, states in _QUANTITIES if asks.search(question) and not states.search(clause_text)]


def unstated_quantity(question: str, clause_text: str) -> float:
    """1 when ``question`` asks for a figure (:data:`_QUANTITIES`) the clause states nothing of, else 0."""
    return 1.0 if unstated_figures(question, clause_text) else 0.0


def _contains(term: QueryTerm, candidate: int) -> bool:
    position = int(np.searchsorted(term.postings, candidate))
    return position < len(term.postings) and int(term.postings[position]) == candidate


def region_relation(analyzer: Analyzer, document: Document, places: Sequence[str]) -> str:
    """``own``, ``near`` (the place's city, or a district of it), ``national`` or ``other``."""
    region = document.region or ""
    if region in places:
        return "own"  # also national law for a question about 国家 / 全国
    if region == "全国":
        return "national"
    own_chain = analyzer.region_chain(region) if region else []
    for place in places:
        if region in analyzer.region_chain(place)[1:] or place in own_chain[1:]:
            return "near"
    return "other"


class FeatureBuilder:
    """Builds the feature matrix of a question's candidates; caches what depends only on a document."""

    def __init__(self, analyzer: Analyzer, clauses: Sequence[Clause], documents: Sequence[Document], clause_document: np.ndarray, max_idf: float) -> None:
        self.analyzer = analyzer
        self.clauses = clauses
        self.documents = documents
        self.clause_document = clause_document
        self.max_idf = max_idf
        self._title_bigrams: dict[int, set[str]] = {}
        self._asked_cache: dict[int, list[str]] = {}
        self._folded_cache: dict[int, tuple[str, str]] = {}
        self._folded_titles: dict[int, str] = {}
        # documents' clauses are numbered in a row: document d holds clauses starts[d] .. starts[d + 1] - 1
        self._starts = np.searchsorted(clause_document, np.arange(len(documents) + 1)) if len(documents) else np.zeros(1, dtype=np.int64)

    def document_relations(self, places: Sequence[str]) -> list[str]:
        """The region relation of every document to ``places``."""
        return [region_relation(self.analyzer, document, places) for document in self.documents]

    def build(self, query: Query, candidates: np.ndarray, recall: np.ndarray, main: np.ndarray, everyday: np.ndarray) -> np.ndarray:
        """One row per candidate, one column per name in :data:`FEATURES`. ``recall`` is the candidates' recall
        score, ``main`` and ``everyday`` its parts from the clause index and the everyday-words index."""
        rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
        if len(candidates) == 0:
            return rows
        if main.any():
            rows[int(np.argmax(main)), COLUMN["top_of_clause_index"]] = 1.0
        if everyday.any():
            rows[int(np.argmax(everyday)), COLUMN["top_of_everyday_index"]] = 1.0
        rows[:, COLUMN["word_cover"]] = coverage(query.groups, candidates, self.max_idf)
        rows[:, COLUMN["bigram_cover"]] = coverage([[term] for term in query.bigrams], candidates, self.max_idf)
        rows[:, COLUMN["recall"]] = recall / max(float(recall.max()), 1e-9)
        if query.expansion_groups:
            rows[:, COLUMN["expansion_word_cover"]] = coverage(query.expansion_groups, candidates, self.max_idf)
            rows[:, COLUMN["expansion_bigram_cover"]] = coverage([[t] for t in query.expansion_bigrams], candidates, self.max_idf)
            rows[:, COLUMN["either_word_cover"]] = coverage(query.either_groups, candidates, self.max_idf)
        documents = self.clause_document[candidates]
        rows[:, COLUMN["document_cover"]] = self._document_cover(query.either_groups, documents)
        wanted_bigrams = {term.term[1:] for term in query.bigrams if term is not None}
        # each known word of the question with its synonyms and its weight, for the heading and the title
        heading_terms = [(max(t.idf for t in known), [t.term for t in known]) for known in ([t for t in g if t is not None] for g in query.groups) if known]
        rows[:, COLUMN["title_word_cover"]] = self._title_word_cover(heading_terms, documents)
        heading_total = sum(weight for weight, _ in heading_terms) or 1.0
        quantities = asked_quantities(fold(query.text))
        places = query.places
        relations = self.document_relations(places) if places else None
        prefix = "named_" if query.named else "scope_"
        for row, candidate in enumerate(candidates):
            clause = self.clauses[int(candidate)]
            number = int(self.clause_document[int(candidate)])
            document = self.documents[number]
            start, heading = self._folded(int(candidate))
            if query.core:
                rows[row, COLUMN["fuzzy"]] = fuzz.partial_ratio(query.core, start) / 100.0
            if wanted_bigrams:
                rows[row, COLUMN["title_cover"]] = len(wanted_bigrams & self._title(number)) / len(wanted_bigrams)
            rows[row, COLUMN["heading_cover"]] = sum(w for w, terms in heading_terms if any(t in heading for t in terms)) / heading_total
            if relations is not None:
                rows[row, COLUMN[prefix + relations[number]]] = 1.0
            elif document.region == "全国":
                rows[row, COLUMN["national_unplaced"]] = 1.0
            if (
                clause.number in GENERAL_NUMBERS
                or GENERAL_ARTICLE.match(clause.text)
                or any(GENERAL_SECTIONS.search(name) for name in (clause.heading, *clause.section))
            ):
                rows[row, COLUMN["general"]] = 1.0
            rows[row, COLUMN["length"]] = math.log1p(len(clause.text)) / 8.0
            if number in query.titled:
                rows[row, COLUMN["titled"]] = 1.0
            if quantities and all(states.search(clause.text) for states in quantities):
                rows[row, COLUMN["states_asked"]] = 1.0
            if clause.questions and query.plain:
                rows[row, COLUMN["asked_alike"]] = max(fuzz.ratio(query.plain, asked) for asked in self._asked(int(candidate))) / 100.0
        return rows

    def _document_cover(self, groups: Sequence[Sequence[QueryTerm | None]], documents: np.ndarray) -> np.ndarray:
        """The idf-weighted share of ``groups`` that some clause of each of ``documents`` contains."""
        unique, back = np.unique(documents, return_inverse=True)
        first, last = self._starts[unique], self._starts[unique + 1]

        def contains(term: QueryTerm) -> np.ndarray:
            return np.searchsorted(term.postings, last) > np.searchsorted(term.postings, first)

        return weighted_share(groups, len(unique), self.max_idf, contains)[back]

    def _title_word_cover(self, weighted: list[tuple[float, list[str]]], documents: np.ndarray) -> np.ndarray:
        """The share of the question's ``weighted`` words (idf, the word and its synonyms) each document's title
        contains."""
        total = sum(weight for weight, _ in weighted)
        if not total:
            return np.zeros(len(documents), dtype=np.float32)
        unique, back = np.unique(documents, return_inverse=True)
        shares = np.zeros(len(unique), dtype=np.float32)
        for row, number in enumerate(unique):
            title = self._folded_titles.get(int(number))
            if title is None:
                title = self._folded_titles[int(number)] = fold(self.documents[int(number)].title)
            shares[row] = sum(weight for weight, terms in weighted if any(term in title for term in terms)) / total
        return shares[back]

    def _folded(self, candidate: int) -> tuple[str, str]:
        """The folded start of a clause (for rapidfuzz) and its folded heading and sections (cached: the same
        clauses come up again and again)."""
        found = self._folded_cache.get(candidate)
        if found is None:
            if len(self._folded_cache) >= FOLDED_CACHE:
                self._folded_cache.clear()
            clause = self.clauses[candidate]
            found = self._folded_cache[candidate] = (
                fold(clause.heading + clause.text[:FUZZY_PREFIX])[:FUZZY_PREFIX],
                fold(clause.heading + "".join(clause.section)),
            )
        return found

    def _asked(self, candidate: int) -> list[str]:
        """The similar questions of a clause, folded and without place names (cached)."""
        found = self._asked_cache.get(candidate)
        if found is None:
            found = self._asked_cache[candidate] = [self.plain(q) for q in self.clauses[candidate].questions]
        return found

    def plain(self, text: str) -> str:
        """``text`` folded, without punctuation and the names of places."""
        folded = re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", fold(text))
        return self.analyzer.places.without_names(folded)

    def _title(self, number: int) -> set[str]:
        title = self._title_bigrams.get(number)
        if title is None:
            title = self._title_bigrams[number] = set(self.analyzer.analyze(self.documents[number].title).bigrams)
        return title
