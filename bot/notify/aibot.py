"""Replies into a group through the 智能机器人's ``response_url`` (given with each callback, usable once, for an hour).

Target ``{"chatid", "userid", "response_url"}``; the message is markdown addressed to the asker. A
``response_url`` can be called once only, so a long answer is sent whole (up to 20480 bytes) rather than split.
"""

from __future__ import annotations

import requests

from bot.channels.aibot import addressed
from bot.notify.base import DeliveryError, Outgoing, post_json

RESPONSE_LIMIT = 20480


class AibotNotifier:
    """POSTs markdown to the callback's ``response_url``."""

    channel = "aibot"

    def __init__(self, http: requests.Session, timeout: float = 10) -> None:
        self.http = http
        self.timeout = timeout

    def limit(self, msgtype: str) -> int:
        return RESPONSE_LIMIT

    def send(self, message: Outgoing) -> None:
        url = str(message.target.get("response_url") or "")
        if not url.startswith("https://"):
            raise DeliveryError("aibot message without an https response_url", permanent=True)
        content = addressed(message.text, message.target.get("userid"))
        post_json(self.http, url, {"msgtype": "markdown", "markdown": {"content": content}}, self.timeout, "aibot response")
