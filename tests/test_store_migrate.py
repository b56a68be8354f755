"""The schema kept by Alembic: the migrations build what the models describe; a Runtime stamps a new database,
upgrades an old one, and adopts one made before migrations existed."""

from sqlalchemy import create_engine, inspect, text

from bot.runtime import Runtime
from bot.store.base import Base, import_models
from bot.store.migrate import current_revision, differences, ensure_schema, head_revision, upgrade


def test_the_migrations_build_exactly_what_the_models_describe(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert differences(engine) == []  # a model changed without a revision: python -m bot db revision -m "..."
    import_models()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_a_new_database_is_created_and_stamped(make_config) -> None:
    runtime = Runtime(make_config())
    assert current_revision(runtime.engine) == head_revision()
    runtime.engine.dispose()


def test_a_database_made_before_migrations_is_adopted_and_nothing_is_lost(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    import_models()
    Base.metadata.tables["staff"].create(engine)  # an old deployment: some tables, no alembic_version
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO staff (user_id, name, role, department, active) VALUES ('u1', '张三', 'admin', '', 1)"))
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    assert "ticket" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM staff")).scalar_one() == "张三"


def test_db_commands(make_config, monkeypatch, tmp_path, capsys) -> None:
    from bot.cli import main

    monkeypatch.setenv("ZQT_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0
    assert head_revision() in capsys.readouterr().out
