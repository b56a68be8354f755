"""公众号 (Official Account) callbacks, plain or safe (AES) mode by configuration.

URL verification (GET) is signed with ``signature`` = sha1(token, timestamp, nonce) and answered with the plain
``echostr``, in both modes. In safe mode a POST body is ``<xml><Encrypt>...</Encrypt></xml>`` signed with
``msg_signature`` (which covers ``Encrypt``); in plain mode the body is the message, signed with ``signature``.
A plain POST to a safe-mode account is refused, and so is a safe one to a plain-mode account.
"""

from __future__ import annotations

from typing import Any, Mapping

from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES

from bot.channels.envelope import encrypted_xml_reply, fresh_timestamp_and_nonce, required
from bot.channels.inbound import Answer, Received
from bot.channels.security import MessageCipher, RejectedRequest, verify_signature
from bot.channels.wechat_xml import to_received
from bot.channels.xmlcodec import parse_xml, render_text_reply


class OfficialAccountChannel:
    """The ``/wechat/mp`` callback."""

    name = "mp"
    empty_reply = "success"
    mimetype = "application/xml"

    def __init__(self, config: dict[str, Any]) -> None:
        settings = config["wechat"]["mp"]
        self.token = str(settings["token"])
        self.window = int(config["wechat"]["replay_window_seconds"])
        key = str(settings.get("encoding_aes_key") or "")
        self.cipher = MessageCipher(self.token, key, str(settings["app_id"]), corp=False, where="wechat.mp") if key else None

    def verify_url(self, args: Mapping[str, str]) -> str:
        """The ``echostr`` to answer a correctly signed URL verification with."""
        timestamp, nonce = fresh_timestamp_and_nonce(args, self.window)
        verify_signature(args.get("signature"), self.token, timestamp, nonce)
        return required(args, "echostr")

    def receive(self, args: Mapping[str, str], body: bytes) -> tuple[Received | None, dict[str, Any]]:
        """Authenticate and parse a POSTed message."""
        timestamp, nonce = fresh_timestamp_and_nonce(args, self.window)
        if self.cipher is None:
            if args.get("encrypt_type", "raw") != "raw":
                raise RejectedRequest(400, "encrypted-in-plain-mode")
            verify_signature(args.get("signature"), self.token, timestamp, nonce)
            data = parse_xml(body)
        else:
            if args.get("encrypt_type") != "aes":
                raise RejectedRequest(400, "plain-in-safe-mode")
            encrypted = parse_xml(body).get("Encrypt")
            if not isinstance(encrypted, str) or not encrypted:
                raise RejectedRequest(400, "missing-encrypt")
            plaintext = self.cipher.verify_and_decrypt(args.get("msg_signature"), timestamp, nonce, encrypted)
            data = parse_xml(plaintext.encode("utf-8"))
        return to_received(data, self.name, MESSAGE_TYPES, EVENT_TYPES), data

    def render(self, answer: Answer, data: dict[str, Any], args: Mapping[str, str]) -> str:
        """The passive text reply, encrypted in safe mode."""
        reply = render_text_reply(str(data["FromUserName"]), str(data.get("ToUserName") or ""), answer.text)
        if self.cipher is None:
            return reply
        return encrypted_xml_reply(self.cipher, reply, args["nonce"])
