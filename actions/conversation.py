"""Honest answers about the chat itself, from the practice's settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot import django_setup
from bot.content import chat_privacy_answer


class ActionExplainChatPrivacy(Action):
    """What is kept, for how long, who reads it, when staff are alerted, how to delete it."""

    def name(self) -> str:
        return "action_explain_chat_privacy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        await django_setup.asetup()  # the practice's name and retention are the web process's
        dispatcher.utter_message(
            text=chat_privacy_answer(settings.PRACTICE_NAME, settings.RETENTION_DAYS)
        )
        return []
