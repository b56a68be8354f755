"""Outbox claims on SQLite and PostgreSQL: concurrent workers deliver every row exactly once."""

import threading

import pytest

from bot.config import load_config
from bot.notify.queue import RetryPolicy
from bot.notify.worker import deliver_due
from bot.runtime import Runtime
from bot.store.base import utcnow
from bot.store.outbox import SENT, OutboxMessage, enqueue
from databases import database_params, database_url


class Recorder:
    channel = "console"

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lock = threading.Lock()

    def limit(self, msgtype: str) -> int:
        return 2048

    def send(self, message) -> None:
        with self.lock:
            self.ids.append(message.id)


@pytest.mark.parametrize("kind", database_params())
def test_four_concurrent_workers_send_each_row_once(tmp_path, kind) -> None:
    config = load_config(path="", overrides={"instance_path": str(tmp_path), "database_url": database_url(kind, tmp_path)}, environ={})
    runtime = Runtime(config)
    with runtime.session() as session:
        for number in range(120):
            enqueue(session, "console", {}, f"m{number}", key=f"q{number}")
    recorder, policy = Recorder(), RetryPolicy(batch_size=7)

    def work() -> None:
        while deliver_due(runtime.sessions, {"console": recorder}, utcnow(), policy):
            pass

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(recorder.ids) == sorted(set(recorder.ids)) and len(recorder.ids) == 120
    with runtime.session() as session:
        assert session.query(OutboxMessage).filter_by(status=SENT).count() == 120
    runtime.engine.dispose()
