"""`python -m bot bench NAME`: the shipped benchmarks. Each lives in its own module under ``bot/bench/``
with ``add_arguments(parser)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS: dict[str, str] = {
    "qa": "bot.bench.qa",
    "scheduler": "bot.bench.scheduler",
    "webhook": "bot.bench.webhook",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark and print its figures")
    names = parser.add_subparsers(dest="benchmark", metavar="NAME")
    for name, module_name in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        sub = names.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)
