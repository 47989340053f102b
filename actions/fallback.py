"""First stage of the fallback: offer the best guess in plain words, with yes/no buttons."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.content import did_you_mean

NLU_FALLBACK_INTENT = "nlu_fallback"


class ActionAskAffirmation(Action):
    def name(self) -> str:
        return "action_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        guess = _best_guess(tracker.latest_message)
        question = did_you_mean(guess) if guess else None
        if question is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(
            text=question,
            buttons=[
                {"title": "Yes", "payload": f"/{guess}"},
                {"title": "No", "payload": "/deny"},
            ],
        )
        return []


def _best_guess(latest_message: dict[str, Any]) -> str | None:
    """The intent NLU ranked highest, skipping the fallback intent itself."""
    for candidate in latest_message.get("intent_ranking") or []:
        name = candidate.get("name")
        if name and name != NLU_FALLBACK_INTENT:
            return name
    return None
