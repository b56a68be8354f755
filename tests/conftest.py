"""Shared fixtures: a configuration in a temporary instance folder, and a Runtime on a real SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import load_config
from bot.runtime import Runtime

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def make_config(tmp_path: Path):
    """Build a configuration rooted in ``tmp_path``; keyword overrides are deep-merged."""

    def _make(**overrides: Any) -> dict[str, Any]:
        base: dict[str, Any] = {"instance_path": str(tmp_path / "instance")}
        base.update(overrides)
        return load_config(path="", overrides=base, environ={})

    return _make


@pytest.fixture
def config(make_config) -> dict[str, Any]:
    return make_config()


@pytest.fixture
def runtime(config) -> Runtime:
    runtime = Runtime(config)
    yield runtime
    runtime.engine.dispose()


# -- the scheduler's fixtures: a knowledge base of the shipped documents, built once per session ---------------


@pytest.fixture(scope="session")
def shipped_knowledge(tmp_path_factory):
    """The shipped documents' knowledge base, built once per test session. Read it; copy it to change it."""
    from knowledge.store import KnowledgeBase

    return KnowledgeBase.open(tmp_path_factory.mktemp("shipped") / "knowledge")


@pytest.fixture
def knowledge_runtime(make_config, shipped_knowledge, tmp_path):
    """A Runtime over a private copy of the shipped knowledge base (``runtime.make(**overrides)`` for another config)."""
    import shutil

    from knowledge.store import KnowledgeBase

    path = tmp_path / "knowledge"
    shutil.copytree(shipped_knowledge.path, path)
    runtimes = []

    def make(**overrides: Any) -> Runtime:
        config = make_config(knowledge={"path": str(path), "load_defaults": False}, **overrides)
        runtime = Runtime(config)
        runtime.__dict__["knowledge"] = KnowledgeBase.open(path, load_defaults=False, analyzer=shipped_knowledge.analyzer)
        runtimes.append(runtime)
        return runtime

    runtime = make()
    runtime.make = make
    yield runtime
    for each in runtimes:
        each.engine.dispose()


class SchedulerHelper:
    """Run the scheduler at simulated local moments and read what it queued (no test waits on a real clock)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def at(self, text: str):
        """A local time such as ``2026-10-28T09:00`` as naive UTC."""
        from handlers.reminders.localtime import parse_moment, zone

        return parse_moment(text, zone(self.runtime.config))

    def run(self, text: str, runtime: Runtime | None = None) -> dict[str, str]:
        """``python -m bot scheduler --once --now TEXT`` in-process; ``{job: status}``."""
        from scheduler.run import run_once

        return {o.job: o.status for o in run_once(runtime or self.runtime, self.at(text))}

    def queued(self, prefix: str = "", runtime: Runtime | None = None) -> list:
        """The outbox rows whose idempotency key starts with ``prefix``, oldest first."""
        from bot.store.outbox import OutboxMessage

        with (runtime or self.runtime).session() as session:
            rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
            return [row for row in rows if row.idempotency_key.startswith(prefix)]


@pytest.fixture
def sched(knowledge_runtime) -> SchedulerHelper:
    return SchedulerHelper(knowledge_runtime)
