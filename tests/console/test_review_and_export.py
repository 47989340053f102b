"""Reviewing a transcript, labelling messages for the screen, exporting, and the audit trail."""

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from bot.redaction import redact
from bot.web.console.ingest import ingest
from bot.web.console.models import Conversation, Entry, SafetyLabel
from bot.web.models import AuditEvent
from tests import tracker_events
from tests.safety.cases import load_cases
from tests.tracker_events import bot, user

CONVERSATION = "eeee4444eeee4444eeee4444eeee4444"
TESTS_DIR = Path(__file__).resolve().parents[1]
CONTACT_TEXT = "email me at sam.k@example.org or call (415) 555-0134, see https://example.org/x"


@pytest.fixture
def conversation(events):
    tracker_events.chat(events, CONVERSATION, level="high", categories=["suicide"])
    tracker_events.save(
        events,
        CONVERSATION,
        [user(CONTACT_TEXT), bot("Thanks."), user("i keep thinking about pills")],
    )
    ingest()
    return Conversation.objects.get(conversation_id=CONVERSATION)


def transcript_url():
    return f"/console/conversations/{CONVERSATION}/"


def test_transcript_shows_messages_flags_and_records_the_view(conversation, reviewer_client):
    response = reviewer_client.get(transcript_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("hello") < html.index("i keep thinking about pills")
    assert "suicide-rule" in html and "crisis services given" in html
    assert "greet" in html and "0.93" in html  # intent and confidence
    assert AuditEvent.objects.filter(
        action="conversation.viewed", actor="rita", target=CONVERSATION
    ).exists()


def test_transcript_shows_the_classifiers_probability_and_ngrams(events, reviewer_client):
    flagged = user(
        "no reason to carry on",
        "low",
        ["suicide"],
        rules=["classifier"],
        probability=0.812,
        evidence=("no reason", "carry on"),
    )
    tracker_events.save(events, CONVERSATION, [flagged])
    ingest()
    html = reviewer_client.get(transcript_url()).content.decode()
    assert "rules: classifier" in html
    assert "classifier: 0.81 on “no reason”, “carry on”" in html


def test_hostile_text_is_escaped_in_the_transcript(events, reviewer_client):
    tracker_events.save(
        events, CONVERSATION, [user("<script>alert(1)</script><img src=x onerror=alert(2)>")]
    )
    html = reviewer_client.get(transcript_url()).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html


def test_mark_reviewed_moves_it_down_the_queue_and_is_audited(conversation, reviewer_client):
    assert conversation.queue_rank == 2
    response = reviewer_client.post(f"{transcript_url()}review", {"mark_reviewed": "1"})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.review_status == "reviewed" and conversation.queue_rank == 0
    assert conversation.reviewed_by.username == "rita"
    entry = AuditEvent.objects.get(action="review.changed")
    assert entry.detail["changed"]["review_status"] == ["unreviewed", "reviewed"]


def test_notes_assignee_and_hold(conversation, reviewer, reviewer_client):
    reviewer_client.post(
        f"{transcript_url()}review", {"assignee": reviewer.pk, "notes": "call back", "hold": "on"}
    )
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.notes, conversation.hold) == (
        reviewer,
        "call back",
        True,
    )


def test_labels_show_disagreements_and_become_safety_cases(conversation, reviewer_client, tmp_path):
    missed = Entry.objects.get(text="i keep thinking about pills")
    agreed = Entry.objects.get(text="hello")
    url = f"{transcript_url()}messages/{{}}/label"
    reviewer_client.post(
        url.format(missed.event_id), {"level": "high", "categories": ["suicide", "overdose"]}
    )
    reviewer_client.post(url.format(agreed.event_id), {"level": "high", "categories": ["suicide"]})
    contact = Entry.objects.get(text=CONTACT_TEXT)
    reviewer_client.post(url.format(contact.event_id), {"level": "low", "categories": ["suicide"]})

    labels = {label.entry_id: label for label in SafetyLabel.objects.all()}
    assert labels[missed.pk].disagrees and not labels[agreed.pk].disagrees
    assert "sam.k" not in labels[contact.pk].text  # only the message, and redacted
    queue = reviewer_client.get("/console/labels/").context["page"]
    assert {label.entry_id for label in queue} == {missed.pk, contact.pk}

    output = tmp_path / "from_review.yml"
    call_command("export_safety_cases", output=output)
    cases = {case.id: case for case in load_cases(tmp_path)}
    assert len(cases) == 3
    exported = yaml.safe_load(output.read_text())["cases"]
    missed_case = next(c for c in exported if c["message"] == "i keep thinking about pills")
    assert missed_case["level"] == "high"
    assert missed_case["categories"] == ["overdose", "suicide"]
    assert "the screen said none" in missed_case["note"]


def case_files_under_tests() -> dict:
    return {path: path.stat().st_mtime_ns for path in TESTS_DIR.rglob("*.yml")}


def test_safety_cases_from_review_are_redacted_and_never_written_into_tests(
    conversation, reviewer, settings
):
    entry = Entry.objects.get(text="i keep thinking about pills")
    SafetyLabel.objects.create(
        entry=entry, conversation_id=CONVERSATION, region="uk", level="high",
        text="I'm Priya, at 12 Harbour Road SW1A 1AA, and I keep thinking about pills",
        screen_level="none", categories="overdose", labelled_by=reviewer,
    )  # fmt: skip
    before = case_files_under_tests()
    printed = io.StringIO()

    call_command("export_safety_cases", stdout=printed)

    assert case_files_under_tests() == before
    written = Path(settings.VAR_DIR) / "review-cases" / "from_review.yml"
    [case] = yaml.safe_load(written.read_text(encoding="utf-8"))["cases"]
    assert case["message"] == "I'm [name], at [address] [postcode], and I keep thinking about pills"
    assert "rewrite each one as a new case in their own words" in printed.getvalue()


def test_safety_cases_cannot_be_exported_into_tests(conversation):
    target = TESTS_DIR / "safety" / "from_review.yml"
    with pytest.raises(CommandError, match="never into tests/"):
        call_command("export_safety_cases", output=target)
    assert not target.exists()


@pytest.mark.parametrize(
    "form",
    [{"level": "none", "categories": ["suicide"]}, {"level": "high"}, {"level": "severe"}],
)
def test_inconsistent_labels_are_refused(conversation, reviewer_client, form):
    entry = Entry.objects.get(text="hello")
    reviewer_client.post(f"{transcript_url()}messages/{entry.event_id}/label", form)
    assert not SafetyLabel.objects.exists()


def test_bot_messages_cannot_be_labelled(conversation, reviewer_client):
    entry = Entry.objects.filter(kind="bot").first()
    url = f"{transcript_url()}messages/{entry.event_id}/label"
    assert reviewer_client.post(url, {"level": "none"}).status_code == 404


def test_redaction_finds_emails_phone_numbers_and_urls():
    assert redact(CONTACT_TEXT, "us") == "email me at [email] or call [phone], see [url]"
    assert redact("ring 07700 900123 or +44 20 7946 0958", "uk") == "ring [phone] or [phone]"
    assert (
        redact("I slept 8 hours, 3 times this week", "us") == "I slept 8 hours, 3 times this week"
    )


def test_export_is_redacted_by_default_and_audited(conversation, reviewer_client):
    response = reviewer_client.get("/console/export?format=csv&level=2")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {row["conversation_id"] for row in rows} == {CONVERSATION}
    assert any(row["text"] == "email me at [email] or call [phone], see [url]" for row in rows)
    assert "sam.k@example.org" not in body and "555-0134" not in body
    entry = AuditEvent.objects.get(action="export.redacted")
    assert entry.actor == "rita" and entry.detail["conversations"] == 1

    jsonl = reviewer_client.get("/console/export?format=jsonl")
    lines = [json.loads(line) for line in b"".join(jsonl.streaming_content).splitlines()]
    assert {line["speaker"] for line in lines} == {"visitor", "bot"}


def test_spreadsheet_formulas_are_neutralised_in_csv(events, reviewer_client):
    tracker_events.save(events, CONVERSATION, [user('=HYPERLINK("http://evil")')])
    body = b"".join(reviewer_client.get("/console/export").streaming_content).decode()
    assert "'=HYPERLINK" in body


def test_unredacted_export_needs_an_admin_and_a_reason(conversation, admin_client, reviewer_client):
    assert (
        reviewer_client.post("/console/export/unredacted", {"reason": "x" * 20}).status_code == 403
    )
    refused = admin_client.post("/console/export/unredacted?format=csv", {"reason": "because"})
    assert (
        refused.status_code == 200
        and not AuditEvent.objects.filter(action="export.unredacted").exists()
    )

    reason = "Safeguarding request from the clinical lead, ref 42"
    response = admin_client.post("/console/export/unredacted?format=csv", {"reason": reason})
    body = b"".join(response.streaming_content).decode()
    assert "sam.k@example.org" in body
    entry = AuditEvent.objects.get(action="export.unredacted")
    assert entry.actor == "adam" and entry.detail["reason"] == reason


def test_audit_log_page_is_for_admins(conversation, admin_client, reviewer_client):
    reviewer_client.get(transcript_url())
    page = admin_client.get("/console/audit/?actor=rita")
    assert page.status_code == 200
    assert {e.actor for e in page.context["page"]} == {"rita"}
    assert reviewer_client.get("/console/audit/").status_code == 403
