"""帮助 / 你好: what the bot can do."""

from __future__ import annotations

import re

from handlers.types import Context, Handler, Incoming, Reply

HELP_TEXT = (
    "您好，我是政企通，营商环境办的智能助手。\n"
    "1. 政策咨询：直接提问，如“小微企业办电要多少天？”，回复“全文”看条款全文、“相关”看相关条款。\n"
    "2. 诉求/投诉/举报：发送“投诉：……”或直接描述问题，我会登记并派单，限时办结。\n"
    "3. 查询进度：发送“我的诉求”或“查询 编号”。\n"
    "4. 政策订阅：发送“订阅 长春 政策”，“我的订阅”，“退订”。"
)

_HELP = re.compile(r"^\s*(帮助|help|\?|？|菜单|你好|您好|hi|hello|在吗|功能)[\s!！。.~？?]*$", re.IGNORECASE)


def is_help(message: Incoming, ctx: Context) -> bool:
    return message.msg_type == "text" and bool(_HELP.match(message.text))


def show_help(message: Incoming, ctx: Context) -> Reply:
    return Reply(HELP_TEXT)


HANDLER = Handler("help", is_help, show_help)
