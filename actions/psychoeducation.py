"""Psychoeducation: explain a topic from the content library, and more on request."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import latest_intent
from actions.replies import send
from bot.content import content_file
from bot.content.topics import (
    next_section,
    overview,
    section_reply,
    topic_for_intent,
    topic_library,
)


class ActionExplainTopic(Action):
    def name(self) -> str:
        return "action_explain_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        topic = topic_for_intent(intent)
        if topic is not None:
            reply, shown = overview(topic), []
        else:
            # "Tell me more", typed or from a button that names the topic and section.
            topic_id = next(tracker.get_latest_entity_values("topic"), None)
            topic = topic_library().get(topic_id or tracker.get_slot("current_topic") or "")
            if topic is None:
                dispatcher.utter_message(text=content_file("fallback")["which_topic"])
                return []
            shown = list(tracker.get_slot("topic_sections_shown") or [])
            section = next(tracker.get_latest_entity_values("section"), None)
            section = section or next_section(topic, tuple(shown))
            reply = section_reply(topic, section, tuple(shown))
            shown.append(section)
        send(dispatcher, reply)
        return [SlotSet("current_topic", topic.id), SlotSet("topic_sections_shown", shown)]
