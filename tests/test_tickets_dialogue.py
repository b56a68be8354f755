"""The filing dialogue's pieces: what a message gives by itself, the next question, answers and timeouts."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.tickets.dialogue import FIELDS, expired, extract_fields, next_question, take_answer


def draft(**values):
    base = {"kind": "投诉", "text": "退税拖了三个月", "anonymous": False, "asking": None}
    base.update(values)
    return base


def test_fields_found_in_the_message() -> None:
    assert extract_fields("我是长春宏达机械有限公司的，电话 13812345678") == {
        "contact": "13812345678", "company": "我是长春宏达机械有限公司"[2:]}
    assert extract_fields("供电公司不来送电") == {}


def test_questions_in_order_and_anonymous_reports() -> None:
    assert next_question(draft(text=""), list(FIELDS)) == "describe"
    assert next_question(draft(), list(FIELDS)) == "company"
    assert next_question(draft(company="x", contact="1"), list(FIELDS)) == "location"
    assert next_question(draft(company="x", contact="1", location="y"), list(FIELDS)) is None
    assert next_question(draft(kind="举报", anonymous=None), list(FIELDS)) == "anonymous"
    assert next_question(draft(kind="举报", anonymous=True), list(FIELDS)) == "location"
    assert next_question(draft(), ["location"]) == "location"


def test_answers() -> None:
    d = draft(asking="contact")
    assert "没有识别到电话号码" in take_answer(d, "明天再说")
    assert take_answer(d, "找王经理 13812345678") is None and d["contact"] == "13812345678"
    d = draft(asking="contact")
    take_answer(d, "不告诉你")
    assert take_answer(d, "还是不告诉你") is None and d["contact"] == ""  # asked twice: left empty
    d = draft(asking="location")
    assert take_answer(d, "跳过") is None and d["location"] == ""
    d = draft(kind="举报", anonymous=None, asking="anonymous")
    assert take_answer(d, "嗯") is not None and take_answer(d, "匿名") is None and d["anonymous"] is True


def test_timeout() -> None:
    now = datetime(2026, 11, 18, 2, 0)
    entry = {"started": now.isoformat(), "updated": now.isoformat()}
    config = {"tickets": {"dialogue_timeout_minutes": 30}}
    assert not expired(entry, now + timedelta(minutes=30), config)
    assert expired(entry, now + timedelta(minutes=31), config)
