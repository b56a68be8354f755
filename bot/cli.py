"""`python -m bot COMMAND ...`: one sub-command per module listed in :data:`COMMAND_MODULES`.

Each command module has ``register(subparsers)`` which adds its parser and sets ``handler`` to a function
``(args) -> int`` (the exit status).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from bot.config import ConfigError

COMMAND_MODULES: list[str] = [
    "bot.commands.bench",
    "bot.commands.kb",
    "bot.commands.ask",
    "bot.commands.eval",
    "bot.commands.tickets",
    "bot.commands.scheduler",
    "bot.commands.reminders",
    "bot.commands.serve",
    "bot.commands.chat",
    "bot.commands.outbox",
    "bot.commands.db",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="政企通 — policy answers, complaint tickets and reminders over WeChat.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"配置错误: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
