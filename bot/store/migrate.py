"""The database schema, kept by Alembic (``bot/store/migrations/``).

:func:`ensure_schema` runs whenever a :class:`bot.runtime.Runtime` starts:

- an empty database gets every table (``create_all``, fast) and is stamped with the newest revision;
- a database at an older revision is upgraded (``python -m bot db upgrade`` does the same explicitly);
- a database made before migrations existed gets its missing tables and is stamped.

A change to a model needs a revision: ``python -m bot db revision -m "what changed"`` writes one by comparing the
models with a scratch database at the newest revision; review it, commit it. ``tests/test_store_migrate.py``
fails while the models and the revisions disagree.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from bot.store.base import Base, import_models

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Tables other libraries keep in the same database: APScheduler's job store.
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the project's tables only."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def alembic_config(engine: Engine) -> Config:
    """Alembic's configuration for the project's migrations on ``engine``'s database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision of the migrations (read once per process)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is stamped with (None when it is not)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_schema(engine: Engine) -> None:
    """Make the database's schema the newest (see the module's docstring)."""
    import_models()
    tables = set(inspect(engine).get_table_names())
    ours = set(Base.metadata.tables)
    if "alembic_version" in tables and current_revision(engine) == head_revision():
        return
    if "alembic_version" in tables:
        log.info("upgrading the database schema to %s", head_revision())
        upgrade(engine)
        return
    Base.metadata.create_all(engine)
    if tables & ours:
        log.warning("database made before migrations: missing tables created, stamped %s", head_revision())
    with engine.begin() as connection:
        MigrationContext.configure(connection).stamp(ScriptDirectory(str(MIGRATIONS)), "head")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision``."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def differences(engine: Engine) -> list:
    """What the models have that the database (at whatever revision) does not, as Alembic sees it."""
    import_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object, "compare_type": True})
        return compare_metadata(context, Base.metadata)


def write_revision(engine: Engine, message: str) -> None:
    """Write a new revision from the differences between the models and ``engine``'s database (which must be
    at the newest revision: a scratch database upgraded for the purpose)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
    head_revision.cache_clear()
