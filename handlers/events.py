"""Messages that are not text: follow/enter events get the welcome, other events no answer, media a hint.

Channels pass these through the router like any message (``Incoming.msg_type`` ``event``/``image``/...);
an empty ``Reply`` text means "say nothing" (the channel answers WeChat with its empty reply).
"""

from __future__ import annotations

from handlers.help import HELP_TEXT
from handlers.types import Context, Handler, Incoming, Reply

WELCOME_EVENTS = {"subscribe", "subscribe_scan", "enter_agent", "enter_chat"}
TEXT_ONLY_TEXT = "目前我只能读懂文字消息，请用文字描述您的问题，例如“小微企业办电要多少天？”。"


def is_not_text(message: Incoming, ctx: Context) -> bool:
    return message.msg_type != "text"


def answer_not_text(message: Incoming, ctx: Context) -> Reply:
    """The welcome for a new follower or an opened chat, silence for other events, a hint for media."""
    if message.msg_type == "event":
        return Reply(HELP_TEXT if (message.event or "") in WELCOME_EVENTS else "")
    return Reply(TEXT_ONLY_TEXT)


HANDLER = Handler("not-text", is_not_text, answer_not_text)
