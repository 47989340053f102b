"""Matching a visitor to clinicians in data/clinicians.yml: the top three, each with why.

Only clinicians accepting new clients, in a format the visitor can use (in
person only where they work), are offered. A shared specialty counts most,
then shared times, then the same town for in-person work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.content import content_file

CLINICIANS_FILE = Path(__file__).resolve().parents[2] / "data" / "clinicians.yml"
CLINICIAN_KEYS = {
    "id", "name", "title", "pronouns", "specialties", "approaches", "formats",
    "locations", "languages", "availability", "accepting_new_clients", "summary",
}  # fmt: skip
FORMATS = ("in_person", "online")
TOP = 3
_WORD = re.compile(r"[a-z0-9']+")
# How a session format reads to people, in the bot's summary and in the staff console.
_SESSION_FORMAT_WORDS = {
    "in_person": "in person",
    "online": "online",
    "either": "in person or online",
}


def session_format_words(session_format: str) -> str:
    """The words for a session format ("in person or online" for either); others as they are."""
    return _SESSION_FORMAT_WORDS.get(session_format, str(session_format))


@dataclass(frozen=True)
class Clinician:
    id: str
    name: str
    title: str
    pronouns: str
    specialties: frozenset[str]
    approaches: tuple[str, ...]
    formats: frozenset[str]
    locations: tuple[str, ...]
    languages: tuple[str, ...]
    availability: frozenset[str]
    accepting_new_clients: bool
    summary: str

    def works_in(self, location: str) -> str | None:
        """The clinician's town named in ``location``, if any."""
        words = set(_WORD.findall(location.lower()))
        return next((town for town in self.locations if town.lower() in words), None)


@dataclass(frozen=True)
class Request:
    """What the visitor asked for, read from their answers."""

    specialties: frozenset[str]
    session_format: str  # in_person, online or either
    location: str
    availability: frozenset[str]


@dataclass(frozen=True)
class Match:
    clinician: Clinician
    score: int
    why: str


@cache
def clinicians(path: Path = CLINICIANS_FILE) -> tuple[Clinician, ...]:
    """The directory, checked: an unknown or missing key names the clinician."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["clinicians"]
    specialties = set(_settings()["specialty_labels"])
    loaded = []
    for entry in entries:
        where = f"{path.name}: clinician {entry.get('id', '?')}"
        if set(entry) != CLINICIAN_KEYS:
            raise ValueError(f"{where}: keys must be exactly {sorted(CLINICIAN_KEYS)}")
        if unknown := set(entry["specialties"]) - specialties:
            raise ValueError(f"{where}: unknown specialties {sorted(unknown)}")
        if not set(entry["formats"]) <= set(FORMATS):
            raise ValueError(f"{where}: formats must be from {FORMATS}")
        loaded.append(
            Clinician(
                **{
                    **entry,
                    "specialties": frozenset(entry["specialties"]),
                    "approaches": tuple(entry["approaches"]),
                    "formats": frozenset(entry["formats"]),
                    "locations": tuple(entry["locations"]),
                    "languages": tuple(entry["languages"]),
                    "availability": frozenset(entry["availability"]),
                }
            )
        )
    if len({c.id for c in loaded}) != len(loaded):
        raise ValueError(f"{path.name}: clinician ids must be unique")
    return tuple(loaded)


def _settings() -> dict:
    return content_file("referral")


def _words(text: str) -> str:
    return f" {' '.join(_WORD.findall(text.lower()))} "


def _found(text: str, table: dict[str, list[str]]) -> frozenset[str]:
    """The keys of ``table`` whose words or phrases appear in ``text``."""
    words = _words(text)
    return frozenset(
        key for key, phrases in table.items() if any(f" {p} " in words for p in phrases)
    )


def read_specialties(text: str) -> frozenset[str]:
    return _found(text, _settings()["specialty_words"])


def read_availability(text: str) -> frozenset[str]:
    found = _found(text, _settings()["availability_words"])
    if " any " in _words(text) and not found:
        return frozenset(_settings()["availability_words"])
    return found


def read_format(text: str) -> str | None:
    """in_person, online or either, from a button or typed words; None if unclear."""
    found = _found(text, _settings()["formats"])
    if "either" in found or found == {"in_person", "online"}:
        return "either"
    return next(iter(found), None)


def match(request: Request, directory: tuple[Clinician, ...] | None = None) -> list[Match]:
    """The best three clinicians for the request, best first."""
    found = []
    for clinician in directory or clinicians():
        if not clinician.accepting_new_clients:
            continue
        town = clinician.works_in(request.location) if "in_person" in clinician.formats else None
        online = "online" in clinician.formats and request.session_format in ("online", "either")
        in_person = town is not None and request.session_format in ("in_person", "either")
        if not (online or in_person):
            continue
        shared = request.specialties & clinician.specialties
        if request.specialties and not shared:
            continue
        times = request.availability & clinician.availability
        score = 3 * len(shared) + len(times) + (1 if in_person else 0)
        found.append(Match(clinician, score, _why(clinician, shared, times, online, town)))
    found.sort(key=lambda m: (-m.score, m.clinician.name))
    return found[:TOP]


def _why(clinician, shared, times, online, town) -> str:
    labels = _settings()["specialty_labels"]
    parts = []
    if shared:
        parts.append("works with " + _and(sorted(labels[s] for s in shared)))
    where = [w for w in (f"in person in {town}" if town else "", "online" if online else "") if w]
    parts.append("sees people " + " or ".join(where))
    if times:
        available = _settings()["availability_labels"]
        parts.append("has " + _and(sorted(available[t] for t in times)))
    return f"{clinician.name}, {clinician.title}: {'; '.join(parts)}."


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
