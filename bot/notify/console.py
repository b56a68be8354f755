"""Prints what would be sent: the notifier for local use (``python -m bot chat``, no WeChat credentials)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.notify.base import Outgoing


class ConsoleNotifier:
    """Writes each message to ``stream`` with its channel and target."""

    def __init__(self, stream: TextIO | None = None, channel: str = "console") -> None:
        self.stream = stream
        self.channel = channel

    def limit(self, msgtype: str) -> int:
        return 1 << 30

    def send(self, message: Outgoing) -> None:
        stream = self.stream or sys.stdout
        target = json.dumps(message.target, ensure_ascii=False, sort_keys=True)
        print(f"[→ {message.channel} {target}]\n{message.text}", file=stream, flush=True)
