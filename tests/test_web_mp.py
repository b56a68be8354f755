"""/wechat/mp end to end: plain and safe mode, URL verification, replies, events, retries."""

from sqlalchemy import func, select

from bot.store.inbound import InboundMessage
from bot.store.questions import QuestionLog
from wechat_sim import (
    MP_TOKEN, event_xml, make_app, message_xml, post_mp, mp_plain_post, mp_safe_post, open_mp_reply, row_counts, runtime_of, sign, text_xml,
)
import xmltodict

QUESTION = "小微企业办电要多少天？"


def _count(app, model) -> int:
    with runtime_of(app).session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_url_verification_uses_plain_signature_in_both_modes(make_config) -> None:
    for safe in (False, True):
        _app, client = make_app(make_config, safe_mp=safe)
        args = {"signature": sign(MP_TOKEN, "1409659589", "263014780"), "timestamp": "1409659589", "nonce": "263014780", "echostr": "e-123"}
        response = client.get("/wechat/mp", query_string=args)
        assert (response.status_code, response.data) == (200, b"e-123")
        forged = dict(args, signature="0" * 40)
        assert client.get("/wechat/mp", query_string=forged).status_code == 403


def test_plain_mode_answers_a_policy_question(make_config) -> None:
    app, client = make_app(make_config, safe_mp=False)
    args, body = mp_plain_post(text_xml("openid-plain", QUESTION, "5001"))
    response = client.post("/wechat/mp", query_string=args, data=body)
    assert response.status_code == 200
    reply = xmltodict.parse(response.data)["xml"]
    assert reply["ToUserName"] == "openid-plain" and reply["FromUserName"] == "gh_bot"
    assert "20个工作日" in reply["Content"] and "牵头部门" in reply["Content"]


def test_safe_mode_answers_encrypted_and_checks_msg_signature(make_config) -> None:
    app, client = make_app(make_config)
    args, body = mp_safe_post(text_xml("openid-safe", QUESTION, "5002"))
    response = client.post("/wechat/mp", query_string=args, data=body)
    assert response.status_code == 200
    reply = open_mp_reply(response.get_data(as_text=True))
    assert reply["ToUserName"] == "openid-safe" and "20个工作日" in reply["Content"]
    # the classic bug: a body checked with the plain signature. Here signature is right, msg_signature forged.
    forged = dict(args, msg_signature="0" * 40)
    assert client.post("/wechat/mp", query_string=forged, data=body).status_code == 403
    no_msg_signature = {k: v for k, v in args.items() if k != "msg_signature"}
    assert client.post("/wechat/mp", query_string=no_msg_signature, data=body).status_code == 403


def test_mode_mismatch_is_refused(make_config) -> None:
    _app, safe_client = make_app(make_config)
    args, body = mp_plain_post(text_xml("o1", QUESTION, "5003"))
    assert safe_client.post("/wechat/mp", query_string=args, data=body).status_code == 400
    _app, plain_client = make_app(make_config, safe_mp=False)
    args, body = mp_safe_post(text_xml("o1", QUESTION, "5004"))
    assert plain_client.post("/wechat/mp", query_string=args, data=body).status_code == 400


def test_retry_gets_the_first_answer_and_no_second_side_effect(make_config) -> None:
    app, client = make_app(make_config)
    args, body = mp_safe_post(text_xml("openid-retry", QUESTION, "5005"))
    first = open_mp_reply(client.post("/wechat/mp", query_string=args, data=body).get_data(as_text=True))
    again = dict(args, nonce="n1")
    second = open_mp_reply(client.post("/wechat/mp", query_string=again, data=body).get_data(as_text=True))
    assert first["Content"] == second["Content"]
    assert _count(app, QuestionLog) == 1 and _count(app, InboundMessage) == 1


def test_subscribe_event_gets_welcome_and_unsubscribe_nothing(make_config) -> None:
    app, client = make_app(make_config)
    args, body = mp_safe_post(event_xml("openid-new", "subscribe", create_time=1700000100))
    reply = open_mp_reply(client.post("/wechat/mp", query_string=args, data=body).get_data(as_text=True))
    assert "政企通" in reply["Content"]
    args, body = mp_safe_post(event_xml("openid-new", "unsubscribe", create_time=1700000200))
    assert client.post("/wechat/mp", query_string=args, data=body).data == b"success"
    # an event retried: same FromUserName + CreateTime, answered from the store
    args, body = mp_safe_post(event_xml("openid-new", "subscribe", create_time=1700000100))
    before = row_counts(app)
    assert "政企通" in open_mp_reply(client.post("/wechat/mp", query_string=args, data=body).get_data(as_text=True))["Content"]
    assert row_counts(app)["inbound_message"] == before["inbound_message"]


def test_image_gets_a_text_only_hint(make_config) -> None:
    _app, client = make_app(make_config)
    reply = post_mp(client, message_xml("o-img", "image", PicUrl="http://x/y.jpg", MediaId="m", MsgId="5006"))
    assert "文字" in reply["Content"]


def test_voice_with_recognition_is_answered_as_text(make_config) -> None:
    _app, client = make_app(make_config)
    reply = post_mp(client, message_xml("o-voice", "voice", MediaId="m", Format="amr", Recognition=QUESTION, MsgId="5007"))
    assert "20个工作日" in reply["Content"]


def test_unknown_message_type_gets_empty_reply_and_writes_nothing(make_config) -> None:
    app, client = make_app(make_config)
    before = row_counts(app)
    assert post_mp(client, message_xml("o-x", "hologram", MsgId="5008")) == b"success"
    assert row_counts(app) == before


def test_user_text_with_cdata_end_cannot_change_reply_xml(make_config) -> None:
    """The reply echoes nothing the user controls except through escaped CDATA: the 'not found' path logs the text,
    the ToUserName (the sender's id) is echoed; both survive a hostile ``]]>``."""
    _app, client = make_app(make_config, safe_mp=False)
    hostile_sender = "o]]></ToUserName><MsgType><![CDATA[news"
    xml = text_xml("placeholder", "帮助", "5009").replace("<![CDATA[placeholder]]>", "<![CDATA[o]]]]><![CDATA[></ToUserName><MsgType><![CDATA[news]]>")
    args, body = mp_plain_post(xml)
    response = client.post("/wechat/mp", query_string=args, data=body)
    reply = xmltodict.parse(response.data)["xml"]
    assert reply["MsgType"] == "text"
    assert reply["ToUserName"] == hostile_sender
