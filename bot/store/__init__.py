"""Persistence: the SQLAlchemy base, engine set-up, and the tables every part of the bot shares.

Feature tables (tickets, reminders, subscriptions ...) live in their own modules under ``bot/store/`` and
register on :class:`bot.store.base.Base`; :func:`bot.store.base.import_models` imports them all and :mod:`bot.store.migrate` keeps the schema.
"""
