"""How much one client may send: the same numbers in the Rasa channel and in nginx.

The embedded profile has no proxy in front of Rasa, so the channel enforces them
itself; the production profile's nginx enforces them too (bot/production.py),
per client address, before a request reaches an instance.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field

WEBHOOK_BURST_FACTOR = 3  # a burst of this many seconds' worth: a page reload, a quick reply


def rate_per_second() -> int:
    """Messages a second one client may send, on average (RATE_LIMIT_PER_SECOND)."""
    return int(os.environ.get("RATE_LIMIT_PER_SECOND", "10"))


def webhook_burst() -> int:
    """Messages one client may send at once before the rate applies."""
    return rate_per_second() * WEBHOOK_BURST_FACTOR


def max_body_bytes() -> int:
    """The largest request body the webhook reads (MAX_BODY_KB)."""
    return int(os.environ.get("MAX_BODY_KB", "32")) * 1024


@dataclass
class TokenBuckets:
    """One token bucket per key (a conversation, an address), in this process's memory.

    Bounded: the least recently used keys are forgotten past ``max_keys``, which can only
    let a forgotten client through early, never lock anyone out.
    """

    rate: float
    burst: int
    max_keys: int = 100_000
    _buckets: OrderedDict = field(default_factory=OrderedDict)

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed
