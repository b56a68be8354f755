"""`python -m bot db upgrade|current|revision`: the database schema (Alembic, see :mod:`bot.store.migrate`)."""

from __future__ import annotations

import argparse
import sys
import tempfile

from bot.config import load_config
from bot.store.base import make_engine
from bot.store.migrate import current_revision, head_revision, upgrade, write_revision


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="the database schema: upgrade, current revision, new revision")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("upgrade", help="migrate the configured database to the newest revision").set_defaults(handler=upgrade_database)
    actions.add_parser("current", help="the revision the configured database is at").set_defaults(handler=show_current)
    revision = actions.add_parser("revision", help="write a migration for what the models changed (developers)")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(handler=new_revision)
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)


def upgrade_database(args: argparse.Namespace) -> int:
    engine = make_engine(load_config()["database_url"])
    before = current_revision(engine)
    upgrade(engine)
    print(f"数据库结构 {before or '(空)'} → {current_revision(engine)}")
    return 0


def show_current(args: argparse.Namespace) -> int:
    engine = make_engine(load_config()["database_url"])
    current, head = current_revision(engine), head_revision()
    print(f"当前 {current or '(未标记)'}，最新 {head}" + ("" if current == head else "：请运行 python -m bot db upgrade"))
    return 0 if current == head else 1


def new_revision(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="zqt-revision-") as folder:
        engine = make_engine(f"sqlite:///{folder}/scratch.db")
        upgrade(engine)  # a scratch database at the newest revision, compared with the models
        write_revision(engine, args.message)
        engine.dispose()
    print("已生成迁移脚本（bot/store/migrations/versions/），请检查后提交", file=sys.stderr)
    return 0
