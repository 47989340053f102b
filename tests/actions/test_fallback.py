"""The two-stage fallback asks about intents in plain words."""

import pytest

from actions.fallback import ActionDefaultAskAffirmation
from tests.actions.conftest import load_tracker

pytestmark = pytest.mark.anyio


async def test_asks_about_the_best_guess_in_plain_words(dispatcher, domain):
    tracker = load_tracker("unsure_about_bot_challenge")
    events = await ActionDefaultAskAffirmation().run(dispatcher, tracker, domain)
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_did_you_mean"
    assert message["intent_label"] == "asking whether I'm a person or a computer program"
    assert message["buttons"] == [
        {"title": "Yes", "payload": "/bot_challenge"},
        {"title": "No", "payload": "/out_of_scope"},
    ]


async def test_asks_to_rephrase_when_the_guess_has_no_label(dispatcher, domain):
    tracker = load_tracker("unsure_without_a_label")
    events = await ActionDefaultAskAffirmation().run(dispatcher, tracker, domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]
