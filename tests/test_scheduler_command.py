"""`python -m bot scheduler`: --once --now in-process, two real processes at once, and a process killed between
queueing a reminder and committing it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from pathlib import Path

import pytest
from sqlalchemy import update

from bot.cli import main
from bot.store.schedule import SchedulerLease

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _environment(runtime) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ZQT_")}
    environment.update(ZQT_INSTANCE_PATH=runtime.config["instance_path"], ZQT_KNOWLEDGE__PATH=runtime.config["knowledge"]["path"])
    return environment


def _start(runtime, *args: str, code: str | None = None) -> subprocess.Popen:
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "bot", *args]
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=_environment(runtime), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_once_now_prints_what_each_job_did(sched, monkeypatch, capsys) -> None:
    for key, value in _environment(sched.runtime).items():
        if key.startswith("ZQT_"):
            monkeypatch.setenv(key, value)
    assert main(["scheduler", "--once", "--now", "2026-10-23T09:00"]) == 0
    lines = capsys.readouterr().out.splitlines()
    outcomes = {line.split()[0]: line for line in lines}
    assert [line.split()[:2] for line in lines] == [
        ["documents", "ran"], ["plan-reminders", "ran"], ["ticket-escalations", "ran"], ["ticket-reminders", "ran"],
        ["rating-expiry", "ran"], ["deadline-reminders", "ran"], ["policy-notices", "ran"], ["overdue-lists", "ran"],
        ["weekly-digest", "dropped"],  # Monday's digest is four days old by Friday: skipped, not sent late
    ]
    assert "queued 3" in outcomes["deadline-reminders"]
    assert "slot 2026-10-23 09:00" in outcomes["overdue-lists"]
    assert "slot 2026-10-19 09:00" in outcomes["weekly-digest"] and "missed by 4 days" in outcomes["weekly-digest"]


@pytest.mark.parametrize("args, message", [(["--now", "2026-10-23T09:00"], "--now 只能和 --once"), (["--once", "--now", "soon"], "--now:")])
def test_bad_arguments_are_refused(sched, monkeypatch, capsys, args, message) -> None:
    monkeypatch.setenv("ZQT_INSTANCE_PATH", sched.runtime.config["instance_path"])
    assert main(["scheduler", *args]) == 2
    assert message in capsys.readouterr().err
    assert sched.queued() == []


def test_two_scheduler_processes_started_together_send_once(sched) -> None:
    sched.run("2026-10-20T09:00")
    processes = [_start(sched.runtime, "scheduler", "--once", "--now", "2026-10-28T09:00") for _ in range(2)]
    results = [process.communicate(timeout=120) for process in processes]
    codes = sorted(process.returncode for process in processes)
    assert codes in ([0, 0], [0, 3]), results
    if codes == [0, 3]:
        assert any("另一个调度器正在运行" in err for _, err in results)
    keys = [row.idempotency_key for row in sched.queued("reminder:")]
    assert len(keys) == len(set(keys)) == 6


CRASH = textwrap.dedent(
    """
    import os, sys
    from bot.store import outbox
    real = outbox.enqueue
    def enqueue(session, *args, **kwargs):
        row = real(session, *args, **kwargs)
        session.flush()
        os._exit(9)  # killed after queueing the first reminder, before anything is committed
    outbox.enqueue = enqueue
    from bot.cli import main
    sys.exit(main(["scheduler", "--once", "--now", "2026-10-23T09:00"]))
    """
)


def test_a_process_killed_between_queueing_and_recording_sends_each_reminder_once(sched) -> None:
    sched.run("2026-10-20T09:00")
    crashed = _start(sched.runtime, code=CRASH)
    crashed.communicate(timeout=120)
    assert crashed.returncode == 9
    assert sched.queued("reminder:") == []
    restarted = _start(sched.runtime, "scheduler", "--once", "--now", "2026-10-23T09:00")
    _, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 3 and "另一个调度器正在运行" in err  # the dead process's lease has not expired yet
    with sched.runtime.session() as session:  # lease_seconds later, the dead process's lease has expired
        session.execute(update(SchedulerLease).values(expires_at=SchedulerLease.acquired_at))
    sched.run("2026-10-23T09:05")
    keys = [row.idempotency_key for row in sched.queued("reminder:")]
    assert len(keys) == len(set(keys)) == 3
