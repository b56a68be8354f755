"""Non-text messages through the router: welcome, silence, a hint."""

from handlers.types import Incoming


def test_subscribe_and_enter_events_get_the_welcome(runtime) -> None:
    for event in ("subscribe", "enter_agent", "enter_chat"):
        assert "政企通" in runtime.handle(Incoming(channel="mp", user="o", text="", msg_type="event", event=event)).text


def test_other_events_are_silent_and_media_gets_a_hint(runtime) -> None:
    assert runtime.handle(Incoming(channel="mp", user="o", text="", msg_type="event", event="view")).text == ""
    assert "文字" in runtime.handle(Incoming(channel="work", user="u", text="", msg_type="image")).text
