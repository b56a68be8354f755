"""Follow-up matching (text, category, recency) and 并单 candidates."""

from __future__ import annotations

from datetime import timedelta

import jieba

from handlers.tickets.followup import follow_up_score, link_duplicates, match_follow_up
from test_tickets_service import file, runtime  # noqa: F401 - the fixture and helpers
from ticket_helpers import WEDNESDAY


def words(text):
    return [w for w in jieba.lcut(text) if w.strip()]


def test_the_same_matter_scores_above_another(runtime) -> None:
    with runtime.session() as session:
        ticket = file(session, runtime.config)  # 退税申请交上去两个多月了一分钱没退
        same = follow_up_score(words, "退税还是没退，已经两个多月了", "税务", ticket, WEDNESDAY, 30)
        other = follow_up_score(words, "门口的路灯坏了", "城管执法", ticket, WEDNESDAY, 30)
        old = follow_up_score(words, "退税还是没退，已经两个多月了", "税务", ticket, WEDNESDAY + timedelta(days=29), 30)
    assert same > 60 > other and same > old


def test_only_the_complainants_open_tickets_are_matched(runtime) -> None:
    config = runtime.config
    with runtime.session() as session:
        ticket = file(session, config)
        found = match_follow_up(session, "work:boss", "退税还是没退", "税务", words, WEDNESDAY, config)
        assert found is not None and found[0] is ticket
        assert match_follow_up(session, "work:someone", "退税还是没退", "税务", words, WEDNESDAY, config) is None
        assert match_follow_up(session, "work:boss", "园区路灯坏了", "城管执法", words, WEDNESDAY, config) is None
        ticket.state = "已办结"
        assert match_follow_up(session, "work:boss", "退税还是没退", "税务", words, WEDNESDAY, config) is None


def test_look_alikes_from_other_enterprises_are_linked(runtime) -> None:
    from handlers.tickets.service import Filing, open_ticket
    from handlers.tickets.catalogue import load_catalogue

    config = runtime.config
    with runtime.session() as session:
        first = file(session, config)
        mine_again = file(session, config)
        other = open_ticket(session, Filing(kind="投诉", text="退税申请交上去两个多月了，一分钱都没退", channel="mp",
                                            user="o-1", category="税务", confident=True), WEDNESDAY, config, load_catalogue(config))
        linked = link_duplicates(session, other, words, WEDNESDAY, config)
        assert {t.id for t, _ in linked} == {first.id, mine_again.id}
        assert [t.id for t, _ in link_duplicates(session, mine_again, words, WEDNESDAY, config)] == [other.id]
