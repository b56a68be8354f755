"""Every bad input on every channel: a 4xx, a log line without personal data, no database write, no stack trace."""

import logging

import pytest

from wechat_sim import (
    OTHER_KEY, aibot_message, aibot_post, make_app, mp_plain_post, mp_safe_post, row_counts, runtime_of, text_xml, work_post,
)

SENDER, SECRET_TEXT = "openid-13800138000", "我的手机号13800138000"
BOMB = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<xml><ToUserName>gh</ToUserName><FromUserName>" + SENDER + "</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId></xml>")


def _forged(args, body, name):
    return dict(args, **{name: "0" * 40}), body


def _without(args, body, name):
    return {k: v for k, v in args.items() if k != name}, body


def _cases():
    text = text_xml(SENDER, SECRET_TEXT, "9001", agent="1000002")
    aibot = aibot_message(SENDER, SECRET_TEXT, "9001")
    return [
        ("mp", "forged msg_signature", *_forged(*mp_safe_post(text), "msg_signature"), 403),
        ("mp", "missing msg_signature", *_without(*mp_safe_post(text), "msg_signature"), 403),
        ("mp", "wrong AES key", *mp_safe_post(text, key=OTHER_KEY), 400),
        ("mp", "wrong app id", *mp_safe_post(text, app_id="wx_other_app"), 400),
        ("mp", "malformed envelope", mp_safe_post(text)[0], "<xml><Encrypt>", 400),
        ("mp", "entity bomb inside", *mp_safe_post(BOMB), 400),
        ("mp", "missing timestamp", *_without(*mp_safe_post(text), "timestamp"), 400),
        ("work", "forged msg_signature", *_forged(*work_post(text), "msg_signature"), 403),
        ("work", "wrong AES key", *work_post(text, key=OTHER_KEY), 400),
        ("work", "entity bomb envelope", work_post(text)[0], BOMB, 400),
        ("work", "missing nonce", *_without(*work_post(text), "nonce"), 400),
        ("aibot", "forged msg_signature", *_forged(*aibot_post(aibot), "msg_signature"), 403),
        ("aibot", "missing msg_signature", *_without(*aibot_post(aibot), "msg_signature"), 403),
        ("aibot", "wrong AES key", *aibot_post(aibot, key=OTHER_KEY), 400),
        ("aibot", "malformed JSON", aibot_post(aibot)[0], '{"encrypt": ', 400),
    ]


@pytest.mark.parametrize("channel,case,args,body,status", _cases(), ids=[f"{c[0]}-{c[1]}" for c in _cases()])
def test_bad_input_is_refused_cleanly(make_config, caplog, channel, case, args, body, status) -> None:
    app, client = make_app(make_config)
    before = row_counts(app)
    with caplog.at_level(logging.INFO):
        response = client.post(f"/wechat/{channel}", query_string=args, data=body)
    assert response.status_code == status
    assert b"Traceback" not in response.data and len(response.data) < 80
    assert row_counts(app) == before
    assert any("rejected" in record.getMessage() for record in caplog.records)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert SENDER not in logged and "13800138000" not in logged


def test_plain_mode_forged_and_missing_signature(make_config) -> None:
    app, client = make_app(make_config, safe_mp=False)
    before = row_counts(app)
    args, body = mp_plain_post(text_xml(SENDER, SECRET_TEXT, "9002"))
    assert client.post("/wechat/mp", query_string=dict(args, signature="0" * 40), data=body).status_code == 403
    assert client.post("/wechat/mp", query_string=_without(args, body, "signature")[0], data=body).status_code == 403
    assert client.post("/wechat/mp", query_string=args, data=BOMB).status_code == 400
    assert row_counts(app) == before


@pytest.mark.parametrize("channel", ["mp", "work", "aibot"])
def test_body_over_64_kib_is_refused(make_config, channel) -> None:
    app, client = make_app(make_config)
    before = row_counts(app)
    args, _body = mp_safe_post(text_xml(SENDER, "x", "9003"))
    response = client.post(f"/wechat/{channel}", query_string=args, data=b"<xml>" + b"a" * 65536 + b"</xml>")
    assert response.status_code == 413 and b"Traceback" not in response.data
    assert row_counts(app) == before


def test_stale_timestamp_is_refused_when_the_window_is_on(make_config) -> None:
    app, client = make_app(make_config, replay_window_seconds=300)
    args, body = mp_safe_post(text_xml(SENDER, "帮助", "9004"), timestamp="1409659589")
    assert client.post("/wechat/mp", query_string=args, data=body).status_code == 403
    import time

    args, body = mp_safe_post(text_xml(SENDER, "帮助", "9005"), timestamp=str(int(time.time())))
    assert client.post("/wechat/mp", query_string=args, data=body).status_code == 200


def test_unconfigured_channel_and_unknown_path_are_404(make_config) -> None:
    from bot.web import create_app

    client = create_app(make_config()).test_client()
    assert client.get("/wechat/mp").status_code == 404
    assert client.get("/wechat/nothing").status_code == 404
    assert client.put("/wechat/mp").status_code == 405


def test_bad_encoding_aes_key_fails_at_start_up(make_config) -> None:
    from bot.config import ConfigError
    from bot.web import create_app
    from wechat_sim import wechat_config

    section = wechat_config()
    section["aibot"]["encoding_aes_key"] = "too-short"
    with pytest.raises(ConfigError, match="wechat.aibot"):
        create_app(make_config(wechat=section))


def test_healthz_reports_database_and_index(make_config) -> None:
    _app, client = make_app(make_config)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok" and response.json["clauses"] > 100


def test_healthz_is_503_when_the_database_is_unreachable(make_config, tmp_path) -> None:
    from sqlalchemy import create_engine

    app, client = make_app(make_config)
    (tmp_path / "blocked").write_text("a file where a folder should be")
    runtime_of(app).engine = create_engine(f"sqlite:///{tmp_path / 'blocked' / 'x.db'}")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_accepted_messages_and_events_log_no_personal_data(make_config, caplog) -> None:
    from wechat_sim import event_xml

    app, client = make_app(make_config, rate_limit_per_minute=1)
    with caplog.at_level(logging.DEBUG):
        for xml in (text_xml(SENDER, SECRET_TEXT, "9101"), text_xml(SENDER, SECRET_TEXT, "9102"), event_xml(SENDER, "subscribe")):
            args, body = mp_safe_post(xml)
            assert client.post("/wechat/mp", query_string=args, data=body).status_code == 200
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "over the rate limit" in logged
    assert SENDER not in logged and "13800138000" not in logged
