"""Checks of the evaluation data in tests/data/: the files parse, ids are unique, the fields are there, and every
accept phrase of a policy question is found in exactly the document(s) the question is about.

A policy question carries "docs", the document(s) whose clause answers it, and may carry "scope", the region of
the group it is asked from. Phrases are compared the way the evaluation compares them: NFKC, all white space and
quotation marks removed.
The nine default documents are read from the project's own copy (``knowledge/data/default/``); the corpus
questions are checked against ``shared/corpus`` beside the clone, and skipped when it is absent.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parents[1]
DEFAULT_DOCUMENTS = REPO / "knowledge" / "data" / "default"
SHARED = Path(__file__).parents[2] / "shared"
CORPUS = SHARED / "corpus"

QA_FILE = DATA / "qa_colloquial.jsonl"
# Question files about the nine documents checked the same way: the fitted colloquial set and the two held-out
# ones (qa_holdout2 was written blind, by someone who had seen neither the matcher nor the other files).
# qa_fresh (with qa_oos_fresh) was written later, kept free of near-twins of every other file, and is not fitted on.
QA_FRESH_FILE = DATA / "qa_fresh.jsonl"
OOS_FRESH_FILE = DATA / "qa_oos_fresh.jsonl"
QA_FILES = [QA_FILE, DATA / "qa_holdout.jsonl", DATA / "qa_holdout2.jsonl", QA_FRESH_FILE]
CORPUS_FILE = DATA / "qa_corpus_regions.jsonl"
CORPUS_HOLDOUT_FILE = DATA / "qa_corpus_holdout.jsonl"  # region questions written blind, never fitted on
# region questions over local regulations no other question file is about (written blind; not fitted on)
CORPUS_UNSEEN_FILE = DATA / "qa_corpus_unseen.jsonl"
OOS_TRAIN_FILE = DATA / "qa_oos_train.jsonl"  # out-of-scope messages the decision is fitted on
OOS_TRAIN2_FILE = DATA / "qa_oos_train2.jsonl"  # more of them, near-misses first (written without the blind sets)
# region questions over 197 local regulations the blind sets do not ask about, never fitted on: the set to study
# misses on at province scale (fitting on it moved no held-out figure; see README, "Accuracy")
CORPUS_DEV_FILE = DATA / "qa_corpus_dev.jsonl"
INTENTS_FILE = DATA / "intents_colloquial.jsonl"

# The nine default documents, by the file names of shared/policies (the repository copy may drop the date suffix).
DOCUMENTS = [
    "2021年长春市优化营商环境重点工作方案(2021-04-02).txt",
    "2021年朝阳区优化营商环境专项攻坚行动工作方案(2021-05-25).txt",
    "辽源市2024年营商环境优化重点行动方案(2024-04-22).txt",
    "滨海新区稳经济保增长促发展营商环境再提升攻坚行动方案.txt",
    "长春新区进一步优化营商环境工作方案(2021-09-18).txt",
    "优化营商环境条例(2019-10-22).md",
    "中小企业促进法(2017-09-01).md",
    "保障中小企业款项支付条例(2025-03-17).md",
    "国务院关于在线政务服务的若干规定(2019-04-26).md",
]
PLACES = ("长春", "朝阳区", "辽源", "滨海", "长春新区")
SCOPES = ("长春市", "朝阳区", "长春新区", "辽源市", "滨海新区")  # a question asked from a group bound to a region
INTENTS = {"complaint", "suggestion", "policy", "help", "status"}

_QUOTES = re.compile("[“”‘’\"']")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC, white space and quotation marks removed: the form accept phrases are matched in."""
    return _SPACES.sub("", _QUOTES.sub("", unicodedata.normalize("NFKC", text)))


def read_jsonl(path: Path) -> list[dict]:
    """Every non-empty line of ``path`` as a JSON object; a bad line fails naming its number."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                item = json.loads(line)
            except ValueError as exc:
                pytest.fail(f"{path.name}:{number}: not JSON ({exc})")
            assert isinstance(item, dict), f"{path.name}:{number}: not an object"
            items.append(item)
    return items


def longest_common_run(a: str, b: str) -> int:
    """Length of the longest substring shared by ``a`` and ``b``."""
    best = 0
    for start in range(len(a)):
        length = best + 1
        while start + length <= len(a) and a[start : start + length] in b:
            best = length
            length += 1
    return best


def document_key(name: str) -> str:
    return re.sub(r"\(\d{4}-\d{2}-\d{2}\)$", "", Path(name).stem)


def find_default_documents() -> dict[str, str] | None:
    """The normalised text of each of the nine documents in the repository copy, or None when one is missing."""
    if not DEFAULT_DOCUMENTS.is_dir():
        return None
    files = [p for p in DEFAULT_DOCUMENTS.rglob("*") if p.suffix.lower() in {".txt", ".md"}]
    texts = {}
    for name in DOCUMENTS:
        found = [p for p in files if p.name == name] or [p for p in files if document_key(name) in p.stem]
        if len(found) != 1:
            return None
        texts[name] = normalise(found[0].read_text(encoding="utf-8"))
    return texts


@pytest.fixture(scope="module", params=QA_FILES, ids=lambda p: p.name)
def qa(request: pytest.FixtureRequest) -> list[dict]:
    return read_jsonl(request.param)


@pytest.fixture(scope="module")
def default_texts() -> dict[str, str]:
    texts = find_default_documents()
    if texts is None:
        pytest.skip(f"the nine default documents are not (all) in {DEFAULT_DOCUMENTS.relative_to(REPO)} yet")
    return texts


@pytest.mark.parametrize(
    "path",
    [*QA_FILES, CORPUS_FILE, CORPUS_HOLDOUT_FILE, CORPUS_UNSEEN_FILE, CORPUS_DEV_FILE, OOS_TRAIN_FILE, OOS_TRAIN2_FILE, OOS_FRESH_FILE, INTENTS_FILE],
    ids=lambda p: p.name,
)
def test_file_parses_and_ids_are_unique(path: Path) -> None:
    items = read_jsonl(path)
    ids = Counter(str(item.get("id")) for item in items)
    assert all(item.get("id") for item in items), "a line without id"
    assert [i for i, n in ids.items() if n > 1] == []


def test_qa_fields(qa: list[dict]) -> None:
    for item in qa:
        assert {"id", "q", "accept", "kind"} <= item.keys(), item
        assert item["kind"] in {"policy", "oos"}, item
        assert isinstance(item["q"], str) and item["q"].strip(), item
        if item["kind"] == "oos":
            assert item["accept"] == [], item
            continue
        assert item["accept"] and item["docs"], item
        assert set(item["docs"]) <= set(DOCUMENTS), item
        assert item.get("scope", "长春市") in SCOPES, item
        for phrase in item["accept"]:
            assert phrase == normalise(phrase), f"{item['id']}: accept phrase not normalised: {phrase}"
            assert 6 <= len(phrase) <= 25, f"{item['id']}: accept phrase of {len(phrase)} characters: {phrase}"


def test_qa_counts(qa: list[dict]) -> None:
    policy = [item for item in qa if item["kind"] == "policy"]
    oos = [item for item in qa if item["kind"] == "oos"]
    assert len(policy) >= 150
    assert len(oos) >= 40
    per_document = Counter(doc for item in policy for doc in item["docs"])
    assert {doc: per_document[doc] for doc in DOCUMENTS if per_document[doc] < 12} == {}
    assert sum(1 for item in policy if any(place in item["q"] for place in PLACES)) >= 40
    questions = Counter(item["q"] for item in qa)
    assert [q for q, n in questions.items() if n > 1] == []


def test_questions_do_not_copy_the_clause(qa: list[dict]) -> None:
    """Questions are paraphrases: none repeats eight or more consecutive characters of its accept phrases."""
    copies = [
        (item["id"], phrase)
        for item in qa
        for phrase in item["accept"]
        if longest_common_run(phrase, normalise(item["q"])) >= 8
    ]
    assert copies == []


def test_accept_phrases_are_in_exactly_the_intended_documents(qa: list[dict], default_texts: dict[str, str]) -> None:
    problems = []
    for item in (item for item in qa if item["kind"] == "policy"):
        covered = set()
        for phrase in item["accept"]:
            where = {name for name, text in default_texts.items() if phrase in text}
            covered |= where
            if not where or not where <= set(item["docs"]):
                problems.append(f"{item['id']} {phrase!r}: in {sorted(where)}, expected {item['docs']}")
        if covered != set(item["docs"]):
            problems.append(f"{item['id']}: phrases cover {sorted(covered)}, expected {item['docs']}")
    assert problems == []


@pytest.fixture(scope="module")
def corpus_questions() -> list[dict]:
    return read_jsonl(CORPUS_FILE)


def test_corpus_questions_fields_and_counts(corpus_questions: list[dict]) -> None:
    for item in corpus_questions:
        assert {"id", "q", "accept", "kind", "source"} <= item.keys(), item
        assert item["kind"] == "policy" and item["accept"], item
        for phrase in item["accept"]:
            assert phrase == normalise(phrase) and 6 <= len(phrase) <= 25, (item["id"], phrase)
    local = [item for item in corpus_questions if item["source"].startswith("laws/DLC/")]
    default = [item for item in corpus_questions if item["source"].startswith("../policies/default/")]
    assert len(local) >= 40 and len(default) >= 10
    assert len(local) + len(default) == len(corpus_questions)
    provinces = Counter(item["source"].split("/")[2] for item in local)
    assert len(provinces) == 4 and min(provinces.values()) >= 8, provinces
    for item in local:
        place = re.match(r"(.+?)[省市]", Path(item["source"]).name)
        assert place and place.group(1) in item["q"], f"{item['id']}: the question does not name its place"
    assert all(any(place in item["q"] for place in PLACES) for item in default)


def test_corpus_accept_phrases_are_in_their_local_regulation(corpus_questions: list[dict]) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is absent: the corpus questions cannot be checked against their sources")
    problems = []
    for item in (item for item in corpus_questions if item["source"].startswith("laws/")):
        path = CORPUS / item["source"]
        if not path.is_file():
            problems.append(f"{item['id']}: no file {item['source']}")
            continue
        text = normalise(path.read_text(encoding="utf-8"))
        problems += [f"{item['id']} {phrase!r}: not in {item['source']}" for phrase in item["accept"] if phrase not in text]
    assert problems == []


def test_corpus_default_place_questions_are_in_their_document(
    corpus_questions: list[dict], default_texts: dict[str, str]
) -> None:
    problems = []
    for item in (item for item in corpus_questions if item["source"].startswith("../policies/default/")):
        name = Path(item["source"]).name
        for phrase in item["accept"]:
            where = {doc for doc, text in default_texts.items() if phrase in text}
            if where != {name}:
                problems.append(f"{item['id']} {phrase!r}: in {sorted(where)}, expected {name}")
    assert problems == []


@pytest.mark.parametrize("path", [OOS_TRAIN_FILE, OOS_TRAIN2_FILE, OOS_FRESH_FILE], ids=lambda p: p.name)
def test_out_of_scope_message_files(path: Path) -> None:
    items = read_jsonl(path)
    assert len(items) >= 250
    assert all(item["kind"] == "oos" and item["accept"] == [] and item["q"].strip() for item in items)
    texts = Counter(item["q"] for item in items)
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize("path", [CORPUS_HOLDOUT_FILE, CORPUS_UNSEEN_FILE, CORPUS_DEV_FILE], ids=lambda p: p.name)
def test_corpus_region_questions_name_their_place_and_quote_their_source(path: Path) -> None:
    items = read_jsonl(path)
    assert len(items) >= 80
    assert len({item["source"] for item in items}) >= 50
    for item in items:
        place = re.match(r"(.+?)[省市]", Path(item["source"]).name)
        assert place and place.group(1) in item["q"], f"{item['id']}: the question does not name its place"
    for item in items:
        assert {"id", "q", "accept", "kind", "source"} <= item.keys() and item["kind"] == "policy", item
        assert all(phrase == normalise(phrase) and 6 <= len(phrase) <= 25 for phrase in item["accept"]), item
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is absent: the corpus questions cannot be checked against their sources")
    problems = []
    for item in items:
        path = CORPUS / item["source"]
        text = normalise(path.read_text(encoding="utf-8")) if path.is_file() else ""
        problems += [f"{item['id']} {phrase!r}: not in {item['source']}" for phrase in item["accept"] if phrase not in text]
    assert problems == []


def test_unseen_corpus_questions_are_about_documents_no_other_file_asks_about() -> None:
    others = {
        item["source"]
        for path in (CORPUS_FILE, CORPUS_HOLDOUT_FILE, DATA / "qa_corpus_train.jsonl", CORPUS_DEV_FILE)
        for item in read_jsonl(path)
    }
    unseen = {item["source"] for item in read_jsonl(CORPUS_UNSEEN_FILE)}
    assert unseen and not unseen & others


def test_the_corpus_development_set_asks_about_no_blind_document() -> None:
    blind = {item["source"] for path in (CORPUS_HOLDOUT_FILE, CORPUS_UNSEEN_FILE) for item in read_jsonl(path)}
    assert not blind & {item["source"] for item in read_jsonl(CORPUS_DEV_FILE)}


def test_intents_fields_and_counts() -> None:
    items = read_jsonl(INTENTS_FILE)
    for item in items:
        assert {"id", "text", "intent", "departments"} <= item.keys(), item
        assert item["intent"] in INTENTS, item
        assert isinstance(item["departments"], list) and all(isinstance(d, str) and d for d in item["departments"]), item
        if item["intent"] == "complaint":
            assert item["departments"], f"{item['id']}: a complaint names the departments it may go to"
        elif item["intent"] in {"policy", "help", "status"}:
            assert item["departments"] == [], item
    assert len(items) >= 120
    counts = Counter(item["intent"] for item in items)
    assert counts["complaint"] >= 50 and counts["suggestion"] >= 10 and counts["policy"] >= 20, counts
    assert counts["status"] >= 10 and counts["help"] >= 10, counts
    texts = Counter(item["text"] for item in items)
    assert [t for t, n in texts.items() if n > 1] == []
    explicit = ("投诉", "诉求", "举报", "反映", "建议")
    plain = [item for item in items if item["intent"] == "complaint" and not any(k in item["text"] for k in explicit)]
    assert len(plain) >= 25, "plain complaints without a keyword are the hard case"


def test_the_fresh_sets_have_no_near_twin_in_another_file() -> None:
    """Writers converge: 63 of the blind set's 295 messages have a fitted message at ratio >= 80. The fresh sets
    keep clear of every other file (ratio < 85 to the fitted files, < 80 to the blind set), so they measure
    questions nobody has asked before."""
    from rapidfuzz import fuzz, process

    fitted = [DATA / name for name in ("qa_colloquial.jsonl", "qa_train2.jsonl", "qa_holdout.jsonl", "qa_oos_train.jsonl", "qa_oos_train2.jsonl")]
    fitted_texts = [item["q"] for path in fitted for item in read_jsonl(path)]
    blind_texts = [item["q"] for item in read_jsonl(DATA / "qa_holdout2.jsonl")]
    twins = []
    for item in read_jsonl(QA_FRESH_FILE) + read_jsonl(OOS_FRESH_FILE):
        near_fitted = process.extractOne(item["q"], fitted_texts, scorer=fuzz.ratio)
        near_blind = process.extractOne(item["q"], blind_texts, scorer=fuzz.ratio)
        if near_fitted[1] >= 85 or near_blind[1] >= 80:
            twins.append((item["id"], near_fitted[:2], near_blind[:2]))
    assert twins == []
