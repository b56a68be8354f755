from handlers.router import FALLBACK_TEXT, ERROR_TEXT, route
from handlers.types import Context, Handler, Incoming, Reply
from bot.store.conversation import load_state


def _ctx(runtime, session):
    return Context(session=session, config=runtime.config, knowledge=None, now=None)


def test_help_answers(runtime) -> None:
    reply = runtime.handle(Incoming(channel="cli", user="u1", text="帮助"))
    assert "政策咨询" in reply.text


def test_first_matching_handler_wins_and_none_passes_on(runtime) -> None:
    seen = []
    handlers = [
        Handler("never", lambda m, c: False, lambda m, c: Reply("never")),
        Handler("declines", lambda m, c: True, lambda m, c: seen.append("declines")),
        Handler("answers", lambda m, c: True, lambda m, c: Reply("second")),
        Handler("late", lambda m, c: True, lambda m, c: Reply("late")),
    ]
    with runtime.session() as session:
        reply = route(Incoming(channel="cli", user="u", text="x"), _ctx(runtime, session), handlers)
    assert reply.text == "second"
    assert seen == ["declines"]


def test_no_handler_gives_fallback_and_group_reply_mentions_asker(runtime) -> None:
    with runtime.session() as session:
        reply = route(Incoming(channel="aibot", user="u9", group="g1", text="x"), _ctx(runtime, session), [])
    assert reply.text == FALLBACK_TEXT
    assert reply.mention == "u9"


def test_failing_handler_is_rolled_back(runtime) -> None:
    from bot.store.outbox import OutboxMessage, enqueue

    def boom(message, ctx):
        enqueue(ctx.session, "console", {}, "half-done", key="k1")
        raise RuntimeError("boom")

    with runtime.session() as session:
        reply = route(Incoming(channel="cli", user="u", text="x"), _ctx(runtime, session), [Handler("boom", lambda m, c: True, boom)])
        assert reply.text == ERROR_TEXT
        assert session.query(OutboxMessage).count() == 0


def test_conversation_state_persists_between_messages(runtime) -> None:
    def remember(message, ctx):
        ctx.state["count"] = ctx.state.get("count", 0) + 1
        return Reply(str(ctx.state["count"]))

    import handlers.router as router

    original = list(router.HANDLERS)
    router.HANDLERS[:] = [Handler("count", lambda m, c: True, remember)]
    try:
        assert runtime.handle(Incoming(channel="cli", user="u", text="a")).text == "1"
        assert runtime.handle(Incoming(channel="cli", user="u", text="b")).text == "2"
        assert runtime.handle(Incoming(channel="cli", user="other", text="b")).text == "1"
    finally:
        router.HANDLERS[:] = original
    with runtime.session() as session:
        assert load_state(session, "cli", None, "u") == {"count": 2}
