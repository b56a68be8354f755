"""The XML messages of the Official Account and the WeChat Work app, as :class:`Incoming` values.

Both deliver the same shapes (``MsgType`` text/image/voice/.../event); wechatpy's message and event classes read
the fields. Voice messages with WeChat's speech recognition (``Recognition``) are treated as the text said.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

from bot.channels.inbound import Received
from bot.channels.security import RejectedRequest
from handlers.types import Incoming


def to_received(data: dict[str, Any], channel: str, message_types: Mapping[str, type], event_types: Mapping[str, type]) -> Received | None:
    """The message in ``data`` (a parsed callback) as a Received, or None for a type wechatpy does not know."""
    msg_type = str(data.get("MsgType") or "").lower()
    sender = data.get("FromUserName")
    if not msg_type or not sender or not isinstance(sender, str):
        raise RejectedRequest(400, "incomplete-message")
    if msg_type == "event":
        event = str(data.get("Event") or "").lower()
        message_class = event_types.get(event)
        if message_class is None:
            return None
        message = message_class(data)
        dedup_key = f"{message.source}:{data.get('CreateTime', '')}"
        msg_id = "ev" + hashlib.sha1(dedup_key.encode("utf-8")).hexdigest()[:16]  # unique, and no openid in logs
        incoming = Incoming(channel=channel, user=message.source, text="", msg_id=msg_id, msg_type="event", event=event)
        return Received(incoming, dedup_key)
    message_class = message_types.get(msg_type)
    if message_class is None:
        return None
    message = message_class(data)
    msg_id = str(data.get("MsgId") or "")
    if not msg_id:
        raise RejectedRequest(400, "missing-msgid")
    text = getattr(message, "content", None) or ""
    recognition = getattr(message, "recognition", None)
    if msg_type == "voice" and recognition:
        msg_type, text = "text", recognition
    incoming = Incoming(channel=channel, user=message.source, text=text, msg_id=msg_id, msg_type=msg_type)
    return Received(incoming, msg_id)
