"""`scheduler --once --now`: every job fires once, at its moment and not before; downtime, stale slots, quiet hours,
holidays; two schedulers against one database; a crash between queueing and recording."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.store import outbox
from bot.store.reminders import DROPPED, PENDING, SENT, DeadlineTask, Reminder
from handlers.reminders.manage import snooze
from scheduler import lease
from scheduler.run import ALREADY_RUN, DROPPED as SLOT_DROPPED, HELD, LEASE_LOST, RAN, LeaseHeld, run_due, run_once

INSTALLED = "2026-10-20T09:00"  # the scheduler first sees the shipped documents (滨海新区's deadlines: this year)


def _task(runtime, title: str) -> DeadlineTask:
    with runtime.session() as session:
        return session.scalars(select(DeadlineTask).where(DeadlineTask.title == title)).one()


def _texts(rows, task: DeadlineTask) -> list[str]:
    return [row.text.split("\n")[0] for row in rows if f"任务 {task.label}" in row.text]


def test_each_reminder_fires_once_at_its_moment_and_not_before(sched) -> None:
    sched.run(INSTALLED)
    task = _task(sched.runtime, "优化政策供给")  # 2（1）1, 完成时限 10月31日 (a Saturday)
    assert task.due_date == date(2026, 10, 31) and task.department == "区营商环境办"
    steps = [
        ("2026-10-23T08:59", []),
        ("2026-10-23T09:00", ["【时限提醒】还有8天：优化政策供给"]),  # 7 days before is a Saturday: the Friday before
        ("2026-10-23T09:00", []),
        ("2026-10-23T17:00", []),
        ("2026-10-28T08:59", []),
        ("2026-10-28T09:00", ["【时限提醒】还有3天：优化政策供给"]),
        ("2026-10-30T09:00", ["【时限提醒】还有1天：优化政策供给"]),
        ("2026-10-31T09:00", []),
        ("2026-11-02T09:00", []),
    ]
    seen = 0
    for moment, expected in steps:
        sched.run(moment)
        texts = _texts(sched.queued("reminder:"), task)
        assert texts[seen:] == expected, moment
        seen = len(texts)


def test_a_reminder_missed_during_downtime_is_sent_once_on_restart(sched) -> None:
    sched.run(INSTALLED)
    task = _task(sched.runtime, "优化政策供给")
    sched.run("2026-10-23T15:30")  # down from before 09:00 until 15:30
    assert _texts(sched.queued("reminder:"), task) == ["【时限提醒】还有8天：优化政策供给"]
    sched.run("2026-10-23T15:31")
    assert len(_texts(sched.queued("reminder:"), task)) == 1


def test_stale_reminders_are_dropped_with_a_log_line(sched, caplog) -> None:
    sched.run(INSTALLED)
    task = _task(sched.runtime, "优化政策供给")
    with caplog.at_level(logging.WARNING, logger="scheduler.deliveries"):
        sched.run("2026-10-26T09:00")  # three days after the Friday reminder (limit: 24 h)
    assert _texts(sched.queued("reminder:"), task) == []
    with sched.runtime.session() as session:
        first = session.scalars(select(Reminder).where(Reminder.task_id == task.id).order_by(Reminder.fire_at)).first()
        assert first.status == DROPPED and first.reason.startswith("stale")
    assert any("dropped as stale" in record.getMessage() and first.label in record.getMessage() for record in caplog.records)


def test_of_several_missed_reminders_only_the_nearest_to_the_deadline_is_sent(sched) -> None:
    runtime = sched.runtime.make(scheduler={"stale_after_hours": 200})
    sched.run(INSTALLED, runtime)
    task = _task(runtime, "梳理服务企业名单")  # due 10月28日: reminders 10-21, 10-23 (for the Sunday) and 10-27
    sched.run("2026-10-27T10:00", runtime)
    assert _texts(sched.queued("reminder:", runtime), task) == ["【时限提醒】还有1天：梳理服务企业名单"]
    with runtime.session() as session:
        statuses = sorted(r.status for r in session.scalars(select(Reminder).where(Reminder.task_id == task.id)))
    assert statuses == [DROPPED, DROPPED, SENT]


def _manual_task(runtime, due: date, *, created: str = "2026-09-01T09:00", department: str = "市营商环境建设局") -> DeadlineTask:
    from handlers.reminders.localtime import parse_moment, zone

    with runtime.session() as session:
        task = DeadlineTask(
            doc_id="manual", clause_key=f"manual#{due}", rule="once", title=f"报送材料{due}", department=department,
            deadline_text=f"{due.month}月{due.day}日", due_date=due, created_at=parse_moment(created, zone(runtime.config)),
        )
        session.add(task)
    return task


def test_quiet_hours_hold_a_reminder_until_the_morning(sched) -> None:
    runtime = sched.runtime.make(scheduler={"deadlines": {"remind_at": "22:30", "offsets_days": [1]}})
    task = _manual_task(runtime, date(2026, 10, 29))
    assert sched.run("2026-10-28T22:30", runtime)["deadline-reminders"] == HELD
    sched.run("2026-10-29T07:59", runtime)
    assert _texts(sched.queued("reminder:", runtime), task) == []
    sched.run("2026-10-29T08:00", runtime)
    assert _texts(sched.queued("reminder:", runtime), task) == [f"【时限提醒】今天到期：{task.title}"]


def test_holidays_hold_reminders_and_make_up_working_days_do_not(sched) -> None:
    runtime = sched.runtime
    holiday_task = _manual_task(runtime, date(2026, 10, 9))
    saturday_task = _manual_task(runtime, date(2026, 10, 12))
    sched.run("2026-09-25T09:00")
    with runtime.session() as session:
        reminders = {r.task_id: r for r in session.scalars(select(Reminder).where(Reminder.offset_days == 3))}
        # 国庆: 10-06 (3 days before 10-09) is a holiday, so the reminder moves to 30 September
        assert reminders[holiday_task.id].fire_at == sched.at("2026-09-30T09:00")
        snooze(session, reminders[holiday_task.id].label, by="test", now=sched.at("2026-09-25T09:00"),
               config=runtime.config, until=sched.at("2026-10-03T10:00"))
    for moment in ("2026-10-03T10:00", "2026-10-07T16:00"):
        assert sched.run(moment)["deadline-reminders"] == HELD
    assert _texts(sched.queued("reminder:"), holiday_task) == []
    sched.run("2026-10-08T08:00")  # the first working day after the holiday
    assert _texts(sched.queued("reminder:"), holiday_task) == ["【时限提醒】还有1天：报送材料2026-10-09"]
    sched.run("2026-10-09T09:00")
    sched.run("2026-10-10T09:00")  # Saturday 10-10 is a make-up working day: the Sunday reminder comes then
    assert _texts(sched.queued("reminder:"), saturday_task) == [
        "【时限提醒】还有3天：报送材料2026-10-12",
        "【时限提醒】还有2天：报送材料2026-10-12",
    ]


def test_the_weekly_digest_runs_once_per_week_at_its_slot(sched) -> None:
    outcomes = sched.run("2026-10-26T08:00")  # Monday before 09:00: last week's slot is a week old
    assert outcomes["weekly-digest"] == SLOT_DROPPED
    assert sched.run("2026-10-26T08:59")["weekly-digest"] == ALREADY_RUN
    assert sched.queued("digest:") == []
    assert sched.run("2026-10-26T09:00")["weekly-digest"] == RAN
    for moment in ("2026-10-26T09:00", "2026-10-26T09:10", "2026-10-30T12:00"):
        assert sched.run(moment)["weekly-digest"] == ALREADY_RUN
    assert [row.idempotency_key.split("|")[0] for row in sched.queued("digest:")] == ["digest:202610260100"]


def test_the_digest_of_a_holiday_week_waits_for_its_first_working_day(sched) -> None:
    sched.run("2026-09-28T09:00")
    assert sched.run("2026-10-05T09:00")["weekly-digest"] == ALREADY_RUN  # Monday 10-05 is 国庆: no slot
    assert sched.run("2026-10-08T09:00")["weekly-digest"] == RAN
    texts = [row.text for row in sched.queued("digest:")]
    assert texts[-1].startswith("【每周通报】2026年10月01日—10月07日")


def test_a_scheduler_cannot_act_while_another_holds_the_lease(sched) -> None:
    with sched.runtime.session() as session:
        assert lease.acquire(session, "other-host:1:a", datetime.utcnow(), timedelta(minutes=5))
    with pytest.raises(LeaseHeld, match="other-host"):
        sched.run(INSTALLED)
    assert sched.queued() == []


def test_two_schedulers_on_one_database_send_once(sched) -> None:
    first, second = sched.runtime, sched.runtime.make()  # two processes' runtimes, one database
    sched.run(INSTALLED, first)
    sched.run(INSTALLED, second)
    for moment in ("2026-10-23T09:00", "2026-10-28T09:00"):
        sched.run(moment, first)
        sched.run(moment, second)
    keys = [row.idempotency_key for row in sched.queued("reminder:")]
    assert len(keys) == len(set(keys)) == 3 + 6  # three reminders on the 23rd, six on the 28th


def test_a_scheduler_that_lost_its_lease_is_fenced_out(sched) -> None:
    runtime, ttl = sched.runtime, timedelta(seconds=90)
    start = datetime.utcnow()
    with runtime.session() as session:
        assert lease.acquire(session, "paused", start, ttl)
    with runtime.session() as session:  # "paused" slept past its lease; another scheduler took over
        assert lease.acquire(session, "standby", start + timedelta(seconds=91), ttl)
    outcomes = run_due(runtime, sched.at(INSTALLED), "paused", lease_ttl=ttl, wall_clock=lambda: start + timedelta(seconds=92))
    assert [o.status for o in outcomes] == [LEASE_LOST]
    with runtime.session() as session:
        assert session.scalars(select(DeadlineTask)).first() is None  # it did nothing at all


def test_a_crash_before_commit_loses_nothing_and_doubles_nothing(sched, monkeypatch) -> None:
    sched.run(INSTALLED)
    real_enqueue = outbox.enqueue
    calls = []

    def crash_after_two(session, *args, **kwargs):
        row = real_enqueue(session, *args, **kwargs)
        calls.append(row)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed between queueing and recording")
        return row

    monkeypatch.setattr(outbox, "enqueue", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        run_once(sched.runtime, sched.at("2026-10-23T09:00"))
    assert len(calls) == 2
    assert sched.queued("reminder:") == []  # the transaction died with the process: nothing half-recorded
    monkeypatch.setattr(outbox, "enqueue", real_enqueue)
    with sched.runtime.session() as session:  # the dead process's lease would expire; release it here
        session.execute(lease.SchedulerLease.__table__.delete())
    sched.run("2026-10-23T09:05")
    keys = [row.idempotency_key for row in sched.queued("reminder:")]
    assert len(keys) == len(set(keys)) == 3


def test_a_record_lost_after_the_message_was_queued_does_not_send_it_twice(sched) -> None:
    sched.run(INSTALLED)
    sched.run("2026-10-23T09:00")
    assert len(sched.queued("reminder:")) == 3
    with sched.runtime.session() as session:  # as if "sent" never got recorded
        for reminder in session.scalars(select(Reminder).where(Reminder.status == SENT)):
            reminder.status, reminder.sent_at = PENDING, None
    sched.run("2026-10-23T09:10")
    assert len(sched.queued("reminder:")) == 3
    with sched.runtime.session() as session:
        assert len(session.scalars(select(Reminder).where(Reminder.status == SENT)).all()) == 3


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "not a time of day"),
        ({"deadlines": {"offsets_days": [7, -1]}}, "must not be negative"),
        ({"digest": {"weekday": "funday"}}, "weekday"),
        ({"departments": {"区营商环境办": {"channel": "email", "target": {}}}}, "channel must be one of"),
        ({"fallback_recipient": {"channel": "robot", "target": "office"}}, "target must be a mapping"),
        ({"lease_seconds": "long"}, "could not convert"),
    ],
)
def test_wrong_settings_stop_the_scheduler_at_start(sched, settings, message) -> None:
    from bot.config import ConfigError

    runtime = sched.runtime.make(scheduler=settings)
    with pytest.raises(ConfigError, match=message):
        sched.run(INSTALLED, runtime)
    assert sched.queued(runtime=runtime) == []
