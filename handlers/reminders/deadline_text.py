"""Deadline text as policy documents write it, turned into rules with dates.

The knowledge base keeps a clause's deadline as written (``clause.deadline``): ``10月31日``, ``5月底之前``,
``6月底前``, ``11月4日完成并长期坚持``, ``每月25日前；每季末``, ``3月31日前`` (of ``每年3月31日前``). Understood (after NFKC,
so full-width digits are fine):

- one-off: ``[YYYY年]M月D日[之]前``, ``M月底/末/下旬[之]前`` (the month's last day), ``M月上旬/中旬`` (the 10th/20th),
  ``M月前`` (before that month: the previous month's last day), ``[YYYY年]年底/年末/年内[之]前`` (31 December);
  ``…完成并长期坚持`` marks a duty that goes on after its date.
- recurring: ``每月D日前``, ``每月底/末``, ``每季末``/``每季度末`` (31 Mar, 30 Jun, 30 Sep, 31 Dec), ``每半年``
  (30 Jun, 31 Dec), ``每年M月D日前``, ``每年底``; and a one-off form that the clause's text precedes with ``每年``.

A date without a year takes the document's year (its date, else a year in its title), else the year the document
was added; a date that would fall before the document's own date is taken in the following year. Staff correct the
rest (``reminders correct``). Text that fits none of the forms is returned as not understood, never guessed.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from bot.store.reminders import YEAR_FROM_ADDED, YEAR_FROM_DOCUMENT, YEAR_FROM_TEXT

ONCE = "once"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
HALF_YEARLY = "half-yearly"
YEARLY = "yearly"

_END = 0  # day 0 stands for "the last day of the month"
_PART_DAY = {"底": _END, "末": _END, "下旬": _END, "中旬": 20, "上旬": 10, "初": 5}
_PIECES = re.compile(r"[；;，,、]|\s+")
_ONCE = re.compile(
    r"^(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日|(?P<part>底|末|上旬|中旬|下旬|初))?"
    r"(?:之)?(?P<before>以?前)?(?P<rest>.*)$"
)
_YEAR_END = re.compile(r"^(?:(?P<year>\d{4})年年?|(?:本|当)?年)(?:底|末|内)(?:之)?(?:以?前)?(?P<rest>.*)$")
_MONTHLY = re.compile(r"^每个?月(?:(?P<day>\d{1,2})日|(?P<part>底|末|初|上旬|中旬|下旬))?(?:之)?(?:以?前)?$")
_QUARTERLY = re.compile(r"^每个?季度?(?:末|底)?(?:之)?(?:以?前)?$")
_HALF_YEARLY = re.compile(r"^每半年(?:末|底)?(?:之)?(?:以?前)?$")
_YEARLY = re.compile(r"^每年(?:(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日|(?P<part>底|末))?|(?P<yearend>底|末))(?:之)?(?:以?前)?$")
_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_ACTION = re.compile(r"[^，。；;,（()）\n]{4,60}")
_LABEL_BEFORE = re.compile(r"(?:时限|时间|节点)\s*[:：]\s*$")


@dataclass(frozen=True)
class DeadlineRule:
    """One deadline of a clause. ``day`` 0 is the last day of the month; ``year`` is set only when written."""

    kind: str
    text: str
    month: int | None = None
    day: int | None = None
    year: int | None = None
    ongoing: bool = False
    action: str = ""

    @property
    def rule_id(self) -> str:
        """Stable within a clause: ``once-10-31``, ``once-2024-06-end``, ``monthly-25``, ``quarterly-end``."""
        if self.kind == ONCE:
            return f"once-{self.year}-{self._month_day()}" if self.year else f"once-{self._month_day()}"
        return f"{self.kind}-{self.recurrence.split(':', 1)[1]}"

    @property
    def recurrence(self) -> str | None:
        """``monthly:25``, ``monthly:end``, ``quarterly:end``, ``half-yearly:end``, ``yearly:03-31``; None for one-off."""
        if self.kind == ONCE:
            return None
        if self.kind == MONTHLY:
            return f"monthly:{self.day or 'end'}"
        if self.kind == YEARLY:
            return f"yearly:{self._month_day()}"
        return f"{self.kind}:end"

    def _month_day(self) -> str:
        return f"{self.month:02d}-{self.day:02d}" if self.day else f"{self.month:02d}-end"


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _day_of(match: re.Match[str]) -> int:
    if match.group("day"):
        return int(match.group("day"))
    return _PART_DAY[match.group("part")] if match.group("part") else _END


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 0 <= day <= 31 and (day == 0 or day <= calendar.monthrange(2024, month)[1])


def _parse_piece(piece: str, clause_text: str) -> DeadlineRule | None:
    """One piece of deadline text as a rule, or None when it fits no known form."""
    if match := _MONTHLY.match(piece):
        day = _day_of(match)
        return DeadlineRule(MONTHLY, piece, day=day) if day <= 31 else None
    if _QUARTERLY.match(piece):
        return DeadlineRule(QUARTERLY, piece)
    if _HALF_YEARLY.match(piece):
        return DeadlineRule(HALF_YEARLY, piece)
    if match := _YEARLY.match(piece):
        if match.group("yearend"):
            return DeadlineRule(YEARLY, piece, month=12, day=_END)
        month, day = int(match.group("month")), _day_of(match)
        return DeadlineRule(YEARLY, piece, month=month, day=day) if _valid(month, day) else None
    if match := _YEAR_END.match(piece):
        year = int(match.group("year")) if match.group("year") else None
        return DeadlineRule(ONCE, piece, month=12, day=_END, year=year, ongoing="长期" in match.group("rest"))
    if match := _ONCE.match(piece):
        month, day = int(match.group("month")), _day_of(match)
        year = int(match.group("year")) if match.group("year") else None
        if match.group("before") and not match.group("day") and not match.group("part"):
            month, year = (month - 1, year) if month > 1 else (12, year - 1 if year else None)  # "6月前": by 31 May
        if not _valid(month, day):
            return None
        if year is None and f"每年{piece}" in clause_text:
            return DeadlineRule(YEARLY, piece, month=month, day=day)
        return DeadlineRule(ONCE, piece, month=month, day=day, year=year, ongoing="长期" in match.group("rest"))
    return None


def action_after(clause_text: str, piece: str) -> str:
    """What the clause says must be done by ``piece``: ``于每月25日前填报工作进展情况表，`` → ``填报工作进展情况表``;
    empty when the deadline stands in a label (``（完成时限：10月31日）``) or nothing follows it."""
    position = clause_text.find(piece)
    if position < 0 or _LABEL_BEFORE.search(clause_text[max(0, position - 8) : position]):
        return ""
    match = _ACTION.match(clause_text[position + len(piece) :])
    if not match or match.group(0).startswith(("完成并", "完成。")) or match.group(0) == "完成":
        return ""
    return match.group(0)


def parse_deadline(text: str, clause_text: str = "") -> tuple[list[DeadlineRule], list[str]]:
    """The rules a clause's deadline text holds, and the pieces of it that fit no known form.

    ``clause_text`` (the clause as a whole) tells ``3月31日前`` of ``每年3月31日前`` from a one-off date and gives
    each rule its action."""
    context = _fold(clause_text)
    rules: list[DeadlineRule] = []
    not_understood: list[str] = []
    seen: set[str] = set()
    for piece in filter(None, _PIECES.split(_fold(text))):
        rule = _parse_piece(piece, context)
        if rule is None:
            not_understood.append(piece)
            continue
        rule = replace(rule, action=action_after(context, piece))
        if rule.rule_id not in seen:
            seen.add(rule.rule_id)
            rules.append(rule)
    return rules, not_understood


# -- dates ----------------------------------------------------------------------------------------------


def on_day(year: int, month: int, day: int) -> date:
    """``day`` of ``month`` (0, or more days than the month has: its last day)."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if day == _END or day > last else day)


def title_year(title: str) -> int | None:
    """The year a title names (``辽源市2024年营商环境…`` → 2024), if any."""
    match = _TITLE_YEAR.search(title or "")
    return int(match.group(1)) if match else None


def _issued_on(document_date: str | None) -> date | None:
    if not document_date:
        return None
    parts = [int(part) for part in document_date.split("-")[:3]]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def resolve_once(rule: DeadlineRule, document_date: str | None, title: str, added_on: date) -> tuple[date, str]:
    """The date of a one-off rule and where its year came from (``text``, ``document`` or ``added``)."""
    assert rule.kind == ONCE and rule.month is not None and rule.day is not None
    if rule.year:
        return on_day(rule.year, rule.month, rule.day), YEAR_FROM_TEXT
    issued = _issued_on(document_date)
    year = issued.year if issued else title_year(title)
    if year is None:
        return on_day(added_on.year, rule.month, rule.day), YEAR_FROM_ADDED
    due = on_day(year, rule.month, rule.day)
    if issued and due < issued:  # "1月31日" in a document of December: the January that follows
        due = on_day(year + 1, rule.month, rule.day)
    return due, YEAR_FROM_DOCUMENT


def recurring_rule(recurrence: str) -> DeadlineRule:
    """The rule a stored ``recurrence`` (``monthly:25``, ``yearly:03-31`` ...) stands for."""
    kind, _, spec = recurrence.partition(":")
    if kind == MONTHLY:
        return DeadlineRule(MONTHLY, recurrence, day=_END if spec == "end" else int(spec))
    if kind == YEARLY:
        month, _, day = spec.partition("-")
        return DeadlineRule(YEARLY, recurrence, month=int(month), day=_END if day == "end" else int(day))
    if kind in (QUARTERLY, HALF_YEARLY):
        return DeadlineRule(kind, recurrence)
    raise ValueError(f"unknown recurrence {recurrence!r}")


def _months(kind: str, rule: DeadlineRule) -> tuple[int, ...]:
    return {MONTHLY: tuple(range(1, 13)), QUARTERLY: (3, 6, 9, 12), HALF_YEARLY: (6, 12)}.get(kind, (rule.month or 12,))


def occurrences(recurrence: str, start: date, end: date) -> list[date]:
    """The due dates of a recurring duty in ``[start, end]``, in order."""
    rule = recurring_rule(recurrence)
    day = rule.day if rule.kind in (MONTHLY, YEARLY) else _END
    found = []
    for year in range(start.year, end.year + 1):
        for month in _months(rule.kind, rule):
            due = on_day(year, month, day or _END)
            if start <= due <= end:
                found.append(due)
    return found
