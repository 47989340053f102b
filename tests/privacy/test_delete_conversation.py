"""A visitor erases their conversation from Rasa's tracker store, by its own random id."""

import json
import os

import pytest
import redis

from bot.web import tracker as web_tracker
from bot.web.models import AuditEvent
from tests import tracker_events
from tests.tracker_events import bot, user

pytestmark = pytest.mark.django_db(databases=["default", "tracker"], transaction=True)

URL = "/privacy/delete-conversation"
VISITOR = "0123456789abcdef0123456789abcdef"
SOMEONE_ELSE = "fedcba9876543210fedcba9876543210"


def save_conversation(store, sender, risk_levels=()):
    events = [user("hello"), bot("Hi, I'm an AI self-help assistant.")]
    events += [tracker_events.SlotSet("risk_level", level) for level in risk_levels]
    tracker_events.save(store, sender, events)


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_deletes_only_that_conversation_and_records_it_without_content(client, events):
    save_conversation(events, VISITOR, risk_levels=["low", "high"])
    save_conversation(events, SOMEONE_ELSE)

    response = post(client, {"conversation_id": VISITOR})

    assert response.status_code == 200
    assert response.json() == {"deleted": True, "events": 4}
    assert tracker_events.senders(events) == {SOMEONE_ELSE}
    entry = AuditEvent.objects.get()
    assert (entry.actor, entry.action, entry.target) == (
        "visitor",
        "conversation.deleted_by_visitor",
        VISITOR,
    )
    assert entry.detail == {"events": 4, "highest_risk": "high"}
    assert "hello" not in json.dumps(entry.detail)


def test_deleting_again_or_before_any_message_is_harmless(client, events):
    assert post(client, {"conversation_id": VISITOR}).json() == {"deleted": True, "events": 0}
    save_conversation(events, VISITOR)
    post(client, {"conversation_id": VISITOR})
    assert post(client, {"conversation_id": VISITOR}).json()["events"] == 0
    assert AuditEvent.objects.count() == 3


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"conversation_id": 5}',
        b'{"conversation_id": "short"}',
        b'{"conversation_id": "0123456789ABCDEF0123456789ABCDEF"}',
        b'{"conversation_id": "\' OR 1=1 --0123456789abcdef01234"}',
        b'{"sender": "0123456789abcdef0123456789abcdef"}',
    ],
)
def test_anything_but_a_widget_conversation_id_is_refused(client, events, body):
    save_conversation(events, VISITOR)
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "conversation_id" in response.json()["error"]
    assert tracker_events.senders(events) == {VISITOR}
    assert not AuditEvent.objects.exists()


def test_only_post_is_accepted(client):
    assert client.get(URL).status_code == 405


def test_the_audit_trail_cannot_be_changed(client):
    post(client, {"conversation_id": VISITOR})
    entry = AuditEvent.objects.get()
    entry.action = "something else"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(actor="x")


@pytest.mark.redis
def test_a_conversation_held_by_a_turn_past_the_wait_is_kept_with_a_clear_answer(
    client, events, monkeypatch
):
    redis_url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
    lock_key = f"lantern:lock:{VISITOR}"
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setattr(web_tracker, "ERASURE_LOCK_WAIT_SECONDS", 0.2)
    save_conversation(events, VISITOR)
    redis.Redis.from_url(redis_url).set(lock_key, "a stuck turn", px=10_000)
    try:
        response = post(client, {"conversation_id": VISITOR})
    finally:
        redis.Redis.from_url(redis_url).delete(lock_key)

    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response.json()["deleted"] is False
    assert "try again" in response.json()["error"]
    assert tracker_events.senders(events) == {VISITOR}
    assert not AuditEvent.objects.exists()
    assert post(client, {"conversation_id": VISITOR}).json() == {"deleted": True, "events": 2}
