"""Mood check-ins and PHQ-2 / GAD-2 scoring, at every boundary."""

import itertools
from pathlib import Path

import pytest
import yaml

from bot.checkins import (
    checkins,
    mood_summary,
    parse_answer,
    parse_mood,
    parse_percent,
    score_screener,
    screener_items,
)

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
SCREENERS = ("phq2", "gad2")
EVERY_PAIR_OF_ANSWERS = list(itertools.product(range(4), repeat=2))


@pytest.mark.parametrize("screener", SCREENERS)
@pytest.mark.parametrize(("first", "second"), EVERY_PAIR_OF_ANSWERS)
def test_screener_total_and_the_threshold_of_three(screener, first, second):
    result = score_screener(screener, [first, second])
    assert result.total == first + second
    assert result.suggests_professional is (first + second >= 3)
    assert f"score is {first + second} out of 6" in result.text
    assert "not a diagnosis" in result.text


@pytest.mark.parametrize("screener", SCREENERS)
def test_either_side_of_the_threshold_reads_differently(screener):
    below, at = score_screener(screener, [1, 1]), score_screener(screener, [2, 1])
    assert checkins()["screeners"]["below_threshold"] in below.text
    assert checkins()["screeners"]["above_threshold"] in at.text


@pytest.mark.parametrize("answers", [[], [1], [1, 2, 3], [4, 0], [-1, 0]])
def test_impossible_answers_are_refused(answers):
    with pytest.raises(ValueError, match="answers from 0 to 3"):
        score_screener("phq2", answers)


def test_each_screener_has_two_questions_in_the_published_order():
    assert screener_items("phq2") == ["phq2_interest", "phq2_down"]
    assert screener_items("gad2") == ["gad2_nervous", "gad2_worry"]


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("Not at all", 0),
        ("no", 0),
        ("Several days", 1),
        ("not a lot", 1),
        ("more than half the days", 2),
        ("most days tbh", 2),
        ("Nearly every day!", 3),
        ("all the time", 3),
        ("0", 0),
        ("3", 3),
        ("4", None),
        ("dunno", None),
        ("", None),
        ("\u00b9", None),  # a superscript one: a digit to Python, not a number int() reads
        ("\u0663", 3),  # an Arabic-Indic three
    ],
)
def test_screener_answers_from_buttons_words_or_digits(text, score):
    assert parse_answer(text) == score


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("not every day", 2),  # not 3: "every day" is negated
        ("not every day, no", 2),
        ("not always", 2),
        ("not often", 1),
        ("not really", 0),
        ("no idea", None),  # not 0: it does not know, so it is asked again
        ("I don't know", None),
        ("i dont know, every day maybe", None),
    ],
)
def test_negated_and_unsure_answers_are_read_as_meant(text, score):
    assert parse_answer(text) == score


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("0", 0),
        ("10", 10),
        ("7/10", 7),
        ("about a 6 out of 10", 6),
        ("seven", 7),
        ("🙂", 7),
        ("😞 today", 3),
        ("6.5", 6),
        ("11", None),
        ("-1", None),
        ("between 4 and 5", None),
        ("meh", None),
    ],
)
def test_mood_from_a_number_a_word_or_an_emoji(text, score):
    assert parse_mood(text) == score


@pytest.mark.parametrize(
    ("text", "rating"), [("80", 80), ("80%", 80), ("about 5", 5), ("101", None)]
)
def test_a_rating_out_of_100(text, rating):
    assert parse_percent(text) == rating


def test_mood_summary_lists_this_conversations_check_ins():
    text, low = mood_summary(6, [3, 5])
    assert "6 out of 10" in text and "3/10, 5/10, 6/10" in text
    assert not low


@pytest.mark.parametrize(("score", "low"), [(0, True), (3, True), (4, False), (10, False)])
def test_a_low_mood_gets_an_offer_of_support(score, low):
    text, is_low = mood_summary(score, [])
    assert is_low is low
    assert (checkins()["mood"]["low"] in text) is low


def _answer_buttons(response: str) -> list[tuple[str, str]]:
    [variant] = DOMAIN["responses"][response]
    prefix = '/answer{"answer": "'
    return [
        (b["title"], b["payload"].removeprefix(prefix).removesuffix('"}'))
        for b in variant["buttons"]
        if b["payload"].startswith(prefix)
    ]


def test_mood_buttons_send_the_score_their_face_stands_for():
    buttons = _answer_buttons("utter_ask_mood_score")
    assert len(buttons) == 5
    assert all(parse_mood(title) == int(score) for title, score in buttons)


@pytest.mark.parametrize("item", [*screener_items("phq2"), *screener_items("gad2")])
def test_questionnaire_buttons_send_the_score_their_words_stand_for(item):
    buttons = _answer_buttons(f"utter_ask_{item}")
    assert [int(score) for _, score in buttons] == [0, 1, 2, 3]
    assert all(parse_answer(title) == int(score) for title, score in buttons)
