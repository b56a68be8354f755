"""订阅 / 退订 / 我的订阅 through the router, and which documents a subscription is news for."""

from __future__ import annotations

import pytest

from bot.store.subscriptions import Subscription
from handlers.subscriptions import parse_choice, subscription_matches
from handlers.types import Incoming


def _say(runtime, text: str, user: str = "corp-1", channel: str = "mp", group: str | None = None):
    return runtime.handle(Incoming(channel=channel, user=user, text=text, group=group))


def _subscriptions(runtime) -> list[tuple[str, str, str, str]]:
    with runtime.session() as session:
        rows = session.query(Subscription).order_by(Subscription.id).all()
        return [(row.subscriber, row.channel, row.region, row.topic) for row in rows]


def test_subscribe_list_and_unsubscribe_in_chat(knowledge_runtime) -> None:
    reply = _say(knowledge_runtime, "订阅 长春 政策")
    assert reply.text.startswith("已订阅：长春市 · 全部政策")
    _say(knowledge_runtime, "订阅 滨海 融资")
    _say(knowledge_runtime, "订阅 长春 政策")  # twice is once
    assert _subscriptions(knowledge_runtime) == [("mp:corp-1", "mp", "长春市", ""), ("mp:corp-1", "mp", "滨海新区", "融资")]
    listing = _say(knowledge_runtime, "我的订阅").text
    assert "1. 长春市 · 全部政策" in listing and "2. 滨海新区 · 融资" in listing
    assert _say(knowledge_runtime, "退订 长春").text.startswith("已退订 1 项")
    assert _subscriptions(knowledge_runtime) == [("mp:corp-1", "mp", "滨海新区", "融资")]
    assert "以后不再向您推送" in _say(knowledge_runtime, "退订").text
    assert _subscriptions(knowledge_runtime) == []
    assert "还没有订阅" in _say(knowledge_runtime, "我的订阅").text


def test_each_subscriber_is_kept_apart_and_reached_on_its_own_channel(knowledge_runtime) -> None:
    _say(knowledge_runtime, "订阅长春政策", user="zhang", channel="work")
    _say(knowledge_runtime, "订阅", user="li", channel="aibot")
    _say(knowledge_runtime, "退订", user="someone-else")
    assert _subscriptions(knowledge_runtime) == [("work:zhang", "work", "长春市", ""), ("work:li", "work", "", "")]


def test_a_group_subscribes_through_its_robot_and_is_told_when_it_has_none(knowledge_runtime) -> None:
    runtime = knowledge_runtime.make(groups={"wr-cc": {"region": "长春市", "robot": "changchun"}})
    reply = _say(runtime, "订阅 长春", channel="aibot", group="wr-cc")
    assert reply.mention == "corp-1" and reply.text.startswith("已订阅")
    assert _subscriptions(runtime) == [("group:wr-cc", "robot", "长春市", "")]
    reply = _say(runtime, "订阅 长春", channel="aibot", group="wr-other")
    assert "没有配置群机器人" in reply.text
    assert len(_subscriptions(runtime)) == 1


@pytest.mark.parametrize("question", ["订阅号是什么？", "怎么订阅政策", "订阅政策要钱吗"])
def test_questions_about_subscribing_are_not_commands(knowledge_runtime, question) -> None:
    from handlers.subscriptions import is_subscription_command

    assert not is_subscription_command(Incoming(channel="mp", user="u", text=question), None)


def test_parse_choice_regions_and_topics(shipped_knowledge) -> None:
    analyzer = shipped_knowledge.analyzer
    assert parse_choice("长春 政策", analyzer) == (["长春市"], [""])
    assert parse_choice("朝阳、辽源 融资 纳税", analyzer) == (["朝阳区", "辽源市"], ["融资", "纳税"])
    assert parse_choice("", analyzer) == ([], [])


def test_which_documents_a_subscription_is_news_for(shipped_knowledge) -> None:
    analyzer = shipped_knowledge.analyzer
    documents = {d.region: d for d in shipped_knowledge.documents() if d.kind == "policy"}
    national = next(d for d in shipped_knowledge.documents() if d.title == "优化营商环境条例")

    def matches(region: str, topic: str = "") -> set[str]:
        subscription = Subscription(region=region, topic=topic)
        found = {name for name, document in documents.items() if subscription_matches(subscription, document, analyzer)}
        return found | ({"全国"} if subscription_matches(subscription, national, analyzer) else set())

    assert matches("长春市") == {"长春市", "朝阳区", "长春新区", "全国"}  # the places inside it, and national law
    assert matches("朝阳区") == {"朝阳区", "全国"}
    assert matches("全国") == {"全国"}
    assert matches("") == {"长春市", "朝阳区", "长春新区", "滨海新区", "辽源市", "全国"}
    assert "滨海新区" in matches("", "津策通") and "辽源市" not in matches("", "津策通")
    assert matches("辽源市", "津策通") == set()
