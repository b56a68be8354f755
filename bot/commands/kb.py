"""`python -m bot kb add|list|show|remove|rebuild|unanswered`: manage the policy knowledge base."""

from __future__ import annotations

import argparse
import sys
import time

from bot.runtime import Runtime
from bot.store.base import utcnow
from bot.store.questions import unanswered_questions
from handlers.reminders.documents import take_in_added
from handlers.reminders.localtime import format_local, parse_moment, zone


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("kb", help="manage the policy knowledge base")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    add = actions.add_parser("add", help="add documents (.txt .md .docx .pdf, or folders of them)")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--quiet", action="store_true", help="no progress line")
    add.add_argument("--region", help="the place the documents bind (长春市, 朝阳区 …) when their title does not say it")
    add.add_argument("--notice-at", metavar="TIME", help="send the new documents' policy notice at this local time")
    add.add_argument("--no-notice", action="store_true", help="send no policy notice for the new documents")
    add.set_defaults(handler=add_documents)
    listing = actions.add_parser("list", help="list the documents")
    listing.set_defaults(handler=list_documents)
    show = actions.add_parser("show", help="show a document and its clauses")
    show.add_argument("document", metavar="DOC", help="document id or title")
    show.add_argument("--full", action="store_true", help="print each clause's whole text")
    show.set_defaults(handler=show_document)
    remove = actions.add_parser("remove", help="remove a document")
    remove.add_argument("document", metavar="DOC", help="document id or title")
    remove.set_defaults(handler=remove_document)
    rebuild = actions.add_parser("rebuild", help="parse every document again and rebuild the index")
    rebuild.set_defaults(handler=rebuild_index)
    unanswered = actions.add_parser("unanswered", help="questions the bot could not answer, newest first")
    unanswered.add_argument("--limit", type=int, default=50)
    unanswered.set_defaults(handler=list_unanswered)
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)


def _progress(quiet: bool):
    started = time.monotonic()
    interactive = sys.stderr.isatty()

    def show(done: int, total: int, source: str) -> None:
        if quiet:
            return
        if interactive or done == total or done % 100 == 0:
            rate = done / max(time.monotonic() - started, 1e-6)
            end = "\n" if done == total or not interactive else ""
            print(f"\r解析 {done}/{total}  {rate:.0f} 个/秒", end=end, file=sys.stderr, flush=True)

    return show


def add_documents(args: argparse.Namespace) -> int:
    runtime = Runtime()
    try:
        notice_at = parse_moment(args.notice_at, zone(runtime.config)) if args.notice_at else None
    except ValueError as exc:
        print(f"--notice-at: {exc}", file=sys.stderr)
        return 2
    knowledge = runtime.knowledge
    started = time.monotonic()
    report = knowledge.add(args.paths, progress=_progress(args.quiet), region=args.region)
    for document in report.added:
        print(f"已添加 {document.doc_id}  《{document.title}》 {len(document.clauses)} 条")
    for document in report.replaced:
        print(f"已更新 {document.doc_id}  《{document.title}》 {len(document.clauses)} 条")
    for _source, reason in report.refused:
        print(f"未添加 {reason}", file=sys.stderr)
    _take_in(runtime, report, notice_at, args.no_notice)
    seconds = time.monotonic() - started
    print(f"知识库共 {len(knowledge.documents())} 个文件、{knowledge.clause_count} 条；用时 {seconds:.1f} 秒")
    return 1 if report.refused else 0


def _take_in(runtime: Runtime, report, notice_at, no_notice: bool) -> None:
    """Deadline tasks and policy notices for what was added (see handlers/reminders/documents.py)."""
    if not report.added and not report.replaced:
        return
    announce = False if no_notice else (True if notice_at else None)
    intake = take_in_added(runtime, [d.doc_id for d in report.added], utcnow(), announce=announce, notice_at=notice_at, by="kb add")
    if intake.tasks_created:
        print(f"已生成时限任务 {intake.tasks_created} 个（python -m bot reminders tasks 查看）")
    for notice in intake.notices:
        print(f"政策通知 {notice.label} 将于 {format_local(notice.send_at, zone(runtime.config))} 发给订阅者（reminders cancel {notice.label} 取消）")


def list_documents(args: argparse.Namespace) -> int:
    for document in Runtime().knowledge.documents():
        print(f"{document.doc_id}  {document.region or '-':<6} {document.date or '-':<10} {len(document.clauses):>4} 条  《{document.title}》")
    return 0


def show_document(args: argparse.Namespace) -> int:
    document = Runtime().knowledge.get(args.document)
    if document is None:
        print(f"没有这个文件: {args.document}（用 kb list 查看文件编号）", file=sys.stderr)
        return 1
    print(f"《{document.title}》\n发文: {document.issuer or '-'}  日期: {document.date or '-'}  地区: {document.region or '-'}")
    print(f"编号: {document.doc_id}  条款: {len(document.clauses)}  来源: {document.source}\n")
    for clause in document.clauses:
        extra = []
        if clause.departments:
            extra.append("牵头: " + "、".join(clause.departments))
        if clause.deadline:
            extra.append("时限: " + clause.deadline)
        if clause.questions:
            extra.append(f"相似问法 {len(clause.questions)} 条")
        text = clause.text if args.full else clause.text[:60] + ("…" if len(clause.text) > 60 else "")
        print(f"{clause.number}  {clause.heading}" + (f"  [{'；'.join(extra)}]" if extra else ""))
        print(f"    {text}")
    return 0


def remove_document(args: argparse.Namespace) -> int:
    document = Runtime().knowledge.remove(args.document)
    if document is None:
        print(f"没有这个文件: {args.document}", file=sys.stderr)
        return 1
    print(f"已删除 {document.doc_id}  《{document.title}》")
    return 0


def rebuild_index(args: argparse.Namespace) -> int:
    knowledge = Runtime().knowledge
    started = time.monotonic()
    report = knowledge.rebuild(progress=_progress(False))
    for _source, reason in report.refused:
        print(f"无法解析 {reason}", file=sys.stderr)
    print(f"已重建: {len(knowledge.documents())} 个文件、{knowledge.clause_count} 条；用时 {time.monotonic() - started:.1f} 秒")
    return 1 if report.refused else 0


def list_unanswered(args: argparse.Namespace) -> int:
    runtime = Runtime()
    with runtime.session() as session:
        rows = unanswered_questions(session, limit=args.limit)
        for row in rows:
            print(f"{row.asked_at:%Y-%m-%d %H:%M}  {row.outcome:<9} {row.text}")
    if not rows:
        print("没有未解答的问题。")
    return 0
