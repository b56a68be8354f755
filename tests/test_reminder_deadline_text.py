"""Deadline text → rules and dates, and the year inference on the shipped documents' own deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.reminders.deadline_text import (
    HALF_YEARLY,
    MONTHLY,
    ONCE,
    QUARTERLY,
    YEARLY,
    action_after,
    occurrences,
    parse_deadline,
    recurring_rule,
    resolve_once,
)
from handlers.reminders.tasks import document_task_values


@pytest.mark.parametrize(
    "text, kind, month, day, year",
    [
        ("10月31日", ONCE, 10, 31, None),
        ("１０月３１日", ONCE, 10, 31, None),  # full-width digits
        ("5月底之前", ONCE, 5, 0, None),
        ("6月底前", ONCE, 6, 0, None),
        ("6月末前", ONCE, 6, 0, None),
        ("10月中旬前", ONCE, 10, 20, None),
        ("6月前", ONCE, 5, 0, None),  # before June: by the end of May
        ("1月前", ONCE, 12, 0, None),
        ("2024年6月底前", ONCE, 6, 0, 2024),
        ("2023年年底前", ONCE, 12, 0, 2023),
        ("年底前", ONCE, 12, 0, None),
        ("每月25日前", MONTHLY, None, 25, None),
        ("每月底前", MONTHLY, None, 0, None),
        ("每季末", QUARTERLY, None, None, None),
        ("每季度末", QUARTERLY, None, None, None),
        ("每半年", HALF_YEARLY, None, None, None),
        ("每年3月31日前", YEARLY, 3, 31, None),
        ("每年底", YEARLY, 12, 0, None),
    ],
)
def test_forms_the_documents_use(text, kind, month, day, year) -> None:
    rules, not_understood = parse_deadline(text)
    assert not_understood == []
    assert [(r.kind, r.month, r.day, r.year) for r in rules] == [(kind, month, day, year)]


def test_two_deadlines_in_one_text_and_what_each_asks_for() -> None:
    clause = "各责任单位要指定专人，于每月25日前填报工作进展情况表，每季末报送一次工作总结。"
    rules, _ = parse_deadline("每月25日前；每季末", clause)
    assert [(r.kind, r.action) for r in rules] == [(MONTHLY, "填报工作进展情况表"), (QUARTERLY, "报送一次工作总结")]
    assert [r.recurrence for r in rules] == ["monthly:25", "quarterly:end"]


def test_a_date_the_clause_precedes_with_every_year_is_yearly() -> None:
    clause = "机关、事业单位应当于每年3月31日前将上一年度逾期尚未支付中小企业款项的合同数量、金额等信息公开。"
    rules, _ = parse_deadline("3月31日前", clause)
    assert [(r.kind, r.recurrence) for r in rules] == [(YEARLY, "yearly:03-31")]
    assert rules[0].action.startswith("将上一年度逾期尚未支付")


def test_ongoing_duty_and_label_give_no_action() -> None:
    rules, _ = parse_deadline("11月4日完成并长期坚持", "提升大厅管理水平。（完成时限：11月4日完成并长期坚持）")
    assert rules[0].ongoing and rules[0].action == ""
    assert action_after("……上传工作。（完成时限：10月31日）", "10月31日") == ""


def test_text_that_is_no_date_is_returned_not_guessed() -> None:
    rules, not_understood = parse_deadline("每周五前；2月30日；尽快")
    assert rules == []
    assert not_understood == ["每周五前", "2月30日", "尽快"]


def test_year_comes_from_the_text_then_the_document_then_the_day_it_was_added() -> None:
    (written,), _ = parse_deadline("2024年6月底前")
    (plain,), _ = parse_deadline("10月31日")
    added = date(2026, 10, 20)
    assert resolve_once(written, "2021-04-02", "方案", added) == (date(2024, 6, 30), "text")
    assert resolve_once(plain, "2021-04-02", "方案", added) == (date(2021, 10, 31), "document")
    assert resolve_once(plain, None, "辽源市2024年营商环境优化重点行动方案", added) == (date(2024, 10, 31), "document")
    assert resolve_once(plain, None, "再提升攻坚行动方案", added) == (date(2026, 10, 31), "added")
    # A date before the document's own date belongs to the following year.
    (january,), _ = parse_deadline("1月31日")
    assert resolve_once(january, "2021-12-15", "方案", added) == (date(2022, 1, 31), "document")


def test_occurrences_of_recurring_duties() -> None:
    assert occurrences("monthly:25", date(2026, 10, 26), date(2026, 12, 31)) == [date(2026, 11, 25), date(2026, 12, 25)]
    assert occurrences("quarterly:end", date(2026, 1, 1), date(2026, 12, 31)) == [
        date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)
    ]
    assert occurrences("monthly:31", date(2026, 2, 1), date(2026, 4, 30)) == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert occurrences("half-yearly:end", date(2026, 1, 1), date(2027, 1, 1)) == [date(2026, 6, 30), date(2026, 12, 31)]
    assert occurrences("yearly:03-31", date(2026, 4, 1), date(2027, 12, 31)) == [date(2027, 3, 31)]
    with pytest.raises(ValueError):
        recurring_rule("weekly:fri")


# -- the shipped documents ------------------------------------------------------------------------------

EXPECTED = {
    # document title start: [(deadline text as written, due date or recurrence, year source, department)]
    "2021年朝阳区": [("5月底之前", date(2021, 5, 31), "document", "区营商环境建设领导小组办公室")],
    "2021年长春市": [("6月底前", date(2021, 6, 30), "document", "市人社局")],
    "保障中小企业款项支付条例": [("每年3月31日前", "yearly:03-31", "recurring", "")],  # the text says 每年3月31日前
    "滨海新区": [
        ("10月31日", date(2026, 10, 31), "added", "区营商环境办"),
        ("10月31日", date(2026, 10, 31), "added", ""),
        ("10月28日", date(2026, 10, 28), "added", ""),
        ("11月4日", date(2026, 11, 4), "added", ""),
        ("11月4日完成并长期坚持", date(2026, 11, 4), "added", ""),
        ("11月4日", date(2026, 11, 4), "added", "区营商环境办"),
        ("11月30日", date(2026, 11, 30), "added", "区营商环境办"),
        ("11月30日完成并长期坚持", date(2026, 11, 30), "added", ""),
    ],
    "辽源市2024年": [
        ("每月25日前；每季末", "monthly:25", "recurring", ""),
        ("每月25日前；每季末", "quarterly:end", "recurring", ""),
    ],
}


def _with_every_year(values, document) -> str:
    """The deadline as the clause says it: a knowledge base that keeps ``3月31日前`` of ``每年3月31日前`` gets its 每年 back."""
    text = values["deadline_text"]
    clause = next(c for c in document.clauses if c.key == values["clause_key"])
    return f"每年{text}" if values["recurrence"] and values["recurrence"].startswith("yearly") and f"每年{text}" in clause.text else text


def _tasks_by_document(documents, added_on):
    found = {}
    for document in documents:
        values, not_understood = document_task_values(document, added_on)
        assert not_understood == [], document.title
        if values:
            found[document.title] = (document, values)
    return found


def test_year_inference_on_the_shipped_documents_matches_their_text(shipped_knowledge) -> None:
    documents = shipped_knowledge.documents()
    found = _tasks_by_document(documents, added_on=date(2026, 10, 20))
    assert len(found) == len(EXPECTED)
    for prefix, expected in EXPECTED.items():
        title = next(title for title in found if title.startswith(prefix))
        document, values = found[title]
        got = [(_with_every_year(v, document), v["due_date"] or v["recurrence"], v["year_source"], v["department"]) for v in values]
        assert got == expected, title
        for value in values:
            clause = next(c for c in document.clauses if c.key == value["clause_key"])
            for piece in value["deadline_text"].split("；"):
                assert piece in clause.text  # the deadline is the clause's own words
            due = value["due_date"]
            if due is not None:
                assert f"{due.month}月" in value["deadline_text"]
                assert f"{due.day}日" in value["deadline_text"] or "底" in value["deadline_text"]
                year_in_document = (document.date or "")[:4]
                assert str(due.year) == (year_in_document or "2026")


def test_a_year_less_document_added_in_another_year_takes_that_year(shipped_knowledge) -> None:
    binhai = next(d for d in shipped_knowledge.documents() if d.title.startswith("滨海新区"))
    assert binhai.date is None
    values, _ = document_task_values(binhai, added_on=date(2027, 3, 1))
    assert {v["due_date"].year for v in values} == {2027}


def test_recurring_duties_of_a_year_plan_end_with_that_year(shipped_knowledge) -> None:
    liaoyuan = next(d for d in shipped_knowledge.documents() if d.title.startswith("辽源市2024年"))
    values, _ = document_task_values(liaoyuan, added_on=date(2026, 10, 20))
    assert {v["ends_on"] for v in values} == {date(2024, 12, 31)}
    assert [v["title"] for v in values] == ["填报工作进展情况表", "报送一次工作总结"]
