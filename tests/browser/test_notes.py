"""My notes: the private journal in the widget, in real Chromium against the web process.

The notes never reach Rasa, so the web process alone runs (one stack for the module).
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_widget_page
from tests.browser.widget import serious_violations
from tests.support.stack import PROJECT_DIR

pytestmark = pytest.mark.browser

EXIT_URL = "https://www.google.com/"  # QUICK_EXIT_URL's default
SCREENSHOTS = PROJECT_DIR / "var" / "screenshots"
STRICT_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
]


@pytest.fixture
def notes_widget(web_only, browser_context):
    """The demo page, the chat open (the bot is down), My notes open; no CSP violation allowed."""
    widget = open_widget_page(browser_context, web_only.ports["web"])
    open_notes(widget)
    yield widget
    assert widget.csp_violations == []


def open_notes(widget):
    page = widget.page
    if not page.locator("#lantern-panel").is_visible():
        page.locator(".lantern-launcher").click()
    page.get_by_role("button", name="My notes").click()
    expect(page.get_by_role("region", name="My notes")).to_be_visible()


def stored_notes(page):
    return page.evaluate("() => localStorage.getItem('lantern-notes')")


def write_entry(page, text, group=None):
    if group:
        page.get_by_label("Kind of entry").select_option(label=group)
    page.get_by_label("Your entry").fill(text)
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator(".lantern-notes-result")).to_contain_text("Your entry is saved")


def test_keeping_is_off_by_default_and_nothing_is_stored(notes_widget):
    page = notes_widget.page
    keep = page.get_by_role("switch", name="Keep my notes on this device")
    expect(keep).not_to_be_checked()
    expect(page.locator(".lantern-notes-keeping")).to_contain_text("Nothing is kept")

    write_entry(page, "A calm walk by the river after work.")

    expect(page.locator(".lantern-notes-entry")).to_have_count(1)
    assert stored_notes(page) is None
    assert page.evaluate("() => localStorage.length") == 0
    page.keyboard.press("Escape")  # closes My notes, and focus goes back to its button
    expect(page.get_by_role("region", name="My notes")).to_be_hidden()
    expect(page.get_by_role("button", name="My notes")).to_be_focused()
    page.wait_for_timeout(900)  # not a double Escape (quick exit)
    open_notes(notes_widget)
    expect(page.locator(".lantern-notes-entry")).to_have_count(0)  # not kept


def test_a_kept_entry_is_found_after_a_reload_and_turning_off_deletes_it(notes_widget):
    page = notes_widget.page
    page.get_by_role("switch", name="Keep my notes on this device").check()
    write_entry(page, "Someone held the door for me.\nIt was a small thing.", group="Gratitude")
    expect(page.locator(".lantern-journal-source")).to_contain_text("Source:")
    assert "Someone held the door" in stored_notes(page)

    page.reload()
    open_notes(notes_widget)
    entry = page.locator(".lantern-notes-entry")
    expect(entry).to_have_count(1)
    expect(entry.locator(".lantern-notes-open")).to_contain_text("Gratitude")
    expect(entry.locator(".lantern-notes-open")).to_contain_text("Someone held the door for me.")
    entry.locator(".lantern-notes-open").click()
    expect(page.locator(".lantern-notes-viewer .lantern-notes-text")).to_contain_text(
        "It was a small thing."
    )

    keep = page.get_by_role("switch", name="Keep my notes on this device")
    keep.click()  # asks first: it stays on until confirmed
    expect(keep).to_be_checked()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Stop keeping notes")
    dialog.get_by_role("button", name="Keep them").click()
    assert "Someone held the door" in stored_notes(page)
    keep.click()
    page.get_by_role("alertdialog").get_by_role("button", name="Stop and delete").click()

    expect(page.get_by_role("switch", name="Keep my notes on this device")).not_to_be_checked()
    expect(page.locator(".lantern-notes-entry")).to_have_count(0)
    assert stored_notes(page) is None


def test_deleting_one_entry_and_all_notes(notes_widget):
    page = notes_widget.page
    page.get_by_role("switch", name="Keep my notes on this device").check()
    write_entry(page, "First entry")
    write_entry(page, "Second entry")
    expect(page.locator(".lantern-notes-entry")).to_have_count(2)

    page.locator(".lantern-notes-entry", has_text="First entry").get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.locator(".lantern-notes-entry")).to_have_count(1)
    assert "First entry" not in stored_notes(page)

    page.get_by_role("button", name="Delete my notes").click()
    expect(page.locator(".lantern-notes-entry")).to_have_count(0)
    assert stored_notes(page) is None


def test_a_flagged_entry_shows_crisis_help_and_the_direct_question(notes_widget):
    page = notes_widget.page
    sent_to_rasa = []
    page.on("request", lambda r: sent_to_rasa.append(r.url) if "/webhooks/" in r.url else None)

    write_entry(page, "I'm going to kill myself tonight")

    help_box = page.get_by_role("group", name="Help after your entry")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Are you thinking about suicide or about hurting yourself?")
    expect(help_box.locator('a[href^="tel:"]').first).to_be_visible()
    expect(help_box.locator('a[href="tel:911"]')).to_be_visible()  # the demo site's region: US
    assert sent_to_rasa == []  # the entry went to /notes/screen only

    help_box.get_by_role("button", name="Talk about it in the chat").click()
    expect(page.get_by_role("region", name="My notes")).to_be_hidden()
    expect(page.locator("#lantern-input")).to_be_focused()


def test_an_entry_is_saved_when_it_cannot_be_checked(notes_widget):
    page = notes_widget.page
    page.route("**/notes/screen", lambda route: route.abort())
    page.get_by_role("switch", name="Keep my notes on this device").check()

    write_entry(page, "A day with ups and downs.")

    expect(page.locator(".lantern-notes-result")).to_contain_text("could not be checked")
    assert "A day with ups and downs." in stored_notes(page)


def test_quick_exit_clears_the_notes(notes_widget):
    page = notes_widget.page
    page.route(EXIT_URL + "**", lambda route: route.fulfill(body="<h1>Search</h1>"))
    page.get_by_role("switch", name="Keep my notes on this device").check()
    write_entry(page, "Something private")
    assert stored_notes(page) is not None

    page.locator(".lantern-panel .lantern-exit-button").click()

    expect(page).to_have_url(EXIT_URL)
    page.goto(notes_widget.site_url)
    assert stored_notes(page) is None


def test_no_serious_accessibility_violations_with_my_notes_open(notes_widget):
    page = notes_widget.page
    page.get_by_role("switch", name="Keep my notes on this device").check()
    page.get_by_label("Kind of entry").select_option(label="Thought record")
    assert serious_violations(page) == []
    write_entry(page, "I'm going to kill myself tonight")
    expect(page.get_by_role("group", name="Help after your entry")).to_be_visible()
    page.locator(".lantern-notes-open").first.click()
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "my-notes.png", full_page=True)


def test_deleting_the_conversation_deletes_the_notes(notes_widget):
    page = notes_widget.page
    page.get_by_role("switch", name="Keep my notes on this device").check()
    write_entry(page, "Something private")
    page.get_by_role("button", name="Close my notes").click()
    expect(page.get_by_role("button", name="My notes")).to_be_focused()

    page.get_by_role("button", name="Options").click()
    page.get_by_role("button", name="Delete my conversation").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Your notes on this device are deleted too")
    dialog.get_by_role("button", name="Delete it").click()

    expect(page.locator(".lantern-status")).not_to_have_text("")
    assert stored_notes(page) is None


def test_the_pages_policy_stays_strict(web_only, browser_context):
    page = browser_context.new_page()
    response = page.goto(f"http://localhost:{web_only.ports['web']}/")
    policy = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    assert [part for part in policy if not part.startswith("connect-src")] == STRICT_POLICY
    connect = next(part for part in policy if part.startswith("connect-src"))
    assert connect.startswith("connect-src 'self'") and "*" not in connect
