"""The filing dialogue: from a complaint to a ticket in as few questions as possible.

The draft lives in the conversation state (``state["tickets"]["draft"]``, stored in the database by the runtime),
so a restart in the middle loses nothing. What the message itself says is taken from it (a phone number, a name
ending in 公司/厂/店 …, a place); what an earlier ticket of the same enterprise said is reused; only what is still
missing of ``tickets.ask_for`` is asked, one question at a time. An anonymous 举报 is not asked who it is.
``取消`` drops the draft; after ``tickets.dialogue_timeout_minutes`` it is dropped with a polite word.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.tickets import Ticket

STATE_KEY = "tickets"
FIELDS = ("company", "contact", "location")
QUESTIONS = {
    "describe": "请简要描述您要反映的问题（发生了什么、涉及哪个部门或单位）：",
    "anonymous": "需要匿名吗？匿名后承办部门看不到您的身份，办理结果仍会告诉您。请回复“匿名”或“实名”。",
    "company": "请问您的企业（单位）名称是？",
    "contact": "请留一个联系电话，方便承办部门联系您：",
    "location": "问题发生在哪里？请说明区县、街道或园区：",
}
RETRY = {"contact": "没有识别到电话号码，请再发一次（如 13812345678 或 0431-88886666），或回复“跳过”。"}
TIMEOUT_TEXT = "您之前登记的诉求超过{minutes}分钟没有补全，已自动取消（没有生成工单）。如需登记，请重新描述问题。"
CANCELLED_TEXT = "好的，已取消这次登记。如需登记，随时告诉我。"
CANCEL = re.compile(r"^\s*(取消|算了|不用了|不登记了|退出)\s*[。.!！]?\s*$")
SKIP = re.compile(r"^\s*(跳过|不方便|没有|不提供|略)\s*[。.!！]?\s*$")
YES = re.compile(r"^\s*(是|是的|对|对的|嗯|好|好的|要|登记|需要|确认|是，?登记)\s*[。.!！]?\s*$")
NO = re.compile(r"^\s*(不是|不|否|不用|不要|咨询|只是咨询|问问)\s*[。.!！]?\s*$")
ANONYMOUS = re.compile(r"匿名")
NAMED = re.compile(r"实名")
PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
COMPANY = re.compile(r"([\u4e00-\u9fffA-Za-z0-9（）()]{2,30}?(有限责任公司|股份有限公司|有限公司|公司|集团|厂|店|中心|合作社|工作室|事务所|医院|诊所|酒店|饭店|餐馆|超市))")


SPEAKER = re.compile(r"^(我们是|我是|我们|我司是|我司|本公司是|这里是|这边是)")
NOT_THE_SENDER = ("供电", "燃气", "自来水", "供暖", "物业", "劳务", "装修", "平台", "总包", "隔壁", "有家", "一家", "某")


def conversation(state: dict[str, Any]) -> dict[str, Any]:
    """This feature's part of a conversation state."""
    return state.setdefault(STATE_KEY, {})


def extract_fields(text: str) -> dict[str, str]:
    """The contact, company and location ``text`` itself gives, where it gives them."""
    found: dict[str, str] = {}
    phone = PHONE.search(text)
    if phone:
        found["contact"] = phone.group(1)
    company = COMPANY.search(text)
    if company:
        name = SPEAKER.sub("", company.group(1))
        if len(name) >= 4 and not name.startswith(NOT_THE_SENDER):
            found["company"] = name
    return found


def new_draft(kind: str, text: str, anonymous: bool | None, routing: Any, now: datetime, body: str) -> dict[str, Any]:
    """A draft for ``text``; ``routing`` is the catalogue's verdict on it."""
    draft = {
        "kind": kind,
        "text": text if len(body) >= 4 else "",
        "anonymous": anonymous if kind == "举报" else False,
        "category": routing.category.name if routing and routing.category else None,
        "confident": bool(routing and routing.confident),
        "evidence": list(routing.evidence[:3]) if routing else [],
        "started": now.isoformat(),
        "updated": now.isoformat(),
        "asking": None,
        "retries": 0,
    }
    draft.update(extract_fields(text))
    return draft


def prefill_from_history(session: Session, draft: dict[str, Any], complainant: str) -> None:
    """Reuse the company and contact of the enterprise's last named ticket."""
    last = session.scalars(
        select(Ticket).where(Ticket.complainant == complainant, Ticket.anonymous.is_(False)).order_by(Ticket.id.desc())
    ).first()
    if last is None:
        return
    for name in ("company", "contact"):
        if not draft.get(name) and getattr(last, name):
            draft[name] = getattr(last, name)


def next_question(draft: dict[str, Any], ask_for: list[str]) -> str | None:
    """The next thing to ask (``describe``, ``anonymous`` or a field), or None when the draft is complete."""
    if not draft.get("text"):
        return "describe"
    if draft["kind"] == "举报" and draft.get("anonymous") is None:
        return "anonymous"
    for name in FIELDS:
        if name not in ask_for or name in draft:
            continue
        if draft.get("anonymous") and name in {"company", "contact"}:
            continue
        return name
    return None


def take_answer(draft: dict[str, Any], text: str) -> str | None:
    """Put the answer to the question being asked into ``draft``; returns a retry prompt when it does not fit."""
    asking = draft.get("asking")
    text = text.strip()
    if asking == "describe":
        draft["text"] = text
        draft.update({k: v for k, v in extract_fields(text).items() if k not in draft})
        return None
    if asking == "anonymous":
        if ANONYMOUS.search(text) or NAMED.search(text):
            draft["anonymous"] = bool(ANONYMOUS.search(text)) and not text.startswith("不")
            return None
        return QUESTIONS["anonymous"]
    if asking in FIELDS and SKIP.match(text):
        draft[asking] = ""
        return None
    if asking == "contact":
        phone = PHONE.search(text)
        if phone is None:
            draft["retries"] = draft.get("retries", 0) + 1
            if draft["retries"] > 1:
                draft["contact"] = ""
                return None
            return RETRY["contact"]
        draft["contact"] = phone.group(1)
        rest = PHONE.sub(" ", text)
        if "company" not in draft and COMPANY.search(rest):
            draft["company"] = COMPANY.search(rest).group(1)
        return None
    if asking in FIELDS:
        others = extract_fields(text)
        draft[asking] = text[:120] if asking != "company" else others.get("company", text[:60])
        draft.update({k: v for k, v in others.items() if k not in draft})
    return None


def expired(entry: Mapping[str, Any], now: datetime, config: Mapping[str, Any]) -> bool:
    """Whether a draft or pending confirmation was last touched longer ago than the dialogue timeout."""
    minutes = int((config.get("tickets") or {}).get("dialogue_timeout_minutes", 30))
    touched = datetime.fromisoformat(entry.get("updated") or entry.get("started"))
    return now - touched > timedelta(minutes=minutes)


def timeout_text(config: Mapping[str, Any]) -> str:
    return TIMEOUT_TEXT.format(minutes=int((config.get("tickets") or {}).get("dialogue_timeout_minutes", 30)))
