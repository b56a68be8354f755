"""Pieces the three adapters share: query arguments, URL verification, encrypted reply envelopes."""

from __future__ import annotations

import json
import time
from typing import Mapping

from bot.channels.security import MessageCipher, RejectedRequest, check_timestamp
from bot.channels.xmlcodec import escape_cdata


def required(args: Mapping[str, str], name: str) -> str:
    """The query argument ``name``; RejectedRequest(400) when it is missing or empty."""
    value = args.get(name)
    if not value:
        raise RejectedRequest(400, f"missing-{name}")
    return value


def fresh_timestamp_and_nonce(args: Mapping[str, str], window_seconds: int) -> tuple[str, str]:
    """The callback's ``timestamp`` (checked against the replay window) and ``nonce``."""
    timestamp, nonce = required(args, "timestamp"), required(args, "nonce")
    check_timestamp(timestamp, window_seconds)
    return timestamp, nonce


def decrypt_echostr(cipher: MessageCipher, args: Mapping[str, str], window_seconds: int) -> str:
    """URL verification of the encrypted channels: the plaintext of the ``msg_signature``-checked ``echostr``."""
    timestamp, nonce = fresh_timestamp_and_nonce(args, window_seconds)
    return cipher.verify_and_decrypt(args.get("msg_signature"), timestamp, nonce, required(args, "echostr"))


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
