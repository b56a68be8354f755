"""The enterprise's side of tickets in chat: filing (explicit and plain complaints, the confirming question, the
dialogue), follow-ups, status queries, ratings and how-to questions. Staff commands are in
:mod:`handlers.tickets.staff`.

In a group chat the bot only acknowledges in the group; the dialogue and the ticket's details continue 1:1
through a WeChat Work app message (the draft is kept in the user's 1:1 conversation, ``work`` channel).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.store.conversation import load_state, save_state
from bot.store.outbox import enqueue
from bot.store.tickets import AWAITING_RATING, RATINGS, Ticket, find_ticket
from handlers.help import HELP_TEXT
from handlers.tickets import dialogue, intent
from handlers.tickets.catalogue import load_catalogue
from handlers.tickets.clock import format_day
from handlers.tickets.followup import link_duplicates, match_follow_up, open_tickets_of
from handlers.tickets.masking import masked_logger
from handlers.tickets.notify import complainant_key
from handlers.tickets.render import enterprise_status, status_line
from handlers.tickets.routing import message_words, route_message
from handlers.tickets.service import Filing, open_ticket, perform
from handlers.tickets.states import Actor, TicketError
from handlers.types import Context, Handler, Incoming, Reply

log = masked_logger(__name__)
CONFIRM_TEXT = "您是想反映问题、登记诉求吗？回复“是”登记诉求，回复“不是”我按政策咨询为您解答。"
GROUP_ACK = "已收到。为保护隐私，我会私信您继续登记，群里不再展开细节。"
PROCESS_HELP = (
    "登记诉求：直接描述问题，或发送“投诉：……”“举报：……”“建议：……”。我会问清企业名称、联系电话和地点，"
    "生成编号（如 ZQ20261118001）并派给承办部门，按工作日限时办结；举报可以匿名，承办部门看不到您的身份。\n"
    "查询进度：发送“我的诉求”或“查询 编号”。办结后请回复 满意 / 基本满意 / 不满意 评价。"
)
RATING = re.compile(r"^\s*(评价\s*)?(?P<number>ZQ\d{11,12})?\s*(?P<rating>基本满意|不满意|满意)[\s,，。:：!！]*(?P<reason>.*)$", re.I)
FOLLOW_UP = re.compile(r"^\s*(补充|追加|再补充)(一下|说明|材料|情况)?[:：,，\s]*")
MY_TICKETS_LIMIT = 10
FORCED_FOLLOW_UP_DAYS = 365  # “补充……” goes to the latest open ticket of the last year


def _key(message: Incoming) -> str:
    return complainant_key(message.channel, message.user)


def _text(message: Incoming, ctx: Context) -> bool:
    return message.msg_type == "text" and bool(message.text.strip())


# -- the dialogue in progress ------------------------------------------------------------------------------


def in_dialogue(message: Incoming, ctx: Context) -> bool:
    state = ctx.state.get(dialogue.STATE_KEY) or {}
    return _text(message, ctx) and bool(state.get("draft") or state.get("confirm"))


def continue_dialogue(message: Incoming, ctx: Context) -> Reply | None:
    """An answer to the question asked, ``取消``, or (after the timeout) a new message routed afresh."""
    state = dialogue.conversation(ctx.state)
    pending = state.get("draft") or state.get("confirm")
    if dialogue.expired(pending, ctx.now, ctx.config):
        state.pop("draft", None)
        state.pop("confirm", None)
        later = _route_after(DIALOGUE_HANDLER, message, ctx)
        return Reply(dialogue.timeout_text(ctx.config) + ("\n\n" + later.text if later else ""))
    if dialogue.CANCEL.match(message.text):
        state.pop("draft", None)
        state.pop("confirm", None)
        return Reply(dialogue.CANCELLED_TEXT)
    if "confirm" in state:
        return _answer_confirmation(message, ctx, state)
    draft = state["draft"]
    retry = dialogue.take_answer(draft, message.text)
    draft["updated"] = ctx.now.isoformat()
    if retry:
        return Reply(retry)
    return Reply(_advance(ctx, message, draft, state))


def _answer_confirmation(message: Incoming, ctx: Context, state: dict) -> Reply | None:
    confirm = state.pop("confirm")
    original = replace(message, text=confirm["text"])
    if dialogue.YES.match(message.text):
        start = lambda target: _start(original, ctx, confirm["kind"], None, confirm["text"], target)  # noqa: E731
        return _private(original, ctx, start) if message.group else Reply(start(state))
    if dialogue.NO.match(message.text):
        from handlers import policy

        return policy.answer_question(original, ctx)
    return _route_after(DIALOGUE_HANDLER, message, ctx)  # something else: treat it as a new message


def _route_after(handler: Handler, message: Incoming, ctx: Context) -> Reply | None:
    """Route ``message`` through the handlers that come after ``handler``."""
    from handlers.router import HANDLERS, route

    later = HANDLERS[HANDLERS.index(handler) + 1:]
    return route(message, ctx, later)


# -- filing ------------------------------------------------------------------------------------------------


def _start(message: Incoming, ctx: Context, kind: str, anonymous: bool | None, body: str, state: dict) -> str:
    """Begin a draft for ``message`` in ``state`` (the 1:1 conversation's) and say the first thing."""
    catalogue = load_catalogue(ctx.config)
    routing = route_message(message.text, ctx.knowledge, catalogue)
    draft = dialogue.new_draft(kind, message.text, anonymous, routing, ctx.now, body)
    draft["channel"], draft["group"] = message.channel, message.group
    dialogue.prefill_from_history(ctx.session, draft, _key(message))
    state["draft"] = draft
    return _advance(ctx, message, draft, state)


def _advance(ctx: Context, message: Incoming, draft: dict, state: dict) -> str:
    """Ask the next question, or file the ticket when nothing is missing."""
    asking = dialogue.next_question(draft, list((ctx.config.get("tickets") or {}).get("ask_for", dialogue.FIELDS)))
    if asking is not None:
        draft["asking"] = asking
        return dialogue.QUESTIONS[asking]
    state.pop("draft", None)
    return _file(ctx, message, draft)


def _file(ctx: Context, message: Incoming, draft: dict) -> str:
    catalogue = load_catalogue(ctx.config)
    filing = Filing(
        kind=draft["kind"], text=draft["text"], channel=draft.get("channel", message.channel), user=message.user,
        group=draft.get("group"), company=draft.get("company", ""), contact=draft.get("contact", ""),
        location=draft.get("location", ""), anonymous=bool(draft.get("anonymous")), category=draft.get("category"),
        confident=draft.get("confident", False), evidence=tuple(draft.get("evidence", ())),
    )
    ticket = open_ticket(ctx.session, filing, ctx.now, ctx.config, catalogue)
    link_duplicates(ctx.session, ticket, lambda text: message_words(text, ctx.knowledge), ctx.now, ctx.config)
    department = ticket.department if ticket.state != "已受理" else f"{ticket.department}（正在确定承办部门）"
    anonymous = "\n匿名举报：承办部门看不到您的身份。" if ticket.anonymous else ""
    return (
        f"已登记您的{ticket.kind}，编号 {ticket.number}。\n承办部门：{department}\n"
        f"承诺答复：{format_day(ticket.due_date)}前（{ticket.limit_days}个工作日）{anonymous}\n"
        f"查询进度：发送“查询 {ticket.number}”或“我的诉求”。"
    )


def _private(message: Incoming, ctx: Context, start) -> Reply:
    """Run ``start(state)`` on the user's 1:1 conversation and send what it says there; acknowledge in the group."""
    state = load_state(ctx.session, "work", None, message.user)
    text = start(dialogue.conversation(state))
    save_state(ctx.session, "work", None, message.user, state)
    _tell_privately(message, ctx, f"您在群里反映的问题：\n{text}")
    return Reply(GROUP_ACK)


def may_be_filing(message: Incoming, ctx: Context) -> bool:
    return _text(message, ctx) and len(message.text.strip()) >= 2


def file_or_follow_up(message: Incoming, ctx: Context) -> Reply | None:
    """A complaint or suggestion starts the dialogue (or is appended to the open ticket it follows up); an unsure
    one gets the confirming question; anything else is left to the policy handler."""
    follow_up = FOLLOW_UP.match(message.text)
    if follow_up and open_tickets_of(ctx.session, _key(message), ctx.now - timedelta(days=FORCED_FOLLOW_UP_DAYS)):
        return _append(message, ctx, message.text[follow_up.end():] or message.text, forced=True)
    verdict = intent.classify(message.text, ctx.knowledge, ctx.scope)
    if verdict.name not in {intent.COMPLAINT, intent.SUGGESTION, intent.UNSURE}:
        return None
    appended = _append(message, ctx, message.text) if verdict.name != intent.SUGGESTION else None
    if appended is not None:
        return appended
    if verdict.name == intent.UNSURE:
        ctx.state.setdefault(dialogue.STATE_KEY, {})["confirm"] = {
            "text": message.text, "kind": verdict.kind, "started": ctx.now.isoformat(),
        }
        return Reply(CONFIRM_TEXT)
    start = lambda state: _start(message, ctx, verdict.kind, verdict.anonymous, verdict.body, state)  # noqa: E731
    if message.group:
        return _private(message, ctx, start)
    return Reply(start(dialogue.conversation(ctx.state)))


def _append(message: Incoming, ctx: Context, text: str, forced: bool = False) -> Reply | None:
    """Append ``text`` to the open ticket it follows up (the most recent one when ``forced``)."""
    key = _key(message)
    words = lambda value: message_words(value, ctx.knowledge)  # noqa: E731
    category = route_message(text, ctx.knowledge, load_catalogue(ctx.config)).category
    found = match_follow_up(ctx.session, key, text, category.name if category else "", words, ctx.now, ctx.config)
    if found is None and forced:
        recent = open_tickets_of(ctx.session, key, ctx.now - timedelta(days=FORCED_FOLLOW_UP_DAYS))
        found = (recent[0], 0.0) if recent else None
    if found is None:
        return None
    ticket = found[0]
    action = "恢复" if ticket.paused else "追加"
    perform(ctx.session, ticket, action, Actor.enterprise(key), ctx.now, ctx.config, note=text)
    extra = "，办理时限继续计算" if action == "恢复" else ""
    reply = f"已把这条补充到您的诉求 {ticket.number}（{ticket.state}，{ticket.department}）{extra}。如果这是另一件事，请发送“投诉：……”单独登记。"
    return _reply_to(message, ctx, reply, GROUP_ACK)


def _tell_privately(message: Incoming, ctx: Context, text: str) -> None:
    """Queue ``text`` for the user as a WeChat Work app message (the 1:1 continuation of a group message)."""
    key = f"tickets:group:{message.channel}:{message.group}:{message.msg_id or ctx.now.isoformat()}:{message.user}"
    enqueue(ctx.session, "work", {"touser": [message.user]}, text, key=key)


# -- status, ratings, how-to ------------------------------------------------------------------------------


def is_status(message: Incoming, ctx: Context) -> bool:
    return _text(message, ctx) and intent.is_status_query(message.text)


def show_status(message: Incoming, ctx: Context) -> Reply:
    """The asker's own ticket by number, or their recent tickets; never anyone else's."""
    key = _key(message)
    numbers = intent.ticket_numbers(message.text)
    if numbers:
        lines = []
        for number in numbers[:3]:
            ticket = find_ticket(ctx.session, number)
            if ticket is None or ticket.complainant != key:
                lines.append(f"没有找到您提交的诉求 {number}（只能查询本人提交的诉求）。")
            else:
                lines.append(enterprise_status(ticket, ctx.config))
        return _reply_to(message, ctx, "\n\n".join(lines))
    mine = list(ctx.session.scalars(select(Ticket).where(Ticket.complainant == key).order_by(Ticket.id.desc()).limit(MY_TICKETS_LIMIT)))
    if not mine:
        return _reply_to(message, ctx, "您还没有提交过诉求。直接描述问题，或发送“投诉：……”即可登记。")
    open_ones = [t for t in mine if t.is_open]
    if len(open_ones) == 1:
        return _reply_to(message, ctx, enterprise_status(open_ones[0], ctx.config))
    lines = [f"您最近的诉求（{len(mine)}件）："] + [status_line(t, ctx.config) for t in mine]
    lines.append("发送“查询 编号”看详情。")
    return _reply_to(message, ctx, "\n".join(lines))


def _reply_to(message: Incoming, ctx: Context, text: str, group_text: str = "已私信您诉求的办理情况。") -> Reply:
    """In a group the details go 1:1; the group only hears ``group_text``."""
    if message.group:
        _tell_privately(message, ctx, text)
        return Reply(group_text)
    return Reply(text)


def is_rating(message: Incoming, ctx: Context) -> bool:
    return _text(message, ctx) and bool(RATING.match(message.text))


def rate(message: Incoming, ctx: Context) -> Reply | None:
    """满意 / 基本满意 close the ticket; 不满意 reopens it as 重办 for the department."""
    match = RATING.match(message.text)
    key = _key(message)
    waiting = list(ctx.session.scalars(select(Ticket).where(Ticket.complainant == key, Ticket.state == AWAITING_RATING)))
    if match.group("number"):
        waiting = [t for t in waiting if t.number == match.group("number").upper()]
    if not waiting:
        return None if not match.group("number") else Reply(f"没有等待您评价的诉求 {match.group('number').upper()}。")
    if len(waiting) > 1:
        return Reply("您有几件诉求等待评价，请带上编号，例如：评价 " + waiting[0].number + " 满意")
    ticket, rating = waiting[0], match.group("rating")
    try:
        if rating == RATINGS[2]:
            perform(ctx.session, ticket, "重办", Actor.enterprise(key), ctx.now, ctx.config, note=match.group("reason").strip())
            return Reply(f"收到您的评价。诉求 {ticket.number} 已重新交{ticket.department}办理，{format_day(ticket.due_date)}前答复。")
        perform(ctx.session, ticket, "评价", Actor.enterprise(key), ctx.now, ctx.config, note=rating)
    except TicketError as refused:
        return Reply(str(refused))
    return Reply(f"感谢您的评价（{rating}）。诉求 {ticket.number} 已办结。")


def is_process_help(message: Incoming, ctx: Context) -> bool:
    return _text(message, ctx) and intent.is_help_request(message.text)


def process_help(message: Incoming, ctx: Context) -> Reply:
    text = message.text
    if any(word in text for word in ("投诉", "诉求", "举报", "反映", "查", "匿名", "泄露")):
        return Reply(PROCESS_HELP)
    return Reply(HELP_TEXT + "\n如需人工服务，请直接描述您的问题，工作人员会通过工单跟进。")


DIALOGUE_HANDLER = Handler("tickets-dialogue", in_dialogue, continue_dialogue)
RATING_HANDLER = Handler("tickets-rating", is_rating, rate)
STATUS_HANDLER = Handler("tickets-status", is_status, show_status)
HELP_HANDLER = Handler("tickets-help", is_process_help, process_help)
FILING_HANDLER = Handler("tickets-filing", may_be_filing, file_or_follow_up)
