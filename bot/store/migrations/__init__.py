"""Alembic migrations of the project's database (see :mod:`bot.store.migrate`)."""
