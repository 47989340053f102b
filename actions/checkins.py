"""Mood check-ins and the PHQ-2 and GAD-2 screeners (scoring in bot.checkins)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import AnswerForm
from bot.checkins import (
    ask_directly_after_mood,
    ask_directly_after_screener,
    checkins,
    mood_summary,
    parse_answer,
    parse_mood,
    score_screener,
    screener_items,
)

SUPPORT_BUTTONS = [
    {"title": "Try a coping skill", "payload": "/ask_coping_skills"},
    {"title": "Talk to a therapist", "payload": "/request_referral"},
]
SCREENERS = ("phq2", "gad2")


class ValidateMoodCheckinForm(AnswerForm):
    form = "mood_checkin_form"
    parsers = {"mood_score": parse_mood}
    optional = frozenset({"mood_note"})

    @property
    def complaint(self) -> str:  # type: ignore[override]
        return checkins()["mood"]["not_understood"]


class ScreenerForm(AnswerForm):
    @property
    def complaint(self) -> str:  # type: ignore[override]
        return checkins()["screeners"]["not_understood"]


class ValidatePhq2Form(ScreenerForm):
    form = "phq2_form"
    parsers = dict.fromkeys(screener_items("phq2"), parse_answer)


class ValidateGad2Form(ScreenerForm):
    form = "gad2_form"
    parsers = dict.fromkeys(screener_items("gad2"), parse_answer)


class ActionSummariseMood(Action):
    """Thanks, this conversation's check-ins so far, and support when the mood is low."""

    def name(self) -> str:
        return "action_summarise_mood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        score = tracker.get_slot("mood_score")
        if score is None:
            return [ask_directly(False)]
        earlier = list(tracker.get_slot("mood_history") or [])
        text, low = mood_summary(int(score), earlier)
        ask = ask_directly_after_mood(int(score))
        if ask:  # the direct questions follow, with their own buttons
            dispatcher.utter_message(text=f"{text} {checkins()['ask_directly']}")
        else:
            dispatcher.utter_message(text=text, buttons=SUPPORT_BUTTONS if low else [])
        return [
            SlotSet("mood_history", [*earlier, int(score)]),
            SlotSet("mood_score", None),
            SlotSet("mood_note", None),
            ask_directly(ask),
        ]


class ActionScoreScreener(Action):
    """The PHQ-2 or GAD-2 score with honest words, and an offer of a therapist."""

    def name(self) -> str:
        return "action_score_screener"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        for screener in SCREENERS:
            items = screener_items(screener)
            answers = [tracker.get_slot(item) for item in items]
            if all(answer is not None for answer in answers):
                result = score_screener(screener, [int(answer) for answer in answers])
                moods = list(tracker.get_slot("mood_history") or [])
                ask = ask_directly_after_screener(screener, result.total, moods)
                if ask:
                    dispatcher.utter_message(text=f"{result.text} {checkins()['ask_directly']}")
                else:
                    dispatcher.utter_message(text=result.text, buttons=SUPPORT_BUTTONS)
                return [*(SlotSet(item, None) for item in items), ask_directly(ask)]
        return [ask_directly(False)]


def ask_directly(ask: bool) -> SlotSet:
    """Whether the rules start the direct questions about suicide next."""
    return SlotSet("risk_questions", "start" if ask else "skip")
