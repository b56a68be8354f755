"""Who a department or the leaders are in outbox terms, and queueing a message once."""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from bot.store.outbox import OutboxMessage
from handlers.reminders.recipients import Recipient, department_recipients, leader_recipients, recipient_from_config, send

STAFF = [
    {"user": "a1", "role": "handler", "department": "市人社局"},
    {"user": "a2", "role": "handler", "department": "市人社局"},
    {"user": "boss", "role": "leader", "department": "市营商环境建设局"},
]


@pytest.fixture
def office(make_config):
    runtime = Runtime(make_config(
        staff=STAFF,
        scheduler={
            "departments": {"区营商环境办": {"channel": "robot", "target": {"robot": "yshj"}}},
            "fallback_recipient": {"channel": "robot", "target": {"robot": "office"}},
        },
    ))
    yield runtime
    runtime.engine.dispose()


def test_a_department_by_configuration_then_its_staff_then_the_office(office) -> None:
    with office.session() as session:
        assert department_recipients(session, office.config, "区营商环境办") == [Recipient("robot", {"robot": "yshj"})]
        assert department_recipients(session, office.config, "市人社局") == [Recipient("work", {"touser": ["a1", "a2"]})]
        assert department_recipients(session, office.config, "区营商环境办、市人社局") == [
            Recipient("robot", {"robot": "yshj"}), Recipient("work", {"touser": ["a1", "a2"]}),
        ]
        assert department_recipients(session, office.config, "市不存在局") == [Recipient("robot", {"robot": "office"})]
        assert department_recipients(session, office.config, "") == [Recipient("robot", {"robot": "office"})]
        assert leader_recipients(session, office.config) == [Recipient("work", {"touser": ["boss"]})]


def test_a_wrong_recipient_in_the_configuration_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="channel must be one of"):
        recipient_from_config({"channel": "email", "target": {}}, "scheduler.departments.x")
    with pytest.raises(ValueError, match="target must be a mapping"):
        recipient_from_config({"channel": "robot", "target": "yshj"}, "scheduler.departments.x")


def test_send_queues_each_recipient_once_and_splits_long_text(office) -> None:
    recipients = [Recipient("robot", {"robot": "yshj"}), Recipient("work", {"touser": ["a1"]})]
    with office.session() as session:
        assert send(session, recipients, "提醒", key="reminder:1") == 2
        assert send(session, recipients, "提醒", key="reminder:1") == 0
        assert send(session, recipients[:1], "很长。" * 1000, key="digest:1") == 5
        rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        assert [row.channel for row in rows] == ["robot", "work"] + ["robot"] * 5
        assert all(len(row.text.encode("utf-8")) <= 2048 for row in rows)
        assert rows[2].text.startswith("(1/5)")
        with pytest.raises(ValueError):
            send(session, recipients, "x", key="k" * 151)
