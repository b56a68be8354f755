"""`python -m bot outbox list/retry/work`."""

import pytest

from bot.cli import main
from bot.runtime import Runtime
from bot.store.outbox import FAILED, OutboxMessage, enqueue


@pytest.fixture
def instance(monkeypatch, tmp_path):
    monkeypatch.setenv("ZQT_INSTANCE_PATH", str(tmp_path / "inst"))
    runtime = Runtime()
    with runtime.session() as session:
        enqueue(session, "console", {}, "控制台通知", key="c1")
        enqueue(session, "work", {"touser": ["u"]}, "应用消息", key="w1")
    return runtime


def test_work_once_sends_and_fails_unconfigured_visibly(instance, capsys) -> None:
    assert main(["outbox", "work", "--once"]) == 0
    out = capsys.readouterr().out
    assert "控制台通知" in out and "已发送 1 条" in out
    assert main(["outbox", "list", "--failed"]) == 0
    listing = capsys.readouterr().out
    assert "应用消息" in listing and "not configured" in listing and "控制台通知" not in listing


def test_retry_puts_failed_back(instance, capsys) -> None:
    main(["outbox", "work", "--once"])
    with instance.session() as session:
        failed = session.query(OutboxMessage).filter_by(status=FAILED).one()
    assert main(["outbox", "retry", str(failed.id)]) == 0
    assert "已重新排队 1 条" in capsys.readouterr().out
    assert main(["outbox", "list", "--pending"]) == 0 and "应用消息" in capsys.readouterr().out
    assert main(["outbox", "retry"]) == 2
    assert main(["outbox", "retry", "--all-failed"]) == 1  # nothing failed now
