"""Retention deletes exactly what it should; referrals' contacts by role; the reports' numbers."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from bot.referral.models import Referral
from bot.web.console.ingest import ingest
from bot.web.console.models import Conversation, Entry, SafetyLabel
from bot.web.console.reports import build
from bot.web.models import AuditEvent
from tests import tracker_events
from tests.tracker_events import ActionExecuted

DAY = 86400
OLD = "0000aaaa0000aaaa0000aaaa0000aaaa"
OLD_ON_HOLD = "1111bbbb1111bbbb1111bbbb1111bbbb"
RECENT = "2222cccc2222cccc2222cccc2222cccc"
OLD_NOT_YET_READ = "3333dddd3333dddd3333dddd3333dddd"


def test_retention_deletes_exactly_the_expired_conversations(events, settings, reviewer):
    now = time.time()
    tracker_events.chat(events, OLD, level="high", categories=["suicide"], at=now - 91 * DAY)
    tracker_events.chat(events, OLD_ON_HOLD, at=now - 200 * DAY)
    tracker_events.chat(events, RECENT, at=now - 89 * DAY)
    ingest()
    Conversation.objects.filter(conversation_id=OLD_ON_HOLD).update(hold=True)
    entry = Entry.objects.get(conversation__conversation_id=OLD, kind="user")
    SafetyLabel.objects.create(
        entry=entry, conversation_id=OLD, text="hello", screen_level="high", level="high",
        categories="suicide", screen_categories="suicide", labelled_by=reviewer,
    )  # fmt: skip
    tracker_events.chat(events, OLD_NOT_YET_READ, at=now - 95 * DAY)  # the command reads it first

    call_command("purge_expired", days=90)

    assert tracker_events.senders(events) == {OLD_ON_HOLD, RECENT}
    kept = set(Conversation.objects.values_list("conversation_id", flat=True))
    assert kept == {OLD_ON_HOLD, RECENT}
    assert not Entry.objects.filter(conversation__conversation_id=OLD).exists()
    label = SafetyLabel.objects.get()  # a label outlives its conversation, as a safety case
    assert label.entry is None and label.text == "hello"
    audit = AuditEvent.objects.get(action="retention.purged")
    assert audit.actor == "retention" and audit.detail["conversations"] == 2
    on_hold = Conversation.objects.get(conversation_id=OLD_ON_HOLD)
    assert audit.detail["oldest_kept"] == on_hold.last_event_at.isoformat()


def test_visitor_erasure_removes_console_rows_and_labels_too(events, client, reviewer):
    tracker_events.chat(events, RECENT)
    ingest()
    entry = Entry.objects.get(kind="user")
    SafetyLabel.objects.create(
        entry=entry, conversation_id=RECENT, text="hello", screen_level="none", level="none",
        labelled_by=reviewer,
    )  # fmt: skip
    client.post(
        "/privacy/delete-conversation", {"conversation_id": RECENT}, content_type="application/json"
    )
    assert not Conversation.objects.exists() and not SafetyLabel.objects.exists()
    assert tracker_events.senders(events) == set()


@pytest.fixture
def referral():
    now = timezone.now()
    return Referral.objects.create(
        reference="LT-TEST-0001", conversation_id=RECENT, session_format="online",
        contact_kind="email", contact="sam.k@example.org", consent_text="yes",
        consented_at=now, concern="anxiety",
    )  # fmt: skip


def test_reviewers_see_masked_contacts_and_admins_the_real_ones(
    referral, reviewer_client, admin_client
):
    masked = reviewer_client.get("/console/referrals/").content.decode()
    assert "sam.k@example.org" not in masked and "s***@e***" in masked
    full = admin_client.get("/console/referrals/").content.decode()
    assert "sam.k@example.org" in full
    assert AuditEvent.objects.filter(action="referrals.contacts_viewed", actor="adam").exists()


def test_follow_up_is_recorded(referral, reviewer_client):
    reviewer_client.post("/console/referrals/LT-TEST-0001/follow-up", {"follow_up": "contacted"})
    referral.refresh_from_db()
    assert (referral.follow_up, referral.follow_up_by) == ("contacted", "rita")
    assert AuditEvent.objects.filter(action="referral.follow_up", target="LT-TEST-0001").exists()
    reviewer_client.post("/console/referrals/LT-TEST-0001/follow-up", {"follow_up": "deleted"})
    referral.refresh_from_db()
    assert referral.follow_up == "contacted"


def test_reports_count_weeks_flags_referrals_and_crisis_referrals(
    events, referral, reviewer_client
):
    now = time.time()
    tracker_events.chat(events, OLD, level="high", categories=["suicide"], at=now)
    tracker_events.chat(events, OLD_ON_HOLD, level="low", categories=["self_harm"], at=now)
    tracker_events.chat(events, RECENT, at=now)
    tracker_events.save(
        events,
        RECENT,
        [tracker_events.user("zzz", intent="nlu_fallback"), ActionExecuted("utter_ask_rephrase")],
    )
    ingest()

    report = build()
    [week] = report["weeks"]
    assert week["conversations"] == 3 and week["referrals"] == 1
    assert week["flags"] == {"low": 1, "high": 1, "imminent": 0}
    assert week["fallback_rate"] == pytest.approx(1 / 4)
    assert report["by_category"]["suicide"] == 1 and report["by_category"]["self_harm"] == 1
    assert report["crisis_referrals_by_year"] == [{"year": timezone.now().year, "count": 2}]
    page = reviewer_client.get("/console/reports/")
    assert page.status_code == 200 and b"data:image/png;base64," in page.content


def test_reports_leave_out_old_weeks(events):
    tracker_events.chat(events, OLD, at=(timezone.now() - timedelta(weeks=20)).timestamp())
    ingest()
    assert build()["weeks"] == []


def test_a_conversation_in_use_is_left_for_the_next_purge_and_the_rest_go(events, monkeypatch):
    from bot.web.console import retention
    from bot.web.tracker import ConversationBusy

    now = time.time()
    tracker_events.chat(events, OLD, at=now - 91 * DAY)
    tracker_events.chat(events, OLD_NOT_YET_READ, at=now - 95 * DAY)
    erase_conversation = retention.erase_conversation

    def busy_for_old(conversation_id):
        if conversation_id == OLD:  # a turn holds its lock past the wait
            raise ConversationBusy("a turn held the conversation too long")
        return erase_conversation(conversation_id)

    monkeypatch.setattr(retention, "erase_conversation", busy_for_old)
    result = retention.purge_expired(timezone.now(), days=90)
    assert (result["conversations"], result["conversations_in_use"]) == (1, 1)
    assert tracker_events.senders(events) == {OLD}


def test_erasure_removes_delivered_staff_alerts_and_sends_waiting_ones(events):
    from bot.alerts.models import StaffAlert
    from bot.web.console.retention import erase

    now = timezone.now()
    for level, status in (("high", "delivered"), ("imminent", "pending")):
        StaffAlert.objects.create(conversation_id=OLD, level=level, window_start=now, status=status)
    tracker_events.chat(events, OLD, at=time.time())
    erase(OLD)
    assert list(StaffAlert.objects.values_list("level", "status")) == [("imminent", "pending")]
