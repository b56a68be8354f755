"""`python -m bot tickets list|show|export|report|intents|catalogue`: the ticket ledger (台账) from the command line.

    python -m bot tickets list [--state 办理中] [--department 税务] [--overdue] [--since 2026-11-01] [--until ...]
    python -m bot tickets show ZQ20261118001
    python -m bot tickets export ledger.xlsx|ledger.csv [the same filters]
    python -m bot tickets report --month 2026-11 [--json]
    python -m bot tickets intents tests/data/intents_colloquial.jsonl tests/data/intents_heldout.jsonl
    python -m bot tickets catalogue
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from bot.runtime import Runtime
from bot.store.base import utcnow
from bot.store.tickets import STATES, find_ticket, linked_tickets


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tickets", help="the complaint ledger: list, show, export, monthly report")
    commands = parser.add_subparsers(dest="tickets_command", metavar="ACTION")
    listing = commands.add_parser("list", help="list tickets")
    _add_filters(listing)
    listing.set_defaults(handler=list_tickets)
    show = commands.add_parser("show", help="one ticket with its audit trail")
    show.add_argument("number")
    show.set_defaults(handler=show_ticket)
    export = commands.add_parser("export", help="write the ledger (台账) to .xlsx or .csv")
    export.add_argument("path", type=Path)
    _add_filters(export)
    export.set_defaults(handler=export_ledger)
    report = commands.add_parser("report", help="响应率, 解决率, 满意率 and overdue counts per department")
    report.add_argument("--month", required=True, help="YYYY-MM")
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler=monthly_report)
    intents = commands.add_parser("intents", help="measure intent detection and routing on labelled messages")
    intents.add_argument("files", nargs="+", type=Path)
    intents.add_argument("--misses", action="store_true", help="list the messages it got wrong")
    intents.set_defaults(handler=measure_intents)
    catalogue = commands.add_parser("catalogue", help="the routing catalogue, with the knowledge base's lead departments")
    catalogue.set_defaults(handler=show_catalogue)
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应写作 YYYY-MM-DD，而不是 {value!r}") from exc


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", choices=STATES)
    parser.add_argument("--department", help="part of the department's name")
    parser.add_argument("--overdue", action="store_true", help="only tickets past their limit")
    parser.add_argument("--since", type=_day, help="accepted on or after this local date")
    parser.add_argument("--until", type=_day, help="accepted on or before this local date")


def _filter(args: argparse.Namespace):
    from handlers.tickets.ledger import LedgerFilter

    return LedgerFilter(args.state, args.department, args.overdue, args.since, args.until)


def list_tickets(args: argparse.Namespace) -> int:
    from handlers.tickets.ledger import select_tickets
    from handlers.tickets.render import status_line

    runtime = Runtime()
    with runtime.session() as session:
        tickets = select_tickets(session, _filter(args), utcnow(), runtime.config)
        for ticket in tickets:
            print(status_line(ticket, runtime.config))
    print(f"共 {len(tickets)} 件", file=sys.stderr)
    return 0


def show_ticket(args: argparse.Namespace) -> int:
    from handlers.tickets.render import staff_detail

    runtime = Runtime()
    with runtime.session() as session:
        ticket = find_ticket(session, args.number)
        if ticket is None:
            print(f"没有工单 {args.number}", file=sys.stderr)
            return 1
        print(staff_detail(ticket, ticket.events, linked_tickets(session, ticket), "admin", runtime.config))
    return 0


def export_ledger(args: argparse.Namespace) -> int:
    from handlers.tickets.ledger import ledger_rows, select_tickets, write_ledger

    if args.path.suffix.lower() not in {".xlsx", ".csv"}:
        print(f"台账只能导出为 .xlsx 或 .csv：{args.path}", file=sys.stderr)
        return 2
    runtime = Runtime()
    now = utcnow()
    with runtime.session() as session:
        rows = ledger_rows(select_tickets(session, _filter(args), now, runtime.config), now, runtime.config)
    write_ledger(args.path, rows)
    print(f"已导出 {len(rows)} 件到 {args.path}")
    return 0


def monthly_report(args: argparse.Namespace) -> int:
    from handlers.tickets.reports import month_bounds, ticket_statistics

    try:
        start, end = month_bounds(args.month)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    runtime = Runtime()
    with runtime.session() as session:
        figures = ticket_statistics(session, start, end, config=runtime.config)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.month} 企业诉求办理情况通报")
    print(_row("合计", figures))
    for department, numbers in figures["by_department"].items():
        print(_row(department or "（未派单）", numbers))
    return 0


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _row(name: str, f: dict) -> str:
    return (
        f"{name}：受理{f['new']}件，办结{f['closed']}件，响应率{_percent(f['response_rate'])}，"
        f"解决率{_percent(f['resolution_rate'])}，满意率{_percent(f['satisfaction_rate'])}"
        f"（评价{f['rated']}件，未评价{f['unrated']}件），超期{f['overdue']}件"
    )


def measure_intents(args: argparse.Namespace) -> int:
    from handlers.tickets.catalogue import load_catalogue
    from handlers.tickets.evaluate import evaluate_file

    runtime = Runtime()
    for path in args.files:
        report = evaluate_file(path, runtime.knowledge, load_catalogue(runtime.config))
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        if args.misses:
            for miss in report.misses:
                print("  " + miss)
    return 0


def show_catalogue(args: argparse.Namespace) -> int:
    from handlers.tickets.catalogue import knowledge_departments, load_catalogue

    runtime = Runtime()
    catalogue = load_catalogue(runtime.config)
    print(f"派单目录 {catalogue.source}（未匹配时：{catalogue.dispatcher_department}）")
    evidence = knowledge_departments(catalogue, runtime.knowledge.documents())
    for category in catalogue.categories:
        found = "、".join(f"{name}×{count}" for name, count in evidence.get(category.name, [])[:4]) or "—"
        print(f"{category.name}\t{category.department}\t{category.limit_days}个工作日\t政策牵头部门：{found}")
    return 0
