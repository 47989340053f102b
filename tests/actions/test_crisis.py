"""action_respond_to_crisis: the reply, the payload (contract 3), the slots and the alert."""

import pytest
from rasa_sdk.events import SlotSet

from actions import crisis
from actions.crisis import ActionRespondToCrisis
from tests.actions.conftest import tracker_after

pytestmark = pytest.mark.anyio


def tracker(text, entities=(), region="uk", risk_level=None, intent="crisis_suicide"):
    slots = {"region": region, "risk_level": risk_level, "crisis_active": False}
    return tracker_after(text, intent, entities, slots)


@pytest.fixture
def alerts(monkeypatch):
    sent = []
    monkeypatch.setattr(crisis.STAFF_ALERTS, "send_in_background", sent.append)
    return sent


FLAG = [("risk_level", "high"), ("risk_category", "suicide"), ("risk_rule", "suicide.kill_self")]


async def test_high_risk_gets_the_protocol_reply_payload_slots_and_alert(
    dispatcher, domain, alerts
):
    events = await ActionRespondToCrisis().run(
        dispatcher, tracker("i want to kill myself", FLAG), domain
    )
    assert events == [SlotSet("risk_level", "high"), SlotSet("crisis_active", True)]
    text, card = dispatcher.messages
    assert "Are you thinking about ending your life?" in text["text"]
    payload = card["custom"]["crisis"]
    assert payload["level"] == "high" and payload["categories"] == ["suicide"]
    assert payload["region"] == "uk"
    assert "116 123" in [r["phone"] for r in payload["resources"]]
    assert set(payload["resources"][0]) >= {"name", "phone", "sms", "url", "hours", "category"}
    [alert] = alerts
    assert alert["level"] == "high" and alert["conversation_url"].endswith("/c0ffee/")
    assert "kill" not in str(alert)  # never the message text


async def test_imminent_starts_with_the_emergency_number(dispatcher, domain, alerts):
    flag = [("risk_level", "imminent"), ("risk_category", "overdose")]
    await ActionRespondToCrisis().run(
        dispatcher, tracker("ive taken all my pills", flag, region="au"), domain
    )
    assert dispatcher.messages[0]["text"].startswith("Please call 000 now.")


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
    assert message["text"].startswith("I can't help with that.")
    assert events == []
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
    assert dispatcher.messages[0]["text"].startswith("It's good that you're looking out")
    payload = dispatcher.messages[1]["custom"]["crisis"]
    assert payload["region"] == "intl"
    assert payload["resources"][0]["url"].startswith("https://findahelpline.com")
