"""Deadline tasks from documents: one :class:`DeadlineTask` per deadline rule of a clause, kept in step with the
document, and corrected or cancelled by staff.

A task whose deadline text fits no known form is still created (with no date) so staff see it and give the date.
A staff correction survives a later update of the document; a task cancelled by staff stays cancelled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.reminders import (
    ACTIVE,
    BY_DOCUMENT,
    CANCELLED,
    PENDING,
    YEAR_FROM_STAFF,
    YEAR_NOT_NEEDED,
    YEAR_UNKNOWN,
    DeadlineTask,
    Reminder,
)
from handlers.reminders.deadline_text import ONCE, DeadlineRule, on_day, parse_deadline, resolve_once, title_year

log = logging.getLogger(__name__)


class TaskError(ValueError):
    """A task command that cannot be carried out (no such task, nothing to change, a date that makes no sense)."""


@dataclass
class TaskSync:
    """What taking a document in did to its tasks."""

    created: list[DeadlineTask] = field(default_factory=list)
    updated: list[DeadlineTask] = field(default_factory=list)
    cancelled: list[DeadlineTask] = field(default_factory=list)
    not_understood: list[tuple[str, str]] = field(default_factory=list)  # (clause key, deadline piece)


def task_values(document: Any, clause: Any, rule: DeadlineRule, added_on: date) -> dict[str, Any]:
    """The fields of the task for one rule of one clause (``document`` and ``clause`` as the knowledge base has them)."""
    values: dict[str, Any] = {
        "doc_id": document.doc_id,
        "clause_key": clause.key,
        "rule": rule.rule_id,
        "document_title": document.title,
        "clause_number": clause.number,
        "title": (rule.action or clause.heading or clause.text[:30]).strip()[:300],
        "department": "、".join(clause.departments),
        "deadline_text": (clause.deadline or rule.text)[:200],
        "due_date": None,
        "recurrence": rule.recurrence,
        "ends_on": None,
        "year_source": YEAR_NOT_NEEDED,
    }
    if rule.kind == ONCE:
        values["due_date"], values["year_source"] = resolve_once(rule, document.date, document.title, added_on)
    else:
        year = title_year(document.title)  # "辽源市2024年…行动方案": its recurring duties run through 2024
        values["ends_on"] = on_day(year, 12, 31) if year else None
    return values


def _undated_values(document: Any, clause: Any, piece: str) -> dict[str, Any]:
    return {
        "doc_id": document.doc_id,
        "clause_key": clause.key,
        "rule": f"text-{piece}"[:40],
        "document_title": document.title,
        "clause_number": clause.number,
        "title": (clause.heading or clause.text[:30]).strip()[:300],
        "department": "、".join(clause.departments),
        "deadline_text": (clause.deadline or piece)[:200],
        "due_date": None,
        "recurrence": None,
        "ends_on": None,
        "year_source": YEAR_UNKNOWN,
    }


def document_task_values(document: Any, added_on: date) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Every task a document calls for, and the deadline pieces it holds that fit no known form."""
    values: list[dict[str, Any]] = []
    not_understood: list[tuple[str, str]] = []
    for clause in document.clauses:
        if not clause.deadline:
            continue
        rules, unknown = parse_deadline(clause.deadline, clause.text)
        values.extend(task_values(document, clause, rule, added_on) for rule in rules)
        for piece in unknown:
            not_understood.append((clause.key, piece))
            values.append(_undated_values(document, clause, piece))
    return values, not_understood


def _apply(task: DeadlineTask, values: dict[str, Any]) -> bool:
    """Update ``task`` from the document; a staff correction keeps its date and department. True if anything changed."""
    kept = {"due_date", "department", "year_source"} if task.corrected_by else set()
    changed = False
    for name, value in values.items():
        if name not in kept and getattr(task, name) != value:
            setattr(task, name, value)
            changed = True
    return changed


def sync_document_tasks(session: Session, document: Any, added_on: date, now: datetime) -> TaskSync:
    """Create, update and cancel the tasks of ``document`` so they match its clauses' deadlines."""
    report = TaskSync()
    wanted, report.not_understood = document_task_values(document, added_on)
    existing = {
        (task.clause_key, task.rule): task
        for task in session.scalars(select(DeadlineTask).where(DeadlineTask.doc_id == document.doc_id))
    }
    for values in wanted:
        task = existing.pop((values["clause_key"], values["rule"]), None)
        if task is None:
            task = DeadlineTask(**values, status=ACTIVE, created_at=now, updated_at=now)
            session.add(task)
            report.created.append(task)
            continue
        reopened = task.status == CANCELLED and task.cancelled_by == BY_DOCUMENT
        if _apply(task, values) or reopened:
            if reopened:
                task.status, task.cancelled_by = ACTIVE, ""
            task.updated_at = now
            drop_pending_reminders(session, task)
            report.updated.append(task)
    for task in existing.values():
        if task.status == ACTIVE:
            _cancel(session, task, BY_DOCUMENT, "文件已更新，条款不再有这一时限", now)
            report.cancelled.append(task)
    for clause_key, piece in report.not_understood:
        log.warning("deadline %r of clause %s is not a date the scheduler understands: staff must give the date", piece, clause_key)
    session.flush()
    return report


def cancel_document_tasks(session: Session, doc_id: str, now: datetime, reason: str) -> list[DeadlineTask]:
    """Cancel the active tasks of a document that left the knowledge base."""
    tasks = list(session.scalars(select(DeadlineTask).where(DeadlineTask.doc_id == doc_id, DeadlineTask.status == ACTIVE)))
    for task in tasks:
        _cancel(session, task, BY_DOCUMENT, reason, now)
    session.flush()
    return tasks


def drop_pending_reminders(session: Session, task: DeadlineTask) -> None:
    """Forget the reminders of ``task`` not sent yet (its dates changed; planning makes new ones)."""
    session.execute(delete(Reminder).where(Reminder.task_id == task.id, Reminder.status == PENDING))
    session.expire(task, ["reminders"])
    task.plan_again_on = None


def _cancel(session: Session, task: DeadlineTask, by: str, reason: str, now: datetime) -> None:
    task.status, task.cancelled_by, task.updated_at = CANCELLED, by, now
    task.note = _note(task.note, f"{by} 取消：{reason}")
    session.execute(delete(Reminder).where(Reminder.task_id == task.id, Reminder.status == PENDING))


def _note(previous: str, line: str) -> str:
    return f"{previous}\n{line}".strip()[-2000:]


# -- staff ----------------------------------------------------------------------------------------------


def get_task(session: Session, reference: str | int) -> DeadlineTask:
    """The task ``T12`` (or ``12``); :class:`TaskError` when there is none."""
    text = str(reference).strip().upper().removeprefix("T")
    task = session.get(DeadlineTask, int(text)) if text.isdigit() else None
    if task is None:
        raise TaskError(f"没有任务 {reference}（用“时限任务”或 reminders tasks 查看）")
    return task


def correct_task(
    session: Session,
    reference: str | int,
    *,
    by: str,
    now: datetime,
    due_date: date | None = None,
    department: str | None = None,
) -> DeadlineTask:
    """Give a task its right date and/or department; its unsent reminders are planned again."""
    task = get_task(session, reference)
    if due_date is None and department is None:
        raise TaskError("请给出新的完成日期或责任单位")
    if task.status != ACTIVE:
        raise TaskError(f"任务 {task.label} 已取消，不能更正")
    changes = []
    if due_date is not None:
        if task.is_recurring:
            raise TaskError(f"任务 {task.label} 是周期性任务（{task.deadline_text}），不能改成某一天；可以取消它")
        changes.append(f"完成日期 {task.due_date or '未识别'} → {due_date}")
        task.due_date, task.year_source = due_date, YEAR_FROM_STAFF
    if department is not None:
        changes.append(f"责任单位 {task.department or '未注明'} → {department.strip()}")
        task.department = department.strip()[:128]
    task.corrected_by, task.updated_at = by, now
    task.note = _note(task.note, f"{now:%Y-%m-%d %H:%M} {by} 更正：{'；'.join(changes)}")
    drop_pending_reminders(session, task)
    session.flush()
    return task


def cancel_task(session: Session, reference: str | int, *, by: str, now: datetime, reason: str = "") -> DeadlineTask:
    """Cancel a task and its unsent reminders."""
    task = get_task(session, reference)
    if task.status != ACTIVE:
        raise TaskError(f"任务 {task.label} 已经取消")
    _cancel(session, task, by, reason or "工作人员取消", now)
    session.flush()
    return task


def list_tasks(session: Session, *, department: str | None = None, include_cancelled: bool = False) -> list[DeadlineTask]:
    """Tasks by due date (recurring and undated ones last); only a department's when ``department`` is given."""
    query = select(DeadlineTask)
    if not include_cancelled:
        query = query.where(DeadlineTask.status == ACTIVE)
    tasks = list(session.scalars(query))
    if department is not None:
        tasks = [task for task in tasks if department in task.department.split("、")]
    return sorted(tasks, key=lambda t: (t.due_date is None, t.due_date or date.max, t.id))


def active_tasks(session: Session) -> list[DeadlineTask]:
    """Every active task."""
    return list(session.scalars(select(DeadlineTask).where(DeadlineTask.status == ACTIVE)))
