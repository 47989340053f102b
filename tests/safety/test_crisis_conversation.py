"""The crisis conversation's rules: what a reply means, which question is next, the level."""

import pytest

from bot.safety import conversation as c
from bot.safety.crisis import card, plan_reply, wordings
from bot.safety.decide import ScreenResult


@pytest.mark.parametrize(
    ("reply", "intent", "meant"),
    [
        ("yes", "affirm", c.YES),
        ("Yes, I have.", "affirm", c.YES),
        ("sometimes at night", "nlu_fallback", c.YES),
        ("no", "deny", c.NO),
        ("No, not really", "deny", c.NO),
        ("not sure", "deny", c.NOT_SURE),  # the phrase wins over a wrong intent
        ("I don't know", "nlu_fallback", c.NOT_SURE),
        ("no idea", "deny", c.NOT_SURE),
        ("ok", "affirm", c.OK),  # not a yes
        ("okay", "affirm", c.OK),
        ("I'm fine, forget it", "deny", c.FINE),
        ("I’m safe now", "affirm", c.FINE),  # a typographic apostrophe
        ("never mind", "deny", c.FINE),
        ("leave me alone", "nlu_fallback", c.LEAVE),
        ("stop", "stop", c.LEAVE),
        ("thanks", "thank", c.THANKS),
        ("bye", "goodbye", c.BYE),
        ("/affirm", "affirm", c.YES),  # a button
        ("/not_sure", "not_sure", c.NOT_SURE),
        ("/silence", "silence", c.SILENCE),  # sent by the widget when the visitor goes quiet
        ("purple elephants", "nlu_fallback", c.UNCLEAR),
        ("nothing like that", "out_of_scope", c.UNCLEAR),
    ],
)
def test_a_reply_is_read_by_its_words_first_then_its_intent(reply, intent, meant):
    assert c.meaning(reply, intent) == meant


def test_a_phrase_must_be_the_whole_reply_or_its_first_words():
    assert c.meaning("I know", "nlu_fallback") == c.UNCLEAR  # "no" is not its start
    assert c.meaning("yesterday was bad", "nlu_fallback") == c.UNCLEAR


@pytest.mark.parametrize(
    ("reply", "implied"),
    [
        ("I have a plan", ["plan"]),
        ("yes, I tried last month", ["behaviour"]),
        ("I've thought about how", ["method"]),
        ("no", []),
        ("I'm planning a holiday", []),
    ],
)
def test_a_reply_can_answer_a_later_question(reply, implied):
    assert c.implied_answers(reply) == implied


def test_questions_follow_the_screener_order_and_skip_after_no_to_thoughts():
    slots = c.question_slots()
    assert slots == [
        f"rq_{q}" for q in ("wish_dead", "thoughts", "method", "intent", "plan", "behaviour")
    ]
    assert c.questions_to_ask({}) == slots
    assert c.questions_to_ask({"rq_wish_dead": "no", "rq_thoughts": "no"}) == ["rq_behaviour"]
    assert c.questions_to_ask({"rq_wish_dead": "yes", "rq_thoughts": "not_sure"}) == slots[2:]


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({}, "none"),
        ({"rq_wish_dead": "no", "rq_thoughts": "no", "rq_behaviour": "no"}, "none"),
        ({"rq_wish_dead": "yes", "rq_thoughts": "no"}, "low"),
        ({"rq_wish_dead": "yes", "rq_thoughts": "yes"}, "high"),
        ({"rq_thoughts": "not_sure", "rq_method": "yes"}, "high"),
        ({"rq_thoughts": "yes", "rq_intent": "not_sure"}, "high"),
        ({"rq_thoughts": "yes", "rq_intent": "yes"}, "imminent"),
        ({"rq_plan": "yes"}, "imminent"),
        ({"rq_wish_dead": "no", "rq_thoughts": "no", "rq_behaviour": "yes"}, "imminent"),
        ({"rq_behaviour": "not_sure"}, "high"),
    ],
)
def test_the_answers_set_the_level(answers, level):
    assert c.level_from_answers(answers) == level


def test_active_thoughts_in_the_first_message_are_not_asked_about_again():
    assert c.prefilled("suicide", "high") == {"rq_wish_dead": "yes", "rq_thoughts": "yes"}
    assert c.prefilled("overdose", "high") == {
        "rq_wish_dead": "yes", "rq_thoughts": "yes", "rq_method": "yes",
    }  # fmt: skip
    assert c.prefilled("suicide", "low") == {}
    assert c.prefilled("self_harm", "high") == {}


@pytest.mark.parametrize(
    ("asked", "meant", "overdose", "reply", "asks", "over"),
    [
        (c.CALL_NOW, c.OK, False, "call_now_ack", c.SAFE_NOW, False),  # "ok" is not consent
        (c.CALL_NOW, c.YES, False, "call_now_ack", c.SAFE_NOW, False),
        (c.CALL_NOW, c.NO, False, "call_now_refused", c.SAFE_NOW, False),
        (c.CALL_NOW, c.FINE, False, "call_now_fine", c.SAFE_NOW, False),
        (c.CALL_NOW, c.FINE, True, "safe_yes_overdose", c.SAFE_NOW, False),
        (c.SAFE_NOW, c.YES, False, "safe_yes", None, True),
        (c.SAFE_NOW, c.FINE, False, "safe_yes", None, True),
        (c.SAFE_NOW, c.YES, True, "safe_yes_overdose", c.CALL_NOW, False),
        (c.SAFE_NOW, c.NO, False, "safe_no", c.CALL_NOW, False),
        (c.SAFE_NOW, c.NOT_SURE, False, "safe_unsure", c.KEEP_TALKING, False),
        (c.SAFE_NOW, c.UNCLEAR, False, "unclear", c.SAFE_NOW, False),
        (c.KEEP_TALKING, c.YES, False, "keep_talking_yes", None, False),
        (c.KEEP_TALKING, c.OK, False, "keep_talking_yes", None, False),
        (c.KEEP_TALKING, c.NO, False, "keep_talking_no", None, False),
        (c.KEEP_TALKING, c.FINE, False, "after_questions.declined", c.SAFE_NOW, False),
        (c.KEEP_TALKING, c.THANKS, False, "thanks", c.SAFE_NOW, False),
        (c.CALL_NOW, c.BYE, False, "goodbye", None, False),
        (c.SAFE_NOW, c.LEAVE, False, "leave_me_alone", None, False),
        (c.CALL_NOW, c.SILENCE, False, "silence", c.SAFE_NOW, False),
        (c.KEEP_TALKING, c.SILENCE, False, "silence", c.SAFE_NOW, False),
    ],
)
def test_a_reply_after_the_crisis_answer_is_read_by_what_was_asked(
    asked, meant, overdose, reply, asks, over
):
    step = c.follow_up(asked, meant, overdose)
    assert (step.reply, step.asks, step.crisis_over) == (reply, asks, over)


def test_not_safe_is_immediate_danger_and_unsure_is_high():
    assert c.follow_up(c.SAFE_NOW, c.NO, False).level == "imminent"
    assert c.follow_up(c.SAFE_NOW, c.NOT_SURE, False).level == "high"


def test_every_follow_up_reply_has_words():
    keys = {
        c.follow_up(asked, meant, overdose).reply
        for asked in (c.CALL_NOW, c.SAFE_NOW, c.KEEP_TALKING, None)
        for meant in (c.YES, c.NO, c.NOT_SURE, c.OK, c.FINE, c.LEAVE, c.THANKS, c.BYE, c.SILENCE)
        for overdose in (False, True)
    }
    for key in keys:
        assert wordings(key if "." in key else f"follow_up.{key}")


# --- the first reply ---------------------------------------------------------


def result(level, category="suicide", modifiers=()):
    return ScreenResult(level, (category,), tuple(modifiers))


def test_possible_suicide_risk_is_followed_by_the_direct_questions():
    reply = plan_reply(result("low"), "none", "us")
    assert reply.questions == {} and reply.asks is None
    assert reply.buttons == ()  # the questions bring their own
    high = plan_reply(result("high"), "none", "us")
    assert high.questions == {"rq_wish_dead": "yes", "rq_thoughts": "yes"}
    assert high.alert_staff


def test_questions_already_answered_are_not_started_again():
    reply = plan_reply(result("low"), "high", "us", questions_done=True)
    assert reply.questions is None and reply.asks == c.KEEP_TALKING


@pytest.mark.parametrize(
    ("flag", "asks_directly"),
    [
        (result("imminent"), False),
        (result("high", "abuse"), False),
        (result("high", "harm_to_others"), False),
        (result("high", "eating_disorder"), False),
        (result("high", "suicide", ["third_party"]), False),
        (result("high", "self_harm"), True),
        (result("high", "overdose"), True),
    ],
)
def test_who_is_asked_directly(flag, asks_directly):
    assert (plan_reply(flag, "none", "uk").questions is not None) is asks_directly


def test_imminent_danger_leads_with_the_number_and_asks_nothing_else():
    reply = plan_reply(result("imminent"), "none", "au")
    assert "call 000 now" in reply.text.lower()[:60]
    assert reply.asks == c.CALL_NOW and reply.buttons == ()


def test_an_overdose_hears_to_go_even_if_fine_and_the_regions_poison_line():
    reply = plan_reply(result("imminent", "overdose"), "none", "us")
    assert "1-800-222-1222" in reply.text
    assert "fine" in reply.text.lower() or "okay" in reply.text.lower()


def test_an_injury_gets_first_aid_for_bleeding():
    reply = plan_reply(result("imminent", "self_harm"), "none", "uk")
    assert "press" in reply.text.lower() and "999" in reply.text


def test_someone_else_at_risk_gets_words_for_the_helper():
    for level in ("high", "imminent"):
        reply = plan_reply(result(level, "suicide", ["third_party"]), "none", "us")
        assert "your life matters" not in reply.text.lower()
        assert reply.text in [
            t.replace("{emergency}", "911") for t in wordings(f"replies.someone_else.{level}")
        ]


def test_outside_known_regions_the_words_say_to_call_the_local_number_once():
    reply = plan_reply(result("imminent"), "none", "xx")
    assert "call your local emergency number" in reply.text
    assert "call call" not in reply.text


def test_a_repeated_disclosure_gets_different_words():
    first = plan_reply(result("high"), "none", "us")
    second = plan_reply(result("high"), "high", "us", first.wordings)
    third = plan_reply(result("high"), "high", "us", second.wordings)
    assert len({first.text, second.text, third.text}) == 3


def test_the_card_lists_the_regions_services_for_the_need():
    payload = card("imminent", ("overdose",), "us")["crisis"]
    assert "poison" in payload["resources"][0]["categories"]
