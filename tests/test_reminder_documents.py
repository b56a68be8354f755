"""Taking documents in: the first intake announces nothing; an added document gets tasks and a notice (through
`kb add` too, with the staff's choice of time); a replaced one keeps staff corrections; a removed one is retired."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.store.reminders import ACTIVE, CANCELLED, DeadlineTask
from bot.store.schedule import SeenDocument
from bot.store.subscriptions import NOTICE_CANCELLED, NOTICE_PENDING, PolicyNotice
from handlers.reminders.documents import take_in_added
from handlers.reminders.tasks import correct_task
from handlers.types import Incoming
from knowledge.ingest import parse_file

NEW_PLAN = Path(__file__).parent / "data" / "长春市2026年优化营商环境攻坚行动方案(2026-10-15).txt"


def _tasks(runtime, doc_id: str) -> list[tuple]:
    with runtime.session() as session:
        rows = session.scalars(select(DeadlineTask).where(DeadlineTask.doc_id == doc_id).order_by(DeadlineTask.id))
        return [(t.title, t.due_date or t.recurrence, t.department, t.status) for t in rows]


def _notices(runtime) -> list[tuple]:
    with runtime.session() as session:
        return [(n.doc_id, n.send_at, n.status, n.requested_by) for n in session.scalars(select(PolicyNotice))]


def test_the_first_intake_takes_the_shipped_documents_in_without_notices(sched) -> None:
    sched.run("2026-10-20T09:00")
    with sched.runtime.session() as session:
        assert session.query(SeenDocument).count() == len(sched.runtime.knowledge.documents()) == 9
        assert session.query(DeadlineTask).count() == 13
    assert _notices(sched.runtime) == []


def test_a_document_added_later_gets_its_tasks_and_a_notice_ten_minutes_on(sched) -> None:
    runtime = sched.runtime
    sched.run("2026-10-20T09:00")
    runtime.handle(Incoming(channel="mp", user="cc-corp", text="订阅 长春"))
    (added,) = runtime.knowledge.add([NEW_PLAN]).added
    sched.run("2026-10-28T09:00")
    assert _tasks(runtime, added.doc_id) == [
        ("压缩企业开办时间", date(2026, 11, 30), "市市场监管局", ACTIVE),
        ("完成与各部门系统对接", date(2026, 12, 15), "市市场监管局", ACTIVE),
        ("报送工作进展", "monthly:10", "市税务局", ACTIVE),
    ]
    assert _notices(runtime) == [(added.doc_id, sched.at("2026-10-28T09:10"), NOTICE_PENDING, "scheduler")]
    sched.run("2026-10-28T09:09")
    assert sched.queued("notice:") == []
    sched.run("2026-10-28T09:10")
    (row,) = sched.queued("notice:")
    assert row.target_json == '{"openid": "cc-corp"}' and "长春市2026年优化营商环境攻坚行动方案" in row.text


def _cli(runtime, monkeypatch, *args: str) -> int:
    monkeypatch.setenv("ZQT_INSTANCE_PATH", runtime.config["instance_path"])
    monkeypatch.setenv("ZQT_KNOWLEDGE__PATH", runtime.config["knowledge"]["path"])
    return main(list(args))


def test_kb_add_schedules_the_notice_when_staff_say(sched, monkeypatch, capsys) -> None:
    assert _cli(sched.runtime, monkeypatch, "kb", "add", str(NEW_PLAN), "--quiet", "--notice-at", "2026-11-02T09:30") == 0
    out = capsys.readouterr().out
    assert "已生成时限任务 16 个" in out  # the shipped documents' 13 (first intake) and the new plan's 3
    assert "政策通知 N1 将于 2026-11-02 09:30 发给订阅者" in out
    (notice,) = _notices(sched.runtime)
    assert notice[1:] == (sched.at("2026-11-02T09:30"), NOTICE_PENDING, "kb add")


def test_kb_add_without_notice(sched, monkeypatch) -> None:
    sched.run("2026-10-20T09:00")
    assert _cli(sched.runtime, monkeypatch, "kb", "add", str(NEW_PLAN), "--quiet", "--no-notice") == 0
    assert _notices(sched.runtime) == []
    assert len(_tasks(sched.runtime, parse_file(str(NEW_PLAN)).doc_id)) == 3


def test_the_staffs_choice_holds_even_when_a_tick_saw_the_document_first(sched) -> None:
    sched.run("2026-10-20T09:00")
    (added,) = sched.runtime.knowledge.add([NEW_PLAN]).added
    sched.run("2026-10-28T09:00")  # a tick took the document in before kb add's own step ran
    assert [n[2] for n in _notices(sched.runtime)] == [NOTICE_PENDING]
    take_in_added(sched.runtime, [added.doc_id], sched.at("2026-10-28T09:00"), announce=False, notice_at=None, by="kb add")
    assert [n[2] for n in _notices(sched.runtime)] == [NOTICE_CANCELLED]


def test_a_replaced_document_updates_its_tasks_but_keeps_staff_corrections(sched, tmp_path) -> None:
    runtime = sched.runtime
    (added,) = runtime.knowledge.add([NEW_PLAN]).added
    sched.run("2026-10-20T09:00")
    with runtime.session() as session:
        first = session.scalars(select(DeadlineTask).where(DeadlineTask.doc_id == added.doc_id)).first()
        correct_task(session, first.label, by="staff-1", now=sched.at("2026-10-21T10:00"), due_date=date(2026, 12, 5))
    changed = tmp_path / NEW_PLAN.name
    text = NEW_PLAN.read_text(encoding="utf-8").replace("于12月15日前完成", "于12月20日前完成").replace("每月10日前报送", "每季末报送")
    changed.write_text(text, encoding="utf-8")
    assert runtime.knowledge.add([changed]).replaced
    sched.run("2026-10-21T11:00")
    assert _tasks(runtime, added.doc_id) == [
        ("压缩企业开办时间", date(2026, 12, 5), "市市场监管局", ACTIVE),  # the staff's date survives
        ("完成与各部门系统对接", date(2026, 12, 15), "市市场监管局", CANCELLED),
        ("报送工作进展", "monthly:10", "市税务局", CANCELLED),
        ("完成与各部门系统对接", date(2026, 12, 20), "市市场监管局", ACTIVE),
        ("报送工作进展", "quarterly:end", "市税务局", ACTIVE),
    ]


def test_a_removed_document_has_its_tasks_and_pending_notice_cancelled(sched) -> None:
    runtime = sched.runtime
    sched.run("2026-10-20T09:00")
    (added,) = runtime.knowledge.add([NEW_PLAN]).added
    sched.run("2026-10-28T09:00")
    runtime.knowledge.remove(added.doc_id)
    sched.run("2026-10-28T09:05")
    assert {status for *_, status in _tasks(runtime, added.doc_id)} == {CANCELLED}
    assert [n[2] for n in _notices(runtime)] == [NOTICE_CANCELLED]
    sched.run("2026-10-28T09:10")
    assert sched.queued("notice:") == []


@pytest.mark.parametrize("option", ["--notice-at=tomorrow"])
def test_kb_add_refuses_a_time_it_cannot_read(sched, monkeypatch, capsys, option) -> None:
    assert _cli(sched.runtime, monkeypatch, "kb", "add", str(NEW_PLAN), option) == 2
    assert "--notice-at" in capsys.readouterr().err
    assert len(sched.runtime.knowledge.documents()) == 9
