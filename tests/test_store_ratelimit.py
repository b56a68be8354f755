"""Sliding-window slots: at most ``limit`` in any window, and the time the next one frees."""

from datetime import datetime, timedelta

from bot.store.ratelimit import prune_slots, take_slot

T0 = datetime(2026, 11, 18, 9, 0, 0)


def test_limit_per_window_and_when_the_next_slot_frees(runtime) -> None:
    with runtime.session() as session:
        assert [take_slot(session, "robot:a", 3, 60, T0 + timedelta(seconds=s)) for s in (0, 10, 20)] == [None] * 3
        assert take_slot(session, "robot:a", 3, 60, T0 + timedelta(seconds=30)) == T0 + timedelta(seconds=60)
        assert take_slot(session, "robot:b", 3, 60, T0 + timedelta(seconds=30)) is None  # buckets are separate
        assert take_slot(session, "robot:a", 3, 60, T0 + timedelta(seconds=61)) is None  # the first slot aged out
        assert take_slot(session, "robot:a", 3, 60, T0 + timedelta(seconds=62)) == T0 + timedelta(seconds=70)
        assert prune_slots(session, T0 + timedelta(seconds=15)) == 2
