"""``GET/POST /wechat/<channel>``: the one view every WeChat callback goes through.

GET is URL verification, POST a message. The channel adapter authenticates and parses, the inbound processor
answers (once, whatever the retries), the adapter renders. A rejected request gets its 4xx and a log line with
the reason only (no message content, no user id); an unexpected failure a bare 500.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request

from bot.channels.security import RejectedRequest

log = logging.getLogger(__name__)
blueprint = Blueprint("wechat", __name__, url_prefix="/wechat")


def _state() -> dict:
    return current_app.extensions["zqt"]


@blueprint.route("/<name>", methods=["GET", "POST"])
def callback(name: str) -> Response:
    """Verify the URL (GET) or answer a message (POST) for the channel ``name``."""
    channel = _state()["channels"].get(name)
    if channel is None:
        abort(404)
    try:
        if request.method == "GET":
            return Response(channel.verify_url(request.args), mimetype="text/plain")
        received, data = channel.receive(request.args, request.get_data(cache=False))
        if received is None:
            log.info("%s callback of a type the bot does not handle: answered empty", name)
            return Response(channel.empty_reply, mimetype="text/plain")
        answer = _state()["processor"].process(received)
        if not answer.text:
            return Response(channel.empty_reply, mimetype="text/plain")
        return Response(channel.render(answer, data, request.args), mimetype=channel.mimetype)
    except RejectedRequest as rejected:
        log.warning("%s callback rejected (%s): %s", name, rejected.status, rejected.reason)
        return Response(f"rejected: {rejected.reason}", status=rejected.status, mimetype="text/plain")
