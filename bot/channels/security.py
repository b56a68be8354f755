"""Signatures, timestamps and AES for WeChat callbacks, on top of wechatpy's crypto primitives.

wechatpy compares signatures with ``!=``, validates the key with a bare ``assert`` and lets a wrong key surface
as ``UnicodeDecodeError``; this module compares in constant time, validates keys when the configuration is read
and turns every way a request can be bad into :class:`RejectedRequest`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import struct
import time
from typing import Callable

from wechatpy.crypto import PrpCrypto as AppPrpCrypto
from wechatpy.enterprise.crypto import PrpCrypto as CorpPrpCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.utils import WeChatSigner

from bot.config import ConfigError

AES_KEY_LENGTH = 43  # an EncodingAESKey is 43 characters of base64 for 32 bytes


class RejectedRequest(Exception):
    """A callback that must not be processed. ``status`` is the HTTP status, ``reason`` a log-safe word."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def decode_aes_key(encoding_aes_key: str, where: str) -> bytes:
    """The 32-byte AES key of a 43-character EncodingAESKey; ConfigError naming ``where`` otherwise."""
    if len(encoding_aes_key) != AES_KEY_LENGTH:
        raise ConfigError(f"{where}: EncodingAESKey must be {AES_KEY_LENGTH} characters, not {len(encoding_aes_key)}")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ConfigError(f"{where}: EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise ConfigError(f"{where}: EncodingAESKey does not decode to 32 bytes")
    return key


def sign(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """WeChat's signature: SHA-1 of the sorted, concatenated values (``signature`` or ``msg_signature``)."""
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, *extra)
    return signer.signature


def verify_signature(given: str | None, token: str, timestamp: str, nonce: str, *extra: str) -> None:
    """Raise RejectedRequest(403) unless ``given`` is the signature of the values (constant-time compare)."""
    if not given:
        raise RejectedRequest(403, "missing-signature")
    expected = sign(token, timestamp, nonce, *extra)
    if not hmac.compare_digest(expected.encode("ascii"), given.strip().lower().encode("ascii", "replace")):
        raise RejectedRequest(403, "bad-signature")


def check_timestamp(timestamp: str | None, window_seconds: int, now: Callable[[], float] = time.time) -> None:
    """Reject a missing or non-numeric timestamp, or one further than ``window_seconds`` from now (0: no window)."""
    if not timestamp or not timestamp.isdigit():
        raise RejectedRequest(400, "bad-timestamp")
    if window_seconds and abs(now() - int(timestamp)) > window_seconds:
        raise RejectedRequest(403, "stale-timestamp")


class MessageCipher:
    """AES-CBC message encryption with a receive id: the app id (公众号), corp id (企业微信) or ``""`` (aibot)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str, *, corp: bool, where: str) -> None:
        self.token = token
        self.receive_id = receive_id
        self._key = decode_aes_key(encoding_aes_key, where)
        self._crypto_class = CorpPrpCrypto if corp else AppPrpCrypto

    def decrypt(self, encrypted: str) -> str:
        """The plaintext of ``encrypted``; RejectedRequest(400) for a wrong key, a foreign receive id or garbage."""
        try:
            return self._crypto_class(self._key).decrypt(encrypted, self.receive_id)
        except (InvalidAppIdException, InvalidCorpIdException):
            raise RejectedRequest(400, "wrong-receive-id") from None
        except (UnicodeDecodeError, ValueError, binascii.Error, struct.error, IndexError, TypeError):
            raise RejectedRequest(400, "undecryptable") from None

    def encrypt(self, plaintext: str) -> str:
        """Base64 ciphertext of ``plaintext`` for this receive id."""
        return self._crypto_class(self._key).encrypt(plaintext, self.receive_id).decode("ascii")

    def verify_and_decrypt(self, msg_signature: str | None, timestamp: str, nonce: str, encrypted: str) -> str:
        """Check ``msg_signature`` over (token, timestamp, nonce, encrypted), then decrypt."""
        verify_signature(msg_signature, self.token, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        """The ``msg_signature`` of an encrypted reply."""
        return sign(self.token, timestamp, nonce, encrypted)
