"""The knowledge base on disk: the source files, their parsed documents and the index, built together.

Layout of the knowledge folder (``knowledge.path`` in the configuration, ``instance/knowledge`` by default)::

    sources/<doc_id>/<name>   copies of every document added, under their own names (``kb rebuild`` re-reads these),
                              with its similar questions (``<name>.questions.tsv``) when it has them
    gen-<n>/documents.pickle  the parsed documents of generation n
    gen-<n>/index/            the clause index (numpy arrays, memory-mapped on load)
    gen-<n>/expansion/        the index of the everyday words for each clause's terms (Analyzer.expansion)
    gen-<n>/manifest.json     what generation n holds and which lexicon built it
    parsed/<key>.pickle       each document parsed and analysed, kept for the next build (knowledge.parsecache)
    CURRENT                   the name of the live generation, replaced atomically
    .lock                     held while a generation is built, so two writers never interleave

A build takes every source parsed and analysed from the parse cache, parses those it lacks (in parallel when
there are many; ``kb rebuild`` parses them all again), writes a new generation and switches ``CURRENT`` to it:
a reader sees the old knowledge base or the new one, never half of one, and a file that cannot be parsed leaves
nothing behind. Readers notice a new generation on their next question.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import logging
import os
import pickle
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from knowledge.analyzer import Analyzer
from knowledge.index import ClauseIndex
from knowledge.ingest import DEFAULT_DOCUMENTS_DIR, PARSER_VERSION, IngestError, parse_file
from knowledge.match import Answer, Match, Matcher
from knowledge.model import Clause, Document
from knowledge.parsecache import Analysed, ParseCache

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf")
QUESTIONS_SUFFIX = ".questions.tsv"
PARALLEL_FROM = 24  # files; fewer are parsed in this process
RELOAD_CHECK_SECONDS = 2.0
FORMAT_VERSION = 4

Progress = Callable[[int, int, str], None]


@dataclass
class AddReport:
    """What ``add`` did: the documents now in the knowledge base because of it, and the files it refused."""

    added: list[Document] = field(default_factory=list)
    replaced: list[Document] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Parsed:
    source: str
    document: Document | None
    terms: list[list[str]] | None
    expansions: list[list[str]] | None = None
    error: str | None = None
    questions: str | None = None  # the similar-questions file used
    cache_key: str | None = None  # its entry in the parse cache


_worker_analyzer: Analyzer | None = None


def _analyzer_for_worker() -> Analyzer:
    global _worker_analyzer
    if _worker_analyzer is None:
        _worker_analyzer = Analyzer()
    return _worker_analyzer


def clause_text_for_index(clause: Clause) -> str:
    """What is indexed for a clause: its section headings, its heading and its text."""
    return " ".join((*clause.section, clause.heading, clause.text))


def questions_file(source: str | os.PathLike[str]) -> Path:
    """Where the similar questions of a document live: ``X.txt`` → ``X.questions.tsv`` beside it."""
    path = Path(source)
    return path.with_name(path.stem + QUESTIONS_SUFFIX)


def attach_questions(document: Document, path: str | os.PathLike[str]) -> Document:
    """The document with the similar questions of the file ``path`` (``clause number<TAB>question`` per line)
    on its clauses; lines for a clause number the document does not have are logged and skipped."""
    path = Path(path)
    asked: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        clause_number, _, question = line.partition("\t")
        if line.strip() and not line.startswith("#") and question.strip():
            asked.setdefault(clause_number.strip(), []).append(question.strip())
    known = {clause.number for clause in document.clauses}
    for unknown in sorted(set(asked) - known):
        log.warning("%s: no clause %s in %s, its similar questions are skipped", path.name, unknown, document.title)
    clauses = tuple(replace(c, questions=tuple(asked.get(c.number, ()))) if c.number in asked else c for c in document.clauses)
    return replace(document, clauses=clauses)


def _parse_and_analyze(source: str, kept_questions: Mapping[str, str], cache_folder: str) -> _Parsed:
    """Parse one file and analyse its clauses (runs in a worker process for large builds), and keep both in the
    parse cache in ``cache_folder``."""
    analyzer = _analyzer_for_worker()
    cache = _parse_cache(cache_folder, analyzer)
    try:
        key = cache.key(source)
        analysed = _analyse(parse_file(source), analyzer)
    except IngestError as exc:
        return _Parsed(source, None, None, error=str(exc))
    except Exception as exc:  # a parser bug must not take the whole build down; the file is refused
        return _Parsed(source, None, None, error=f"{Path(source).name}: 无法解析 ({type(exc).__name__}: {exc})")
    _store(cache, key, analysed)
    return _with_questions(source, analysed, key, kept_questions, analyzer)


def _with_questions(
    source: str, analysed: Analysed, key: str | None, kept_questions: Mapping[str, str] | None, analyzer: Analyzer
) -> _Parsed:
    """The analysed document with its similar questions, from beside the file, else from ``kept_questions``
    (``{doc_id: file}``: those kept for the version it replaces, so adding a copy without them does not lose
    them); their words join the clause's everyday words."""
    document = analysed.document
    beside = questions_file(source)
    questions = str(beside) if beside.exists() else (kept_questions or {}).get(document.doc_id)
    if questions:
        document = attach_questions(document, questions)
    expansions = [
        words + (analyzer.analyze(" ".join(clause.questions)).terms if clause.questions else [])
        for clause, words in zip(document.clauses, analysed.expansions)
    ]
    return _Parsed(source, document, analysed.terms, expansions, questions=questions, cache_key=key)


def _parse_cache(folder: str, analyzer: Analyzer) -> ParseCache:
    """The parse cache in ``folder`` for documents stored, parsed and analysed as this process does it."""
    return ParseCache(Path(folder), f"{FORMAT_VERSION}/{PARSER_VERSION}/{analyzer.fingerprint}")


def _analyse(document: Document, analyzer: Analyzer) -> Analysed:
    """A parsed document's index terms and everyday words, clause by clause."""
    analyses = [analyzer.analyze(clause_text_for_index(clause)) for clause in document.clauses]
    return Analysed(document, [a.terms for a in analyses], [analyzer.expansion(a.words) for a in analyses])


def _store(cache: ParseCache, key: str, analysed: Analysed) -> None:
    """Keep a parse for the next build; a cache that cannot be written only costs the next build time."""
    try:
        cache.put(key, analysed)
    except OSError as exc:
        log.warning("parse cache not written for %s: %s", analysed.document.title, exc)


def _cached(sources: Sequence[str], kept_questions: Mapping[str, str], cache: ParseCache) -> dict[str, _Parsed]:
    """The sources the parse cache has, read in this process (many times faster than through workers)."""
    found: dict[str, _Parsed] = {}
    for source in sources:
        try:
            key = cache.key(source)
        except OSError:
            continue  # parsing it says what is wrong with it
        analysed = cache.get(key)
        if analysed is not None:
            found[source] = _with_questions(source, analysed, key, kept_questions, _analyzer_for_worker())
    return found


def _parse_all(
    sources: Sequence[str], progress: Progress | None, kept_questions: Mapping[str, str], cache_folder: str, fresh: bool
) -> Iterator[_Parsed]:
    """Every source parsed and analysed, in order: from the parse cache unless ``fresh``, else parsed (in
    worker processes when there are many)."""
    cached = {} if fresh else _cached(sources, kept_questions, _parse_cache(cache_folder, _analyzer_for_worker()))
    missing = [source for source in sources if source not in cached]
    parse = partial(_parse_and_analyze, kept_questions=kept_questions, cache_folder=cache_folder)
    if len(missing) < PARALLEL_FROM:
        parsed_ones: Iterator[_Parsed] = map(parse, missing)
        yield from _in_order(sources, cached, parsed_ones, progress)
        return
    workers = max(1, os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from _in_order(sources, cached, pool.map(parse, missing, chunksize=8), progress)


def _in_order(sources: Sequence[str], cached: dict[str, _Parsed], parsed: Iterator[_Parsed], progress: Progress | None) -> Iterator[_Parsed]:
    """The cached and the freshly parsed sources merged back into the order of ``sources``."""
    for done, source in enumerate(sources, start=1):
        found = cached.get(source) or next(parsed)
        if progress:
            progress(done, len(sources), found.source)
        yield found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: a corpus-size build makes millions of lists of terms, which hold
    no cycles, and the collector walking them again and again doubles the time to read the parse cache."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class KnowledgeBase:
    """The documents, their clauses and the matcher over them. Open with :meth:`open`."""

    def __init__(self, path: Path, analyzer: Analyzer) -> None:
        self.path = path
        self.analyzer = analyzer
        self._generation: str | None = None
        self._documents: list[Document] = []
        self._clauses: list[Clause] = []
        self._matcher: Matcher | None = None
        self._positions: dict[str, int] = {}
        self._sources: dict[str, str] = {}
        self._checked_at = 0.0

    # -- opening -----------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], load_defaults: bool = True, analyzer: Analyzer | None = None) -> "KnowledgeBase":
        """Open the knowledge base at ``path``. With ``load_defaults``, an empty one is filled with the shipped
        documents, and a shipped document that changed since (a new version of the package: its text or its
        similar questions) replaces its copy — unless staff removed it. One built by another version of the
        parser or lexicon is rebuilt."""
        base = cls(Path(path), analyzer or Analyzer())
        base.path.mkdir(parents=True, exist_ok=True)
        with base._lock():
            current = base._read_current()
            if current is None and load_defaults:
                log.info("knowledge base %s is empty: loading the shipped documents", base.path)
                base._build(base._default_sources(), {}, None, shipped=shipped_digests())
            elif current is not None and base._stale(base._manifest(current)):
                log.warning("knowledge base %s was built by another version or lexicon: rebuilding", base.path)
                base._build([], base._manifest(current)["sources"], None)
            current = base._read_current()
            if current is not None and load_defaults:
                base._take_in_shipped_changes(base._manifest(current))
        base._load()
        return base

    def _take_in_shipped_changes(self, manifest: dict) -> None:
        """Re-add the shipped documents whose file or similar questions changed since they were loaded."""
        digests = shipped_digests()
        recorded: dict[str, str] = manifest.get("shipped", {})
        present = {name.split("/", 1)[1] for name in manifest["sources"].values()}
        changed = [
            name for name, digest in digests.items()
            if recorded.get(name) != digest and (name in present or name not in recorded)
        ]
        if changed:
            log.info("shipped documents changed since they were loaded: %s", ", ".join(changed))
            self._build([str(DEFAULT_DOCUMENTS_DIR / name) for name in changed], manifest["sources"], None, shipped=digests)

    def _stale(self, manifest: dict) -> bool:
        """Whether a generation was built by another storage format, parser or lexicon than this process's."""
        return (
            manifest.get("format") != FORMAT_VERSION
            or manifest.get("parser") != PARSER_VERSION
            or manifest.get("fingerprint") != self.analyzer.fingerprint
        )

    @staticmethod
    def _default_sources() -> list[str]:
        return sorted(str(p) for p in DEFAULT_DOCUMENTS_DIR.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.path / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_current(self) -> str | None:
        try:
            name = (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if name and (self.path / name / "manifest.json").exists() else None

    def _manifest(self, generation: str) -> dict:
        return json.loads((self.path / generation / "manifest.json").read_text(encoding="utf-8"))

    def _load(self) -> None:
        generation = self._read_current()
        self._checked_at = time.monotonic()
        if generation is None:
            self._generation, self._documents, self._clauses, self._matcher = None, [], [], None
            self._sources = {}
            return
        folder = self.path / generation
        with open(folder / "documents.pickle", "rb") as handle:
            documents: list[Document] = pickle.load(handle)
        index = ClauseIndex.load(folder / "index")
        expansion = ClauseIndex.load(folder / "expansion")
        clauses = [clause for document in documents for clause in document.clauses]
        owner = np.repeat(np.arange(len(documents), dtype=np.int32), [len(d.clauses) for d in documents])
        self._documents, self._clauses = documents, clauses
        self._positions = {clause.key: number for number, clause in enumerate(clauses)}
        self._matcher = Matcher(self.analyzer, index, clauses, documents, owner, expansion=expansion)
        self._sources = self._manifest(generation)["sources"]
        self._generation = generation

    def refresh(self) -> None:
        """Pick up a generation another process built (checked at most every couple of seconds)."""
        if time.monotonic() - self._checked_at < RELOAD_CHECK_SECONDS:
            return
        self._checked_at = time.monotonic()
        if self._read_current() != self._generation:
            self._load()

    # -- reading -----------------------------------------------------------------------------------------

    def documents(self) -> list[Document]:
        """Every document, in the order they were added."""
        self.refresh()
        return list(self._documents)

    @property
    def matcher(self) -> Matcher | None:
        """The matcher over the live generation (None while the knowledge base is empty)."""
        self.refresh()
        return self._matcher

    @property
    def clause_count(self) -> int:
        return len(self._clauses)

    def get(self, reference: str) -> Document | None:
        """A document by id, or by a title (whole or the unique start of one)."""
        self.refresh()
        for document in self._documents:
            if reference in (document.doc_id, document.title):
                return document
        found = [d for d in self._documents if d.title.startswith(reference) or reference in d.title]
        return found[0] if len(found) == 1 else None

    def clause(self, key: str) -> tuple[Document, Clause] | None:
        """The clause with key ``<doc_id>#<ordinal>`` and its document."""
        number = self._positions.get(key)
        if number is None:
            return None
        clause = self._clauses[number]
        return self._document_of(number), clause

    def _document_of(self, number: int) -> Document:
        assert self._matcher is not None
        return self._documents[int(self._matcher.clause_document[number])]

    def ask(self, question: str, scope: str | None = None, limit: int = 5) -> Answer:
        """Match ``question``: a confident answer, candidates, or not found (see :mod:`knowledge.match`)."""
        self.refresh()
        if self._matcher is None:
            return Answer(question, "not_found")
        return self._matcher.search(question, scope=scope, limit=limit)

    def search(self, question: str, scope: str | None = None, limit: int = 5) -> list[Match]:
        """The best clauses for ``question``, best first, whatever the confidence."""
        return self.ask(question, scope=scope, limit=limit).matches

    def related(self, key: str, limit: int = 3) -> list[Match]:
        """Clauses about the same thing as clause ``key``."""
        number = self._positions.get(key)
        if number is None or self._matcher is None:
            return []
        return self._matcher.related(number, limit)

    # -- changing ----------------------------------------------------------------------------------------

    def add(self, paths: Iterable[str | os.PathLike[str]], progress: Progress | None = None, region: str | None = None) -> AddReport:
        """Parse ``paths`` (files, or folders searched recursively) and add what parses; a file that does
        not parse is refused with its reason and changes nothing. A document already present is replaced.
        ``region`` sets the place the added documents bind, when their title and issuer do not say it."""
        files, refused = _expand(paths)
        with self._lock():
            current = self._read_current()
            existing = self._manifest(current)["sources"] if current else {}
            report = self._build(files, existing, progress, region)
        report.refused[:0] = refused
        self._load()
        return report

    def remove(self, reference: str) -> Document | None:
        """Remove a document (by id or title); returns it, or None when there is no such document."""
        document = self.get(reference)
        if document is None:
            return None
        with self._lock():
            sources = dict(self._manifest(self._read_current())["sources"])
            sources.pop(document.doc_id, None)
            self._build([], sources, None)
        self._load()
        return document

    def rebuild(self, progress: Progress | None = None) -> AddReport:
        """Parse every source again and rebuild the index (after a parser or lexicon change)."""
        with self._lock():
            current = self._read_current()
            report = self._build([], self._manifest(current)["sources"] if current else {}, progress, fresh=True)
        self._load()
        return report

    def _build(
        self,
        new_files: Sequence[str],
        existing: dict[str, str],
        progress: Progress | None,
        region: str | None = None,
        shipped: dict[str, str] | None = None,
        fresh: bool = False,
    ) -> AddReport:
        """Build a new generation from the existing sources plus ``new_files`` (bound to ``region`` when it is
        given) and make it current (``fresh``: parse every file again, the parse cache unread). Regions set by
        staff are kept in the manifest and survive rebuilds, and so are the digests of the shipped documents as
        they were loaded (``shipped`` replaces them)."""
        current = self._read_current()
        previous = self._manifest(current) if current else {}
        regions: dict[str, str] = dict(previous.get("regions", {}))
        shipped = shipped if shipped is not None else previous.get("shipped", {})
        sources_dir = self.path / "sources"
        kept = [str(sources_dir / name) for name in existing.values()]
        report = AddReport()
        documents: dict[str, Document] = {}
        terms: dict[str, tuple[list[list[str]], list[list[str]]]] = {}
        origin: dict[str, tuple[str, str | None]] = {}
        cache_keys: dict[str, str | None] = {}
        new_set = set(new_files)
        kept_questions = {
            doc_id: str(questions_file(sources_dir / name)) for doc_id, name in existing.items() if questions_file(sources_dir / name).exists()
        }
        with _collector_paused():  # millions of term lists are made here
            for parsed in _parse_all(kept + list(new_files), progress, kept_questions, str(self._cache_folder), fresh):
                if parsed.document is None:
                    report.refused.append((parsed.source, parsed.error or "无法解析"))
                    continue
                doc_id = parsed.document.doc_id
                if parsed.source in new_set and region:
                    regions[doc_id] = region
                document = replace(parsed.document, region=regions[doc_id]) if doc_id in regions else parsed.document
                if parsed.source in new_set:
                    (report.replaced if doc_id in documents else report.added).append(document)
                documents[doc_id] = document
                terms[doc_id] = (parsed.terms or [], parsed.expansions or [])
                origin[doc_id] = (parsed.source, parsed.questions)
                cache_keys[doc_id] = parsed.cache_key
            if not report.added and not report.replaced and new_files and len(documents) == len(existing):
                return report  # nothing new parsed: leave the current generation as it is
            self._write_generation(documents, terms, origin, {k: v for k, v in regions.items() if k in documents}, shipped)
        _parse_cache(str(self._cache_folder), self.analyzer).keep_only({key for key in cache_keys.values() if key})
        return report

    @property
    def _cache_folder(self) -> Path:
        return self.path / "parsed"

    def _write_generation(
        self,
        documents: dict[str, Document],
        terms: dict[str, tuple[list[list[str]], list[list[str]]]],
        origin: dict[str, tuple[str, str | None]],
        regions: dict[str, str],
        shipped: dict[str, str],
    ) -> None:
        sources_dir = self.path / "sources"
        sources_dir.mkdir(exist_ok=True)
        stored: dict[str, str] = {}
        for doc_id, (source, questions) in origin.items():
            # The original file name is kept: the title and date may come from it when the file is parsed again.
            name = f"{doc_id}/{Path(source).name}"
            target = sources_dir / name
            target.parent.mkdir(exist_ok=True)
            if Path(source).resolve() != target.resolve():
                shutil.copyfile(source, target)
            if questions and Path(questions).resolve() != questions_file(target).resolve():
                shutil.copyfile(questions, questions_file(target))
            stored[doc_id] = name
        ordered = list(documents.values())
        index = ClauseIndex.build(t for doc in ordered for t in terms[doc.doc_id][0])
        expansion = ClauseIndex.build((t for doc in ordered for t in terms[doc.doc_id][1]), sounds=False)
        number = int(time.time() * 1000)
        generation = f"gen-{number}"
        folder = self.path / generation
        folder.mkdir()
        with open(folder / "documents.pickle", "wb") as handle:
            pickle.dump(ordered, handle, protocol=pickle.HIGHEST_PROTOCOL)
        index.save(folder / "index")
        expansion.save(folder / "expansion")
        manifest = {
            "format": FORMAT_VERSION,
            "parser": PARSER_VERSION,
            "fingerprint": self.analyzer.fingerprint,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "documents": len(ordered),
            "clauses": index.size,
            "sources": stored,
            "regions": regions,
            "shipped": shipped,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp = self.path / "CURRENT.tmp"
        tmp.write_text(generation, encoding="utf-8")
        os.replace(tmp, self.path / "CURRENT")
        self._clean_up(keep=generation, stored=set(stored.values()))

    def _clean_up(self, keep: str, stored: set[str]) -> None:
        """Delete the other generations and the source files no document of ``keep`` uses."""
        for folder in self.path.glob("gen-*"):
            if folder.name != keep:
                shutil.rmtree(folder, ignore_errors=True)
        wanted = stored | {str(questions_file(name)) for name in stored}
        folders = {name.split("/", 1)[0] for name in stored}
        for entry in (self.path / "sources").iterdir():
            if entry.name not in folders:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
                continue
            for source in entry.iterdir():
                if f"{entry.name}/{source.name}" not in wanted:
                    source.unlink(missing_ok=True)


def shipped_digests() -> dict[str, str]:
    """``{file name: digest}`` of each shipped document, its similar questions included."""
    digests = {}
    for path in sorted(DEFAULT_DOCUMENTS_DIR.iterdir()):
        if path.suffix.lower() in SUPPORTED_SUFFIXES:
            digest = hashlib.sha1(path.read_bytes())
            if questions_file(path).exists():
                digest.update(questions_file(path).read_bytes())
            digests[path.name] = digest.hexdigest()[:16]
    return digests


def _expand(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """Files to add (folders searched recursively for supported files) and the paths refused outright."""
    files: list[str] = []
    refused: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES))
        elif not path.exists():
            refused.append((str(path), f"{path}: 文件不存在"))
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            refused.append((str(path), f"{path.name}: 不支持的格式 {path.suffix or '(无扩展名)'}，支持 .txt .md .docx .pdf"))
        else:
            files.append(str(path))
    return files, refused
