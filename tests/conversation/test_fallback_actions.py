"""The first stage of the fallback offers the best guess in plain words."""

import pytest

from actions.fallback import ActionAskAffirmation
from tests.support.action_trackers import load_tracker

pytestmark = pytest.mark.anyio


async def test_offers_the_best_guess_in_plain_words(dispatcher, domain):
    tracker = load_tracker("unsure_about_bot_challenge")
    events = await ActionAskAffirmation().run(dispatcher, tracker, domain)
    assert events == []
    [message] = dispatcher.messages
    assert message["text"] == "Did you mean: asking if I'm a person or a computer program?"
    assert message["buttons"] == [
        {"title": "Yes", "payload": "/bot_challenge"},
        {"title": "No", "payload": "/deny"},
    ]


async def test_asks_to_rephrase_when_the_guess_has_no_label(dispatcher, domain):
    tracker = load_tracker("unsure_without_a_label")
    events = await ActionAskAffirmation().run(dispatcher, tracker, domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


def test_every_offered_guess_is_a_domain_intent(domain):
    from bot.content import _fallback_content

    assert set(_fallback_content()["labels"]) <= set(domain["intents"])
