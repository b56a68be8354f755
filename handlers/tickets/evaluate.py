"""Measuring intent detection and routing on labelled chat messages (``{"text", "intent", "departments"}`` per
line): ``python -m bot tickets intents FILE ...``.

A message counts as right when its intent is right; ``asked`` are those the bot would confirm first (``unsure``)
and count as not right; ``filed_policy`` (a policy question the bot would file) and ``answered_complaint`` (a
complaint it would answer with a clause) are the two errors that must not happen. A complaint or suggestion is
routed right when the department chosen contains one of its acceptable names.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handlers.tickets.catalogue import Catalogue
from handlers.tickets.intent import COMPLAINT, POLICY, SUGGESTION, UNSURE, classify
from handlers.tickets.routing import route_message


@dataclass
class IntentReport:
    """The figures for one file."""

    name: str
    total: int = 0
    right: int = 0
    asked: int = 0
    filed_policy: int = 0
    answered_complaint: int = 0
    routed: int = 0
    routed_right: int = 0
    dispatched_right: int = 0
    confusion: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.name, "messages": self.total, "right": self.right, "accuracy": round(self.accuracy, 4),
            "asked": self.asked, "filed_policy": self.filed_policy, "answered_complaint": self.answered_complaint,
            "routed": self.routed, "department_right": self.routed_right,
            "department_accuracy": round(self.routed_right / self.routed, 4) if self.routed else None,
            "auto_dispatched_right": self.dispatched_right,
        }


def evaluate_file(path: Path, knowledge: Any, catalogue: Catalogue) -> IntentReport:
    """Classify and route every message of ``path``."""
    report = IntentReport(path.name)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        intent = classify(item["text"], knowledge)
        report.total += 1
        report.confusion[(item["intent"], intent.name)] += 1
        if intent.name == item["intent"]:
            report.right += 1
        elif intent.name == UNSURE:
            report.asked += 1
        else:
            report.misses.append(f"{item['id']} {item['intent']}→{intent.name}: {item['text']}")
        if item["intent"] == POLICY and intent.name in {COMPLAINT, SUGGESTION}:
            report.filed_policy += 1
        if item["intent"] == COMPLAINT and intent.name == POLICY:
            report.answered_complaint += 1
        if item["intent"] in {COMPLAINT, SUGGESTION} and item["departments"]:
            routing = route_message(item["text"], knowledge, catalogue, intent.matches)
            report.routed += 1
            right = any(name in routing.department for name in item["departments"])
            report.routed_right += right
            report.dispatched_right += right and routing.confident
            if not right:
                report.misses.append(f"{item['id']} 派单 {routing.department}（{item['departments']}）: {item['text']}")
    return report
