"""Text clean-up shared by every format: normalisation for matching, tidying for display, and the repair of
text pasted from PDF (lines broken mid-sentence, page numbers, page headers).

Everything here is pure and linear in the size of the text: regular expressions are compiled once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

CJK = "\u3400-\u9fff\uf900-\ufaff"

# -- normalisation for matching ---------------------------------------------------------------------------

_MATCH_TABLE = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "‟": '"', "〝": '"', "〞": '"', "「": '"', "」": '"', "『": '"', "』": '"',
        "‘": "'", "’": "'", "‚": "'", "‛": "'",
        "【": "[", "】": "]", "〔": "[", "〕": "]", "〖": "[", "〗": "]",
        "—": "-", "–": "-", "‐": "-", "‑": "-", "―": "-", "─": "-",
        "・": "·", "•": "·", "‧": "·",
        "\u3000": " ", "\u00a0": " ", "\ufeff": "",
    }
)
_SPACE_RUN = re.compile(r"\s+")
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{CJK}\W])\s+|\s+(?=[{CJK}\W])")


def normalize(text: str) -> str:
    """The form text is matched in: NFKC (full-width letters, digits and punctuation become half-width), quotes,
    brackets and dashes unified to one form each, line breaks and white space inside Chinese text removed,
    other white-space runs collapsed to one space.

    >>> normalize("（牵头部门：区政数局）\\n压减至 10 个工作日")
    '(牵头部门:区政数局)压减至10个工作日'
    """
    text = unicodedata.normalize("NFKC", text).translate(_MATCH_TABLE)
    text = _SPACE_NEAR_CJK.sub("", text)
    return _SPACE_RUN.sub(" ", text).strip()


# -- tidying for display -----------------------------------------------------------------------------------

_WIDE = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{CJK}）”》])([,;:?!])|([,;:?!])(?=[{CJK}（“《])")
_PARENS = re.compile(r"[()]")
_INLINE_SPACE = re.compile(r"[ \t\u3000\u00a0]+")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}，。、；：？！（）“”《》〔〕])[ \t]+|[ \t]+(?=[{CJK}，。、；：？！（）“”《》〔〕])")
_HAS_CJK = re.compile(f"[{CJK}]")


def tidy(line: str) -> str:
    """One line as shown to a reader: NFKC for letters and digits, Chinese punctuation in Chinese text, no stray
    spaces between Chinese characters (``压减至 10 个工作日`` becomes ``压减至10个工作日``)."""
    line = unicodedata.normalize("NFKC", line).replace("\ufeff", "")
    if _HAS_CJK.search(line):
        line = _HALF_PUNCT_NEAR_CJK.sub(lambda m: _WIDE[m.group(1) or m.group(2)], line)
        line = _PARENS.sub(lambda m: _WIDE[m.group(0)], line)
        line = _SPACE_BETWEEN_CJK.sub("", line)
    return _INLINE_SPACE.sub(" ", line).strip()


# -- repair of text pasted from PDF ------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－_~～·•\s]*\d{1,4}[-—–－_~～·•\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
_TERMINAL = set("。！？；：…!?;:")
_CLOSERS = set("）)”》」』】〕]'\"")
_OPENERS = {"（": "）", "(": ")", "“": "”", "《": "》"}
_CLOSING_OF = {v: k for k, v in _OPENERS.items()}


def is_page_number(line: str) -> bool:
    """``- 1 -``, ``— 2 —``, ``第 3 页``, ``3/12``, a bare number on its own line."""
    return bool(_PAGE_NUMBER.match(line.strip()))


def repeated_headers(lines: list[str], minimum: int = 3) -> set[str]:
    """Short lines that recur on many pages (running headers and footers), which are not text."""
    counts = Counter(line for line in lines if 0 < len(line) <= 40)
    return {line for line, n in counts.items() if n >= minimum}


def unbalanced(text: str) -> bool:
    """True when a bracket or quotation mark opened in ``text`` is not closed there."""
    for opener, closer in _OPENERS.items():
        if text.count(opener) > text.count(closer):
            return True
    return False


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends where a paragraph may end: terminal punctuation, or a closing bracket/quote with
    everything balanced."""
    last = text[-1]
    if last in _TERMINAL:
        return True
    return last in _CLOSERS and not unbalanced(text)


# -- lines of a document's header (above the title) and colophon, which stand on their own ------------------

DATE_LINE = re.compile(r"^\s*(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{6,8})\s*(?:印发|发布)?\s*$")
TITLE_SUFFIX = re.compile(r"(?:方案|条例|办法|规定|意见|细则|措施|计划|规划|决定|决议|法|通知|规则|纲要|要点|清单|指引)$")
ORGAN_SUFFIX = re.compile(r"(?:办公厅|办公室|人民政府|委员会|中心|局|委|厅|部|署|院|政府|管委会|领导小组)$")
_DOCUMENT_NUMBER = re.compile(r"^\S{1,12}[〔\[［(（]\d{4}[〕\]］)）]\s*\d{1,4}\s*号$")
_GREETING = re.compile(r"^各.{1,200}[:：]$")


def stands_alone(line: str, in_header: bool) -> bool:
    """Whether ``line`` is a line of its own that is never part of a sentence: a date line, a document number
    (``长办发〔2021〕14号``), a salutation (``各成员单位：``); and above the first numbered paragraph
    (``in_header``) also ``…文件``, an organ's name or a short title."""
    if DATE_LINE.match(line) or _DOCUMENT_NUMBER.match(line) or _GREETING.match(line):
        return True
    if not in_header or len(line) > 40:
        return False
    return line.endswith("文件") or bool(ORGAN_SUFFIX.search(line) and len(line) <= 30) or bool(TITLE_SUFFIX.search(line))
