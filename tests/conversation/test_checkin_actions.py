"""Mood check-ins and the PHQ-2 / GAD-2 questionnaires in the action server."""

import pytest
from rasa_sdk.events import SlotSet

from actions.checkins import (
    ActionScoreScreener,
    ActionSummariseMood,
    ValidateMoodCheckinForm,
    ValidatePhq2Form,
)
from bot.checkins import checkins
from bot.content.exercises import SKIPPED_ANSWER
from tests.support.action_trackers import tracker_after

pytestmark = pytest.mark.anyio


async def validate(form, dispatcher, domain, slot, text, intent="answer", entities=()):
    tracker = tracker_after(text, intent, entities, slots={"requested_slot": slot, slot: text})
    tracker.events = [{"event": "slot", "name": slot, "value": text}]
    return await form().get_validation_events(dispatcher, tracker, domain)


async def test_a_typed_mood_and_a_face_are_both_scores(dispatcher, domain):
    form = ValidateMoodCheckinForm
    assert await validate(form, dispatcher, domain, "mood_score", "6/10") == [
        SlotSet("mood_score", 6)
    ]
    assert await validate(form, dispatcher, domain, "mood_score", "🙂") == [
        SlotSet("mood_score", 7)
    ]


async def test_a_button_sends_its_score_as_an_entity(dispatcher, domain):
    events = await validate(
        ValidatePhq2Form,
        dispatcher,
        domain,
        "phq2_down",
        '/answer{"answer": "2"}',
        entities=[("answer", "2")],
    )
    assert events == [SlotSet("phq2_down", 2)]


async def test_an_unclear_mood_is_asked_again(dispatcher, domain):
    events = await validate(ValidateMoodCheckinForm, dispatcher, domain, "mood_score", "meh")
    assert events == [SlotSet("mood_score", None)]
    assert dispatcher.messages[0]["text"] == checkins()["mood"]["not_understood"]


async def test_the_note_is_optional_but_the_score_is_not(dispatcher, domain):
    form = ValidateMoodCheckinForm
    assert await validate(form, dispatcher, domain, "mood_note", "/skip", "skip") == [
        SlotSet("mood_note", SKIPPED_ANSWER)
    ]
    assert await validate(form, dispatcher, domain, "mood_score", "/skip", "skip") == [
        SlotSet("mood_score", None)
    ]


async def test_a_questionnaire_answer_must_be_one_of_the_four(dispatcher, domain):
    events = await validate(ValidatePhq2Form, dispatcher, domain, "phq2_interest", "hmm")
    assert events == [SlotSet("phq2_interest", None)]
    assert dispatcher.messages[0]["text"] == checkins()["screeners"]["not_understood"]


async def test_the_summary_adds_this_check_in_to_the_history(dispatcher, domain):
    tracker = tracker_after("/skip", "skip", slots={"mood_score": 4, "mood_history": [5]})
    events = await ActionSummariseMood().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert "5/10, 4/10" in message["text"]
    assert events == [
        SlotSet("mood_history", [5, 4]),
        SlotSet("mood_score", None),
        SlotSet("mood_note", None),
        SlotSet("risk_questions", "skip"),
    ]


@pytest.mark.parametrize(("score", "asks"), [(0, True), (2, True), (3, True), (4, False)])
async def test_a_low_mood_leads_to_the_gentle_direct_question(dispatcher, domain, score, asks):
    tracker = tracker_after("/skip", "skip", slots={"mood_score": score})
    events = await ActionSummariseMood().run(dispatcher, tracker, domain)
    assert (SlotSet("risk_questions", "start") in events) is asks
    [message] = dispatcher.messages
    assert ("thoughts of suicide" in message["text"]) is asks
    if asks:
        assert not message["buttons"]  # the questions bring their own


@pytest.mark.parametrize(
    ("screener", "answers", "moods", "asks"),
    [
        ("phq2", (2, 1), [], True),
        ("phq2", (1, 1), [2], False),
        ("gad2", (2, 1), [], False),
        ("gad2", (2, 1), [7, 3], True),
    ],
)
async def test_a_positive_screener_leads_to_the_direct_question(
    dispatcher, domain, screener, answers, moods, asks
):
    items = {"phq2": ["phq2_interest", "phq2_down"], "gad2": ["gad2_nervous", "gad2_worry"]}
    slots = dict(zip(items[screener], answers, strict=True), mood_history=moods)
    events = await ActionScoreScreener().run(
        dispatcher, tracker_after("x", "answer", slots=slots), domain
    )
    assert (SlotSet("risk_questions", "start") in events) is asks


@pytest.mark.parametrize(("answers", "total"), [((1, 1), 2), ((2, 1), 3)])
async def test_the_score_is_honest_and_offers_a_therapist(dispatcher, domain, answers, total):
    slots = {"gad2_nervous": answers[0], "gad2_worry": answers[1]}
    events = await ActionScoreScreener().run(
        dispatcher, tracker_after("x", "answer", slots=slots), domain
    )
    [message] = dispatcher.messages
    assert f"score is {total} out of 6" in message["text"]
    assert "not a diagnosis" in message["text"]
    assert "/request_referral" in [b["payload"] for b in message["buttons"]]
    assert events == [
        SlotSet("gad2_nervous", None),
        SlotSet("gad2_worry", None),
        SlotSet("risk_questions", "skip"),
    ]
