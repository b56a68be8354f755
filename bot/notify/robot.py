"""群机器人 (group robot) webhooks: text (≤ 2048 bytes) or markdown (≤ 4096), at most 20 messages a minute each.

The limit is kept across processes with a database rate bucket per robot (``robot:<name>``): a message over it
is put back with ``not_before`` at the moment a slot frees, without using up an attempt.
"""

from __future__ import annotations

from typing import Any

import requests
from sqlalchemy.orm import Session, sessionmaker

from bot.notify.base import ByteLimits, DeliveryError, Outgoing, post_json
from bot.store.base import session_scope, utcnow
from bot.store.ratelimit import take_slot


def robot_payload(message: Outgoing) -> dict[str, Any]:
    """The webhook body; ``target.mention`` (user ids) are @-mentioned in a text message."""
    if message.msgtype == "markdown":
        return {"msgtype": "markdown", "markdown": {"content": message.text}}
    text: dict[str, Any] = {"content": message.text}
    if message.target.get("mention"):
        text["mentioned_list"] = list(message.target["mention"])
    return {"msgtype": "text", "text": text}


class RobotNotifier(ByteLimits):
    """Sends to the webhooks named in ``wechat.group_robots``."""

    channel = "robot"

    def __init__(self, robots: dict[str, str], http: requests.Session, sessions: sessionmaker[Session], per_minute: int = 20, timeout: float = 10) -> None:
        self.robots = robots
        self.http = http
        self.sessions = sessions
        self.per_minute = per_minute
        self.timeout = timeout

    def send(self, message: Outgoing) -> None:
        name = str(message.target.get("robot") or "")
        url = self.robots.get(name)
        if not url:
            raise DeliveryError(f"robot {name!r} is not in wechat.group_robots", permanent=True)
        with session_scope(self.sessions) as session:
            free_at = take_slot(session, f"robot:{name}", self.per_minute, 60, utcnow())
        if free_at is not None:
            raise DeliveryError(f"robot {name}: {self.per_minute} messages a minute", retry_at=free_at, counts_attempt=False)
        post_json(self.http, url, robot_payload(message), self.timeout, f"robot {name}")
