"""What a clause says about itself: its short title, its lead departments and its deadline."""

from __future__ import annotations

import re

# A bracket that names who leads: "（市市场监管局牵头，…按职责分工负责）", "（牵头部门：区政数局）",
# "（“开办企业”指标组负责，市市场监管局牵头）", "（市消防救援支队负责）".
_BRACKET = re.compile(r"[（(]([^（()）]{2,200})[）)]")
_LABELLED = re.compile(r"(?:牵头部门|牵头单位|责任单位|责任部门|主责单位|牵头)[:：]\s*([^（()）。；;\n]+)")
_LEADS = re.compile(r"([^，,；;：:]+?)(?:共同)?牵头(?![部单])")
_RESPONSIBLE = re.compile(r"^([^，,；;：:]+?)(?:按职责分工|按照职责分工|分别|共同)?负责$")
_SPLIT = re.compile(r"[、，,；;]|\s+")
_QUOTED_GROUP = re.compile(r"^“[^”]*”指标组$|指标组$")

_DEADLINE_BRACKET = re.compile(r"[（(]\s*(?:完成时限|完成时间|时限要求|时间节点|时限)[:：]\s*([^（()）]+?)\s*[）)]")
_DEADLINE_LABEL = re.compile(r"(?:完成时限|完成时间|时限要求)[:：]\s*([^，。；;（()）\n]+)")
_DEADLINE_PHRASES = re.compile(
    r"(每(?:月|季度?|半年|年|周)(?:末|底|初|\d{1,2}日)?(?:之)?前"
    r"|每(?:季度?|月|年|半年)(?:末|底)"
    r"|(?:每年|\d{4}年)?\d{1,2}月(?:底|末|上旬|中旬|下旬|\d{1,2}日)?(?:之)?前(?!未)"
    r"|年(?:底|末)(?:之)?前)"
)
_TITLE_PREFIX_CLEAN = re.compile(r"[。：:；;，,\s]+$")
# "区营商环境办负责…", "区网格化管理中心安排专人…": a local organ opening a sentence as the one who acts.
_ACTING_ORGAN = re.compile(
    r"(?:^|[。；;\n])\s*((?:区|市|县|新区)[\u4e00-\u9fff]{1,14}?(?:办公室|办|局|委|中心|支队|法院|检察院|分局|公司))"
    r"(?=负责|牵头|安排|会同|联合|要|将|通过|根据)"
)


def extract_departments(text: str) -> tuple[str, ...]:
    """The lead departments named in ``text`` (a heading line or a clause), in order, without repeats."""
    found: list[str] = []
    for match in _LABELLED.finditer(text):
        found.extend(_split_departments(match.group(1)))
    if not found:
        for match in _BRACKET.finditer(text):
            found.extend(_departments_in_bracket(match.group(1)))
    return tuple(dict.fromkeys(name for name in found if name))


def acting_departments(text: str) -> tuple[str, ...]:
    """For a measure that names no lead department in brackets, the local organs that open its sentences as
    the ones who act (``区营商环境办负责…`` → ``区营商环境办``)."""
    return tuple(dict.fromkeys(match.group(1) for match in _ACTING_ORGAN.finditer(text)))


def _departments_in_bracket(inner: str) -> list[str]:
    inner = inner.strip()
    if "牵头" in inner:
        leads = [m.group(1) for m in _LEADS.finditer(inner)]
        return [name for lead in leads for name in _split_departments(lead)]
    if inner.endswith("负责"):
        match = _RESPONSIBLE.match(inner)
        if match and len(inner) <= 120:
            return _split_departments(match.group(1))
    return []


def _split_departments(text: str) -> list[str]:
    names = []
    for part in _SPLIT.split(text):
        part = part.strip("“”\"' 等")
        if part.endswith("等部门"):
            part = part[:-3]
        if len(part) >= 2 and not _QUOTED_GROUP.search(part) and not part.startswith("“"):
            names.append(part)
    return names


def strip_annotations(text: str) -> str:
    """``text`` without department and deadline brackets (for a clean heading)."""
    def drop(match: re.Match[str]) -> str:
        inner = match.group(1)
        if _departments_in_bracket(inner) or _LABELLED.search(inner) or _DEADLINE_BRACKET.match(match.group(0)):
            return ""
        return match.group(0)

    return _BRACKET.sub(drop, text).strip()


def extract_deadline(text: str) -> str | None:
    """The deadline as written: ``10月31日``, ``11月4日完成并长期坚持``, ``每月25日前；每季末``; None when there is none."""
    found = [m.group(1).strip() for m in _DEADLINE_BRACKET.finditer(text)]
    if not found:
        found = [m.group(1).strip() for m in _DEADLINE_LABEL.finditer(text)]
    if not found:
        found = [m.group(1) for m in _DEADLINE_PHRASES.finditer(text)]
    found = list(dict.fromkeys(found))
    return "；".join(found) if found else None


def split_title(first_line: str, has_more: bool, has_children: bool = False) -> tuple[str | None, bool]:
    """The short title a measure starts with, and whether the line holds text beyond that title.

    ``全面推广企业登记智能化办理。逐步将…`` → (``全面推广企业登记智能化办理``, True);
    ``优化政策供给`` followed by its text on the next line → (``优化政策供给``, False);
    a long first sentence is no title → (None, True), unless numbered items follow it (``has_children``): then
    a line without a full stop is a section heading however long.
    """
    clean = strip_annotations(first_line)
    if not clean:
        return None, False
    position = clean.find("。")
    if position == -1 or position == len(clean) - 1:
        title = _TITLE_PREFIX_CLEAN.sub("", clean.rstrip("。"))
        if len(title) <= 60 and (has_more or len(title) <= 40) or (has_children and len(title) <= 120):
            return title, False
        return None, True
    head = clean[:position]
    if len(head) <= 40:
        return _TITLE_PREFIX_CLEAN.sub("", head), True
    return None, True
