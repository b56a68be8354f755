"""The Flask web app: WeChat callbacks and the health check.

``create_app(config=None)`` builds it (like Flask's tutorial ``flaskr``); ``bot.web.wsgi:app`` is the WSGI entry
for gunicorn; ``python -m bot serve`` runs it under gunicorn together with the outbox worker.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response

from bot.channels.aibot import AibotChannel
from bot.channels.inbound import InboundProcessor
from bot.channels.mp import OfficialAccountChannel
from bot.channels.work import WorkAppChannel
from bot.config import load_config
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def configured_channels(config: dict[str, Any]) -> dict[str, Any]:
    """The channel adapters whose credentials are configured (keys validated here, at start-up)."""
    wechat = config["wechat"]
    channels: dict[str, Any] = {}
    if wechat["mp"].get("token"):
        channels["mp"] = OfficialAccountChannel(config)
    if wechat["work"].get("token") and wechat["work"].get("corp_id"):
        channels["work"] = WorkAppChannel(config)
    if wechat["aibot"].get("token"):
        channels["aibot"] = AibotChannel(config)
    return channels


def _plain_error(status: int, text: str):
    def handler(_error) -> Response:
        return Response(text, status=status, mimetype="text/plain")

    return handler


def create_app(config: dict[str, Any] | None = None, runtime: Runtime | None = None) -> Flask:
    """The app for ``config`` (default: :func:`bot.config.load_config`). Raises ConfigError for a bad key."""
    from bot.web import callbacks, health

    config = config if config is not None else load_config()
    channels = configured_channels(config)
    runtime = runtime or Runtime(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = int(config["wechat"]["max_body_bytes"])
    app.extensions["zqt"] = {
        "config": config,
        "runtime": runtime,
        "channels": channels,
        "processor": InboundProcessor(runtime, config),
    }
    app.register_blueprint(callbacks.blueprint)
    app.register_blueprint(health.blueprint)
    for status, text in ((400, "bad request"), (404, "not found"), (405, "method not allowed"),
                         (413, "request body too large"), (500, "internal error")):
        app.register_error_handler(status, _plain_error(status, text))
    log.info("web app ready; channels: %s", ", ".join(channels) or "none configured")
    return app
