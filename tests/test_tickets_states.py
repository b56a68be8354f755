"""Every illegal transition and every permission failure of the state machine, and the legal moves."""

from __future__ import annotations

from datetime import date

import pytest

from bot.store.tickets import STATES, Ticket
from handlers.tickets.states import (
    ENTERPRISE,
    SYSTEM,
    TRANSITIONS,
    Actor,
    IllegalTransition,
    PermissionDenied,
    TicketError,
    allowed_actions,
    check,
)

ROLES = ("dispatcher", "handler", "leader", "admin", SYSTEM, ENTERPRISE)


def ticket(state: str, department: str = "市税务局") -> Ticket:
    return Ticket(number="ZQ20261118001", state=state, department=department, complainant="work:boss",
                  kind="投诉", text="x", limit_days=10, due_date=date(2026, 12, 2))


def actor(role: str, department: str = "市税务局") -> Actor:
    return Actor("work:boss" if role == ENTERPRISE else f"u-{role}", role, role, department)


def permitted(action: str) -> Actor:
    return actor(sorted(TRANSITIONS[action].roles)[0])


CASES = [(action, state) for action in TRANSITIONS for state in ("",) + STATES]


@pytest.mark.parametrize("action,state", CASES)
def test_each_action_from_each_state(action: str, state: str) -> None:
    transition = TRANSITIONS[action]
    who = permitted(action)
    if state in transition.moves:
        assert check(ticket(state), action, who, reason="因为") == transition.moves[state]
    else:
        with pytest.raises(IllegalTransition) as refused:
            check(ticket(state), action, who, reason="因为")
        message = str(refused.value)
        assert f"不能{action}" in message and (state or "无") in message


@pytest.mark.parametrize("action,role", [(a, r) for a in TRANSITIONS for r in ROLES if r not in TRANSITIONS[a].roles])
def test_each_role_that_may_not(action: str, role: str) -> None:
    state = next(iter(TRANSITIONS[action].moves))
    with pytest.raises(PermissionDenied, match=f"不能{action}"):
        check(ticket(state), action, actor(role), reason="因为")


@pytest.mark.parametrize("action", [a for a, t in TRANSITIONS.items() if t.department_bound])
def test_a_handler_of_another_department_may_not(action: str) -> None:
    state = next(iter(TRANSITIONS[action].moves))
    with pytest.raises(PermissionDenied, match="由市税务局承办，市供电公司不能"):
        check(ticket(state), action, actor("handler", "市供电公司"), reason="因为")
    assert check(ticket(state), action, actor("admin", ""), reason="因为")  # an admin may


def test_an_enterprise_acts_only_on_its_own_tickets() -> None:
    with pytest.raises(PermissionDenied, match="本人"):
        check(ticket("待评价"), "评价", Actor("work:someone-else", ENTERPRISE))
    assert check(ticket("待评价"), "评价", actor(ENTERPRISE)) == "已办结"


@pytest.mark.parametrize("action", [a for a, t in TRANSITIONS.items() if t.needs_reason])
def test_actions_that_need_a_reason(action: str) -> None:
    state = next(iter(TRANSITIONS[action].moves))
    with pytest.raises(TicketError, match="原因"):
        check(ticket(state), action, permitted(action), reason="  ")


def test_unknown_action_and_the_options_named_in_refusals() -> None:
    with pytest.raises(TicketError, match="没有“删除”这个操作"):
        check(ticket("已派单"), "删除", actor("admin"))
    assert allowed_actions("已答复") == ["驳回", "办结"]
    with pytest.raises(IllegalTransition, match="此状态可以：驳回、办结"):
        check(ticket("已答复"), "回复", actor("handler"))


def test_the_loop_reaches_every_state() -> None:
    reached = {to for t in TRANSITIONS.values() for to in t.moves.values()}
    assert reached == set(STATES)
