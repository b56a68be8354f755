"""wechatpy clients for the WeChat Work app and the Official Account, with the token shared through the database.

``auto_retry`` is off (wechatpy would retry token errors without bound); the worker retries, bounded. Token
refreshes go through :meth:`bot.store.tokens.DatabaseTokenStorage.refresh`, one process at a time. ``http``
replaces the client's requests session (tests pass one whose transport records what would have been sent).
"""

from __future__ import annotations

import requests
from wechatpy import WeChatClient as OfficialAccountClient
from wechatpy.enterprise import WeChatClient as WorkClient
from wechatpy.exceptions import WeChatClientException

from bot.notify.base import TOKEN_ERRORS, DeliveryError, raise_for_errcode
from bot.store.tokens import DatabaseTokenStorage, TokenUnavailable


class _SharedTokenMixin:
    """Fetches a new access token under the storage's lease instead of in every process at once."""

    session: DatabaseTokenStorage

    def fetch_access_token(self):
        return self.session.refresh(self.access_token_key, super().fetch_access_token)


class SharedTokenWorkClient(_SharedTokenMixin, WorkClient):
    """wechatpy's WeChat Work client on the shared token store."""


class SharedTokenOfficialAccountClient(_SharedTokenMixin, OfficialAccountClient):
    """wechatpy's Official Account client on the shared token store."""


def make_client(client_class, app_id: str, secret: str, storage: DatabaseTokenStorage, http: requests.Session | None, timeout: float):
    """A client of ``client_class`` with auto_retry off, the shared token store and (optionally) ``http``."""
    client = client_class(app_id, secret, session=storage, timeout=timeout, auto_retry=False)
    if http is not None:
        client._http = http  # wechatpy keeps its requests session here; there is no constructor argument
    return client


def call_wechat(client, what: str, call) -> dict:
    """Run ``call()`` (a wechatpy API call) and turn its failures into DeliveryErrors; drop a rejected token."""
    try:
        return raise_for_errcode(call(), what)
    except TokenUnavailable as exc:
        raise DeliveryError(f"{what}: {exc}") from None
    except WeChatClientException as exc:
        if exc.errcode in TOKEN_ERRORS:
            client.session.delete(client.access_token_key)
        if exc.errcode is None:
            raise DeliveryError(f"{what}: HTTP error") from None
        return raise_for_errcode({"errcode": exc.errcode, "errmsg": exc.errmsg}, what)
    except requests.RequestException as exc:
        raise DeliveryError(f"{what}: {type(exc).__name__}") from None
