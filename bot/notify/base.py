"""The notifier interface and the pieces every notifier shares (JSON POST, WeChat error codes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import requests

from bot.textsplit import MARKDOWN_LIMIT, TEXT_LIMIT

# WeChat error codes that say the access token must be fetched again, and "too many calls".
TOKEN_ERRORS = {40001, 40014, 42001}
FREQUENCY_ERRORS = {45009, 45033, 45047}
SYSTEM_BUSY = -1


@dataclass(frozen=True)
class Outgoing:
    """One outbox row as the notifier sees it."""

    id: int
    channel: str
    target: dict[str, Any]
    text: str
    msgtype: str = "text"
    key: str = ""


class DeliveryError(Exception):
    """A send that did not go through.

    ``permanent``: retrying cannot help (no such robot, outside the 48 h window). ``retry_at``: do not try before
    then. ``counts_attempt`` false: the send was not even tried (a rate limit), so no attempt is used up.
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_at: datetime | None = None, counts_attempt: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_at = retry_at
        self.counts_attempt = counts_attempt


class Notifier(Protocol):
    """Sends one outbox message; raises DeliveryError when it did not go through."""

    channel: str

    def limit(self, msgtype: str) -> int:
        """The byte limit of one message of ``msgtype``; longer rows are split by the worker first."""

    def send(self, message: Outgoing) -> None:
        """Deliver ``message`` or raise DeliveryError."""


class ByteLimits:
    """WeChat's usual limits: text 2048 bytes, markdown 4096 bytes."""

    def limit(self, msgtype: str) -> int:
        return MARKDOWN_LIMIT if msgtype == "markdown" else TEXT_LIMIT


def raise_for_errcode(result: Any, what: str) -> dict[str, Any]:
    """``result`` if it is WeChat's ``{"errcode": 0}``; a DeliveryError saying whether a retry can help otherwise."""
    if not isinstance(result, dict):
        raise DeliveryError(f"{what}: answer is not JSON")
    errcode = int(result.get("errcode", 0) or 0)
    if errcode == 0:
        return result
    reason = f"{what}: errcode {errcode} {str(result.get('errmsg', ''))[:120]}"
    retryable = errcode in TOKEN_ERRORS or errcode in FREQUENCY_ERRORS or errcode == SYSTEM_BUSY
    raise DeliveryError(reason, permanent=not retryable)


def post_json(http: requests.Session, url: str, payload: dict[str, Any], timeout: float, what: str) -> dict[str, Any]:
    """POST ``payload`` as UTF-8 JSON and return WeChat's checked answer; network and 5xx errors are retryable."""
    try:
        response = http.post(url, json=payload, timeout=timeout)
    except requests.RequestException as exc:
        raise DeliveryError(f"{what}: {type(exc).__name__}") from None
    if response.status_code >= 500:
        raise DeliveryError(f"{what}: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise DeliveryError(f"{what}: HTTP {response.status_code}", permanent=True)
    try:
        result = response.json()
    except ValueError:
        raise DeliveryError(f"{what}: answer is not JSON") from None
    return raise_for_errcode(result, what)
