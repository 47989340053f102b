"""action_respond_to_crisis: the reply, the crisis card payload, the slots and the alert."""

import logging
import re

import pytest
import requests
from django.db import OperationalError
from rasa_sdk.events import SlotSet

from actions.crisis import ActionRespondToCrisis
from bot.alerts.models import StaffAlert
from bot.safety import alerts as alerts_module
from tests.support.action_trackers import tracker_after

pytestmark = pytest.mark.anyio


def tracker(text, entities=(), region="uk", risk_level=None, intent="crisis_suicide"):
    slots = {"region": region, "risk_level": risk_level, "crisis_active": False}
    return tracker_after(text, intent, entities, slots)


@pytest.fixture
def alerts(monkeypatch):
    """What the action put in the staff alert outbox (without a database)."""
    queued = []

    def enqueue(conversation_id, level, categories):
        queued.append(
            {"conversation_id": conversation_id, "level": level, "categories": categories}
        )

    monkeypatch.setattr(alerts_module, "enqueue", enqueue)
    return queued


FLAG = [("risk_level", "high"), ("risk_category", "suicide"), ("risk_rule", "suicide.kill_self")]


async def test_high_risk_gets_the_protocol_reply_payload_slots_and_alert(
    dispatcher, domain, alerts
):
    events = await ActionRespondToCrisis().run(
        dispatcher, tracker("i want to kill myself", FLAG), domain
    )
    slots = {event["name"]: event["value"] for event in events}
    assert slots["risk_level"] == "high" and slots["crisis_active"] is True
    # The direct questions follow, without asking again what the message said.
    assert slots["risk_questions"] == "start"
    assert (slots["rq_wish_dead"], slots["rq_thoughts"]) == ("yes", "yes")
    text, card = dispatcher.messages
    assert re.search(r"\bAI\b", text["text"])
    payload = card["custom"]["crisis"]
    assert payload["level"] == "high" and payload["categories"] == ["suicide"]
    assert payload["region"] == "uk"
    assert "116 123" in [r["phone"] for r in payload["resources"]]
    assert set(payload["resources"][0]) >= {"name", "phone", "sms", "url", "hours", "audience"}
    [alert] = alerts
    assert alert == {"conversation_id": "c0ffee", "level": "high", "categories": ["suicide"]}


async def test_sexual_violence_gets_a_sexual_violence_line(dispatcher, domain, alerts):
    flag = [("risk_level", "high"), ("risk_category", "abuse"), ("risk_rule", "abuse.sexual")]
    await ActionRespondToCrisis().run(
        dispatcher, tracker("i was raped", flag, region="us", intent="crisis_abuse"), domain
    )
    resources = dispatcher.messages[1]["custom"]["crisis"]["resources"]
    # The screen's abuse covers sexual violence: the domestic violence line, then RAINN.
    assert [r["phone"] for r in resources][:2] == ["1-800-799-7233", "1-800-656-4673"]
    assert "sexual_violence" in resources[1]["categories"]


async def test_imminent_starts_with_the_emergency_number(dispatcher, domain, alerts):
    flag = [("risk_level", "imminent"), ("risk_category", "overdose")]
    await ActionRespondToCrisis().run(
        dispatcher, tracker("ive taken all my pills", flag, region="au"), domain
    )
    assert "call 000 now" in dispatcher.messages[0]["text"].lower()[:30]


async def test_a_means_question_after_distress_is_high(dispatcher, domain, alerts):
    events = await ActionRespondToCrisis().run(
        dispatcher,
        tracker("which bridges around here are the highest", risk_level="low"),
        domain,
    )
    assert SlotSet("risk_level", "high") in events
    assert dispatcher.messages[1]["custom"]["crisis"]["level"] == "high"


async def test_a_means_question_alone_is_declined_gently(dispatcher, domain, alerts):
    events = await ActionRespondToCrisis().run(
        dispatcher, tracker("which bridges around here are the highest"), domain
    )
    [message] = dispatcher.messages  # no crisis card: nothing was flagged
    assert message["text"].startswith(("I can't", "That's not something I can help with"))
    assert (
        SlotSet("risk_level", "high") not in events and SlotSet("crisis_active", True) not in events
    )
    assert alerts == []


async def test_the_highest_level_is_kept_and_no_second_alert(dispatcher, domain, alerts):
    flag = [("risk_level", "low"), ("risk_category", "suicide")]
    events = await ActionRespondToCrisis().run(
        dispatcher, tracker("what's the point", flag, risk_level="high"), domain
    )
    assert SlotSet("risk_level", "high") in events
    assert alerts == []


async def test_someone_else_at_risk_gets_help_for_the_helper(dispatcher, domain, alerts):
    flag = [("risk_level", "high"), ("risk_category", "suicide"), ("risk_modifier", "third_party")]
    await ActionRespondToCrisis().run(
        dispatcher, tracker("my friend wants to kill herself", flag, region=None), domain
    )
    assert "your life matters" not in dispatcher.messages[0]["text"].lower()
    payload = dispatcher.messages[1]["custom"]["crisis"]
    assert payload["region"] == "intl"
    assert payload["resources"][0]["url"].startswith("https://findahelpline.com")


@pytest.mark.django_db(transaction=True)
async def test_a_repeated_crisis_message_alerts_staff_once_and_imminent_again(
    dispatcher, domain, monkeypatch
):
    def no_webhook_from_the_action(*args, **kwargs):
        raise AssertionError("the action server only queues alerts; the worker posts them")

    monkeypatch.setattr(requests.Session, "request", no_webhook_from_the_action)
    high = [("risk_level", "high"), ("risk_category", "suicide")]
    for _ in range(3):  # as if the conversation's risk level had been forgotten each time
        await ActionRespondToCrisis().run(
            dispatcher, tracker("i want to kill myself", high), domain
        )
    imminent = [("risk_level", "imminent"), ("risk_category", "overdose")]
    await ActionRespondToCrisis().run(dispatcher, tracker("ive taken the pills", imminent), domain)
    queued = [alert async for alert in StaffAlert.objects.order_by("raised_at")]
    assert [(a.conversation_id, a.level) for a in queued] == [
        ("c0ffee", "high"),
        ("c0ffee", "imminent"),
    ]
    assert {a.status for a in queued} == {StaffAlert.Status.PENDING}


async def test_the_reply_goes_out_when_the_alert_cannot_be_queued(
    dispatcher, domain, monkeypatch, caplog
):
    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(alerts_module, "enqueue", database_down)
    with caplog.at_level(logging.CRITICAL, logger="bot.safety.alerts"):
        events = await ActionRespondToCrisis().run(
            dispatcher, tracker("i want to kill myself", FLAG), domain
        )
    assert SlotSet("risk_level", "high") in events
    assert dispatcher.messages[1]["custom"]["crisis"]["level"] == "high"
    assert "STAFF ALERT NOT QUEUED" in caplog.text and "c0ffee" in caplog.text


def with_events(text, flag, events, slots):
    """A tracker at a flagged message, with the conversation's events so far."""
    tracker = tracker_after(text, "crisis_suicide", flag, {"region": "us", **slots})
    tracker.events = events
    return tracker


@pytest.mark.parametrize(
    ("earlier", "asked_again"),
    [
        ([{"event": "action", "name": "risk_questions_form"}], False),  # asked this session
        (
            [{"event": "action", "name": "risk_questions_form"}, {"event": "session_started"}],
            True,  # asked in an earlier session: back days later, asked again
        ),
    ],
)
async def test_the_direct_questions_are_asked_once_a_session(
    dispatcher, domain, alerts, earlier, asked_again
):
    answered_before = {"rq_wish_dead": "no", "rq_thoughts": "no", "rq_behaviour": "no"}
    flag = [("risk_level", "low"), ("risk_category", "suicide")]
    events = await ActionRespondToCrisis().run(
        dispatcher, with_events("whats the point", flag, earlier, answered_before), domain
    )
    slots = {event["name"]: event["value"] for event in events}
    assert slots["risk_questions"] == ("start" if asked_again else "skip")
    if asked_again:  # the old answers are cleared, so every question is asked afresh
        assert all(slots[f"rq_{q}"] is None for q in ("wish_dead", "thoughts", "behaviour"))
