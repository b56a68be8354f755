"""Ingestion: the nine shipped documents parsed into the clauses their text has (counts, numbers, departments,
deadlines and metadata checked against the raw text), every supported format, and files that must be refused."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from knowledge.ingest import DEFAULT_DOCUMENTS_DIR, IngestError, parse_file, parse_text
from knowledge.ingest.metadata import law_organ
from knowledge.model import Document



def document(prefix: str) -> tuple[Document, str]:
    path = next(p for p in DEFAULT_DOCUMENTS_DIR.iterdir() if p.name.startswith(prefix) and p.suffix in (".txt", ".md"))
    return parse_file(path), path.read_text(encoding="utf-8")


def clause(doc: Document, number: str):
    return next(c for c in doc.clauses if c.number == number)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- the nine documents --------------------------------------------------------------------------------------

METADATA = [
    # prefix, title, issuer, date, region, kind, clauses
    ("2021年长春市", "2021年长春市优化营商环境重点工作方案", "中共长春市委办公厅 长春市人民政府办公厅", "2021-04-02", "长春市", "policy", 88),
    ("2021年朝阳区", "2021年朝阳区优化营商环境专项攻坚行动工作方案", "长春市朝阳区人民政府办公室", "2021-05-25", "朝阳区", "policy", 53),
    ("辽源市", "辽源市2024年营商环境优化重点行动方案", "辽源市人民政府办公室", "2024-04-22", "辽源市", "policy", 59),
    ("滨海新区", "滨海新区“稳经济保增长促发展”营商环境再提升攻坚行动方案", "滨海新区优化营商环境领导小组办公室", None, "滨海新区", "policy", 14),
    ("长春新区", "长春新区进一步优化营商环境工作方案", "长春新区企业发展服务中心", "2021-09-18", "长春新区", "policy", 20),
    ("优化营商环境条例", "优化营商环境条例", "国务院", "2019-10-22", "全国", "law", 72),
    ("中小企业促进法", "中华人民共和国中小企业促进法", "全国人民代表大会常务委员会", "2017-09-01", "全国", "law", 61),
    ("保障中小企业款项支付条例", "保障中小企业款项支付条例", "国务院", "2025-03-17", "全国", "law", 37),
    ("国务院关于在线政务服务", "国务院关于在线政务服务的若干规定", "国务院", "2019-04-26", "全国", "law", 16),
]


@pytest.mark.parametrize("prefix, title, issuer, date, region, kind, count", METADATA)
def test_metadata_and_clause_count(prefix, title, issuer, date, region, kind, count) -> None:
    doc, _ = document(prefix)
    assert (doc.title, doc.issuer, doc.date, doc.region, doc.kind) == (title, issuer, date, region, kind)
    assert len(doc.clauses) == count
    assert [c.ordinal for c in doc.clauses] == list(range(1, count + 1))
    assert all(c.doc_id == doc.doc_id for c in doc.clauses)


@pytest.mark.parametrize("prefix", ["优化营商环境条例", "中小企业促进法", "保障中小企业款项支付条例", "国务院关于在线政务服务"])
def test_each_article_is_one_clause_in_order(prefix: str) -> None:
    doc, raw = document(prefix)
    articles = re.findall(r"(?m)^(第[一二三四五六七八九十百零]+条)", raw)
    assert [c.number for c in doc.clauses] == articles
    # an article's items （一）（二） stay inside it
    seventy_one = clause(doc, "第七十一条") if prefix == "优化营商环境条例" else None
    if seventy_one is not None:
        assert "（五）违法强制或者变相强制市场主体接受中介服务" in seventy_one.text


@pytest.mark.parametrize("prefix, measures", [("2021年长春市", 80), ("2021年朝阳区", 47), ("辽源市", 52)])
def test_each_numbered_measure_is_one_clause(prefix: str, measures: int) -> None:
    doc, raw = document(prefix)
    numbered = [int(n) for n in re.findall(r"(?m)^\s*(\d{1,3})\s*[.．、]", raw)]
    assert numbered == list(range(1, measures + 1))
    ends = [int(m.group(1)) for c in doc.clauses if (m := re.search(r"(\d+)$", c.number))]
    assert ends == list(range(1, measures + 1))


def test_number_paths_follow_each_documents_numbering() -> None:
    changchun, _ = document("2021年长春市")
    binhai, _ = document("滨海新区")
    xinqu, _ = document("长春新区")
    assert clause(changchun, "二（二）5").heading == "持续压减办电时间"
    assert clause(changchun, "二（十八）60").heading == "打造区域创新高地"
    assert clause(binhai, "2（1）1").heading == "优化政策供给"
    assert clause(xinqu, "二（二）4").heading == "持续擦亮服务品牌"
    assert "企业高管微信群" in clause(xinqu, "二（二）4").text


def test_lead_departments_from_the_measure_or_its_section(tmp_path: Path) -> None:
    changchun, _ = document("2021年长春市")
    chaoyang, _ = document("2021年朝阳区")
    liaoyuan, _ = document("辽源市")
    # "（“开办企业”指标组负责，市市场监管局牵头）" on the section heading, inherited by its measures
    assert clause(changchun, "二（一）1").departments == ("市市场监管局",)
    assert clause(changchun, "二（十八）64").departments == ("市人社局",)  # from the "——人才流动" sub-heading
    assert clause(chaoyang, "二（二）9").departments == ("区委政法委", "市公安局朝阳区分局", "区法院", "区检察院")
    # "（市政务服务和数字化局牵头，…按职责分工负责）" on the measure itself
    assert clause(liaoyuan, "二（一）7").departments[0] == "市政务服务和数字化局"
    assert clause(liaoyuan, "二（二）17").departments == ("市消防救援支队",)


@pytest.mark.parametrize("prefix", ["2021年长春市", "2021年朝阳区", "辽源市"])
def test_every_measure_with_a_lead_department_in_its_text_has_it(prefix: str) -> None:
    doc, raw = document(prefix)
    text = squeeze(raw)
    for c in doc.clauses:
        own = re.search(r"[（(]([^（()）]*?)牵头", c.text)
        if own:
            assert c.departments, c.number
            assert own.group(1).split("，")[-1].split("、")[0].strip("“”") in "、".join(c.departments) + c.text
        for name in c.departments:
            assert squeeze(name) in text, (c.number, name)


def test_deadlines_as_written() -> None:
    binhai, raw = document("滨海新区")
    written = re.findall(r"完成时限[:：]\s*([^）)]+)", raw)
    assert [c.deadline for c in binhai.clauses if c.deadline] == written
    liaoyuan, _ = document("辽源市")
    assert clause(liaoyuan, "三（二）").deadline == "每月25日前；每季末"
    chaoyang, _ = document("2021年朝阳区")
    assert clause(chaoyang, "三（二）").deadline == "5月底之前"
    payment, _ = document("保障中小企业款项支付条例")
    assert clause(payment, "第十八条").deadline == "每年3月31日前"


def test_pdf_line_breaks_inside_a_sentence_are_joined() -> None:
    xinqu, raw = document("长春新区")
    assert "通报批\n\n评" in raw  # the file breaks lines mid-word
    assert "通报批评" in clause(xinqu, "三（二）").text


def test_law_organs_from_adoption_lines() -> None:
    assert law_organ("2019年10月22日 中华人民共和国国务院令第722号公布") == "国务院"
    assert law_organ("2009年1月7日 宁波市第十三届人民代表大会常务委员会公告第9号公布") == "宁波市人民代表大会常务委员会"
    assert law_organ("2014年7月1日 施行") == ""


# -- formats ---------------------------------------------------------------------------------------------

PLAN = """关于支持小店经济发展的若干措施

一、降低经营成本
（一）减轻房租负担（区商务局牵头，区财政局配合）
1. 减免小店房租。对租用国有房屋的个体
工商户，免收三个月租金。
- 1 -
2. 发放消费券。每季度发放小店专用消费券，重点支持餐饮零售。（完成时限：12月31日）
二、优化服务
1、 开设绿色通道。小店办证“一次办结”。(牵头部门:区政数局)
"""


def check_plan(doc: Document) -> None:
    assert doc.title == "关于支持小店经济发展的若干措施"
    numbers = [c.number for c in doc.clauses]
    assert numbers == ["一（一）1", "一（一）2", "二1"]
    first, second, third = doc.clauses
    assert first.text.endswith("对租用国有房屋的个体工商户，免收三个月租金。")
    assert first.departments == ("区商务局",) and second.departments == ("区商务局",)
    assert second.deadline == "12月31日"
    assert third.departments == ("区政数局",)
    assert first.heading == "减免小店房租"


def test_plain_text_pasted_from_pdf(tmp_path: Path) -> None:
    path = tmp_path / "小店措施.txt"
    path.write_text(PLAN, encoding="utf-8")
    check_plan(parse_file(path))


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_other_text_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "小店措施.txt"
    path.write_bytes(PLAN.encode(encoding))
    check_plan(parse_file(path))


def test_full_width_and_half_width_punctuation_are_one() -> None:
    doc = parse_text("关于小店的措施\n\n1．减免房租(区商务局牵头)。小店免收三个月租金,减免水电费;\n", "x.txt")
    assert doc.clauses[0].text == "减免房租（区商务局牵头）。小店免收三个月租金，减免水电费；"
    assert doc.clauses[0].departments == ("区商务局",)


def test_markdown_law(tmp_path: Path) -> None:
    path = tmp_path / "某市养犬管理条例(2020-05-01).md"
    path.write_text(
        "# 某市养犬管理条例\n\n2020年3月1日 某市人民代表大会常务委员会公告第3号公布\n\n<!-- INFO END -->\n\n"
        "## 第一章 总则\n\n第一条 为了规范养犬行为，制定本条例。\n\n## 第二章 养犬登记\n\n"
        "第二条 养犬人应当办理登记。\n\n有下列情形之一的，不予登记：\n\n（一）未免疫的；\n\n（二）烈性犬。\n",
        encoding="utf-8",
    )
    doc = parse_file(path)
    assert (doc.title, doc.date, doc.issuer, doc.kind) == ("某市养犬管理条例", "2020-05-01", "某市人民代表大会常务委员会", "law")
    assert [c.number for c in doc.clauses] == ["第一条", "第二条"]
    assert doc.clauses[1].section == ("第二章 养犬登记",) and "（二）烈性犬。" in doc.clauses[1].text


def test_word_document_with_heading_styles_and_a_table(tmp_path: Path) -> None:
    word = docx.Document()
    word.add_heading("关于支持小店经济发展的若干措施", level=0)
    word.add_paragraph("2022年3月8日")
    word.add_heading("一、降低经营成本", level=1)
    word.add_paragraph("1. 减免小店房租。对租用国有房屋的个体工商户，免收三个月租金。（区商务局牵头）")
    word.add_paragraph("2. 发放消费券。每季度发放小店专用消费券。（区商务局牵头，完成时限：12月31日）")
    table = word.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "3. 设立服务专线"
    table.rows[0].cells[1].text = "开通小店服务热线。（区政数局牵头）"
    path = tmp_path / "小店措施.docx"
    word.save(path)
    doc = parse_file(path)
    assert doc.title == "关于支持小店经济发展的若干措施"
    assert [c.number for c in doc.clauses] == ["一1", "一2", "一3"]
    assert doc.clauses[1].deadline == "12月31日"
    assert doc.clauses[2].departments == ("区政数局",)


def _pdf(path: Path, pages: list[list[str]]) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for lines in pages:
        pdf.setFont("STSong-Light", 11)
        for row, line in enumerate(lines):
            pdf.drawString(40, 800 - 18 * row, line)
        pdf.showPage()
    pdf.save()
    return path


def test_pdf_with_page_numbers_running_headers_and_broken_lines(tmp_path: Path) -> None:
    header = "某区人民政府办公室文件"
    path = _pdf(
        tmp_path / "小店措施.pdf",
        [
            [header, "关于支持小店经济发展的若干措施", "一、降低经营成本", "（一）减轻房租负担（区商务局牵头）",
             "1. 减免小店房租。对租用国有房屋的个体", "工商户，免收三个月租金。", "- 1 -"],
            [header, "2. 发放消费券。每季度发放小店专用消费", "券，重点支持餐饮零售。（完成时限：12月31日）", "- 2 -"],
            [header, "二、优化服务", "1、 开设绿色通道。小店办证“一次办结”。(牵头部门:区政数局)", "- 3 -"],
        ],
    )
    doc = parse_file(path)
    assert doc.title == "关于支持小店经济发展的若干措施"
    assert [c.number for c in doc.clauses] == ["一（一）1", "一（一）2", "二1"]
    assert doc.clauses[1].text == "发放消费券。每季度发放小店专用消费券，重点支持餐饮零售。（完成时限：12月31日）"
    assert all(header not in c.text and "- 2 -" not in c.text for c in doc.clauses)


# -- refusals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "空的"),
        ("binary.txt", bytes(range(256)) * 8, "不是文本文件"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "不是有效的 Word 文件"),
        ("broken.pdf", b"%PDF-1.4 garbage", "不是有效的 PDF 文件"),
        ("title-only.txt", "关于某事的通知".encode(), "没有找到正文条款"),
        ("notes.xls", b"x", "不支持的格式"),
    ],
)
def test_files_that_cannot_be_parsed_are_refused_by_name(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as error:
        parse_file(path)
    assert name in str(error.value) and reason in str(error.value)


def test_a_scanned_pdf_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "扫描件.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 200, 200, fill=1)
    pdf.showPage()
    pdf.save()
    with pytest.raises(IngestError, match="扫描件.pdf: PDF 中没有可提取的文字"):
        parse_file(path)
