"""A visitor erases their conversation from Rasa's tracker store, by its own random id."""

import json

import pytest

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
