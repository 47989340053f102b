"""Delivery from the outbox to a real local intake endpoint."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone

from bot.referral import outbox
from bot.referral.contact import Contact
from bot.referral.delivery import Endpoint, deliver_due, post
from bot.referral.models import Referral
from tests.referral.intake import IntakeServer

pytestmark = pytest.mark.referral
PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAST = outbox.Backoff(base=0.05, cap=0.5, lease=timedelta(seconds=2))


def details(n: int = 0) -> outbox.ReferralDetails:
    return outbox.ReferralDetails(
        concern="anxiety",
        session_format="online",
        location="",
        preferred_times="weekday evenings",
        first_name=f"Sam{n}",
        contact=Contact("email", f"sam{n}@example.org"),
        clinician_id="",
        consent_text="I agree to share these details with the practice.",
    )


@pytest.fixture
def intake():
    server = IntakeServer()
    server.start()
    yield server
    server.stop()


@pytest.mark.django_db
def test_a_referral_is_posted_with_its_idempotency_key(intake):
    referral = outbox.submit(details(), "conversation-1")
    assert deliver_due(Endpoint(intake.url), FAST) == 1
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DELIVERED and referral.attempts == 1
    body = intake.stored[str(referral.id)]
    assert body["reference"] == referral.reference
    assert body["contact"] == {"kind": "email", "value": "sam0@example.org"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (201, "delivered"),
        (409, "delivered"),
        (500, "retry"),
        (503, "retry"),
        (429, "retry"),
        (400, "failed"),
        (422, "failed"),
    ],
)
def test_what_each_reply_means(status, outcome, monkeypatch):
    referral = outbox.submit(details(), "c")
    endpoint = Endpoint("http://intake.invalid/")
    reply = requests.Response()
    reply.status_code = status
    monkeypatch.setattr(endpoint.session, "post", lambda *a, **k: reply)
    assert post(endpoint, referral)[0] == outcome


@pytest.mark.django_db
def test_an_endpoint_that_is_down_means_retry_later(intake):
    referral = outbox.submit(details(), "c")
    intake.stop()
    assert deliver_due(Endpoint(intake.url), FAST) == 0
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING and referral.attempts == 1
    assert referral.next_attempt_at > timezone.now() - timedelta(seconds=1)
    assert referral.last_error == "ConnectionError"


@pytest.mark.django_db
def test_a_refusal_is_kept_for_staff_not_retried(monkeypatch):
    referral = outbox.submit(details(), "c")
    endpoint = Endpoint("http://intake.invalid/")
    reply = requests.Response()
    reply.status_code = 400
    monkeypatch.setattr(endpoint.session, "post", lambda *a, **k: reply)
    deliver_due(endpoint, FAST)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.FAILED
    assert outbox.claim_next() is None


@pytest.mark.django_db
def test_a_claimed_referral_is_not_claimed_twice_until_its_lease_runs_out():
    outbox.submit(details(), "c")
    now = timezone.now()
    first = outbox.claim_next(now)
    assert first is not None
    assert outbox.claim_next(now) is None
    assert outbox.claim_next(now + outbox.LEASE + timedelta(seconds=1)).pk == first.pk


def test_backoff_doubles_up_to_the_cap():
    backoff = outbox.Backoff(base=1, cap=8)
    for attempts, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        delay = backoff.delay(attempts).total_seconds()
        assert ceiling / 2 <= delay <= ceiling


def start_worker(intake_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "REFERRAL_WEBHOOK_URL": intake_url,
        "DJANGO_SETTINGS_MODULE": "bot.web.settings",
    }
    if connection.vendor != "sqlite":
        pytest.fail("this test runs the worker against the SQLite test database")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.referral",
            "deliver",
            "--poll",
            "0.1",
            "--retry-base",
            "0.1",
            "--retry-cap",
            "1",
            "--lease",
            "2",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_200_referrals_through_failures_an_outage_and_a_worker_restart_arrive_once_each():
    intake = IntakeServer(failure_rate=0.5)
    intake.start()
    referrals = [outbox.submit(details(n), f"conversation-{n}") for n in range(200)]
    delivered = Referral.objects.filter(status=Referral.Status.DELIVERED).count
    worker = start_worker(intake.url)
    try:
        assert wait_for(lambda: len(intake.stored) >= 60, timeout=60)
        worker.send_signal(signal.SIGKILL)  # killed mid-run, perhaps mid-post
        worker.wait()
        intake.stop()  # the endpoint is down for a stretch...
        worker = start_worker(intake.url)  # ...while a new worker starts
        time.sleep(3)
        assert delivered() < 200
        intake.start()
        assert wait_for(lambda: delivered() == 200, timeout=120), f"{delivered()} delivered"
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=10)
        intake.stop()
    assert sorted(intake.stored) == sorted(str(r.id) for r in referrals)
    assert set(intake.times_stored.values()) == {1}
    assert {body["reference"] for body in intake.stored.values()} == {
        r.reference for r in referrals
    }
    assert intake.requests > 200  # the failures really happened and were retried
