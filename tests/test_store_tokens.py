"""The shared access-token store: expiry margin, invalidation, one refresh at a time."""

import threading

import pytest

from bot.store.tokens import EXPIRY_MARGIN, DatabaseTokenStorage, TokenUnavailable


def test_values_expire_early_and_can_be_dropped(runtime) -> None:
    storage = DatabaseTokenStorage(runtime.sessions)
    storage.set("a", "T-long", 7200)
    storage.set("b", "T-short", int(EXPIRY_MARGIN.total_seconds()) - 1)
    assert storage.get("a") == "T-long" and storage.get("b") is None and storage.get("missing", "d") == "d"
    storage.delete("a")
    assert storage.get("a") is None


def test_concurrent_refreshes_fetch_the_token_once(runtime) -> None:
    storage = DatabaseTokenStorage(runtime.sessions)
    fetches = []
    release = threading.Event()

    def fetch():
        fetches.append(1)
        release.wait(2)
        storage.set("k", "T", 7200)

    threads = [threading.Thread(target=storage.refresh, args=("k", fetch)) for _ in range(4)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(fetches) == 1 and storage.get("k") == "T"



def test_a_refresh_held_elsewhere_makes_others_wait_then_give_up(runtime) -> None:
    holder = DatabaseTokenStorage(runtime.sessions, lease_seconds=30)
    waiter = DatabaseTokenStorage(runtime.sessions, wait_seconds=0.3)
    assert holder._take_lease("k")
    with pytest.raises(TokenUnavailable):
        waiter.refresh("k", lambda: pytest.fail("must not fetch while another process holds the lease"))
