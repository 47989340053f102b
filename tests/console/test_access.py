"""Who can reach what: login everywhere, admin-only pages, CSRF on every POST, lock-out."""

import pytest
from django.test import Client

from bot.web.models import AuditEvent
from tests import tracker_events
from tests.console.conftest import PASSWORD, logged_in

CONVERSATION = "c0ffee00c0ffee00c0ffee00c0ffee00"

# (method, url, who may use it)
URLS = [
    ("get", "/console/queue/", "reviewer"),
    ("get", f"/console/conversations/{CONVERSATION}/", "reviewer"),
    ("post", f"/console/conversations/{CONVERSATION}/review", "reviewer"),
    ("post", f"/console/conversations/{CONVERSATION}/messages/1/label", "reviewer"),
    ("get", "/console/labels/", "reviewer"),
    ("get", "/console/referrals/", "reviewer"),
    ("post", "/console/referrals/LT-AAAA-BBBB/follow-up", "reviewer"),
    ("get", "/console/export?format=csv", "reviewer"),
    ("get", "/console/reports/", "reviewer"),
    ("get", "/console/export/unredacted", "admin"),
    ("post", "/console/export/unredacted", "admin"),
    ("get", "/console/audit/", "admin"),
    ("get", "/console/quarantine/", "admin"),
    ("get", "/console/admin/", "admin"),
    ("get", "/console/admin/auth/user/", "admin"),
    # Live chat: responders and admins (a reviewer is refused like on admin pages).
    ("get", "/console/live/", "admin"),
    ("post", "/console/live/duty", "admin"),
    ("get", "/console/live/queue.json", "admin"),
    ("get", "/console/live/1/", "admin"),
    ("post", "/console/live/1/accept", "admin"),
    ("get", "/console/live/1/chat.json", "admin"),
    ("post", "/console/live/1/say", "admin"),
    ("post", "/console/live/1/hand-back", "admin"),
    ("post", "/console/live/1/end", "admin"),
]


@pytest.fixture
def conversation(events):
    tracker_events.chat(events, CONVERSATION, level="high", categories=["suicide"])


@pytest.mark.parametrize("method, url, role", URLS)
def test_every_console_url_needs_a_login(conversation, method, url, role):
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(("/console/login/", "/console/admin/login/"))


@pytest.mark.parametrize("method, url, role", [u for u in URLS if u[2] == "admin"])
def test_a_reviewer_cannot_reach_admin_pages(conversation, reviewer, method, url, role):
    response = getattr(logged_in(reviewer), method)(url)
    assert response.status_code in (302, 403)
    if response.status_code == 302:  # Django's admin sends non-staff to its own login
        assert "/login/" in response["Location"]


@pytest.mark.parametrize("method, url, role", URLS)
def test_an_admin_can_reach_everything(conversation, admin_client, method, url, role):
    response = getattr(admin_client, method)(url)
    assert response.status_code in (200, 302, 404)  # 404: no such referral or message
    if response.status_code == 302:
        assert "/login/" not in response["Location"]


@pytest.mark.parametrize("method, url, role", [u for u in URLS if u[0] == "post"])
def test_every_post_needs_the_csrf_token(conversation, admin_user, method, url, role):
    client = logged_in(admin_user, enforce_csrf_checks=True)
    assert client.post(url, {"mark_reviewed": "1"}).status_code == 403


def test_logout_needs_a_post_with_the_token(admin_user):
    client = logged_in(admin_user, enforce_csrf_checks=True)
    assert client.post("/console/logout/").status_code == 403
    assert client.get("/console/logout/").status_code == 405


def test_login_is_throttled_after_repeated_failures(reviewer, settings):
    client = Client()
    statuses = [
        client.post("/console/login/", {"username": "rita", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]  # locked at the limit
    locked = client.post("/console/login/", {"username": "rita", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed", actor="rita").count() >= 5


def test_a_good_login_is_recorded_and_lands_on_the_queue(reviewer):
    client = Client()
    response = client.post("/console/login/", {"username": "rita", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/console/queue/"
    assert AuditEvent.objects.filter(action="login", actor="rita").exists()


def test_passwords_are_hashed_with_argon2(reviewer):
    assert reviewer.password.startswith("argon2")


def test_sessions_end_when_idle(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE <= 3600
    assert settings.SESSION_COOKIE_HTTPONLY


def test_an_idle_session_is_extended_by_requests_at_most_once_a_minute(reviewer, monkeypatch):
    """Each request pushes the end of the session back (an idle timeout), but a page that
    asks every second writes the session table once a minute, not every second."""
    from django.contrib.sessions.models import Session

    from bot.web import middleware

    client = logged_in(reviewer)
    now = [1_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: now[0])

    def expiry():
        return Session.objects.get(session_key=client.session.session_key).expire_date

    client.get("/console/queue/")
    first = expiry()
    now[0] += 30
    client.get("/console/queue/")
    assert expiry() == first  # 30 s later: not written again
    now[0] += 31
    client.get("/console/queue/")
    assert expiry() > first  # past the minute: extended


@pytest.mark.parametrize("conversation_id", ["a", "0f" * 16, "fuzz-0", "a:b@c.d", "x" * 128])
def test_every_conversation_id_the_channel_accepts_has_a_console_url(conversation_id):
    from django.urls import resolve, reverse

    from bot.messages import SENDER_PATTERN

    assert SENDER_PATTERN.match(conversation_id)
    url = reverse("console:transcript", args=[conversation_id])
    assert resolve(url).kwargs == {"conversation_id": conversation_id}


@pytest.mark.parametrize("path", ["/console/conversations/../", "/console/conversations/.x/"])
def test_what_the_channel_refuses_is_no_conversation_url(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_a_role_taken_away_takes_effect_at_once_here_and_within_seconds_elsewhere(
    reviewer, monkeypatch
):
    from django.contrib.auth.models import Group

    from bot.web.console import backends

    client = logged_in(reviewer)
    assert client.get("/console/queue/").status_code == 200
    reviewer.groups.remove(Group.objects.get(name="reviewer"))  # through the admin, say
    assert client.get("/console/queue/").status_code == 403

    reviewer.groups.add(Group.objects.get(name="reviewer"))
    assert client.get("/console/queue/").status_code == 200
    # Another web worker took the role away (no signal reaches this process):
    reviewer.groups.through.objects.filter(user=reviewer).delete()
    assert client.get("/console/queue/").status_code == 200  # remembered for a few seconds
    later = backends.time.monotonic() + backends.PERMISSIONS_TTL_SECONDS + 1
    monkeypatch.setattr(backends.time, "monotonic", lambda: later)
    assert client.get("/console/queue/").status_code == 403
