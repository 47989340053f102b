"""Faults in production: a part stops, the visitor is answered, and it all recovers by itself.

These stop the machine's own PostgreSQL and Redis for a few seconds and start them again
(the commands are in tests/cluster/production.py); run them on a test machine only.
(The referral endpoint going down is tested in tests/referral/test_delivery.py.)
"""

import subprocess
import threading
import time

import pytest

from bot.rasa_channel import APOLOGY
from tests.cluster.chat import new_conversation, send, text_of
from tests.cluster.production import START_POSTGRES, START_REDIS

STOP_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main stop -m fast"
STOP_REDIS = "redis-cli -p 6379 shutdown nosave"
OUTAGE_SECONDS = 10


def shell(command):
    subprocess.run(["bash", "-c", command], check=True, capture_output=True, timeout=60)


def answered_normally(response):
    return response.status_code == 200 and APOLOGY not in text_of(response) and response.json()


class Load:
    """Visitors chatting through nginx in the background, every reply recorded."""

    def __init__(self, cluster, visitors=4):
        self.cluster, self.visitors = cluster, visitors
        self.results = []  # (conversation, finished at, seconds taken, answered normally)
        self.stopping = threading.Event()

    def _visitor(self):
        conversation = new_conversation()
        while not self.stopping.is_set():
            began = time.monotonic()
            try:
                ok = bool(answered_normally(send(self.cluster, conversation, "what is anxiety")))
            except Exception:  # noqa: BLE001 - a dropped connection is one of the outcomes
                ok = False
            ended = time.monotonic()
            self.results.append((conversation, ended, ended - began, ok))
            time.sleep(0.05)

    def __enter__(self):
        self.threads = [threading.Thread(target=self._visitor) for _ in range(self.visitors)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=120)


def outage(cluster, stop, start):
    """Run the load, stop a service for OUTAGE_SECONDS, start it again, let things settle."""
    with Load(cluster) as load:
        time.sleep(3)
        shell(stop)
        went_down = time.monotonic()
        try:
            time.sleep(OUTAGE_SECONDS)
        finally:
            shell(start)
        came_back = time.monotonic()
        time.sleep(30)
    recovered = [ok for _, at, _, ok in load.results if at > came_back + 20]
    assert recovered and all(recovered), "every reply after recovery should be a normal one"
    for name, process in cluster.processes.items():
        assert process.poll() is None, f"{name} died (no restart should be needed)"
    return load, went_down, came_back


def stored_messages(cluster, conversation):
    return sum(kind == "user" for kind, _, _ in cluster.tracker_events(conversation))


def test_postgresql_stopped_under_load_then_everything_recovers(cluster):
    """Turns wait for the database (TRACKER_DB_PATIENCE_SECONDS) rather than go on from
    an empty conversation; a turn that could not wait is an apology; nothing is lost."""
    load, went_down, came_back = outage(cluster, STOP_POSTGRES, START_POSTGRES)
    during = [(taken, ok) for _, at, taken, ok in load.results if went_down < at < came_back + 5]
    assert any(taken > 3 or not ok for taken, ok in during), "the outage should have been felt"
    for conversation in {result[0] for result in load.results}:
        answered = sum(ok for c, _, _, ok in load.results if c == conversation)
        assert stored_messages(cluster, conversation) >= answered  # every answered turn kept


def test_redis_stopped_under_load_then_everything_recovers(cluster):
    load, went_down, came_back = outage(cluster, STOP_REDIS, START_REDIS)
    during = [ok for _, at, _, ok in load.results if went_down + 1 < at < came_back]
    assert during and not all(during), "without the lock store, turns are refused politely"


def test_action_servers_down_crisis_help_still_arrives(cluster):
    for name in ("actions1", "actions2"):
        cluster.stop(name)
    try:
        crisis = send(cluster, new_conversation(), "I want to end my life")
        assert crisis.status_code == 200
        assert "116 123" in text_of(crisis)  # Samaritans, from the static footer (region uk)
        other = send(cluster, new_conversation(), "what is anxiety")
        assert other.status_code == 200
        assert text_of(other) == APOLOGY  # polite, and it names the emergency number
    finally:
        for name in ("actions1", "actions2"):
            cluster.start(name)
        for name in ("actions1", "actions2"):
            cluster.wait_until_ready(name)


def test_rasa_restarted_mid_conversation_keeps_its_history(cluster):
    conversation = new_conversation()
    assert "step 1 of" in text_of(send(cluster, conversation, "/do_box_breathing"))
    for name in ("rasa1", "rasa2"):
        cluster.restart(name)
    assert "step 2 of" in text_of(send(cluster, conversation, "/next_step"))


@pytest.fixture(autouse=True)
def services_are_up_afterwards():
    yield
    shell(f"pg_isready -q -h 127.0.0.1 || {START_POSTGRES}")
    shell(f"redis-cli -p 6379 ping || {START_REDIS}")
