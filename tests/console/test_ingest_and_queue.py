"""Rasa's events become summaries once; the queue puts flagged, unreviewed conversations first."""

import time

import pytest

from bot.web.console.ingest import ingest
from bot.web.console.models import Conversation, Entry, IngestState
from tests import tracker_events
from tests.tracker_events import ActionExecuted, bot, user

QUIET = "aaaa0000aaaa0000aaaa0000aaaa0000"
LOW = "bbbb1111bbbb1111bbbb1111bbbb1111"
HIGH = "cccc2222cccc2222cccc2222cccc2222"
HIGH_REVIEWED = "dddd3333dddd3333dddd3333dddd3333"


@pytest.fixture
def four_conversations(events):
    now = time.time()
    tracker_events.chat(events, QUIET, at=now - 30, text="what is cbt")
    tracker_events.chat(events, LOW, level="low", categories=["suicide"], region="uk", at=now - 20)
    tracker_events.chat(events, HIGH, level="high", categories=["self_harm"], at=now - 300)
    tracker_events.chat(events, HIGH_REVIEWED, level="imminent", categories=["overdose"], at=now)
    ingest()
    reviewed = Conversation.objects.get(conversation_id=HIGH_REVIEWED)
    reviewed.review_status = Conversation.Review.REVIEWED
    reviewed.update_rank()
    reviewed.save()


def queue_ids(client, query=""):
    response = client.get(f"/console/queue/?{query}")
    assert response.status_code == 200
    return [c.conversation_id for c in response.context["page"]]


def test_ingest_summarises_each_conversation(events):
    tracker_events.chat(events, HIGH, level="high", categories=["self_harm"], region="uk")
    tracker_events.save(
        events,
        HIGH,
        [
            user("/greet"),
            user("blorp", intent="nlu_fallback"),
            ActionExecuted("utter_ask_rephrase"),
        ],
    )

    assert ingest() > 0
    conversation = Conversation.objects.get(conversation_id=HIGH)
    assert (conversation.level, conversation.categories, conversation.region) == (
        "high",
        ["self_harm"],
        "uk",
    )
    assert (conversation.user_messages, conversation.fallbacks, conversation.crisis_turns) == (
        3,
        1,
        1,
    )
    flagged = Entry.objects.get(conversation=conversation, kind="user", text="hello")
    assert flagged.level == "high"
    assert flagged.detail == {
        "categories": ["self_harm"],
        "rules": ["self_harm-rule"],
        "modifiers": [],
    }
    assert (flagged.intent, flagged.confidence) == ("greet", 0.93)
    kinds = list(conversation.entries.values_list("kind", flat=True))
    assert kinds.count("action") == 2  # action_listen is left out
    assert "slot" in kinds and "bot" in kinds


def test_ingest_reads_each_event_once(events):
    tracker_events.chat(events, QUIET)
    first = ingest()
    assert first > 0 and ingest() == 0
    tracker_events.save(events, QUIET, [user("and sleep?"), bot("Sleep matters.")])
    assert ingest() == 2
    assert Conversation.objects.get().user_messages == 2
    assert (
        IngestState.objects.get().last_event_id
        == Entry.objects.order_by("event_id").last().event_id
    )


def test_ingest_in_small_batches_gives_the_same_result(events):
    for sender in (QUIET, LOW, HIGH):
        tracker_events.chat(events, sender, level="low", categories=["suicide"])
    assert ingest(batch=2) == Entry.objects.count() + 3 * 1  # the quiet action_listen events
    assert Conversation.objects.filter(highest_risk=1).count() == 3


def test_queue_puts_flagged_unreviewed_first_by_level_then_the_rest_by_time(
    four_conversations, reviewer_client
):
    assert queue_ids(reviewer_client) == [HIGH, LOW, HIGH_REVIEWED, QUIET]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("level=2", [HIGH, HIGH_REVIEWED]),
        ("category=suicide", [LOW]),
        ("region=uk", [LOW]),
        ("status=reviewed", [HIGH_REVIEWED]),
        ("status=unreviewed&level=1", [HIGH, LOW]),
        ("q=cbt", [QUIET]),
        ("q=CBT", [QUIET]),
        ("referral=yes", []),
        ("referral=no&level=3", [HIGH_REVIEWED]),
    ],
)
def test_queue_filters(four_conversations, reviewer_client, query, expected):
    assert queue_ids(reviewer_client, query) == expected


def test_queue_filters_by_date(four_conversations, reviewer_client):
    from django.utils import timezone

    today = timezone.now().date().isoformat()
    assert len(queue_ids(reviewer_client, f"date_from={today}&date_to={today}")) == 4
    assert queue_ids(reviewer_client, "date_to=2001-01-01") == []


@pytest.mark.parametrize(
    "query",
    [
        "q=%27%20OR%201%3D1%20--",
        "q=%25",
        "q=_",
        "level=1%20OR%201=1",
        "category=suicide%27--",
        "region=%3Cscript%3E",
        "date_from=yesterday",
        "page=-1",
        "page=99999",
        "page=%27",
        "q=" + "x" * 5000,
    ],
    ids=lambda query: query[:40],
)
def test_hostile_filter_parameters_are_harmless(four_conversations, reviewer_client, query):
    ids = queue_ids(reviewer_client, query)
    assert set(ids) <= {QUIET, LOW, HIGH, HIGH_REVIEWED}
    if query.startswith("q=") and len(query) < 200:
        assert ids == []  # searched for literally, matching nothing


def test_queue_counts_and_pages(events, reviewer_client):
    for number in range(55):
        tracker_events.chat(
            events,
            f"{number:032x}",
            level="low" if number < 3 else "none",
            categories=["suicide"] if number < 3 else (),
        )
    response = reviewer_client.get("/console/queue/")
    assert response.context["counts"] == {"total": 55, "flagged_unreviewed": 3, "unreviewed": 55}
    assert len(response.context["page"]) == 50
    assert len(reviewer_client.get("/console/queue/?page=2").context["page"]) == 5


def test_an_event_committed_late_is_still_read(events):
    """On PostgreSQL a transaction holding lower ids can commit after a later one."""
    from django.db import connections

    from bot.web.console.ingest import GAP_PATIENCE_SECONDS

    tracker_events.chat(events, QUIET)
    tracker_events.chat(events, LOW, level="low", categories=["suicide"])
    tracker = connections["tracker"]
    with tracker.cursor() as cursor:
        cursor.execute(
            "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events WHERE sender_id = %s AND type_name = 'user'",
            [LOW],
        )
        late = cursor.fetchone()
        cursor.execute("DELETE FROM events WHERE id = %s", [late[0]])  # not yet committed
    started = time.time()
    ingest(now=started)
    assert Conversation.objects.get(conversation_id=LOW).highest_risk == 0

    with tracker.cursor() as cursor:  # ... and now it commits
        cursor.execute("INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s, %s)", list(late))
    assert ingest(now=started + 1) == 1
    assert Conversation.objects.get(conversation_id=LOW).highest_risk == 1

    # A gap that never fills (a rolled-back insert) is given up after a while.
    with tracker.cursor() as cursor:
        cursor.execute("DELETE FROM events WHERE id = %s", [late[0]])
    tracker_events.chat(events, LOW)
    from bot.web.console.models import IngestState

    state = IngestState.objects.get()
    state.gaps = {str(late[0] - 1000): started}
    state.save()
    ingest(now=started + GAP_PATIENCE_SECONDS + 1)
    assert IngestState.objects.get().gaps == {}
