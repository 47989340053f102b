"""Staff alerts without a database: the body, what each webhook reply means, the throttle."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from bot.alerts.models import StaffAlert
from bot.safety import alerts

RAISED = datetime(2025, 3, 4, 10, 17, 5, tzinfo=timezone.utc)


def an_alert(**fields) -> StaffAlert:
    values = {
        "id": uuid.UUID("00000000-0000-4000-8000-000000000001"),
        "conversation_id": "abc123",
        "level": "high",
        "categories": ["suicide"],
        "raised_at": RAISED,
        "window_start": alerts.window_start(RAISED),
    }
    return StaffAlert(**{**values, **fields})


def test_the_body_says_who_and_why_and_never_what_they_wrote():
    body = alerts.alert_body(an_alert(), "https://practice.example/")
    assert body == {
        "alert_id": "00000000-0000-4000-8000-000000000001",
        "reason": "risk",
        "level": "high",
        "categories": ["suicide"],
        "conversation_url": "https://practice.example/console/conversations/abc123/",
        "raised_at": "2025-03-04T10:17:05+00:00",
    }


def test_a_request_for_a_person_says_so():
    body = alerts.alert_body(an_alert(reason="live_chat", level="none"), "https://p.example")
    assert (body["reason"], body["level"]) == ("live_chat", "none")


def test_a_malformed_categories_value_still_gives_a_body():
    body = alerts.alert_body(an_alert(categories={"not": "a list"}), "https://p.example")
    assert body["categories"] == [] and body["level"] == "high"


def test_a_conversation_id_cannot_break_out_of_the_console_link():
    body = alerts.alert_body(an_alert(conversation_id="a/../b?c"), "https://p.example")
    assert body["conversation_url"] == "https://p.example/console/conversations/a%2F..%2Fb%3Fc/"


@pytest.mark.parametrize(
    ("status", "delivered"),
    [(200, True), (201, True), (204, True), (409, True), (500, False), (503, False),
     (429, False), (408, False), (400, False), (401, False), (404, False)],
)  # fmt: skip
def test_what_each_webhook_reply_means(status, delivered, monkeypatch):
    webhook = alerts.AlertWebhook("http://alerts.invalid/")
    reply = requests.Response()
    reply.status_code = status
    sent = []
    monkeypatch.setattr(webhook.session, "post", lambda *a, **k: sent.append(k) or reply)
    error = alerts.post(webhook, an_alert())
    assert (error == "") is delivered
    assert sent[0]["headers"]["Idempotency-Key"] == "00000000-0000-4000-8000-000000000001"


def test_an_unreachable_webhook_means_retry():
    webhook = alerts.AlertWebhook("http://127.0.0.1:9/alerts")
    assert alerts.post(webhook, an_alert()) == "ConnectionError"


@pytest.mark.parametrize("level", ["none", "low", "urgent", ""])
def test_only_high_and_imminent_alert(level):
    with pytest.raises(ValueError, match="high and imminent"):
        alerts.enqueue("abc123", level, ["suicide"])


@pytest.mark.parametrize("conversation_id", ["", "x" * 256])
def test_an_alert_needs_a_conversation(conversation_id):
    with pytest.raises(ValueError, match="conversation's id"):
        alerts.enqueue(conversation_id, "high", ["suicide"])


def test_the_dedupe_window_is_fixed_and_aligned():
    window = timedelta(minutes=30)
    assert alerts.window_start(RAISED, window) == datetime(2025, 3, 4, 10, 0, tzinfo=timezone.utc)
    later = RAISED + timedelta(minutes=13)
    assert alerts.window_start(later, window) == datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)


def test_the_throttle_allows_per_minute_then_waits_for_the_oldest_to_age():
    now = [0.0]
    throttle = alerts.Throttle(per_minute=3, clock=lambda: now[0])
    for moment in (0.0, 10.0, 20.0):
        now[0] = moment
        assert throttle.has_room()
        throttle.record()
    now[0] = 59.9
    assert not throttle.has_room()
    now[0] = 60.0  # the first post is a minute old
    assert throttle.has_room()


def test_a_throttle_below_one_a_minute_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        alerts.Throttle(per_minute=0)
