"""The events a live chat may add to a conversation through Rasa's live-chat endpoint."""

import pytest

from bot.live import events
from bot.live.events import InvalidLiveEvents, checked


def test_messages_pause_resume_and_stopping_a_form_pass():
    staff = events.message("Hello, I'm Sam.", events.STAFF, "Sam")
    notice = events.message("Sam has joined.", events.NOTICE, crisis={"crisis": {"level": "high"}})
    given = [*events.STOP_FORM, events.PAUSE, staff, notice]
    assert checked(given) == given
    assert checked([events.RESUME]) == [events.RESUME]
    assert events.speaker(staff) == {"from": "staff", "name": "Sam"}
    assert events.speaker(notice) == {"from": "notice", "name": ""}


@pytest.mark.parametrize(
    "event",
    [
        {"event": "slot", "name": "risk_level", "value": "none"},  # never a risk flag
        {"event": "slot", "name": "requested_slot", "value": "ref_name"},
        {"event": "user", "text": "hi", "parse_data": {}},
        {"event": "restart"},
        {"event": "bot", "text": "unmarked"},  # a bot message must say who
        events.message("", events.STAFF, "Sam"),
        events.message("x" * (events.MAX_TEXT_CHARS + 1), events.STAFF, "Sam"),
        events.message("hi", events.STAFF, "S" * (events.MAX_NAME_CHARS + 1)),
        events.message("hi", "therapist", "Sam"),
        # Only a notice carries a crisis card, and only a crisis card.
        events.message("hi", events.STAFF, "Sam", crisis={"crisis": {}}),
        {**events.message("hi", events.NOTICE), "data": {"buttons": [{"payload": "/restart"}]}},
        {**events.message("hi", events.STAFF, "Sam"), "timestamp": 0},
        "pause",
    ],
)
def test_anything_else_is_refused(event):
    with pytest.raises(InvalidLiveEvents):
        checked([events.PAUSE, event])


@pytest.mark.parametrize("given", [[], None, {"event": "pause"}, [events.PAUSE] * 6])
def test_the_list_itself_is_checked(given):
    with pytest.raises(InvalidLiveEvents):
        checked(given)
