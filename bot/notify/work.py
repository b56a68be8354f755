"""企业微信应用消息 (WeChat Work app messages) to users, departments and tags: text ≤ 2048 bytes, markdown ≤ 4096.

Target ``{"touser": [...], "toparty": [...], "totag": [...]}``. WeChat accepts a message with some invalid
recipients and names them in ``invaliduser``/``invalidparty``/``invalidtag``; that is logged, not retried.
"""

from __future__ import annotations

import logging

from bot.notify.base import ByteLimits, DeliveryError, Outgoing
from bot.notify.clients import call_wechat

log = logging.getLogger(__name__)


def _ids(value) -> list[str]:
    if not value:
        return []
    return [str(item) for item in (value if isinstance(value, (list, tuple)) else [value])]


class WorkAppNotifier(ByteLimits):
    """Sends app messages as agent ``agent_id`` through a (shared-token) wechatpy enterprise client."""

    channel = "work"

    def __init__(self, client, agent_id: str) -> None:
        self.client = client
        self.agent_id = agent_id

    def send(self, message: Outgoing) -> None:
        users, parties, tags = (_ids(message.target.get(name)) for name in ("touser", "toparty", "totag"))
        if not (users or parties or tags):
            raise DeliveryError("work message without touser, toparty or totag", permanent=True)
        kind = "markdown" if message.msgtype == "markdown" else "text"
        body = {"msgtype": kind, kind: {"content": message.text}}
        result = call_wechat(
            self.client, "work message",
            lambda: self.client.message.send(self.agent_id, users, parties, tags, msg=body),
        )
        invalid = {name: result[name] for name in ("invaliduser", "invalidparty", "invalidtag") if result.get(name)}
        if invalid:
            log.warning("work message %s: some recipients are invalid (%s)", message.id, ", ".join(invalid))
