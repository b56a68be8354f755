"""`python -m bot chat [--user ID] [--group ID] [--staff] [--once TEXT]`: talk to the bot in the terminal.

The messages go through the same ``Runtime.handle`` and router as WeChat's. ``--group`` speaks as in a WeChat Work
group (the aibot channel, conversation per group and user); without it, 1:1 in the WeChat Work app. ``--staff``
makes the user an admin staff member in the local database. Notifications the message queued in the outbox are
shown (they stay queued for the outbox worker; nothing is sent from here).
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.store.outbox import OutboxMessage
from bot.store.staff import seed_staff
from bot.textsplit import split_text
from handlers.types import Incoming

QUIT_WORDS = {"exit", "quit", "退出", "再见"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("chat", help="chat with the bot in the terminal (no WeChat needed)")
    parser.add_argument("--user", default="demo-user", help="your user id (default demo-user)")
    parser.add_argument("--group", metavar="CHATID", help="speak in this group chat, as an @-mention of the bot")
    parser.add_argument("--channel", choices=["work", "mp", "aibot", "cli"], help="channel to speak on (default: work, aibot with --group)")
    parser.add_argument("--staff", action="store_true", help="act as a staff member (role admin)")
    parser.add_argument("--once", metavar="TEXT", help="send one message, print the answer and exit")
    parser.set_defaults(handler=chat)


def _last_outbox_id(runtime: Runtime) -> int:
    with runtime.session() as session:
        return session.scalar(select(func.max(OutboxMessage.id))) or 0


def _show_queued(runtime: Runtime, after_id: int) -> int:
    with runtime.session() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id > after_id).order_by(OutboxMessage.id)).all()
        for row in rows:
            target = json.dumps(row.target, ensure_ascii=False, sort_keys=True)
            print(f"  [已排队 → {row.channel} {target}]\n  {row.text}")
    return max([after_id] + [row.id for row in rows])


def say(runtime: Runtime, args: argparse.Namespace, text: str, number: int) -> None:
    """Send ``text`` as the configured user and print the bot's answer (split as WeChat would)."""
    channel = args.channel or ("aibot" if args.group else "work")
    message = Incoming(channel=channel, user=args.user, text=text, msg_id=f"chat-{number}", group=args.group)
    reply = runtime.handle(message)
    prefix = f"@{reply.mention} " if reply.mention else ""
    for part in split_text(reply.text) if reply.text else ["(不回复)"]:
        print(f"政企通> {prefix}{part}")


def chat(args: argparse.Namespace) -> int:
    runtime = Runtime()
    if args.staff:
        with runtime.session() as session:
            seed_staff(session, [{"user": args.user, "name": args.user, "role": "admin"}])
    seen = _last_outbox_id(runtime)
    if args.once is not None:
        say(runtime, args, args.once, 1)
        _show_queued(runtime, seen)
        return 0
    print("政企通 本地对话（输入“帮助”看功能，Ctrl-D 或“退出”结束）")
    number = 0
    while True:
        try:
            text = input("你> ").strip()
        except EOFError:
            print()
            return 0
        if not text:
            continue
        if text.lower() in QUIT_WORDS:
            return 0
        number += 1
        say(runtime, args, text, number)
        seen = _show_queued(runtime, seen)
        sys.stdout.flush()
