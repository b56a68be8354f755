"""Alembic's environment: the project's metadata, on the connection :mod:`bot.store.migrate` hands over
(``config.attributes["connection"]``) or on ``sqlalchemy.url``."""

from alembic import context
from sqlalchemy import create_engine

from bot.store.base import Base, import_models
from bot.store.migrate import include_object

import_models()


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE through table copies on SQLite
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as own:
        run_migrations(own)
    engine.dispose()
