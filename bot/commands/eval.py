"""`python -m bot eval FILE.jsonl [--kb PATH...]`: score a question file (top-1, top-3, answered, declined).

``--fit`` fits the ranking model (:mod:`knowledge.ranking`) on the files instead and writes it to
``knowledge/data/ranking.json`` (or ``--model PATH``); ``--folds N`` first reports how models fitted on the
other folds score on each fold, which is what to expect on questions the model has not seen.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bot.runtime import Runtime
from knowledge.evaluate import evaluate, examples, fit_model, read_questions
from knowledge.ranking import MODEL_FILE
from knowledge.store import KnowledgeBase


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="score a question file against the knowledge base")
    parser.add_argument("files", nargs="+", metavar="FILE.jsonl")
    parser.add_argument("--kb", nargs="+", metavar="PATH", help="score against these documents instead of the configured knowledge base")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", type=int, default=30, help="misses listed (default 30)")
    parser.add_argument("--fit", action="store_true", help="fit the ranking model on the files and save it")
    parser.add_argument("--folds", type=int, default=0, help="with --fit: cross-validate over this many folds first")
    parser.add_argument("--model", type=Path, default=MODEL_FILE, help="with --fit: where to write the model")
    parser.add_argument("--corpus-kb", metavar="FOLDER", help="with --fit: also fit on this (province-scale) knowledge base folder")
    parser.add_argument("--corpus-questions", nargs="*", default=[], metavar="FILE.jsonl", help="with --corpus-kb: questions about its documents")
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    questions = []
    for name in args.files:
        try:
            questions.extend(read_questions(name))
        except (OSError, ValueError) as exc:
            print(f"无法读取问题文件: {exc}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="zqt-eval-") as folder:
        if args.kb:
            knowledge = KnowledgeBase.open(folder, load_defaults=False)
            report = knowledge.add(args.kb)
            for _source, reason in report.refused:
                print(f"未添加 {reason}", file=sys.stderr)
        else:
            knowledge = Runtime().knowledge
        if args.fit:
            return _fit(knowledge, questions, args)
        scores = evaluate(questions, lambda text, scope: knowledge.ask(text, scope=scope))
    summary = scores.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    print(
        f"问题 {summary['policy_questions']} 个（另有范围外 {summary['oos_questions']} 个）\n"
        f"top-1 {summary['top1']:.1%}  top-3 {summary['top3']:.1%}  "
        f"答复率 {summary['answered']:.1%}（其中答错 {summary['answered_wrong']} 个）  范围外拒答 {summary['oos_declined']:.1%}"
    )
    for miss in scores.misses[: args.misses]:
        best = miss.answer.matches[0] if miss.answer.matches else None
        got = f"{best.document.title[:14]} {best.clause.number} {best.score:.2f}" if best else "无"
        print(f"  {miss.question.id}  {miss.why:<28} {miss.question.text}  → {got}")
    return 0


def _fit(knowledge: KnowledgeBase, questions: list, args: argparse.Namespace) -> int:
    matcher = knowledge.matcher
    if matcher is None:
        print("知识库是空的，无法拟合", file=sys.stderr)
        return 2
    extra = []
    if args.corpus_kb:
        corpus = KnowledgeBase.open(args.corpus_kb, load_defaults=False, analyzer=knowledge.analyzer)
        if corpus.matcher is None:
            print(f"知识库 {args.corpus_kb} 是空的", file=sys.stderr)
            return 2
        corpus_questions = questions + [q for name in args.corpus_questions for q in read_questions(name)]
        extra = examples(corpus.matcher, corpus_questions, out_of_scope=False)
        print(f"{len(extra)} questions against {args.corpus_kb} ({corpus.clause_count} clauses) added to the fit")
    model, held_out = fit_model(matcher, questions, folds=args.folds, extra=extra)
    for number, summary in enumerate(held_out, start=1):
        print(f"fold {number}/{len(held_out)} (held out): {json.dumps(summary, ensure_ascii=False)}")
    model.save(args.model)
    matcher.model = model
    summary = evaluate(questions, lambda text, scope: matcher.search(text, scope=scope)).summary()
    print(f"fitted on all {len(questions)} questions: {json.dumps(summary, ensure_ascii=False)}")
    print(f"model written to {args.model}")
    return 0
