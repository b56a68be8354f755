"""What a chat message is: ``complaint`` (诉求/投诉/举报), ``suggestion`` (建议), ``policy`` (a question for the
knowledge base), ``help``, ``status`` (a query about one's own tickets), or ``unsure`` (ask before filing).

Decided in this order:

1. a ticket number or a query about something filed before → ``status``;
2. how to use the bot, how complaints work → ``help``;
3. an explicit form (``投诉：…``, ``诉求 …``, ``举报…``, ``反映个问题…``, ``建议…``) → that kind;
4. otherwise a score: cue groups (``data/intent_cues.yaml``) describing something that happened to the sender
   (time gone by, a refusal or failure, "we", money, a broken promise) against cues of a question about the rules,
   plus the knowledge base's confidence that a clause answers the message. A clear lead decides; a close call is
   ``unsure``, and the bot asks one short question rather than file a policy question or answer a complaint
   with a clause.

The knowledge base's best matches are kept on the result: routing uses their lead departments.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CUES_FILE = Path(__file__).resolve().parent / "data" / "intent_cues.yaml"
KNOWLEDGE_POLICY_WEIGHT = 1.0  # added to the policy side when the knowledge base answers confidently
COMPLAINT_AT = 2.0  # complaint score from which a message can be a complaint ...
COMPLAINT_LEAD = 1.0  # ... when it leads the policy score by this much
POLICY_CEILING = 1.0  # a message with at most this complaint score is a policy question ...
POLICY_LEAD = 1.5  # ... and so is one whose policy score leads by this much
STATEMENT_AT = 1.5  # a message without any policy cue and this much grievance is a complaint
WISH_AT = 1.5
WISH_OVERRULED_AT = 2.5  # "希望…" with this much grievance is a complaint, not a suggestion
MIN_BODY_CHARS = 4

COMPLAINT, SUGGESTION, POLICY, HELP, STATUS, UNSURE = "complaint", "suggestion", "policy", "help", "status", "unsure"
EXPLICIT_KINDS = {"report": "举报", "complaint": "投诉", "petition": "诉求", "suggestion": "建议"}
_MENTION = re.compile(r"^\s*@\S+\s*")
_LEADING_PUNCTUATION = re.compile(r"^[\s:：,，。.、;；!！~-]+")


@dataclass(frozen=True)
class Intent:
    """The verdict on a message, with what it was based on."""

    name: str
    kind: str = ""  # 投诉 / 诉求 / 举报 / 建议 for complaints, suggestions and unsure messages
    explicit: bool = False
    anonymous: bool | None = None  # 匿名 said (True), 实名 said (False), or not said
    body: str = ""  # the message without its explicit keyword
    complaint_score: float = 0.0
    policy_score: float = 0.0
    cues: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    matches: list[Any] = field(default_factory=list, compare=False)  # knowledge.match.Match, best first

    @property
    def files_ticket(self) -> bool:
        return self.name in {COMPLAINT, SUGGESTION}


@dataclass(frozen=True)
class _Group:
    name: str
    weight: float
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Cues:
    """The compiled cue file."""

    ticket_number: re.Pattern[str]
    status: dict[str, re.Pattern[str]]
    help: list[re.Pattern[str]]
    explicit: dict[str, re.Pattern[str]]
    complaint: list[_Group]
    policy: list[_Group]
    suggestion: list[_Group]


def _groups(section: dict[str, Any]) -> list[_Group]:
    return [_Group(name, float(spec["weight"]), re.compile(spec["pattern"])) for name, spec in section.items()]


@lru_cache(maxsize=4)
def load_cues(path: str = str(CUES_FILE)) -> Cues:
    """Read and compile the cue file."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return Cues(
        ticket_number=re.compile(data["ticket_number"]),
        status={name: re.compile(pattern) for name, pattern in data["status"].items()},
        help=[re.compile(pattern) for pattern in data["help"].values()],
        explicit={name: re.compile(pattern) for name, pattern in data["explicit"].items()},
        complaint=_groups(data["complaint"]),
        policy=_groups(data["policy"]),
        suggestion=_groups(data["suggestion"]),
    )


def normalise(text: str) -> str:
    """NFKC, a leading @mention removed, trimmed."""
    return _MENTION.sub("", unicodedata.normalize("NFKC", text)).strip()


def ticket_numbers(text: str, cues: Cues | None = None) -> tuple[str, ...]:
    """The ticket numbers named in ``text``, upper case."""
    cues = cues or load_cues()
    return tuple(dict.fromkeys(m.group(0).upper() for m in cues.ticket_number.finditer(normalise(text))))


def is_status_query(text: str, cues: Cues | None = None) -> bool:
    """A ticket number, ``我的诉求``, ``查询 …``, or a question about how far something filed earlier has got."""
    cues = cues or load_cues()
    text = normalise(text)
    if cues.ticket_number.search(text) or cues.status["mine"].search(text) or cues.status["query"].search(text):
        return True
    return bool(cues.status["past"].search(text) and cues.status["progress"].search(text))


def is_help_request(text: str, cues: Cues | None = None) -> bool:
    """A greeting, a question about what the bot does, or about how complaints work."""
    cues = cues or load_cues()
    text = normalise(text)
    return any(pattern.search(text) for pattern in cues.help)


def _score(groups: list[_Group], text: str) -> tuple[float, list[str]]:
    found = [group for group in groups if group.pattern.search(text)]
    return sum(group.weight for group in found), [group.name for group in found]


def _explicit(text: str, cues: Cues) -> tuple[str, str] | None:
    """The explicit form (``report``, ``complaint``, ``petition``, ``suggestion``) and the text after it."""
    for form in ("report", "complaint", "petition", "suggestion"):
        match = cues.explicit[form].search(text)
        if match:
            return form, _LEADING_PUNCTUATION.sub("", text[match.end():])
    return None


def classify(text: str, knowledge: Any = None, scope: str | None = None) -> Intent:
    """Decide what ``text`` is; ``knowledge`` (a KnowledgeBase, optional) adds its confidence and its matches."""
    cues = load_cues()
    text = normalise(text)
    numbers = ticket_numbers(text, cues)
    if numbers:
        return Intent(STATUS, numbers=numbers)
    if is_help_request(text, cues):
        return Intent(HELP)
    if is_status_query(text, cues):
        return Intent(STATUS)
    anonymous = True if cues.explicit["anonymous"].search(text) else False if cues.explicit["named"].search(text) else None
    grievance, complaint_cues = _score(cues.complaint, text)
    wish, wish_cues = _score(cues.suggestion, text)
    explicit = _explicit(text, cues)
    matches = _knowledge_matches(knowledge, text, scope)
    common = dict(anonymous=anonymous, numbers=numbers, matches=matches[1], complaint_score=grievance)
    if explicit is not None:
        form, body = explicit
        if form == "suggestion" and text.startswith("希望") and grievance >= WISH_OVERRULED_AT:
            form = "petition"
        name = SUGGESTION if form == "suggestion" else COMPLAINT
        return Intent(name, EXPLICIT_KINDS[form], True, body=body, cues=tuple(complaint_cues), **common)
    asked, policy_cues = _score(cues.policy, text)
    asked_in_words = asked  # what the message's own words ask, before the knowledge base's say
    if matches[0]:
        asked += KNOWLEDGE_POLICY_WEIGHT
        policy_cues.append("knowledge")
    cues_found = tuple(complaint_cues + policy_cues + wish_cues)
    scored = dict(body=text, policy_score=asked, cues=cues_found, **common)
    if wish >= WISH_AT and grievance < WISH_OVERRULED_AT and asked < wish + 1.5:
        return Intent(SUGGESTION, "建议", **scored)
    if grievance >= COMPLAINT_AT and grievance >= asked + COMPLAINT_LEAD:
        return Intent(COMPLAINT, "诉求", **scored)
    # A grievance told, not a question asked, whatever clause it reads like: "物业把电费加价转给我们" matches the
    # clause on 转供电加价 and is still a complaint.
    if asked_in_words == 0 and grievance >= STATEMENT_AT:
        return Intent(COMPLAINT, "诉求", **scored)
    # A clause the knowledge base finds makes a question of a message only when nothing in it tells of a grievance:
    # "窗口说我们的材料要公证，其他区都不用" matches a clause about 公证 and is still someone's problem.
    questioned = "question" in policy_cues or ("knowledge" in policy_cues and grievance == 0)
    if questioned and (grievance <= POLICY_CEILING or asked >= grievance + POLICY_LEAD):
        return Intent(POLICY, **scored)
    if grievance < STATEMENT_AT / 3:  # nothing happened to anyone: let the knowledge base try
        return Intent(POLICY, **scored)
    return Intent(UNSURE, "诉求", **scored)


def _knowledge_matches(knowledge: Any, text: str, scope: str | None) -> tuple[bool, list[Any]]:
    """Whether the knowledge base answers ``text`` confidently, and its best matches."""
    if knowledge is None:
        return False, []
    result = knowledge.ask(text, scope=scope)
    return bool(result.answered), list(result.matches)
