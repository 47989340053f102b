"""Benchmark the risk screen on one core: messages per second, and the median time
it adds to one message inside Rasa's pipeline. Run with `make bench-screen`."""

from __future__ import annotations

import itertools
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MESSAGES = 20_000


def main() -> None:
    from bot.safety.cases import load_cases
    from bot.safety.screen import RiskScreen

    texts = [message for case in load_cases() for message in case.messages]
    stream = list(itertools.islice(itertools.cycle(texts), MESSAGES))
    screen = RiskScreen()
    list(screen.screen_many(stream[:500]))  # warm up

    started = time.perf_counter()
    flagged = sum(result.level != "none" for result in screen.screen_many(stream))
    elapsed = time.perf_counter() - started
    per_second = MESSAGES / elapsed

    one_by_one = []
    for text in stream[:3000]:
        started = time.perf_counter()
        screen.screen(text)
        one_by_one.append((time.perf_counter() - started) * 1000)

    print(f"messages: {MESSAGES} ({len(texts)} distinct case texts, {flagged} flagged)")
    print(
        f"bench-screen: msgs_per_s={per_second:.0f} median_ms_per_message="
        f"{statistics.median(one_by_one):.3f} p95_ms={_p95(one_by_one):.3f}"
    )


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95)]


if __name__ == "__main__":
    main()
