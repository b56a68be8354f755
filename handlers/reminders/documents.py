"""Taking knowledge-base documents in: new ones get their deadline tasks (and, when announced, a policy notice),
replaced ones have their tasks brought up to date, removed ones have their tasks and pending notices cancelled.

Called by the scheduler on every tick (for documents added any way at all) and by ``python -m bot kb add``
right after it adds documents (so staff can choose to announce them, and when). The first time it runs, the
documents already there are taken in without notices: installing the bot announces nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.schedule import SeenDocument
from bot.store.subscriptions import PolicyNotice
from handlers.notices import cancel_notices_of, schedule_notice
from handlers.reminders.localtime import local_date, zone
from handlers.reminders.tasks import cancel_document_tasks, sync_document_tasks


@dataclass
class Intake:
    """What :func:`take_in_documents` did."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    tasks_created: int = 0
    tasks_cancelled: int = 0
    not_understood: list[tuple[str, str]] = field(default_factory=list)
    notices: list[PolicyNotice] = field(default_factory=list)


def fingerprint(document: Any) -> str:
    """What the tasks of a document depend on: its title, date and the deadlines and departments of its clauses."""
    digest = hashlib.sha1(f"{document.title}|{document.date}".encode("utf-8"))
    for clause in document.clauses:
        if clause.deadline:
            digest.update(f"|{clause.key}|{clause.deadline}|{'、'.join(clause.departments)}|{clause.heading}".encode("utf-8"))
    return digest.hexdigest()


def take_in_documents(
    session: Session,
    documents: Iterable[Any],
    now: datetime,
    config: Mapping[str, Any],
    *,
    just_added: Iterable[str] = (),
    announce: bool | None = None,
    notice_at: datetime | None = None,
    requested_by: str = "scheduler",
) -> Intake:
    """Bring tasks and notices in step with ``documents`` (every document of the knowledge base).

    A new document is announced ``scheduler.notices.delay_minutes`` after it is found (time for staff to cancel or
    move the notice) when ``scheduler.notices.on_add`` is on, except the documents found on the very first intake.
    ``just_added`` names documents staff added right now: for them ``announce`` (True/False, default ``on_add``) and
    ``notice_at`` (naive UTC) decide, even when a scheduler tick saw them first."""
    intake = Intake()
    tz = zone(config)
    settings = config["scheduler"]["notices"]
    on_add = bool(settings.get("on_add", True))
    default_time = now + timedelta(minutes=float(settings.get("delay_minutes", 10)))
    seen = {row.doc_id: row for row in session.scalars(select(SeenDocument))}
    first_intake = not seen
    just_added = set(just_added)
    for document in documents:
        row = seen.pop(document.doc_id, None)
        mark = fingerprint(document)
        if row is None:
            row = SeenDocument(doc_id=document.doc_id, title=document.title[:300], first_seen_at=now, fingerprint=mark)
            session.add(row)
            intake.new.append(document.doc_id)
            if on_add and not first_intake and document.doc_id not in just_added:
                intake.notices.append(schedule_notice(session, document, default_time, requested_by, now))
        elif row.removed_at is None and row.fingerprint == mark:
            row = None
        else:
            row.removed_at, row.fingerprint, row.title = None, mark, document.title[:300]
            intake.updated.append(document.doc_id)
        if row is not None:
            _sync_tasks(session, document, local_date(row.first_seen_at, tz), now, intake)
        if document.doc_id in just_added:
            wanted = on_add if announce is None else announce
            if wanted:
                intake.notices.append(schedule_notice(session, document, notice_at or default_time, requested_by, now))
            else:
                cancel_notices_of(session, document.doc_id, f"{requested_by}：不发通知")
    _retire(session, seen.values(), now, intake)
    session.flush()
    return intake


def _sync_tasks(session: Session, document: Any, added_on: date, now: datetime, intake: Intake) -> None:
    report = sync_document_tasks(session, document, added_on, now)
    intake.tasks_created += len(report.created)
    intake.tasks_cancelled += len(report.cancelled)
    intake.not_understood.extend(report.not_understood)


def _retire(session: Session, rows: Iterable[SeenDocument], now: datetime, intake: Intake) -> None:
    """Documents no longer in the knowledge base: their tasks and pending notices are cancelled."""
    for row in rows:
        if row.removed_at is None:
            row.removed_at = now
            intake.removed.append(row.doc_id)
            intake.tasks_cancelled += len(cancel_document_tasks(session, row.doc_id, now, "文件已从知识库删除"))
            cancel_notices_of(session, row.doc_id, "文件已从知识库删除")


def take_in_added(
    runtime: Any, added: Iterable[str], now: datetime, *, announce: bool | None, notice_at: datetime | None, by: str
) -> Intake:
    """The step after ``kb add``: take the knowledge base's documents in at once, with staff's choice of notice for
    the ones just added. A scheduler tick taking them in at the same moment makes the first attempt fail on a
    unique key; the next attempt sees its rows."""
    added = list(added)
    for attempt in range(3):
        try:
            with runtime.session() as session:
                return take_in_documents(
                    session, runtime.knowledge.documents(), now, runtime.config,
                    just_added=added, announce=announce, notice_at=notice_at, requested_by=by,
                )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
