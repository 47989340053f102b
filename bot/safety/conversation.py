"""The crisis conversation after its first reply: the direct questions, and what a reply means.

A crisis-line worker asks directly, lets the answers set the level, and reads
"ok" or "I'm fine" by what was just asked. These are plain functions over plain
values (the rules are data/content/crisis_answers.yml); actions/crisis.py
applies them to a Rasa conversation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from bot.content import content_file
from bot.safety.decide import highest, level_rank

# What a reply can mean.
YES, NO, NOT_SURE, OK, FINE, LEAVE, THANKS, BYE, SILENCE, UNCLEAR = (
    "yes", "no", "not_sure", "ok", "fine", "leave", "thanks", "bye", "silence", "unclear",
)  # fmt: skip
ANSWERS = (YES, NO, NOT_SURE)  # what a direct question can be answered with
# What the bot last asked in a crisis, so that a reply is read by its meaning there.
CALL_NOW, SAFE_NOW, KEEP_TALKING = "call_now", "safe_now", "keep_talking"
SLOT_PREFIX = "rq_"  # the direct questions' answers are kept in slots rq_<question id>


@dataclass(frozen=True)
class Question:
    id: str
    level_if: dict[str, str]  # answer (yes / not_sure) -> the conversation's level after it
    if_no_skip: tuple[str, ...] = ()

    @property
    def slot(self) -> str:
        return SLOT_PREFIX + self.id


@dataclass(frozen=True)
class Rules:
    questions: tuple[Question, ...]
    already_answered: dict[str, tuple[str, ...]]
    implies_yes: dict[str, tuple[str, ...]]
    meanings: dict[str, tuple[str, ...]]
    intents: dict[str, str]


@cache
def rules() -> Rules:
    data = content_file("crisis_answers")
    questions = tuple(
        Question(q["id"], dict(q["level_if"]), tuple(q.get("if_no_skip", ())))
        for q in data["questions"]
    )
    ids = {q.id for q in questions}
    named = [*data["already_answered"].values(), data["implies_yes"].keys()]
    named += [q.if_no_skip for q in questions]
    if unknown := {i for group in named for i in group} - ids:
        raise ValueError(f"crisis_answers.yml names unknown questions: {sorted(unknown)}")
    return Rules(
        questions,
        {key: tuple(value) for key, value in data["already_answered"].items()},
        {key: tuple(_words(p) for p in value) for key, value in data["implies_yes"].items()},
        {key: tuple(_words(p) for p in value) for key, value in data["meanings"].items()},
        dict(data["intents"]),
    )


def question_slots() -> list[str]:
    return [q.slot for q in rules().questions]


def _words(text: str) -> str:
    """Lower case, plain letters and digits, one space between words."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def meaning(text: str, intent: str | None) -> str:
    """What a reply means: a phrase of crisis_answers.yml it is or starts with, else its intent."""
    words = _words(text)
    best, best_length = None, -1
    for name, phrases in rules().meanings.items():
        for phrase in phrases:
            fits = words == phrase or words.startswith(phrase + " ")
            if fits and len(phrase) > best_length:
                best, best_length = name, len(phrase)
    return best or rules().intents.get(intent or "", UNCLEAR)


def implied_answers(text: str) -> list[str]:
    """The questions a reply answers "yes" whatever was asked ("I have a plan")."""
    words = f" {_words(text)} "
    return [
        question
        for question, phrases in rules().implies_yes.items()
        if any(f" {phrase} " in words for phrase in phrases)
    ]


def prefilled(category: str, level: str) -> dict[str, str]:
    """The answers a first message already gave: active thoughts answer the first questions."""
    if level != "high":
        return {}
    return {SLOT_PREFIX + q: YES for q in rules().already_answered.get(category, ())}


def questions_to_ask(answers: dict[str, str | None]) -> list[str]:
    """The slots of the questions still to ask, in order, given the answers so far."""
    skipped: set[str] = set()
    for question in rules().questions:
        if answers.get(question.slot) == NO:
            skipped.update(question.if_no_skip)
    return [
        q.slot for q in rules().questions if q.id not in skipped and answers.get(q.slot) is None
    ]


def level_from_answers(answers: dict[str, str | None]) -> str:
    """The level the answers show; "no" shows nothing and lowers nothing."""
    return highest(
        q.level_if[answers[q.slot]] for q in rules().questions if answers.get(q.slot) in q.level_if
    )


@dataclass(frozen=True)
class FollowUp:
    """What to say to a reply after the crisis answer, and what follows."""

    reply: str  # a key of follow_up in crisis.yml, or after_questions.<key>
    asks: str | None  # what the reply asks, so the next reply is read by it
    level: str = "none"  # the level the reply shows (raised, never lowered)
    crisis_over: bool = False  # the person said they are safe: back to ordinary help


def follow_up(asked: str | None, meant: str, after_overdose: bool) -> FollowUp:
    """The reply to ``meant`` when the bot had asked ``asked`` (None: nothing pending)."""
    if meant == THANKS:
        return FollowUp("thanks", SAFE_NOW)
    if meant == SILENCE:
        return FollowUp("silence", SAFE_NOW)
    if meant == BYE:
        return FollowUp("goodbye", None)
    if meant == LEAVE:
        return FollowUp("leave_me_alone", None)
    if asked == CALL_NOW:
        if meant == FINE:
            return FollowUp("safe_yes_overdose" if after_overdose else "call_now_fine", SAFE_NOW)
        if meant in (NO, NOT_SURE):
            return FollowUp("call_now_refused", SAFE_NOW)
        return FollowUp("call_now_ack", SAFE_NOW)  # "ok" here is not consent to anything
    if asked == SAFE_NOW:
        if meant in (YES, FINE, OK):
            if after_overdose:
                return FollowUp("safe_yes_overdose", CALL_NOW)
            return FollowUp("safe_yes", None, crisis_over=True)
        if meant == NO:
            return FollowUp("safe_no", CALL_NOW, level="imminent")
        if meant == NOT_SURE:
            return FollowUp("safe_unsure", KEEP_TALKING, level="high")
        return FollowUp("unclear", SAFE_NOW)
    if asked == KEEP_TALKING:
        if meant in (YES, OK):
            return FollowUp("keep_talking_yes", None)
        if meant == NO:
            return FollowUp("keep_talking_no", None)
    if meant == FINE:
        return FollowUp("after_questions.declined", SAFE_NOW)
    return FollowUp("unclear", SAFE_NOW)


def raised(prior: str, level: str) -> bool:
    return level_rank(level) > level_rank(prior)
