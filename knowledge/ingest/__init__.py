"""Ingestion: a policy document or regulation file (.txt, .md, .docx, .pdf) becomes a :class:`Document` of clauses.

The steps, each in its own module:

1. read the file into lines (this module: encodings, Word paragraphs and heading styles, PDF pages);
2. :mod:`~knowledge.ingest.repair`: tidy every line, drop page numbers and running headers, join lines that a
   PDF paste broke mid-sentence;
3. :mod:`~knowledge.ingest.metadata`: find the title, the header above it (issuer, date) and the body;
4. :mod:`~knowledge.ingest.structure`: one clause per numbered measure or article, with its number path,
   heading, lead departments and deadline (:mod:`~knowledge.ingest.fields`).

A file that cannot be read or holds no text is refused with :class:`IngestError`, whose message names the file
and the reason.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from knowledge.ingest.metadata import (
    body_bounds,
    find_date,
    find_issuer,
    find_kind,
    find_region,
    make_doc_id,
    mark_title,
    place_at_start,
    title_from_filename,
)
from knowledge.ingest.repair import Paragraph, join_broken_lines, paragraphs_from_text
from knowledge.ingest.structure import build_clauses, whole_text_clause
from knowledge.ingest.text import is_page_number, tidy
from knowledge.model import Document

DEFAULT_DOCUMENTS_DIR = Path(__file__).resolve().parent.parent / "data" / "default"
MAX_FILE_BYTES = 30 * 2**20
# Raise when a change to the parser changes the clauses it makes: knowledge bases built before are re-parsed.
PARSER_VERSION = 2
MARKDOWN_INFO_END = "<!-- INFO END -->"
_TEXT_ENCODINGS = ("utf-8-sig", "gb18030", "utf-16")


class IngestError(ValueError):
    """A document that cannot be ingested; the message names the file and the reason (in Chinese, for staff)."""


# -- reading each format ----------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    """Text of a .txt/.md file in UTF-8 (with or without BOM), GB18030 or UTF-16; binary content is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        if b"\x00" in data[:4096]:
            raise IngestError(f"{name}: 不是文本文件（含二进制内容）")
        encodings = _TEXT_ENCODINGS[:2]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for char in text if ord(char) < 32 and char not in "\r\n\t\f")
        if controls > max(8, len(text) // 100):
            raise IngestError(f"{name}: 不是文本文件（含大量控制字符）")
        return text
    raise IngestError(f"{name}: 无法识别文件编码（支持 UTF-8、GB18030）")


def _read_docx(path: Path) -> list[Paragraph]:
    """Word paragraphs in order (tables row by row), with heading levels from the paragraph styles."""
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(f"{path.name}: 不是有效的 Word 文件 (.docx)（{type(exc).__name__}）") from exc
    items: list[Paragraph] = []
    body = document.element.body
    for block in body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = docx.text.paragraph.Paragraph(block, document)
            _add_line(items, paragraph.text, _heading_level(paragraph.style.name if paragraph.style is not None else ""))
        elif tag == "tbl":
            table = docx.table.Table(block, document)
            for row in table.rows:
                cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells if cell.text.strip()))
                _add_line(items, "　".join(cells), 0)
    return join_broken_lines(items)


def _heading_level(style: str) -> int:
    """``Title`` → 1, ``Heading 2`` / ``标题 2`` → 3 (the document title is level 1), body text → 0."""
    name = style.strip().lower()
    if name in ("title", "标题"):
        return 1
    for prefix in ("heading", "标题"):
        if name.startswith(prefix) and name[len(prefix):].strip().isdigit():
            return min(6, int(name[len(prefix):].strip()) + 1)
    return 0


def _add_line(items: list[Paragraph], raw: str, heading: int) -> None:
    for line in raw.splitlines() or [""]:
        text = tidy(line)
        if text and not is_page_number(text):
            items.append(Paragraph(text, heading))


def _read_pdf(path: Path) -> str:
    """The text of every page of a PDF, pages separated by a line break."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"{path.name}: 不是有效的 PDF 文件（{type(exc).__name__}）") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise IngestError(f"{path.name}: PDF 中没有可提取的文字（可能是扫描件，请先做文字识别）")
    return text


# -- from lines to a document -----------------------------------------------------------------------------


def parse_file(path: str | os.PathLike[str]) -> Document:
    """Read and parse one document file; raise :class:`IngestError` naming the file when it cannot be used."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".txt", ".md", ".docx", ".pdf"):
        raise IngestError(f"{path.name}: 不支持的格式 {suffix or '(无扩展名)'}，支持 .txt .md .docx .pdf")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"{path.name}: 无法读取（{exc.strerror}）") from exc
    if size == 0:
        raise IngestError(f"{path.name}: 文件是空的")
    if size > MAX_FILE_BYTES:
        raise IngestError(f"{path.name}: 文件过大（{size / 2**20:.0f} MB，上限 {MAX_FILE_BYTES // 2**20} MB）")
    if suffix == ".docx":
        return build_document(_read_docx(path), path.name, header_lines=[])
    if suffix == ".pdf":
        return parse_text(_read_pdf(path), path.name, paged=True)
    return parse_text(_decode(path.read_bytes(), path.name), path.name, markdown=suffix == ".md")


def parse_text(raw: str, name: str, *, markdown: bool = False, paged: bool = False) -> Document:
    """Parse a document given as text; ``name`` is its file name (the title and date may come from it).

    Plain text is treated as possibly pasted from a PDF (``paged``): running headers are dropped too."""
    header_lines: list[str] = []
    if markdown and MARKDOWN_INFO_END in raw:
        # LawRefBook's layout: "# title", then the adoption and promulgation lines, then the marker.
        head, _, raw = raw.partition(MARKDOWN_INFO_END)
        head_items = paragraphs_from_text(head, markdown=True)
        header_lines = [item.text for item in head_items if item.heading != 1]
        raw = "\n".join(f"# {item.text}" for item in head_items if item.heading == 1) + "\n" + raw
    items = paragraphs_from_text(raw, markdown=markdown, paged=paged or not markdown)
    return build_document(items, name, header_lines)


def build_document(items: list[Paragraph], name: str, header_lines: list[str]) -> Document:
    """Title, issuer, date, region and clauses of a document already split into repaired paragraphs."""
    if not any(item.text.strip() for item in items):
        raise IngestError(f"{name}: 没有可用的文字")
    stem = Path(name).stem
    title_hint, file_date = title_from_filename(stem)
    title_index = mark_title(items, title_hint)
    title = items[title_index].text if title_index is not None else title_hint
    header = [item.text for item in items[: title_index or 0]] + header_lines
    body, colophon = body_bounds(items, title_index)
    trailer = [item.text for item in colophon]
    issuer = find_issuer(header + trailer, place_at_start(title) or None)
    date = find_date(header + trailer[::-1], file_date)
    region = find_region(title, issuer)
    doc_id = make_doc_id(title, date)
    clauses = build_clauses(body, doc_id, title) or whole_text_clause(body, doc_id, title)
    if not clauses:
        raise IngestError(f"{name}: 没有找到正文条款（文件只有标题或不足十个字）")
    has_articles = any(clause.is_article for clause in clauses)
    return Document(
        doc_id=doc_id,
        title=title,
        issuer=issuer,
        date=date,
        region=region,
        source=name,
        clauses=tuple(clauses),
        kind=find_kind(title, has_articles),
    )


__all__ = ["DEFAULT_DOCUMENTS_DIR", "PARSER_VERSION", "IngestError", "build_document", "parse_file", "parse_text"]
