"""Closed-loop visitors for `make bench`: each runs one scripted conversation after another.

Run by tests.tools.bench_load with the .venv-bench locust; LANTERN_THINK sets the pause in
seconds between a visitor's messages ("0,0", the closed loop, or "0.5,1.5" to read).
"""

import os
import random
import secrets

import gevent
from locust import HttpUser, task

from tests.tools.load_scripts import SCRIPTS, WEIGHTS, failure

THINK = tuple(float(s) for s in os.environ.get("LANTERN_THINK", "0.5,1.5").split(","))
NAMES = list(WEIGHTS)


class Visitor(HttpUser):
    def wait_time(self) -> float:
        return random.uniform(*THINK)  # noqa: S311 - not for secrets

    @task
    def conversation(self) -> None:
        name = random.choices(NAMES, weights=[WEIGHTS[n] for n in NAMES])[0]  # noqa: S311
        sender = secrets.token_hex(16)
        for number, text in enumerate(SCRIPTS[name]):
            if number:
                gevent.sleep(self.wait_time())
            with self.client.post(
                "/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": {"region": "uk"}},
                headers={"X-Lantern-Conversation": sender},
                name=name,
                timeout=60,
                catch_response=True,
            ) as response:
                try:
                    replies = response.json() if response.status_code == 200 else None
                except ValueError:
                    replies = None
                reason = failure(response.status_code, replies)
                if reason:
                    response.failure(reason)
                else:
                    response.success()
