"""``GET /healthz``: 200 with the database and knowledge-index figures when both answer, else 503."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

log = logging.getLogger(__name__)
blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    """Check the database (``SELECT 1``) and the knowledge index (documents and clauses loaded)."""
    runtime = current_app.extensions["zqt"]["runtime"]
    status: dict = {"database": "ok", "knowledge": "ok"}
    healthy = True
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure is the answer, not a crash
        log.error("health: database unreachable: %s", type(exc).__name__)
        status["database"], healthy = "unreachable", False
    try:
        knowledge = runtime.knowledge
        status["documents"], status["clauses"] = len(knowledge.documents()), knowledge.clause_count
        if not status["clauses"]:
            status["knowledge"], healthy = "empty", False
    except Exception as exc:
        log.error("health: knowledge index unavailable: %s", type(exc).__name__)
        status["knowledge"], healthy = "unavailable", False
    status["status"] = "ok" if healthy else "failing"
    return jsonify(status), 200 if healthy else 503
