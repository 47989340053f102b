"""The direct questions and the replies after a crisis answer, as the actions run them."""

import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.crisis import (
    ASK_ACTIONS,
    ActionCrisisFollowUp,
    ActionFinishRiskQuestions,
    ValidateRiskQuestionsForm,
)
from bot.safety import alerts as alerts_module
from bot.safety.crisis import wordings

pytestmark = pytest.mark.anyio

FORM = "risk_questions_form"


@pytest.fixture
def alerts(monkeypatch):
    queued = []

    def enqueue(conversation_id, level, categories):
        queued.append(level)

    monkeypatch.setattr(alerts_module, "enqueue", enqueue)
    return queued


def answering(text, intent, asked, slots=None, entities=(), risk_level="low"):
    """A tracker inside the direct questions: ``text`` answers the question ``asked``."""
    slots = {
        "region": "us",
        "risk_level": risk_level,
        "requested_slot": asked,
        "crisis_category": "suicide",
        **(slots or {}),
    }
    return Tracker.from_dict(
        {
            "sender_id": "c0ffee",
            "slots": {**slots, asked: text},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 1.0},
                "entities": [{"entity": n, "value": v} for n, v in entities],
            },
            "events": [
                {"event": "user", "text": text},
                {"event": "slot", "name": asked, "value": text},
            ],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": FORM},
            "latest_action_name": "action_listen",
        }
    )


def slot_values(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def validate(dispatcher, domain, tracker):
    return slot_values(await ValidateRiskQuestionsForm().run(dispatcher, tracker, domain))


async def test_no_to_the_opening_questions_keeps_the_level_and_asks_about_the_last_months(
    dispatcher, domain, alerts
):
    slots = await validate(
        dispatcher, domain, answering("no", "deny", "rq_thoughts", {"rq_wish_dead": "no"})
    )
    assert slots["rq_thoughts"] == "no"
    assert slots["risk_level"] == "low"  # never lowered
    assert slots["requested_slot"] == "rq_behaviour"  # method, intent, plan skipped
    assert alerts == []


async def test_yes_to_thoughts_is_high_and_alerts_staff(dispatcher, domain, alerts):
    slots = await validate(
        dispatcher, domain, answering("yes", "affirm", "rq_thoughts", {"rq_wish_dead": "yes"})
    )
    assert slots["risk_level"] == "high" and slots["requested_slot"] == "rq_method"
    assert alerts == ["high"]
    [card] = dispatcher.messages  # the help shown again, at the level the answer set
    assert card["custom"]["crisis"]["level"] == "high"


async def test_yes_to_a_plan_is_imminent_and_ends_the_questions(dispatcher, domain, alerts):
    answered = {"rq_wish_dead": "yes", "rq_thoughts": "yes", "rq_method": "yes", "rq_intent": "no"}
    slots = await validate(
        dispatcher, domain, answering("yes", "affirm", "rq_plan", answered, risk_level="high")
    )
    assert slots["risk_level"] == "imminent"
    assert slots["rq_outcome"] == "answered" and slots["requested_slot"] is None
    assert alerts == ["imminent"]


async def test_a_plan_named_in_answer_to_the_first_question_is_imminent(dispatcher, domain, alerts):
    slots = await validate(
        dispatcher, domain, answering("I have a plan", "nlu_fallback", "rq_wish_dead")
    )
    assert slots["rq_plan"] == "yes" and slots["risk_level"] == "imminent"


async def test_a_graver_message_ends_the_questions_for_its_own_pathway(dispatcher, domain, alerts):
    overdose = [("risk_level", "imminent"), ("risk_category", "overdose")]
    slots = await validate(
        dispatcher,
        domain,
        answering(
            "ive already taken them all", "crisis_overdose", "rq_thoughts", entities=overdose
        ),
    )
    assert slots["rq_outcome"] == "stronger" and slots["requested_slot"] is None


async def test_risk_words_that_answer_the_question_are_kept_as_the_answer(
    dispatcher, domain, alerts
):
    high = [("risk_level", "high"), ("risk_category", "suicide")]
    slots = await validate(
        dispatcher,
        domain,
        answering(
            "yes i want to kill myself",
            "crisis_suicide",
            "rq_thoughts",
            {"rq_wish_dead": "yes"},
            entities=high,
        ),
    )
    assert slots["rq_thoughts"] == "yes" and "rq_outcome" not in slots
    assert slots["requested_slot"] == "rq_method"


@pytest.mark.parametrize(
    ("text", "intent", "outcome"),
    [
        ("I'm fine, forget it", "feeling_fine", "declined"),
        ("leave me alone", "leave_me_alone", "stopped"),
        ("stop", "stop", "stopped"),
    ],
)
async def test_the_person_can_end_the_questions(dispatcher, domain, alerts, text, intent, outcome):
    slots = await validate(dispatcher, domain, answering(text, intent, "rq_wish_dead"))
    assert slots["rq_outcome"] == outcome and slots["requested_slot"] is None


async def test_an_unclear_answer_is_asked_again_once_then_taken_as_not_sure(
    dispatcher, domain, alerts
):
    first = answering("purple", "nlu_fallback", "rq_thoughts", {"rq_wish_dead": "yes"})
    slots = await validate(dispatcher, domain, first)
    assert slots["rq_thoughts"] is None and slots["rq_reasked"] == "rq_thoughts"
    assert dispatcher.messages[0]["text"] in wordings("questions.reask")
    again = answering(
        "purple",
        "nlu_fallback",
        "rq_thoughts",
        {"rq_wish_dead": "yes", "rq_reasked": "rq_thoughts"},
    )
    slots = await validate(dispatcher, domain, again)
    assert slots["rq_thoughts"] == "not_sure" and slots["requested_slot"] == "rq_method"


NO_TO_ALL = {"rq_wish_dead": "no", "rq_thoughts": "no", "rq_behaviour": "no"}
THOUGHTS_ONLY = {
    "rq_wish_dead": "yes", "rq_thoughts": "yes", "rq_method": "no",
    "rq_intent": "no", "rq_plan": "no", "rq_behaviour": "no",
}  # fmt: skip


def finished(outcome, answers, risk_level, entities=()):
    return Tracker.from_dict(
        {
            "sender_id": "c0ffee",
            "slots": {
                "region": "us",
                "risk_level": risk_level,
                "rq_outcome": outcome,
                "crisis_category": "suicide",
                **answers,
            },
            "latest_message": {
                "text": "x",
                "intent": {"name": "affirm"},
                "entities": [{"entity": n, "value": v} for n, v in entities],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": FORM,
        }
    )


@pytest.mark.parametrize(
    ("outcome", "answers", "level", "said", "asks"),
    [
        (None, NO_TO_ALL, "low", "none", "keep_talking"),
        (None, THOUGHTS_ONLY, "high", "high", "keep_talking"),
        ("answered", {"rq_plan": "yes"}, "imminent", "imminent", "call_now"),
        ("declined", {}, "low", "declined", "safe_now"),
        ("stopped", {}, "low", "stopped", None),
    ],
)  # fmt: skip
async def test_the_questions_end_with_words_that_fit_the_answers(
    dispatcher, domain, alerts, outcome, answers, level, said, asks
):
    events = await ActionFinishRiskQuestions().run(
        dispatcher, finished(outcome, answers, level), domain
    )
    text, card = dispatcher.messages
    assert text["text"] in [
        t.replace("{emergency}", "911") for t in wordings(f"after_questions.{said}")
    ]
    assert card["custom"]["crisis"]["level"] == level  # the help stays in view
    assert slot_values(events)["crisis_asked"] == asks


async def test_a_graver_message_gets_its_own_pathway_when_the_questions_end(
    dispatcher, domain, alerts
):
    overdose = [("risk_level", "imminent"), ("risk_category", "overdose")]
    events = await ActionFinishRiskQuestions().run(
        dispatcher, finished("stronger", {}, "high", overdose), domain
    )
    assert "1-800-222-1222" in dispatcher.messages[0]["text"]  # the poison line
    assert slot_values(events)["risk_level"] == "imminent"
    assert alerts == ["imminent"]


def after_crisis(text, intent, asked, risk_level="imminent", category="suicide", events=()):
    return Tracker.from_dict(
        {
            "sender_id": "c0ffee",
            "slots": {
                "region": "uk",
                "risk_level": risk_level,
                "crisis_asked": asked,
                "crisis_category": category,
                "crisis_active": True,
            },
            "latest_message": {"text": text, "intent": {"name": intent}, "entities": []},
            "events": list(events) or [{"event": "action", "name": "action_respond_to_crisis"}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


async def follow(dispatcher, domain, *args, **kwargs):
    events = await ActionCrisisFollowUp().run(dispatcher, after_crisis(*args, **kwargs), domain)
    return slot_values(events), dispatcher.messages


async def test_ok_to_please_call_now_is_not_consent_and_asks_whether_they_are_safe(
    dispatcher, domain, alerts
):
    slots, messages = await follow(dispatcher, domain, "ok", "affirm", "call_now")
    assert messages[0]["text"] in wordings("follow_up.call_now_ack")
    assert slots["crisis_asked"] == "safe_now" and slots["crisis_active"] is True
    assert [b["title"] for b in messages[0]["buttons"]] == ["Yes, I'm safe", "No", "Not sure"]
    assert messages[-1]["response"] == "utter_crisis_footer"  # the numbers stay in view


async def test_im_fine_after_an_overdose_still_says_go_now(dispatcher, domain, alerts):
    slots, messages = await follow(
        dispatcher, domain, "I'm fine", "feeling_fine", "call_now", category="overdose"
    )
    assert "999" in messages[0]["text"] and "fine" in messages[0]["text"]
    assert slots["crisis_active"] is True


async def test_safe_now_returns_to_ordinary_help_and_the_flag_stays(dispatcher, domain, alerts):
    slots, messages = await follow(dispatcher, domain, "yes", "affirm", "safe_now")
    assert messages[0]["text"] in wordings("follow_up.safe_yes")
    assert slots["crisis_active"] is False and slots["crisis_asked"] is None
    assert slots["risk_level"] == "imminent"  # for staff
    assert all(m.get("response") != "utter_crisis_footer" for m in messages)


async def test_not_safe_is_immediate_danger_with_an_alert(dispatcher, domain, alerts):
    slots, messages = await follow(dispatcher, domain, "no", "deny", "safe_now", risk_level="high")
    assert slots["risk_level"] == "imminent" and slots["crisis_asked"] == "call_now"
    assert messages[1]["custom"]["crisis"]["level"] == "imminent"
    assert re.search(r"\b999\b", messages[0]["text"])
    assert alerts == ["imminent"]


async def test_leave_me_alone_is_respected_and_the_help_stays(dispatcher, domain, alerts):
    slots, messages = await follow(
        dispatcher, domain, "leave me alone", "leave_me_alone", "keep_talking"
    )
    assert messages[0]["text"] in wordings("follow_up.leave_me_alone")
    assert slots["crisis_asked"] is None and slots["crisis_active"] is True
    assert messages[-1]["response"] == "utter_crisis_footer"


async def test_in_a_later_session_thanks_is_just_thanks(dispatcher, domain, alerts):
    earlier = [
        {"event": "action", "name": "action_crisis_follow_up"},
        {"event": "session_started"},
        {"event": "user", "text": "thanks"},
    ]
    events = await ActionCrisisFollowUp().run(
        dispatcher, after_crisis("thanks", "thank", "keep_talking", events=earlier), domain
    )
    assert events == [SlotSet("crisis_asked", None), FollowupAction("utter_you_are_welcome")]
    assert dispatcher.messages == []


def asking(events):
    return Tracker.from_dict(
        {
            "sender_id": "c0ffee",
            "slots": {"region": "us"},
            "latest_message": {"text": "x", "intent": {"name": "affirm"}, "entities": []},
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": FORM},
            "latest_action_name": FORM,
        }
    )


async def test_the_first_question_says_why_it_asks_and_later_ones_bring_the_numbers(
    dispatcher, domain
):
    ask = next(a for a in ASK_ACTIONS if a().name() == "action_ask_rq_thoughts")()
    started = [
        {"event": "user", "text": "what is the point"},
        {"event": "action", "name": "action_respond_to_crisis"},
        {"event": "action", "name": FORM},
        {"event": "active_loop", "name": FORM},
    ]
    await ask.run(dispatcher, asking(started), domain)
    [question] = dispatcher.messages
    assert question["text"].startswith(tuple(t[:30] for t in wordings("questions.intro")))
    assert [b["title"] for b in question["buttons"]] == ["Yes", "No", "Not sure"]

    answered = [*started, {"event": "user", "text": "yes"}, {"event": "action", "name": FORM}]
    later = CollectingDispatcher()
    await ask.run(later, asking(answered), domain)
    footer, question = later.messages
    assert footer["response"] == "utter_crisis_footer"
    assert question["text"] == wordings("questions.thoughts")[0]
