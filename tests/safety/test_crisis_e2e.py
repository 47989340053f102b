"""Crisis messages through the real stack: the payload, the region's numbers, and help
that still arrives when the action server is down."""

import uuid

import pytest

from tests.support.chat import crisis_payload, send, text_of

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("message", "region", "level", "category", "number"),
    [
        ("i want to kill myself", "us", "high", "suicide", "988"),
        ("I've taken all my pills", "uk", "imminent", "overdose", "116 123"),
        ("he hits me and im scared to go home", "au", "high", "abuse", "1800 737 732"),
        ("i cut myself again last night", "nz", "high", "self_harm", "1737"),
    ],
)
def test_crisis_turn_carries_the_payload_and_the_regions_numbers(
    stack, message, region, level, category, number
):
    replies = send(stack, message, region=region)
    payload = crisis_payload(replies)
    assert payload["level"] == level
    assert category in payload["categories"]
    assert payload["region"] == region
    numbers = [r["phone"] for r in payload["resources"]] + [r["sms"] for r in payload["resources"]]
    assert number in numbers
    assert "If you are in danger now" in text_of(replies)


def test_harmless_violent_words_are_not_a_crisis(stack):
    replies = send(stack, "how do I kill a python process that hangs?")
    assert not any("crisis" in (r.get("custom") or {}) for r in replies)


def test_possible_risk_gets_a_direct_question_and_no_keeps_help_in_view(stack):
    sender = uuid.uuid4().hex
    first = send(stack, "i dont want to be alive anymore", sender=sender, region="ca")
    assert "suicide" in first[-1]["text"].lower()  # asked directly
    assert [b["title"] for b in first[-1]["buttons"]] == ["Yes", "No", "Not sure"]
    replies = send(stack, "no", sender=sender, region="ca")
    assert "call or text 988" in text_of(replies)
    assert replies[-1]["text"].rstrip().endswith("?")  # the next question


def test_ok_to_please_call_now_is_not_consent_and_the_help_stays(stack):
    sender = uuid.uuid4().hex
    first = send(stack, "I've taken all my pills", sender=sender, region="us")
    assert crisis_payload(first)["level"] == "imminent"
    replies = send(stack, "ok", sender=sender, region="us")
    assert "safe" in text_of(replies).lower()
    assert "call or text 988" in text_of(replies)
    offered = [b["payload"] for r in replies for b in r.get("buttons") or []]
    assert "/request_referral" not in offered


def test_crisis_help_arrives_with_the_action_server_down(stack):
    stack.stop("actions")
    try:
        replies = send(stack, "i want to end my life", region="ie")
        assert "116 123" in text_of(replies)
        assert "112" in text_of(replies)
    finally:
        stack.start("actions")
        stack.wait_until_ready("actions")
