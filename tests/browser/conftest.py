"""Debian's Chromium, driven by Playwright, against the real processes (no browser download)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.widget import CHROMIUM, DESKTOP, Widget
from tests.support.stack import Stack

# Rasa answers in well under a second once warm; the first turns can take longer.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def context_options():
    return {"viewport": DESKTOP}


@pytest.fixture
def browser_context(chromium, context_options):
    context = chromium.new_context(**context_options)
    yield context
    context.close()


def open_widget_page(browser_context, web_port):
    widget = Widget(browser_context.new_page(), f"http://localhost:{web_port}/")
    widget.load()
    return widget


@pytest.fixture
def widget(stack, browser_context):
    """The demo site with the widget, talking to the running stack; no CSP violation allowed."""
    widget = open_widget_page(browser_context, stack.ports["web"])
    yield widget
    assert widget.csp_violations == []


@pytest.fixture(scope="module")
def web_only(tmp_path_factory):
    """The web process alone: the Rasa server is not running."""
    with Stack(tmp_path_factory.mktemp("web-only-var"), names=("web",)) as running:
        yield running
