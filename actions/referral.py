"""The therapist referral form: ask, match, summarise, and on consent put it in the outbox.

Nothing is stored until the visitor says yes to the consent question; after
that the contact details live only in the referral record, and the bot forgets
its copies (the slots). The name and contact never reach the tracker store in
plain text: the channel seals the answers (bot.private_answers), the slots hold
sealed tokens, and the summary shows them masked.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.crisis import help_with_answer
from actions.forms import given_answer, latest_intent, skipped, typed_or_button
from bot import django_setup
from bot.content import content_file
from bot.content.exercises import SKIPPED_ANSWER
from bot.private_answers import METADATA_KEY, seal, unseal
from bot.referral.contact import ContactError, mask, parse_contact
from bot.referral.matching import (
    Request,
    clinicians,
    match,
    read_availability,
    read_format,
    read_specialties,
    session_format_words,
)
from bot.safety.crisis import ALERT_LEVELS, emergency_words

FORM = "referral_form"
SLOTS = [
    "ref_concern", "ref_format", "ref_location", "ref_times",
    "ref_clinician", "ref_name", "ref_contact", "ref_consent",
]  # fmt: skip
TEAM = "team"
# Changing one answer may change others: the matches depend on what, how, where and when.
RESET_WITH = {
    "ref_concern": ["ref_clinician"],
    "ref_format": ["ref_location", "ref_clinician"],
    "ref_location": ["ref_clinician"],
    "ref_times": ["ref_clinician"],
}
SUMMARY_LABELS = {
    "ref_concern": "Help with",
    "ref_format": "Sessions",
    "ref_location": "Where",
    "ref_times": "Times",
    "ref_clinician": "Therapist",
    "ref_name": "Name",
    "ref_contact": "Contact",
}


def texts() -> dict:
    return content_file("referral")["texts"]


def _entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


def request_from(tracker: Tracker) -> Request:
    return Request(
        read_specialties(given_answer(tracker, "ref_concern")),
        given_answer(tracker, "ref_format") or "either",
        given_answer(tracker, "ref_location"),
        read_availability(given_answer(tracker, "ref_times")),
    )


class ValidateReferralForm(FormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def get_validation_events(self, dispatcher, tracker, domain) -> list[EventType]:
        """Each answer checked; a risky one is kept, with the crisis help shown beside it."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        return events + await help_with_answer(dispatcher, tracker)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        slots = list(domain_slots)
        if tracker.get_slot("ref_format") == "online":
            slots.remove("ref_location")
        if tracker.get_slot("ref_format") and not match(request_from(tracker)):
            slots.remove("ref_clinician")  # no clear match: the team matches
        return slots

    def validate_ref_concern(self, value, dispatcher, tracker, domain):
        concern = typed_or_button(tracker, value)[:500]
        return {"ref_concern": SKIPPED_ANSWER if skipped(tracker) else concern}

    def validate_ref_format(self, value, dispatcher, tracker, domain):
        session_format = read_format(typed_or_button(tracker, value))
        if session_format is None:
            dispatcher.utter_message(text=texts()["format_again"])
        return {"ref_format": session_format}

    def validate_ref_location(self, value, dispatcher, tracker, domain):
        return {"ref_location": SKIPPED_ANSWER if skipped(tracker) else str(value).strip()[:200]}

    def validate_ref_times(self, value, dispatcher, tracker, domain):
        times = typed_or_button(tracker, value)[:300]
        return {"ref_times": SKIPPED_ANSWER if skipped(tracker) else times}

    def validate_ref_clinician(self, value, dispatcher, tracker, domain):
        offered = {m.clinician.id: m.clinician.name for m in match(request_from(tracker))}
        chosen = _entity(tracker, "clinician")
        if chosen is None:  # typed: a name, or "team"
            typed = str(value).lower()
            chosen = next((cid for cid, name in offered.items() if name.lower() in typed), None)
            chosen = chosen or (TEAM if "team" in typed or skipped(tracker) else None)
        if chosen != TEAM and chosen not in offered:
            dispatcher.utter_message(text=texts()["not_a_match"])
            return {"ref_clinician": None}
        return {"ref_clinician": chosen}

    def validate_ref_name(self, value, dispatcher, tracker, domain):
        if skipped(tracker):
            return {"ref_name": SKIPPED_ANSWER}
        name = private_answer(tracker, value).strip()[:100]
        return {"ref_name": seal(name) if name else None}

    def validate_ref_contact(self, value, dispatcher, tracker, domain):
        try:
            contact = parse_contact(private_answer(tracker, value), tracker.get_slot("region"))
        except ContactError as error:
            dispatcher.utter_message(text=str(error))
            return {"ref_contact": None}
        return {"ref_contact": seal(contact.value)}

    def validate_ref_consent(self, value, dispatcher, tracker, domain):
        field = _entity(tracker, "field")
        if field in SUMMARY_LABELS:  # "change something": ask that again, then consent again
            return {"ref_consent": None, field: None, **dict.fromkeys(RESET_WITH.get(field, []))}
        if latest_intent(tracker) in ("affirm", "deny"):
            return {"ref_consent": latest_intent(tracker) == "affirm"}
        return {"ref_consent": None}  # asked again, with the summary


def private_answer(tracker: Tracker, value: Any) -> str:
    """The answer the channel sealed for this message; the slot's text when it sealed none
    (a message that did not come through the widget's channel)."""
    metadata = tracker.latest_message.get("metadata") or {}
    return unseal(metadata.get(METADATA_KEY)) or str(value or "")


def opened(tracker: Tracker, slot: str) -> str:
    """A sealed slot's answer, "" when it is unanswered, skipped or no longer readable."""
    return unseal(given_answer(tracker, slot)) or ""


class ActionAskRefClinician(Action):
    """The top three matches, each with why, and "let the team match me"."""

    def name(self) -> str:
        return "action_ask_ref_clinician"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        matches = match(request_from(tracker))
        lines = [texts()["matches"], *(f"• {m.why}" for m in matches)]
        buttons = [
            {"title": m.clinician.name, "payload": f'/answer{{"clinician": "{m.clinician.id}"}}'}
            for m in matches
        ]
        buttons.append(
            {"title": texts()["team_match"], "payload": f'/answer{{"clinician": "{TEAM}"}}'}
        )
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return []


class ActionAskRefConsent(Action):
    """What would be sent, the consent question, and a way to change each answer."""

    def name(self) -> str:
        return "action_ask_ref_consent"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        lines = [texts()["summary_intro"]]
        for slot, label in SUMMARY_LABELS.items():
            value = tracker.get_slot(slot)
            if value is not None:
                lines.append(f"{label}: {_shown(slot, value)}")
        lines += ["", texts()["consent"]]
        buttons = [
            {"title": "Yes, share them", "payload": "/affirm"},
            {"title": "No, don't send", "payload": "/deny"},
            *(
                {"title": f"Change: {label.lower()}", "payload": f'/answer{{"field": "{slot}"}}'}
                for slot, label in SUMMARY_LABELS.items()
                if tracker.get_slot(slot) is not None
            ),
        ]
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return []


def _shown(slot: str, value: Any) -> str:
    """An answer as the summary shows it; the name and contact masked, as the summary is
    kept in the conversation's history."""
    if value == SKIPPED_ANSWER:
        return str(value)
    if slot == "ref_name":
        name = unseal(value) or ""
        return f"{name[:1]}***"
    if slot == "ref_contact":
        contact = unseal(value) or ""
        return mask("email" if "@" in contact else "phone", contact)
    if slot == "ref_format":
        return session_format_words(value)
    if slot == "ref_clinician":
        names = {c.id: c.name for c in clinicians()}
        return names.get(value, texts()["team_matches"])
    return str(value)


class ActionSubmitReferral(Action):
    """On consent, the referral goes to the outbox and the visitor gets a reference."""

    def name(self) -> str:
        return "action_submit_referral"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        forget = [SlotSet(slot, None) for slot in SLOTS]
        if tracker.get_slot("ref_consent") is not True or not opened(tracker, "ref_contact"):
            # (A sealed contact is unreadable only after a day, or with a new key.)
            dispatcher.utter_message(text=texts()["not_sent"])
            return forget
        referral = await sync_to_async(_submit, thread_sensitive=False)(tracker)
        contact_kind = "email" if referral.contact_kind == "email" else "phone"
        if referral.urgent:  # no promise of a time: only that staff see it first
            text = texts()["sent_urgent"].format(
                reference=referral.reference,
                contact_kind=contact_kind,
                emergency=emergency_words(tracker.get_slot("region")),
            )
        else:
            text = texts()["sent"].format(
                reference=referral.reference,
                contact_kind=contact_kind,
                days=content_file("referral")["reply_working_days"],
            )
        # The reference tells the widget that this conversation has a referral (My notes
        # then offers to send the first-session note with it).
        dispatcher.utter_message(
            text=text, json_message={"referral": {"reference": referral.reference}}
        )
        return forget


def asked_in_crisis(tracker: Tracker) -> bool:
    """A referral asked for once the conversation reached high or imminent risk."""
    return tracker.get_slot("risk_level") in ALERT_LEVELS


def _submit(tracker: Tracker):
    django_setup.setup()  # the outbox is a Django model, shared with the web process and the worker
    from bot.referral import outbox  # needs Django set up: it imports the referral model

    clinician = given_answer(tracker, "ref_clinician")
    details = outbox.ReferralDetails(
        concern=given_answer(tracker, "ref_concern"),
        session_format=given_answer(tracker, "ref_format") or "either",
        location=given_answer(tracker, "ref_location"),
        preferred_times=given_answer(tracker, "ref_times"),
        first_name=opened(tracker, "ref_name"),
        contact=parse_contact(opened(tracker, "ref_contact"), tracker.get_slot("region")),
        clinician_id="" if clinician == TEAM else clinician,
        consent_text=texts()["consent"],
        urgent=asked_in_crisis(tracker),
    )
    return outbox.submit(details, tracker.sender_id)
