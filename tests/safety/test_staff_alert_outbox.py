"""The staff alert outbox: shared by every action server, deduplicated, throttled, never lost."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bot.alerts.models import StaffAlert
from bot.referral.outbox import Backoff
from bot.safety import alerts

pytestmark = pytest.mark.referral
PROJECT_DIR = Path(__file__).resolve().parents[2]
FAST = Backoff(base=0.05, cap=0.5, lease=timedelta(seconds=2))
UNTHROTTLED = 10_000


class AlertReceiver:
    """A real local HTTP server standing in for the staff alert webhook.

    It records every request (Idempotency-Key and body), answers 400 to the keys
    in ``refuse``, records request number ``hold_at`` and then leaves it hanging
    (so the worker that sent it is caught mid-post), and can be stopped and
    started again on the same port.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, dict]] = []
        self.refuse: set[str] = set()
        self.hold_at: int | None = None
        self.holding: str | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/alerts"

    def keys(self) -> Counter:
        with self.lock:
            return Counter(key for key, _ in self.received)

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key", "")
                with receiver.lock:
                    receiver.received.append((key, body))
                    hold = len(receiver.received) == receiver.hold_at
                    if hold:
                        receiver.holding = key
                if hold:  # stored, but the sender never hears back
                    receiver.held.set()
                    receiver.release.wait(30)
                    return
                self.send_response(400 if key in receiver.refuse else 201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver():
    server = AlertReceiver()
    server.start()
    yield server
    server.stop()


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def subprocess_env(**extra: str) -> dict:
    if connection.vendor != "sqlite":
        pytest.fail("these tests run their processes against the SQLite test database")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_WEBHOOK_URL")}
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "DJANGO_SETTINGS_MODULE": "bot.web.settings",
        **extra,
    }


# An action server's part, in a process of its own: queue alerts for conversations
# <name>-0 ... <name>-<count-1>, each twice (the repeat is dropped), and one for the
# conversation "shared" that the other process raises too. With a resume file, the
# second half waits until that file exists.
ENQUEUER = """
import sys, time
from pathlib import Path
from bot import django_setup
django_setup.setup()
from bot.safety import alerts
name, count, resume = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for n in range(count):
    if n == count // 2 and resume:
        while not Path(resume).exists():
            time.sleep(0.05)
    alerts.enqueue(f"{name}-{n}", "high", ["suicide"])
    alerts.enqueue(f"{name}-{n}", "high", ["suicide"])
    alerts.enqueue("shared", "high", ["self_harm"])
    time.sleep(0.02)
"""


def start_enqueuer(name: str, count: int, resume: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", ENQUEUER, name, str(count), str(resume or "")],
        cwd=PROJECT_DIR,
        env=subprocess_env(),
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen) -> None:
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors


def start_worker(webhook_url: str, log: Path) -> subprocess.Popen:
    options = ["--poll", "0.1", "--retry-base", "0.2", "--retry-cap", "0.5", "--lease", "2"]
    with log.open("a") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.referral", "deliver", *options]
            + ["--alerts-per-minute", str(UNTHROTTLED)],
            cwd=PROJECT_DIR,
            env=subprocess_env(STAFF_ALERT_WEBHOOK_URL=webhook_url),
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


@pytest.mark.django_db(transaction=True)
def test_two_processes_queue_alerts_at_once_and_none_is_lost():
    enqueuers = [start_enqueuer(name, 30) for name in ("a", "b")]
    for enqueuer in enqueuers:
        finished(enqueuer)
    conversations = Counter(StaffAlert.objects.values_list("conversation_id", flat=True))
    expected = {f"{name}-{n}" for name in "ab" for n in range(30)} | {"shared"}
    assert set(conversations) == expected
    assert set(conversations.values()) == {1}


@pytest.mark.django_db
def test_a_repeated_crisis_alerts_once_per_conversation_and_level():
    now = timezone.now()
    first = alerts.enqueue("c1", "high", ["suicide"], now=now)
    assert first is not None
    for seconds in (1, 60, 29 * 60):
        assert (
            alerts.enqueue("c1", "high", ["suicide"], now=now + timedelta(seconds=seconds)) is None
        )
    assert alerts.enqueue("c2", "high", ["suicide"], now=now) is not None  # another visitor
    assert StaffAlert.objects.filter(conversation_id="c1").count() == 1


@pytest.mark.django_db
def test_a_higher_level_alerts_again_and_a_lower_one_does_not():
    now = timezone.now()
    assert alerts.enqueue("c1", "high", ["suicide"], now=now) is not None
    assert alerts.enqueue("c1", "imminent", ["overdose"], now=now + timedelta(seconds=5))
    assert alerts.enqueue("c1", "imminent", ["overdose"], now=now + timedelta(seconds=9)) is None
    assert alerts.enqueue("c1", "high", ["suicide"], now=now + timedelta(seconds=9)) is None
    levels = StaffAlert.objects.order_by("raised_at").values_list("level", flat=True)
    assert list(levels) == ["high", "imminent"]


@pytest.mark.django_db
def test_after_the_window_the_same_level_alerts_again():
    now = timezone.now()
    window = timedelta(minutes=10)
    assert alerts.enqueue("c1", "imminent", ["suicide"], now=now, window=window)
    later = now + window + timedelta(seconds=1)
    assert alerts.enqueue("c1", "high", ["suicide"], now=later, window=window) is not None


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_alert_of_a_level_in_one_window():
    now = timezone.now()
    fields = {
        "conversation_id": "c1",
        "level": "high",
        "categories": ["suicide"],
        "window_start": alerts.window_start(now),
    }
    StaffAlert.objects.create(raised_at=now, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffAlert.objects.create(raised_at=now + timedelta(seconds=1), **fields)


@pytest.mark.django_db
def test_a_malformed_or_refused_alert_does_not_stop_the_others(receiver):
    queued = [alerts.enqueue(f"c{n}", "high", ["suicide"]) for n in range(4)]
    StaffAlert.objects.filter(pk=queued[1].pk).update(categories={"not": "a list"})
    receiver.refuse.add(str(queued[2].pk))
    webhook = alerts.AlertWebhook(receiver.url)

    assert alerts.deliver_due(webhook, FAST, alerts.Throttle(UNTHROTTLED)) == 3
    refused = StaffAlert.objects.get(pk=queued[2].pk)
    assert refused.status == StaffAlert.Status.PENDING and refused.last_error.startswith("HTTP 400")
    malformed = dict(receiver.received)[str(queued[1].pk)]
    assert malformed["categories"] == [] and malformed["level"] == "high"

    receiver.refuse.clear()  # the webhook's configuration is fixed: the kept alert goes
    assert wait_for(lambda: alerts.deliver_due(webhook, FAST, alerts.Throttle(UNTHROTTLED)), 5)
    assert set(receiver.keys()) == {str(alert.pk) for alert in queued}
    assert not StaffAlert.objects.filter(status=StaffAlert.Status.PENDING).exists()


@pytest.mark.django_db
def test_the_throttle_holds_excess_alerts_and_delivers_them_later(receiver):
    queued = [alerts.enqueue(f"c{n}", "imminent", ["suicide"]) for n in range(5)]
    clock = [0.0]
    throttle = alerts.Throttle(per_minute=2, clock=lambda: clock[0])
    webhook = alerts.AlertWebhook(receiver.url)
    pending = StaffAlert.objects.filter(status=StaffAlert.Status.PENDING)

    assert alerts.deliver_due(webhook, FAST, throttle) == 2
    assert pending.count() == 3
    assert not pending.exclude(attempts=0, lease_until=None).exists()  # waiting, untouched
    clock[0] = 30.0
    assert alerts.deliver_due(webhook, FAST, throttle) == 0  # still the same minute
    clock[0] = 60.0
    assert alerts.deliver_due(webhook, FAST, throttle) == 2
    clock[0] = 120.0
    assert alerts.deliver_due(webhook, FAST, throttle) == 1
    assert receiver.keys() == Counter(str(alert.pk) for alert in queued)
    assert sum(receiver.keys().values()) == 5


@pytest.mark.django_db(transaction=True)
def test_a_burst_through_a_dead_webhook_and_a_killed_worker_arrives_once_per_key(
    receiver, tmp_path
):
    """Two processes raise a burst; mid-burst the worker is killed holding a lease and the
    webhook goes down; a new worker delivers everything once the webhook is back.

    Guarantee: every alert reaches the webhook under one Idempotency-Key (its id); a
    key arrives twice only when a worker died after the webhook had stored it.
    """
    log, resume = tmp_path / "worker.log", tmp_path / "resume"
    enqueuers = [start_enqueuer(name, 40, resume) for name in ("a", "b")]
    receiver.hold_at = 20  # of the 41 alerts raised before the pause
    worker = start_worker(receiver.url, log)
    try:
        assert receiver.held.wait(20), log.read_text()
        held = StaffAlert.objects.get(pk=receiver.holding)
        assert held.status == StaffAlert.Status.PENDING and held.lease_until > timezone.now()
        worker.send_signal(signal.SIGKILL)  # mid-post, holding the lease
        worker.wait(10)
        receiver.stop()  # and the webhook goes down
        resume.touch()  # the second half of the burst arrives with nobody delivering
        for enqueuer in enqueuers:
            finished(enqueuer)

        worker = start_worker(receiver.url, log)
        tried_while_down = StaffAlert.objects.filter(last_error="ConnectionError")
        assert wait_for(tried_while_down.exists, 20), log.read_text()
        receiver.start()  # the same port
        pending = StaffAlert.objects.filter(status=StaffAlert.Status.PENDING)
        assert wait_for(lambda: not pending.exists(), 30), f"{pending.count()} pending"
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(10)

    rows = list(StaffAlert.objects.all())
    conversations = Counter(row.conversation_id for row in rows)
    assert set(conversations) == {f"{n}-{i}" for n in "ab" for i in range(40)} | {"shared"}
    assert set(conversations.values()) == {1}  # each alert queued once, across processes
    received = receiver.keys()
    assert set(received) == {str(row.pk) for row in rows}  # none lost, none invented
    assert {key for key, times in received.items() if times > 1} == {str(held.pk)}
    for key in received:  # a repeat is the same alert, not a new one
        bodies = {json.dumps(body, sort_keys=True) for k, body in receiver.received if k == key}
        assert len(bodies) == 1
