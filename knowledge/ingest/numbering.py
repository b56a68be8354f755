"""Numbering markers at the start of a paragraph: ``一、`` ``（一）`` ``1.`` ``1、`` ``（1）`` ``①`` ``第一章``
``第一节`` ``第一条`` and the unnumbered ``——小标题``.

A marker has a *style* (which family of numbering it is) and a *label* (how it is written in a number path).
Levels are not fixed: the structure parser gives each style the depth at which it first appears in a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = "零〇一二三四五六七八九十百千两"
_CN = f"[{CN_DIGITS}]+"

# Styles whose nodes are headings of a law (never clauses by themselves unless they hold unnumbered text).
PART, CHAPTER, SECTION, ARTICLE = "part", "chapter", "section", "article"
DASH = "dash"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (PART, re.compile(rf"^第({_CN}|\d+)编(?:\s+|$)")),
    (CHAPTER, re.compile(rf"^第({_CN}|\d+)章(?:\s+|$|(?=[^条节]))")),
    (SECTION, re.compile(rf"^第({_CN}|\d+)节(?:\s+|$)")),
    (ARTICLE, re.compile(rf"^第({_CN}|\d+)条(?:之({_CN}))?(?:\s+|[:：]\s*|$|(?=\S))")),
    ("cn", re.compile(rf"^({_CN})\s*[、.．](?!\d)\s*")),
    ("paren_cn", re.compile(rf"^[（(]\s*({_CN})\s*[）)]\s*[、.．]?\s*")),
    ("arabic_dun", re.compile(r"^(\d{1,3})\s*、\s*")),
    ("arabic_dot", re.compile(r"^(\d{1,3})\s*[.．](?![\d.．])\s*")),
    ("paren_arabic", re.compile(r"^[（(]\s*(\d{1,3})\s*[）)]\s*[、.．]?\s*")),
    ("arabic_paren", re.compile(r"^(\d{1,3})[）)]\s*")),
    ("circled", re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*")),
    (DASH, re.compile(r"^(?:——|--|—)\s*(?=\S)")),
]
_FIRST_CHARS = set("第零〇一二三四五六七八九十百千两（(0123456789①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳—-")

_CN_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


@dataclass(frozen=True)
class Marker:
    """A numbering marker found at the start of a paragraph; ``rest`` is the paragraph after it."""

    style: str
    label: str
    value: int
    rest: str


def cn_to_int(text: str) -> int:
    """Chinese numerals to an int: ``三十三`` → 33, ``一百零五`` → 105, ``十`` → 10; Arabic digits pass through."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _CN_VALUES:
            current = _CN_VALUES[char]
        elif char in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[char]
            current = 0
    return total + current


def find_marker(paragraph: str) -> Marker | None:
    """The numbering marker that starts ``paragraph``, or None."""
    if not paragraph or paragraph[0] not in _FIRST_CHARS:
        return None
    for style, pattern in _PATTERNS:
        match = pattern.match(paragraph)
        if match is None:
            continue
        rest = paragraph[match.end():].strip()
        if style == DASH:
            return Marker(DASH, "", 0, rest)
        number = match.group(1)
        value = cn_to_int(number) if style not in ("circled",) else "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳".index(number) + 1
        return Marker(style, _label(style, match, number), value, rest)
    return None


def _label(style: str, match: re.Match[str], number: str) -> str:
    if style in (PART, CHAPTER, SECTION):
        return f"第{number}{ {PART: '编', CHAPTER: '章', SECTION: '节'}[style] }"
    if style == ARTICLE:
        return f"第{number}条" + (f"之{match.group(2)}" if match.group(2) else "")
    if style.startswith("paren") or style == "arabic_paren":
        return f"（{number}）"
    return number
