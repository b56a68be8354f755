"""/wechat/aibot end to end: JSON callbacks of @-mentions in groups, encrypted JSON replies."""

import json

from wechatpy.enterprise.crypto import PrpCrypto

from bot.channels.security import decode_aes_key, sign
from bot.store.conversation import load_state
from wechat_sim import AIBOT_KEY, AIBOT_TOKEN, OTHER_KEY, aibot_message, aibot_post, make_app, open_aibot_reply, row_counts, runtime_of


def test_url_verification_decrypts_echostr_with_empty_receive_id(make_config) -> None:
    _app, client = make_app(make_config)
    echostr = PrpCrypto(decode_aes_key(AIBOT_KEY, "t")).encrypt("echo-4711", "").decode()
    args = {"msg_signature": sign(AIBOT_TOKEN, "1409659589", "n9", echostr), "timestamp": "1409659589", "nonce": "n9", "echostr": echostr}
    response = client.get("/wechat/aibot", query_string=args)
    assert (response.status_code, response.data) == (200, b"echo-4711")
    assert client.get("/wechat/aibot", query_string=dict(args, msg_signature="1" * 40)).status_code == 403
    with_corp_id = PrpCrypto(decode_aes_key(AIBOT_KEY, "t")).encrypt("echo", "wxcorp").decode()
    args = {"msg_signature": sign(AIBOT_TOKEN, "1409659589", "n9", with_corp_id), "timestamp": "1409659589", "nonce": "n9", "echostr": with_corp_id}
    assert client.get("/wechat/aibot", query_string=args).status_code == 400


def test_group_mention_is_answered_in_the_group_addressed_to_the_asker(make_config) -> None:
    _app, client = make_app(make_config)
    args, body = aibot_post(aibot_message("zhangsan", "@政企通 小微企业办电要多少天？", "am-1"))
    response = client.post("/wechat/aibot", query_string=args, data=body)
    assert response.status_code == 200 and response.mimetype == "application/json"
    reply = open_aibot_reply(response.get_data(as_text=True))
    assert reply["msgtype"] == "stream" and reply["stream"]["finish"] is True
    assert reply["stream"]["content"].startswith("<@zhangsan> ")
    assert "20个工作日" in reply["stream"]["content"]


def test_conversation_is_kept_per_group_and_user(make_config) -> None:
    app, client = make_app(make_config)
    for user, msgid in (("zhangsan", "c-1"), ("lisi", "c-2")):
        args, body = aibot_post(aibot_message(user, "@政企通 开办企业要几天", msgid))
        client.post("/wechat/aibot", query_string=args, data=body)
    with runtime_of(app).session() as session:
        zhang = load_state(session, "aibot", "wrGroup1", "zhangsan")
        other_group = load_state(session, "aibot", "wrGroup2", "zhangsan")
    assert zhang.get("policy") and other_group == {}
    args, body = aibot_post(aibot_message("zhangsan", "1", "c-3", chatid="wrGroup2"))
    reply = open_aibot_reply(client.post("/wechat/aibot", query_string=args, data=body).get_data(as_text=True))
    assert "序号" not in reply["stream"]["content"]


def test_single_chat_has_no_group_and_no_mention(make_config) -> None:
    _app, client = make_app(make_config)
    args, body = aibot_post(aibot_message("wangwu", "帮助", "s-1", chatid="", chattype="single"))
    reply = open_aibot_reply(client.post("/wechat/aibot", query_string=args, data=body).get_data(as_text=True))
    assert reply["stream"]["content"].startswith("您好")


def test_retry_with_same_msgid_is_answered_once(make_config) -> None:
    app, client = make_app(make_config)
    args, body = aibot_post(aibot_message("zhaoliu", "@政企通 不动产登记多久办完", "r-1"))
    first = open_aibot_reply(client.post("/wechat/aibot", query_string=args, data=body).get_data(as_text=True))
    counts = row_counts(app)
    second = open_aibot_reply(client.post("/wechat/aibot", query_string=args, data=body).get_data(as_text=True))
    assert first["stream"]["content"] == second["stream"]["content"]
    assert row_counts(app)["question_log"] == counts["question_log"] == 1


def test_bad_json_bodies_are_refused_without_writes(make_config) -> None:
    app, client = make_app(make_config)
    before = row_counts(app)
    args, good_body = aibot_post(aibot_message("u", "hi", "b-1"))
    bodies = ["{not json", "[]", json.dumps({"encrypt": 5}), json.dumps({"other": "x"})]
    for body in bodies:
        assert client.post("/wechat/aibot", query_string=args, data=body).status_code in (400, 403)
    for message in ("not json inside", json.dumps({"msgid": "x"}), json.dumps({"from": {"userid": "u"}, "msgtype": "text"})):
        args, body = aibot_post(message)
        assert client.post("/wechat/aibot", query_string=args, data=body).status_code == 400
    args, body = aibot_post(aibot_message("u", "hi", "b-2"), key=OTHER_KEY)
    assert client.post("/wechat/aibot", query_string=args, data=body).status_code == 400
    args, body = aibot_post(aibot_message("u", "hi", "b-3"), receive_id="wxcorp")
    assert client.post("/wechat/aibot", query_string=args, data=body).status_code == 400
    assert row_counts(app) == before


def test_unknown_msgtype_gets_the_empty_reply(make_config) -> None:
    app, client = make_app(make_config)
    message = aibot_message("u", "", "u-1")
    message["msgtype"] = "stream"
    args, body = aibot_post(message)
    before = row_counts(app)
    response = client.post("/wechat/aibot", query_string=args, data=body)
    assert (response.status_code, response.data) == (200, b"")
    assert row_counts(app) == before


def test_enter_chat_event_gets_a_text_welcome(make_config) -> None:
    _app, client = make_app(make_config)
    message = {"msgid": "e-1", "aibotid": "aib-1", "chattype": "single", "from": {"userid": "newcomer"},
               "msgtype": "event", "event": {"eventtype": "enter_chat"}}
    args, body = aibot_post(message)
    reply = open_aibot_reply(client.post("/wechat/aibot", query_string=args, data=body).get_data(as_text=True))
    assert reply["msgtype"] == "text" and "政企通" in reply["text"]["content"]
