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

    cases = load_cases()
    texts = [message for case in cases for message in case.messages]
    harmless = [case.messages[-1] for case in cases if case.level == "none"]
    stream = list(itertools.islice(itertools.cycle(texts), MESSAGES))
    screen = RiskScreen()
    list(screen.screen_many(stream[:500]))  # warm up

    per_second, flagged = _throughput(screen, stream)
    harmless_per_second, _ = _throughput(
        screen, list(itertools.islice(itertools.cycle(harmless), MESSAGES))
    )

    one_by_one = []
    for text in stream[:3000]:
        started = time.perf_counter()
        screen.screen(text)
        one_by_one.append((time.perf_counter() - started) * 1000)

    print(f"messages: {MESSAGES} from {len(texts)} safety-case texts, {flagged} flagged")
    print(f"harmless controls only: {harmless_per_second:.0f} msgs/s")
    print(
        f"bench-screen: msgs_per_s={per_second:.0f} median_ms_per_message="
        f"{statistics.median(one_by_one):.3f} p95_ms={_p95(one_by_one):.3f}"
    )


def _throughput(screen, stream: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    flagged = sum(result.level != "none" for result in screen.screen_many(stream))
    return len(stream) / (time.perf_counter() - started), flagged


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95)]


if __name__ == "__main__":
    main()
