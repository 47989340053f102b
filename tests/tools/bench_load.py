"""`make bench` and `make bench-prod`: Lantern under closed-loop load from locust.

    .venv/bin/python -m tests.tools.bench_load          # the embedded profile (SQLite tracker)
    .venv/bin/python -m tests.tools.bench_load --prod   # nginx + 1, then 2 Rasa instances

Starts the stack on free ports in a scratch directory, warms it up, runs locust headless
(LOCUST, default .venv-bench/bin/locust), samples the peak memory of every process, then
times one visitor alone and one long conversation. Every process is stopped at the end.

The headline run is a closed loop: each simulated visitor sends its next message as soon
as the reply arrives, so the figures are the stack's own (20 visitors who each paused
0.5-1.5 s to read could not send more than 20 messages a second however fast the bot
was). A second, shorter run with those pauses shows what visitors would feel.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from tests.support.stack import PROJECT_DIR, Stack
from tests.tools.load_scripts import SCRIPTS, failure

LOCUST = os.environ.get("LOCUST", str(PROJECT_DIR / ".venv-bench/bin/locust"))
WEBHOOK = "/webhooks/rest/webhook"
TICKS = os.sysconf("SC_CLK_TCK")


def say(url: str, sender: str, text: str) -> float:
    """One round trip in milliseconds; raises on a failure."""
    start = time.perf_counter()
    response = requests.post(
        url,
        json={"sender": sender, "message": text, "metadata": {"region": "uk"}},
        headers={"X-Lantern-Conversation": sender},
        timeout=60,
    )
    elapsed = (time.perf_counter() - start) * 1000
    reason = failure(response.status_code, response.json() if response.ok else None)
    if reason:
        raise RuntimeError(f"{text!r} failed: {reason}")
    return elapsed


def tree_usage(pid: int) -> tuple[int, float]:
    """Resident memory (kB) and CPU time (s) of a process and all its descendants."""
    rss_kb, cpu_s, pending = 0, 0.0, [pid]
    while pending:
        pid = pending.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            rss_kb += int(status.split("VmRSS:")[1].split()[0])
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu_s += (int(stat[11]) + int(stat[12])) / TICKS  # utime + stime
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue  # exited, or a zombie
    return rss_kb, cpu_s


class MemorySampler(threading.Thread):
    """Peak resident memory (sampled twice a second) and CPU time of each process tree."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.pids = {name: process.pid for name, process in stack.processes.items()}
        self.peak_kb = dict.fromkeys(self.pids, 0)
        self.cpu_s = {name: tree_usage(pid)[1] for name, pid in self.pids.items()}
        self.running = True

    def run(self) -> None:
        while self.running:
            for name, pid in self.pids.items():
                self.peak_kb[name] = max(self.peak_kb[name], tree_usage(pid)[0])
            time.sleep(0.5)

    def stop(self) -> tuple[dict[str, int], dict[str, float]]:
        """Peak MB and CPU seconds used since the start, per process."""
        self.running = False
        self.join()
        cpu = {name: tree_usage(pid)[1] - self.cpu_s[name] for name, pid in self.pids.items()}
        return {name: round(kb / 1024) for name, kb in self.peak_kb.items()}, cpu


def run_locust(host: str, users: int, seconds: int, think: str, out: Path) -> dict[str, float]:
    """One headless locust run; the aggregated figures from its CSV."""
    prefix = out / f"locust-{users}u-{think.replace(',', '-')}"
    subprocess.run(
        [LOCUST, "-f", "tests/tools/locustfile.py", "--headless", "--host", host,
         "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        cwd=PROJECT_DIR,
        env={**os.environ, "LANTERN_THINK": think, "PYTHONPATH": str(PROJECT_DIR)},
        check=False,  # locust exits 1 when any request failed: the errors are reported
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv") as stats:
        row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return {
        "messages": int(row["Request Count"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
        "msgs_per_s": float(row["Request Count"]) / seconds,
        "errors": int(row["Failure Count"]),
    }


def warm_up(url: str) -> None:
    """Each script once, so models, caches and connection pools are loaded."""
    for script in SCRIPTS.values():
        sender = secrets.token_hex(16)
        for text in script:
            say(url, sender, text)


def single_visitor_ms(url: str, messages: int = 50) -> float:
    """Median round trip of one visitor alone, with no think time."""
    times, texts = [], [t for script in SCRIPTS.values() for t in script]
    sender = secrets.token_hex(16)
    for number in range(messages):
        if number % 10 == 0:
            sender = secrets.token_hex(16)
        times.append(say(url, sender, texts[number % len(texts)]))
    return statistics.median(times)


def long_conversation_ms(url: str) -> dict[str, float]:
    """Median round trip around turns 1, 50, 100 and 200 of one 200-turn conversation."""
    texts = SCRIPTS["psychoeducation"] + SCRIPTS["exercise"] + SCRIPTS["checkin"]
    sender = secrets.token_hex(16)
    times = [say(url, sender, texts[turn % len(texts)]) for turn in range(200)]
    windows = {"turn1_ms": times[0:5], "turn50_ms": times[47:52], "turn100_ms": times[97:102]}
    windows["turn200_ms"] = times[195:200]
    return {name: statistics.median(window) for name, window in windows.items()}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def line(head: str, **values) -> None:
    """One result line: `head key=value ...`, floats with one decimal."""
    text = " ".join(
        f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()
    )
    print(f"{head} {text}", flush=True)


def bench(stack: Stack, host: str, args: argparse.Namespace, out: Path, prefix: str) -> dict:
    """The closed loop (each visitor sends its next message when the reply arrives), then
    visitors who pause to read; peak memory and CPU per message over both."""
    url = host + WEBHOOK
    warm_up(url)
    sampler = MemorySampler(stack)
    sampler.start()
    print(f"{prefix}: load average before: {load()}", flush=True)
    result = run_locust(host, args.users, args.seconds, "0,0", out)
    line(f"{prefix}:", users=args.users, think_s="0", **result, loadavg=load().split()[0])
    messages = result["messages"]
    if args.paced:
        paced = run_locust(host, args.users, args.paced, args.think, out)
        line(f"{prefix}: paced", users=args.users, think_s=args.think, **paced)
        messages += paced["messages"]
    memory, cpu = sampler.stop()
    line(f"{prefix}: memory_mb", **memory)
    line(f"{prefix}: cpu_ms_per_message", **{k: 1000 * v / messages for k, v in cpu.items()})
    return result


def tracker_writes(var_dir: Path) -> None:
    """Rows in the tracker's events table per user message, from the SQLite tracker."""
    with sqlite3.connect(var_dir / "tracker.db") as db:
        events, users = db.execute(
            "SELECT count(*), sum(type_name = 'user') FROM events"
        ).fetchone()
    line("bench:", tracker_events=events, user_messages=users, events_per_message=events / users)


def embedded(args: argparse.Namespace, out: Path) -> None:
    with Stack(out) as stack:
        host = stack.url("rasa")
        result = bench(stack, host, args, out, "bench")
        line("bench:", single_visitor_median_ms=single_visitor_ms(host + WEBHOOK))
        line("bench: long_conversation", **long_conversation_ms(host + WEBHOOK))
    tracker_writes(out)
    line("bench:", users=args.users, p50_ms=round(result["p50_ms"]),
         p95_ms=round(result["p95_ms"]), msgs_per_s=result["msgs_per_s"],
         errors=result["errors"])  # fmt: skip


def production(args: argparse.Namespace, out: Path) -> None:
    from tests.cluster.production import ProductionStack  # needs PostgreSQL and Redis

    results = {}
    for instances in (1, 2):
        var_dir = out / f"prod{instances}"
        var_dir.mkdir()
        with ProductionStack(var_dir, instances=instances) as stack:
            prefix = f"bench-prod instances={instances}"
            results[instances] = bench(stack, stack.url("nginx"), args, var_dir, prefix)
    one, two = results[1]["msgs_per_s"], results[2]["msgs_per_s"]
    print(f"bench-prod: instances=1 msgs_per_s={one:.1f} instances=2 msgs_per_s={two:.1f}"
          f" speedup={two / one:.2f}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prod", action="store_true", help="the production profile, 1 and 2")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60, help="length of the closed-loop run")
    parser.add_argument(
        "--paced", type=int, default=30, help="seconds of a run with pauses to read (0: none)"
    )
    parser.add_argument("--think", default="0.5,1.5", help="pause range of the paced run, s")
    args = parser.parse_args()
    if not Path(LOCUST).exists():
        sys.exit(f"locust not found at {LOCUST}: run it with make bench (or set LOCUST)")
    out = Path(tempfile.mkdtemp(prefix="lantern-bench-"))
    print(f"bench: scratch {out}, load average {load()}, {os.cpu_count()} cores", flush=True)
    (production if args.prod else embedded)(args, out)


if __name__ == "__main__":
    main()
