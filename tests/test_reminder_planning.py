"""Planning reminders: offsets, working days, late-arriving tasks, recurring duties, idempotence."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot.store.reminders import DeadlineTask, Reminder
from bot.workdays import WorkCalendar
from handlers.reminders.localtime import parse_moment, to_local, zone
from handlers.reminders.planning import plan_reminders


def _add(runtime, created: str, **fields) -> DeadlineTask:
    values = {"doc_id": "d", "clause_key": f"d#{len(fields)}{created}", "rule": "once", "title": "报送材料", "department": "市人社局"}
    values.update(fields)
    with runtime.session() as session:
        task = DeadlineTask(**values, created_at=parse_moment(created, zone(runtime.config)))
        session.add(task)
    return task


def _plan(runtime, now: str) -> list[tuple[str, int, str]]:
    tz = zone(runtime.config)
    with runtime.session() as session:
        plan_reminders(session, parse_moment(now, tz), runtime.config, WorkCalendar.from_config(runtime.config))
        rows = session.scalars(select(Reminder).order_by(Reminder.fire_at, Reminder.offset_days))
        return [(r.occurrence.isoformat(), r.offset_days, f"{to_local(r.fire_at, tz):%Y-%m-%d %H:%M}") for r in rows]


def test_offsets_before_the_deadline_moved_off_days_off(runtime) -> None:
    _add(runtime, "2026-10-01T12:00", due_date=date(2026, 10, 31))  # a Saturday
    assert _plan(runtime, "2026-10-20T09:00") == [
        ("2026-10-31", 7, "2026-10-23 09:00"),  # 10-24 is a Saturday: the Friday before
        ("2026-10-31", 3, "2026-10-28 09:00"),
        ("2026-10-31", 1, "2026-10-30 09:00"),
    ]
    assert len(_plan(runtime, "2026-10-20T09:05")) == 3  # planning again adds nothing


def test_two_offsets_moved_onto_one_day_keep_the_nearer(runtime) -> None:
    _add(runtime, "2026-10-01T12:00", due_date=date(2026, 11, 30))  # 1 day before is a Sunday, 3 days before a Friday
    assert [(offset, fire) for _, offset, fire in _plan(runtime, "2026-11-01T09:00")] == [
        (7, "2026-11-23 09:00"), (1, "2026-11-27 09:00"),
    ]


def test_a_task_that_arrives_after_its_offsets_gets_one_reminder_at_once(runtime) -> None:
    _add(runtime, "2026-10-30T15:00", due_date=date(2026, 10, 31))
    _add(runtime, "2026-10-30T15:00", clause_key="past", due_date=date(2026, 10, 29))
    assert _plan(runtime, "2026-10-30T15:00") == [("2026-10-31", 1, "2026-10-30 15:00")]


def test_recurring_duties_within_the_horizon_until_they_end(make_config) -> None:
    from bot.runtime import Runtime

    runtime = Runtime(make_config(scheduler={"deadlines": {"offsets_days": [3], "horizon_days": 70}}))
    _add(runtime, "2026-10-01T12:00", rule="monthly-25", recurrence="monthly:25")
    _add(runtime, "2026-10-01T12:00", clause_key="q", rule="quarterly-end", recurrence="quarterly:end", ends_on=date(2026, 11, 30))
    plan = _plan(runtime, "2026-10-26T09:00")
    assert [(due, fire) for due, _, fire in plan] == [("2026-11-25", "2026-11-20 09:00"), ("2026-12-25", "2026-12-22 09:00")]
    runtime.engine.dispose()


def test_undated_and_cancelled_tasks_are_not_planned(runtime) -> None:
    _add(runtime, "2026-10-01T12:00", rule="text-尽快")
    _add(runtime, "2026-10-01T12:00", clause_key="c", due_date=date(2026, 10, 31), status="cancelled")
    assert _plan(runtime, "2026-10-20T09:00") == []


def test_remind_at_is_local_time(runtime) -> None:
    _add(runtime, "2026-10-01T12:00", due_date=date(2026, 10, 31))
    with runtime.session() as session:
        plan_reminders(session, datetime(2026, 10, 20, 1), runtime.config, WorkCalendar())
        first = session.scalars(select(Reminder).order_by(Reminder.fire_at)).first()
        assert first.fire_at == datetime(2026, 10, 23, 1, 0)  # 09:00 in Shanghai is 01:00 UTC


def test_a_task_beyond_the_horizon_is_planned_the_day_it_enters_it(runtime) -> None:
    task = _add(runtime, "2026-10-01T12:00", due_date=date(2027, 1, 20))
    assert _plan(runtime, "2026-10-20T09:00") == []
    with runtime.session() as session:
        assert session.get(DeadlineTask, task.id).plan_again_on == date(2026, 11, 21)  # 60 days before
    assert _plan(runtime, "2026-11-21T09:00") == [
        ("2027-01-20", 7, "2027-01-13 09:00"), ("2027-01-20", 3, "2027-01-15 09:00"), ("2027-01-20", 1, "2027-01-19 09:00"),
    ]
    with runtime.session() as session:
        assert session.get(DeadlineTask, task.id).plan_again_on == date.max
