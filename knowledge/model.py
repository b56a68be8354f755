"""The values the knowledge base deals in: documents and their clauses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Clause:
    """One numbered measure or article, with everything needed to cite it.

    ``number`` is the full number path as a reader writes it: ``二（一）5``, ``第三十三条``, ``2（1）1``.
    ``heading`` is the clause's own short title when it has one (``全面推广企业登记智能化办理``), else the
    heading of the section it belongs to. ``section`` is the chain of enclosing headings, outermost first.
    ``departments`` are the lead departments, inherited from the section heading when the clause names none.
    ``deadline`` is the deadline text as written (``10月31日``, ``每月25日前``), or None.
    ``questions`` are the similar questions staff keep for it, indexed with its everyday words.
    """

    doc_id: str
    ordinal: int
    number: str
    heading: str
    text: str
    section: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    deadline: str | None = None
    questions: tuple[str, ...] = ()  # 相似问法: how people ask about it (from <document>.questions.tsv)

    @property
    def is_article(self) -> bool:
        """Whether this is an article of a law (``第三十三条``), whose heading is its chapter's."""
        return self.number.startswith("第") and self.number.endswith("条")

    @property
    def key(self) -> str:
        """A stable identifier: ``<doc_id>#<ordinal>``."""
        return f"{self.doc_id}#{self.ordinal}"


@dataclass(frozen=True)
class Document:
    """A policy document or regulation and its clauses.

    ``doc_id`` is a short stable slug derived from the title (and date), used by ``kb show/remove``.
    ``date`` is ISO ``YYYY-MM-DD`` (or ``YYYY-MM`` / ``YYYY``) when known. ``region`` is the place the document
    binds (``长春市``, ``朝阳区``, ``滨海新区``, ``辽源市``, ``长春新区``), or ``全国`` for national law.
    """

    doc_id: str
    title: str
    issuer: str
    date: str | None
    region: str
    source: str
    clauses: tuple[Clause, ...] = field(default=())
    kind: str = "policy"  # "policy" (a local 方案) or "law" (条例/法)
