"""From raw extracted text to paragraphs: page numbers and running headers dropped, lines broken mid-sentence
(PDF paste, hard-wrapped Markdown) joined again, broken department brackets closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.ingest.numbering import ARTICLE, DASH, find_marker
from knowledge.ingest.text import ends_sentence, is_page_number, repeated_headers, stands_alone, tidy, unbalanced

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_MD_NOISE = re.compile(r"^(?:<!--.*-->|\*{3,}|-{3,}|_{3,}|>\s*)$")
# "(牵头部门:朝阳税务局" never closed; "牵头部门:各街镇、开发区)" never opened.
_OPEN_DEPARTMENT = re.compile(r"([（(]\s*(?:牵头部门|牵头单位|责任单位|责任部门)[:：][^（()）]*)$")
_UNOPENED_DEPARTMENT = re.compile(r"(?<![（(])((?:牵头部门|牵头单位|责任单位|责任部门)[:：][^（()）]*[)）])")
_SOFT_END = set("，、的和与及或在对把将为了向从以于被由是")


@dataclass
class Paragraph:
    """One logical paragraph. ``heading`` is the Markdown/Word heading level (1 = title) or 0 for body text."""

    text: str
    heading: int = 0
    hard_break: bool = False  # a blank line came before it in Markdown: it starts a paragraph of its own


def paragraphs_from_text(raw: str, *, markdown: bool = False, paged: bool = False) -> list[Paragraph]:
    """Split ``raw`` into repaired paragraphs. ``markdown`` honours ``#`` headings; ``paged`` (PDF or PDF-pasted
    text) also drops running headers that repeat on many pages."""
    items: list[Paragraph] = []
    blank = True
    for line in raw.splitlines():
        heading = 0
        if not line.strip():
            blank = True
            continue
        if markdown:
            stripped = line.strip()
            if _MD_NOISE.match(stripped):
                continue
            match = _MD_HEADING.match(stripped)
            if match:
                heading, line = len(match.group(1)), match.group(2)
        text = tidy(line)
        if not text or is_page_number(text):
            continue
        items.append(Paragraph(_fix_department_brackets(text), heading, hard_break=markdown and blank))
        blank = False
    if paged:
        headers = repeated_headers([p.text for p in items if not p.heading])
        items = [p for p in items if p.heading or p.text not in headers or _keeps(p.text)]
    return join_broken_lines(items)


def _keeps(text: str) -> bool:
    return find_marker(text) is not None or ends_sentence(text)


def _fix_department_brackets(text: str) -> str:
    if "牵头" not in text and "责任" not in text:
        return text
    text = _UNOPENED_DEPARTMENT.sub(r"（\1", text)
    return _OPEN_DEPARTMENT.sub(r"\1）", text)


def join_broken_lines(items: list[Paragraph]) -> list[Paragraph]:
    """Join each paragraph that was cut mid-sentence with the one after it."""
    out: list[Paragraph] = []
    last_numbers: dict[str, int] = {}
    for item in items:
        marker = find_marker(item.text) if not item.heading else None
        in_header = not last_numbers
        if (
            out
            and not item.heading
            and not item.hard_break
            and not out[-1].heading
            and not stands_alone(out[-1].text, in_header)
            and not stands_alone(item.text, in_header)
            and _continues(out[-1].text, item.text, marker, last_numbers)
        ):
            previous = out[-1].text
            glue = " " if previous[-1].isascii() and previous[-1].isalnum() and item.text[0].isascii() and item.text[0].isalnum() else ""
            out[-1] = Paragraph(previous + glue + item.text, 0)
            continue
        if marker is not None and marker.style != DASH:
            last_numbers[marker.style] = marker.value
        out.append(item)
    return out


def _continues(previous: str, current: str, marker, last_numbers: dict[str, int]) -> bool:
    """Whether ``current`` continues the sentence ``previous`` was cut in."""
    if ends_sentence(previous):
        return False
    open_bracket = unbalanced(previous)
    if marker is not None:
        # A number that does not follow on from the last one of its kind is text that happens to start with a
        # digit ("2021 年", "2.5 亿"), when the line before it was cut mid-sentence.
        plausible = marker.style == DASH or marker.value in (1, last_numbers.get(marker.style, 0) + 1)
        if plausible or marker.style == ARTICLE:
            return False
        return True
    if open_bracket:
        return True
    previous_marker = find_marker(previous)
    if previous_marker is not None:
        if previous_marker.style == ARTICLE:
            return True
        body = previous_marker.rest
        # A numbered heading ("一、总体要求", "1.优化政策供给") stands on its own line.
        return "。" in body or (len(body) > 60) or previous[-1] in _SOFT_END
    if previous[-1] in _SOFT_END:
        return True
    return len(previous) >= 16
