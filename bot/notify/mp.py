"""公众号客服消息 (Official Account customer-service messages): only within 48 hours of the user's last message.

Target ``{"openid": ...}``. The last-seen time comes from ``bot.store.inbound`` (every message the user sends is
recorded there); outside the window the row fails at once with a clear reason instead of being retried.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.notify.base import ByteLimits, DeliveryError, Outgoing
from bot.notify.clients import call_wechat
from bot.store.base import session_scope, utcnow
from bot.store.inbound import last_seen

SERVICE_WINDOW = timedelta(hours=48)


class OfficialAccountNotifier(ByteLimits):
    """Customer-service text messages through a (shared-token) wechatpy client."""

    channel = "mp"

    def __init__(self, client, sessions: sessionmaker[Session]) -> None:
        self.client = client
        self.sessions = sessions

    def send(self, message: Outgoing) -> None:
        openid = str(message.target.get("openid") or "")
        if not openid:
            raise DeliveryError("mp message without openid", permanent=True)
        with session_scope(self.sessions) as session:
            seen = last_seen(session, "mp", openid)
        if seen is None or utcnow() - seen > SERVICE_WINDOW:
            raise DeliveryError("mp: the user has not written within 48 hours (customer-service window closed)", permanent=True)
        call_wechat(self.client, "mp customer-service message", lambda: self.client.message.send_text(openid, message.text))
