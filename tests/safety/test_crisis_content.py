"""The crisis words (data/content/crisis.yml) keep the safe-messaging rules the bot relies on."""

import re

import pytest

from bot.safety.crisis import every_wording, fill, wordings

PLACEHOLDERS = {"emergency", "poison"}


# Every reply that can repeat: first replies, endings of the questions, follow-ups.
REPLIES = [(key, text) for key, text in every_wording() if not key.startswith("questions.")]


def test_every_reply_that_can_repeat_has_three_wordings():
    keys = {key for key, _ in REPLIES} | {"questions.intro", "questions.reask"}
    short = {key: len(wordings(key)) for key in keys if len(set(wordings(key))) < 3}
    assert short == {}


@pytest.mark.parametrize(("key", "text"), REPLIES)
def test_every_crisis_reply_says_it_is_an_ai(key, text):
    assert re.search(r"\bAI\b", text), key


@pytest.mark.parametrize(("key", "text"), REPLIES)
def test_only_known_placeholders_and_never_call_call(key, text):
    assert set(re.findall(r"{(\w+)}", text)) <= PLACEHOLDERS, key
    assert "call call" not in fill(text, "xx").lower()


def test_the_poison_line_is_named_only_in_overdose_words():
    with_poison = {key for key, text in REPLIES if "{poison}" in text}
    assert with_poison == {"replies.overdose.imminent", "follow_up.safe_yes_overdose"}


def test_immediate_danger_puts_the_emergency_number_first():
    for level_key in ("replies.suicide.imminent", "replies.overdose.imminent"):
        for text in wordings(level_key):
            assert "{emergency}" in text.split(".")[0], text


def test_there_is_a_direct_question_for_each_step_of_the_protocol():
    from bot.safety.conversation import rules

    for question in rules().questions:
        [text] = wordings(f"questions.{question.id}")
        assert "?" in text, question.id
