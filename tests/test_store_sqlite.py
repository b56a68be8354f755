"""SQLite transactions: reads take no lock, the first write takes the write lock, savepoints never commit early."""

import threading

import pytest
from sqlalchemy import text

from bot.store.base import make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
    yield engine
    engine.dispose()


def _names(engine) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT name FROM item ORDER BY id"))]


def test_released_savepoint_is_undone_by_the_outer_rollback(engine) -> None:
    """The bug this module fixes: pysqlite let the RELEASE of a first SAVEPOINT commit the work inside it."""
    with engine.connect() as connection:
        outer = connection.begin()
        inner = connection.begin_nested()
        connection.execute(text("INSERT INTO item (name) VALUES ('inside')"))
        inner.commit()
        outer.rollback()
    assert _names(engine) == []


def test_rolled_back_savepoint_keeps_the_outer_work(engine) -> None:
    with engine.connect() as connection:
        with connection.begin():
            connection.execute(text("INSERT INTO item (name) VALUES ('kept')"))
            inner = connection.begin_nested()
            connection.execute(text("INSERT INTO item (name) VALUES ('dropped')"))
            inner.rollback()
    assert _names(engine) == ["kept"]


def test_savepoint_without_writes_costs_nothing(engine) -> None:
    with engine.connect() as connection:
        with connection.begin():
            inner = connection.begin_nested()
            connection.execute(text("SELECT count(*) FROM item"))
            inner.commit()
            assert not connection.connection.dbapi_connection.in_transaction


def test_reading_does_not_block_another_writer(engine) -> None:
    with engine.connect() as reader:
        transaction = reader.begin()
        reader.execute(text("SELECT count(*) FROM item"))
        with engine.begin() as writer:  # would wait for the busy timeout if the read held a lock
            writer.execute(text("INSERT INTO item (name) VALUES ('w')"))
        assert reader.execute(text("SELECT count(*) FROM item")).scalar() == 1  # sees the latest commit
        transaction.rollback()


def test_writers_are_serialized_and_none_fails(engine) -> None:
    errors = []

    def write(number: int) -> None:
        try:
            for step in range(20):
                with engine.begin() as connection:
                    count = connection.execute(text("SELECT count(*) FROM item")).scalar()
                    connection.execute(text("INSERT INTO item (name) VALUES (:n)"), {"n": f"{number}-{step}-{count}"})
        except Exception as error:  # collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(_names(engine)) == 80


def test_executemany_begins_the_write_too(engine) -> None:
    with engine.connect() as connection:
        outer = connection.begin()
        connection.connection.dbapi_connection.cursor().executemany("INSERT INTO item (name) VALUES (?)", [("a",), ("b",)])
        assert connection.connection.dbapi_connection.in_transaction
        outer.rollback()
    assert _names(engine) == []
