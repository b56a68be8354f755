"""Policy questions through the router, as a user in a chat would ask them: answer, follow-ups, not found."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import load_config
from bot.runtime import Runtime
from bot.store.questions import QuestionLog, unanswered_questions
from bot.textsplit import byte_length
from handlers.policy import ASK_FIRST_TEXT, NOT_FOUND_TEXT, PICK_FIRST_TEXT, SMALL_TALK_TEXT, render_answer
from knowledge.features import unstated_figures
from handlers.types import Incoming
from knowledge.match import Match
from knowledge.store import KnowledgeBase


@pytest.fixture
def runtime(shipped_knowledge: KnowledgeBase, tmp_path: Path):
    shutil.copytree(shipped_knowledge.path, tmp_path / "instance" / "knowledge")
    config = load_config(path="", overrides={"instance_path": str(tmp_path / "instance"), "groups": {"wr-liaoyuan": {"region": "辽源市"}}}, environ={})
    runtime = Runtime(config)
    yield runtime
    runtime.engine.dispose()


def ask(runtime: Runtime, text: str, user: str = "exec1", group: str | None = None):
    return runtime.handle(Incoming(channel="aibot" if group else "work", user=user, text=text, group=group))


def test_a_question_gets_clause_source_and_department(runtime: Runtime) -> None:
    reply = ask(runtime, "在长春开个公司，刻章要不要交钱")
    assert "出处：《2021年长春市优化营商环境重点工作方案》" in reply.text
    assert "牵头部门：" in reply.text and "市场监管" in reply.text
    assert byte_length(reply.text) <= 2048


def test_full_text_and_related_follow_ups(runtime: Runtime) -> None:
    first = ask(runtime, "在长春开个公司，刻章要不要交钱")
    assert "出处：《2021年长春市" in first.text
    full = ask(runtime, "全文")
    assert "出处" in full.text and len(full.text) >= len(first.text.split("出处")[0]) - 40
    related = ask(runtime, "相关")
    assert related.text.startswith("相关条款：") and "1." in related.text
    picked = ask(runtime, "2")
    assert "出处：" in picked.text


def test_full_text_refers_to_the_last_question_only(runtime: Runtime) -> None:
    assert "出处：" in ask(runtime, "在长春开个公司，刻章要不要交钱").text
    assert ask(runtime, "市图书馆几点关门").text == NOT_FOUND_TEXT
    assert ask(runtime, "全文").text == ASK_FIRST_TEXT  # not the 刻章 clause of the question before
    assert ask(runtime, "成都开公司能网上办吗").text.count("\n1. ") == 1  # candidates, none picked yet
    assert ask(runtime, "相关").text == PICK_FIRST_TEXT
    assert "出处：" in ask(runtime, "1").text and "出处" in ask(runtime, "全文").text


def test_full_text_before_any_question_is_a_hint_not_a_question_for_staff(runtime: Runtime) -> None:
    assert ask(runtime, "全文").text == ASK_FIRST_TEXT
    with runtime.session() as session:
        assert unanswered_questions(session) == []


def test_out_of_scope_is_declined_and_logged(runtime: Runtime) -> None:
    reply = ask(runtime, "市图书馆几点关门")
    assert reply.text == NOT_FOUND_TEXT
    with runtime.session() as session:
        row = session.scalars(select(QuestionLog).order_by(QuestionLog.id.desc())).first()
        assert row.text == "市图书馆几点关门" and row.answered is False and row.outcome == "not_found"
        assert [q.text for q in unanswered_questions(session)] == ["市图书馆几点关门"]


@pytest.mark.parametrize("text", ["今天晚上吃什么好呢", "收到，谢谢", "讲个笑话听听"])
def test_chit_chat_gets_a_hint_and_is_not_put_before_staff(runtime: Runtime, text: str) -> None:
    reply = ask(runtime, text)
    assert reply.text == SMALL_TALK_TEXT
    with runtime.session() as session:
        row = session.scalars(select(QuestionLog).order_by(QuestionLog.id.desc())).first()
        assert row.text == text and row.outcome == "small_talk" and row.answered is False
        assert unanswered_questions(session) == []


def test_group_answer_mentions_the_asker_and_prefers_the_group_region(runtime: Runtime) -> None:
    reply = ask(runtime, "@政企通 没开过业的公司注销能不能走简易程序", user="boss7", group="wr-liaoyuan")
    assert reply.mention == "boss7"
    assert "辽源市" in reply.text and "简易程序" in reply.text


def test_a_question_naming_a_place_is_answered_from_that_places_documents(runtime: Runtime) -> None:
    # 辽源's plan sets no time limit for connecting power and 长春's does: the bot keeps to 辽源 (or national law).
    reply = ask(runtime, "辽源小微企业接电要几个工作日")
    assert "2021年长春市" not in reply.text and "辽源市" in reply.text


def test_an_answer_from_another_place_says_so(runtime: Runtime) -> None:
    changchun = next(d for d in runtime.knowledge.documents() if d.region == "长春市")
    match = Match(changchun.clauses[5], changchun, 0.9)
    text = render_answer(match, "小微企业接电要几天", runtime.knowledge.analyzer, ["辽源市"])
    assert text.startswith("注：辽源市的政策文件里没有找到对应条款，以下是长春市的规定")
    assert not render_answer(match, "小微企业接电要几天", runtime.knowledge.analyzer, ["朝阳区"]).startswith("注")


def test_a_place_without_documents_is_told_the_answer_is_national_law(runtime: Runtime) -> None:
    national = next(d for d in runtime.knowledge.documents() if d.region == "全国")
    match = Match(national.clauses[3], national, 0.9)
    text = render_answer(match, "采购款多少天内得付", runtime.knowledge.analyzer, ["成都市"], ["成都市"])
    assert text.startswith("注：知识库里还没有成都市的本地政策文件，以下是国家层面的规定。")
    assert not render_answer(match, "采购款多少天内得付", runtime.knowledge.analyzer, ["长春市"], []).startswith("注")
    reply = ask(runtime, "成都的公园几点关门")
    assert "成都市" in reply.text and "政策文件" in reply.text and "长春" not in reply.text


def test_an_answer_says_when_the_clause_does_not_state_the_asked_figure(runtime: Runtime) -> None:
    liaoyuan = next(d for d in runtime.knowledge.documents() if d.region == "辽源市")
    clause = next(c for c in liaoyuan.clauses if c.departments and unstated_figures("这个能给补贴多少钱", c.text) == ["金额"])
    match = Match(clause, liaoyuan, 0.9)
    asked_sum = render_answer(match, "这个能给补贴多少钱", runtime.knowledge.analyzer)
    assert f"注：这一条没有写明您问的具体金额，可咨询牵头部门（{'、'.join(clause.departments)}）。" in asked_sum
    assert "没有写明" not in render_answer(match, "这个归谁管", runtime.knowledge.analyzer)  # no figure asked


def test_follow_ups_are_kept_per_user_in_a_group(runtime: Runtime) -> None:
    ask(runtime, "在长春开个公司，刻章要不要交钱", user="a", group="g")
    assert ask(runtime, "全文", user="b", group="g").text != ask(runtime, "全文", user="a", group="g").text
