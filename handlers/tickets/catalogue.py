"""The routing catalogue (派单目录): categories of 诉求, the department each goes to, its time limit, and the
matching of a message to a category.

The catalogue is data (``handlers/tickets/data/catalogue.yaml``, or the file named by ``tickets.catalogue``).
A message is matched on three kinds of evidence, each explainable to the dispatcher:

- the names of bodies it complains about (``agencies``: 供电所, 税务局 ...), weight 3;
- what it is about (``keywords``), weight 2 (1 for a one-character keyword), found as whole jieba words or as
  substrings, and with rapidfuzz allowing one character off in longer keywords (施工许可正 → 施工许可证);
- the knowledge base: the lead departments of the clauses that best match the message vote for the categories
  whose ``aliases`` they contain (a 施工许可 complaint matches clauses led by 市建委 → 工程建设审批).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml
from rapidfuzz import fuzz

DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "data" / "catalogue.yaml"
AGENCY_WEIGHT = 3.0
KEYWORD_WEIGHT = 2.0
SHORT_KEYWORD_WEIGHT = 1.0
FUZZY_FACTOR = 0.7
KNOWLEDGE_WEIGHT = 1.0  # times the clause's match score (0..1), for each of the best clauses
KNOWLEDGE_CLAUSES = 3
CONFIDENT_SCORE = 3.0  # from here on a ticket is dispatched to the category's department without a dispatcher
CONFIDENT_MARGIN = 1.0


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Category:
    """One line of the catalogue."""

    name: str
    department: str
    limit_days: int
    aliases: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Routing:
    """Where a message should go: the best category (None when nothing fits), its score, the runner-up's,
    and the evidence found (for the dispatcher)."""

    category: Category | None
    department: str
    score: float
    runner_up: float
    evidence: tuple[str, ...] = ()
    confident: bool = False


@dataclass
class Catalogue:
    """The categories and the defaults that apply when none fits."""

    categories: list[Category]
    dispatcher_department: str
    default_limit_days: int = 10
    suggestion_limit_days: int = 15
    source: str = ""
    _by_name: dict[str, Category] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {category.name: category for category in self.categories}

    def get(self, name: str) -> Category | None:
        return self._by_name.get(name)

    @property
    def departments(self) -> list[str]:
        """Every department the catalogue can dispatch to, the dispatcher's first."""
        names = [self.dispatcher_department] + [c.department for c in self.categories]
        return list(dict.fromkeys(names))

    def limit_for(self, category: Category | None, kind: str) -> int:
        """Working days allowed for a ticket of ``kind`` in ``category``."""
        if kind == "建议":
            return self.suggestion_limit_days
        return category.limit_days if category is not None else self.default_limit_days

    def route(
        self,
        text: str,
        words: Iterable[str] = (),
        clause_departments: Sequence[tuple[Sequence[str], float]] = (),
    ) -> Routing:
        """The category for ``text``. ``words``: its jieba words; ``clause_departments``: the lead departments
        and match scores of the knowledge-base clauses that best match it, best first."""
        folded = fold(text)
        word_set = set(words)
        scored: list[tuple[float, Category, list[str]]] = []
        for category in self.categories:
            score, evidence = _evidence(category, folded, word_set)
            for departments, match_score in clause_departments[:KNOWLEDGE_CLAUSES]:
                named = [d for d in departments if any(alias in d for alias in category.aliases)]
                if named:
                    score += KNOWLEDGE_WEIGHT * float(match_score)
                    evidence.append(f"政策牵头部门:{named[0]}")
            if score > 0:
                scored.append((score, category, evidence))
        scored.sort(key=lambda item: -item[0])
        if not scored:
            return Routing(None, self.dispatcher_department, 0.0, 0.0)
        best_score, best, evidence = scored[0]
        runner_up = next((s for s, c, _ in scored[1:] if c.department != best.department), 0.0)
        confident = best_score >= CONFIDENT_SCORE and best_score - runner_up >= CONFIDENT_MARGIN
        return Routing(best, best.department, best_score, runner_up, tuple(evidence), confident)

    def match_department(self, name: str) -> list[str]:
        """The catalogue departments a staff member means by ``name`` (住建 → 市住房城乡建设局): exact first,
        then those containing it, then close spellings."""
        name = fold(name)
        if not name:
            return []
        exact = [d for d in self.departments if fold(d) == name]
        if exact:
            return exact
        containing = [d for d in self.departments if name in fold(d)]
        if containing:
            return containing
        aliased = list(dict.fromkeys(c.department for c in self.categories if any(fold(a) == name for a in c.aliases)))
        if aliased:
            return aliased
        return [d for d in self.departments if fuzz.partial_ratio(name, fold(d)) >= 80]


def fold(text: str) -> str:
    """NFKC, lower case, no white space: the form texts and keywords are compared in."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _evidence(category: Category, folded: str, words: set[str]) -> tuple[float, list[str]]:
    """The score of ``category`` for a text and the terms that earned it (a term inside a longer term found
    for the same category counts once)."""
    found: list[tuple[str, float]] = []
    for terms, weight in ((category.agencies, AGENCY_WEIGHT), (category.keywords, KEYWORD_WEIGHT)):
        for term in terms:
            term_weight = weight if len(term) > 1 else SHORT_KEYWORD_WEIGHT
            if term in words or fold(term) in folded:
                found.append((term, term_weight))
            elif len(term) >= 4 and fuzz.partial_ratio(fold(term), folded, score_cutoff=_one_off(term)):
                found.append((term, term_weight * FUZZY_FACTOR))
    kept: list[tuple[str, float]] = []
    for term, weight in sorted(found, key=lambda item: -len(item[0])):
        if not any(term in longer for longer, _ in kept):
            kept.append((term, weight))
    return sum(weight for _, weight in kept), [term for term, _ in kept]


def _one_off(term: str) -> float:
    """The rapidfuzz score of a match with one character wrong in ``term``."""
    return 100.0 * (1 - 1 / len(term)) - 0.5


def _strings(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    values = entry.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise CatalogueError(f"{where}: {key} must be a list of words")
    return tuple(v.strip() for v in values)


def parse_catalogue(data: Any, source: str = "") -> Catalogue:
    """Build a catalogue from its YAML form; raises :class:`CatalogueError` naming the bad entry."""
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise CatalogueError(f"{source}: expected a mapping with a list under 'categories'")
    categories: list[Category] = []
    for number, entry in enumerate(data["categories"], start=1):
        where = f"{source}: category {number}"
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("department"):
            raise CatalogueError(f"{where}: every category needs a name and a department")
        limit = entry.get("limit_days", data.get("default_limit_days", 10))
        if not isinstance(limit, int) or limit < 1:
            raise CatalogueError(f"{where} ({entry['name']}): limit_days must be a positive whole number")
        categories.append(
            Category(
                name=str(entry["name"]),
                department=str(entry["department"]),
                limit_days=limit,
                aliases=_strings(entry, "aliases", where),
                agencies=_strings(entry, "agencies", where),
                keywords=_strings(entry, "keywords", where),
            )
        )
    names = [c.name for c in categories]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise CatalogueError(f"{source}: categories named twice: {', '.join(duplicated)}")
    return Catalogue(
        categories=categories,
        dispatcher_department=str(data.get("dispatcher_department") or "营商环境办"),
        default_limit_days=int(data.get("default_limit_days", 10)),
        suggestion_limit_days=int(data.get("suggestion_limit_days", 15)),
        source=source,
    )


@lru_cache(maxsize=8)
def _load_file(path: str, mtime: float) -> Catalogue:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"cannot read the catalogue {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"the catalogue {path} is not valid YAML: {exc}") from exc
    return parse_catalogue(data, source=path)


def load_catalogue(config: Mapping[str, Any] | None = None) -> Catalogue:
    """The catalogue named by ``tickets.catalogue`` (the shipped one by default), re-read when the file changes."""
    path = ((config or {}).get("tickets") or {}).get("catalogue") or DEFAULT_CATALOGUE
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise CatalogueError(f"cannot read the catalogue {path}: {exc.strerror}") from exc
    return _load_file(str(path), mtime)


def knowledge_departments(catalogue: Catalogue, documents: Iterable[Any]) -> dict[str, list[tuple[str, int]]]:
    """For each category, the lead departments of the knowledge-base clauses that mention its keywords or
    agencies, most frequent first: the evidence the default catalogue was drawn from, to check an edited one by."""
    counts: dict[str, dict[str, int]] = {category.name: {} for category in catalogue.categories}
    for document in documents:
        for clause in document.clauses:
            if not clause.departments:
                continue
            text = fold(" ".join((clause.heading, clause.text)))
            for category in catalogue.categories:
                if any(len(term) > 1 and fold(term) in text for term in category.keywords + category.agencies):
                    for department in clause.departments:
                        counts[category.name][department] = counts[category.name].get(department, 0) + 1
    return {name: sorted(found.items(), key=lambda item: (-item[1], item[0])) for name, found in counts.items()}
