"""The router: the one place every message goes through, whatever its channel.

Handlers are tried in the order of :data:`HANDLERS`; the first that answers wins. A handler that raises
is rolled back to a savepoint, logged without the message text, and the user gets an apology.
"""

from __future__ import annotations

import logging
from typing import Sequence

from handlers import events
from handlers import help as help_handler
from handlers import policy, subscriptions
from handlers.reminders import commands as reminder_commands
from handlers.tickets import chat as tickets
from handlers.tickets import staff as ticket_staff
from handlers.types import Context, Handler, Incoming, Reply

log = logging.getLogger(__name__)

# Order matters: conversation follow-ups before new intents, specific commands before free text,
# the policy question (which answers almost anything) near the end.
HANDLERS: list[Handler] = [
    events.HANDLER,
    help_handler.HANDLER,
    tickets.DIALOGUE_HANDLER,  # a filing dialogue in progress (or its confirming question)
    ticket_staff.HANDLER,  # 派单 / 签收 / 回复 / 办结 / 退单 / 督办 … from staff
    tickets.RATING_HANDLER,  # 满意 / 基本满意 / 不满意 for a ticket awaiting rating
    tickets.STATUS_HANDLER,  # 查询 ZQ… / 我的诉求
    tickets.HELP_HANDLER,  # 怎么投诉 / 举报可以匿名吗
    subscriptions.HANDLER,
    reminder_commands.HANDLER,
    policy.FOLLOW_UP_HANDLER,
    tickets.FILING_HANDLER,  # explicit and plain complaints, follow-ups; declines policy questions
    policy.QUESTION_HANDLER,
]

FALLBACK_TEXT = "抱歉，我没有理解您的意思。发送“帮助”查看我能做什么。"
ERROR_TEXT = "抱歉，处理您的消息时出了点问题，已记录，请稍后再试。"


def route(message: Incoming, ctx: Context, handlers: Sequence[Handler] | None = None) -> Reply:
    """Find the first handler that answers ``message`` and return its reply."""
    for handler in HANDLERS if handlers is None else handlers:
        if not handler.matches(message, ctx):
            continue
        savepoint = ctx.session.begin_nested()
        try:
            reply = handler.handle(message, ctx)
        except Exception:
            savepoint.rollback()
            log.exception("handler %s failed on %s message %s", handler.name, message.channel, message.msg_id)
            return Reply(ERROR_TEXT, mention=message.user if message.group else None)
        savepoint.commit()
        if reply is not None:
            if message.group and reply.mention is None:
                reply.mention = message.user
            return reply
    return Reply(FALLBACK_TEXT, mention=message.user if message.group else None)
