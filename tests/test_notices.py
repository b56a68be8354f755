"""Policy notices: what one says, when it goes, and that each subscriber gets it once."""

from __future__ import annotations

import logging

import pytest

from bot.store.subscriptions import NOTICE_DROPPED, NOTICE_SENT, PolicyNotice
from bot.textsplit import TEXT_LIMIT, byte_length
from handlers.notices import compose_notice, key_points, schedule_notice
from handlers.types import Incoming


def _document(knowledge, prefix: str):
    return next(d for d in knowledge.documents() if d.title.startswith(prefix))


@pytest.mark.parametrize("prefix", ["滨海新区", "2021年长春市", "辽源市", "优化营商环境条例", "保障中小企业款项支付条例"])
def test_a_notice_has_title_issuer_three_key_points_and_how_to_ask(shipped_knowledge, prefix) -> None:
    document = _document(shipped_knowledge, prefix)
    text = compose_notice(document)
    lines = text.split("\n")
    assert lines[0] == f"【政策速递】《{document.title}》"
    assert lines[1].startswith(f"发文：{document.issuer}")
    points = key_points(document)
    assert len(points) == 3 and len(set(points)) == 3
    assert [line for line in lines if line[:2] in ("1.", "2.", "3.")] == [f"{n}. {p}" for n, p in enumerate(points, 1)]
    own_words = [f"{clause.heading} {clause.text}" for clause in document.clauses]
    assert all(any(point.split("（")[0].rstrip("…") in words for words in own_words) for point in points)
    assert "直接发消息问我" in text and "退订" in text
    assert byte_length(text) <= TEXT_LIMIT


def test_key_points_come_from_different_sections_and_carry_department_and_deadline(shipped_knowledge) -> None:
    points = key_points(_document(shipped_knowledge, "滨海新区"))
    assert points == [
        "优化政策供给（区营商环境办牵头，时限：10月31日）",
        "梳理服务企业名单（时限：10月28日）",
        "开展企业满意度调查（区营商环境办牵头，时限：11月4日）",
    ]


def test_the_example_question_finds_the_document(shipped_knowledge) -> None:
    for prefix in ("滨海新区", "2021年长春市", "辽源市"):
        document = _document(shipped_knowledge, prefix)
        question = compose_notice(document).split("例如“")[1].split("”")[0]
        found = shipped_knowledge.search(question, limit=5)
        assert document.doc_id in {match.document.doc_id for match in found}, question


def test_scheduling_again_moves_the_pending_notice(sched, shipped_knowledge) -> None:
    document = _document(shipped_knowledge, "滨海新区")
    with sched.runtime.session() as session:
        first = schedule_notice(session, document, sched.at("2026-11-02T09:00"), "staff-1", sched.at("2026-10-28T09:00"))
        second = schedule_notice(session, document, sched.at("2026-11-03T10:00"), "staff-2", sched.at("2026-10-28T09:05"))
        assert first.id == second.id and second.send_at == sched.at("2026-11-03T10:00")
        assert session.query(PolicyNotice).count() == 1


def _subscribe(runtime, user: str, text: str, channel: str = "mp") -> None:
    runtime.handle(Incoming(channel=channel, user=user, text=text))


def test_a_notice_goes_once_to_each_matching_subscriber_at_its_time(sched) -> None:
    runtime = sched.runtime
    sched.run("2026-10-20T09:00")
    _subscribe(runtime, "binhai-corp", "订阅 滨海")
    _subscribe(runtime, "binhai-corp", "订阅 津策通")  # a second match: still one message
    _subscribe(runtime, "everything", "订阅", channel="work")
    _subscribe(runtime, "changchun-corp", "订阅 长春")
    document = _document(runtime.knowledge, "滨海新区")
    with runtime.session() as session:
        notice = schedule_notice(session, document, sched.at("2026-10-28T10:00"), "staff", sched.at("2026-10-28T09:00"))
    sched.run("2026-10-28T09:59")
    assert sched.queued("notice:") == []
    sched.run("2026-10-28T10:00")
    sched.run("2026-10-28T10:05")
    rows = sched.queued("notice:")
    assert sorted((row.channel, row.target_json) for row in rows) == [
        ("mp", '{"openid": "binhai-corp"}'),
        ("work", '{"touser": ["everything"]}'),
    ]
    assert all(row.text == compose_notice(document) for row in rows)
    with runtime.session() as session:
        sent = session.get(PolicyNotice, notice.id)
        assert (sent.status, sent.recipients) == (NOTICE_SENT, 2)


def test_a_notice_waits_out_quiet_hours_and_a_stale_one_is_dropped(sched, caplog) -> None:
    runtime = sched.runtime
    sched.run("2026-10-20T09:00")
    _subscribe(runtime, "corp", "订阅")
    document = _document(runtime.knowledge, "滨海新区")
    with runtime.session() as session:
        schedule_notice(session, document, sched.at("2026-10-28T23:00"), "staff", sched.at("2026-10-28T09:00"))
    assert sched.run("2026-10-28T23:00")["policy-notices"] == "held"
    sched.run("2026-10-29T08:00")
    assert len(sched.queued("notice:")) == 1
    with runtime.session() as session:
        late = schedule_notice(session, _document(runtime.knowledge, "辽源市"), sched.at("2026-10-29T09:00"), "staff", sched.at("2026-10-29T08:00"))
    with caplog.at_level(logging.WARNING, logger="scheduler.deliveries"):
        sched.run("2026-11-05T09:00")  # the scheduler was down for a week (limit 72 h)
    with runtime.session() as session:
        assert session.get(PolicyNotice, late.id).status == NOTICE_DROPPED
    assert len(sched.queued("notice:")) == 1
    assert any("dropped" in record.getMessage() for record in caplog.records)
