"""The notes' risk screen: a level back for an entry, nothing of it kept or logged."""

import logging

import pytest
from django.apps import apps
from django.test import Client

from bot.limits import TokenBuckets
from bot.web import notes_views

pytestmark = pytest.mark.django_db(databases=["default", "tracker"])
ENTRY = "Tonight I am going to kill myself, I have the pills ready on the table"


@pytest.fixture(autouse=True)
def fresh_limits(monkeypatch):
    buckets = TokenBuckets(rate=notes_views.ENTRIES_PER_SECOND, burst=notes_views.ENTRY_BURST)
    monkeypatch.setattr(notes_views, "_per_address", buckets)


def screen(text, client=None, **extra):
    return (client or Client()).post(
        "/notes/screen", {"text": text}, content_type="application/json", **extra
    )


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_an_entry_gets_its_level_and_only_its_level():
    flagged = screen(ENTRY)
    assert flagged.status_code == 200 and flagged.json() == {"level": "imminent"}
    assert screen("Today I walked by the sea and felt calmer.").json() == {"level": "none"}


def test_nothing_is_stored_and_nothing_is_logged(caplog):
    before = row_counts()
    with caplog.at_level(logging.DEBUG):
        assert screen(ENTRY).status_code == 200
        assert screen("x" * 40_000).status_code == 413  # refused, without its text either
    assert row_counts() == before
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "kill myself" not in logged and "pills" not in logged and "xxxx" not in logged


def test_a_long_entry_is_screened_whole_up_to_its_limit():
    ordinary = "I spent the afternoon sorting photos and writing to my sister. " * 100
    late = ordinary[: notes_views.MAX_ENTRY_CHARS - len(ENTRY) - 2] + ". " + ENTRY
    assert len(late) <= notes_views.MAX_ENTRY_CHARS
    assert screen(late).json() == {"level": "imminent"}


@pytest.mark.parametrize("body", [b"", b"not json", b'["text"]', b'{"text": ""}', b'{"text": 3}'])
def test_a_bad_request_gets_a_clear_answer(body):
    answer = Client().post("/notes/screen", body, content_type="application/json")
    assert answer.status_code == 400 and '{"text"' in answer.json()["error"]


def test_one_address_is_limited_and_another_is_not():
    answers = [screen("a calm day", REMOTE_ADDR="203.0.113.5").status_code for _ in range(12)]
    assert answers[: notes_views.ENTRY_BURST] == [200] * notes_views.ENTRY_BURST
    assert answers[-1] == 429
    assert screen("a calm day", REMOTE_ADDR="203.0.113.6").status_code == 200


def test_only_post():
    assert Client().get("/notes/screen").status_code == 405
