"""The referral form's actions: checking answers, matching, consent, and the outbox."""

import pytest
from rasa_sdk.events import SlotSet

from actions.referral import (
    SLOTS,
    ActionAskRefClinician,
    ActionAskRefConsent,
    ActionSubmitReferral,
    ValidateReferralForm,
)
from bot.content import content_file
from bot.content.exercises import SKIPPED_ANSWER
from bot.private_answers import METADATA_KEY, seal, unseal
from bot.referral.models import Referral
from tests.support.action_trackers import tracker_after

pytestmark = [pytest.mark.anyio, pytest.mark.referral]
TEXTS = content_file("referral")["texts"]
ANSWERS = {
    "ref_concern": "I get anxious and panicky",
    "ref_format": "in_person",
    "ref_location": "Leeds",
    "ref_times": "weekday evenings",
    "ref_clinician": "team",
    # As the form keeps them: sealed, never in plain text.
    "ref_name": seal("Sam"),
    "ref_contact": seal("sam@example.org"),
}


async def validate(
    dispatcher, domain, slot, text, intent="answer", entities=(), slots=None, metadata=None
):
    tracker = tracker_after(
        text, intent, entities, slots={**(slots or {}), "requested_slot": slot, slot: text}
    )
    tracker.latest_message["metadata"] = metadata or {}
    tracker.events = [{"event": "slot", "name": slot, "value": text}]
    return await ValidateReferralForm().get_validation_events(dispatcher, tracker, domain)


@pytest.mark.parametrize(
    ("text", "region", "stored"),
    [("Sam@Example.org", "uk", "Sam@example.org"), ("07911 123456", "uk", "+447911123456")],
)
async def test_a_good_contact_is_kept_normalised_and_sealed(
    dispatcher, domain, text, region, stored
):
    [event] = await validate(dispatcher, domain, "ref_contact", text, slots={"region": region})
    assert event["name"] == "ref_contact" and stored not in event["value"]
    assert unseal(event["value"]) == stored


@pytest.mark.parametrize(
    ("slot", "answer", "kept"),
    [("ref_name", " Sam ", "Sam"), ("ref_contact", "sam@example.org", "sam@example.org")],
)
async def test_the_answer_sealed_by_the_channel_is_the_one_read(
    dispatcher, domain, slot, answer, kept
):
    placeholder = "[kept private]"
    metadata = {METADATA_KEY: seal(answer)}
    [event] = await validate(dispatcher, domain, slot, placeholder, metadata=metadata)
    assert unseal(event["value"]) == kept


@pytest.mark.parametrize("text", ["sam@example", "sam@@example.org", "0113 49", "no thanks"])
async def test_a_bad_contact_is_asked_again_with_the_reason(dispatcher, domain, text):
    events = await validate(dispatcher, domain, "ref_contact", text, slots={"region": "uk"})
    assert events == [SlotSet("ref_contact", None)]
    assert (
        "doesn't look right" in dispatcher.messages[0]["text"]
        or "Please give" in (dispatcher.messages[0]["text"])
    )


async def test_optional_answers_can_be_skipped(dispatcher, domain):
    for slot in ("ref_concern", "ref_location", "ref_times", "ref_name"):
        events = await validate(dispatcher, domain, slot, "/skip", intent="skip")
        assert events == [SlotSet(slot, SKIPPED_ANSWER)]


async def test_an_unclear_format_is_asked_again(dispatcher, domain):
    assert await validate(dispatcher, domain, "ref_format", "hmm") == [SlotSet("ref_format", None)]
    assert dispatcher.messages[0]["text"] == TEXTS["format_again"]
    assert await validate(dispatcher, domain, "ref_format", "Online") == [
        SlotSet("ref_format", "online")
    ]


async def test_online_sessions_need_no_location(domain):
    tracker = tracker_after("Online", "answer", slots={"ref_format": "online"})
    slots = await ValidateReferralForm().required_slots(
        domain["forms"]["referral_form"]["required_slots"], None, tracker, domain
    )
    assert "ref_location" not in slots and "ref_clinician" in slots


async def test_the_matches_are_offered_with_why_and_a_team_option(dispatcher, domain):
    tracker = tracker_after("x", "answer", slots=ANSWERS)
    await ActionAskRefClinician().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["text"].count("•") == 3 and "works with" in message["text"]
    assert message["buttons"][-1]["payload"] == '/answer{"clinician": "team"}'


async def test_a_clinician_button_or_a_typed_name_chooses(dispatcher, domain):
    slots = {**ANSWERS, "ref_clinician": None}
    chosen = await validate(
        dispatcher,
        domain,
        "ref_clinician",
        "/answer",
        entities=[("clinician", "ama-osei")],
        slots=slots,
    )
    assert chosen == [SlotSet("ref_clinician", "ama-osei")]
    typed = await validate(dispatcher, domain, "ref_clinician", "tomasz nowak please", slots=slots)
    assert typed == [SlotSet("ref_clinician", "tomasz-nowak")]
    unknown = await validate(dispatcher, domain, "ref_clinician", "dr who", slots=slots)
    assert unknown == [SlotSet("ref_clinician", None)]


async def test_the_consent_question_shows_what_would_be_sent(dispatcher, domain):
    await ActionAskRefConsent().run(dispatcher, tracker_after("x", "answer", slots=ANSWERS), domain)
    [message] = dispatcher.messages
    assert TEXTS["consent"] in message["text"]
    # The summary stays in the conversation's history: masked, never the details.
    assert "Name: S***" in message["text"] and "Contact: s***@e***" in message["text"]
    assert "sam@example.org" not in message["text"] and "Sam" not in message["text"]
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads[:2] == ["/affirm", "/deny"]
    assert '/answer{"field": "ref_contact"}' in payloads


async def test_changing_an_answer_asks_it_again_then_consent_again(dispatcher, domain):
    events = await validate(
        dispatcher,
        domain,
        "ref_consent",
        "/answer",
        entities=[("field", "ref_format")],
        slots=ANSWERS,
    )
    cleared = {event["name"] for event in events if event["value"] is None}
    assert cleared == {"ref_consent", "ref_format", "ref_location", "ref_clinician"}


@pytest.mark.parametrize(("intent", "consent"), [("affirm", True), ("deny", False)])
async def test_consent_is_a_clear_yes_or_no(dispatcher, domain, intent, consent):
    events = await validate(dispatcher, domain, "ref_consent", "ok", intent=intent, slots=ANSWERS)
    assert events == [SlotSet("ref_consent", consent)]


@pytest.mark.django_db(transaction=True)
async def test_with_consent_the_referral_is_in_the_outbox_and_the_bot_forgets_it(
    dispatcher, domain
):
    tracker = tracker_after("/affirm", "affirm", slots={**ANSWERS, "ref_consent": True})
    events = await ActionSubmitReferral().run(dispatcher, tracker, domain)
    referral = await Referral.objects.aget()
    assert referral.contact == "sam@example.org" and referral.first_name == "Sam"
    assert referral.clinician_id == "" and referral.status == Referral.Status.PENDING
    text = dispatcher.messages[0]["text"]
    assert referral.reference in text and "sam@example.org" not in text
    # the widget learns that the conversation has a referral (My notes can send a note with it)
    assert dispatcher.messages[0]["custom"] == {"referral": {"reference": referral.reference}}
    assert events == [SlotSet(slot, None) for slot in SLOTS]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("risk_level", "urgent"), [(None, False), ("low", False), ("high", True)])
async def test_a_referral_asked_for_in_a_crisis_is_urgent_and_says_so_honestly(
    dispatcher, domain, risk_level, urgent
):
    slots = {**ANSWERS, "ref_consent": True, "risk_level": risk_level, "region": "uk"}
    await ActionSubmitReferral().run(
        dispatcher, tracker_after("/affirm", "affirm", slots=slots), domain
    )
    referral = await Referral.objects.aget()
    assert referral.urgent is urgent
    text = dispatcher.messages[0]["text"]
    assert ("urgent" in text) is urgent
    assert ("working days" in text) is not urgent  # no promise of a time in a crisis
    if urgent:
        assert "call 999" in text


@pytest.mark.django_db(transaction=True)
async def test_without_consent_nothing_is_stored(dispatcher, domain):
    tracker = tracker_after("/deny", "deny", slots={**ANSWERS, "ref_consent": False})
    await ActionSubmitReferral().run(dispatcher, tracker, domain)
    assert await Referral.objects.acount() == 0
    assert dispatcher.messages[0]["text"] == TEXTS["not_sent"]


async def test_a_button_answer_is_read_from_its_entity(dispatcher, domain):
    events = await validate(
        dispatcher,
        domain,
        "ref_format",
        '/answer{"answer": "In person"}',
        entities=[("answer", "In person")],
    )
    assert events == [SlotSet("ref_format", "in_person")]
