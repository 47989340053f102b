"""The first-session note sent from My notes with an appointment request (POST /notes/attach):
kept encrypted with the conversation's latest referral and its consent, carried to the
intake endpoint if it came before delivery, shown in the console, gone with the
conversation's erasure and with retention, and never logged."""

import io
import json
import logging
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from bot.limits import TokenBuckets
from bot.referral import outbox, session_note
from bot.referral.delivery import Endpoint, deliver_due, referral_payload
from bot.referral.models import Referral, ReferralNote
from bot.web import notes_views
from bot.web.models import AuditEvent
from tests import tracker_events
from tests.referral.intake import IntakeServer

pytestmark = [
    pytest.mark.referral,
    pytest.mark.django_db(databases=["default", "tracker"], transaction=True),
]

VISITOR = "0123456789abcdef0123456789abcdef"
SOMEONE_ELSE = "fedcba9876543210fedcba9876543210"
CONSENT = "I agree to send this note to the practice with my appointment request."
NOTE = {
    "brings": "Panic on the tram to work, since the spring",
    "tried": "Breathing exercises, a little",
    "change": "",
    "questions": "How long do sessions last?",
    "safety": "Nothing to add",
}
FAST = outbox.Backoff(base=0.05, cap=0.5, lease=timedelta(seconds=2))


@pytest.fixture
def intake():
    server = IntakeServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_limits(monkeypatch):
    buckets = TokenBuckets(
        rate=notes_views.NOTES_SENT_PER_SECOND, burst=notes_views.NOTES_SENT_BURST
    )
    monkeypatch.setattr(notes_views, "_notes_sent_per_address", buckets)


def make_referral(conversation_id=VISITOR, reference="LT-TEST-0001", age_days=0, **fields):
    created = timezone.now() - timedelta(days=age_days)
    return Referral.objects.create(
        reference=reference, conversation_id=conversation_id, created_at=created,
        session_format="online", contact_kind="email", contact="sam.k@example.org",
        consent_text="yes", consented_at=created, concern="anxiety", **fields,
    )  # fmt: skip


def attach(body=None, client=None, **extra):
    body = {"conversation_id": VISITOR, "note": NOTE, "consent_text": CONSENT} | (body or {})
    return (client or Client()).post(
        "/notes/attach", json.dumps(body), content_type="application/json", **extra
    )


def raw_note_text() -> str:
    table = connection.ops.quote_name(ReferralNote._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {table}")  # noqa: S608 - the model's table
        [(stored,)] = cursor.fetchall()
    return stored


def test_the_note_is_kept_encrypted_with_the_latest_referral_and_its_consent():
    make_referral(reference="LT-OLD0-0001", age_days=3)
    latest = make_referral(reference="LT-NEW0-0002")
    make_referral(conversation_id=SOMEONE_ELSE, reference="LT-ELSE-0003")

    answer = attach()

    assert answer.status_code == 200
    assert answer.json() == {"sent": True, "reference": "LT-NEW0-0002", "replaced": False}
    note = ReferralNote.objects.get()
    assert note.referral == latest
    assert note.text.startswith("What brings me to therapy?\nPanic on the tram to work")
    assert "What do I want to change?" not in note.text  # an empty answer is left out
    assert (note.consent_text, note.delivered_at) == (CONSENT, None)
    assert timezone.now() - note.consented_at < timedelta(seconds=30)
    stored = raw_note_text()
    assert stored != note.text and "tram" not in stored and "Panic" not in stored


def test_sending_again_replaces_the_note_with_a_new_consent():
    make_referral()
    attach()
    first = ReferralNote.objects.get()
    answer = attach({"note": {"brings": "Sleep, mostly"}, "consent_text": CONSENT + " (again)"})
    assert answer.json()["replaced"] is True
    note = ReferralNote.objects.get()
    assert note.text == "What brings me to therapy?\nSleep, mostly"
    assert note.consent_text == CONSENT + " (again)" and note.consented_at > first.consented_at


def test_without_a_referral_the_answer_says_to_ask_for_one_first():
    make_referral(conversation_id=SOMEONE_ELSE)
    answer = attach()
    assert answer.status_code == 404
    assert answer.json()["error"] == session_note.session_note_words()["send"]["no_request"]
    assert not ReferralNote.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"consent_text": ""}, 400, "Tick the box"),
        ({"consent_text": None}, 400, "Tick the box"),
        ({"consent_text": "   "}, 400, "Tick the box"),
        ({"note": {"brings": " ", "safety": ""}}, 400, "The note is empty"),
        ({"note": {}}, 400, "The note is empty"),
        ({"note": "just text"}, 400, "Send the note as"),
        ({"note": {"brings": 3}}, 400, "must be text"),
        ({"note": {"brings": "x" * (session_note.MAX_ANSWER_CHARS + 1)}}, 413, "too long"),
        ({"note": {"brings": "x" * 40_000}}, 413, "too long"),  # past the body limit
        ({"conversation_id": "short"}, 400, "conversation_id"),
        ({"conversation_id": None}, 400, "conversation_id"),
    ],
)
def test_a_note_that_cannot_be_sent_gets_a_clear_answer_and_nothing_is_kept(body, status, words):
    make_referral()
    answer = attach(body)
    assert answer.status_code == status
    assert words in answer.json()["error"]
    assert not ReferralNote.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1]"])
def test_a_body_that_is_not_a_json_object_gets_a_clear_answer(raw):
    answer = Client().post("/notes/attach", raw, content_type="application/json")
    assert answer.status_code == 400 and "conversation_id" in answer.json()["error"]


def test_only_post():
    assert Client().get("/notes/attach").status_code == 405


def test_one_address_is_limited_and_another_is_not():
    make_referral()
    answers = [attach(REMOTE_ADDR="203.0.113.5").status_code for _ in range(7)]
    burst = notes_views.NOTES_SENT_BURST
    assert answers[:burst] == [200] * burst and answers[-1] == 429
    assert "wait a minute" in attach(REMOTE_ADDR="203.0.113.5").json()["error"]
    assert attach(REMOTE_ADDR="203.0.113.6").status_code == 200


def test_the_audit_trail_records_that_a_note_came_never_its_text():
    make_referral()
    attach()
    entry = AuditEvent.objects.get()
    assert (entry.actor, entry.action, entry.target) == (
        "visitor",
        "referral.note_attached",
        "LT-TEST-0001",
    )
    assert entry.detail == {"replaced": False, "after_delivery": False}


def test_no_log_record_holds_the_note(caplog, intake):
    make_referral()
    secret_note = {"brings": "zebracrossing panic", "safety": "quokka thoughts"}
    with caplog.at_level(logging.DEBUG):
        assert attach({"note": secret_note}).status_code == 200
        assert attach({"note": {"brings": "zebracrossing " * 400}}).status_code == 413
        assert attach({"note": secret_note, "consent_text": ""}).status_code == 400
        assert attach({"note": secret_note, "conversation_id": SOMEONE_ELSE}).status_code == 404
        assert deliver_due(Endpoint(intake.url), FAST) == 1
    assert caplog.records  # the 4xx answers and the delivery were logged, without the note
    logged = " ".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'request', '')!r}"
        for record in caplog.records
    )
    assert "zebracrossing" not in logged and "quokka" not in logged


def test_a_note_sent_before_delivery_goes_in_the_referrals_payload(intake):
    referral = make_referral()
    attach()
    assert deliver_due(Endpoint(intake.url), FAST) == 1
    body = intake.stored[str(referral.id)]
    assert body["session_note"]["text"] == ReferralNote.objects.get().text
    assert body["session_note"]["consent"]["text"] == CONSENT
    assert ReferralNote.objects.get().delivered_at is not None


def test_a_referral_without_a_note_says_so_in_its_payload():
    assert referral_payload(make_referral())["session_note"] is None


def test_a_note_that_came_after_delivery_is_shown_in_the_console_as_late(intake):
    referral = make_referral(conversation_id=SOMEONE_ELSE, reference="LT-EARL-0001")
    make_referral(reference="LT-LATE-0002")
    attach({"conversation_id": SOMEONE_ELSE})  # before delivery
    assert deliver_due(Endpoint(intake.url), FAST) == 2
    assert intake.stored[str(referral.id)]["session_note"] is not None
    assert attach({"note": {"brings": "Written after the request went"}}).status_code == 200
    assert deliver_due(Endpoint(intake.url), FAST) == 0  # not sent again
    entry = AuditEvent.objects.get(target="LT-LATE-0002")
    assert entry.detail == {"replaced": False, "after_delivery": True}

    admin = get_user_model().objects.create_user("adam", password="x" * 20)
    admin.groups.add(Group.objects.get(name="admin"))
    console = Client()
    console.force_login(admin)
    page = console.get("/console/referrals/").content.decode()
    early_row = page[page.index("LT-EARL-0001") :].split("</tr>")[0]
    late_row = page[page.index("LT-LATE-0002") :].split("</tr>")[0]
    assert "Panic on the tram to work" in early_row and "sent to intake" in early_row
    assert "Written after the request went" in late_row
    assert "came after the referral was delivered" in late_row
    assert CONSENT in late_row


def test_deleting_the_conversation_deletes_its_note_and_keeps_the_referral(events):
    tracker_events.chat(events, VISITOR)
    make_referral()
    make_referral(conversation_id=SOMEONE_ELSE, reference="LT-ELSE-0002")
    attach()
    attach({"conversation_id": SOMEONE_ELSE})
    assert ReferralNote.objects.count() == 2

    answer = Client().post(
        "/privacy/delete-conversation",
        json.dumps({"conversation_id": VISITOR}),
        content_type="application/json",
    )

    assert answer.status_code == 200
    assert list(ReferralNote.objects.values_list("referral__reference", flat=True)) == [
        "LT-ELSE-0002"
    ]
    assert Referral.objects.count() == 2  # a referral already sent stays with the practice


def test_retention_deletes_the_note_with_its_conversation_or_its_referral(events, settings):
    settings.REFERRAL_RETENTION_DAYS = 30
    expired, recent = VISITOR, SOMEONE_ELSE
    third = "2222cccc2222cccc2222cccc2222cccc"
    now = time.time()
    tracker_events.chat(events, expired, at=now - 91 * 86400)
    tracker_events.chat(events, recent, at=now - 10 * 86400)
    tracker_events.chat(events, third, at=now - 10 * 86400)
    make_referral(expired, "LT-EXPD-0001", age_days=91)  # pending: the referral stays
    make_referral(recent, "LT-DONE-0002", age_days=31, status="delivered")  # finished: goes
    make_referral(third, "LT-KEEP-0003", age_days=10, status="delivered")
    for conversation_id in (expired, recent, third):
        assert attach({"conversation_id": conversation_id}).status_code == 200

    call_command("purge_expired", days=90, stdout=io.StringIO())

    assert set(Referral.objects.values_list("reference", flat=True)) == {
        "LT-EXPD-0001",
        "LT-KEEP-0003",
    }
    assert list(ReferralNote.objects.values_list("referral__reference", flat=True)) == [
        "LT-KEEP-0003"
    ]


def test_rotating_the_key_re_encrypts_the_notes_too(monkeypatch):
    from cryptography.fernet import Fernet

    from bot.encryption import contact_cipher

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("CONTACT_ENCRYPTION_KEYS", old)
    contact_cipher.cache_clear()
    make_referral()
    attach()
    monkeypatch.setenv("CONTACT_ENCRYPTION_KEYS", f"{new},{old}")
    contact_cipher.cache_clear()
    call_command("rotate_contact_key", stdout=io.StringIO())
    Fernet(new).decrypt(raw_note_text().encode())  # raises if still under the old key
    assert AuditEvent.objects.get(action="referral.keys_rotated").detail["notes"] == 1
    monkeypatch.undo()
    contact_cipher.cache_clear()
