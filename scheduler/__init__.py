"""The scheduler: deadline reminders, ticket escalations, policy notices and digests, sent once, in time.

- :mod:`scheduler.jobs` — what runs and when (the :data:`JOBS <scheduler.jobs.build_jobs>` list).
- :mod:`scheduler.run` — running jobs at a moment: the lease-fenced transaction, calendar slots, ``--once --now``.
- :mod:`scheduler.runner` — the long-running process: APScheduler with its SQLAlchemy job store, the leader lease,
  :func:`scheduler.runner.start_in_background` for running inside the web server.
- :mod:`scheduler.lease` — only one scheduler acts at a time, enforced by a lease row in the database.
- :mod:`scheduler.window` — quiet hours and non-working days, which hold routine messages.
- :mod:`scheduler.deliveries` — the due deadline reminders and policy notices; :mod:`scheduler.digest` — the weekly digest.

Everything is sent by writing outbox rows (``bot.store.outbox.enqueue``) with idempotency keys, in the same
transaction as the record that it was sent; the channels' outbox worker delivers them.
"""
