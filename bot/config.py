"""Layered configuration: embedded defaults < YAML file named by ``BOT_CONFIG`` < environment variables.

Every key can be overridden from the environment as ``ZQT_`` + the key path in upper case joined by ``__``,
for example ``ZQT_WECHAT__MP__APP_SECRET`` or ``ZQT_DATABASE_URL``. ``DATABASE_URL`` is honoured too.
Values from the environment are parsed as YAML scalars, so ``ZQT_WECHAT__REPLAY_WINDOW_SECONDS=0`` is an int.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any, Mapping

import yaml

ENV_PREFIX = "ZQT_"

DEFAULTS: dict[str, Any] = {
    # Everything relative is resolved against ``instance_path``.
    "instance_path": "instance",
    "database_url": None,  # None: sqlite:///<instance_path>/zhengqitong.db
    "log_level": "INFO",
    "timezone": "Asia/Shanghai",
    "knowledge": {
        "path": None,  # None: <instance_path>/knowledge
        "load_defaults": True,  # load the shipped documents into an empty knowledge base on first use
    },
    "wechat": {
        "replay_window_seconds": 300,
        "max_body_bytes": 65536,
        "rate_limit_per_minute": 20,  # per user, across all processes; 0 turns the limit off
        "reply_timeout_seconds": 4.0,  # a slower answer goes out through the outbox (WeChat waits 5 s)
        "handler_threads": 8,  # per web process, for handling messages within the time budget
        "robot_per_minute": 20,  # WeChat's limit per group robot webhook
        "api_timeout_seconds": 10,  # HTTP timeout of each call to WeChat's servers
        "mp": {"app_id": "", "app_secret": "", "token": "", "encoding_aes_key": ""},
        "work": {"corp_id": "", "agent_id": "", "secret": "", "token": "", "encoding_aes_key": ""},
        "aibot": {"token": "", "encoding_aes_key": ""},
        "group_robots": {},
    },
    # The outbox worker: bounded retries with exponential backoff, rows claimed with a lease.
    "outbox": {
        "poll_seconds": 1.0,
        "batch_size": 50,
        "max_attempts": 6,
        "backoff_seconds": 30,  # first retry after this, doubling, at most backoff_max_seconds
        "backoff_max_seconds": 3600,
        "lease_seconds": 120,  # a claimed row is another worker's again after this (longer than any send)
    },
    # Extra days off and make-up working days, for years chinesecalendar does not know yet (see bot/workdays.py).
    "calendar": {"holidays": [], "workdays": []},
    "staff": [],  # [{user: ..., name: ..., role: dispatcher|handler|leader|admin, department: ...}]
    # Complaint tickets (handlers/tickets/): see config.example.yaml for what each key does.
    "tickets": {
        "catalogue": None,  # None: handlers/tickets/data/catalogue.yaml
        "auto_dispatch": True,
        "ask_for": ["company", "contact", "location"],
        "dialogue_timeout_minutes": 30,
        "response_days": 1,
        "rating_days": 3,
        "leaders_robot": "",
        "followup_days": 30,
        "followup_score": 60,
        "duplicate_score": 75,
        "duplicate_days": 30,
    },
    # Reminders, escalations, policy notices and digests (scheduler/, documented in config.example.yaml).
    "scheduler": {
        "tick_seconds": 60,
        "lease_seconds": 90,
        "stale_after_hours": 24,
        "quiet_hours": {"start": "22:00", "end": "08:00"},
        "hold_on_non_working_days": True,
        "hold_escalations": "quiet_hours",
        "fallback_recipient": {"channel": "console", "target": {}},
        "departments": {},
        "deadlines": {"offsets_days": [7, 3, 1], "remind_at": "09:00", "horizon_days": 60},
        "notices": {"on_add": True, "delay_minutes": 10, "stale_after_hours": 72},
        "digest": {"weekday": "mon", "at": "09:00", "recipients": []},
        "overdue_lists_at": "09:00",
    },
}


class ConfigError(ValueError):
    """The configuration file or an override cannot be used."""


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` updated recursively with ``override`` (neither argument is modified)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"configuration file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"configuration file {path} must hold a mapping at the top level")
    return data


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if environ.get("DATABASE_URL"):
        overrides["database_url"] = environ["DATABASE_URL"]
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX):].split("__") if part]
        if not path:
            continue
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        if isinstance(value, (dict, list)):
            value = raw
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return overrides


def _resolve_paths(config: dict[str, Any]) -> dict[str, Any]:
    instance = Path(config["instance_path"]).expanduser()
    config["instance_path"] = str(instance.resolve())
    if not config.get("database_url"):
        config["database_url"] = f"sqlite:///{instance.resolve() / 'zhengqitong.db'}"
    knowledge = config["knowledge"]
    knowledge["path"] = str(Path(knowledge.get("path") or instance / "knowledge").expanduser().resolve())
    return config


def load_config(
    path: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Build the configuration.

    ``path`` defaults to ``$BOT_CONFIG``; with neither, only the embedded defaults apply.
    ``overrides`` (used by tests, like Flask's ``test_config``) win over the file and the environment.
    """
    environ = os.environ if environ is None else environ
    config = copy.deepcopy(DEFAULTS)
    file_name = path if path is not None else environ.get("BOT_CONFIG")
    if file_name:
        config = deep_merge(config, _read_yaml(Path(file_name)))
    config = deep_merge(config, _env_overrides(environ))
    if overrides:
        config = deep_merge(config, overrides)
    return _resolve_paths(config)
