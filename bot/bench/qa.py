"""Question answering: index build and load time, latency per question, memory, accuracy — and a plain
jieba + rank_bm25 baseline over the same clauses in the same run.

``python -m bot bench qa`` measures the shipped knowledge base; ``--corpus ../shared/corpus`` adds a
document collection first (the province-scale case). The knowledge base is built in a temporary folder; the
load / latency / memory phase runs in a fresh child process so the build does not inflate its figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA = PROJECT_ROOT / "tests" / "data"
# The blind held-out set and the fresh sets first (never fitted on), then sets the model was fitted on.
DEFAULT_QUESTIONS = [
    DATA / "qa_holdout2.jsonl", DATA / "qa_fresh.jsonl", DATA / "qa_oos_fresh.jsonl",
    DATA / "qa_holdout.jsonl", DATA / "qa_colloquial.jsonl", DATA / "qa_train2.jsonl",
]
CORPUS_QUESTIONS = [
    DATA / "qa_corpus_holdout.jsonl", DATA / "qa_corpus_unseen.jsonl", DATA / "qa_corpus_dev.jsonl", DATA / "qa_corpus_regions.jsonl",
    DATA / "qa_holdout2.jsonl", DATA / "qa_fresh.jsonl",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", nargs="*", default=[], metavar="PATH", help="documents or folders to add to the shipped ones")
    parser.add_argument("--questions", nargs="*", type=Path, metavar="FILE.jsonl", help="question files (default: the blind held-out set, then the fitted ones; with --corpus the blind and the fitted corpus region questions and the blind held-out set)")
    parser.add_argument("--repeat", type=int, default=5, help="times each question is asked for the latency figures")
    parser.add_argument("--baseline-questions", type=int, default=40, help="in-scope questions of each file the (slow) rank_bm25 baseline scores at corpus scale")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--phase", choices=["query"], help=argparse.SUPPRESS)
    parser.add_argument("--kb-path", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if args.phase == "query":
        print(json.dumps(_query_phase(Path(args.kb_path), _question_files(args), args.repeat)))
        return 0
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="zqt-bench-") as folder:
        figures.update(_build_phase(Path(folder), args.corpus))
        child = subprocess.run(
            [sys.executable, "-m", "bot", "bench", "qa", "--phase", "query", "--kb-path", folder, "--repeat", str(args.repeat),
             "--questions", *map(str, _question_files(args))],
            capture_output=True, text=True, check=False,
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        figures.update(json.loads(child.stdout.strip().splitlines()[-1]))
        if not args.no_baseline:
            figures.update(_baseline_phase(Path(folder), _question_files(args), args.baseline_questions))
    if "baseline_p50_ms" in figures:
        figures["speedup_p50"] = round(figures["baseline_p50_ms"] / max(figures["p50_ms"], 1e-6), 1)
    _print(figures, args.json)
    return 0


def _question_files(args: argparse.Namespace) -> list[Path]:
    if args.questions:
        return list(args.questions)
    return [p for p in (CORPUS_QUESTIONS if args.corpus else DEFAULT_QUESTIONS) if p.exists()]


def _build_phase(folder: Path, corpus: list[str]) -> dict[str, Any]:
    from knowledge.store import KnowledgeBase

    started = time.perf_counter()
    knowledge = KnowledgeBase.open(folder, load_defaults=True)
    figures: dict[str, Any] = {"build_default_s": round(time.perf_counter() - started, 2)}
    if corpus:
        started = time.perf_counter()
        report = knowledge.add(corpus, progress=_progress)
        figures["build_corpus_s"] = round(time.perf_counter() - started, 2)
        figures["refused_files"] = len(report.refused)
    figures["documents"] = len(knowledge.documents())
    figures["clauses"] = knowledge.clause_count
    figures.update(_change_phase(knowledge))
    return figures


ONE_MORE = """测试市小微企业纾困若干措施

一、减轻经营负担
1. 对首次贷款的小微企业给予贴息。（市财政局牵头，完成时限：12月31日）
2. 对按期缴纳社保的小微企业返还部分失业保险费。（市人社局牵头）
"""


def _change_phase(knowledge: Any) -> dict[str, Any]:
    """Adding one document to the built library (parses that one, the others come from the parse cache) and,
    the alternative, a rebuild that parses every document again; the document is removed after."""
    with tempfile.TemporaryDirectory(prefix="zqt-bench-doc-") as folder:
        path = Path(folder) / "测试市小微企业纾困若干措施.txt"
        path.write_text(ONE_MORE, encoding="utf-8")
        started = time.perf_counter()
        added = knowledge.add([path]).added
        add_s = time.perf_counter() - started
    started = time.perf_counter()
    knowledge.rebuild()
    rebuild_s = time.perf_counter() - started
    for document in added:
        knowledge.remove(document.doc_id)
    return {"add_one_s": round(add_s, 2), "rebuild_all_s": round(rebuild_s, 2), "add_vs_rebuild": f"{rebuild_s / max(add_s, 1e-9):.1f}x"}


def _progress(done: int, total: int, _source: str) -> None:
    if done == total or done % 200 == 0:
        print(f"  parsed {done}/{total}", file=sys.stderr, flush=True)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _query_phase(folder: Path, question_files: list[Path], repeat: int) -> dict[str, Any]:
    """Runs in a fresh process: open the built knowledge base, time questions, score them, measure memory."""
    import psutil

    from knowledge.analyzer import Analyzer
    from knowledge.evaluate import evaluate, names_a_place, read_questions
    from knowledge.store import KnowledgeBase

    started = time.perf_counter()
    analyzer = Analyzer()
    lexicon_s = time.perf_counter() - started
    started = time.perf_counter()
    knowledge = KnowledgeBase.open(folder, load_defaults=False, analyzer=analyzer)
    load_s = time.perf_counter() - started
    questions = [q for path in question_files for q in read_questions(path)]
    figures: dict[str, Any] = {"lexicon_load_s": round(lexicon_s, 2), "index_load_s": round(load_s, 2), "questions": len(questions)}
    if not questions:
        return figures
    timings: list[float] = []
    for _ in range(repeat):
        for question in questions:
            began = time.perf_counter()
            knowledge.ask(question.text, scope=question.scope)
            timings.append((time.perf_counter() - began) * 1000)
    figures.update(p50_ms=round(statistics.median(timings), 2), p99_ms=round(_percentile(timings, 0.99), 2), max_ms=round(max(timings), 2))
    places = analyzer.places
    for path in question_files:
        asked = read_questions(path)
        scores = evaluate(asked, lambda text, scope: knowledge.ask(text, scope=scope))
        figures[f"accuracy[{path.name}]"] = scores.summary()
        placed = [q for q in asked if q.kind == "policy" and names_a_place(q, places)]
        if 0 < len(placed) < scores.policy:  # with a corpus added: do questions that name a place still get its documents?
            named = evaluate(placed, lambda text, scope: knowledge.ask(text, scope=scope)).summary()
            figures[f"region_named[{path.name}]"] = {key: named[key] for key in ("policy_questions", "top1", "top3")}
    figures["rss_mb"] = round(psutil.Process().memory_info().rss / 2**20)
    return figures


def _baseline_phase(folder: Path, question_files: list[Path], sample: int) -> dict[str, Any]:
    """The obvious alternative: jieba.lcut + rank_bm25's BM25Okapi over the same clauses, top-1 only. At corpus
    scale it is too slow to score every question: it takes the first ``sample`` in-scope questions of each file."""
    import jieba
    from rank_bm25 import BM25Okapi

    from knowledge.analyzer import fold
    from knowledge.evaluate import names_a_place, read_questions
    from knowledge.store import KnowledgeBase, clause_text_for_index

    knowledge = KnowledgeBase.open(folder, load_defaults=False)
    places = knowledge.analyzer.places
    clauses = [clause for document in knowledge.documents() for clause in document.clauses]
    started = time.perf_counter()
    bm25 = BM25Okapi([jieba.lcut(fold(clause_text_for_index(clause))) for clause in clauses])
    build_s = time.perf_counter() - started
    large = len(clauses) > 20000
    figures: dict[str, Any] = {"baseline_build_s": round(build_s, 2)}
    timings: list[float] = []
    right_in_all = scored_in_all = 0
    for path in question_files:
        questions = [q for q in read_questions(path) if q.kind == "policy"][: sample if large else None]
        if not questions:
            continue
        right = right_named = named = 0
        for question in questions:
            began = time.perf_counter()
            scores = bm25.get_scores(jieba.lcut(fold(question.text)))
            timings.append((time.perf_counter() - began) * 1000)
            best = clauses[int(scores.argmax())]
            text = fold(best.heading + best.text)
            hit = any(fold(phrase) in text for phrase in question.accept)
            right += hit
            if names_a_place(question, places):
                named += 1
                right_named += hit
        figures[f"baseline[{path.name}]"] = {"questions": len(questions), "top1": round(right / max(len(questions), 1), 4)}
        if 0 < named < len(questions):
            figures[f"baseline[{path.name}]"].update(region_named=named, region_named_top1=round(right_named / named, 4))
        right_in_all += right
        scored_in_all += len(questions)
    figures.update(
        baseline_p50_ms=round(statistics.median(timings), 2) if timings else None,
        baseline_p99_ms=round(_percentile(timings, 0.99), 2) if timings else None,
        baseline_top1=round(right_in_all / max(scored_in_all, 1), 4),
        baseline_questions=scored_in_all,
    )
    return figures


def _print(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for inner, inner_value in value.items():
                print(f"    {inner}: {inner_value}")
        else:
            print(f"{key}: {value}")
