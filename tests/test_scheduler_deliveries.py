"""What a deadline reminder says, and one failing reminder not holding up the others."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

import scheduler.deliveries as deliveries
from bot.store.reminders import PENDING, SENT, DeadlineTask, Reminder
from scheduler.deliveries import compose_reminder


def test_the_reminder_names_the_task_its_date_source_department_and_how_to_snooze() -> None:
    task = DeadlineTask(id=4, title="优化政策供给", department="区营商环境办", deadline_text="10月31日", due_date=date(2026, 10, 31),
                        year_source="added", document_title="滨海新区攻坚行动方案", clause_number="2（1）1")
    reminder = Reminder(id=12, occurrence=date(2026, 10, 31), offset_days=3)
    assert compose_reminder(task, reminder, date(2026, 10, 28)).split("\n") == [
        "【时限提醒】还有3天：优化政策供给",
        "完成时限：2026年10月31日（周六），原文“10月31日”，年份取自收录年份",
        "出处：《滨海新区攻坚行动方案》2（1）1",
        "责任单位：区营商环境办",
        "编号 R12｜任务 T4：回复“推迟提醒 R12 1天”可稍后再提醒",
    ]
    duty = DeadlineTask(id=5, title="填报工作进展情况表", department="", deadline_text="每月25日前；每季末", recurrence="monthly:25",
                        document_title="辽源市方案", clause_number="三（二）")
    text = compose_reminder(duty, Reminder(id=13, occurrence=date(2026, 11, 25), offset_days=0), date(2026, 11, 25))
    assert "今天到期：填报工作进展情况表" in text and "周期任务“每月25日前；每季末”" in text and "未注明（请工作人员指定）" in text


def test_a_reminder_that_cannot_be_queued_stays_pending_and_the_others_go(sched, monkeypatch) -> None:
    sched.run("2026-10-20T09:00")
    real = deliveries.department_recipients

    def broken_for_one_department(session, config, department):
        if department == "区营商环境办":
            raise RuntimeError("directory unavailable")
        return real(session, config, department)

    monkeypatch.setattr(deliveries, "department_recipients", broken_for_one_department)
    sched.run("2026-10-23T09:00")
    with sched.runtime.session() as session:
        due = session.scalars(
            select(Reminder).join(DeadlineTask).where(Reminder.fire_at == sched.at("2026-10-23T09:00"))
        ).all()
        states = sorted((r.task.department, r.status) for r in due)
    assert ("区营商环境办", PENDING) in states and ("", SENT) in states
    monkeypatch.setattr(deliveries, "department_recipients", real)
    sched.run("2026-10-23T09:01")
    assert len(sched.queued("reminder:")) == 3
