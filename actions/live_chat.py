"""Offering a person from the practice: thin over bot.live (staffed hours, who is on duty).

The offer is a message with a ``live_offer`` payload; the widget draws its button, which
asks the web process for a person (bot/web/live_views.py), not the bot: asking works the
same inside a form or the crisis questions.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot import django_setup
from bot.live import wording
from bot.live.config import live_chat_settings


async def offer_live_chat(
    dispatcher: CollectingDispatcher, region: str | None, only_if_available: bool
) -> None:
    """Offer a person when one can join now; otherwise, unless ``only_if_available``, say
    plainly that nobody can, and what to do instead."""
    if not live_chat_settings().hours.enabled and only_if_available:
        return  # live chat is off: nothing to offer, no database to ask
    await django_setup.asetup()
    from django.conf import settings

    from bot.live.availability import availability  # needs Django set up

    now = await sync_to_async(availability, thread_sensitive=False)()
    practice = settings.PRACTICE_NAME
    if now.can_join:
        dispatcher.utter_message(
            text=wording.text("offer", region, practice=practice),
            json_message={"live_offer": {"button": wording.text("offer_button", region)}},
        )
    elif not only_if_available:
        key = "nobody_free" if now.staffed_now else "closed"
        dispatcher.utter_message(text=wording.text(key, region, practice=practice, hours=now.hours))


class ActionOfferLivePerson(Action):
    """Asked for a person ("can I talk to a real person"): the offer, or why not, before
    the appointment request the rules start next."""

    def name(self) -> str:
        return "action_offer_live_person"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if live_chat_settings().hours.enabled:
            await offer_live_chat(dispatcher, tracker.get_slot("region"), only_if_available=False)
        return []
