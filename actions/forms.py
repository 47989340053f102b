"""Validation shared by every form: typed answers, skip, and numbers read from text."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.crisis import help_with_answer
from bot.content.exercises import SKIPPED_ANSWER

MAX_ANSWER_CHARS = 1000
SKIP_INTENT = "skip"
ANSWER_ENTITY = "answer"


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def skipped(tracker: Tracker) -> bool:
    return latest_intent(tracker) == SKIP_INTENT


def typed_or_button(tracker: Tracker, value: Any) -> str:
    """The answer a button sent (the "answer" entity), or the text as typed."""
    button = next(tracker.get_latest_entity_values(ANSWER_ENTITY), None)
    return (button or str(value or "")).strip()


def given_answer(tracker: Tracker, slot: str) -> str:
    """A form slot's answer as text: "" when it is unanswered or was skipped."""
    value = tracker.get_slot(slot)
    return "" if value in (None, SKIPPED_ANSWER) else str(value)


class AnswerForm(FormValidationAction):
    """Checks each answer of ``form``: slots in ``parsers`` must parse, the rest are free text.

    An answer that does not parse is asked again with ``complaint``. "Skip"
    fills the slot with "(skipped)" when the slot is ``optional`` (every slot,
    if ``optional`` is None); otherwise the question is asked again. "stop"
    never gets here (an ignored intent: data/rules/forms.yml), nor do crisis
    messages in forms that ignore them; in the others a risky answer is kept
    and the crisis help is shown with it (actions.crisis.help_with_answer).
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
        skip = skipped(tracker)
        events = []
        for slot, value in tracker.slots_to_validate().items():
            if slot not in own_slots:
                continue
            text = typed_or_button(tracker, value)
            if skip and (self.optional is None or slot in self.optional):
                answer = SKIPPED_ANSWER
            elif slot in self.parsers:
                answer = None if skip else self.parsers[slot](text)
            else:
                answer = text[:MAX_ANSWER_CHARS] or None
            if answer is None and self.complaint:
                dispatcher.utter_message(text=self.complaint)
            events.append(SlotSet(slot, answer))
        return events + await help_with_answer(dispatcher, tracker)
