"""`make bench-handoff`: live chat under load, on the production profile (2 Rasa instances
behind nginx, PostgreSQL, Redis).

    .venv/bin/python -m tests.tools.bench_handoff [--visitors 20] [--responders 5]

First `make bench`'s visitors talk to the bot alone (locust, pausing 0.5-1.5 s to read,
as people do); then the same run again while VISITORS visitors are in live chats with
RESPONDERS responders. Each chat's visitor polls for news once a second, as the widget
does, and writes every 8-16 s; each responder keeps the live view open (its queue
polled once a second) and a page for each of their chats (polled once a second, as the
console does), and writes to each chat every 8-16 s. A message's delivery time runs
from the moment its sender starts sending to the moment the other side's poll brings
it back.

Last lines:
    bench-handoff: staff_to_widget p50_ms= p95_ms= n=
    bench-handoff: visitor_to_console p50_ms= p95_ms= n=
    bench-handoff: bot_p95_ms alone= with_handoffs= rise_pct=
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from tests.support.stack import csrf
from tests.tools.bench_load import (
    LOCUST,
    WEBHOOK,
    MemorySampler,
    line,
    load,
    run_locust,
    warm_up,
)

POLL_SECONDS = 1.0  # the widget's and the console's polling interval
# How often each side of a chat writes, at random in this range: a person reads and
# types, so a live chat is slower than a visitor tapping through the bot's buttons.
WRITE_EVERY_SECONDS = (8.0, 16.0)
PASSWORD = "a long benchmark password 42"


class Deliveries:
    """When each message was sent, and how long it took to reach the other side."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: dict[str, float] = {}
        self.delays_ms: dict[str, list[float]] = {"staff_to_widget": [], "visitor_to_console": []}

    def sending(self, token: str) -> None:
        with self.lock:
            self.sent[token] = time.perf_counter()

    def seen(self, direction: str, text: str) -> None:
        token = text.rsplit(" ", 1)[-1]
        with self.lock:
            started = self.sent.pop(token, None)
            if started is not None:
                self.delays_ms[direction].append((time.perf_counter() - started) * 1000)


def next_time() -> float:
    return time.monotonic() + random.uniform(*WRITE_EVERY_SECONDS)  # noqa: S311 - not a secret


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


class LiveChats:
    """VISITORS visitors in live chats with RESPONDERS responders, on threads."""

    def __init__(self, stack, visitors: int, responders: int) -> None:
        self.public, self.web = stack.url("nginx"), stack.url("web")
        self.deliveries = Deliveries()
        self.running = threading.Event()
        self.errors: list[str] = []
        self.sessions = [
            stack.console_session(f"responder{n}", PASSWORD, role="responder")
            for n in range(responders)
        ]
        for session in self.sessions:
            self._console_post(session, "/console/live/duty", {"available": "1"})
        self.visitors = [secrets.token_hex(16) for _ in range(visitors)]
        self.chats: dict[int, list[int]] = {n: [] for n in range(responders)}
        for number, visitor in enumerate(self.visitors):
            self._post_message(visitor, "hi")
            asked = requests.post(
                f"{self.public}/live/request",
                json={"conversation_id": visitor, "region": "uk"},
                timeout=30,
            )
            if asked.json().get("state") != "waiting":
                raise RuntimeError(f"a live chat request was refused: {asked.text}")
            session = self.sessions[number % responders]
            chat = next(
                row["id"] for row in self._queue(session)
                if row["state"] == "waiting" and visitor.startswith(row["conversation"])
            )  # fmt: skip
            self._console_post(session, f"/console/live/{chat}/accept", {})
            self.chats[number % responders].append(chat)
        self.threads = (
            [
                threading.Thread(target=self._visitor, args=(visitor,), daemon=True)
                for visitor in self.visitors
            ]
            + [
                threading.Thread(target=self._live_view, args=(number,), daemon=True)
                for number in range(responders)
            ]
            + [
                threading.Thread(target=self._chat_page, args=(number, chat), daemon=True)
                for number, chats in self.chats.items()
                for chat in chats
            ]
        )

    def start(self) -> None:
        self.running.set()
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.running.clear()
        for thread in self.threads:
            thread.join(timeout=30)

    def _console_post(self, session, path: str, data: dict) -> None:
        session.post(
            self.web + path, data=data, headers=csrf(session), timeout=30
        ).raise_for_status()

    def _queue(self, session) -> list[dict]:
        return session.get(f"{self.web}/console/live/queue.json", timeout=30).json()["chats"]

    def _post_message(self, visitor: str, text: str) -> list:
        answer = requests.post(
            self.public + WEBHOOK,
            json={"sender": visitor, "message": text, "metadata": {"region": "uk"}},
            headers={"X-Lantern-Conversation": visitor},
            timeout=60,
        )
        answer.raise_for_status()
        return answer.json()

    def _visitor(self, visitor: str) -> None:
        after, next_write = 0, next_time()
        while self.running.is_set():
            try:
                news = requests.get(
                    f"{self.public}/live/{visitor}?after={after}", timeout=30
                ).json()
                after = news["after"]
                for message in news["messages"]:
                    if message["from"] == "staff":
                        self.deliveries.seen("staff_to_widget", message["text"])
                if time.monotonic() >= next_write:
                    token = secrets.token_hex(8)
                    self.deliveries.sending(token)
                    if self._post_message(visitor, f"a message for the person {token}") != []:
                        self.errors.append("the bot answered during a live chat")
                    next_write = next_time()
            except (requests.RequestException, ValueError, KeyError) as error:
                self.errors.append(f"visitor: {type(error).__name__}")
            time.sleep(POLL_SECONDS)

    def _live_view(self, number: int) -> None:
        """The responder's live view: its queue poll keeps them on duty."""
        while self.running.is_set():
            try:
                self._queue(self.sessions[number])
            except (requests.RequestException, ValueError, KeyError) as error:
                self.errors.append(f"live view: {type(error).__name__}")
            time.sleep(POLL_SECONDS)

    def _chat_page(self, number: int, chat: int) -> None:
        """One chat's page in the responder's browser: polled once a second, written to."""
        session, after, next_write = self.sessions[number], 0, next_time()
        while self.running.is_set():
            try:
                url = f"{self.web}/console/live/{chat}/chat.json?after={after}"
                news = session.get(url, timeout=30).json()
                after = news["after"]
                for entry in news["lines"]:
                    if entry["from"] == "visitor":
                        self.deliveries.seen("visitor_to_console", entry["text"])
                if time.monotonic() >= next_write:
                    token = secrets.token_hex(8)
                    self.deliveries.sending(token)
                    text = f"a reply from staff {token}"
                    self._console_post(session, f"/console/live/{chat}/say", {"text": text})
                    next_write = next_time()
            except (requests.RequestException, ValueError, KeyError) as error:
                self.errors.append(f"chat page: {type(error).__name__}")
            time.sleep(POLL_SECONDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=20, help="visitors in live chats")
    parser.add_argument("--responders", type=int, default=5)
    parser.add_argument("--users", type=int, default=20, help="visitors talking to the bot")
    parser.add_argument("--seconds", type=int, default=60, help="length of each run")
    parser.add_argument("--think", default="0.5,1.5", help="bot visitors' pause to read, s")
    args = parser.parse_args()
    if not Path(LOCUST).exists():
        sys.exit(f"locust not found at {LOCUST}: run it with make bench-handoff (or set LOCUST)")
    from tests.cluster.production import ProductionStack  # needs PostgreSQL, Redis, nginx

    out = Path(tempfile.mkdtemp(prefix="lantern-bench-handoff-"))
    print(f"bench-handoff: scratch {out}, load average {load()}", flush=True)
    with ProductionStack(out, instances=2) as stack:
        host = stack.url("nginx")
        warm_up(host + WEBHOOK)
        sampler = MemorySampler(stack)
        sampler.start()
        alone = run_locust(host, args.users, args.seconds, args.think, out)
        _, cpu = sampler.stop()
        line("bench-handoff: bot alone", users=args.users, **alone)
        line("bench-handoff: bot alone cpu_s", **cpu)
        chats = LiveChats(stack, args.visitors, args.responders)
        chats.start()
        time.sleep(5)  # every poller running
        sampler = MemorySampler(stack)
        sampler.start()
        busy = run_locust(host, args.users, args.seconds, args.think, out)
        _, cpu = sampler.stop()
        chats.stop()
        line("bench-handoff: bot with live chats", users=args.users, **busy)
        line("bench-handoff: with live chats cpu_s", **cpu)
    for direction, delays in chats.deliveries.delays_ms.items():
        print(
            f"bench-handoff: {direction} p50_ms={round(percentile(delays, 0.5))} "
            f"p95_ms={round(percentile(delays, 0.95))} n={len(delays)}",
            flush=True,
        )
    if chats.errors:
        print(f"bench-handoff: errors={len(chats.errors)} first={chats.errors[0]}", flush=True)
    rise = 100 * (busy["p95_ms"] / alone["p95_ms"] - 1)
    print(
        f"bench-handoff: bot_p95_ms alone={alone['p95_ms']:.0f} "
        f"with_handoffs={busy['p95_ms']:.0f} rise_pct={rise:.1f} "
        f"visitors={args.visitors} responders={args.responders} errors={len(chats.errors)}",
        flush=True,
    )


if __name__ == "__main__":
    main()
