"""订阅 / 退订 / 我的订阅: enterprises (and group chats) choose which policy notices they receive.

- ``订阅 长春 政策`` — notices of 长春市's documents (and of the places inside it: 朝阳区, 长春新区), and of national
  regulations, which bind every place. ``订阅 融资`` — any region's documents that speak of 融资. ``订阅`` — everything.
  A region and a topic together must both match. ``政策``/``通知``/``全部`` mean every topic.
- ``退订`` drops every subscription of the sender (``退订 长春`` only those of 长春市); ``我的订阅`` lists them.

In a group chat the subscription is the group's and notices go through the group's robot
(``groups.<chatid>.robot``); a group without one is told so instead of being subscribed to nothing.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.subscriptions import Subscription
from handlers.reminders.recipients import Recipient
from handlers.types import Context, Handler, Incoming, Reply

ALL_TOPICS = {"政策", "政策文件", "政策通知", "通知", "全部", "所有", "文件", "新政策", "全部政策"}
MAX_TOPIC_CHARS = 12
_COMMAND = re.compile(r"^\s*(订阅|退订|取消订阅|我的订阅|查看订阅)\s*(.*?)\s*[。.!！]?\s*$")
_QUESTION = re.compile(r"[?？吗呢么]|什么|怎么|如何|是否|能不能|可以")
_SEPARATORS = re.compile(r"[\s、，,/+]+")


class NoRobot(ValueError):
    """A group chat has no robot configured, so notices could not reach it."""


def subscriber_of(message: Incoming, config: Mapping[str, Any]) -> tuple[str, Recipient]:
    """Who is subscribing (``work:<userid>``, ``mp:<openid>``, ``group:<chatid>``) and how to reach them."""
    if message.group:
        robot = ((config.get("groups") or {}).get(message.group) or {}).get("robot")
        if not robot:
            raise NoRobot(message.group)
        return f"group:{message.group}", Recipient("robot", {"robot": robot})
    if message.channel in ("work", "aibot"):
        return f"work:{message.user}", Recipient("work", {"touser": [message.user]})
    if message.channel == "mp":
        return f"mp:{message.user}", Recipient("mp", {"openid": message.user})
    return f"{message.channel}:{message.user}", Recipient("console", {"user": message.user})


def parse_choice(text: str, analyzer: Any) -> tuple[list[str], list[str]]:
    """The regions (canonical names) and topics of ``长春 政策``, ``长春政策``, ``滨海 融资``; ``""`` is every topic."""
    regions: list[str] = []
    topics: list[str] = []
    aliases = sorted(analyzer.regions, key=len, reverse=True)
    for token in filter(None, _SEPARATORS.split(text)):
        alias = next((name for name in aliases if token.startswith(name)), None)
        if alias is not None:
            regions.append(analyzer.regions[alias])
            token = token[len(alias) :]
        if token:
            topics.append("" if token in ALL_TOPICS else token[:MAX_TOPIC_CHARS])
    return list(dict.fromkeys(regions)), list(dict.fromkeys(topics))


def subscribe(
    session: Session, subscriber: str, recipient: Recipient, regions: list[str], topics: list[str], now: datetime
) -> list[Subscription]:
    """Record the (region, topic) choices not recorded yet; return every subscription they stand for."""
    chosen = []
    for region in regions or [""]:
        for topic in topics or [""]:
            row = session.scalars(
                select(Subscription).where(
                    Subscription.subscriber == subscriber, Subscription.region == region, Subscription.topic == topic
                )
            ).first()
            if row is None:
                row = Subscription(subscriber=subscriber, region=region, topic=topic, created_at=now)
                session.add(row)
            row.channel, row.target_json = recipient.channel, _target_json(recipient)
            chosen.append(row)
    session.flush()
    return chosen


def _target_json(recipient: Recipient) -> str:
    return json.dumps(recipient.target, ensure_ascii=False, sort_keys=True)


def unsubscribe(session: Session, subscriber: str, regions: Iterable[str] = (), topics: Iterable[str] = ()) -> int:
    """Drop the sender's subscriptions (all, or those of the given regions/topics); return how many."""
    query = delete(Subscription).where(Subscription.subscriber == subscriber)
    regions, topics = list(regions), [topic for topic in topics if topic]
    if regions:
        query = query.where(Subscription.region.in_(regions))
    if topics:
        query = query.where(Subscription.topic.in_(topics))
    return session.execute(query).rowcount or 0


def subscriptions_of(session: Session, subscriber: str) -> list[Subscription]:
    """A subscriber's subscriptions, oldest first."""
    query = select(Subscription).where(Subscription.subscriber == subscriber).order_by(Subscription.id)
    return list(session.scalars(query))


def _speaks_of(document: Any, topic: str, analyzer: Any) -> bool:
    words = {topic, analyzer.synonyms.get(topic, topic)}
    texts = [document.title, *(f"{clause.heading} {clause.text}" for clause in document.clauses)]
    return any(word in text for text in texts for word in words)


def subscription_matches(subscription: Subscription, document: Any, analyzer: Any) -> bool:
    """Whether ``document`` is news for ``subscription``: its region (a place inside it included; national law for
    every region) and its topic (named in the title or a clause)."""
    if subscription.region and document.region != "全国":
        if subscription.region not in analyzer.region_chain(document.region or ""):
            return False
    if subscription.region == "全国" and document.region != "全国":
        return False
    return not subscription.topic or _speaks_of(document, subscription.topic, analyzer)


def matching_subscriptions(session: Session, document: Any, analyzer: Any) -> dict[str, list[Subscription]]:
    """The subscriptions ``document`` is news for, grouped by subscriber (each subscriber is told once)."""
    found: dict[str, list[Subscription]] = {}
    for subscription in session.scalars(select(Subscription).order_by(Subscription.id)):
        if subscription_matches(subscription, document, analyzer):
            found.setdefault(subscription.subscriber, []).append(subscription)
    return found


# -- chat -----------------------------------------------------------------------------------------------


def is_subscription_command(message: Incoming, ctx: Context) -> bool:
    if message.msg_type != "text":
        return False
    match = _COMMAND.match(message.text)
    return bool(match) and len(match.group(2)) <= 20 and not _QUESTION.search(match.group(2))


def handle_subscription(message: Incoming, ctx: Context) -> Reply:
    """Subscribe, unsubscribe or list, and say what the sender now receives."""
    command, rest = _COMMAND.match(message.text).groups()
    try:
        subscriber, recipient = subscriber_of(message, ctx.config)
    except NoRobot:
        return Reply("本群还没有配置群机器人，暂时无法推送政策通知。请联系管理员在配置 groups.<群ID>.robot 中添加。")
    if command in ("我的订阅", "查看订阅"):
        return Reply(_listing(subscriptions_of(ctx.session, subscriber)))
    regions, topics = parse_choice(rest, ctx.knowledge.analyzer)
    if command in ("退订", "取消订阅"):
        count = unsubscribe(ctx.session, subscriber, regions, topics)
        remaining = subscriptions_of(ctx.session, subscriber)
        if not count:
            return Reply("没有找到对应的订阅。" + _listing(remaining))
        return Reply(f"已退订 {count} 项。" + (_listing(remaining) if remaining else "以后不再向您推送政策通知。"))
    chosen = subscribe(ctx.session, subscriber, recipient, regions, topics, ctx.now)
    names = "、".join(subscription.describe() for subscription in chosen)
    return Reply(f"已订阅：{names}。有新政策文件时会推送简要通知。\n发送“我的订阅”查看，“退订”取消。")


def _listing(subscriptions: list[Subscription]) -> str:
    if not subscriptions:
        return "您还没有订阅政策通知。发送“订阅 长春 政策”订阅某地政策，“订阅”订阅全部。"
    lines = [f"{number}. {row.describe()}" for number, row in enumerate(subscriptions, start=1)]
    return "您的订阅：\n" + "\n".join(lines) + "\n发送“退订”全部取消，或“退订 长春”取消某一项。"


HANDLER = Handler("subscriptions", is_subscription_command, handle_subscription)
