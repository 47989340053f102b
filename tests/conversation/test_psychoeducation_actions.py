"""action_explain_topic: the short answer, then more on request."""

import pytest
from rasa_sdk.events import SlotSet

from actions.psychoeducation import ActionExplainTopic
from bot.content.topics import TALK_TO_A_THERAPIST, TRY_SKILL, topic_library
from tests.support.action_trackers import tracker_after

pytestmark = pytest.mark.anyio
SLEEP = topic_library()["sleep"]


def tracker(intent, entities=(), current_topic=None, shown=None):
    slots = {"current_topic": current_topic, "topic_sections_shown": shown}
    return tracker_after("...", intent, entities, slots, sender="reader")


async def test_a_topic_question_gets_the_short_answer_and_buttons_for_more(dispatcher, domain):
    events = await ActionExplainTopic().run(dispatcher, tracker("ask_sleep"), domain)
    [message] = dispatcher.messages
    assert message["text"] == SLEEP.short_answer
    titles = [button["title"] for button in message["buttons"]]
    assert titles == [s.title for s in SLEEP.sections] + [
        "When to get help",
        TRY_SKILL,
        TALK_TO_A_THERAPIST,
    ]
    assert [b["payload"] for b in message["buttons"][-2:]] == [
        f"/do_{SLEEP.skill}",
        "/request_referral",
    ]
    first = SLEEP.sections[0].id
    assert message["buttons"][0]["payload"] == (
        f'/tell_me_more{{"topic": "sleep", "section": "{first}"}}'
    )
    assert events == [SlotSet("current_topic", "sleep"), SlotSet("topic_sections_shown", [])]


async def test_a_button_shows_that_section_and_offers_the_rest(dispatcher, domain):
    section = SLEEP.sections[-1]
    entities = [("topic", "sleep"), ("section", section.id)]
    events = await ActionExplainTopic().run(dispatcher, tracker("tell_me_more", entities), domain)
    [message] = dispatcher.messages
    assert section.text in message["text"]
    assert section.title not in [button["title"] for button in message["buttons"]]
    assert SlotSet("topic_sections_shown", [section.id]) in events


async def test_typed_tell_me_more_continues_the_last_topic(dispatcher, domain):
    shown = [SLEEP.sections[0].id]
    await ActionExplainTopic().run(
        dispatcher, tracker("tell_me_more", current_topic="sleep", shown=shown), domain
    )
    expected = SLEEP.sections[1] if len(SLEEP.sections) > 1 else None
    text = dispatcher.messages[0]["text"]
    assert (expected.text in text) if expected else ("Sources:" in text)


async def test_when_to_get_help_lists_the_sources(dispatcher, domain):
    entities = [("topic", "sleep"), ("section", "when_to_seek_help")]
    await ActionExplainTopic().run(dispatcher, tracker("tell_me_more", entities), domain)
    text = dispatcher.messages[0]["text"]
    assert SLEEP.when_to_seek_help in text
    assert all(source.url in text for source in SLEEP.sources)
    assert text.endswith(SLEEP.skill_offer)
    links = dispatcher.messages[1]["custom"]["links"]  # drawn as links by the widget
    assert links == [{"title": s.name, "url": s.url} for s in SLEEP.sources]


async def test_tell_me_more_without_a_topic_asks_which(dispatcher, domain):
    events = await ActionExplainTopic().run(dispatcher, tracker("tell_me_more"), domain)
    [message] = dispatcher.messages
    assert message["text"].startswith("What would you like to know more about?")
    assert events == []
