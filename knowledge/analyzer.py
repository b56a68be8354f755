"""Text analysis shared by indexing and questions: normalisation, jieba words with the domain dictionary,
synonyms, stop words, character bigrams, and place names.

The data files in ``knowledge/data/`` (``userdict.txt``, ``synonyms.tsv``, ``stopwords.txt``, ``regions.tsv``)
are plain text so staff can edit them; the index stores a fingerprint of them and is rebuilt when they change.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import jieba

from knowledge.normal import fold, read_lines
from knowledge.places import Places

DATA_DIR = Path(__file__).resolve().parent / "data"
LEXICON_FILES = ("userdict.txt", "synonyms.tsv", "stopwords.txt", "regions.tsv", "chitchat.txt", "lookups.txt")

# Everything that is not a letter, digit or CJK character is a separator for matching purposes.
_NOT_WORD = re.compile(r"[^0-9a-z%\u4e00-\u9fff]+")
BIGRAM_PREFIX = "\u00b7"  # index terms of character bigrams start with it
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}|[0-9a-z%]+")
# Leading @mentions and polite openers that carry no meaning.
_MENTION = re.compile(r"@\S+\s*")
# A greeting or "请问" before the question itself ("你好，请问开办企业要几天"): it says nothing about what is asked.
_OPENER = re.compile(
    r"^(?:(?:你好|您好|你们好|大家好|在吗|在么|(?:hello|hi)(?![a-z])|嗨)[，,。.!！?？~～\s]*)+(?:请问[，,\s]*)?"
    r"|^请问[，,\s]*",
    re.IGNORECASE,
)

jieba.setLogLevel(logging.WARNING)


def _word_pattern(path: Path) -> re.Pattern[str] | None:
    """One regular expression for the words of a word-list file, longest first."""
    words = sorted(set(" ".join(read_lines(path)).split()), key=len, reverse=True)
    return re.compile("|".join(re.escape(fold(word)) for word in words)) if words else None


@dataclass(frozen=True)
class Analysis:
    """What the analyzer makes of a text: ``words`` (jieba words, canonical synonyms appended, stop words
    dropped) and ``bigrams`` (character bigrams of every CJK run), both lists with repeats."""

    words: list[str]
    bigrams: list[str]
    groups: list[tuple[str, ...]] = ()  # for questions: each word with its canonical synonym, counted as one

    @property
    def terms(self) -> list[str]:
        """Words and bigrams in one list; bigrams are prefixed so they never collide with two-character words."""
        return self.words + [BIGRAM_PREFIX + gram for gram in self.bigrams]


class Analyzer:
    """Turns text into index terms. One instance per process (jieba's dictionary takes ~0.7 s to load)."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.data_dir = data_dir
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self._jieba.load_userdict(str(data_dir / "userdict.txt"))
        self.synonyms = self._load_synonyms(data_dir / "synonyms.tsv")
        canonicals = {canonical for found in self.synonyms.values() for canonical in found}
        self._variants_of: dict[str, list[str]] = {}
        for variant, found in self.synonyms.items():
            for canonical in found:
                self._variants_of.setdefault(canonical, []).append(variant)
        self._expansion_cache: dict[str, list[str]] = {}
        self.domain_terms = {fold(line.split()[0]) for line in read_lines(data_dir / "userdict.txt")}
        self.domain_terms |= set(self.synonyms) | canonicals
        for word in [*self.synonyms, *canonicals]:
            if len(word) > 1:
                self._jieba.add_word(word, freq=1500)
        self.stopwords = set(" ".join(read_lines(data_dir / "stopwords.txt")).split())
        for word in self.stopwords:
            if len(word) > 1 and not self._jieba.FREQ.get(word):
                self._jieba.add_word(word, freq=1000)  # so that 要不要, 算不算 are cut whole and dropped
        self.places = Places.load(data_dir / "regions.tsv")
        self.regions = self.places.names  # every name a question may use for a place → the place
        for name in self.regions:
            self._jieba.add_word(name, freq=2000)
        self._chitchat = _word_pattern(data_dir / "chitchat.txt")
        self._lookups = _word_pattern(data_dir / "lookups.txt")

    @staticmethod
    def _load_synonyms(path: Path) -> dict[str, tuple[str, ...]]:
        """``{variant: (canonical, ...)}``: a variant listed under several canonical terms yields each."""
        table: dict[str, tuple[str, ...]] = {}
        for line in read_lines(path):
            canonical, _, variants = line.partition("\t")
            canonical = fold(canonical)
            for variant in variants.split("|"):
                variant = fold(variant)
                if variant and variant != canonical and canonical not in table.get(variant, ()):
                    table[variant] = table.get(variant, ()) + (canonical,)
        return table

    def region_chain(self, region: str) -> list[str]:
        """``region`` and the regions that contain it, innermost first (``朝阳区`` → 朝阳区, 长春市, 吉林省)."""
        return self.places.chain(region)

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the lexicon files: an index built with other files must be rebuilt."""
        digest = hashlib.sha1()
        for name in LEXICON_FILES:
            digest.update((self.data_dir / name).read_bytes())
        return digest.hexdigest()[:16]

    def analyze(self, text: str, question: bool = False) -> Analysis:
        """Analyse a clause or a question: one jieba pass gives the words and the content runs whose
        bigrams are taken (stop words split runs, so ``多少``, ``怎么`` never become bigrams).

        For a question, a colloquial word with a canonical synonym contributes the canonical word's bigrams
        instead of its own (``开个公司`` → ``企业开办``), and ``groups`` pairs each word with its synonym."""
        words: list[str] = []
        bigrams: list[str] = []
        groups: list[tuple[str, ...]] = []
        for run in _NOT_WORD.split(fold(text)):
            if not run:
                continue
            segment: list[str] = []
            for word in self._jieba.cut(run, HMM=False):
                canonicals = self.synonyms.get(word, ())
                if word in self.stopwords:
                    self._add_bigrams("".join(segment), bigrams)
                    segment = []
                    if canonicals:  # a question form that says what is asked: 归谁管, 哪个部门 → 主管部门, 负责
                        groups.append(canonicals)
                        words.extend(canonicals)
                    continue
                segment.append(canonicals[0] if question and canonicals else word)
                if len(word) > 1 or word.isdigit():
                    words.append(word)
                    groups.append((word, *canonicals))
                    if not question and len(word) >= 4:
                        words.extend(self._parts(word))
                elif canonicals:  # a one-character word that matters: 欠 (拖欠), 税 (税收), 查 (检查)
                    groups.append(canonicals)
                words.extend(canonicals)
            self._add_bigrams("".join(segment), bigrams)
        return Analysis(words, bigrams, groups)

    def expansion(self, words: list[str]) -> list[str]:
        """Index terms of the everyday words for the lexicon's terms among ``words`` (a clause's): a clause that
        says 全程网办 also gets the words of 手机上办, 网上办, 不用跑 …, so a question that uses only part of
        such a phrase ("手机上点点就办了") still meets it. (Their character bigrams would double the index for
        no measurable gain.)"""
        terms: list[str] = []
        for word in dict.fromkeys(words):
            if word in self._variants_of:
                cached = self._expansion_cache.get(word)
                if cached is None:
                    analysis = self.analyze(" ".join(self._variants_of[word]))
                    cached = self._expansion_cache[word] = list(dict.fromkeys(analysis.words))
                terms.extend(cached)
        return terms

    def _parts(self, word: str) -> list[str]:
        """The dictionary words inside a long word (``电子营业执照`` → 电子, 营业, 执照, 营业执照), as jieba's
        search mode finds them, so a question using the shorter word still meets the clause."""
        parts = []
        frequencies = self._jieba.FREQ
        for size in (2, 3, 4):
            for start in range(len(word) - size + 1):
                part = word[start : start + size]
                if part != word and frequencies.get(part) and part not in self.stopwords:
                    parts.append(part)
                    parts.extend(self.synonyms.get(part, ()))
        return parts

    @staticmethod
    def _add_bigrams(segment: str, out: list[str]) -> None:
        """Character bigrams of each CJK run of ``segment``; an alphanumeric run (``12345``, ``5g``) as a whole."""
        for run in _CJK_RUN.findall(segment):
            if run[0] < "\u4e00":
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))

    def regions_named(self, text: str) -> list[str]:
        """The regions a text names (``长春`` → ``长春市``), in order, each once."""
        return self.places.named(text)

    def is_domain_term(self, word: str) -> bool:
        """Whether ``word`` is a term of the domain lexicon (``userdict.txt`` or ``synonyms.tsv``)."""
        return word in self.domain_terms

    def chitchat_word(self, text: str) -> str | None:
        """The first chit-chat word (``chitchat.txt``) in ``text`` that stands as whole jieba words, if any: such
        a message is not a policy question (好的 in 收到好的, not in 信用好的企业; 年会 not in 今年会)."""
        if not self._chitchat:
            return None
        folded = fold(text)
        matches = list(self._chitchat.finditer(folded))
        if not matches:
            return None  # most questions: no need to cut them again
        ends = dict(self._spans(folded))  # where each word starting at a position ends
        edges = {0, *ends.values()}
        for match in matches:
            start, end = match.span()
            whole_word = start in ends and end in edges
            repeated = start in ends and set(folded[start : ends[start]]) <= set(match.group(0))  # 哈哈哈哈
            if whole_word or repeated:
                return match.group(0)
        return None

    def _spans(self, text: str) -> list[tuple[int, int]]:
        spans, position = [], 0
        for word in self._jieba.cut(text, HMM=False):
            spans.append((position, position + len(word)))
            position += len(word)
        return spans

    def lookup_word(self, text: str) -> str | None:
        """The first word of ``text`` that asks for a fact policies do not hold (``lookups.txt``: 电话, 地址, 门票 …)."""
        match = self._lookups.search(fold(text)) if self._lookups else None
        return match.group(0) if match else None

    def domain_share(self, words: list[str]) -> float:
        """The share of ``words`` that are lexicon terms (a formal term or an everyday word for one)."""
        return sum(1 for word in words if word in self.domain_terms) / len(words) if words else 0.0

    @staticmethod
    def clean_question(text: str) -> str:
        """Drop a leading @mention, a greeting or 请问 before the question, and surrounding blanks from a chat
        message; a message that is only a greeting stays as it is (it is chit-chat, not an empty question)."""
        text = _MENTION.sub("", text).strip()
        return _OPENER.sub("", text).strip() or text
