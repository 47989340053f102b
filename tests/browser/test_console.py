"""The staff console in real Chromium, against the running processes: a reviewer's round."""

import secrets

import pytest
from playwright.sync_api import expect

from tests.support.chat import send

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password 42"
HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 1">'


@pytest.fixture(scope="module")
def staff_admin(stack):
    """An admin made as an operator would, with `manage.py staff_user` (make staff-user)."""
    return stack.staff_account("lead", PASSWORD)


def log_in(page, stack, username):
    page.goto(f"http://localhost:{stack.ports['web']}/console/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()


def test_a_crisis_conversation_is_reviewed_exported_and_audited(
    stack, staff_admin, browser_context
):
    conversation = secrets.token_hex(16)
    send(stack, HOSTILE, sender=conversation)
    send(stack, "I want to kill myself", sender=conversation)
    page = browser_context.new_page()
    log_in(page, stack, staff_admin)

    top = page.locator("table.queue tbody tr").first
    expect(top).to_contain_text("high")
    expect(top).to_contain_text("suicide")
    top.get_by_role("link").click()

    transcript = page.locator(".transcript")
    expect(transcript.locator(".user .text").first).to_have_text(HOSTILE)  # shown as text
    assert transcript.locator("img, script").count() == 0
    assert page.evaluate("() => window.pwned") is None
    flag = transcript.locator(".user .flag").last
    expect(flag).to_contain_text("categories: suicide")
    expect(flag).to_contain_text("rules: suicide")

    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()

    page.get_by_role("link", name="Review queue").click()
    page.get_by_label("Status").select_option("reviewed")
    page.get_by_role("button", name="Filter").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert conversation in download.value.path().read_text()

    page.get_by_role("link", name="Audit log").click()
    audit = page.locator("table tbody")
    expect(audit).to_contain_text("export.redacted")
    expect(audit).to_contain_text("review.changed")
    expect(audit).to_contain_text("conversation.viewed")
