"""Session start: copy the widget's region into the conversation (contract 4)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.regions import region_from_metadata

SESSION_METADATA_SLOT = "session_started_metadata"


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        if domain.get("session_config", {}).get("carry_over_slots_to_new_session", True):
            events += [
                SlotSet(name, value)
                for name, value in tracker.slots.items()
                if value is not None and name != SESSION_METADATA_SLOT
            ]
        region = region_from_metadata(tracker.get_slot(SESSION_METADATA_SLOT))
        if region:
            events.append(SlotSet("region", region))
        events.append(ActionExecuted("action_listen"))
        return events
