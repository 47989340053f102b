"""The content library and everything the bot says: complete, sourced, plain English."""

from datetime import date
from pathlib import Path

import pytest
import textstat
import yaml

from bot.content import CONTENT_DIR, content_file
from bot.content.exercises import exercise_library
from bot.content.topics import (
    SHORT_ANSWER_MAX_WORDS,
    ContentError,
    topic_library,
)
from bot.safety.crisis import every_wording

TOPICS = [
    *("anxiety", "panic_attacks", "low_mood", "stress", "burnout", "sleep", "grief"),
    *("loneliness", "anger", "self_esteem", "trauma", "what_is_therapy", "kinds_of_therapy"),
    *("first_session", "choosing_a_therapist", "confidentiality", "ai_vs_therapist"),
]
DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
MAX_MEAN_GRADE = 8
MAX_GRADE_OF_LONG_MESSAGE = 10
LONG_MESSAGE_WORDS = 20


def everything_the_bot_says() -> list[str]:
    texts = [
        variant["text"]
        for variants in DOMAIN["responses"].values()
        for variant in variants
        if "text" in variant
    ]
    texts += [text for _, text in every_wording()]
    texts += list(content_file("chat_privacy").values())
    texts += [content_file("fallback")["which_topic"]]
    texts += list(content_file("coping").values())
    texts += list(content_file("referral")["texts"].values())
    for topic in topic_library().values():
        texts += topic.texts()
    for exercise in exercise_library().values():
        texts += exercise.texts()
    checkins = content_file("checkins")
    texts += [checkins["mood"][key] for key in ("not_understood", "low", "okay")]
    texts.append(checkins["ask_directly"])
    screeners = checkins["screeners"]
    texts += [screeners[key] for key in ("not_understood", "above_threshold", "below_threshold")]
    return texts


def test_every_topic_is_in_the_library():
    assert sorted(topic_library()) == sorted(TOPICS)


@pytest.mark.parametrize("topic_id", TOPICS)
def test_topic_is_sourced_reviewed_and_short(topic_id):
    topic = topic_library()[topic_id]
    assert topic.sources and all(s.url.startswith("https://") for s in topic.sources)
    assert topic.reviewed_on <= date.today()
    assert len(topic.short_answer.split()) <= SHORT_ANSWER_MAX_WORDS
    assert topic.sections and topic.when_to_seek_help
    assert "emergency" in topic.when_to_seek_help


@pytest.mark.parametrize("topic_id", TOPICS)
def test_every_topic_has_an_intent_in_the_domain(topic_id):
    assert f"ask_{topic_id}" in DOMAIN["intents"]


def test_reading_level_of_everything_the_bot_says():
    texts = everything_the_bot_says()
    grades = [textstat.flesch_kincaid_grade(text) for text in texts]
    mean = sum(grades) / len(grades)
    assert mean <= MAX_MEAN_GRADE, f"mean Flesch-Kincaid grade {mean:.1f}"
    too_hard = [
        (round(grade, 1), text[:70])
        for grade, text in zip(grades, texts, strict=True)
        if len(text.split()) > LONG_MESSAGE_WORDS and grade > MAX_GRADE_OF_LONG_MESSAGE
    ]
    assert not too_hard, too_hard


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d.pop("sources"), "missing"),
        (lambda d: d.update(colour="blue"), "unknown key"),
        (lambda d: d.update(short_answer="word " * 81), "over 80 words"),
        (lambda d: d.update(skill="juggling"), "skill 'juggling'"),
        (lambda d: d.update(sources=[{"name": "x", "url": "http://x"}]), "https://"),
        (lambda d: d.update(reviewed_on="soon"), "reviewed_on"),
    ],
)
def test_loader_names_the_file_and_the_problem(tmp_path, change, complaint):
    data = yaml.safe_load((CONTENT_DIR / "topics" / "sleep.yml").read_text())
    change(data)
    (tmp_path / "sleep.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(ContentError, match=complaint) as error:
        topic_library.__wrapped__(tmp_path)
    assert "sleep.yml" in str(error.value)
