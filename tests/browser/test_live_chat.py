"""Live chat in real Chromium: a visitor asks for a person, a responder joins from the
console (a second browser), they talk, and the conversation goes back to the bot.

One stack for the module, with staffed hours all day: the test with nobody available
comes first, before any responder has said they are available (and each responder says
they are no longer available when their test ends).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_widget_page
from tests.browser.widget import DESKTOP, serious_violations
from tests.support.stack import PROJECT_DIR, Stack

pytestmark = pytest.mark.browser

PASSWORD = "a long responder password 42"
RESPONDER = "Sam"  # no first name: the visitor sees the username
PRACTICE = "Harbour Lane Therapy"  # PRACTICE_NAME's default
EXIT_URL = "https://www.google.com/"  # QUICK_EXIT_URL's default
SOON = 10_000  # ms: a poll a second on both sides
ASK_FOR_A_PERSON = "can I talk to a real person"
SCREENSHOTS = PROJECT_DIR / "var" / "screenshots"


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory):
    """The three processes with live chat staffed every hour of every day."""
    model = PROJECT_DIR / "models" / "lantern.tar.gz"
    if not model.exists():
        pytest.fail(f"{model} is missing: run `make train` (make browser does it).")
    stack = Stack(tmp_path_factory.mktemp("live-stack-var"))
    stack.env.update({"LIVE_CHAT_HOURS": "mon-sun 00:00-24:00", "PRACTICE_TIME_ZONE": "UTC"})
    with stack as running:
        running.staff_account(RESPONDER, PASSWORD, role="responder")
        yield running


@pytest.fixture
def visitor(live_stack, chromium):
    context = chromium.new_context(viewport=DESKTOP)
    widget = open_widget_page(context, live_stack.ports["web"])
    yield widget
    context.close()
    assert widget.csp_violations == []


@pytest.fixture
def responder(live_stack, chromium):
    """The responder's console, on the live queue, available (the open page keeps them
    seen); no longer available afterwards."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    console = f"http://localhost:{live_stack.ports['web']}/console"
    page.goto(f"{console}/login/?next=/console/live/")
    page.get_by_label("Username").fill(RESPONDER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Live chat", exact=True)).to_be_visible()
    page.get_by_role("button", name="Be available for live chat").click()
    expect(page.get_by_role("button", name="Stop being available")).to_be_visible()
    yield page
    page.goto(f"{console}/live/")
    page.get_by_role("button", name="Stop being available").click()
    expect(page.get_by_role("button", name="Be available for live chat")).to_be_visible()
    context.close()


def join_from_the_queue(page):
    waiting = page.locator("table.live-queue tbody tr", has_text="waiting")
    expect(waiting).to_have_count(1, timeout=SOON)
    waiting.get_by_role("button", name="Join this chat").click()
    expect(page).to_have_url(re.compile(r"/console/live/\d+/$"))
    expect(page.locator("#live-chat-status")).to_contain_text("You are in this chat", timeout=SOON)


def type_to_the_person(widget, text):
    """Send a message while a person has the chat: the bot answers nothing ([])."""
    widget.page.locator("#lantern-input").fill(text)
    widget.page.locator("#lantern-input").press("Enter")
    expect(widget.user_messages.last).to_contain_text(text)
    expect(widget.page.locator(".lantern-typing")).to_be_hidden()


def test_nobody_available_is_said_plainly_with_no_offer(visitor):
    visitor.open()
    visitor.send(ASK_FOR_A_PERSON)

    expect(visitor.bot_messages.filter(has_text="Nobody from")).to_have_count(1)
    expect(visitor.page.locator(".lantern-live-offer")).to_have_count(0)

    visitor.page.get_by_role("button", name="Options").click()
    answered = visitor.bot_messages.count()
    visitor.page.get_by_role("button", name="Talk to a person").click()
    expect(visitor.bot_messages.nth(answered)).to_contain_text(
        f"Nobody from {PRACTICE}", timeout=SOON
    )
    expect(visitor.page.locator(".lantern-live")).to_be_hidden()
    expect(visitor.page.locator(".lantern-live-offer")).to_have_count(0)


def test_a_responder_joins_talks_sees_the_risk_flag_and_hands_back(visitor, responder):
    widget, page = visitor, visitor.page
    widget.open()
    widget.send(ASK_FOR_A_PERSON)
    offer = page.locator(".lantern-live-offer")
    expect(offer).to_have_text("Yes, ask someone to join", timeout=SOON)
    offer.click()
    live_bar = page.get_by_role("group", name="Live chat")
    expect(live_bar).to_contain_text("Waiting for someone", timeout=SOON)
    expect(live_bar.get_by_role("button", name="Leave live chat")).to_be_visible()

    join_from_the_queue(responder)
    notices = page.locator(".lantern-message--notice")
    expect(notices.last).to_contain_text(f"{RESPONDER} from {PRACTICE} has joined", timeout=SOON)
    expect(live_bar).to_contain_text(f"{RESPONDER} from {PRACTICE} (a person)")

    responder.get_by_label("Your message to the visitor").fill("Hi, I'm Sam. What's on your mind?")
    responder.locator("#live-say").get_by_role("button", name="Send").click()
    staff = page.locator(".lantern-message--staff").last
    expect(staff.locator(".lantern-text")).to_have_text(
        "Hi, I'm Sam. What's on your mind?", timeout=SOON
    )
    expect(staff.locator(".lantern-speaker")).to_have_text(f"{RESPONDER} · {PRACTICE} (a person)")
    assert serious_violations(page) == []  # the person's message, the notices, the live bar
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "live-chat.png")

    page.reload()  # the live chat carries on from where it was, nothing drawn twice
    expect(live_bar).to_contain_text(f"{RESPONDER} from {PRACTICE} (a person)")
    expect(page.locator(".lantern-message--staff")).to_have_count(1)

    transcript = responder.locator(".live-transcript")
    type_to_the_person(widget, "It has been a rough week at work")
    expect(transcript.locator("li.user .text").last).to_have_text(
        "It has been a rough week at work", timeout=SOON
    )

    crisis = "I'm going to kill myself tonight, I have the pills here"
    type_to_the_person(widget, crisis)
    card = page.locator(".lantern-crisis").last
    expect(card).to_be_visible(timeout=SOON)
    expect(card.locator('a[href^="tel:"]').first).to_be_visible()
    expect(transcript.locator("li.user .text").last).to_have_text(crisis, timeout=SOON)
    expect(transcript.locator("li.user .flag").last).to_have_text(
        re.compile(r"^Risk (high|imminent)"), timeout=SOON
    )
    # The crisis help comes in the bot's reply and is kept in the conversation: once the
    # widget has polled past it (the person's next message arrives), it is still shown once.
    responder.get_by_label("Your message to the visitor").fill("I'm here. Are you safe right now?")
    responder.locator("#live-say").get_by_role("button", name="Send").click()
    expect(page.locator(".lantern-message--staff").last.locator(".lantern-text")).to_have_text(
        "I'm here. Are you safe right now?", timeout=SOON
    )
    help_while_live = page.locator(".lantern-message", has_text="While they read your message")
    expect(help_while_live).to_have_count(1)

    responder.get_by_role("button", name="Hand back to the bot").click()
    expect(responder).to_have_url(re.compile(r"/console/live/$"))
    expect(notices.last).to_contain_text(f"{RESPONDER} has handed you back", timeout=SOON)
    expect(live_bar).to_be_hidden()

    widget.send("what is anxiety")
    expect(widget.bot_messages.last).to_contain_text(re.compile("anxiety", re.IGNORECASE))


def test_quick_exit_during_a_live_chat_closes_it(visitor, responder):
    page = visitor.page
    page.route(EXIT_URL + "**", lambda route: route.fulfill(body="<h1>Search</h1>"))
    visitor.open()
    page.get_by_role("button", name="Options").click()
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.get_by_role("group", name="Live chat")).to_be_visible(timeout=SOON)

    join_from_the_queue(responder)
    expect(page.locator(".lantern-message--notice").last).to_contain_text(
        "has joined", timeout=SOON
    )

    page.locator(".lantern-panel .lantern-exit-button").click()
    expect(page).to_have_url(EXIT_URL)
    expect(responder.locator("#live-chat-status")).to_have_text(
        "This live chat has closed.", timeout=SOON
    )
    expect(responder.locator(".live-transcript li.notice").last).to_contain_text(
        "You left the live chat", timeout=SOON
    )
