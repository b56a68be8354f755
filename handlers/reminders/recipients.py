"""Who a message goes to, in outbox terms, and queueing it once.

A department is reached through, in order: ``scheduler.departments.<name>`` (one or a list of
``{channel: robot, target: {robot: NAME}}`` / ``{channel: work, target: {toparty: [..]}}``), else the active staff
of that department (a WeChat Work app message to them), else ``scheduler.fallback_recipient`` (the office itself;
``console`` by default, so nothing is silently lost on a machine without WeChat credentials).
Leaders are ``scheduler.digest.recipients`` when given, else the staff with the ``leader`` role.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store import outbox
from bot.store.staff import StaffMember
from bot.textsplit import split_text

CHANNELS = ("robot", "work", "mp", "aibot", "console")


@dataclass(frozen=True)
class Recipient:
    """One outbox destination. ``key`` names it stably inside idempotency keys."""

    channel: str
    target: dict[str, Any]

    @property
    def key(self) -> str:
        """``robot:3f2a…``: the channel and a digest of the target (short enough for any idempotency key)."""
        target = json.dumps(self.target, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return f"{self.channel}:{hashlib.sha1(target.encode('utf-8')).hexdigest()[:16]}"


def recipient_from_config(entry: Mapping[str, Any], where: str) -> Recipient:
    """``{channel: ..., target: {...}}`` from the configuration, checked."""
    channel = str(entry.get("channel") or "")
    if channel not in CHANNELS:
        raise ValueError(f"{where}: channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    target = entry.get("target") or {}
    if not isinstance(target, Mapping):
        raise ValueError(f"{where}: target must be a mapping")
    return Recipient(channel, dict(target))


def _configured(entries: Any, where: str) -> list[Recipient]:
    if not entries:
        return []
    if isinstance(entries, Mapping):
        entries = [entries]
    return [recipient_from_config(entry, where) for entry in entries]


def _staff_message(users: Iterable[str]) -> list[Recipient]:
    users = sorted(set(users))
    return [Recipient("work", {"touser": users})] if users else []


def fallback_recipients(config: Mapping[str, Any]) -> list[Recipient]:
    """The office's own destination, for messages nobody else can be found for."""
    return _configured(config["scheduler"].get("fallback_recipient"), "scheduler.fallback_recipient")


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    return list({recipient.key: recipient for recipient in recipients}.values())


def department_recipients(session: Session, config: Mapping[str, Any], department: str) -> list[Recipient]:
    """Where a message for ``department`` (names joined by ``、`` for several) goes."""
    mapping = config["scheduler"].get("departments") or {}
    found: list[Recipient] = []
    for name in filter(None, (part.strip() for part in (department or "").split("、"))):
        configured = _configured(mapping.get(name), f"scheduler.departments.{name}")
        if configured:
            found.extend(configured)
            continue
        members = session.scalars(
            select(StaffMember.user_id).where(StaffMember.department == name, StaffMember.active.is_(True))
        )
        found.extend(_staff_message(members))
    return _unique(found) or fallback_recipients(config)


def department_recipients_configured(config: Mapping[str, Any]) -> dict[str, list[Recipient]]:
    """Every department's configured destinations and the digest's, checked (ValueError for a wrong one)."""
    found = {name: _configured(entries, f"scheduler.departments.{name}") for name, entries in (config["scheduler"].get("departments") or {}).items()}
    found["(digest)"] = _configured(config["scheduler"]["digest"].get("recipients"), "scheduler.digest.recipients")
    return found


def leader_recipients(session: Session, config: Mapping[str, Any]) -> list[Recipient]:
    """Where the leaders' digest goes."""
    configured = _configured(config["scheduler"]["digest"].get("recipients"), "scheduler.digest.recipients")
    if configured:
        return _unique(configured)
    leaders = session.scalars(select(StaffMember.user_id).where(StaffMember.role == "leader", StaffMember.active.is_(True)))
    return _staff_message(leaders) or fallback_recipients(config)


@dataclass(frozen=True)
class Message:
    """One text for some recipients, under one idempotency key."""

    recipients: tuple[Recipient, ...]
    text: str
    key: str


def send(session: Session, recipients: Iterable[Recipient], text: str, key: str) -> int:
    """Queue ``text`` to each recipient once (idempotency key ``<key>|<recipient>``, numbered parts when it is
    longer than WeChat's 2048 bytes); return how many outbox rows this call created."""
    return send_many(session, [Message(tuple(recipients), text, key)])


def send_many(session: Session, messages: Iterable[Message]) -> int:
    """:func:`send` for many messages at once, with one look-up of the keys already queued per 500 rows."""
    rows: list[tuple[str, Recipient, str]] = []
    for message in messages:
        if len(message.key) > 150:
            raise ValueError(f"idempotency key too long: {message.key!r}")
        parts = split_text(message.text)
        for recipient in message.recipients:
            for number, part in enumerate(parts, start=1):
                rows.append((f"{message.key}|{recipient.key}" + (f"|{number}" if len(parts) > 1 else ""), recipient, part))
    queued_before: set[str] = set()
    for start in range(0, len(rows), 500):
        keys = [key for key, _, _ in rows[start : start + 500]]
        queued_before.update(session.scalars(select(outbox.OutboxMessage.idempotency_key).where(outbox.OutboxMessage.idempotency_key.in_(keys))))
    created = 0
    for key, recipient, part in rows:
        if key not in queued_before:
            outbox.enqueue(session, recipient.channel, recipient.target, part, key=key)
            queued_before.add(key)
            created += 1
    return created
