"""A fake of WeChat's servers at the transport boundary: a requests adapter that records what would have been sent.

``RecordingTransport.session()`` is a real ``requests.Session`` whose HTTPS traffic goes to this adapter. Each
request is recorded (method, URL, query, JSON body) and answered like WeChat would: the token endpoints hand out
numbered tokens, everything else ``{"errcode": 0}``, unless a scripted answer is queued with :meth:`answer`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter


@dataclass
class Sent:
    method: str
    url: str
    path: str
    query: dict[str, str]
    body: Any


class RecordingTransport(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []
        self.tokens_issued = 0
        self._scripted: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        http = requests.Session()
        http.mount("https://", self)
        http.mount("http://", self)
        return http

    def answer(self, path_part: str, result: Any) -> None:
        """Answer the next request whose path contains ``path_part`` with ``result`` (a dict, an int status, or an exception)."""
        self._scripted.append((path_part, result))

    def messages(self, path_part: str = "") -> list[Sent]:
        """Recorded requests other than token fetches, optionally only those whose path contains ``path_part``."""
        return [s for s in self.sent if "token" not in s.path and path_part in s.path]

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        body = json.loads(request.body) if request.body else None
        with self._lock:
            self.sent.append(Sent(request.method, request.url, parts.path, query, body))
            result = self._result_for(parts.path)
        if isinstance(result, Exception):
            raise result
        response = requests.Response()
        response.request = request
        response.url = request.url
        response.status_code = result if isinstance(result, int) else 200
        payload = {} if isinstance(result, int) else result
        response._content = json.dumps(payload).encode("utf-8")
        response.headers["Content-Type"] = "application/json"
        return response

    def _result_for(self, path: str) -> Any:
        for index, (path_part, result) in enumerate(self._scripted):
            if path_part in path:
                del self._scripted[index]
                return result
        if path.endswith("/token") or path.endswith("/gettoken"):
            self.tokens_issued += 1
            return {"errcode": 0, "access_token": f"TOKEN-{self.tokens_issued}", "expires_in": 7200}
        return {"errcode": 0, "errmsg": "ok"}

    def close(self) -> None:
        pass
