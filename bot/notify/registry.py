"""The notifiers for a configuration: each channel whose credentials are set, plus the console."""

from __future__ import annotations

from typing import Any, TextIO

import requests
from sqlalchemy.orm import Session, sessionmaker

from bot.notify.aibot import AibotNotifier
from bot.notify.base import Notifier
from bot.notify.clients import SharedTokenOfficialAccountClient, SharedTokenWorkClient, make_client
from bot.notify.console import ConsoleNotifier
from bot.notify.mp import OfficialAccountNotifier
from bot.notify.robot import RobotNotifier
from bot.notify.work import WorkAppNotifier
from bot.store.tokens import DatabaseTokenStorage


def build_notifiers(
    config: dict[str, Any],
    sessions: sessionmaker[Session],
    http: requests.Session | None = None,
    stream: TextIO | None = None,
) -> dict[str, Notifier]:
    """Notifiers by outbox channel. ``http`` is the requests session every outbound call goes through."""
    wechat = config["wechat"]
    http = http or requests.Session()
    timeout = float(wechat.get("api_timeout_seconds", 10))
    storage = DatabaseTokenStorage(sessions)
    notifiers: dict[str, Notifier] = {
        "console": ConsoleNotifier(stream),
        "aibot": AibotNotifier(http, timeout),
    }
    if wechat.get("group_robots"):
        robots = {str(name): str(url) for name, url in wechat["group_robots"].items()}
        notifiers["robot"] = RobotNotifier(robots, http, sessions, int(wechat.get("robot_per_minute", 20)), timeout)
    work = wechat["work"]
    if work.get("corp_id") and work.get("secret") and work.get("agent_id"):
        client = make_client(SharedTokenWorkClient, str(work["corp_id"]), str(work["secret"]), storage, http, timeout)
        notifiers["work"] = WorkAppNotifier(client, str(work["agent_id"]))
    mp = wechat["mp"]
    if mp.get("app_id") and mp.get("app_secret"):
        client = make_client(SharedTokenOfficialAccountClient, str(mp["app_id"]), str(mp["app_secret"]), storage, http, timeout)
        notifiers["mp"] = OfficialAccountNotifier(client, sessions)
    return notifiers

