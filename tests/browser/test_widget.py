"""The chat widget as visitors use it, in real Chromium against the running processes."""

import json
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_widget_page
from tests.browser.widget import PHONE, ZOOM_200, Widget, serious_violations
from tests.support.stack import PROJECT_DIR

pytestmark = pytest.mark.browser

SCREENSHOTS = PROJECT_DIR / "var" / "screenshots"
EXIT_URL = "https://www.google.com/"  # QUICK_EXIT_URL's default


def tracker_rows(stack, conversation_id):
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        query = "SELECT count(*) FROM events WHERE sender_id = ?"
        return db.execute(query, [conversation_id]).fetchone()[0]


def audit_entries(stack, conversation_id):
    with sqlite3.connect(stack.var_dir / "web.db") as db:
        query = "SELECT action, detail FROM web_auditevent WHERE target = ?"
        return db.execute(query, [conversation_id]).fetchall()


def test_greets_as_an_ai_and_answers_a_message(widget):
    widget.open()
    expect(widget.page.locator(".lantern-disclosure")).to_contain_text("AI self-help assistant")
    expect(widget.bot_messages.first).to_contain_text("not a person")

    widget.send("what is a panic attack?")

    expect(widget.user_messages.last).to_contain_text("what is a panic attack?")
    expect(widget.bot_messages.last).to_contain_text("panic")
    expect(widget.page.locator(".lantern-message--user time").last).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d\d-\d\dT")
    )


def test_quick_reply_buttons_send_their_payload_and_show_their_title(widget):
    widget.open()
    widget.choose("Try a coping skill")

    expect(widget.user_messages.last.locator(".lantern-text")).to_have_text("Try a coping skill")
    expect(widget.bot_messages.last.locator(".lantern-choice").first).to_be_enabled()
    # The greeting's buttons are spent once the visitor has answered.
    expect(widget.bot_messages.first.locator(".lantern-choice").first).to_be_disabled()


def test_a_topics_sources_are_links(widget):
    widget.open()
    widget.send("what is anxiety")
    widget.choose("When to get help")

    links = widget.page.locator(".lantern-links a")
    expect(links.first).to_be_visible()
    hrefs = links.evaluate_all("links => links.map(a => a.href)")
    assert hrefs and all(href.startswith("https://") for href in hrefs), hrefs
    assert links.first.get_attribute("rel") == "noopener noreferrer"


def test_crisis_message_shows_the_card_with_tap_to_call_links(widget):
    widget.open()
    widget.send("I want to kill myself")

    card = widget.page.locator(".lantern-crisis").last
    expect(card).to_be_visible()
    expect(card.locator('a[href="tel:911"]')).to_be_visible()  # the demo site's region: us
    expect(card.locator('a[href="tel:988"]').first).to_be_visible()  # 988, and veterans: 988 then 1
    expect(card.locator('a[href="sms:741741?body=HOME"]')).to_be_visible()  # Crisis Text Line
    expect(card.locator(".lantern-service-about").first).to_have_text("For anyone · 24/7")
    hrefs = card.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert all(href.startswith(("tel:", "sms:", "https:")) for href in hrefs), hrefs


def test_a_visitor_who_goes_quiet_after_a_crisis_reply_is_checked_on_once(stack, browser_context):
    page = browser_context.new_page()
    page.clock.install()  # time runs as usual until the test moves it on
    widget = Widget(page, f"http://localhost:{stack.ports['web']}/")
    widget.load()
    widget.open()
    widget.send("I've taken all my pills")
    expect(widget.page.locator(".lantern-crisis").last).to_be_visible()
    said = widget.bot_messages.count()

    page.clock.fast_forward("03:05")  # three minutes without a word
    expect(widget.bot_messages.nth(said)).to_contain_text("safe right now")
    expect(widget.user_messages).to_have_count(1)  # the check-in is not shown as theirs
    checked_in = widget.bot_messages.count()
    page.clock.fast_forward("10:00")
    page.wait_for_timeout(500)
    expect(widget.bot_messages).to_have_count(checked_in)  # once, not every few minutes


def test_conversation_survives_a_page_load_and_clear_starts_afresh(widget):
    widget.open()
    widget.send("what is therapy?")
    first_id = widget.conversation_id()

    widget.page.reload()
    expect(widget.user_messages).to_have_count(1)
    expect(widget.panel).to_be_visible()
    assert widget.conversation_id() == first_id

    widget.page.get_by_role("button", name="Options").click()
    widget.page.get_by_role("button", name="Clear conversation (this device only)").click()
    expect(widget.user_messages).to_have_count(0)
    expect(widget.page.locator(".lantern-status")).to_contain_text("Cleared")
    assert widget.conversation_id() != first_id


@pytest.mark.parametrize("how", ["button", "escape twice"])
def test_quick_exit_clears_the_chat_and_leaves_for_a_neutral_site(widget, how):
    page = widget.page
    page.route(EXIT_URL + "**", lambda route: route.fulfill(body="<h1>Search</h1>"))
    widget.open()
    widget.send("he hits me when he drinks")

    if how == "button":
        page.locator(".lantern-panel .lantern-exit-button").click()
    else:
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")

    expect(page).to_have_url(EXIT_URL)
    page.goto(widget.site_url)
    assert page.evaluate("() => sessionStorage.getItem('lantern')") is None
    expect(page.locator(".lantern-message")).to_have_count(0)


def test_help_now_and_a_clear_message_when_the_bot_cannot_be_reached(web_only, browser_context):
    widget = open_widget_page(browser_context, web_only.ports["web"])
    page = widget.page

    page.locator(".lantern-dock .lantern-help-button").click()
    help_panel = page.locator(".lantern-help")
    expect(help_panel).to_be_visible()
    expect(help_panel.locator('a[href="tel:911"]')).to_be_visible()
    expect(help_panel.locator('a[href="tel:988"]').first).to_be_visible()
    trevor = help_panel.locator("li", has_text="The Trevor Project")
    expect(trevor.locator(".lantern-audience")).to_have_text("For LGBTQ+ young people under 25")
    expect(trevor.locator(".lantern-hours")).to_have_text("24/7")
    expect(trevor.locator('a[href="sms:678678?body=START"]')).to_have_text("Text START to 678678")

    page.get_by_label("Where you are").select_option("uk")
    expect(help_panel.locator('a[href="tel:999"]')).to_be_visible()
    expect(help_panel.locator('a[href="tel:116123"]')).to_be_visible()

    error = page.locator(".lantern-message--error").first  # the greeting could not be fetched
    expect(error).to_contain_text("can't be reached")
    expect(error.locator('a[href^="tel:"]').first).to_be_visible()
    assert widget.csp_violations == []


HOSTILE = [
    "<script>window.pwned = 1</script>",
    '<img src="x" onerror="window.pwned = 1">',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_visitor_text_is_shown_as_text(widget, text):
    widget.open()
    widget.send(text)

    expect(widget.user_messages.last.locator(".lantern-text")).to_have_text(text)
    assert widget.page.locator("#lantern img, #lantern script").count() == 0
    assert widget.page.evaluate("() => window.pwned") is None


def test_hostile_bot_replies_are_shown_as_text_and_unsafe_links_dropped(widget):
    """Whatever comes back from the bot (or anyone in between) cannot run or link to script."""
    replies = [
        {
            "text": HOSTILE[1],
            "buttons": [{"title": "<b>bold</b>", "payload": "/greet"}],
            "custom": {
                "crisis": {
                    "level": "high",
                    "region": "us",
                    "resources": [
                        {"name": "<i>x</i>", "phone": "javascript:alert(1)", "url": "javascript:x"},
                        {"name": "Plain web", "url": "http://example.org/"},
                    ],
                },
                "download": {"filename": "../../evil.sh", "text": "<script>x</script>"},
            },
        }
    ]
    widget.page.route(
        "**/webhooks/rest/webhook",
        lambda route: route.fulfill(content_type="application/json", body=json.dumps(replies)),
    )
    widget.page.locator(".lantern-launcher").click()

    message = widget.bot_messages.first
    expect(message.locator(".lantern-text")).to_have_text(HOSTILE[1])
    expect(message.locator(".lantern-choice")).to_have_text("<b>bold</b>")
    expect(message.locator(".lantern-crisis")).to_contain_text("<i>x</i>")
    expect(message.locator(".lantern-crisis")).to_contain_text("Call javascript:alert(1)")
    hrefs = message.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(href.startswith(("tel:", "sms:", "https:")) for href in hrefs), hrefs
    assert not any("javascript" in href or "http:" in href for href in hrefs), hrefs
    assert widget.page.locator("#lantern img, #lantern script, #lantern b, #lantern i").count() == 0
    assert widget.page.evaluate("() => window.pwned") is None


def test_keyboard_only_walkthrough(widget):
    page = widget.page
    for _ in range(40):  # the site's own links come first
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('lantern-launcher')"):
            break
    else:
        pytest.fail("Tab never reached the chat launcher")
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"

    page.keyboard.press("Enter")
    expect(page.locator("#lantern-input")).to_be_focused()
    expect(widget.bot_messages.first).to_contain_text("AI")

    page.keyboard.type("how do I sleep better")
    answered = widget.bot_messages.count()
    page.keyboard.press("Enter")
    widget.wait_for_answer(answered)

    for _ in range(10):  # back up from the text box to the newest suggested reply
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.classList.contains('lantern-choice')"):
            break
    else:
        pytest.fail("Shift+Tab never reached a suggested reply")
    chosen = page.evaluate("() => document.activeElement.textContent")
    answered = widget.bot_messages.count()
    page.keyboard.press("Enter")
    widget.wait_for_answer(answered)
    expect(widget.user_messages.last).to_contain_text(chosen)

    page.locator(".lantern-header .lantern-help-button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#lantern-help-title")).to_be_focused()
    expect(page.locator(".lantern-help a[href^='tel:']").first).to_be_visible()

    page.locator(".lantern-close").focus()
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_hidden()
    expect(page.locator(".lantern-launcher")).to_be_focused()


def test_visitor_deletes_the_conversation_from_the_tracker_store(stack, widget):
    widget.open()
    widget.send("I've been feeling anxious at work")
    conversation_id = widget.conversation_id()
    assert tracker_rows(stack, conversation_id) > 0

    widget.page.get_by_role("button", name="Options").click()
    widget.page.get_by_role("button", name="Delete my conversation").click()
    expect(widget.page.get_by_role("alertdialog")).to_contain_text("cannot be undone")
    widget.page.get_by_role("button", name="Delete it").click()

    expect(widget.page.locator(".lantern-status")).to_have_text("Your conversation was deleted.")
    expect(widget.user_messages).to_have_count(0)
    assert tracker_rows(stack, conversation_id) == 0
    assert widget.conversation_id() != conversation_id
    [(action, detail)] = audit_entries(stack, conversation_id)
    assert action == "conversation.deleted_by_visitor"
    assert "anxious" not in detail


def box_breathing_pacer(widget):
    """Start box breathing and go to its paced step."""
    widget.open()
    widget.send("/do_box_breathing")
    widget.choose("Next")
    widget.choose("Next")
    return widget.page.locator(".lantern-pacer").last


def test_breathing_exercise_shows_an_animated_pacer(widget):
    pacer = box_breathing_pacer(widget)
    expect(pacer.locator(".lantern-pacer-label")).to_contain_text("Breathe in")
    expect(pacer.locator(".lantern-pacer-shape")).to_have_class(
        re.compile("lantern-pacer-shape--full")
    )
    duration = pacer.locator(".lantern-pacer-shape").evaluate(
        "shape => getComputedStyle(shape).transitionDuration"
    )
    assert duration == "4s"
    pacer.get_by_role("button", name="Stop the breathing guide").click()
    expect(pacer.locator(".lantern-pacer-label")).to_have_text("Stopped")


@pytest.mark.parametrize("context_options", [{"reduced_motion": "reduce"}])
def test_pacer_keeps_still_when_the_visitor_asks_for_reduced_motion(widget):
    pacer = box_breathing_pacer(widget)
    expect(pacer.locator(".lantern-pacer-label")).to_contain_text("Breathe in")
    shape = pacer.locator(".lantern-pacer-shape")
    assert shape.evaluate("s => getComputedStyle(s).transitionDuration") == "0s"
    assert shape.evaluate("s => getComputedStyle(s).transform") == "none"


def test_no_serious_accessibility_violations(widget):
    assert serious_violations(widget.page) == []  # the page with the chat closed
    widget.open()
    widget.send("I feel hopeless, what's the point")
    expect(widget.page.locator(".lantern-crisis").last).to_be_visible()
    widget.page.locator(".lantern-header .lantern-help-button").click()
    assert serious_violations(widget.page) == []
    widget.page.goto(widget.site_url + "safety")
    assert serious_violations(widget.page) == []


@pytest.mark.parametrize(
    "context_options, name",
    [({"viewport": PHONE}, "phone"), ({"viewport": ZOOM_200}, "zoom-200")],
)
def test_small_screens_and_200_percent_zoom_fit_without_sideways_scrolling(widget, name):
    widget.open()
    widget.send("I want to kill myself")
    page = widget.page
    width = page.viewport_size["width"]

    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    box = widget.panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    expect(page.locator(".lantern-send")).to_be_in_viewport()
    expect(page.locator(".lantern-header .lantern-exit-button")).to_be_in_viewport()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def test_desktop_screenshot(widget):
    widget.open()
    widget.send("I want to kill myself")
    expect(widget.page.locator(".lantern-crisis").last).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.page.screenshot(path=SCREENSHOTS / "desktop.png")
