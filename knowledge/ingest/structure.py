"""From paragraphs to clauses: a tree of numbered nodes, then one clause per node that holds text.

Levels are found, not declared: a numbering style takes the depth at which it first appears under the current
chain of headings, so ``一、/（一）/1.`` (长春), ``1、/（1）/1.`` (滨海) and ``第一章/第一节/第一条`` (laws) all work.
Inside an article (``第X条``) lower markers such as ``（一）`` are the article's own items, not new clauses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.ingest.fields import acting_departments, extract_deadline, extract_departments, split_title, strip_annotations
from knowledge.ingest.numbering import ARTICLE, CHAPTER, PART, SECTION, Marker, find_marker
from knowledge.ingest.repair import Paragraph
from knowledge.model import Clause

_HEADING_STYLES = (PART, CHAPTER, SECTION)
PREAMBLE = "前言"
WHOLE = "全文"


@dataclass
class _Node:
    style: str
    label: str
    first: str  # the marker line after the marker
    parent: "_Node | None" = None
    body: list[str] = field(default_factory=list)
    children: list["_Node"] = field(default_factory=list)
    departments: tuple[str, ...] = ()
    deadline: str | None = None
    title: str | None = None
    inline_text: bool = False

    def path(self) -> list["_Node"]:
        chain, node = [], self
        while node is not None and node.style != "root":
            chain.append(node)
            node = node.parent
        return chain[::-1]


def build_clauses(paragraphs: list[Paragraph], doc_id: str, fallback_heading: str) -> list[Clause]:
    """Every numbered measure or article in ``paragraphs`` (the body, after the title) as a clause."""
    root = _Node("root", "", "")
    stack: list[_Node] = [root]
    preamble: list[str] = []
    for paragraph in paragraphs:
        marker = _structural_marker(paragraph, stack)
        if marker is None:
            target = stack[-1]
            (target.body if target is not root else preamble).append(paragraph.text)
            continue
        while len(stack) > 1 and not _opens_under(marker.style, stack):
            stack.pop()
        depth = next((i for i, node in enumerate(stack) if node.style == marker.style), None)
        if depth is not None:
            del stack[depth:]
        node = _Node(marker.style, marker.label, marker.rest, parent=stack[-1])
        stack[-1].children.append(node)
        stack.append(node)
    clauses: list[Clause] = []
    if preamble and sum(len(text) for text in preamble) >= 20:
        clauses.append(Clause(doc_id, 1, PREAMBLE, PREAMBLE, "\n".join(preamble), (), (), extract_deadline("".join(preamble))))
    if not root.children:
        return clauses
    _annotate(root)
    _collect(root, doc_id, fallback_heading, clauses)
    return clauses


def _structural_marker(paragraph: Paragraph, stack: list[_Node]) -> Marker | None:
    """The marker of ``paragraph`` when it opens a new node here; None when it is text of the current node."""
    if paragraph.heading:
        marker = find_marker(paragraph.text)
        if marker is None:
            return Marker(f"h{paragraph.heading}", "", 0, paragraph.text)
        return marker
    marker = find_marker(paragraph.text)
    if marker is None:
        return None
    inside_article = any(node.style == ARTICLE for node in stack)
    if inside_article and marker.style not in (ARTICLE, *_HEADING_STYLES):
        return None
    return marker


def _opens_under(style: str, stack: list[_Node]) -> bool:
    """Headings of a law (编/章/节, Markdown headings) close the articles and items opened before them."""
    top = stack[-1].style
    if style in _HEADING_STYLES or style.startswith("h"):
        return top in _HEADING_STYLES or top.startswith("h") or top == style
    return True


def _annotate(node: _Node) -> None:
    """Titles, departments and deadlines of every node, top-down."""
    for child in node.children:
        title, inline = split_title(child.first, bool(child.body), bool(child.children))
        child.title = title
        child.inline_text = inline
        own_text = child.first if not child.body else child.first + "\n" + "\n".join(child.body)
        if child.style != ARTICLE:
            child.departments = extract_departments(child.first) or extract_departments(own_text)
        child.deadline = extract_deadline(own_text)
        _annotate(child)


def _collect(node: _Node, doc_id: str, fallback_heading: str, clauses: list[Clause]) -> None:
    for child in node.children:
        if _holds_text(child):
            clauses.append(_clause(child, doc_id, fallback_heading, len(clauses) + 1))
        _collect(child, doc_id, fallback_heading, clauses)


def _holds_text(node: _Node) -> bool:
    if node.body or node.inline_text:
        return True
    return not node.children and bool(node.first) and node.style not in _HEADING_STYLES and not node.style.startswith("h")


def _clause(node: _Node, doc_id: str, fallback_heading: str, ordinal: int) -> Clause:
    chain = node.path()
    ancestors = chain[:-1]
    section = tuple(_section_name(a) for a in ancestors if _section_name(a))
    if node.style == ARTICLE or node.style in _HEADING_STYLES or node.style.startswith("h"):
        number = node.label if node.style == ARTICLE else (node.label or _section_name(node))
        heading = section[-1] if section else fallback_heading
        if node.style != ARTICLE and _section_name(node):
            heading = _section_name(node)
    else:
        number = "".join(a.label for a in chain if a.style not in _HEADING_STYLES and not a.style.startswith("h"))
        heading = node.title or (section[-1] if section else fallback_heading)
    text = "\n".join(line for line in ([node.first] if node.first else []) + node.body)
    departments = (
        node.departments
        or next((a.departments for a in reversed(ancestors) if a.departments), ())
        or (acting_departments(text) if node.style != ARTICLE else ())
    )
    deadline = node.deadline or next((a.deadline for a in reversed(ancestors) if a.deadline), None)
    return Clause(doc_id, ordinal, number or heading, heading, text, section, departments, deadline)


def _section_name(node: _Node) -> str:
    if node.style in _HEADING_STYLES:
        rest = strip_annotations(node.first)
        return f"{node.label} {rest}".strip() if rest else node.label
    if node.style == ARTICLE:
        return ""
    return node.title or strip_annotations(node.first)[:60]


def whole_text_clause(paragraphs: list[Paragraph], doc_id: str, heading: str) -> list[Clause]:
    """A document without any numbering: its whole body as one clause."""
    text = "\n".join(p.text for p in paragraphs)
    if len(text) < 10:
        return []
    return [Clause(doc_id, 1, WHOLE, heading, text, (), extract_departments(text), extract_deadline(text))]
