"""From an accepted message to its answer, the same for every channel: dedup, rate limit, time budget.

1. A message answered before (a WeChat retry, on whatever process) gets the stored answer again. Otherwise, in
   a worker thread, in one transaction: the sender's accepted messages of the last minute are counted (the
   recorded answers double as the rate-limit log and the last-seen record; over the limit the sender gets a polite
   reply and the handlers are not run); ``Runtime.handle`` runs; the answer is recorded under the message's
   unique dedup key. A retry handled at the same time elsewhere fails on that key: its work is rolled back and
   it answers with the first answer.
2. If that takes longer than ``wechat.reply_timeout_seconds`` the caller answers WeChat with the empty reply at
   once and the answer is queued in the outbox instead (same transaction).
3. A passive reply carries one message: the rest of an over-limit answer goes out through the outbox, numbered.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.store.inbound import StoredAnswer, accepted_since, find_answer, record_answer
from bot.store.outbox import enqueue
from bot.textsplit import TEXT_LIMIT, split_text
from handlers.types import Incoming

log = logging.getLogger(__name__)

RATE_LIMITED_TEXT = "您发送消息太频繁了，请稍等一分钟再试。我们会认真处理您的每一条消息。"
PASSIVE_LIMITS = {"aibot": 20480}  # bytes one passive reply may carry; others: TEXT_LIMIT


@dataclass(frozen=True)
class Received:
    """An accepted callback: the message and the key WeChat's retries of it share."""

    incoming: Incoming
    dedup_key: str


@dataclass(frozen=True)
class Answer:
    """What to put in the HTTP response: ``text`` empty means the protocol's empty reply."""

    text: str
    mention: str | None = None


def outbox_route(incoming: Incoming) -> tuple[str, dict[str, Any]]:
    """The outbox channel and target that reach the sender of ``incoming`` outside the HTTP response."""
    if incoming.channel == "mp":
        return "mp", {"openid": incoming.user}
    if incoming.channel == "aibot":
        mention = incoming.user if incoming.group else None
        return "aibot", {"chatid": incoming.group, "userid": mention, "response_url": incoming.response_url}
    if incoming.channel == "work":
        return "work", {"touser": [incoming.user]}
    return "console", {"user": incoming.user}


class InboundProcessor:
    """Answers accepted messages for one process; see the module docstring for the steps."""

    def __init__(self, runtime, config: dict[str, Any]) -> None:
        wechat = config["wechat"]
        self.runtime = runtime
        self.rate_limit = int(wechat.get("rate_limit_per_minute") or 0)
        self.timeout = float(wechat.get("reply_timeout_seconds", 4.0))
        self._threads = int(wechat.get("handler_threads", 8))
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()

    def _pool(self) -> ThreadPoolExecutor:
        with self._executor_lock:  # created lazily: after gunicorn has forked the worker
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="handler")
            return self._executor

    def process(self, received: Received) -> Answer:
        """The answer to ``received``, computed once across all processes."""
        stored = self._stored(received)
        if stored is not None:
            return stored
        if self.timeout <= 0:  # no time budget (the command line): handle in the caller's thread
            return self.handle_and_record(received, lambda: False)
        job = _HandlingJob(self, received)
        future = self._pool().submit(job.run)
        try:
            return future.result(timeout=self.timeout)
        except TimeoutError:
            if job.abandon():
                log.warning("%s message %s took over %.1fs: answer deferred to the outbox",
                            received.incoming.channel, received.incoming.msg_id, self.timeout)
                return Answer("")
            return future.result()

    def _stored(self, received: Received) -> Answer | None:
        with self.runtime.session() as session:
            stored = find_answer(session, received.incoming.channel, received.dedup_key)
        if stored is None:
            return None
        return Answer("" if stored.deferred else stored.text, stored.mention)

    def _over_limit(self, session, received: Received) -> Answer | None:
        """The polite reply (recorded) when the sender already sent ``rate_limit`` messages in the last minute."""
        incoming = received.incoming
        if not self.rate_limit:
            return None
        since = incoming.received_at - timedelta(seconds=60)
        if accepted_since(session, incoming.channel, incoming.user, since) < self.rate_limit:
            return None
        log.info("%s message %s over the rate limit", incoming.channel, incoming.msg_id)
        mention = incoming.user if incoming.group else None
        answer = StoredAnswer(RATE_LIMITED_TEXT, mention, False)
        record_answer(session, incoming.channel, received.dedup_key, answer, user_id=incoming.user,
                      received_at=incoming.received_at, rate_limited=True)
        return Answer(RATE_LIMITED_TEXT, mention)

    def handle_and_record(self, received: Received, defer) -> Answer:
        """Run the handlers and record the answer in one transaction; ``defer()`` says whether to use the outbox."""
        incoming = received.incoming
        try:
            with self.runtime.session() as session:
                polite = self._over_limit(session, received)
                if polite is not None:
                    return polite
                reply = self.runtime.handle(incoming, session)
                limit = PASSIVE_LIMITS.get(incoming.channel, TEXT_LIMIT)
                parts = split_text(reply.text, limit) if reply.text else []
                deferred = bool(parts) and defer()
                queued = parts if deferred else parts[1:]
                channel, target = outbox_route(incoming)
                for number, part in enumerate(queued, start=len(parts) - len(queued) + 1):
                    enqueue(session, channel, target, part, key=f"reply:{incoming.channel}:{received.dedup_key}:{number}")
                answer = StoredAnswer(parts[0] if parts else "", reply.mention, deferred)
                record_answer(session, incoming.channel, received.dedup_key, answer, user_id=incoming.user, received_at=incoming.received_at)
        except IntegrityError:
            log.info("%s message %s answered by another process", incoming.channel, incoming.msg_id)
            return self._stored(received) or Answer("")
        return Answer("" if answer.deferred else answer.text, answer.mention)


class _HandlingJob:
    """One message handled in a worker thread, racing the HTTP request's time budget.

    Whichever comes first wins under the lock: the job deciding how to deliver (then the request waits for the
    commit), or the request abandoning the job (then the job queues the answer in the outbox).
    """

    def __init__(self, processor: InboundProcessor, received: Received) -> None:
        self._processor = processor
        self._received = received
        self._lock = threading.Lock()
        self._decided = False
        self._abandoned = False

    def _decide(self) -> bool:
        with self._lock:
            self._decided = True
            return self._abandoned

    def abandon(self) -> bool:
        """Called by the request on timeout: True when the job will use the outbox."""
        with self._lock:
            if self._decided:
                return False
            self._abandoned = True
            return True

    def run(self) -> Answer:
        try:
            return self._processor.handle_and_record(self._received, self._decide)
        except Exception:
            log.exception("%s message %s could not be handled", self._received.incoming.channel, self._received.incoming.msg_id)
            raise
