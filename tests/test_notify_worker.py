"""The outbox worker: delivery, bounded retries with backoff, visible failures, leases, splitting."""

from datetime import timedelta

from bot.notify.base import DeliveryError
from bot.notify.console import ConsoleNotifier
from bot.notify.queue import SPLIT, RetryPolicy, claim_due, retry_failed
from bot.notify.worker import deliver_due, housekeeping
from bot.store.base import utcnow
from bot.store.outbox import FAILED, PENDING, SENT, OutboxMessage, enqueue

POLICY = RetryPolicy(max_attempts=3, backoff_seconds=10, backoff_max_seconds=25, lease_seconds=60)


class ScriptedNotifier:
    """Fails with the scripted errors first, then records what it sends."""

    channel = "work"

    def __init__(self, *errors: DeliveryError, limit: int = 2048) -> None:
        self.errors = list(errors)
        self.sent: list[str] = []
        self._limit = limit

    def limit(self, msgtype: str) -> int:
        return self._limit

    def send(self, message) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(message.text)


def _queue(runtime, text="通知", key="k1", channel="work"):
    with runtime.session() as session:
        return enqueue(session, channel, {"touser": ["u1"]}, text, key=key).id


def _row(runtime, row_id) -> OutboxMessage:
    with runtime.session() as session:
        return session.get(OutboxMessage, row_id)


def test_delivers_once_and_marks_sent(runtime) -> None:
    row_id = _queue(runtime)
    notifier = ScriptedNotifier()
    assert deliver_due(runtime.sessions, {"work": notifier}, utcnow(), POLICY) == 1
    assert deliver_due(runtime.sessions, {"work": notifier}, utcnow(), POLICY) == 0
    row = _row(runtime, row_id)
    assert (row.status, row.attempts, notifier.sent) == (SENT, 1, ["通知"])
    assert row.sent_at is not None and row.locked_until is None


def test_retries_with_backoff_then_fails_visibly_and_can_be_retried(runtime) -> None:
    row_id = _queue(runtime)
    notifier = ScriptedNotifier(*[DeliveryError("HTTP 502")] * 4)
    now = utcnow()
    deliver_due(runtime.sessions, {"work": notifier}, now, POLICY)
    row = _row(runtime, row_id)
    assert (row.status, row.attempts, row.last_error) == (PENDING, 1, "HTTP 502")
    assert row.not_before >= now + timedelta(seconds=10)
    assert deliver_due(runtime.sessions, {"work": notifier}, now + timedelta(seconds=5), POLICY) == 0  # not yet due
    deliver_due(runtime.sessions, {"work": notifier}, now + timedelta(seconds=11), POLICY)
    assert _row(runtime, row_id).not_before >= now + timedelta(seconds=31)  # doubled: 20 s
    deliver_due(runtime.sessions, {"work": notifier}, now + timedelta(hours=1), POLICY)
    row = _row(runtime, row_id)
    assert (row.status, row.attempts) == (FAILED, 3)
    assert deliver_due(runtime.sessions, {"work": notifier}, now + timedelta(hours=2), POLICY) == 0
    with runtime.session() as session:
        assert retry_failed(session, [row_id], now + timedelta(hours=2)) == 1
    notifier.errors.clear()
    assert deliver_due(runtime.sessions, {"work": notifier}, now + timedelta(hours=2), POLICY) == 1
    assert _row(runtime, row_id).status == SENT


def test_permanent_error_and_missing_notifier_fail_at_once(runtime) -> None:
    first, second = _queue(runtime, key="a"), _queue(runtime, key="b", channel="mp")
    notifier = ScriptedNotifier(DeliveryError("no such robot", permanent=True))
    deliver_due(runtime.sessions, {"work": notifier}, utcnow(), POLICY)
    assert (_row(runtime, first).status, _row(runtime, first).attempts) == (FAILED, 1)
    assert _row(runtime, second).status == FAILED and "not configured" in _row(runtime, second).last_error


def test_rate_limited_send_waits_without_using_an_attempt(runtime) -> None:
    row_id = _queue(runtime)
    later = utcnow() + timedelta(seconds=42)
    notifier = ScriptedNotifier(DeliveryError("20 a minute", retry_at=later, counts_attempt=False))
    deliver_due(runtime.sessions, {"work": notifier}, utcnow(), POLICY)
    row = _row(runtime, row_id)
    assert (row.status, row.attempts, row.not_before) == (PENDING, 0, later)


def test_two_workers_never_claim_the_same_row_and_a_dead_workers_rows_come_back(runtime) -> None:
    ids = {_queue(runtime, key=f"k{n}") for n in range(5)}
    now = utcnow()
    with runtime.session() as one, runtime.session() as two:
        first = claim_due(one, now, POLICY)
        one.commit()
        second = claim_due(two, now, POLICY)
    assert {c.message.id for c in first} == ids and second == []
    # the first worker died without recording anything: after the lease the rows are delivered
    notifier = ScriptedNotifier()
    assert deliver_due(runtime.sessions, {"work": notifier}, now + timedelta(seconds=30), POLICY) == 0
    assert deliver_due(runtime.sessions, {"work": notifier}, now + timedelta(seconds=61), POLICY) == 5
    assert len(notifier.sent) == 5


def test_over_limit_row_is_split_into_numbered_parts(runtime) -> None:
    text = "。".join(f"第{n}项工作进展情况" for n in range(60)) + "。"
    row_id = _queue(runtime, text=text)
    notifier = ScriptedNotifier(limit=300)
    deliver_due(runtime.sessions, {"work": notifier}, utcnow(), POLICY)
    deliver_due(runtime.sessions, {"work": notifier}, utcnow(), POLICY)
    assert _row(runtime, row_id).status == SPLIT
    assert len(notifier.sent) > 1 and all(len(part.encode()) <= 300 for part in notifier.sent)
    assert notifier.sent[0].startswith("(1/") and "".join(notifier.sent).count("第59项") == 1


def test_notifier_crash_is_recorded_not_raised(runtime) -> None:
    class Crashing(ScriptedNotifier):
        def send(self, message):
            raise KeyError("bug")

    row_id = _queue(runtime)
    deliver_due(runtime.sessions, {"work": Crashing()}, utcnow(), POLICY)
    assert "KeyError" in _row(runtime, row_id).last_error


def test_console_notifier_prints_target_and_text(runtime, capsys) -> None:
    _queue(runtime, text="控制台消息", channel="console")
    deliver_due(runtime.sessions, {"console": ConsoleNotifier()}, utcnow(), POLICY)
    out = capsys.readouterr().out
    assert "控制台消息" in out and '"touser": ["u1"]' in out


def test_housekeeping_keeps_recent_answers(runtime) -> None:
    from bot.store.inbound import StoredAnswer, find_answer, record_answer

    with runtime.session() as session:
        record_answer(session, "mp", "old", StoredAnswer("a", None, False), received_at=utcnow() - timedelta(days=4))
        record_answer(session, "mp", "new", StoredAnswer("b", None, False))
    housekeeping(runtime.sessions)
    with runtime.session() as session:
        assert find_answer(session, "mp", "old") is None and find_answer(session, "mp", "new").text == "b"
