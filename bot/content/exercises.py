"""Guided coping exercises: one YAML file per exercise in data/content/exercises/.

Two kinds. A ``steps`` exercise is guided one step at a time with Next, Repeat
and Stop buttons (this module renders each step). A ``form`` exercise (the
thought record, the safety plan) asks questions one by one as a Rasa form; its
file holds the introduction and closing words, and its questions are the
form's ``utter_ask_<slot>`` responses in domain.yml.

The loader is strict, like the topic loader: an unknown key, a missing source
or an over-long step is an error naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from bot.content import CONTENT_DIR
from bot.content.topics import (
    SKILLS,
    ContentError,
    Reply,
    Source,
    load_library,
    load_sources,
    read_mapping,
)

EXERCISES_DIR = CONTENT_DIR / "exercises"
INTENT_PREFIX = "do_"
KINDS = ("steps", "form")
MAX_WORDS = {"summary": 15, "intro": 60, "step": 60, "closing": 50}
EXERCISE_KEYS = {"id", "title", "kind", "summary", "intro", "closing", "sources", "reviewed_on"}

# Button payloads: the intents that move through a steps exercise.
NEXT, REPEAT, STOP = "/next_step", "/repeat_step", "/stop"
SKIPPED_ANSWER = "(skipped)"


@dataclass(frozen=True)
class Pacer:
    """An animated breathing guide for the widget: phases of (label, seconds), repeated."""

    cycles: int
    phases: tuple[tuple[str, int], ...]

    def to_payload(self) -> dict:
        return {
            "cycles": self.cycles,
            "phases": [{"label": label, "seconds": seconds} for label, seconds in self.phases],
        }


@dataclass(frozen=True)
class Step:
    text: str
    pacer: Pacer | None = None


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    kind: str
    summary: str
    intro: str
    steps: tuple[Step, ...]
    closing: str
    record: tuple[tuple[str, str], ...]  # a form's (slot, heading) pairs, in order
    sources: tuple[Source, ...]
    reviewed_on: date

    @property
    def form(self) -> str | None:
        """The Rasa form that asks this exercise's questions."""
        return f"{self.id}_form" if self.kind == "form" else None

    @property
    def intent(self) -> str:
        return INTENT_PREFIX + self.id

    @property
    def start_payload(self) -> str:
        return "/" + self.intent

    def texts(self) -> list[str]:
        """Everything the bot may say in this exercise (for reading-level checks)."""
        return [self.summary, self.intro, *(step.text for step in self.steps), self.closing]


@cache
def exercise_library(directory: Path = EXERCISES_DIR) -> dict[str, Exercise]:
    """Every exercise by id, checked."""
    return load_library(directory, _load)


def exercise_for_intent(intent: str | None) -> Exercise | None:
    if not intent or not intent.startswith(INTENT_PREFIX):
        return None
    return exercise_library().get(intent.removeprefix(INTENT_PREFIX))


def _load(path: Path) -> Exercise:
    def fail(problem: str) -> ContentError:
        return ContentError(f"{path.name}: {problem}")

    data = read_mapping(path, fail)
    kind = data.get("kind")
    allowed = EXERCISE_KEYS | ({"steps"} if kind == "steps" else {"record"})
    if kind not in KINDS:
        raise fail(f"kind must be one of {list(KINDS)}.")
    if missing := allowed - set(data):
        raise fail(f"missing {sorted(missing)}.")
    if unknown := set(data) - allowed:
        raise fail(f"unknown key(s) {sorted(unknown)}; allowed for kind {kind}: {sorted(allowed)}.")
    if data["id"] != path.stem:
        raise fail(f"id '{data['id']}' must match the file name '{path.stem}'.")
    if data["id"] not in SKILLS:
        raise fail(f"id '{data['id']}' is not one of the skills {sorted(SKILLS)}.")
    if not isinstance(data["reviewed_on"], date):
        raise fail("reviewed_on must be a date like 2026-11-25.")
    for key in ("summary", "intro", "closing"):
        _check_length(fail, key, data[key], MAX_WORDS[key])
    steps, record = (), ()
    if kind == "form":
        record = _load_record(fail, data["record"])
    if kind == "steps":
        if not isinstance(data["steps"], list) or not data["steps"]:
            raise fail("a steps exercise needs at least one step.")
        steps = tuple(_load_step(fail, n, step) for n, step in enumerate(data["steps"], 1))
    return Exercise(
        id=data["id"],
        title=str(data["title"]),
        kind=kind,
        summary=str(data["summary"]),
        intro=str(data["intro"]),
        steps=steps,
        closing=str(data["closing"]),
        record=record,
        sources=load_sources(fail, data["sources"]),
        reviewed_on=data["reviewed_on"],
    )


def _check_length(fail, name: str, text, max_words: int) -> None:
    if not isinstance(text, str) or not text.strip():
        raise fail(f"{name} must be some text.")
    if len(text.split()) > max_words:
        raise fail(f"{name} is over {max_words} words.")


def _load_record(fail, record) -> tuple[tuple[str, str], ...]:
    if not isinstance(record, list) or not record:
        raise fail("a form exercise needs a record: a list of slot and heading.")
    if any(not isinstance(r, dict) or set(r) != {"slot", "heading"} for r in record):
        raise fail("every record entry needs exactly slot and heading.")
    return tuple((str(r["slot"]), str(r["heading"])) for r in record)


def _load_step(fail, number: int, step) -> Step:
    if not isinstance(step, dict) or "text" not in step or set(step) - {"text", "pacer"}:
        raise fail(f"step {number} needs text, and may have a pacer; nothing else.")
    _check_length(fail, f"step {number}", step["text"], MAX_WORDS["step"])
    pacer = step.get("pacer")
    if pacer is None:
        return Step(step["text"])
    try:
        phases = tuple((str(p["label"]), int(p["seconds"])) for p in pacer["phases"])
        pacer = Pacer(int(pacer["cycles"]), phases)
    except (KeyError, TypeError, ValueError) as error:
        problem = f"step {number}: a pacer needs cycles and phases of label and seconds."
        raise fail(problem) from error
    if not phases or pacer.cycles < 1 or any(seconds < 1 for _, seconds in phases):
        raise fail(f"step {number}: a pacer needs at least one phase and positive numbers.")
    return Step(step["text"], pacer)


# --- guiding a steps exercise --------------------------------------------------


def step_reply(exercise: Exercise, index: int) -> Reply:
    """Step ``index`` (from 0) with Next, Repeat and Stop; the first comes after the intro."""
    step = exercise.steps[index]
    heading = f"{exercise.title}, step {index + 1} of {len(exercise.steps)}"
    text = f"{heading}\n{step.text}"
    if index == 0:
        text = f"{exercise.intro}\n\n{text}"
    last = index == len(exercise.steps) - 1
    buttons = (
        {"title": "Finish" if last else "Next", "payload": NEXT},
        {"title": "Repeat", "payload": REPEAT},
        {"title": "Stop", "payload": STOP},
    )
    custom = None
    if step.pacer is not None:
        custom = {"exercise": {"id": exercise.id, "pacer": step.pacer.to_payload()}}
    return Reply(text, buttons, custom)


def closing_reply(exercise: Exercise) -> Reply:
    """The closing words, offering to go again or try something else."""
    return Reply(
        exercise.closing,
        (
            {"title": "Do it again", "payload": exercise.start_payload},
            {"title": "Try another skill", "payload": "/ask_coping_skills"},
            {"title": "Talk to a therapist", "payload": "/request_referral"},
        ),
    )


def written_record(exercise: Exercise, answers: dict[str, str], extra: dict[str, str]) -> str:
    """A completed form as plain text to keep: each heading with the answer (and any extra)."""
    lines = [exercise.title, ""]
    for number, (slot, heading) in enumerate(exercise.record, 1):
        answer = answers.get(slot) or SKIPPED_ANSWER
        lines.append(f"{number}. {heading}: {answer}")
        if slot in extra:
            lines.append(f"   {extra[slot]}")
    return "\n".join(lines)


def menu_reply(text: str) -> Reply:
    """Every exercise as a button, under ``text``."""
    return Reply(
        text,
        tuple(
            {"title": exercise.title, "payload": exercise.start_payload}
            for exercise in exercise_library().values()
        ),
    )
