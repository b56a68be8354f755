"""/wechat/work end to end with the GUIDE's WeChat Work vectors and wechatpy-built messages."""

from wechatpy.enterprise.crypto import WeChatCrypto as CorpCrypto

from wechat_sim import (
    OTHER_KEY, WECHATPY_VECTOR, WORK_DOC_VECTOR, make_app, message_xml, open_work_reply, post_work, row_counts, text_xml,
    wechat_config, work_post,
)
from bot.web import create_app


def _verify_args(vector) -> dict:
    return {k: vector[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")}


def test_url_verification_with_the_documentation_vector(make_config) -> None:
    _app, client = make_app(make_config)
    response = client.get("/wechat/work", query_string=_verify_args(WORK_DOC_VECTOR))
    assert (response.status_code, response.data) == (200, WORK_DOC_VECTOR["plain"].encode())


def test_url_verification_with_wechatpys_vector(make_config) -> None:
    v = WECHATPY_VECTOR
    section = wechat_config(work={"corp_id": v["corp_id"], "agent_id": "", "secret": "", "token": v["token"], "encoding_aes_key": v["key"]})
    client = create_app(make_config(wechat=section)).test_client()
    response = client.get("/wechat/work", query_string=_verify_args(v))
    assert (response.status_code, response.data) == (200, v["plain"].encode())


def test_url_verification_refuses_plain_signature_and_forgery(make_config) -> None:
    _app, client = make_app(make_config)
    args = _verify_args(WORK_DOC_VECTOR)
    assert client.get("/wechat/work", query_string=dict(args, msg_signature="f" * 40)).status_code == 403
    plain = {k: v for k, v in args.items() if k != "msg_signature"}
    assert client.get("/wechat/work", query_string=dict(plain, signature=args["msg_signature"])).status_code == 403


def test_message_is_answered_encrypted(make_config) -> None:
    _app, client = make_app(make_config)
    args, body = work_post(text_xml("zhangsan", "帮助", "7001", to=WORK_DOC_VECTOR["corp_id"], agent="1000002"))
    response = client.post("/wechat/work", query_string=args, data=body)
    assert response.status_code == 200
    reply = open_work_reply(response.get_data(as_text=True))
    assert reply["ToUserName"] == "zhangsan" and "政策咨询" in reply["Content"]


def test_wrong_corp_id_wrong_key_and_wrong_agent_are_refused_without_writes(make_config) -> None:
    app, client = make_app(make_config)
    before = row_counts(app)
    cases = [
        work_post(text_xml("u", "帮助", "7002", agent="1000002"), corp_id="wx_someone_else"),
        work_post(text_xml("u", "帮助", "7003", agent="1000002"), key=OTHER_KEY),
        work_post(text_xml("u", "帮助", "7004", agent="9999")),
    ]
    for args, body in cases:
        response = client.post("/wechat/work", query_string=args, data=body)
        assert response.status_code == 400
        assert b"Traceback" not in response.data and len(response.data) < 100
    assert row_counts(app) == before


def test_enter_agent_event_gets_the_welcome(make_config) -> None:
    _app, client = make_app(make_config)
    reply = post_work(client, message_xml("lisi", "event", to="corp", Event="enter_agent", EventKey="", AgentID="1000002"))
    assert "政企通" in reply["Content"]


def test_crypto_of_the_reply_is_wechatpy_compatible(make_config) -> None:
    _app, client = make_app(make_config)
    args, body = work_post(text_xml("wangwu", "帮助", "7005", agent="1000002"), nonce="nonce-77")
    response = client.post("/wechat/work", query_string=args, data=body)
    v = WORK_DOC_VECTOR
    crypto = CorpCrypto(v["token"], v["key"], v["corp_id"])
    import xmltodict

    envelope = xmltodict.parse(response.data)["xml"]
    assert envelope["Nonce"] == "nonce-77"
    plain = crypto.decrypt_message(response.get_data(as_text=True), envelope["MsgSignature"], envelope["TimeStamp"], "nonce-77")
    assert "wangwu" in plain
