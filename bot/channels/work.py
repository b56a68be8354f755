"""企业微信自建应用 (WeChat Work app) callbacks: always encrypted, ``msg_signature`` on GET and POST.

URL verification decrypts ``echostr`` (the corp id must match) and answers with its plaintext, within 1 s.
Messages are ``<xml><ToUserName/><AgentID/><Encrypt/></xml>``; a message for another agent is refused.
"""

from __future__ import annotations

from typing import Any, Mapping

from wechatpy.enterprise.events import EVENT_TYPES
from wechatpy.enterprise.messages import MESSAGE_TYPES

from bot.channels.envelope import decrypt_echostr, encrypted_xml_reply, fresh_timestamp_and_nonce
from bot.channels.inbound import Answer, Received
from bot.channels.security import MessageCipher, RejectedRequest
from bot.channels.wechat_xml import to_received
from bot.channels.xmlcodec import parse_xml, render_text_reply


class WorkAppChannel:
    """The ``/wechat/work`` callback."""

    name = "work"
    empty_reply = "success"
    mimetype = "application/xml"

    def __init__(self, config: dict[str, Any]) -> None:
        settings = config["wechat"]["work"]
        self.window = int(config["wechat"]["replay_window_seconds"])
        self.agent_id = str(settings.get("agent_id") or "")
        self.cipher = MessageCipher(
            str(settings["token"]), str(settings.get("encoding_aes_key") or ""), str(settings["corp_id"]),
            corp=True, where="wechat.work",
        )

    def verify_url(self, args: Mapping[str, str]) -> str:
        """The decrypted ``echostr``."""
        return decrypt_echostr(self.cipher, args, self.window)

    def receive(self, args: Mapping[str, str], body: bytes) -> tuple[Received | None, dict[str, Any]]:
        """Authenticate, decrypt and parse a POSTed message."""
        timestamp, nonce = fresh_timestamp_and_nonce(args, self.window)
        encrypted = parse_xml(body).get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise RejectedRequest(400, "missing-encrypt")
        plaintext = self.cipher.verify_and_decrypt(args.get("msg_signature"), timestamp, nonce, encrypted)
        data = parse_xml(plaintext.encode("utf-8"))
        if self.agent_id and str(data.get("AgentID") or self.agent_id) != self.agent_id:
            raise RejectedRequest(400, "wrong-agent")
        return to_received(data, self.name, MESSAGE_TYPES, EVENT_TYPES), data

    def render(self, answer: Answer, data: dict[str, Any], args: Mapping[str, str]) -> str:
        """The encrypted passive text reply."""
        reply = render_text_reply(str(data["FromUserName"]), str(data.get("ToUserName") or ""), answer.text)
        return encrypted_xml_reply(self.cipher, reply, args["nonce"])
