"""The crisis pathway: answer a flagged message per the safety protocol (bot.safety)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.safety.crisis import plan_reply
from bot.safety.decide import stronger
from bot.safety.entities import from_entities
from bot.safety.screen import default_screen
from bot.web.standalone import setup_django

setup_django()  # the staff alert outbox is a Django model, shared by every action server

from bot.safety import alerts  # noqa: E402

# Built when the action server starts, not on the first crisis message.
default_screen()


class ActionRespondToCrisis(Action):
    def name(self) -> str:
        return "action_respond_to_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        prior_level = tracker.get_slot("risk_level") or "none"
        # The NLU component screened the message alone (its result is in the
        # entities); screened again with the conversation's history, a means
        # question after distress is high.
        result = stronger(
            from_entities(message.get("entities") or []),
            default_screen().screen(
                message.get("text") or "", prior_level, tracker.get_slot("distress_seen") == "yes"
            ),
        )
        reply = plan_reply(result, prior_level, tracker.get_slot("region"))
        dispatcher.utter_message(text=reply.text, buttons=list(reply.buttons))
        if reply.payload is None:
            return []
        dispatcher.utter_message(json_message=reply.payload)
        if reply.alert_staff:
            await alerts.raise_alert(tracker.sender_id, reply.level, reply.categories)
        return [SlotSet("risk_level", reply.highest_level), SlotSet("crisis_active", True)]
