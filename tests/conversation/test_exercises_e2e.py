"""Exercises, the thought record, the safety plan and check-ins through the real stack,
answered in free text as a visitor would: each can be finished and stopped,
and a crisis message in the middle of a form gets help at once."""

import uuid

import pytest

from tests.support.chat import button_payloads, crisis_payload, send, text_of

pytestmark = pytest.mark.e2e

THOUGHT_RECORD_ANSWERS = [
    "my manager criticised my report in front of everyone",
    "I'm useless and everyone can see it",
    "ashamed",
    "85",
    "she said two sections needed more work",
    "she also said the rest was good and I got praise last month",
    "one report needed changes, that doesn't make me useless",
    "50%",
]


@pytest.fixture
def chat(stack):
    """One conversation: each call sends a message and returns the replies."""
    sender = uuid.uuid4().hex
    return lambda text, region="us": send(stack, text, sender=sender, region=region)


def test_box_breathing_goes_step_by_step_to_the_end(chat):
    replies = chat("can you do box breathing with me")
    assert "step 1 of" in text_of(replies)
    steps = int(text_of(replies).split("step 1 of ")[1].split()[0])
    paced = []
    for _ in range(steps):
        paced += [r["custom"]["exercise"] for r in replies if "exercise" in (r.get("custom") or {})]
        replies = chat("/next_step")
    assert "Well done" in text_of(replies)
    assert "/do_box_breathing" in button_payloads(replies)
    assert paced and paced[0]["pacer"]["cycles"] == 4


def test_stopping_an_exercise_half_way_is_polite(chat):
    chat("let's do the 5 4 3 2 1 grounding")
    replies = chat("stop")
    assert "we can stop here" in text_of(replies)


def test_the_thought_record_is_asked_and_written_up(chat):
    replies = chat("can we do a thought record")
    for answer in THOUGHT_RECORD_ANSWERS:
        assert "?" in text_of(replies)  # a question was asked
        replies = chat(answer)
    record = text_of(replies)
    ratings = {"85": "85", "50%": "50"}  # ratings are kept as numbers
    for answer in THOUGHT_RECORD_ANSWERS:
        assert ratings.get(answer, answer) in record, (answer, record)
    download = next(
        r["custom"]["download"] for r in replies if "download" in (r.get("custom") or {})
    )
    assert download["filename"] == "thought_record.txt"


def test_a_risky_answer_in_the_thought_record_is_kept_and_the_help_shown_with_it(chat):
    chat("can we do a thought record")
    chat(THOUGHT_RECORD_ANSWERS[0])
    replies = chat("honestly I just want to kill myself")  # the thought that upset them
    assert crisis_payload(replies)["level"] == "high"
    assert "988" in text_of(replies)
    assert "Step 3" in replies[-1]["text"]  # the record goes on: only immediate danger ends it


def no_to_the_direct_questions(chat, first_replies):
    """Answers "no" to each direct question about suicide; the replies after the last."""
    replies = first_replies
    for _ in range(6):
        if button_payloads(replies)[:3] != ["/affirm", "/deny", "/not_sure"]:
            return replies
        replies = chat("no")
    raise AssertionError(f"the questions did not end: {text_of(replies)}")


def test_the_safety_plan_ends_with_the_regions_crisis_lines_to_keep(chat):
    chat("help me make a safety plan", region="uk")
    for answer in ["not sleeping", "a walk", "the library", "my sister", "/skip", "/skip"]:
        replies = chat(answer, region="uk")
    plan = next(
        r["custom"]["download"]["text"] for r in replies if "download" in (r.get("custom") or {})
    )
    assert "my sister" in plan and "(skipped)" in plan
    assert "Samaritans 116 123" in plan and "999" in plan


def test_the_crisis_pathway_asks_directly_then_offers_a_safety_plan(chat):
    replies = chat("what's the point of anything anymore")
    assert "suicide" in replies[-1]["text"]
    replies = no_to_the_direct_questions(chat, replies)
    assert "/do_safety_plan" in button_payloads(replies)
    assert "If you are in danger now" in text_of(replies)  # "no" lowers nothing


def test_a_mood_check_in_keeps_this_conversations_scores(chat):
    chat("mood check in")
    chat("7/10")
    replies = chat("/skip")
    assert "7 out of 10" in text_of(replies)
    chat("can I log my mood again")
    chat("😞")
    replies = chat("/skip")
    assert "7/10, 3/10" in text_of(replies)
    assert "thoughts of suicide" in text_of(replies)  # a low mood: the gentle direct question
    replies = no_to_the_direct_questions(chat, replies)
    assert "/request_referral" in button_payloads(replies)  # then an offer of help


def test_the_phq2_scores_typed_answers_honestly_and_offers_a_therapist(chat):
    chat("can I take the PHQ-2")
    replies = chat("more than half the days")
    assert "feeling down" in text_of(replies)
    replies = chat("several days")
    assert "score is 3 out of 6" in text_of(replies)
    assert "not a diagnosis" in text_of(replies)
    assert "thoughts of suicide" in text_of(replies)  # 3 or more: the gentle direct question
    replies = no_to_the_direct_questions(chat, replies)
    assert "/request_referral" in button_payloads(replies)


def test_an_unclear_questionnaire_answer_is_asked_again(chat):
    chat("gad 2 please")
    replies = chat("hmm not sure")
    assert "didn't catch that" in text_of(replies)
