"""Requests as WeChat's servers send them, built with wechatpy's own crypto, and the test configuration.

Used by the web tests: ``signed_get``/``mp_post``/``work_post``/``aibot_post`` return (query string, body) that
the Flask test client posts into the app; ``open_*_reply`` decrypt and check what the app answered.
"""

from __future__ import annotations

import json
import time
from typing import Any

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as CorpCrypto
from wechatpy.utils import WeChatSigner

# The GUIDE's test vectors: wechatpy's own (WeChat Work) and WeChat Work's documentation.
WECHATPY_VECTOR = {
    "token": "123456", "key": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "corp_id": "wx49f0ab532d5d035a",
    "msg_signature": "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "timestamp": "1411443780", "nonce": "437374425",
    "echostr": "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==",
    "plain": "5927782489442352469",
}
WORK_DOC_VECTOR = {
    "token": "QDG6eK", "key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "corp_id": "wx5823bf96d3bd56c7",
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "timestamp": "1409659589", "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
    "plain": "1616140317555161061",
}

MP_APP_ID = "wx1234567890abcdef"
MP_TOKEN = "mp-token"
MP_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
AIBOT_TOKEN = "aibot-token"
AIBOT_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
OTHER_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"


def wechat_config(safe_mp: bool = True, **extra: Any) -> dict[str, Any]:
    """The ``wechat`` section the tests use: all three channels, the GUIDE's WeChat Work vector, no replay window."""
    section = {
        "replay_window_seconds": 0,
        "mp": {"app_id": MP_APP_ID, "app_secret": "mp-secret", "token": MP_TOKEN, "encoding_aes_key": MP_KEY if safe_mp else ""},
        "work": {"corp_id": WORK_DOC_VECTOR["corp_id"], "agent_id": "1000002", "secret": "work-secret",
                 "token": WORK_DOC_VECTOR["token"], "encoding_aes_key": WORK_DOC_VECTOR["key"]},
        "aibot": {"token": AIBOT_TOKEN, "encoding_aes_key": AIBOT_KEY},
    }
    section.update(extra)
    return section


def sign(*values: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*values)
    return signer.signature


def text_xml(sender: str, text: str, msg_id: str, to: str = "gh_bot", create_time: int = 1700000000, agent: str | None = None) -> str:
    agent_xml = f"<AgentID>{agent}</AgentID>" if agent else ""
    return (f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId>{agent_xml}</xml>")


def message_xml(sender: str, msg_type: str, to: str = "gh_bot", create_time: int = 1700000000, **fields: str) -> str:
    """Any message or event: ``fields`` become elements in the order given."""
    extra = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
    return (f"<xml><ToUserName>{to}</ToUserName><FromUserName>{sender}</FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType>{msg_type}</MsgType>{extra}</xml>")


def event_xml(sender: str, event: str, create_time: int = 1700000000, to: str = "gh_bot") -> str:
    return message_xml(sender, "event", to=to, create_time=create_time, Event=event)


def post_mp(client, xml: str) -> dict[str, Any] | bytes:
    """Post ``xml`` to /wechat/mp in safe mode; the decrypted reply, or the raw body of an empty reply."""
    args, body = mp_safe_post(xml)
    response = client.post("/wechat/mp", query_string=args, data=body)
    return response.data if response.data in (b"success", b"") else open_mp_reply(response.get_data(as_text=True))


def post_work(client, xml: str) -> dict[str, Any] | bytes:
    """Post ``xml`` to /wechat/work; the decrypted reply, or the raw body of an empty reply."""
    args, body = work_post(xml)
    response = client.post("/wechat/work", query_string=args, data=body)
    return response.data if response.data in (b"success", b"") else open_work_reply(response.get_data(as_text=True))


def _envelope_args(crypto, xml: str, nonce: str, timestamp: str) -> tuple[dict[str, str], str]:
    envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
    body = f"<xml><ToUserName><![CDATA[gh_bot]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    return {"msg_signature": envelope["MsgSignature"], "timestamp": timestamp, "nonce": nonce}, body


def mp_plain_post(xml: str, timestamp: str = "1700000000", nonce: str = "n1") -> tuple[dict[str, str], str]:
    return {"signature": sign(MP_TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "openid": "o"}, xml


def mp_safe_post(xml: str, timestamp: str = "1700000000", nonce: str = "n1", key: str = MP_KEY, app_id: str = MP_APP_ID) -> tuple[dict[str, str], str]:
    args, body = _envelope_args(WeChatCrypto(MP_TOKEN, key, app_id), xml, nonce, timestamp)
    args.update({"signature": sign(MP_TOKEN, timestamp, nonce), "encrypt_type": "aes", "openid": "o"})
    return args, body


def work_post(xml: str, timestamp: str = "1700000000", nonce: str = "n1", key: str | None = None, corp_id: str | None = None) -> tuple[dict[str, str], str]:
    crypto = CorpCrypto(WORK_DOC_VECTOR["token"], key or WORK_DOC_VECTOR["key"], corp_id or WORK_DOC_VECTOR["corp_id"])
    return _envelope_args(crypto, xml, nonce, timestamp)


def aibot_message(userid: str, text: str, msgid: str, chatid: str = "wrGroup1", chattype: str = "group") -> dict[str, Any]:
    return {"msgid": msgid, "aibotid": "aib-1", "chatid": chatid, "chattype": chattype, "from": {"userid": userid},
            "response_url": f"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code={msgid}",
            "msgtype": "text", "text": {"content": text}}


def aibot_post(message: dict[str, Any] | str, timestamp: str = "1700000000", nonce: str = "n1", key: str = AIBOT_KEY, receive_id: str = "") -> tuple[dict[str, str], str]:
    plain = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    crypto = CorpCrypto(AIBOT_TOKEN, key, receive_id)
    envelope = xmltodict.parse(crypto.encrypt_message(plain, nonce, timestamp))["xml"]
    return {"msg_signature": envelope["MsgSignature"], "timestamp": timestamp, "nonce": nonce}, json.dumps({"encrypt": envelope["Encrypt"]})


def open_xml_reply(crypto, body: str, nonce: str = "n1") -> dict[str, Any]:
    """Check the reply envelope's signature like WeChat does and return the decrypted reply fields."""
    envelope = xmltodict.parse(body)["xml"]
    plain = crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"], nonce)
    return xmltodict.parse(plain)["xml"]


def open_mp_reply(body: str, nonce: str = "n1") -> dict[str, Any]:
    return open_xml_reply(WeChatCrypto(MP_TOKEN, MP_KEY, MP_APP_ID), body, nonce)


def open_work_reply(body: str, nonce: str = "n1") -> dict[str, Any]:
    return open_xml_reply(CorpCrypto(WORK_DOC_VECTOR["token"], WORK_DOC_VECTOR["key"], WORK_DOC_VECTOR["corp_id"]), body, nonce)


def open_aibot_reply(body: str, nonce: str = "n1") -> dict[str, Any]:
    envelope = json.loads(body)
    assert envelope["nonce"] == nonce
    expected = sign(AIBOT_TOKEN, str(envelope["timestamp"]), nonce, envelope["encrypt"])
    assert envelope["msgsignature"] == expected
    crypto = CorpCrypto(AIBOT_TOKEN, AIBOT_KEY, "")
    from wechatpy.enterprise.crypto import PrpCrypto

    return json.loads(PrpCrypto(crypto.key).decrypt(envelope["encrypt"], ""))


def now_timestamp() -> str:
    return str(int(time.time()))


def make_app(make_config, **wechat_overrides: Any):
    """A Flask app on a fresh SQLite database with all three channels configured; returns (app, client)."""
    from bot.web import create_app

    safe_mp = wechat_overrides.pop("safe_mp", True)
    extra = wechat_overrides.pop("config", {})
    config = make_config(wechat=wechat_config(safe_mp=safe_mp, **wechat_overrides), **extra)
    app = create_app(config)
    return app, app.test_client()


def runtime_of(app):
    return app.extensions["zqt"]["runtime"]


def row_counts(app) -> dict[str, int]:
    """Rows in every table: a request that must change nothing leaves these equal."""
    from sqlalchemy import func, select

    from bot.store.base import Base

    runtime = runtime_of(app)
    with runtime.session() as session:
        return {name: session.scalar(select(func.count()).select_from(table)) for name, table in Base.metadata.tables.items()}


def post_in_process(config: dict[str, Any], messages: list[tuple[str, str, str]], barrier, results) -> None:
    """Run in a child process: one web worker posting ``messages`` (sender, text, msg id) as WeChat's retries would."""
    from bot.web import create_app

    app = create_app(config)
    app.extensions["zqt"]["runtime"].knowledge
    client = app.test_client()
    barrier.wait(timeout=60)
    answers = {}
    for sender, text, msg_id in messages:
        args, body = mp_safe_post(text_xml(sender, text, msg_id))
        response = client.post("/wechat/mp", query_string=args, data=body)
        answers[msg_id] = (response.status_code, open_mp_reply(response.get_data(as_text=True))["Content"] if response.status_code == 200 else "")
    results.put(answers)
