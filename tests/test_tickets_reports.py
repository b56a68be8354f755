"""响应率, 解决率, 满意率 and overdue counts for a period, overall and per department."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from handlers.tickets.jobs import escalate_overdue_tickets
from handlers.tickets.reports import month_bounds, ticket_statistics
from handlers.tickets.service import perform
from handlers.tickets.states import Actor
from test_tickets_jobs import local
from test_tickets_service import file, runtime, staff  # noqa: F401 - the fixture and helpers


def test_month_bounds_and_a_bad_month() -> None:
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_bounds("2026/12")


def test_figures_for_a_month(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        enterprise = lambda t: Actor.enterprise(t.complainant)  # noqa: E731
        tax = staff(session, "tax1")
        quick = file(session, config, now=local(2026, 11, 2))  # signed the next working day, rated 满意
        perform(session, quick, "签收", tax, local(2026, 11, 3), config)
        perform(session, quick, "回复", tax, local(2026, 11, 4), config, note="已办")
        perform(session, quick, "办结", staff(session, "disp"), local(2026, 11, 4, 15), config)
        perform(session, quick, "评价", enterprise(quick), local(2026, 11, 5), config, note="满意")
        slow = file(session, config, now=local(2026, 11, 2))  # answered a week later, rated 不满意, reopened
        perform(session, slow, "回复", tax, local(2026, 11, 9), config, note="已办")
        perform(session, slow, "办结", staff(session, "disp"), local(2026, 11, 9, 15), config)
        perform(session, slow, "重办", enterprise(slow), local(2026, 11, 10), config, note="没解决")
        late = file(session, config, now=local(2026, 11, 2), category="办电")  # never answered: due 9 Nov
        escalate_overdue_tickets(session, local(2026, 11, 10), config)
        file(session, config, now=local(2026, 10, 30))  # October: not counted
        figures = ticket_statistics(session, *month_bounds("2026-11"), config=config, now=local(2026, 12, 1))
    assert figures["new"] == 3 and figures["dispatched"] == 3
    assert figures["responded_in_time"] == 1 and figures["response_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["resolved"] == 1  # only the quick one is answered at the end (slow was reopened)
    assert figures["closed"] == 1 and figures["rated"] == 2 and figures["satisfied"] == 1
    assert figures["satisfaction_rate"] == 0.5
    assert figures["overdue"] == 1 + 1  # the power ticket, and the October tax ticket due in November
    power = figures["by_department"]["市供电公司"]
    assert power["new"] == 1 and power["overdue"] == 1 and power["response_rate"] == 0.0
    assert figures["by_department"]["市税务局"]["satisfaction_rate"] == 0.5
    assert late.number not in str(figures)


def test_an_empty_period_has_no_rates(runtime) -> None:
    with runtime.session() as session:
        figures = ticket_statistics(session, datetime(2026, 1, 1), datetime(2026, 2, 1))
    assert figures["new"] == 0 and figures["satisfaction_rate"] is None and figures["by_department"] == {}
