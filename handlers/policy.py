"""Policy questions: the answer (clause heading, the sentences that answer, source, lead department), "您是不是想问"
with numbered candidates, or an honest "not found" logged for staff (chit-chat — 谢谢, 收到, 讲个笑话 — gets a
short hint instead and is not put before staff); and the follow-ups ``1``/``2``/``3``, ``全文`` and ``相关``.

State kept under ``ctx.state["policy"]``: ``last`` (the clause key last shown) and ``choices`` (the clause keys
offered as numbered candidates).
"""

from __future__ import annotations

import re

from bot.store.questions import SMALL_TALK, log_question
from bot.textsplit import TEXT_LIMIT, byte_length
from handlers.types import Context, Handler, Incoming, Reply
from knowledge.analyzer import Analyzer, fold
from knowledge.features import unstated_figures
from knowledge.ingest.fields import strip_annotations
from knowledge.match import ANSWER, CHOICES, Answer, Match, key_sentences
from knowledge.model import Clause, Document
from knowledge.places import NATIONAL

STATE_KEY = "policy"
NOT_FOUND_TEXT = (
    "抱歉，现有政策文件里没有找到能回答这个问题的条款，已记录并转工作人员跟进。\n"
    "您可以换个说法再问，或发送“帮助”查看我能做什么。"
)
UNSERVED_NOT_FOUND_TEXT = "抱歉，知识库里还没有{places}的政策文件，国家层面的规定里也没有找到对应条款，已记录并转工作人员跟进。"
SMALL_TALK_TEXT = "我是政企通：营商环境政策问题、企业诉求都可以@我。发送“帮助”查看我能做什么。"
FOLLOW_UP_HINT = "回复“全文”看条款全文，“相关”看相关条款。"
ASK_FIRST_TEXT = "请先@我问一个政策问题，我答复后再发“全文”看条款全文、“相关”看相关条款。"
PICK_FIRST_TEXT = "请先回复序号 1、2 或 3 选一条，再发“全文”或“相关”。"
_CHOICE = re.compile(r"^\s*([1-3１-３])\s*[.。、]?\s*$")
_FULL = re.compile(r"^\s*(全文|原文|看全文|完整条款|详细)\s*[。.!！]?\s*$")
_RELATED = re.compile(r"^\s*(相关|相关条款|相关政策|还有呢|类似的)\s*[。.!！?？]?\s*$")
MIN_QUESTION_CHARS = 2


def _state(ctx: Context) -> dict:
    return ctx.state.setdefault(STATE_KEY, {})


def cite(document: Document, clause: Clause) -> str:
    """``《title》第三十三条（issuer，date）`` — where a clause comes from."""
    meta = "，".join(part for part in (document.issuer, document.date) if part)
    return f"《{document.title}》{clause.number}" + (f"（{meta}）" if meta else "")


def render_answer(
    match: Match, question: str, analyzer: Analyzer, places: list[str] | None = None, unserved: list[str] | None = None
) -> str:
    """The answer a user sees: heading, the sentences that answer, source, lead department, within 2048 bytes.
    When the question named ``places`` and the clause is another place's, or national law for a place no
    document binds (``unserved``), the answer says so first."""
    clause, document = match.clause, match.document
    # the lead department and deadline brackets are shown on lines of their own below
    sentences = [strip_annotations(sentence) for sentence in key_sentences(analyzer, clause, question, limit=2)]
    note = _elsewhere_note(document, places or [], analyzer) or (_national_note(unserved) if document.region == NATIONAL else "")
    lines = [note, f"【{clause.heading}】" if clause.heading else "", "".join(sentences)]
    lines.append(_unstated_note(question, clause))
    lines.append(f"出处：{cite(document, clause)}")
    if clause.departments:
        lines.append(f"牵头部门：{'、'.join(clause.departments)}")
    if clause.deadline:
        lines.append(f"完成时限：{clause.deadline}")
    lines.append(FOLLOW_UP_HINT)
    text = "\n".join(line for line in lines if line)
    return _fit(text, TEXT_LIMIT)


def _elsewhere_note(document: Document, places: list[str], analyzer: Analyzer) -> str:
    """``注：…`` when the clause binds neither the places asked about, nor a place containing them, nor the country."""
    region = document.region
    if not places or not region or region == "全国":
        return ""
    if any(region in analyzer.region_chain(place) or place in analyzer.region_chain(region) for place in places):
        return ""
    return f"注：{'、'.join(places)}的政策文件里没有找到对应条款，以下是{region}的规定，仅供参考。"


def _national_note(unserved: list[str] | None) -> str:
    """``注：…`` when the question named places no document binds, and so only national law answers it."""
    if not unserved:
        return ""
    return f"注：知识库里还没有{'、'.join(unserved)}的本地政策文件，以下是国家层面的规定。"


def _unstated_note(question: str, clause: Clause) -> str:
    """``注：…`` when the question asks for a sum, rate, head count, time limit, date, phone number or criteria the
    clause does not state: the clause is the policy on the matter, but the figure has to come from the department."""
    missing = unstated_figures(fold(question), clause.text)
    if not missing:
        return ""
    ask = f"可咨询牵头部门（{'、'.join(clause.departments)}）" if clause.departments else "可咨询主管部门"
    return f"注：这一条没有写明您问的具体{'、'.join(missing)}，{ask}。"


def _fit(text: str, limit: int) -> str:
    """Shorten the longest line of ``text`` until the whole fits in ``limit`` bytes."""
    while byte_length(text) > limit:
        lines = text.split("\n")
        longest = max(range(len(lines)), key=lambda i: byte_length(lines[i]))
        overflow = byte_length(text) - limit + 3
        keep = max(10, len(lines[longest]) - overflow // 2 - 1)
        lines[longest] = lines[longest][:keep] + "…"
        text = "\n".join(lines)
    return text


def render_choices(matches: list[Match], unserved: list[str] | None = None) -> str:
    lines = [_national_note(unserved)] if unserved and all(m.document.region == NATIONAL for m in matches[:3]) else []
    lines.append("您是不是想问：")
    for number, match in enumerate(matches[:3], start=1):
        lines.append(f"{number}. {match.clause.heading or match.clause.text[:30]}（{cite(match.document, match.clause)}）")
    lines.append("请回复序号 1、2 或 3 查看。")
    return _fit("\n".join(lines), TEXT_LIMIT)


def compose_reply(result: Answer, analyzer: Analyzer) -> str:
    """What the bot says for a matched question: the answer, the candidates, the chit-chat hint, or not found."""
    if result.small_talk:
        return SMALL_TALK_TEXT
    if result.outcome == ANSWER:
        return render_answer(result.matches[0], result.question, analyzer, result.regions, result.unserved)
    if result.outcome == CHOICES:
        return render_choices(result.matches, result.unserved)
    if result.unserved:
        return UNSERVED_NOT_FOUND_TEXT.format(places="、".join(result.unserved))
    return NOT_FOUND_TEXT


# -- the question ---------------------------------------------------------------------------------------


def is_question(message: Incoming, ctx: Context) -> bool:
    return message.msg_type == "text" and len(message.text.strip()) >= MIN_QUESTION_CHARS


def answer_question(message: Incoming, ctx: Context) -> Reply:
    """Answer a policy question from the knowledge base, preferring the chat's region."""
    result: Answer = ctx.knowledge.ask(message.text, scope=ctx.scope)
    state = _state(ctx)
    best = result.matches[0] if result.matches else None
    log_question(
        ctx.session,
        channel=message.channel,
        user=message.user,
        group=message.group,
        text=message.text,
        outcome=SMALL_TALK if result.small_talk else result.outcome,
        clause_key=best.clause.key if best and result.outcome == ANSWER else None,
        score=best.score if best else 0.0,
        asked_at=ctx.now,
    )
    state.pop("choices", None)
    state.pop("last", None)  # 全文 / 相关 refer to this question's answer, never to an earlier one
    if result.outcome == ANSWER and best is not None:
        state["last"] = best.clause.key
    elif result.outcome == CHOICES:
        state["choices"] = [m.clause.key for m in result.matches[:3]]
        state["question"] = message.text
    return Reply(compose_reply(result, ctx.knowledge.analyzer))


# -- follow-ups -----------------------------------------------------------------------------------------


def is_follow_up(message: Incoming, ctx: Context) -> bool:
    if message.msg_type != "text":
        return False
    state = ctx.state.get(STATE_KEY) or {}
    text = message.text.strip()
    if _CHOICE.match(text):
        return bool(state.get("choices"))
    return bool(_FULL.match(text) or _RELATED.match(text))  # with no answer to refer to, a hint (not a question)


def answer_follow_up(message: Incoming, ctx: Context) -> Reply | None:
    """``1``/``2``/``3`` picks a candidate, ``全文`` shows the whole clause, ``相关`` lists related clauses."""
    state = _state(ctx)
    text = message.text.strip()
    choice = _CHOICE.match(text)
    if choice:
        keys = state.get("choices") or []
        index = int(choice.group(1).translate(str.maketrans("１２３", "123"))) - 1
        if index >= len(keys):
            return Reply(f"请回复 1 到 {len(keys)} 之间的序号。")
        found = ctx.knowledge.clause(keys[index])
        if found is None:
            return None
        document, clause = found
        state["last"] = clause.key
        state.pop("choices", None)
        return Reply(render_answer(Match(clause, document, 1.0), state.get("question", ""), ctx.knowledge.analyzer))
    found = ctx.knowledge.clause(state["last"]) if state.get("last") else None
    if found is None:
        state.pop("last", None)
        return Reply(PICK_FIRST_TEXT if state.get("choices") else ASK_FIRST_TEXT)
    document, clause = found
    if _FULL.match(text):
        heading = f"【{clause.heading}】\n" if clause.heading else ""
        return Reply(f"{heading}{clause.number} {clause.text}\n出处：{cite(document, clause)}")
    related = ctx.knowledge.related(clause.key, limit=3)
    if not related:
        return Reply("没有找到与这一条相关的其他条款。")
    state["choices"] = [m.clause.key for m in related]
    return Reply(render_choices(related).replace("您是不是想问：", "相关条款："))


FOLLOW_UP_HANDLER = Handler("policy-follow-up", is_follow_up, answer_follow_up)
QUESTION_HANDLER = Handler("policy-question", is_question, answer_question)
