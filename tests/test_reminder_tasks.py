"""Deadline tasks: kept in step with a document, corrected and cancelled by staff."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from bot.store.reminders import ACTIVE, CANCELLED, DeadlineTask
from handlers.reminders.tasks import TaskError, cancel_task, correct_task, get_task, list_tasks, sync_document_tasks
from knowledge.model import Clause, Document

NOW = datetime(2026, 10, 20, 1)


def _document(*deadlines: str | None, date_text: str | None = "2026-09-01") -> Document:
    clauses = tuple(
        Clause(doc_id="doc1", ordinal=n, number=f"{n}", heading=f"任务{n}", text=f"做第{n}件事。", departments=("市发改委",), deadline=d)
        for n, d in enumerate(deadlines, start=1)
    )
    return Document(doc_id="doc1", title="某方案", issuer="市政府", date=date_text, region="长春市", source="x.txt", clauses=clauses)


def _rows(session) -> list[tuple]:
    tasks = session.query(DeadlineTask).order_by(DeadlineTask.id).all()
    return [(t.clause_key, t.rule, t.due_date or t.recurrence, t.year_source, t.status) for t in tasks]


def test_sync_creates_updates_and_cancels(runtime) -> None:
    with runtime.session() as session:
        report = sync_document_tasks(session, _document("10月31日", None, "每月25日前"), date(2026, 10, 20), NOW)
        assert len(report.created) == 2
        assert _rows(session) == [
            ("doc1#1", "once-10-31", date(2026, 10, 31), "document", ACTIVE),
            ("doc1#3", "monthly-25", "monthly:25", "recurring", ACTIVE),
        ]
        report = sync_document_tasks(session, _document("11月15日", None, "每月25日前"), date(2026, 10, 20), NOW)
        assert (len(report.created), len(report.cancelled), len(report.updated)) == (1, 1, 0)
        assert _rows(session)[0][-1] == CANCELLED and _rows(session)[2][:3] == ("doc1#1", "once-11-15", date(2026, 11, 15))


def test_a_deadline_that_is_no_date_becomes_a_task_staff_must_date(runtime, caplog) -> None:
    with runtime.session() as session:
        report = sync_document_tasks(session, _document("尽快"), date(2026, 10, 20), NOW)
        assert report.not_understood == [("doc1#1", "尽快")]
        (task,) = session.query(DeadlineTask).all()
        assert (task.due_date, task.year_source) == (None, "unknown")
        correct_task(session, task.label, by="staff", now=NOW, due_date=date(2026, 11, 1))
        assert (task.due_date, task.year_source, task.corrected_by) == (date(2026, 11, 1), "staff", "staff")
    assert "staff must give the date" in caplog.text


def test_a_staff_correction_survives_a_document_update(runtime) -> None:
    with runtime.session() as session:
        sync_document_tasks(session, _document("10月31日"), date(2026, 10, 20), NOW)
        task = get_task(session, "T1")
        correct_task(session, "t1", by="staff", now=NOW, due_date=date(2026, 11, 5), department="区营商环境办")
        changed = _document("10月31日")
        changed = replace(changed, clauses=(replace(changed.clauses[0], heading="新标题"),))
        sync_document_tasks(session, changed, date(2026, 10, 20), NOW)
        assert (task.title, task.due_date, task.department) == ("新标题", date(2026, 11, 5), "区营商环境办")
        assert "区营商环境办" in task.note and "2026-11-05" in task.note


def test_staff_commands_refuse_what_makes_no_sense(runtime) -> None:
    with runtime.session() as session:
        sync_document_tasks(session, _document("10月31日", "每月25日前"), date(2026, 10, 20), NOW)
        with pytest.raises(TaskError, match="没有任务"):
            get_task(session, "T9")
        with pytest.raises(TaskError, match="周期性任务"):
            correct_task(session, "T2", by="s", now=NOW, due_date=date(2026, 11, 1))
        with pytest.raises(TaskError, match="新的完成日期或责任单位"):
            correct_task(session, "T1", by="s", now=NOW)
        cancel_task(session, "T1", by="s", now=NOW)
        with pytest.raises(TaskError, match="已经取消"):
            cancel_task(session, "T1", by="s", now=NOW)
        with pytest.raises(TaskError, match="已取消"):
            correct_task(session, "T1", by="s", now=NOW, department="x")
        assert [t.label for t in list_tasks(session)] == ["T2"]
        assert [t.label for t in list_tasks(session, include_cancelled=True)] == ["T1", "T2"]
        assert list_tasks(session, department="市人社局") == []


def test_a_task_cancelled_by_staff_stays_cancelled_but_one_the_document_dropped_comes_back(runtime) -> None:
    with runtime.session() as session:
        sync_document_tasks(session, _document("10月31日", "11月30日"), date(2026, 10, 20), NOW)
        cancel_task(session, "T1", by="staff", now=NOW)
        sync_document_tasks(session, _document("10月31日", None), date(2026, 10, 20), NOW)  # 2nd deadline removed
        sync_document_tasks(session, _document("10月31日", "11月30日"), date(2026, 10, 20), NOW)  # and back
        assert [row[-1] for row in _rows(session)] == [CANCELLED, ACTIVE]
