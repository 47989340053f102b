"""Live chat's settings, from the environment (docs/configuration.md lists them).

- LIVE_CHAT_HOURS, PRACTICE_TIME_ZONE: staffed hours (bot.live.hours); empty hours: off.
- LIVE_CHAT_WAIT_SECONDS (180): how long a visitor waits before being told that nobody
  has joined yet (the request stays in the queue).
- RESPONDER_AWAY_SECONDS (60, at least 15): a responder whose console has not asked for news this
  long is away: not counted as available, and a chat they joined goes back to the bot,
  so that no conversation stays paused without a person reading it.
- RASA_INTERNAL_URLS: where the web process reaches Rasa's servers (comma-separated;
  any instance will do, the lock store orders the writes); default the local one.
- LIVE_CHAT_TOKEN: the secret the web process shows Rasa's live-chat endpoint; without
  it, both read (or the first to need it writes) var/live_chat_token.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cache

from bot.encryption import kept_secret
from bot.live.hours import StaffedHours

# Polls record that a responder is there at most every 5 s (bot/web/live_chat.py), and
# one poll can be slow: a shorter limit would hand a working responder's chat back.
MIN_AWAY_SECONDS = 15


@dataclass(frozen=True)
class LiveChatSettings:
    hours: StaffedHours
    wait_seconds: int
    away_seconds: int
    rasa_urls: tuple[str, ...]

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> LiveChatSettings:
        env = os.environ if env is None else env
        port = env.get("RASA_PORT", "5005")
        urls = env.get("RASA_INTERNAL_URLS") or f"http://127.0.0.1:{port}"
        return cls(
            hours=StaffedHours.parse(
                env.get("LIVE_CHAT_HOURS", ""), env.get("PRACTICE_TIME_ZONE") or "UTC"
            ),
            wait_seconds=_positive(env, "LIVE_CHAT_WAIT_SECONDS", 180),
            away_seconds=_positive(env, "RESPONDER_AWAY_SECONDS", 60, least=MIN_AWAY_SECONDS),
            rasa_urls=tuple(url.strip().rstrip("/") for url in urls.split(",") if url.strip()),
        )


@cache
def live_chat_settings() -> LiveChatSettings:
    """This process's settings, read once (tests call ``live_chat_settings.cache_clear()``)."""
    return LiveChatSettings.from_environment()


def _positive(env, name: str, default: int, least: int = 1) -> int:
    value = env.get(name) or str(default)
    if not value.isdecimal() or int(value) < least:
        raise ValueError(
            f"{name} must be a whole number of seconds, at least {least} (not {value!r})"
        )
    return int(value)


def live_chat_token() -> str:
    """LIVE_CHAT_TOKEN, or for one machine a random token kept in var/ (made once)."""
    if token := os.environ.get("LIVE_CHAT_TOKEN"):
        return token
    return kept_secret("live_chat_token", lambda: secrets.token_urlsafe(32))
