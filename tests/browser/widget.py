"""A page object for the chat widget, so tests read as what a visitor does."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
# A 1280 x 800 screen at 200% zoom shows this many CSS pixels.
ZOOM_200 = {"width": 640, "height": 400}


class Widget:
    def __init__(self, page: Page, site_url: str) -> None:
        self.page = page
        self.site_url = site_url
        self.csp_violations: list[str] = []
        page.on("console", self._watch_console)

    def _watch_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    @property
    def root(self):
        return self.page.locator("#lantern")

    @property
    def panel(self):
        return self.page.locator("#lantern-panel")

    @property
    def bot_messages(self):
        return self.page.locator(".lantern-message--bot")

    @property
    def user_messages(self):
        return self.page.locator(".lantern-message--user")

    def load(self) -> None:
        self.page.goto(self.site_url)
        expect(self.page.locator(".lantern-launcher")).to_be_visible()

    def open(self) -> None:
        """Open the chat and wait for the bot's greeting."""
        self.page.locator(".lantern-launcher").click()
        expect(self.panel).to_be_visible()
        expect(self.bot_messages.first).to_contain_text("AI")

    def send(self, text: str) -> None:
        """Type a message, send it with Enter, and wait until the bot has answered it."""
        answered = self.bot_messages.count() + self.page.locator(".lantern-message--error").count()
        self.page.locator("#lantern-input").fill(text)
        self.page.locator("#lantern-input").press("Enter")
        self.wait_for_answer(answered)

    def choose(self, title: str) -> None:
        """Press the newest quick-reply button with this title and wait for the answer."""
        answered = self.bot_messages.count()
        self.page.locator(".lantern-choice:enabled", has_text=re.compile(f"^{title}$")).last.click()
        self.wait_for_answer(answered)

    def wait_for_answer(self, answered_before: int) -> None:
        replies = self.page.locator(".lantern-message--bot, .lantern-message--error")
        expect(replies.nth(answered_before)).to_be_visible()
        expect(self.page.locator(".lantern-typing")).to_be_hidden()

    def conversation_id(self) -> str | None:
        return self.page.evaluate(
            "() => { const s = sessionStorage.getItem('lantern'); return s && JSON.parse(s).id; }"
        )


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
