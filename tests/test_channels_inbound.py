"""The inbound processor: rate limit across app instances, the 5 s budget, long answers, retries."""

import time

import pytest
from sqlalchemy import select

import handlers.router as router
from bot.channels.inbound import RATE_LIMITED_TEXT
from bot.store.outbox import OutboxMessage
from handlers.types import Handler, Reply
from wechat_sim import make_app, mp_safe_post, open_mp_reply, runtime_of, text_xml, wechat_config
from bot.web import create_app


def _ask(client, sender: str, text: str, msg_id: str) -> str:
    args, body = mp_safe_post(text_xml(sender, text, msg_id))
    response = client.post("/wechat/mp", query_string=args, data=body)
    assert response.status_code == 200
    return "" if response.data == b"success" else open_mp_reply(response.get_data(as_text=True))["Content"]


def _outbox(app) -> list[OutboxMessage]:
    with runtime_of(app).session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _slow_handler(text: str, seconds: float) -> Handler:
    def slow(message, ctx):
        time.sleep(seconds)
        return Reply(text)

    return Handler("slow", lambda m, c: True, slow)


def _queued(app, seconds: float = 5) -> list[OutboxMessage]:
    """The outbox rows, once the handler thread that is still running has written them."""
    deadline = time.time() + seconds
    while not _outbox(app) and time.time() < deadline:
        time.sleep(0.05)
    return _outbox(app)


@pytest.fixture
def replace_handlers():
    original = list(router.HANDLERS)

    def _replace(*handlers):
        router.HANDLERS[:] = list(handlers)

    yield _replace
    router.HANDLERS[:] = original


def test_rate_limit_is_shared_by_two_app_instances(make_config) -> None:
    config = make_config(wechat=wechat_config(rate_limit_per_minute=3))
    first, second = create_app(config).test_client(), create_app(config).test_client()
    answers = [_ask(client, "o-busy", "帮助", f"rl-{n}") for n, client in enumerate([first, second, first, second])]
    assert all("政企通" in a for a in answers[:3])
    assert answers[3] == RATE_LIMITED_TEXT
    assert _ask(first, "o-other", "帮助", "rl-x") != RATE_LIMITED_TEXT
    assert _ask(second, "o-busy", "帮助", "rl-3") == RATE_LIMITED_TEXT  # a retry of the refused one: same answer


def test_slow_answer_replies_success_and_arrives_through_the_outbox(make_config, replace_handlers) -> None:
    replace_handlers(_slow_handler("慢慢的回答", 0.6))
    app, client = make_app(make_config, reply_timeout_seconds=0.1)
    assert _ask(client, "o-slow", "问题", "slow-1") == ""
    rows = _queued(app)
    assert [(r.channel, r.target, r.text) for r in rows] == [("mp", {"openid": "o-slow"}, "慢慢的回答")]
    assert _ask(client, "o-slow", "问题", "slow-1") == ""  # WeChat's retry: answered, nothing queued twice
    assert len(_outbox(app)) == 1


def test_answer_over_the_limit_is_numbered_first_part_passive_rest_queued(make_config, replace_handlers) -> None:
    long_text = "。".join(f"第{n}句说明办理流程和材料要求" for n in range(200)) + "。"
    replace_handlers(Handler("long", lambda m, c: True, lambda m, c: Reply(long_text)))
    app, client = make_app(make_config)
    first = _ask(client, "o-long", "问题", "long-1")
    rows = _outbox(app)
    assert first.startswith("(1/") and len(first.encode()) <= 2048
    assert rows and all(r.channel == "mp" and len(r.text.encode()) <= 2048 for r in rows)
    total = len(rows) + 1
    assert rows[-1].text.startswith(f"({total}/{total})")
    assert _ask(client, "o-long", "问题", "long-1") == first and len(_outbox(app)) == len(rows)


def test_handler_failure_is_an_apology_not_a_500(make_config, replace_handlers) -> None:
    def broken(message, ctx):
        raise RuntimeError("bug")

    replace_handlers(Handler("broken", lambda m, c: True, broken))
    _app, client = make_app(make_config)
    assert "抱歉" in _ask(client, "o-bug", "问题", "bug-1")


def test_last_seen_is_recorded_for_the_48_hour_window(make_config) -> None:
    from bot.store.inbound import last_seen

    app, client = make_app(make_config)
    _ask(client, "o-seen", "帮助", "seen-1")
    with runtime_of(app).session() as session:
        assert last_seen(session, "mp", "o-seen") is not None


def test_outbox_route_reaches_the_sender_on_each_channel() -> None:
    from bot.channels.inbound import outbox_route
    from handlers.types import Incoming

    assert outbox_route(Incoming(channel="mp", user="o1", text="")) == ("mp", {"openid": "o1"})
    assert outbox_route(Incoming(channel="work", user="u1", text="")) == ("work", {"touser": ["u1"]})
    group = Incoming(channel="aibot", user="u2", text="", group="wrG", response_url="https://r")
    assert outbox_route(group) == ("aibot", {"chatid": "wrG", "userid": "u2", "response_url": "https://r"})
    single = Incoming(channel="aibot", user="u3", text="", response_url="https://r")
    assert outbox_route(single)[1]["userid"] is None
    assert outbox_route(Incoming(channel="cli", user="me", text=""))[0] == "console"


def test_slow_group_answer_goes_to_the_response_url(make_config, replace_handlers) -> None:
    from wechat_sim import aibot_message, aibot_post

    replace_handlers(_slow_handler("群里的慢回答", 0.5))
    app, client = make_app(make_config, reply_timeout_seconds=0.1)
    args, body = aibot_post(aibot_message("zhangsan", "@政企通 问题", "slow-a1"))
    assert client.post("/wechat/aibot", query_string=args, data=body).data == b""
    (row,) = _queued(app)
    assert row.channel == "aibot" and row.target["userid"] == "zhangsan" and row.target["response_url"].startswith("https://")
