"""The single-leader lease: taken when free or expired, renewed only by its holder, given back, raced for."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from scheduler import lease

TTL = timedelta(seconds=90)
START = datetime(2026, 10, 28, 1, 0)


def test_taken_when_free_held_against_others_until_it_expires(runtime) -> None:
    with runtime.session() as session:
        assert lease.acquire(session, "a", START, TTL)
        assert not lease.acquire(session, "b", START + timedelta(seconds=89), TTL)
        assert lease.acquire(session, "a", START + timedelta(seconds=60), TTL)  # renewed: now until +150 s
        assert not lease.acquire(session, "b", START + timedelta(seconds=120), TTL)
        assert lease.acquire(session, "b", START + timedelta(seconds=151), TTL)
        row = lease.current(session)
        assert (row.holder, row.acquired_at) == ("b", START + timedelta(seconds=151))


def test_renew_fences_out_a_holder_whose_lease_expired_or_moved(runtime) -> None:
    with runtime.session() as session:
        lease.acquire(session, "a", START, TTL)
        lease.renew(session, "a", START + timedelta(seconds=30), TTL)
        with pytest.raises(lease.LeaseLost):
            lease.renew(session, "a", START + timedelta(seconds=121), TTL)  # expired at +120 s
        lease.acquire(session, "b", START + timedelta(seconds=121), TTL)
        with pytest.raises(lease.LeaseLost):
            lease.renew(session, "a", START + timedelta(seconds=122), TTL)


def test_release_lets_another_take_it_at_once(runtime) -> None:
    with runtime.session() as session:
        lease.acquire(session, "a", START, TTL)
        lease.release(session, "a", START + timedelta(seconds=1))
        lease.release(session, "b", START + timedelta(seconds=1))  # not b's: changes nothing
        assert lease.acquire(session, "b", START + timedelta(seconds=1), TTL)


def test_many_racing_for_a_free_lease_one_wins(runtime) -> None:
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def contend(name: str) -> None:
        barrier.wait()
        with runtime.session() as session:
            if lease.acquire(session, name, START, TTL):
                winners.append(name)

    threads = [threading.Thread(target=contend, args=(f"worker-{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    with runtime.session() as session:
        assert lease.current(session).holder == winners[0]


def test_holder_ids_are_unique_per_instance() -> None:
    assert lease.new_holder_id() != lease.new_holder_id()
