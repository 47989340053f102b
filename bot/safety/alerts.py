"""Staff alerts: a POST to STAFF_ALERT_WEBHOOK_URL when a conversation reaches high or imminent.

The alert carries a link to the conversation in the staff console and no
message text. It is sent on a background thread so the visitor's reply is
never held up; an alert that cannot be delivered after a few tries is kept in
a file and sent again before the next one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import requests

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3
ATTEMPTS = 3
BACKOFF_SECONDS = 1.0


class StaffAlerts:
    def __init__(self, webhook_url: str | None, console_url: str, pending_file: Path) -> None:
        self.webhook_url = webhook_url
        self.console_url = console_url.rstrip("/")
        self.pending_file = pending_file
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> StaffAlerts:
        var_dir = Path(
            os.environ.get("LANTERN_VAR_DIR", Path(__file__).resolve().parents[2] / "var")
        )
        return cls(
            os.environ.get("STAFF_ALERT_WEBHOOK_URL") or None,
            os.environ.get("CONSOLE_BASE_URL", "http://localhost:8000"),
            var_dir / "staff_alerts_pending.jsonl",
        )

    def alert_for(self, conversation_id: str, level: str, categories: list[str]) -> dict:
        """The alert body: who to look at and why, never what they wrote."""
        return {
            "alert_id": str(uuid.uuid4()),
            "level": level,
            "categories": categories,
            "conversation_url": f"{self.console_url}/console/conversations/{conversation_id}/",
            "raised_at": datetime.now(timezone.utc).isoformat(),
        }

    def send_in_background(self, alert: dict) -> threading.Thread | None:
        if not self.webhook_url:
            return None
        thread = threading.Thread(target=self._deliver_all, args=(alert,), daemon=True)
        thread.start()
        return thread

    def _deliver_all(self, alert: dict) -> None:
        # Written down first, so a crash while sending loses nothing.
        with self._lock:
            self._write_pending(self._read_pending() + [alert])
            failed = [a for a in self._read_pending() if not self._deliver(a)]
            self._write_pending(failed)

    def _deliver(self, alert: dict) -> bool:
        for attempt in range(ATTEMPTS):
            try:
                response = requests.post(
                    self.webhook_url,
                    json=alert,
                    timeout=TIMEOUT_SECONDS,
                    headers={"Idempotency-Key": alert["alert_id"]},
                )
                if response.ok:
                    return True
                logger.warning(
                    "Staff alert %s refused: HTTP %s", alert["alert_id"], response.status_code
                )
            except requests.RequestException as error:
                logger.warning("Staff alert %s not delivered: %s", alert["alert_id"], error)
            time.sleep(BACKOFF_SECONDS * (2**attempt))
        logger.error("Staff alert %s kept for retry in %s", alert["alert_id"], self.pending_file)
        return False

    def _read_pending(self) -> list[dict]:
        if not self.pending_file.exists():
            return []
        lines = self.pending_file.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _write_pending(self, alerts: list[dict]) -> None:
        self.pending_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.pending_file.with_suffix(".tmp")
        temporary.write_text("".join(json.dumps(alert) + "\n" for alert in alerts))
        temporary.replace(self.pending_file)
