"""The ledger (台账): tickets filtered by state, department, overdue and date, as rows, and written to .xlsx
(openpyxl) or .csv (UTF-8 with a byte-order mark, so Excel opens it right). The identity of an anonymous
reporter never appears in the ledger; it is handed to departments for 通报."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.tickets import Ticket
from handlers.tickets.clock import local_date, local_midnight_utc
from handlers.tickets.render import ANONYMOUS, local_time

COLUMNS = ("编号", "类型", "状态", "类别", "承办部门", "企业", "联系电话", "地点", "内容", "受理时间", "办理时限",
           "答复时间", "办结时间", "是否超期", "重办次数", "评价", "答复内容")


@dataclass(frozen=True)
class LedgerFilter:
    """Which tickets: ``state``, ``department`` (substring), ``overdue`` only, accepted ``since``/``until`` (local dates)."""

    state: str | None = None
    department: str | None = None
    overdue: bool = False
    since: date | None = None
    until: date | None = None


def select_tickets(session: Session, wanted: LedgerFilter, now: datetime, config: Mapping[str, Any]) -> list[Ticket]:
    """The tickets ``wanted`` describes, in number order."""
    query = select(Ticket).order_by(Ticket.number)
    if wanted.state:
        query = query.where(Ticket.state == wanted.state)
    if wanted.department:
        query = query.where(Ticket.department.contains(wanted.department))
    if wanted.since:
        query = query.where(Ticket.accepted_at >= local_midnight_utc(wanted.since, config))
    if wanted.until:
        query = query.where(Ticket.accepted_at < local_midnight_utc(date.fromordinal(wanted.until.toordinal() + 1), config))
    tickets = list(session.scalars(query))
    if wanted.overdue:
        tickets = [t for t in tickets if is_overdue(t, now, config)]
    return tickets


def is_overdue(ticket: Ticket, now: datetime, config: Mapping[str, Any]) -> bool:
    """Answered after its due date, or still unanswered with the due date gone by."""
    if ticket.answered_at is not None:
        return ticket.ever_overdue or local_date(ticket.answered_at, config) > ticket.due_date
    return ticket.is_open and not ticket.paused and local_date(now, config) > ticket.due_date


def ledger_rows(tickets: Iterable[Ticket], now: datetime, config: Mapping[str, Any]) -> list[list[Any]]:
    """One row per ticket, in :data:`COLUMNS` order."""
    rows = []
    for t in tickets:
        company, contact = (ANONYMOUS, "") if t.anonymous else (t.company, t.contact)
        rows.append([
            t.number, t.kind, t.state, t.category, t.department, company, contact, t.location, t.text,
            local_time(t.accepted_at, config), t.due_date.isoformat(), local_time(t.answered_at, config),
            local_time(t.closed_at, config), "是" if is_overdue(t, now, config) else "否", t.reopen_count,
            t.rating or "", t.answer or "",
        ])
    return rows


def write_ledger(path: Path, rows: list[list[Any]]) -> Path:
    """Write ``rows`` to ``path``: .xlsx or .csv by its suffix; raises ValueError for any other."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        return path
    if suffix != ".xlsx":
        raise ValueError(f"台账只能导出为 .xlsx 或 .csv，不能是 {path.name}")
    book = Workbook()
    sheet = book.active
    sheet.title = "诉求台账"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKLMNOPQ", (16, 6, 8, 10, 18, 24, 14, 18, 50, 17, 12, 17, 17, 8, 8, 8, 40)):
        sheet.column_dimensions[column].width = width
    book.save(path)
    return path
