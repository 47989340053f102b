"""The psychoeducation library: one YAML file per topic in data/content/topics/.

Clinicians edit the files; the loader checks them strictly (a missing source,
an unknown key or an over-long short answer is an error naming the file), and
the renderer turns a topic into chat messages with buttons for more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TypeVar

import yaml

from bot.content import CONTENT_DIR

TOPICS_DIR = CONTENT_DIR / "topics"
SHORT_ANSWER_MAX_WORDS = 80
INTENT_PREFIX = "ask_"
TOPIC_KEYS = {
    "id",
    "title",
    "short_answer",
    "sections",
    "skill",
    "skill_offer",
    "when_to_seek_help",
    "sources",
    "reviewed_on",
}
SKILLS = {
    "box_breathing",
    "breathing_478",
    "grounding_54321",
    "muscle_relaxation",
    "thought_record",
    "worry_time",
    "behavioural_activation",
    "self_compassion_break",
    "sleep_wind_down",
    "journaling",
    "safety_plan",
}
WHEN_TO_SEEK_HELP = "when_to_seek_help"
Item = TypeVar("Item")  # a Topic or an Exercise: anything with an id
TRY_SKILL = "Try a coping skill"
TALK_TO_A_THERAPIST = "Talk to a therapist"


class ContentError(ValueError):
    """A content file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Source:
    name: str
    url: str


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    short_answer: str
    sections: tuple[Section, ...]
    skill: str
    skill_offer: str
    when_to_seek_help: str
    sources: tuple[Source, ...]
    reviewed_on: date

    @property
    def intent(self) -> str:
        return INTENT_PREFIX + self.id

    def texts(self) -> list[str]:
        """Everything the bot may say about this topic (for reading-level checks)."""
        return [
            self.short_answer,
            self.skill_offer,
            self.when_to_seek_help,
            *(section.text for section in self.sections),
        ]


@dataclass(frozen=True)
class Reply:
    """A chat message: text, buttons for what the visitor may want next, and an
    optional custom payload for the widget (an exercise's breathing pacer)."""

    text: str
    buttons: tuple[dict, ...] = ()
    custom: dict | None = None


def load_library(directory: Path, load: Callable[[Path], Item]) -> dict[str, Item]:
    """Every content file in ``directory``, loaded and checked, by id."""
    items = (load(path) for path in sorted(directory.glob("*.yml")))
    return {item.id: item for item in items}


def read_mapping(path: Path, fail: Callable[[str], ContentError]) -> dict:
    """A content file's YAML, which must be a mapping."""
    with open(path, encoding="utf-8") as file:
        data = yaml.safe_load(file)
    if not isinstance(data, dict):
        raise fail("expected a mapping at the top of the file.")
    return data


@cache
def topic_library(directory: Path = TOPICS_DIR) -> dict[str, Topic]:
    """Every topic by id, checked."""
    return load_library(directory, _load)


def topic_for_intent(intent: str | None) -> Topic | None:
    if not intent or not intent.startswith(INTENT_PREFIX):
        return None
    return topic_library().get(intent.removeprefix(INTENT_PREFIX))


def _load(path: Path) -> Topic:
    def fail(problem: str) -> ContentError:
        return ContentError(f"{path.name}: {problem}")

    data = read_mapping(path, fail)
    if missing := TOPIC_KEYS - set(data):
        raise fail(f"missing {sorted(missing)}.")
    if unknown := set(data) - TOPIC_KEYS:
        raise fail(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(TOPIC_KEYS)}.")
    if data["id"] != path.stem:
        raise fail(f"id '{data['id']}' must match the file name '{path.stem}'.")
    if len(str(data["short_answer"]).split()) > SHORT_ANSWER_MAX_WORDS:
        raise fail(f"short_answer is over {SHORT_ANSWER_MAX_WORDS} words.")
    if data["skill"] not in SKILLS:
        raise fail(f"skill '{data['skill']}' is not one of {sorted(SKILLS)}.")
    if not isinstance(data["reviewed_on"], date):
        raise fail("reviewed_on must be a date like 2026-11-25.")
    sections = data["sections"]
    if not isinstance(sections, list) or not sections:
        raise fail("needs at least one section.")
    if any(set(s) != {"id", "title", "text"} for s in sections):
        raise fail("every section needs exactly id, title and text.")
    if len({s["id"] for s in sections}) != len(sections) or WHEN_TO_SEEK_HELP in {
        s["id"] for s in sections
    }:
        raise fail(f"section ids must be unique and not '{WHEN_TO_SEEK_HELP}'.")
    return Topic(
        id=data["id"],
        title=str(data["title"]),
        short_answer=str(data["short_answer"]),
        sections=tuple(Section(s["id"], str(s["title"]), str(s["text"])) for s in sections),
        skill=data["skill"],
        skill_offer=str(data["skill_offer"]),
        when_to_seek_help=str(data["when_to_seek_help"]),
        sources=load_sources(fail, data["sources"]),
        reviewed_on=data["reviewed_on"],
    )


def load_sources(fail, sources) -> tuple[Source, ...]:
    """A content file's sources: at least one, each with a name and an https:// url."""
    if not isinstance(sources, list) or not sources:
        raise fail("needs at least one source.")
    if any(
        not isinstance(s, dict)
        or set(s) != {"name", "url"}
        or not str(s["url"]).startswith("https://")
        for s in sources
    ):
        raise fail("every source needs a name and an https:// url.")
    return tuple(Source(str(s["name"]), str(s["url"])) for s in sources)


def overview(topic: Topic) -> Reply:
    """The short answer, with a button for each deeper section and for getting help."""
    return Reply(topic.short_answer, _more_buttons(topic, shown=()))


def section_reply(topic: Topic, section_id: str, shown: tuple[str, ...]) -> Reply:
    """One deeper section (or when to seek help), with buttons for the ones not yet shown."""
    if section_id == WHEN_TO_SEEK_HELP:
        sources = "; ".join(f"{source.name} ({source.url})" for source in topic.sources)
        text = f"{topic.when_to_seek_help}\n\nSources: {sources}\n\n{topic.skill_offer}"
        links = [{"title": source.name, "url": source.url} for source in topic.sources]
        return Reply(text, _more_buttons(topic, shown=(*shown, section_id)), {"links": links})
    else:
        section = next((s for s in topic.sections if s.id == section_id), topic.sections[0])
        text = f"{section.title}\n{section.text}"
    return Reply(text, _more_buttons(topic, shown=(*shown, section_id)))


def next_section(topic: Topic, shown: tuple[str, ...]) -> str:
    """The first section not yet shown, then when to seek help."""
    for section in topic.sections:
        if section.id not in shown:
            return section.id
    return WHEN_TO_SEEK_HELP


def _more_buttons(topic: Topic, shown: tuple[str, ...]) -> tuple[dict, ...]:
    """A button per section not yet shown, then the topic's coping skill and a human."""
    choices = [(s.id, s.title) for s in topic.sections if s.id not in shown]
    if WHEN_TO_SEEK_HELP not in shown:
        choices.append((WHEN_TO_SEEK_HELP, "When to get help"))
    more = tuple(
        {
            "title": title,
            "payload": f'/tell_me_more{{"topic": "{topic.id}", "section": "{section_id}"}}',
        }
        for section_id, title in choices
    )
    return (
        *more,
        {"title": TRY_SKILL, "payload": f"/do_{topic.skill}"},
        {"title": TALK_TO_A_THERAPIST, "payload": "/request_referral"},
    )
