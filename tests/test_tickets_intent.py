"""Intent detection measured on the sample messages and on a held-out set written before the detector
(tests/data/intents_heldout.jsonl), with the knowledge base; and the decisions on typical forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.tickets.catalogue import load_catalogue
from handlers.tickets.evaluate import evaluate_file
from handlers.tickets.intent import classify, is_status_query, ticket_numbers

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    from knowledge.store import KnowledgeBase

    return KnowledgeBase.open(tmp_path_factory.mktemp("kb"))


@pytest.mark.parametrize("name,accuracy,departments", [("intents_colloquial.jsonl", 0.95, 0.9), ("intents_heldout.jsonl", 0.9, 0.9)])
def test_accuracy_on_labelled_messages(knowledge, name, accuracy, departments) -> None:
    report = evaluate_file(DATA / name, knowledge, load_catalogue({}))
    assert report.total >= 126
    assert report.accuracy >= accuracy, report.misses
    assert report.filed_policy == 0, report.misses  # a policy question is never filed
    assert report.answered_complaint <= 1, report.misses
    assert report.routed_right / report.routed >= departments, report.misses


@pytest.mark.parametrize(
    "text",
    ["合同写着验收后付款，验收快一年了钱没到", "供水公司接水收了我们两万多的开口费"],
)
def test_a_grievance_told_is_a_complaint_though_a_clause_answers_its_topic(knowledge, text) -> None:
    assert knowledge.ask(text).answered  # 清理拖欠账款, 接水费用: the knowledge base has a clause for it
    assert classify(text, knowledge).name == "complaint"


@pytest.mark.parametrize(
    "text,name,kind",
    [
        ("投诉：窗口工作人员推诿", "complaint", "投诉"),
        ("诉求 园区道路年久失修", "complaint", "诉求"),
        ("举报一下有人冒充工作人员收费", "complaint", "举报"),
        ("反映个问题，路灯坏了", "complaint", "诉求"),
        ("建议延长大厅办公时间", "suggestion", "建议"),
        ("供电公司接电拖了两个月还没接上，厂子没法开工", "complaint", "诉求"),
        ("办电要几天", "policy", ""),
        ("成都的人才落户有啥政策", "policy", ""),  # 的人才 is no "someone" of a grievance; 有啥 asks
        ("为啥我们的批复一直下不来，别人晚报都批了", "complaint", "诉求"),  # 为啥 here is a grievance, not a question
        ("怎么投诉", "help", ""),
        ("查询 ZQ20261118003", "status", ""),
        ("今天天气怎么样", "policy", ""),  # 今天天气 holds 天天 ("every day") and is still no grievance
        ("他们天天来查，烦死了", "unsure", "诉求"),
    ],
)
def test_typical_forms_without_the_knowledge_base(text, name, kind) -> None:
    verdict = classify(text)
    assert (verdict.name, verdict.kind) == (name, kind)


def test_anonymity_and_ticket_numbers() -> None:
    assert classify("匿名举报：某单位吃拿卡要").anonymous is True
    assert classify("实名举报：某单位吃拿卡要").anonymous is False
    assert classify("举报：某单位吃拿卡要").anonymous is None
    assert ticket_numbers("zq20261118003 和 ZQ20261118004") == ("ZQ20261118003", "ZQ20261118004")
    assert is_status_query("上周提的那个诉求有进展吗") and not is_status_query("上周供电公司停电了")
