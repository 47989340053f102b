"""Guided exercises in the action server: start, next, repeat, stop, and the written record."""

import pytest
from rasa_sdk.events import SlotSet

from actions.exercises import ActionGuideExercise, ActionWriteUpExercise, ValidateThoughtRecordForm
from bot.content import content_file
from bot.content.exercises import SKIPPED_ANSWER, exercise_library
from tests.support.action_trackers import tracker_after

pytestmark = pytest.mark.anyio
BOX = exercise_library()["box_breathing"]
PLAN = exercise_library()["safety_plan"]


def in_exercise(intent, step, exercise="box_breathing", text="..."):
    return tracker_after(text, intent, slots={"exercise": exercise, "exercise_step": step})


async def guide(dispatcher, domain, tracker):
    return await ActionGuideExercise().run(dispatcher, tracker, domain)


async def test_starting_shows_the_intro_and_the_first_step(dispatcher, domain):
    events = await guide(dispatcher, domain, tracker_after("box breathing", "do_box_breathing"))
    assert dispatcher.messages[0]["text"].startswith(BOX.intro)
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Next", "Repeat", "Stop"]
    assert events == [SlotSet("exercise", "box_breathing"), SlotSet("exercise_step", 0)]


async def test_next_moves_on_and_repeat_stays(dispatcher, domain):
    events = await guide(dispatcher, domain, in_exercise("next_step", 0))
    assert BOX.steps[1].text in dispatcher.messages[0]["text"]
    assert events == [SlotSet("exercise_step", 1)]
    events = await guide(dispatcher, domain, in_exercise("repeat_step", 1))
    assert BOX.steps[1].text in dispatcher.messages[1]["text"]
    assert events == [SlotSet("exercise_step", 1)]


async def test_the_breathing_step_sends_the_pacer(dispatcher, domain):
    paced = next(i for i, step in enumerate(BOX.steps) if step.pacer)
    await guide(dispatcher, domain, in_exercise("repeat_step", paced))
    assert dispatcher.messages[1]["custom"]["exercise"]["pacer"]["cycles"] == 4


async def test_next_after_the_last_step_closes_and_forgets_the_exercise(dispatcher, domain):
    events = await guide(dispatcher, domain, in_exercise("next_step", len(BOX.steps) - 1))
    assert dispatcher.messages[0]["text"] == BOX.closing
    assert events == [SlotSet("exercise", None), SlotSet("exercise_step", None)]


async def test_stop_is_polite_and_forgets_every_answer(dispatcher, domain):
    events = await guide(dispatcher, domain, in_exercise("stop", 2))
    assert dispatcher.messages[0]["text"] == content_file("coping")["stopped"]
    assert SlotSet("exercise", None) in events
    assert SlotSet("tr_thought", None) in events and SlotSet("sp_coping", None) in events


async def test_next_with_no_exercise_under_way_offers_the_menu(dispatcher, domain):
    await guide(dispatcher, domain, tracker_after("next", "next_step"))
    [message] = dispatcher.messages
    assert message["text"] == content_file("coping")["nothing_to_continue"]
    assert len(message["buttons"]) == len(exercise_library())


async def test_a_form_exercise_is_introduced_and_left_to_its_form(dispatcher, domain):
    events = await guide(dispatcher, domain, tracker_after("safety plan", "do_safety_plan"))
    assert [m["text"] for m in dispatcher.messages] == [PLAN.intro]
    assert events[-1] == SlotSet("exercise", "safety_plan")
    assert SlotSet("sp_warning_signs", None) in events  # no answers left from an earlier plan


async def test_the_safety_plan_is_written_up_with_the_regions_crisis_lines(dispatcher, domain):
    answers = {slot: f"my answer {n}" for n, (slot, _) in enumerate(PLAN.record)}
    tracker = tracker_after(
        "/skip", "skip", slots={"exercise": "safety_plan", "region": "uk", **answers}
    )
    events = await ActionWriteUpExercise().run(dispatcher, tracker, domain)
    text, download, closing = dispatcher.messages
    assert all(answer in text["text"] for answer in answers.values())
    assert "Samaritans 116 123" in text["text"] and "Emergency: 999" in text["text"]
    assert download["custom"]["download"]["filename"] == "safety_plan.txt"
    assert download["custom"]["download"]["title"] == "Safety plan"  # its name in My notes
    assert download["custom"]["download"]["text"] in text["text"]
    assert closing["text"] == PLAN.closing
    assert SlotSet("sp_warning_signs", None) in events


async def validate(dispatcher, domain, slot, text, intent="nlu_fallback", entities=()):
    slots = {"requested_slot": slot, slot: text}
    tracker = tracker_after(text, intent, entities, slots=slots)
    tracker.active_loop = {"name": "thought_record_form"}
    tracker.events = [{"event": "slot", "name": slot, "value": text}]
    return await ValidateThoughtRecordForm().get_validation_events(dispatcher, tracker, domain)


async def test_a_thought_record_answer_is_kept_as_typed(dispatcher, domain):
    events = await validate(dispatcher, domain, "tr_thought", "  I always mess up  ")
    assert events == [SlotSet("tr_thought", "I always mess up")]


async def test_skip_is_recorded_as_skipped(dispatcher, domain):
    events = await validate(dispatcher, domain, "tr_evidence_for", "/skip", intent="skip")
    assert events == [SlotSet("tr_evidence_for", SKIPPED_ANSWER)]


async def test_a_rating_must_be_a_number_from_0_to_100(dispatcher, domain):
    assert await validate(dispatcher, domain, "tr_intensity", "about 85%") == [
        SlotSet("tr_intensity", 85)
    ]
    assert await validate(dispatcher, domain, "tr_intensity", "loads") == [
        SlotSet("tr_intensity", None)
    ]
    assert dispatcher.messages[-1]["text"] == ValidateThoughtRecordForm.complaint
