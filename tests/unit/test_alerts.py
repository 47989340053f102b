"""Staff alerts against a real local HTTP server: retries, nothing lost, no waiting."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.safety import alerts as alerts_module
from bot.safety.alerts import StaffAlerts


class Intake:
    """A webhook that fails its first ``failures`` requests, then records alerts."""

    def __init__(self, failures=0, delay=0.0):
        self.failures, self.delay, self.received = failures, delay, []
        intake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(intake.delay)
                if intake.failures > 0:
                    intake.failures -= 1
                    self.send_response(503)
                else:
                    intake.received.append(body)
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(alerts_module, "BACKOFF_SECONDS", 0.01)


def test_alert_is_retried_until_delivered_and_carries_no_text(tmp_path):
    intake = Intake(failures=2)
    staff = StaffAlerts(intake.url, "https://practice.example", tmp_path / "pending.jsonl")
    staff.send_in_background(staff.alert_for("abc123", "high", ["suicide"])).join(10)
    intake.close()
    [alert] = intake.received
    assert alert["conversation_url"] == "https://practice.example/console/conversations/abc123/"
    assert set(alert) == {"alert_id", "level", "categories", "conversation_url", "raised_at"}
    assert not (tmp_path / "pending.jsonl").read_text()


def test_undelivered_alerts_are_kept_and_sent_with_the_next(tmp_path):
    pending = tmp_path / "pending.jsonl"
    down = StaffAlerts("http://127.0.0.1:9/alerts", "https://practice.example", pending)
    down.send_in_background(down.alert_for("first", "imminent", ["overdose"])).join(10)
    assert "first" in pending.read_text()

    intake = Intake()
    up = StaffAlerts(intake.url, "https://practice.example", pending)
    up.send_in_background(up.alert_for("second", "high", ["abuse"])).join(10)
    intake.close()
    assert [a["conversation_url"].split("/")[-2] for a in intake.received] == ["first", "second"]


def test_sending_never_holds_up_the_reply(tmp_path):
    intake = Intake(delay=2.0)
    staff = StaffAlerts(intake.url, "https://practice.example", tmp_path / "pending.jsonl")
    started = time.perf_counter()
    thread = staff.send_in_background(staff.alert_for("slow", "high", ["suicide"]))
    assert time.perf_counter() - started < 0.3
    thread.join(10)
    intake.close()


def test_no_webhook_configured_sends_nothing(tmp_path):
    staff = StaffAlerts(None, "https://practice.example", tmp_path / "pending.jsonl")
    assert staff.send_in_background(staff.alert_for("x", "high", ["suicide"])) is None
