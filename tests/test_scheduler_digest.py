"""The leaders' weekly digest: the week's questions (most asked, unanswered), to the leaders, once per slot."""

from __future__ import annotations

from bot.store.questions import log_question

STAFF = [{"user": "boss", "role": "leader", "department": "市营商环境建设局"}, {"user": "h", "role": "handler"}]


def _ask(runtime, sched, moment: str, text: str, clause_key: str | None, outcome: str | None = None) -> None:
    with runtime.session() as session:
        outcome = outcome or ("answer" if clause_key else "not_found")
        log_question(session, channel="aibot", user="u", group="g", text=text, outcome=outcome,
                     clause_key=clause_key, score=1.0, asked_at=sched.at(moment))


def test_the_digest_counts_the_weeks_questions_and_goes_to_the_leaders(sched) -> None:
    runtime = sched.runtime.make(staff=STAFF)
    document = next(d for d in runtime.knowledge.documents() if d.title.startswith("2021年长春市"))
    first, second = document.clauses[0], document.clauses[1]
    for _ in range(3):
        _ask(runtime, sched, "2026-10-21T10:00", "开公司要几天", first.key)
    _ask(runtime, sched, "2026-10-22T10:00", "办电多久", second.key)
    _ask(runtime, sched, "2026-10-23T10:00", "食堂几点开饭", None)
    _ask(runtime, sched, "2026-10-24T10:00", "食堂几点开饭", None)
    for _ in range(3):
        _ask(runtime, sched, "2026-10-24T11:00", "收到，谢谢", None, outcome="small_talk")  # chit-chat: not counted
    _ask(runtime, sched, "2026-10-18T23:00", "上周的问题", None)  # before the week (local 10-18)
    _ask(runtime, sched, "2026-10-26T08:30", "本周的问题", None)  # after it
    sched.run("2026-10-26T09:00", runtime)
    (row,) = sched.queued("digest:", runtime)
    assert row.channel == "work" and row.target == {"touser": ["boss"]}
    lines = row.text.split("\n")
    assert lines[0] == "【每周通报】2026年10月19日—10月25日"
    assert "政策咨询：共 6 问，已解答 4 问" in lines
    assert lines[lines.index("问得最多：") + 1] == f"1. {first.heading}（《{document.title}》{first.number}） 3 次"
    assert "1. “食堂几点开饭” 2 次" in lines
    assert "上周的问题" not in row.text and "本周的问题" not in row.text and "收到" not in row.text
    sched.run("2026-10-26T09:30", runtime)
    assert len(sched.queued("digest:", runtime)) == 1


def test_a_quiet_week_still_gets_its_digest(sched) -> None:
    sched.run("2026-10-26T09:00")
    (row,) = sched.queued("digest:")
    assert row.channel == "console"  # no leaders configured: the office's fallback
    assert row.text.split("\n") == [
        "【每周通报】2026年10月19日—10月25日",
        "诉求：新受理 0 件，办结 0 件，超期 0 件",
        "满意率 —（评价 0 件），响应率 —，解决率 —",
        "政策咨询：共 0 问，已解答 0 问",
    ]
