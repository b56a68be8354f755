"""Ticket numbers handed out by two processes at the same moment, on one SQLite (or PostgreSQL) database:
every number is used once and the day's sequence has no gap."""

import multiprocessing
from datetime import date

import pytest

from bot.runtime import Runtime
from databases import database_params, database_url
from handlers.tickets.service import next_number

DAY = date(2026, 11, 18)


def _take_numbers(config, count, barrier, results) -> None:
    runtime = Runtime(config)
    barrier.wait()
    taken = []
    for _ in range(count):
        with runtime.session() as session:
            taken.append(next_number(session, DAY))
    results.put(taken)
    runtime.engine.dispose()


@pytest.mark.parametrize("kind", database_params())
def test_two_processes_never_get_the_same_number(make_config, tmp_path, kind) -> None:
    config = make_config(database_url=database_url(kind, tmp_path))
    Runtime(config).engine.dispose()  # create the tables once
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_take_numbers, args=(config, 25, barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    numbers = [number for _ in workers for number in results.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sorted(numbers) == [f"ZQ20261118{n:03d}" for n in range(1, 51)]
