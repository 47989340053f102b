"""Validation shared by every form: typed answers, skip, and numbers read from text."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.content.exercises import SKIPPED_ANSWER

MAX_ANSWER_CHARS = 1000
SKIP_INTENT = "skip"
ANSWER_ENTITY = "answer"


class AnswerForm(FormValidationAction):
    """Checks each answer of ``form``: slots in ``parsers`` must parse, the rest are free text.

    An answer that does not parse is asked again with ``complaint``. "Skip"
    fills the slot with "(skipped)" when the slot is ``optional`` (every slot,
    if ``optional`` is None); otherwise the question is asked again. Crisis
    messages and "stop" never get here: they are the forms' ignored intents
    and end the form (data/rules/forms.yml).
    """

    parsers: ClassVar[dict[str, Callable[[str], Any]]] = {}
    complaint: ClassVar[str] = ""
    optional: ClassVar[frozenset[str] | None] = frozenset()

    @property
    @abstractmethod
    def form(self) -> str:
        """The form whose answers this checks (abstract, so the action server skips this class)."""

    def name(self) -> str:
        return f"validate_{self.form}"

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        own_slots = set(self.domain_slots(domain))
        skipped = (tracker.latest_message.get("intent") or {}).get("name") == SKIP_INTENT
        events = []
        for slot, value in tracker.slots_to_validate().items():
            if slot not in own_slots:
                continue
            # A button sends its score as the "answer" entity; typed answers are parsed.
            text = next(tracker.get_latest_entity_values(ANSWER_ENTITY), None) or str(value or "")
            text = text.strip()
            if skipped and (self.optional is None or slot in self.optional):
                answer = SKIPPED_ANSWER
            elif slot in self.parsers:
                answer = None if skipped else self.parsers[slot](text)
            else:
                answer = text[:MAX_ANSWER_CHARS] or None
            if answer is None and self.complaint:
                dispatcher.utter_message(text=self.complaint)
            events.append(SlotSet(slot, answer))
        return events
