"""Matching on the sample directory."""

import itertools

import pytest
import yaml

from bot.referral.matching import (
    TOP,
    Request,
    clinicians,
    match,
    read_availability,
    read_format,
    read_specialties,
    session_format_words,
)
from bot.referral.models import Referral

pytestmark = pytest.mark.referral
DIRECTORY = clinicians()
SPECIALTIES = sorted({s for c in DIRECTORY for s in c.specialties})
TOWNS = sorted({t for c in DIRECTORY for t in c.locations})


def request(specialties=(), session_format="either", location="", availability=()):
    return Request(frozenset(specialties), session_format, location, frozenset(availability))


def test_the_sample_directory_is_realistic():
    assert 12 <= len(DIRECTORY) <= 20
    assert any(not c.accepting_new_clients for c in DIRECTORY)
    assert any(c.formats == {"online"} for c in DIRECTORY)
    for specialty in SPECIALTIES:
        assert sum(specialty in c.specialties for c in DIRECTORY) >= 2, specialty


@pytest.mark.parametrize(
    ("specialty", "session_format", "town"),
    list(itertools.product(SPECIALTIES, ["in_person", "online", "either"], TOWNS)),
)
def test_every_match_is_accepting_usable_and_relevant(specialty, session_format, town):
    found = match(request([specialty], session_format, f"near {town}"))
    assert len(found) <= TOP
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    for m in found:
        c = m.clinician
        assert c.accepting_new_clients
        assert specialty in c.specialties
        if session_format == "online":
            assert "online" in c.formats
        if session_format == "in_person":
            assert town in c.locations
        assert c.name in m.why and "works with" in m.why


def test_the_best_match_shares_the_most_and_says_why():
    found = match(request(["anxiety", "panic"], "in_person", "Leeds", ["weekday_evening"]))
    best = found[0]
    assert {"anxiety", "panic"} <= best.clinician.specialties
    assert best.why.endswith("has weekday evenings.")
    assert "in person in Leeds" in best.why


def test_no_one_is_offered_who_is_not_taking_new_clients():
    full = [c for c in DIRECTORY if not c.accepting_new_clients]
    for c in full:
        found = match(request(c.specialties, "either", " ".join(c.locations)))
        assert c not in [m.clinician for m in found]


def test_in_person_far_from_every_town_finds_no_one():
    assert match(request(["anxiety"], "in_person", "Aberdeen")) == []


def test_without_a_specialty_anyone_suitable_may_be_offered():
    found = match(request([], "online"))
    assert len(found) == TOP
    assert all("online" in m.clinician.formats for m in found)


@pytest.mark.parametrize(
    ("text", "specialties"),
    [
        ("Anxiety or panic", {"anxiety", "panic"}),
        ("my mum died last year and i cant cope", {"grief"}),
        ("I'm so stressed at work and burnt out", {"stress", "burnout"}),
        ("something else", set()),
    ],
)
def test_what_they_want_help_with_is_read_from_their_words(text, specialties):
    assert read_specialties(text) == specialties


@pytest.mark.parametrize(
    ("text", "session_format"),
    [
        ("In person", "in_person"),
        ("online please", "online"),
        ("either is fine", "either"),
        ("video or face to face", "either"),
        ("no idea", None),
    ],
)
def test_session_format(text, session_format):
    assert read_format(text) == session_format


@pytest.mark.parametrize(
    ("text", "availability"),
    [
        ("weekday evenings", {"weekday_evening"}),
        ("saturday mornings", {"weekend", "weekday_daytime"}),
        ("any time", {"weekday_daytime", "weekday_evening", "weekend"}),
    ],
)
def test_times(text, availability):
    assert read_availability(text) == availability


def test_a_directory_entry_with_a_typo_is_a_clear_error(tmp_path):
    path = tmp_path / "clinicians.yml"
    entry = yaml.safe_load(clinicians.__wrapped__.__defaults__[0].read_text())["clinicians"][0]
    entry["specialities"] = entry.pop("specialties")
    path.write_text(yaml.safe_dump({"clinicians": [entry]}))
    with pytest.raises(ValueError, match="clinician ama-osei: keys must be exactly"):
        clinicians.__wrapped__(path)


def test_the_summary_and_the_console_word_session_formats_alike():
    assert {f: session_format_words(f) for f in Referral.Format.values} == {
        "in_person": "in person",
        "online": "online",
        "either": "in person or online",
    }
    assert session_format_words("by_carrier_pigeon") == "by_carrier_pigeon"
