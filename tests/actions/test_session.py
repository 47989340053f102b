"""action_session_start copies the widget's region and carries slots over."""

import pytest
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet

from actions.session import ActionSessionStart
from tests.actions.conftest import load_tracker

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("tracker_name", "expected_events"),
    [
        (
            "new_session_with_region",
            [SessionStarted(), SlotSet("region", "uk"), ActionExecuted("action_listen")],
        ),
        (
            "expired_session_with_slots",
            [SessionStarted(), SlotSet("region", "ca"), ActionExecuted("action_listen")],
        ),
    ],
)
async def test_session_start(tracker_name, expected_events, dispatcher, domain):
    events = await ActionSessionStart().run(dispatcher, load_tracker(tracker_name), domain)
    assert events == expected_events
    assert dispatcher.messages == []


async def test_slots_are_not_carried_over_when_the_domain_says_so(dispatcher, domain):
    domain = {**domain, "session_config": {"carry_over_slots_to_new_session": False}}
    tracker = load_tracker("expired_session_with_slots")
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    assert events == [SessionStarted(), ActionExecuted("action_listen")]
