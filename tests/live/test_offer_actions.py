"""The bot offers a person: when asked for one, and after a high or imminent crisis reply,
only when someone can join now; otherwise it says plainly that nobody can."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from actions.crisis import ActionRespondToCrisis, help_with_answer
from actions.live_chat import ActionOfferLivePerson
from bot.live.config import live_chat_settings
from bot.live.models import ResponderDuty
from bot.safety import alerts as alerts_module
from tests.support.action_trackers import tracker_after

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.django_db(transaction=True),  # the actions read the database on a thread
]
ASKED = tracker_after("can I talk to a real person", "request_referral", slots={"region": "uk"})
FLAG = [("risk_level", "high"), ("risk_category", "suicide"), ("risk_rule", "suicide.kill_self")]
CRISIS = tracker_after(
    "i want to kill myself", "crisis_suicide", FLAG, slots={"region": "uk", "risk_level": None}
)


@pytest.fixture
def hours(monkeypatch):
    def set_hours(value: str):
        monkeypatch.setenv("LIVE_CHAT_HOURS", value)
        monkeypatch.setenv("PRACTICE_TIME_ZONE", "UTC")
        live_chat_settings.cache_clear()

    yield set_hours
    live_chat_settings.cache_clear()


@pytest.fixture
def on_duty():
    user = get_user_model().objects.create_user("sam")
    return ResponderDuty.objects.create(user=user, available=True, seen_at=timezone.now())


@pytest.fixture(autouse=True)
def no_alerts(monkeypatch):
    monkeypatch.setattr(alerts_module, "enqueue", lambda *args, **kwargs: None)


async def test_with_live_chat_off_asking_for_a_person_goes_on_to_the_appointment(
    dispatcher, domain, hours
):
    hours("")
    assert await ActionOfferLivePerson().run(dispatcher, ASKED, domain) == []
    assert dispatcher.messages == []  # the rules go on to the appointment request


async def test_someone_on_duty_is_offered(dispatcher, domain, hours, on_duty):
    hours("mon-sun 00:00-24:00")
    await ActionOfferLivePerson().run(dispatcher, ASKED, domain)
    [offer] = dispatcher.messages
    assert (
        offer["text"]
        == "Someone from Harbour Lane Therapy can join this chat now. Would you like that?"
    )
    assert offer["custom"] == {"live_offer": {"button": "Yes, ask someone to join"}}


async def test_nobody_on_duty_is_said_plainly(dispatcher, domain, hours, on_duty):
    hours("mon-sun 00:00-24:00")
    on_duty.seen_at = timezone.now() - timedelta(minutes=5)  # their console closed
    await on_duty.asave()
    await ActionOfferLivePerson().run(dispatcher, ASKED, domain)
    [said] = dispatcher.messages
    assert "Nobody from Harbour Lane Therapy is free to join" in said["text"]
    assert "call 999" in said["text"] and not said.get("custom")


async def test_outside_hours_the_hours_are_given(dispatcher, domain, hours, on_duty):
    hours("sat 00:00-00:01")
    await ActionOfferLivePerson().run(dispatcher, ASKED, domain)
    [said] = dispatcher.messages
    assert "People are here to chat Saturday 00:00-00:01 (UTC time)" in said["text"]


async def test_a_crisis_reply_comes_first_then_the_offer(dispatcher, domain, hours, on_duty):
    hours("mon-sun 00:00-24:00")
    await ActionRespondToCrisis().run(dispatcher, CRISIS, domain)
    reply, card, offer = dispatcher.messages
    assert card["custom"]["crisis"]["level"] == "high"
    assert offer["custom"]["live_offer"]


async def test_a_crisis_reply_with_nobody_on_duty_offers_nothing(dispatcher, domain, hours):
    hours("mon-sun 00:00-24:00")
    await ActionRespondToCrisis().run(dispatcher, CRISIS, domain)
    assert len(dispatcher.messages) == 2  # the reply and its card, nothing more
    assert "Nobody" not in dispatcher.messages[0]["text"]


async def test_a_risky_answer_inside_a_form_gets_the_help_then_the_offer(
    dispatcher, hours, on_duty
):
    hours("mon-sun 00:00-24:00")
    await help_with_answer(dispatcher, CRISIS)
    assert dispatcher.messages[1]["custom"]["crisis"]["level"] == "high"
    assert dispatcher.messages[-1]["custom"] == {
        "live_offer": {"button": "Yes, ask someone to join"}
    }
