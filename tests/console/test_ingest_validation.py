"""Ingest trusts no row of Rasa's events table: forged flags are ignored, unreadable events
are quarantined (without their content), and every console page keeps working."""

import json
import logging
import time

import pytest
from django.conf import settings

from bot.web.console.ingest import ingest
from bot.web.console.models import Conversation, Entry, QuarantinedEvent
from tests import tracker_events
from tests.console.conftest import logged_in
from tests.tracker_events import ActionExecuted, UserUttered, bot

CRISIS = "c415150000c415150000c415150000aa"
FORGED = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
# Every bad event carries this text: it must never reach a page or a log.
SECRET = "MARKER-visitor-words-never-shown"
SCREEN = "RiskScreen"
ADMIN_PAGES = [
    "/console/queue/",
    f"/console/conversations/{CRISIS}/",
    f"/console/conversations/{FORGED}/",
    "/console/export?format=csv",
    "/console/export?format=jsonl",
    "/console/reports/",
    "/console/referrals/",
    "/console/labels/",
    "/console/audit/",
    "/console/quarantine/",
]


def entity(name, value, extractor=SCREEN):
    found = {"entity": name, "value": value, "start": 0, "end": 4}
    return found | ({"extractor": extractor} if extractor else {})


def screened(level, categories=(), extractor=SCREEN):
    """The entities the risk screen stores, or a forgery of them by another extractor."""
    return [entity("risk_level", level, extractor)] + [
        entity("risk_category", category, extractor) for category in categories
    ]


def message(text, entities, intent="greet"):
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": entities, "text": text}
    return UserUttered(text, parse["intent"], entities, parse)


def insert_row(store, sender, type_name, data, timestamp="now"):
    """One row written straight into Rasa's events table, as a corrupted store might hold."""
    row = {
        "sender_id": sender,
        "type_name": type_name,
        "timestamp": time.time() if timestamp == "now" else timestamp,
        "intent_name": None,
        "action_name": None,
        "data": data,
    }
    with store.engine.begin() as connection:
        connection.execute(store.SQLEvent.__table__.insert(), [row])


def insert_event(store, sender, event):
    """A well-formed Rasa event written as SQLTrackerStore.save() writes it."""
    data = event.as_dict()
    insert_row(store, sender, event.type_name, json.dumps(data), data["timestamp"])


def user_json(**fields):
    return json.dumps({"event": "user", "timestamp": time.time(), "text": SECRET} | fields)


# Events written by Rasa's own store whose content cannot be a real screen result.
RASA_WRITTEN_UNREADABLE = {
    "risk_category is a number": [entity("risk_level", "high"), entity("risk_category", 1)],
    "risk_category is a list": [entity("risk_level", "high"), entity("risk_category", ["x"])],
    "risk_category is null": [entity("risk_level", "high"), entity("risk_category", None)],
    "risk_category is an object": [entity("risk_level", "high"), entity("risk_category", {})],
    "risk_category is 10 kB": [entity("risk_level", "high"), entity("risk_category", "x" * 10_000)],
    "risk_level is a number": [entity("risk_level", 3), entity("risk_category", "suicide")],
    "risk_rule is a list": [entity("risk_rule", ["suicide.plan"])],
}
# Rows no Rasa would write: (type_name, data, timestamp)
RAW_UNREADABLE = {
    "corrupted JSON": ("user", '{"event": "user", "text": "' + SECRET, "now"),
    "JSON that is not an object": ("user", json.dumps([SECRET]), "now"),
    "data of another event type": ("user", json.dumps({"event": "bot", "text": SECRET}), "now"),
    "text is a number": ("user", user_json(text=7), "now"),
    "text far past the channel's limit": ("user", user_json(text=SECRET + "x" * 50_000), "now"),
    "text with a NUL": ("user", user_json(text=SECRET + "\x00"), "now"),
    "text with a lone surrogate": ("user", user_json(text=SECRET + "\ud800"), "now"),
    "entities is an object": ("user", user_json(parse_data={"entities": {"a": 1}}), "now"),
    "intent confidence is NaN": (
        "user",
        user_json(parse_data={"intent": {"name": "greet", "confidence": float("nan")}}),
        "now",
    ),
    "no timestamp": ("user", user_json(), None),
    "timestamp in the year 2500": ("user", user_json(), 16_725_225_600.0),
    "action without a name": ("action", json.dumps({"event": "action", "text": SECRET}), "now"),
    "bot crisis services not a list": (
        "bot",
        json.dumps(
            {"event": "bot", "text": SECRET, "data": {"custom": {"crisis": {"resources": 5}}}}
        ),
        "now",
    ),
    "slot name is a list": ("slot", json.dumps({"event": "slot", "name": [SECRET]}), "now"),
    "risk_level slot with an unknown level": (
        "slot",
        json.dumps({"event": "slot", "name": "risk_level", "value": "apocalyptic"}),
        "now",
    ),
    "slot value with a NUL deep inside": (
        "slot",
        json.dumps({"event": "slot", "name": "mood_history", "value": [{"note": SECRET + "\x00"}]}),
        "now",
    ),
}
# Well-formed messages whose risk entities are not the screen's: shown, never flagged.
FORGED_FLAGS = {
    "imminent from RegexEntityExtractor": screened("imminent", ["suicide"], "RegexEntityExtractor"),
    "imminent with no extractor": screened("imminent", ["suicide"], extractor=None),
    "imminent from the screen but no category": screened("imminent"),
    "unknown level apocalyptic": screened("apocalyptic", ["suicide"]),
    "unknown category": screened("high", ["apocalypse"]),
    "a number category with no extractor": screened("high", [1], extractor=None),
    "a 10 kB level from a visitor's payload": screened("x" * 10_000, extractor=None),
}


@pytest.fixture
def crisis_next_door(events):
    """A real crisis conversation beside the bad events, and a valid start to the forged one."""
    tracker_events.save(
        events,
        CRISIS,
        [
            ActionExecuted("action_listen"),
            message("i want to end it", screened("imminent", ["suicide"])),
        ],
    )
    tracker_events.save(events, FORGED, [message("hello there", screened("none")), bot("Hi!")])
    return events


def write_unreadable(store, case):
    if case in RASA_WRITTEN_UNREADABLE:
        tracker_events.save(store, FORGED, [message(SECRET, RASA_WRITTEN_UNREADABLE[case])])
    else:
        type_name, data, timestamp = RAW_UNREADABLE[case]
        insert_row(store, FORGED, type_name, data, timestamp)
    # Later events are read as usual.
    insert_event(store, FORGED, message("still here", screened("none")))


def assert_console_works_and_only_the_crisis_is_flagged(client):
    queue = client.get("/console/queue/").context["page"]
    assert [c.conversation_id for c in queue] == [CRISIS, FORGED]
    assert [(c.level, c.categories) for c in queue] == [("imminent", ["suicide"]), ("none", [])]
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)


@pytest.mark.parametrize("case", [*RASA_WRITTEN_UNREADABLE, *RAW_UNREADABLE])
def test_an_unreadable_event_is_quarantined_and_the_console_keeps_working(
    crisis_next_door, admin_client, caplog, case
):
    write_unreadable(crisis_next_door, case)
    with caplog.at_level(logging.WARNING, logger="bot.web.console.ingest"):
        ingest()

    assert_console_works_and_only_the_crisis_is_flagged(admin_client)
    [quarantined] = QuarantinedEvent.objects.all()
    assert (quarantined.sender_id, quarantined.conversation.conversation_id) == (FORGED, FORGED)
    assert quarantined.reason
    texts = list(
        Entry.objects.filter(conversation__conversation_id=FORGED).values_list("text", flat=True)
    )
    assert "hello there" in texts and "still here" in texts and SECRET not in "".join(texts)

    page = admin_client.get("/console/quarantine/").content.decode()
    assert str(quarantined.event_id) in page and FORGED in page and quarantined.reason in page
    assert SECRET not in page
    assert str(quarantined.event_id) in caplog.text and SECRET not in caplog.text


@pytest.mark.parametrize("entities", FORGED_FLAGS.values(), ids=FORGED_FLAGS)
def test_risk_entities_not_from_the_screen_raise_no_flag(crisis_next_door, admin_client, entities):
    tracker_events.save(crisis_next_door, FORGED, [message("forged flag", entities)])
    ingest()

    assert_console_works_and_only_the_crisis_is_flagged(admin_client)
    forged = Entry.objects.get(text="forged flag")
    assert (forged.level, forged.detail["categories"]) == ("none", [])
    assert not QuarantinedEvent.objects.exists()


def test_every_kind_of_bad_event_at_once(crisis_next_door, admin_client):
    for case in [*RASA_WRITTEN_UNREADABLE, *RAW_UNREADABLE]:
        write_unreadable(crisis_next_door, case)
    for entities in FORGED_FLAGS.values():
        insert_event(crisis_next_door, FORGED, message("forged flag", entities))
    ingest()

    assert_console_works_and_only_the_crisis_is_flagged(admin_client)
    assert QuarantinedEvent.objects.count() == len(RASA_WRITTEN_UNREADABLE) + len(RAW_UNREADABLE)
    assert Entry.objects.filter(text="forged flag").count() == len(FORGED_FLAGS)


def test_a_quarantined_event_is_not_retried_and_blocks_nothing(crisis_next_door):
    insert_row(crisis_next_door, FORGED, "user", "{not json")
    first = ingest()
    assert first > 0 and QuarantinedEvent.objects.count() == 1
    assert ingest() == 0
    insert_event(crisis_next_door, FORGED, message("later", screened("none")))
    assert ingest() == 1
    assert QuarantinedEvent.objects.count() == 1
    assert Entry.objects.filter(text="later").exists()


UNUSABLE_IDS = {"slash": ("a/b", "a?b"), "markup": ("<b>x</b>", "?b?x??b?")}
if settings.DATABASES["tracker"]["ENGINE"].endswith("sqlite3"):
    # PostgreSQL's varchar(255) column refuses these itself; SQLite stores anything.
    UNUSABLE_IDS |= {"too long": ("x" * 300, "x" * 255), "NUL": ("nul\x00id", "nul?id")}


@pytest.mark.parametrize("sender, shown", UNUSABLE_IDS.values(), ids=UNUSABLE_IDS)
def test_an_unusable_conversation_id_is_quarantined(crisis_next_door, admin_client, sender, shown):
    insert_row(crisis_next_door, sender, "user", user_json())
    ingest()
    assert_console_works_and_only_the_crisis_is_flagged(admin_client)
    quarantined = QuarantinedEvent.objects.get()
    assert (quarantined.sender_id, quarantined.conversation) == (shown, None)


def test_a_row_the_database_refuses_is_quarantined_and_the_rest_stored(
    crisis_next_door, monkeypatch
):
    """Whatever the checks miss, the database's refusal of one row costs only that row."""
    from django.db import DataError

    from bot.web.console import ingest as ingest_module

    insert_event(crisis_next_door, FORGED, message("refused", screened("none")))
    insert_event(crisis_next_door, FORGED, message("after it", screened("none")))
    write_rows = ingest_module._write_rows

    def refuse_one(model, fields, objects, update):
        objects = list(objects)
        if any(getattr(o, "text", None) == "refused" for o in objects):
            raise DataError("value too long")
        write_rows(model, fields, objects, update)

    monkeypatch.setattr(ingest_module, "_write_rows", refuse_one)
    ingest()

    quarantined = QuarantinedEvent.objects.get()
    assert quarantined.reason == "the database refused it (DataError)"
    assert set(Entry.objects.filter(kind="user").values_list("text", flat=True)) == {
        "i want to end it",
        "hello there",
        "after it",
    }
    assert Conversation.objects.get(conversation_id=CRISIS).level == "imminent"


def test_erasing_a_conversation_removes_its_quarantined_events(crisis_next_door, client):
    insert_row(crisis_next_door, FORGED, "user", "{not json")
    ingest()
    assert QuarantinedEvent.objects.filter(sender_id=FORGED).count() == 1
    response = client.post(
        "/privacy/delete-conversation", {"conversation_id": FORGED}, content_type="application/json"
    )
    assert response.status_code == 200
    assert not QuarantinedEvent.objects.exists()


def test_only_admins_see_the_quarantine(crisis_next_door, admin_client, reviewer, client):
    assert client.get("/console/quarantine/")["Location"].startswith("/console/login/")
    reviewer_client = logged_in(reviewer)
    assert reviewer_client.get("/console/quarantine/").status_code == 403
    assert b"/console/quarantine/" not in reviewer_client.get("/console/queue/").content
    assert b"/console/quarantine/" in admin_client.get("/console/queue/").content
