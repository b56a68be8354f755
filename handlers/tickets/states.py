"""The ticket state machine: which action moves a ticket from which state to which, and who may take it.

::

    已受理 ─派单→ 已派单 ─签收→ 办理中 ─回复→ 已答复 ─办结→ 待评价 ─评价→ 已办结
      ↑            │  ↖改派      │ ↖驳回─────┘            │
      └──派单── 退单 ←─退单────────┘                        └─不满意→ 重办 ─回复→ 已答复 …
                 督办: 已派单/办理中/重办 → 督办 ─回复→ 已答复

A refusal is a :class:`TicketError` whose message is meant for the person who tried (it names the ticket,
its state and what would be allowed), so a chat command or CLI can print it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.tickets import (
    ACCEPTED,
    ANSWERED,
    AWAITING_RATING,
    CLOSED,
    DEPARTMENT_STATES,
    DISPATCHED,
    IN_PROGRESS,
    OPEN_STATES,
    REOPENED,
    RETURNED,
    SUPERVISED,
    Ticket,
)

SYSTEM = "system"
ENTERPRISE = "enterprise"
ROLE_NAMES = {
    "dispatcher": "派单员",
    "handler": "承办人",
    "leader": "领导",
    "admin": "管理员",
    SYSTEM: "系统",
    ENTERPRISE: "企业",
}


class TicketError(ValueError):
    """An action on a ticket that cannot be taken; the message says why, in words for the user."""


class IllegalTransition(TicketError):
    """The ticket is not in a state the action can start from."""


class PermissionDenied(TicketError):
    """The actor's role or department does not allow the action."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member (``role`` one of the staff roles), the system, or the enterprise."""

    user_id: str
    role: str
    name: str = ""
    department: str = ""

    @classmethod
    def system(cls) -> "Actor":
        return cls("system", SYSTEM, "系统")

    @classmethod
    def enterprise(cls, complainant: str) -> "Actor":
        return cls(complainant, ENTERPRISE, "企业")

    @classmethod
    def from_staff(cls, staff) -> "Actor":
        """The actor for a :class:`bot.store.staff.StaffMember`."""
        return cls(staff.user_id, staff.role, staff.name, staff.department)

    def describe(self) -> str:
        label = ROLE_NAMES.get(self.role, self.role)
        parts = [p for p in (self.department, label, self.name) if p]
        return "·".join(parts)


@dataclass(frozen=True)
class Transition:
    """An action: from-state → to-state, the roles allowed, and whether a handler must belong to the
    ticket's department. ``needs_reason``: the action must say why (退单, 督办, 驳回, 改派)."""

    action: str
    moves: dict[str, str]
    roles: frozenset[str]
    department_bound: bool = False
    needs_reason: bool = False


def _stay(states: tuple[str, ...]) -> dict[str, str]:
    return {state: state for state in states}


_STAFF_DEPARTMENT = frozenset({"handler", "admin"})
_DISPATCH = frozenset({"dispatcher", "admin", SYSTEM})

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("受理", {"": ACCEPTED}, frozenset({ENTERPRISE})),
        Transition("派单", {ACCEPTED: DISPATCHED, RETURNED: DISPATCHED}, _DISPATCH),
        Transition(
            "改派", {DISPATCHED: DISPATCHED, IN_PROGRESS: DISPATCHED, SUPERVISED: DISPATCHED, REOPENED: DISPATCHED},
            _DISPATCH, needs_reason=True,
        ),
        Transition("签收", {DISPATCHED: IN_PROGRESS, REOPENED: IN_PROGRESS, SUPERVISED: SUPERVISED}, _STAFF_DEPARTMENT, True),
        Transition("回复", {state: ANSWERED for state in DEPARTMENT_STATES}, _STAFF_DEPARTMENT, True),
        Transition("退单", {state: RETURNED for state in DEPARTMENT_STATES}, _STAFF_DEPARTMENT, True, True),
        Transition("补材料", _stay(DEPARTMENT_STATES), _STAFF_DEPARTMENT, True, True),
        Transition("恢复", _stay(DEPARTMENT_STATES), _STAFF_DEPARTMENT | {ENTERPRISE}, True),
        Transition("驳回", {ANSWERED: IN_PROGRESS}, _DISPATCH, needs_reason=True),
        Transition("办结", {ANSWERED: AWAITING_RATING}, _DISPATCH),
        Transition(
            "督办", {DISPATCHED: SUPERVISED, IN_PROGRESS: SUPERVISED, REOPENED: SUPERVISED, SUPERVISED: SUPERVISED},
            frozenset({"leader", "dispatcher", "admin", SYSTEM}), needs_reason=True,
        ),
        Transition("评价", {AWAITING_RATING: CLOSED}, frozenset({ENTERPRISE})),
        Transition("重办", {AWAITING_RATING: REOPENED}, frozenset({ENTERPRISE})),
        Transition("超期未评价", {AWAITING_RATING: CLOSED}, frozenset({SYSTEM})),
        Transition("追加", _stay(OPEN_STATES), frozenset({ENTERPRISE})),
        Transition("超期", _stay((ACCEPTED, RETURNED)), frozenset({SYSTEM})),
    )
}


def allowed_actions(state: str) -> list[str]:
    """The actions that can start from ``state`` (for error messages and help)."""
    return [name for name, t in TRANSITIONS.items() if state in t.moves and name not in {"受理", "追加", "超期"}]


def check(ticket: Ticket | None, action: str, actor: Actor, reason: str = "") -> str:
    """The state ``action`` by ``actor`` moves ``ticket`` to; raises :class:`TicketError` when it may not."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TicketError(f"没有“{action}”这个操作。")
    current = ticket.state if ticket is not None else ""
    if actor.role not in transition.roles:
        allowed = "、".join(ROLE_NAMES.get(r, r) for r in sorted(transition.roles) if r not in {SYSTEM, ENTERPRISE})
        raise PermissionDenied(f"{ROLE_NAMES.get(actor.role, actor.role)}不能{action}" + (f"（{allowed}可以）。" if allowed else "。"))
    if actor.role == ENTERPRISE and ticket is not None and actor.user_id != ticket.complainant:
        raise PermissionDenied("只能操作本人提交的诉求。")
    if (
        transition.department_bound
        and actor.role not in {"admin", SYSTEM, ENTERPRISE}
        and ticket is not None
        and actor.department != ticket.department
    ):
        raise PermissionDenied(
            f"工单 {ticket.number} 由{ticket.department or '派单员'}承办，{actor.department or '您'}不能{action}。"
        )
    if current not in transition.moves:
        number = ticket.number if ticket is not None else ""
        options = "、".join(allowed_actions(current)) or "无"
        raise IllegalTransition(f"工单 {number} 当前状态为“{current or '无'}”，不能{action}（此状态可以：{options}）。")
    if transition.needs_reason and not reason.strip():
        raise TicketError(f"{action}需要写明原因，例如：{action} {ticket.number if ticket else '编号'} 原因……")
    return transition.moves[current]
