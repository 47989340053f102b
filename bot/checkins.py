"""Mood check-ins and the PHQ-2 and GAD-2 screeners: reading answers and scoring them.

The words and numbers are data (data/content/checkins.yml); this module reads a
visitor's answer ("7/10", "seven", an emoji, "several days") and scores it.
The screeners' threshold of 3 out of 6 is the published cut-off for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.content import content_file

MOOD_MIN, MOOD_MAX = 0, 10
PERCENT_MIN, PERCENT_MAX = 0, 100
ANSWER_MIN, ANSWER_MAX = 0, 3
NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
}
_OUT_OF_TEN = re.compile(r"\s*(?:/|out of|outta|of)\s*10\b")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_WORD = re.compile(r"[a-z]+")


def checkins() -> dict:
    return content_file("checkins")  # read once: content_file caches


def parse_mood(text: str) -> int | None:
    """A score from 0 to 10 from a number, a number word or an emoji; None if unclear."""
    for emoji, score in checkins()["mood"]["emoji"].items():
        if emoji in text or emoji.rstrip("\ufe0f") in text:
            return score
    return parse_number(_OUT_OF_TEN.sub("", text.lower()), MOOD_MIN, MOOD_MAX)


def parse_percent(text: str) -> int | None:
    """A rating from 0 to 100 ("80", "80%", "about 70"); None if unclear."""
    return parse_number(text.lower().replace("%", " "), PERCENT_MIN, PERCENT_MAX)


def parse_number(text: str, low: int, high: int) -> int | None:
    """The one number in ``text`` (digits or a word up to ten), if it lies in [low, high]."""
    numbers = {round(float(n)) for n in _NUMBER.findall(text)}
    numbers |= {NUMBER_WORDS[w] for w in _WORD.findall(text.lower()) if w in NUMBER_WORDS}
    if len(numbers) != 1:
        return None
    [number] = numbers
    return number if low <= number <= high else None


@cache
def _answer_phrases() -> list[tuple[str, int]]:
    """Every answer phrase with its score, longest first ("not a lot" before "a lot")."""
    phrases = [
        (" ".join(_WORD.findall(phrase.lower())), answer["score"])
        for answer in checkins()["screeners"]["answers"]
        for phrase in answer["says"]
    ]
    return sorted(phrases, key=lambda item: -len(item[0]))


def _words(text: str) -> str:
    return f" {' '.join(_WORD.findall(text.lower().replace(chr(0x2019), '')))} "


def parse_answer(text: str) -> int | None:
    """A screener answer (0 to 3) from the button words, a typed phrase or a digit.

    "not" just before an answer lowers it by one ("not every day" scores 2); an
    answer that does not know ("no idea") is None, to be asked again."""
    stripped = text.strip()
    if stripped.isdecimal():  # not isdigit: "¹" is a digit int() refuses
        number = int(stripped)
        return number if ANSWER_MIN <= number <= ANSWER_MAX else None
    words = _words(text.replace("'", ""))
    if any(_words(p.replace("'", "")) in words for p in checkins()["screeners"]["unsure"]):
        return None
    for phrase, score in _answer_phrases():
        if f" not {phrase} " in words and not phrase.startswith("not "):
            return max(ANSWER_MIN, score - 1)
        if f" {phrase} " in words:
            return score
    return None


@dataclass(frozen=True)
class ScreenerResult:
    screener: str
    total: int
    suggests_professional: bool
    text: str


def score_screener(screener: str, answers: list[int]) -> ScreenerResult:
    """PHQ-2 or GAD-2: two answers from 0 to 3 added up; 3 or more suggests a professional."""
    content = checkins()["screeners"]
    items = content[screener]["items"]
    if len(answers) != len(items) or any(not ANSWER_MIN <= a <= ANSWER_MAX for a in answers):
        raise ValueError(f"{screener} needs {len(items)} answers from 0 to 3, got {answers}.")
    total = sum(answers)
    suggests_professional = total >= content["threshold"]
    result = content["result"].format(name=content[screener]["name"], total=total)
    advice = content["above_threshold" if suggests_professional else "below_threshold"]
    return ScreenerResult(screener, total, suggests_professional, f"{result} {advice}")


def screener_items(screener: str) -> list[str]:
    """The form slots holding this screener's answers, in order."""
    return list(checkins()["screeners"][screener]["items"])


def ask_directly_after_mood(score: int) -> bool:
    """A low mood leads to the gentle direct questions about suicide."""
    return score <= checkins()["mood"]["low_score"]


def ask_directly_after_screener(screener: str, total: int, moods: list[int]) -> bool:
    """A PHQ-2 of 3 or more, or a GAD-2 of 3 or more with a low mood this conversation."""
    if total < checkins()["screeners"]["threshold"]:
        return False
    return screener == "phq2" or any(ask_directly_after_mood(mood) for mood in moods)


def mood_summary(score: int, earlier: list[int]) -> tuple[str, bool]:
    """What to say after a check-in, and whether the mood is low enough to offer support."""
    mood = checkins()["mood"]
    lines = [mood["summary"].format(score=score)]
    if earlier:
        scores = ", ".join(f"{s}/10" for s in [*earlier, score])
        lines.append(mood["history"].format(scores=scores))
    low = score <= mood["low_score"]
    lines.append(mood["low" if low else "okay"])
    return " ".join(lines), low
