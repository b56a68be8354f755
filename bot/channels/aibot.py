"""企业微信智能机器人 (intelligent robot, API mode): the JSON callback of an @-mention in a group chat.

Same AES scheme as the WeChat Work app with an empty receive id. GET verifies the URL (decrypted ``echostr``);
POST bodies are ``{"encrypt": ...}`` whose plaintext JSON carries ``msgid, aibotid, chatid, chattype,
from.userid, response_url, msgtype`` and for text ``text.content`` (the @-mention of the bot included, stripped
here). The conversation is per (group, user): ``Incoming.group`` is the chat id in group chats.
Replies are a finished ``stream`` message addressed to the asker, in an encrypted JSON envelope.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from bot.channels.envelope import decrypt_echostr, encrypted_json_reply, fresh_timestamp_and_nonce
from bot.channels.inbound import Answer, Received
from bot.channels.security import MessageCipher, RejectedRequest
from handlers.types import Incoming

_LEADING_MENTIONS = re.compile(r"^(?:\s*@\S+)+\s*")
MESSAGE_TYPES = ("text", "voice", "image", "mixed", "file")


def addressed(text: str, userid: str | None) -> str:
    """``text`` addressed to ``userid`` in a group (WeChat Work markdown mention)."""
    return f"<@{userid}> {text}" if userid else text


def _json_object(raw: bytes | str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise RejectedRequest(400, "malformed-json") from None
    if not isinstance(value, dict):
        raise RejectedRequest(400, "malformed-json")
    return value


def _text_of(data: dict[str, Any], msgtype: str) -> str:
    section = data.get(msgtype)
    if msgtype == "mixed" and isinstance(section, dict):
        items = section.get("msg_item") or []
        return " ".join(str((item.get("text") or {}).get("content", "")) for item in items if isinstance(item, dict))
    if isinstance(section, dict) and msgtype in ("text", "voice"):
        return str(section.get("content") or "")
    return ""


class AibotChannel:
    """The ``/wechat/aibot`` callback."""

    name = "aibot"
    empty_reply = ""
    mimetype = "application/json"

    def __init__(self, config: dict[str, Any]) -> None:
        settings = config["wechat"]["aibot"]
        self.window = int(config["wechat"]["replay_window_seconds"])
        self.cipher = MessageCipher(str(settings["token"]), str(settings.get("encoding_aes_key") or ""), "", corp=True, where="wechat.aibot")

    def verify_url(self, args: Mapping[str, str]) -> str:
        """The decrypted ``echostr``."""
        return decrypt_echostr(self.cipher, args, self.window)

    def receive(self, args: Mapping[str, str], body: bytes) -> tuple[Received | None, dict[str, Any]]:
        """Authenticate, decrypt and parse a POSTed callback."""
        timestamp, nonce = fresh_timestamp_and_nonce(args, self.window)
        encrypted = _json_object(body).get("encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise RejectedRequest(400, "missing-encrypt")
        data = _json_object(self.cipher.verify_and_decrypt(args.get("msg_signature"), timestamp, nonce, encrypted))
        return self._to_received(data), data

    def _to_received(self, data: dict[str, Any]) -> Received | None:
        msgid, msgtype = data.get("msgid"), str(data.get("msgtype") or "")
        sender = data.get("from") if isinstance(data.get("from"), dict) else {}
        userid = sender.get("userid")
        if not msgid or not isinstance(userid, str) or not userid:
            raise RejectedRequest(400, "incomplete-message")
        if msgtype not in MESSAGE_TYPES and msgtype != "event":
            return None
        group = str(data.get("chatid") or "") if data.get("chattype") == "group" else None
        text = _LEADING_MENTIONS.sub("", _text_of(data, msgtype)).strip()
        event = None
        if msgtype == "event":
            event = str((data.get("event") or {}).get("eventtype") or "") if isinstance(data.get("event"), dict) else ""
        incoming = Incoming(
            channel=self.name,
            user=userid,
            text=text,
            msg_id=str(msgid),
            group=group or None,
            msg_type="text" if msgtype in ("text", "voice", "mixed") else msgtype,
            event=event,
            response_url=str(data.get("response_url") or "") or None,
        )
        return Received(incoming, str(msgid))

    def render(self, answer: Answer, data: dict[str, Any], args: Mapping[str, str]) -> str:
        """A finished stream message (a text reply for events) in the encrypted JSON envelope."""
        text = addressed(answer.text, answer.mention)
        if data.get("msgtype") == "event":
            reply = {"msgtype": "text", "text": {"content": text}}
        else:
            reply = {"msgtype": "stream", "stream": {"id": f"s-{data['msgid']}", "finish": True, "content": text}}
        return encrypted_json_reply(self.cipher, json.dumps(reply, ensure_ascii=False), args["nonce"])
