"""Each notifier against a fake of WeChat's servers that records what would have been sent."""

from datetime import timedelta

import pytest
import requests

from bot.notify.base import DeliveryError, Outgoing
from bot.notify.queue import RetryPolicy
from bot.notify.registry import build_notifiers
from bot.notify.worker import deliver_due
from bot.store.base import utcnow
from bot.store.inbound import StoredAnswer, record_answer
from bot.store.outbox import FAILED, SENT, OutboxMessage, enqueue
from fake_wechat import RecordingTransport
from wechat_sim import wechat_config

ROBOT_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=leaders-key"


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def configured(make_config):
    from bot.runtime import Runtime

    runtime = Runtime(make_config(wechat=wechat_config(group_robots={"leaders": ROBOT_URL}, robot_per_minute=3)))
    yield runtime
    runtime.engine.dispose()


def _notifiers(runtime, transport):
    return build_notifiers(runtime.config, runtime.sessions, http=transport.session())


def _send(runtime, transport, channel, target, text, msgtype="text"):
    message = Outgoing(1, channel, target, text, msgtype, "k")
    _notifiers(runtime, transport)[channel].send(message)


def test_robot_text_with_mentions_and_markdown(configured, transport) -> None:
    _send(configured, transport, "robot", {"robot": "leaders", "mention": ["zhangsan"]}, "督办提醒")
    _send(configured, transport, "robot", {"robot": "leaders"}, "**周报**", "markdown")
    first, second = transport.messages("webhook")
    assert first.query == {"key": "leaders-key"}
    assert first.body == {"msgtype": "text", "text": {"content": "督办提醒", "mentioned_list": ["zhangsan"]}}
    assert second.body == {"msgtype": "markdown", "markdown": {"content": "**周报**"}}
    with pytest.raises(DeliveryError) as caught:
        _send(configured, transport, "robot", {"robot": "nobody"}, "x")
    assert caught.value.permanent


def test_robot_limit_per_minute_holds_across_processes(configured, transport) -> None:
    """Two notifier sets (two worker processes) on one database share each robot's 3-a-minute budget here."""
    one, two = _notifiers(configured, transport)["robot"], _notifiers(configured, transport)["robot"]
    for notifier in (one, two, one):
        notifier.send(Outgoing(1, "robot", {"robot": "leaders"}, "x"))
    with pytest.raises(DeliveryError) as caught:
        two.send(Outgoing(2, "robot", {"robot": "leaders"}, "x"))
    assert not caught.value.counts_attempt and caught.value.retry_at > utcnow() + timedelta(seconds=50)
    assert len(transport.messages("webhook")) == 3


def test_robot_limit_through_the_worker_delays_without_losing(configured, transport) -> None:
    with configured.session() as session:
        for n in range(5):
            enqueue(session, "robot", {"robot": "leaders"}, f"消息{n}", key=f"r{n}")
    notifiers = _notifiers(configured, transport)
    assert deliver_due(configured.sessions, notifiers, utcnow(), RetryPolicy()) == 3
    with configured.session() as session:
        rows = session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        assert [r.status for r in rows] == [SENT] * 3 + ["pending"] * 2 and rows[3].attempts == 0
    assert deliver_due(configured.sessions, notifiers, utcnow() + timedelta(seconds=61), RetryPolicy()) == 0  # slots are real time
    assert [m.body["text"]["content"] for m in transport.messages("webhook")] == ["消息0", "消息1", "消息2"]


def test_work_app_message_to_users_departments_tags(configured, transport) -> None:
    _send(configured, transport, "work", {"touser": ["zhangsan", "lisi"], "toparty": ["12"], "totag": ["3"]}, "请办理 ZQ20261118003")
    token_fetch, message = transport.sent
    assert token_fetch.path == "/cgi-bin/gettoken" and token_fetch.query["corpid"] == configured.config["wechat"]["work"]["corp_id"]
    assert message.path == "/cgi-bin/message/send" and message.query["access_token"] == "TOKEN-1"
    assert message.body == {"touser": "zhangsan|lisi", "toparty": "12", "totag": "3", "agentid": "1000002",
                            "msgtype": "text", "text": {"content": "请办理 ZQ20261118003"}}


def test_access_token_is_shared_by_processes_and_refreshed_after_rejection(configured, transport) -> None:
    one, two = _notifiers(configured, transport)["work"], _notifiers(configured, transport)["work"]
    one.send(Outgoing(1, "work", {"touser": ["a"]}, "x"))
    two.send(Outgoing(2, "work", {"touser": ["b"]}, "y"))
    assert transport.tokens_issued == 1
    transport.answer("message/send", {"errcode": 42001, "errmsg": "access_token expired"})
    with pytest.raises(DeliveryError) as caught:
        two.send(Outgoing(3, "work", {"touser": ["c"]}, "z"))
    assert not caught.value.permanent  # retried by the worker, bounded, not by wechatpy:
    assert len(transport.messages("message/send")) == 3 and transport.tokens_issued == 1  # no automatic retry
    one.send(Outgoing(3, "work", {"touser": ["c"]}, "z"))
    assert transport.tokens_issued == 2
    assert transport.messages("message/send")[-1].query["access_token"] == "TOKEN-2"


def test_network_errors_and_http_errors_are_retryable_or_not(configured, transport) -> None:
    transport.answer("webhook", requests.ConnectionError("down"))
    transport.answer("webhook", 502)
    transport.answer("webhook", 404)
    transport.answer("webhook", {"errcode": 93000, "errmsg": "invalid webhook url"})
    from bot.notify.robot import RobotNotifier

    robot = RobotNotifier({"leaders": ROBOT_URL}, transport.session(), configured.sessions, per_minute=20)
    outcomes = []
    for _ in range(4):
        with pytest.raises(DeliveryError) as caught:
            robot.send(Outgoing(1, "robot", {"robot": "leaders"}, "x"))
        outcomes.append(caught.value.permanent)
    assert outcomes == [False, False, True, True]


def test_mp_customer_service_only_within_48_hours(configured, transport) -> None:
    with configured.session() as session:
        for openid, hours in (("o-recent", 47), ("o-old", 49)):
            record_answer(session, "mp", f"m-{openid}", StoredAnswer("", None, False), user_id=openid,
                          received_at=utcnow() - timedelta(hours=hours))
    _send(configured, transport, "mp", {"openid": "o-recent"}, "您的诉求已受理")
    (message,) = transport.messages("custom/send")
    assert message.body == {"touser": "o-recent", "msgtype": "text", "text": {"content": "您的诉求已受理"}}
    for openid in ("o-old", "o-never"):
        with pytest.raises(DeliveryError) as caught:
            _send(configured, transport, "mp", {"openid": openid}, "x")
        assert caught.value.permanent and "48" in caught.value.reason


def test_aibot_reply_goes_to_response_url_addressed(configured, transport) -> None:
    url = "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC1"
    _send(configured, transport, "aibot", {"chatid": "wrG", "userid": "zhangsan", "response_url": url}, "答复")
    (message,) = transport.messages("aibot/response")
    assert message.query == {"response_code": "RC1"}
    assert message.body == {"msgtype": "markdown", "markdown": {"content": "<@zhangsan> 答复"}}


def test_unconfigured_channels_have_no_notifier(make_config) -> None:
    from bot.runtime import Runtime

    runtime = Runtime(make_config())
    assert set(build_notifiers(runtime.config, runtime.sessions)) == {"console", "aibot"}
    with runtime.session() as session:
        enqueue(session, "work", {"touser": ["x"]}, "t", key="w")
    deliver_due(runtime.sessions, build_notifiers(runtime.config, runtime.sessions), utcnow())
    with runtime.session() as session:
        assert session.query(OutboxMessage).one().status == FAILED
    runtime.engine.dispose()
