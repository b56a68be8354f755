"""Outbound delivery: one notifier per outbox channel, and the worker that drains the outbox.

Everything the bot sends on its own initiative is first an outbox row (``bot.store.outbox.enqueue``). The worker
(``worker.py``: :func:`deliver_due`, :func:`run_worker`) claims due rows with a lease, hands each to the notifier of
its channel (``robot.py``, ``work.py``, ``mp.py``, ``aibot.py``, ``console.py``, built by ``registry.py``) and
records the outcome: sent, retried later with backoff, or failed for ``python -m bot outbox list --failed``.
"""
