"""Two-stage fallback: ask "Did you mean …?" in plain words, not intent names."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.content import intent_label

NLU_FALLBACK_INTENT = "nlu_fallback"


class ActionDefaultAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        guess = _best_guess(tracker.latest_message)
        label = intent_label(guess) if guess else None
        if label is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(
            response="utter_did_you_mean",
            intent_label=label,
            buttons=[
                {"title": "Yes", "payload": f"/{guess}"},
                # Rasa's two-stage fallback reads /out_of_scope as "no".
                {"title": "No", "payload": "/out_of_scope"},
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
