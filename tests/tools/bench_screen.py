"""Benchmark the risk screen on one core. Run with `make bench-screen`.

Messages per second on a mixed stream (every safety-case text), the median and
p95 time of one message alone, with and without the classifier (what it adds
to a round trip), and the p95 for a 4,000-character message (real posts from
data/risk_corpus run together, mostly long Reddit posts about how people feel).
"""

from __future__ import annotations

import itertools
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MESSAGES = 20_000
ONE_BY_ONE = 3_000
LONG_CHARS = 4_000
LONG_MESSAGES = 300


def main() -> None:
    from bot.safety.classifier import corpus_examples
    from bot.safety.screen import default_screen, rules_only_screen
    from tests.safety.cases import load_cases

    cases = load_cases()
    texts = [message for case in cases for message in case.messages]
    stream = list(itertools.islice(itertools.cycle(texts), MESSAGES))
    screen, rules_only = default_screen(), rules_only_screen()
    list(screen.screen_many(stream[:500]))  # warm up
    list(rules_only.screen_many(stream[:500]))

    started = time.perf_counter()
    flagged = sum(result.level != "none" for result in screen.screen_many(stream))
    per_second = len(stream) / (time.perf_counter() - started)

    with_classifier = _one_by_one(screen, stream[:ONE_BY_ONE])
    without = _one_by_one(rules_only, stream[:ONE_BY_ONE])
    posts = sorted((example.text for example in corpus_examples()), key=len, reverse=True)
    long_texts = [_long_message(posts, offset) for offset in range(LONG_MESSAGES)]
    long_times = _one_by_one(screen, long_texts)

    added = statistics.median(with_classifier) - statistics.median(without)
    print(f"messages: {MESSAGES} from {len(texts)} safety-case texts, {flagged} flagged")
    print(
        f"one message: median {statistics.median(without):.3f} ms rules only, "
        f"{statistics.median(with_classifier):.3f} ms with the classifier"
    )
    print(
        f"bench-screen: msgs_per_s={per_second:.0f} "
        f"median_ms_per_message={statistics.median(with_classifier):.3f} "
        f"p95_ms={_p95(with_classifier):.3f} classifier_adds_ms={added:.3f} "
        f"p95_ms_4000_chars={_p95(long_times):.3f}"
    )


def _one_by_one(screen, texts: list[str]) -> list[float]:
    times = []
    for text in texts:
        started = time.perf_counter()
        screen.screen(text)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _long_message(texts: list[str], offset: int) -> str:
    """4,000 characters of texts joined as one message, different each time."""
    parts, size = [], 0
    for text in itertools.islice(itertools.cycle(texts), offset * 7, None):
        parts.append(text)
        size += len(text) + 1
        if size >= LONG_CHARS:
            break
    return " ".join(parts)[:LONG_CHARS]


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95)]


if __name__ == "__main__":
    main()
