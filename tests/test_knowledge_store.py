"""The knowledge base on disk: defaults on first use, persistence, add/remove/rebuild, refusals, reloads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import knowledge.store as store_module
from knowledge.ingest import DEFAULT_DOCUMENTS_DIR
from knowledge.store import KnowledgeBase

DOCUMENT = """关于支持小店经济发展的若干措施

一、降低经营成本
1. 减免小店房租。对租用国有房屋的个体工商户，免收三个月租金。（区商务局牵头）
2. 发放消费券。每季度发放小店专用消费券，重点支持餐饮零售。（区商务局牵头，完成时限：12月31日）
"""


@pytest.fixture
def knowledge(shipped_knowledge: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    folder = tmp_path / "knowledge"
    shutil.copytree(shipped_knowledge.path, folder)
    return KnowledgeBase.open(folder)


def test_first_use_loads_the_nine_shipped_documents(knowledge: KnowledgeBase) -> None:
    documents = knowledge.documents()
    assert len(documents) == 9
    assert {d.region for d in documents} >= {"长春市", "朝阳区", "滨海新区", "辽源市", "长春新区", "全国"}
    assert knowledge.clause_count > 400


def test_reopening_does_not_rebuild(knowledge: KnowledgeBase, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "parse_file", lambda path: pytest.fail("reopening parsed " + str(path)))
    again = KnowledgeBase.open(knowledge.path, analyzer=knowledge.analyzer)
    assert len(again.documents()) == 9


def test_add_then_find_then_remove(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "小店经济措施.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    report = knowledge.add([path])
    assert [d.title for d in report.added] and not report.refused
    answer = knowledge.ask("开小店的房租能不能减免")
    assert answer.matches[0].document.doc_id == report.added[0].doc_id
    assert "减免小店房租" in answer.matches[0].clause.heading + answer.matches[0].clause.text
    assert knowledge.remove(report.added[0].doc_id) is not None
    assert len(knowledge.documents()) == 9
    assert len(list((knowledge.path / "sources").iterdir())) == 9


@pytest.mark.parametrize(
    "name, content",
    [("empty.txt", b""), ("broken.docx", b"this is not a zip file"), ("broken.pdf", b"%PDF-1.4 garbage"), ("binary.txt", bytes(range(256)) * 8)],
)
def test_a_file_that_cannot_be_parsed_is_refused_and_changes_nothing(knowledge: KnowledgeBase, tmp_path: Path, name: str, content: bytes) -> None:
    generation = (knowledge.path / "CURRENT").read_text()
    path = tmp_path / name
    path.write_bytes(content)
    report = knowledge.add([path])
    assert not report.added
    assert report.refused and name in report.refused[0][1]
    assert (knowledge.path / "CURRENT").read_text() == generation
    assert len(list((knowledge.path / "sources").iterdir())) == 9


def test_a_region_set_by_staff_survives_a_rebuild(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "小店经济措施.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    added = knowledge.add([path], region="朝阳区").added[0]
    assert added.region == "朝阳区"
    knowledge.rebuild()
    assert knowledge.get(added.doc_id).region == "朝阳区"
    assert knowledge.ask("朝阳区小店房租能减免吗").matches[0].document.doc_id == added.doc_id


def test_similar_questions_beside_a_document_are_indexed_with_its_clauses(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "小店经济措施.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    (tmp_path / "小店经济措施.questions.tsv").write_text(
        "一2\t街边小馆子有没有优惠券发\n九9\t没有这一条\n", encoding="utf-8"
    )
    added = knowledge.add([path]).added[0]
    assert added.clauses[1].questions == ("街边小馆子有没有优惠券发",) and added.clauses[0].questions == ()
    before = knowledge.ask("小馆子能领优惠券吗").matches[0]
    assert before.clause.key == added.clauses[1].key
    knowledge.rebuild()  # the copy kept under sources/ still has its questions
    assert knowledge.get(added.doc_id).clauses[1].questions == ("街边小馆子有没有优惠券发",)


def test_a_copy_without_similar_questions_keeps_those_of_the_version_it_replaces(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    shipped = next(p for p in DEFAULT_DOCUMENTS_DIR.iterdir() if p.name.startswith("优化营商环境条例") and p.suffix == ".md")
    copy = tmp_path / shipped.name
    shutil.copyfile(shipped, copy)  # the same regulation from another library, without its .questions.tsv
    report = knowledge.add([copy])
    assert report.replaced and not report.added
    document = knowledge.get("优化营商环境条例")
    assert sum(len(c.questions) for c in document.clauses) > 100
    knowledge.rebuild()
    assert sum(len(c.questions) for c in knowledge.get("优化营商环境条例").clauses) > 100


def test_a_shipped_document_that_changed_replaces_its_copy_unless_staff_removed_it(knowledge: KnowledgeBase, monkeypatch, tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    shutil.copytree(DEFAULT_DOCUMENTS_DIR, shipped)
    monkeypatch.setattr(store_module, "DEFAULT_DOCUMENTS_DIR", shipped)
    plan = next(p for p in shipped.iterdir() if p.name.startswith("辽源市") and p.suffix == ".txt")
    with open(store_module.questions_file(plan), "a", encoding="utf-8") as handle:
        handle.write("二（一）1\t辽源开饭店第一天能拿到全部证照吗\n")  # a new version of the package
    removed = knowledge.get("长春新区进一步优化营商环境工作方案")
    knowledge.remove(removed.doc_id)
    xinqu = next(p for p in shipped.iterdir() if p.name.startswith("长春新区") and p.suffix == ".txt")
    with open(store_module.questions_file(xinqu), "a", encoding="utf-8") as handle:
        handle.write("一\t新区的事\n")
    reopened = KnowledgeBase.open(knowledge.path, analyzer=knowledge.analyzer)
    liaoyuan = next(d for d in reopened.documents() if d.title.startswith("辽源市"))
    assert any("辽源开饭店第一天能拿到全部证照吗" in clause.questions for clause in liaoyuan.clauses)
    assert reopened.get(removed.doc_id) is None  # removed by staff: not brought back


def test_unsupported_and_missing_files_are_refused(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "notes.xls").write_bytes(b"x")
    report = knowledge.add([tmp_path / "notes.xls", tmp_path / "missing.txt"])
    reasons = " ".join(reason for _, reason in report.refused)
    assert "不支持的格式" in reasons and "不存在" in reasons


def test_another_process_sees_a_new_generation(knowledge: KnowledgeBase, tmp_path: Path, monkeypatch) -> None:
    reader = KnowledgeBase.open(knowledge.path, analyzer=knowledge.analyzer)
    path = tmp_path / "小店经济措施.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    knowledge.add([path])
    monkeypatch.setattr(store_module, "RELOAD_CHECK_SECONDS", 0.0)
    assert len(reader.documents()) == 10


def test_rebuild_keeps_every_document(knowledge: KnowledgeBase) -> None:
    before = [(d.doc_id, len(d.clauses)) for d in knowledge.documents()]
    report = knowledge.rebuild()
    assert not report.refused
    assert [(d.doc_id, len(d.clauses)) for d in knowledge.documents()] == before


def test_get_by_title_and_clause_by_key(knowledge: KnowledgeBase) -> None:
    document = knowledge.get("优化营商环境条例")
    assert document is not None and document.region == "全国"
    found = knowledge.clause(document.clauses[0].key)
    assert found is not None and found[1] == document.clauses[0]


# -- the parse cache: a build parses only what changed ---------------------------------------------------------


@pytest.fixture
def parsed_files(monkeypatch) -> list[str]:
    """The names of the files the next builds parse (the real parser runs)."""
    names: list[str] = []
    real = store_module.parse_file

    def counting(path):
        names.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(store_module, "parse_file", counting)
    return names


def test_adding_a_document_parses_only_that_document(knowledge: KnowledgeBase, tmp_path: Path, parsed_files: list[str]) -> None:
    path = tmp_path / "小店经济措施.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    knowledge.add([path])
    assert parsed_files == ["小店经济措施.txt"]
    assert len(list((knowledge.path / "parsed").glob("*.pickle"))) == 10
    assert knowledge.ask("开小店的房租能不能减免").matches[0].document.title.startswith("关于支持小店经济发展")
    assert sum(len(c.questions) for c in knowledge.get("优化营商环境条例").clauses) > 100  # questions still attached


def test_a_changed_file_is_parsed_again_and_its_old_entry_dropped(knowledge: KnowledgeBase, tmp_path: Path, parsed_files: list[str]) -> None:
    path = tmp_path / "小店经济措施.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    knowledge.add([path])
    path.write_text(DOCUMENT.replace("三个月", "六个月"), encoding="utf-8")
    report = knowledge.add([path])
    assert parsed_files == ["小店经济措施.txt", "小店经济措施.txt"] and report.replaced
    assert "六个月" in knowledge.get(report.replaced[0].doc_id).clauses[0].text
    assert len(list((knowledge.path / "parsed").glob("*.pickle"))) == 10
    knowledge.remove(report.replaced[0].doc_id)
    assert parsed_files == ["小店经济措施.txt", "小店经济措施.txt"]  # removing parses nothing
    assert len(list((knowledge.path / "parsed").glob("*.pickle"))) == 9


def test_rebuild_parses_everything_again(knowledge: KnowledgeBase, parsed_files: list[str]) -> None:
    knowledge.rebuild()
    assert len(parsed_files) == 9


def test_an_unreadable_cache_entry_is_parsed_again(knowledge: KnowledgeBase, tmp_path: Path, parsed_files: list[str]) -> None:
    for entry in (knowledge.path / "parsed").glob("*.pickle"):
        entry.write_bytes(b"torn")
    path = tmp_path / "小店经济措施.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    knowledge.add([path])
    assert len(parsed_files) == 10 and len(knowledge.documents()) == 10
    assert all(document.clauses for document in knowledge.documents())
    assert knowledge.ask("开办企业要几天").answered
