"""Pieces the three adapters share: required query arguments and encrypted reply envelopes."""

from __future__ import annotations

import json
import time
from typing import Mapping

from bot.channels.security import MessageCipher, RejectedRequest
from bot.channels.xmlcodec import escape_cdata


def required(args: Mapping[str, str], name: str) -> str:
    """The query argument ``name``; RejectedRequest(400) when it is missing or empty."""
    value = args.get(name)
    if not value:
        raise RejectedRequest(400, f"missing-{name}")
    return value


def encrypted_xml_reply(cipher: MessageCipher, plaintext: str, nonce: str) -> str:
    """The ``<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`` envelope of a safe-mode reply."""
    timestamp = str(int(time.time()))
    encrypted = cipher.encrypt(plaintext)
    signature = cipher.sign(timestamp, nonce, encrypted)
    return (
        f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
        f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp>"
        f"<Nonce><![CDATA[{escape_cdata(nonce)}]]></Nonce></xml>"
    )


def encrypted_json_reply(cipher: MessageCipher, plaintext: str, nonce: str) -> str:
    """The ``{"encrypt", "msgsignature", "timestamp", "nonce"}`` envelope of an aibot reply."""
    timestamp = str(int(time.time()))
    encrypted = cipher.encrypt(plaintext)
    envelope = {"encrypt": encrypted, "msgsignature": cipher.sign(timestamp, nonce, encrypted), "timestamp": int(timestamp), "nonce": nonce}
    return json.dumps(envelope, ensure_ascii=False)
