"""Staff chat commands for reminders, tasks and notices, checked against roles, through the router."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

import bot.runtime
from bot.store.reminders import CANCELLED, DeadlineTask, Reminder
from bot.store.subscriptions import PolicyNotice
from handlers.reminders.commands import NOT_ALLOWED, NOT_STAFF, parse_chat_time
from handlers.reminders.localtime import zone
from handlers.types import Incoming

STAFF = [
    {"user": "disp", "name": "派单员", "role": "dispatcher", "department": "市营商环境建设局"},
    {"user": "yshj", "name": "承办人", "role": "handler", "department": "区营商环境办"},
    {"user": "rsj", "name": "承办人", "role": "handler", "department": "市人社局"},
]


@pytest.fixture
def office(sched, monkeypatch):
    """Staff configured, documents taken in on 20 October, and the chat's clock at 22 October 10:00."""
    runtime = sched.runtime.make(staff=STAFF)
    sched.run("2026-10-20T09:00", runtime)
    monkeypatch.setattr(bot.runtime, "utcnow", lambda: sched.at("2026-10-22T10:00"))
    return runtime


def _say(runtime, user: str, text: str) -> str:
    return runtime.handle(Incoming(channel="work", user=user, text=text)).text


def _reminder_of(runtime, title: str) -> Reminder:
    with runtime.session() as session:
        task = session.scalars(select(DeadlineTask).where(DeadlineTask.title == title)).one()
        return session.scalars(select(Reminder).where(Reminder.task_id == task.id).order_by(Reminder.fire_at)).first()


def test_only_staff_may_use_the_commands(office) -> None:
    for text in ("提醒列表", "取消任务 T1", "发布通知 d01fafa5b"):
        assert _say(office, "enterprise-user", text) == NOT_STAFF


def test_a_handler_sees_and_snoozes_only_their_departments_reminders(office) -> None:
    listing = _say(office, "yshj", "提醒列表")
    assert "优化政策供给（区营商环境办）" in listing and "总结优秀案例" not in listing
    own, other = _reminder_of(office, "优化政策供给"), _reminder_of(office, "总结优秀案例")
    assert _say(office, "yshj", f"推迟提醒 {own.label} 2小时").startswith(f"已将提醒 {own.label} 推迟到 2026-10-23 11:00")
    assert _say(office, "yshj", f"推迟提醒 {other.label} 1天") == "只能推迟本部门的提醒。"
    assert _say(office, "yshj", "取消任务 T4") == NOT_ALLOWED
    assert _say(office, "yshj", "更正时限 T5 2026-11-06") == NOT_ALLOWED


def test_a_dispatcher_cancels_corrects_and_publishes(office, sched) -> None:
    assert "总结优秀案例" in _say(office, "disp", "提醒列表")
    assert _say(office, "disp", "取消任务 T6").startswith("已取消任务 T6（梳理服务企业名单）")
    reply = _say(office, "disp", "更正时限 T5 2026-11-06 责任单位 区营商环境办")
    assert reply.startswith("已更正：T5  2026-11-06  总结优秀案例（区营商环境办）")
    with office.session() as session:
        assert session.get(DeadlineTask, 6).status == CANCELLED
        assert not session.scalars(select(Reminder).where(Reminder.task_id == 5, Reminder.status == "pending")).all()
    sched.run("2026-10-22T10:05", office)  # replanned for the corrected date
    with office.session() as session:
        days = sorted(r.occurrence.isoformat() for r in session.scalars(select(Reminder).where(Reminder.task_id == 5, Reminder.status == "pending")))
        assert set(days) == {"2026-11-06"}
    reply = _say(office, "disp", "发布通知 d01fafa5b 10月26日 9:30")
    assert reply.startswith("已安排：N1  2026-10-26 09:30  政策通知《滨海新区")
    with office.session() as session:
        assert session.scalars(select(PolicyNotice)).one().send_at == sched.at("2026-10-26T09:30")


@pytest.mark.parametrize(
    "text, answer",
    [
        ("推迟提醒 R1", "请说明推迟多久"),
        ("推迟提醒 R1 一会儿", "看不懂推迟多久"),
        ("推迟提醒 R999 1天", "没有提醒 R999"),
        ("取消通知 N5", "没有通知 N5"),
        ("更正时限 T99 2026-11-06", "没有任务 T99"),
        ("更正时限 T1", "请给出新的日期或责任单位"),
        ("发布通知 不存在的文件", "没有这个文件"),
        ("推迟提醒 R1 到 2027-01-05 09:00", "不能推迟到完成时限"),
    ],
)
def test_bad_commands_get_a_clear_answer_and_change_nothing(office, text, answer) -> None:
    with office.session() as session:
        before = [(r.id, r.fire_at, r.status) for r in session.scalars(select(Reminder))]
    assert answer in _say(office, "disp", text)
    with office.session() as session:
        assert [(r.id, r.fire_at, r.status) for r in session.scalars(select(Reminder))] == before


def test_chat_times(make_config) -> None:
    tz = zone(make_config())
    now = datetime(2026, 10, 22, 2, 0)  # 10:00 local
    assert parse_chat_time("到 10月29日 9:00", now, tz) == datetime(2026, 10, 29, 1, 0)
    assert parse_chat_time("10月29日", now, tz) == datetime(2026, 10, 29, 1, 0)
    assert parse_chat_time("1月5日 14点", now, tz) == datetime(2027, 1, 5, 6, 0)  # passed this year: next year
    assert parse_chat_time("2026-10-29 09:00", now, tz) == datetime(2026, 10, 29, 1, 0)
    with pytest.raises(ValueError):
        parse_chat_time("下周", now, tz)
