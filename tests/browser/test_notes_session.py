"""My notes: the first-session note (step by step, printed, saved as a file, sent with an
appointment request made in the chat), the export of everything (print, Markdown, JSON,
a daily reminder as an .ics file), and a written record from the chat saved to My notes.
In real Chromium against the real processes: the appointment request is made by typing
in the chat to the real bot, and the note is then read back from the outbox and the
console."""

import json
import re
import sqlite3
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from playwright.sync_api import expect

from bot.encryption import KEY_FILE_NAME
from tests.browser.conftest import open_widget_page
from tests.browser.widget import Widget, serious_violations
from tests.support.stack import PROJECT_DIR

pytestmark = pytest.mark.browser

EXIT_URL = "https://www.google.com/"  # QUICK_EXIT_URL's default
WORDS = yaml.safe_load((PROJECT_DIR / "data/content/session_note.yml").read_text("utf-8"))
QUESTIONS = [question["question"] for question in WORDS["questions"]]
ANSWERS = {
    "brings": "Panic on the tram to work, since the spring.",
    "tried": "Breathing exercises; they help a little.",
    "change": "Taking the tram again without dread.",
    "questions": "How long is a session?",
    "safety": "Nothing to add.",
}
PRACTICE = "Harbour Lane Therapy"  # the demo site's PRACTICE_NAME


@pytest.fixture
def page(stack, browser_context):
    """The demo page with the chat open, the real bot behind it; no CSP violation allowed."""
    widget = open_widget_page(browser_context, stack.ports["web"])
    widget.open()
    yield widget.page
    assert widget.csp_violations == []


def open_notes(page):
    if not page.locator("#lantern-panel").is_visible():
        page.locator(".lantern-launcher").click()
    page.get_by_role("button", name="My notes", exact=True).click()
    expect(page.get_by_role("region", name="My notes", exact=True)).to_be_visible()
    expect(page.locator(".lantern-session-about")).to_be_visible()  # its words have come


def keep_notes(page):
    page.get_by_role("switch", name="Keep my notes on this device").check()


def stored_notes(page):
    saved = page.evaluate("() => localStorage.getItem('lantern-notes')")
    return json.loads(saved) if saved else None


def write_session_note(page, answers=ANSWERS):
    """Answer each question in turn (Next), as a visitor would, ending with Finish."""
    for number, (key, question) in enumerate(zip(answers, QUESTIONS, strict=True), start=1):
        expect(page.locator(".lantern-session-progress")).to_have_text(f"Question {number} of 5")
        page.get_by_label(question).fill(answers[key])
        last = number == len(QUESTIONS)
        page.get_by_role("button", name="Finish" if last else "Next", exact=True).click()
    expect(page.locator(".lantern-session-summary")).to_be_visible()


def downloaded(page, click):
    with page.expect_download() as info:
        click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def stub_print(page):
    """window.print() counts its calls instead of opening the dialog (afterprint never comes)."""
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")


def test_the_note_step_by_step_is_kept_printed_and_saved_as_a_file(page):
    open_notes(page)
    keep_notes(page)
    first = page.get_by_label(QUESTIONS[0])
    expect(page.locator(".lantern-session-hint")).to_have_text(WORDS["questions"][0]["hint"])
    expect(page.get_by_role("button", name="Back")).to_be_disabled()
    first.fill(ANSWERS["brings"])
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label(QUESTIONS[1])).to_be_focused()
    page.get_by_role("button", name="Back").click()  # the answer is still there
    expect(page.get_by_label(QUESTIONS[0])).to_have_value(ANSWERS["brings"])
    page.get_by_role("button", name="Next").click()
    page.get_by_label(QUESTIONS[1]).fill("draft")
    page.reload()  # a visitor who leaves mid-way loses nothing they typed
    open_notes(page)
    note = stored_notes(page)["sessionNote"]
    assert note["brings"] == ANSWERS["brings"] and note["tried"] == "draft" and note["updated"]

    page.get_by_role("button", name="Change my answers").click()
    write_session_note(page)
    summary = page.locator(".lantern-session-summary")
    for question, answer in zip(QUESTIONS, ANSWERS.values(), strict=True):
        expect(summary).to_contain_text(question)
        expect(summary).to_contain_text(answer)
    assert {k: v for k, v in stored_notes(page)["sessionNote"].items() if k != "updated"} == ANSWERS

    # Print: only the note shows on paper, the page and the chat do not.
    stub_print(page)
    page.get_by_role("button", name="Print my note").click()
    assert page.evaluate("() => window.printed") == 1
    page.emulate_media(media="print")
    printed = page.locator("#lantern-print")
    expect(printed).to_be_visible()
    expect(printed.locator("h1")).to_have_text(WORDS["title"])
    expect(printed).to_contain_text(QUESTIONS[0])
    expect(printed).to_contain_text(ANSWERS["change"])
    expect(page.locator("#lantern")).to_be_hidden()
    visible = page.evaluate(
        "() => [...document.body.children].filter(e => e.checkVisibility()).map(e => e.id)"
    )
    assert visible == ["lantern-print"]
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    expect(page.locator("#lantern-print")).to_have_count(0)
    page.emulate_media(media="screen")
    expect(page.get_by_role("region", name="My notes")).to_be_visible()

    # Save as a file: Markdown, the questions as headings.
    name, content = downloaded(
        page, lambda: summary.get_by_role("button", name="Download as text").click()
    )
    text = content.decode("utf-8")
    assert name == "first-session-note.md"
    assert text.startswith(f"# {WORDS['title']}\n")
    for question, answer in zip(QUESTIONS, ANSWERS.values(), strict=True):
        assert f"## {question}\n\n{answer}\n" in text


def test_a_worrying_safety_answer_shows_crisis_help_and_the_direct_question(page):
    sent_to_rasa = []
    page.on("request", lambda r: sent_to_rasa.append(r.url) if "/webhooks/" in r.url else None)
    open_notes(page)
    write_session_note(page, {**ANSWERS, "safety": "I'm going to kill myself tonight"})

    help_box = page.get_by_role("group", name="Help after your entry")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Are you thinking about suicide or about hurting yourself?")
    expect(help_box.locator('a[href="tel:911"]')).to_be_visible()  # the demo site's region
    expect(page.locator(".lantern-notes-question")).to_be_focused()
    assert sent_to_rasa == []  # screened by /notes/screen only, never sent to the chat
    assert serious_violations(page) == []


def ask_for_an_appointment(page, widget_send):
    """The referral form in the chat, typed as a visitor would, up to its reference."""
    widget_send("I'd like to see a therapist please")
    widget_send("I've been anxious and panicky for months")
    widget_send("face to face")
    widget_send("Leeds")
    widget_send("weekday evenings")
    choose(page, "Let the team match me")
    choose(page, "Skip")
    widget_send("sam.k@example.org")
    widget_send("yes")
    reply = page.locator(".lantern-message--bot", has_text="Your reference is").last
    expect(reply).to_be_visible()
    return re.search(r"LT-[A-Z0-9]{4}-[A-Z0-9]{4}", reply.inner_text())[0]


def choose(page, title):
    answered = page.locator(".lantern-message--bot").count()
    page.locator(".lantern-choice:enabled", has_text=re.compile(f"^{title}$")).last.click()
    expect(page.locator(".lantern-message--bot").nth(answered)).to_be_visible()
    expect(page.locator(".lantern-typing")).to_be_hidden()


def send_in_chat(page):
    def send(text):
        answered = page.locator(".lantern-message--bot, .lantern-message--error").count()
        page.locator("#lantern-input").fill(text)
        page.locator("#lantern-input").press("Enter")
        replies = page.locator(".lantern-message--bot, .lantern-message--error")
        expect(replies.nth(answered)).to_be_visible()
        expect(page.locator(".lantern-typing")).to_be_hidden()

    return send


def stored_note(stack, reference):
    """The note in the outbox, as the database holds it, and decrypted with the stack's key."""
    key = (stack.var_dir / KEY_FILE_NAME).read_text().strip()
    with sqlite3.connect(stack.var_dir / "web.db") as db:
        rows = db.execute(
            "SELECT n.text, n.consent_text FROM referral_referralnote n"
            " JOIN referral_referral r ON r.id = n.referral_id WHERE r.reference = ?",
            (reference,),
        ).fetchall()
    [(raw, consent_text)] = rows
    return raw, Fernet(key).decrypt(raw.encode()).decode(), consent_text


def test_the_note_is_sent_with_an_appointment_request_only_with_consent(page, stack):
    open_notes(page)
    keep_notes(page)
    write_session_note(page)
    send_box = page.locator(".lantern-session-send")
    expect(send_box).to_have_text(WORDS["send"]["no_request"])  # no request yet
    expect(send_box.get_by_role("button")).to_have_count(0)
    page.get_by_role("button", name="Close my notes").click()

    reference = ask_for_an_appointment(page, send_in_chat(page))

    open_notes(page)
    consent_words = WORDS["send"]["consent"].replace("{practice}", PRACTICE)
    consent = page.get_by_label(consent_words)
    expect(consent).not_to_be_checked()
    send = page.get_by_role("button", name=WORDS["send"]["button"])
    send.click()  # without consent: nothing is sent
    outcome = page.locator(".lantern-session-sent")
    expect(outcome).to_contain_text("Tick the box")
    expect(consent).to_be_focused()
    with pytest.raises(ValueError):
        stored_note(stack, reference)
    assert serious_violations(page) == []

    consent.check()
    send.click()
    expect(outcome).to_have_text(f"{WORDS['send']['sent']} ({reference})")
    expect(consent).not_to_be_checked()  # sending again asks again

    raw, text, consent_text = stored_note(stack, reference)
    assert "tram" not in raw  # encrypted at rest
    assert text.startswith(f"{QUESTIONS[0]}\n{ANSWERS['brings']}")
    assert ANSWERS["safety"] in text
    assert consent_text == consent_words  # the exact words beside the box

    console = stack.console_session("nora", "correct horse battery staple")
    referrals = console.get(stack.url("web", "/console/referrals/"), timeout=30).text
    row = referrals[referrals.index(reference) :].split("</tr>")[0]
    assert "First-session note" in row and "Panic on the tram to work" in row


def test_notes_saved_before_these_parts_existed_still_open(page):
    page.evaluate(
        """() => localStorage.setItem('lantern-notes', JSON.stringify({keep: true, entries: [
             {id: 'a1', time: '2026-01-05T10:00:00.000Z', title: 'Free entry', prompt: '',
              text: 'An old entry'}]}))"""
    )
    page.reload()
    open_notes(page)
    expect(page.locator(".lantern-notes-entry")).to_contain_text("An old entry")
    expect(page.locator(".lantern-session-progress")).to_have_text("Question 1 of 5")


SAVED_NOTES = {
    "keep": True,
    "entries": [
        {
            "id": "e1",
            "time": "2026-03-02T09:00:00.000Z",
            "title": "Gratitude",
            "prompt": "What went well today?",
            "text": "Lunch with Jo.\nA walk in the sun.",
        }
    ],
    "checkins": [
        {
            "id": "c1",
            "date": "2026-03-02",
            "time": "2026-03-02T09:05:00.000Z",
            "mood": 6,
            "words": "tired but hopeful",
            "phq2": 2,
            "gad2": None,
        }
    ],
    "sessionNote": {**ANSWERS, "updated": "2026-03-02T09:10:00.000Z"},
}


def unfolded(calendar: str) -> list[str]:
    """RFC 5545's content lines: a CRLF followed by a space continues the line before."""
    return calendar.replace("\r\n ", "").split("\r\n")


def test_everything_exports_as_a_page_markdown_json_and_a_daily_reminder(page):
    page.evaluate(
        "notes => localStorage.setItem('lantern-notes', JSON.stringify(notes))", SAVED_NOTES
    )
    page.reload()
    open_notes(page)
    expect(page.locator(".lantern-session-summary")).to_be_visible()  # a note is there
    export = page.get_by_role("region", name="Print or save everything")

    stub_print(page)
    export.get_by_role("button", name="Print all my notes").click()
    page.emulate_media(media="print")
    printed = page.locator("#lantern-print")
    for text in ("Lunch with Jo.", "What went well today?", "mood 6 of 10", "tired but hopeful"):
        expect(printed).to_contain_text(text)
    expect(printed).to_contain_text(ANSWERS["brings"])
    expect(page.locator("#lantern")).to_be_hidden()
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")

    name, content = downloaded(page, export.get_by_role("button", name="Save as Markdown").click)
    markdown = content.decode("utf-8")
    assert name == "my-notes.md" and markdown.startswith("# My notes\n")
    assert f"## {WORDS['title']}" in markdown and f"### {QUESTIONS[0]}" in markdown
    assert "## Check-ins" in markdown and "mood 6 of 10 · PHQ-2 score 2 of 6" in markdown
    assert (
        "> What went well today?" in markdown and "Lunch with Jo.\nA walk in the sun." in markdown
    )

    name, content = downloaded(page, export.get_by_role("button", name="Save as JSON").click)
    exported = json.loads(content)
    assert name == "my-notes.json" and exported["format"] == "lantern-notes"
    assert exported["entries"] == SAVED_NOTES["entries"]
    assert exported["checkins"] == SAVED_NOTES["checkins"]
    assert exported["sessionNote"] == SAVED_NOTES["sessionNote"]

    page.get_by_label("Remind me to check in every day at").fill("07:30")
    name, content = downloaded(page, export.get_by_role("button", name="Save the reminder").click)
    assert name == "lantern-check-in.ics"
    check_reminder(content, "0730")


def check_reminder(content: bytes, hhmm: str) -> None:
    """The calendar file, read back by RFC 5545's rules, line by line."""
    calendar = content.decode("utf-8")
    assert calendar.endswith("\r\n") and "\n" not in calendar.replace("\r\n", "")  # CRLF only
    physical = calendar.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical), physical
    assert any(line.startswith(" ") for line in physical)  # the description was folded
    lines = unfolded(calendar)[:-1]
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    names = [line.split(":", 1)[0] for line in lines]
    assert names.count("BEGIN") == 3 and names.count("END") == 3  # calendar, event, alarm
    event_at, alarm_at = lines.index("BEGIN:VEVENT"), lines.index("BEGIN:VALARM")
    alarm_end, event_end = lines.index("END:VALARM"), lines.index("END:VEVENT")
    assert event_at < alarm_at < alarm_end < event_end
    event = dict(line.split(":", 1) for line in lines[event_at + 1 : alarm_at])
    alarm = dict(line.split(":", 1) for line in lines[alarm_at + 1 : alarm_end])
    calendar_fields = dict(line.split(":", 1) for line in lines[1:event_at])
    assert calendar_fields["PRODID"] and re.fullmatch(r"[0-9a-f]{32}@lantern", event["UID"])
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
    assert re.fullmatch(rf"\d{{8}}T{hhmm}00", event["DTSTART"])  # floating: no Z, no TZID
    assert event["RRULE"] == "FREQ=DAILY"
    assert (alarm["ACTION"], alarm["TRIGGER"]) == ("DISPLAY", "PT0M")
    summary = WORDS["reminder"]["summary"]
    assert event["SUMMARY"] == summary and alarm["DESCRIPTION"] == summary
    expected = WORDS["reminder"]["description"].replace("{practice}", PRACTICE)
    assert event["DESCRIPTION"] == expected.replace(",", "\\,").replace(";", "\\;")
    assert "\\," in event["DESCRIPTION"] and "\\;" in event["DESCRIPTION"]  # escaped TEXT
    for answer in [*ANSWERS.values(), "Lunch with Jo", "tired but hopeful"]:
        assert answer not in calendar  # nothing the visitor wrote


def test_a_reminder_with_long_non_ascii_words_folds_between_characters(browser_context, stack):
    """A practice named in Welsh and Greek: folding counts octets and never splits a character."""
    practice = "Canolfan Therapi Cwtch – Ψυχοθεραπεία, Caerdydd; Ŵyn ŷd ŵy ✓ " * 2
    site = f"http://localhost:{stack.ports['web']}/"

    def renamed(route):
        page_html = (
            route.fetch()
            .text()
            .replace(f'data-practice="{PRACTICE}"', f'data-practice="{practice}"')
        )
        route.fulfill(body=page_html, content_type="text/html; charset=utf-8")

    widget = Widget(browser_context.new_page(), site)
    page = widget.page
    page.route(site, renamed)
    page.goto(site)
    open_notes(page)
    export = page.get_by_role("region", name="Print or save everything")
    _, content = downloaded(page, export.get_by_role("button", name="Save the reminder").click)
    physical = content.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    assert [line.decode("utf-8") for line in physical]  # each line whole UTF-8 characters
    description = next(
        line.split(":", 1)[1]
        for line in unfolded(content.decode("utf-8"))
        if line.startswith("DESCRIPTION:A minute")
    )
    assert "Ψυχοθεραπεία\\, Caerdydd\\; Ŵyn" in description
    assert widget.csp_violations == []


def test_a_written_record_from_the_chat_is_saved_to_my_notes(browser_context, stack):
    """A safety plan as the bot sends it (action_write_up_exercise's download), with keeping on."""
    plan = "My safety plan\nWarning signs: not sleeping\nPeople to call: Jo"
    reply = [{"custom": {"download": {"filename": "safety_plan.txt", "title": "Safety plan",
                                      "text": plan}}}]  # fmt: skip
    widget = open_widget_page(browser_context, stack.ports["web"])
    page = widget.page
    page.route(
        "**/webhooks/rest/webhook",
        lambda route: route.fulfill(content_type="application/json", body=json.dumps(reply)),
    )
    page.locator(".lantern-launcher").click()
    save = page.get_by_role("button", name="Save to My notes")
    save.click()  # keeping is off: it says how
    expect(page.locator(".lantern-status")).to_contain_text("Turn on Keep my notes")
    assert stored_notes(page) is None

    open_notes(page)
    keep_notes(page)
    page.get_by_role("button", name="Close my notes").click()
    save.click()
    expect(page.locator(".lantern-status")).to_have_text("Safety plan was saved to My notes.")
    save.click()
    expect(page.locator(".lantern-status")).to_have_text("Safety plan is already in My notes.")
    [entry] = stored_notes(page)["entries"]
    assert (entry["title"], entry["text"]) == ("Safety plan", plan)
    open_notes(page)
    expect(page.locator(".lantern-notes-entry")).to_contain_text("Safety plan")
    assert widget.csp_violations == []


def test_quick_exit_and_turning_keeping_off_clear_the_note(page):
    page.route(EXIT_URL + "**", lambda route: route.fulfill(body="<h1>Search</h1>"))
    open_notes(page)
    keep_notes(page)
    write_session_note(page)
    assert stored_notes(page)["sessionNote"]["brings"] == ANSWERS["brings"]

    page.get_by_role("switch", name="Keep my notes on this device").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Stop and delete").click()
    assert stored_notes(page) is None
    expect(page.locator(".lantern-session-progress")).to_have_text("Question 1 of 5")

    keep_notes(page)
    write_session_note(page)
    page.locator(".lantern-panel .lantern-exit-button").click()
    expect(page).to_have_url(EXIT_URL)
    assert stored_notes(page) is None


def test_a_note_not_kept_is_gone_when_my_notes_closes(page):
    open_notes(page)
    write_session_note(page)
    assert stored_notes(page) is None  # keeping is off: in this page's memory only
    page.get_by_role("button", name="Close my notes").click()
    open_notes(page)
    expect(page.locator(".lantern-session-progress")).to_have_text("Question 1 of 5")
    expect(page.get_by_label(QUESTIONS[0])).to_have_value("")


def test_no_serious_accessibility_violations_in_the_note_and_the_export(page):
    open_notes(page)
    keep_notes(page)
    page.get_by_label(QUESTIONS[0]).fill(ANSWERS["brings"])
    assert serious_violations(page) == []  # a step of the note, and the export
    write_session_note(page)
    assert serious_violations(page) == []  # the answers, the file and the request's place
