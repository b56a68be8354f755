"""The databases the cross-process tests run on: SQLite always, PostgreSQL when ``TEST_POSTGRES_URL`` is set
(``.ci/run`` starts a server and sets it; without it those cases are skipped)."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


def database_params():
    """``pytest.mark.parametrize`` values: "sqlite" and "postgresql" (skipped without a server URL)."""
    skip = pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL not set (no PostgreSQL server)")
    return ["sqlite", pytest.param("postgresql", marks=skip)]


def database_url(kind: str, tmp_path) -> str:
    """A fresh, empty database of ``kind``: a new SQLite file, or the PostgreSQL database with its tables dropped."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    from sqlalchemy import create_engine

    from bot.store.base import Base, import_models

    import_models()
    engine = create_engine(POSTGRES_URL)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:  # and what is not the project's models: the migrations' stamp, APScheduler's jobs
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version, apscheduler_jobs")
    engine.dispose()
    return POSTGRES_URL
