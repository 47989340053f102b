"""Guided exercises: start, next, repeat and stop; and the written record a form leaves.

The words live in data/content/exercises/ and data/content/coping.yml;
bot.content.exercises renders them. Forms (the thought record, the safety
plan) are asked by Rasa; this module introduces them and writes up the answers.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import AnswerForm, latest_intent
from actions.replies import send
from bot.checkins import parse_percent
from bot.content import content_file
from bot.content.exercises import (
    closing_reply,
    exercise_for_intent,
    exercise_library,
    menu_reply,
    step_reply,
    written_record,
)
from bot.regions import INTERNATIONAL, normalise_region
from bot.safety.crisis import crisis_resources


def form_slots(domain: dict[str, Any]) -> list[str]:
    """Every slot any form fills, so stopping leaves no half-finished answers behind."""
    forms = domain.get("forms") or {}
    return [slot for form in forms.values() for slot in form.get("required_slots", [])]


def forget_exercise(domain: dict[str, Any]) -> list[EventType]:
    slots = ["exercise", "exercise_step", *form_slots(domain)]
    return [SlotSet(slot, None) for slot in slots]


class ActionGuideExercise(Action):
    """Starts an exercise, moves it on a step, repeats a step, or stops politely."""

    def name(self) -> str:
        return "action_guide_exercise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        coping = content_file("coping")
        intent = latest_intent(tracker)
        starting = exercise_for_intent(intent)
        if starting is not None:
            if starting.kind == "form":
                # The form asks the questions next (data/rules/exercises.yml).
                dispatcher.utter_message(text=starting.intro)
                return [*forget_exercise(domain), SlotSet("exercise", starting.id)]
            send(dispatcher, step_reply(starting, 0))
            return [SlotSet("exercise", starting.id), SlotSet("exercise_step", 0)]
        if intent == "stop":
            stopping_referral = (tracker.active_loop or {}).get("name") == "referral_form"
            stopped = content_file("referral")["texts"]["cancelled"] if stopping_referral else None
            dispatcher.utter_message(text=stopped or coping["stopped"])
            return forget_exercise(domain)

        current = exercise_library().get(tracker.get_slot("exercise") or "")
        step = tracker.get_slot("exercise_step")
        if intent == "ask_coping_skills" or current is None or step is None:
            asked = intent == "ask_coping_skills"
            send(dispatcher, menu_reply(coping["menu" if asked else "nothing_to_continue"]))
            return []
        step = int(step) + (1 if intent in ("next_step", "skip") else 0)
        if step >= len(current.steps):
            send(dispatcher, closing_reply(current))
            return [SlotSet("exercise", None), SlotSet("exercise_step", None)]
        send(dispatcher, step_reply(current, step))
        return [SlotSet("exercise_step", step)]


class ActionWriteUpExercise(Action):
    """After a form exercise: the answers as text to copy or download, then the closing words."""

    def name(self) -> str:
        return "action_write_up_exercise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        exercise = exercise_library().get(tracker.get_slot("exercise") or "")
        if exercise is None or exercise.kind != "form":
            return []
        answers = {slot: tracker.get_slot(slot) for slot, _ in exercise.record}
        extra = {}
        if exercise.id == "safety_plan":
            extra["sp_professionals"] = crisis_lines_line(tracker.get_slot("region"))
        record = written_record(exercise, answers, extra)
        dispatcher.utter_message(text=f"{content_file('coping')['record_ready']}\n\n{record}")
        dispatcher.utter_message(
            json_message={
                "download": {
                    "filename": f"{exercise.id}.txt",
                    "title": exercise.title,
                    "text": record,
                }
            }
        )
        send(dispatcher, closing_reply(exercise))
        return forget_exercise(domain)


def crisis_lines_line(region: str | None) -> str:
    """The region's emergency number and suicide crisis lines, for the safety plan."""
    region = normalise_region(region) or INTERNATIONAL
    resources = crisis_resources()
    emergency = resources.emergency_number(region) or resources.local_emergency_advice
    lines = [
        f"{service.name} {service.phone or service.sms or service.url}".strip()
        for service in resources.for_region(region, ["suicide"])
    ]
    return f"Emergency: {emergency}. Crisis lines: {'; '.join(lines)}."


class ValidateThoughtRecordForm(AnswerForm):
    form = "thought_record_form"
    parsers = {"tr_intensity": parse_percent, "tr_rerate": parse_percent}
    complaint = "Please send a number from 0 to 100, or type skip."
    optional = None  # every question may be skipped


class ValidateSafetyPlanForm(AnswerForm):
    form = "safety_plan_form"
    optional = None  # every question may be skipped
