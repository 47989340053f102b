"""How the web process adds live-chat events to a conversation: through Rasa's own
channel (POST /webhooks/rest/live), so that Rasa writes its tracker under its lock store
and no turn in progress can lose an event. Any instance will do."""

from __future__ import annotations

import logging
from typing import Any

import requests

from bot.live.config import LiveChatSettings, live_chat_settings, live_chat_token

logger = logging.getLogger(__name__)

PATH = "/webhooks/rest/live"
TIMEOUT_SECONDS = 10


class RasaUnreachable(Exception):
    """No Rasa instance took the events: nothing was added."""


def append(
    conversation_id: str,
    events: list[dict[str, Any]],
    config: LiveChatSettings | None = None,
    session: requests.Session | None = None,
) -> None:
    """Add ``events`` (bot.live.events) to the conversation, in order, as one write."""
    config = config or live_chat_settings()
    poster = session or requests
    body = {"sender": conversation_id, "events": events}
    headers = {
        "Authorization": f"Bearer {live_chat_token()}",
        "X-Lantern-Conversation": conversation_id,
    }
    problems = []
    for url in config.rasa_urls:
        try:
            response = poster.post(url + PATH, json=body, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            problems.append(f"{url}: {type(error).__name__}")
            continue
        if response.status_code == 200:
            return
        problems.append(f"{url}: HTTP {response.status_code}")
        if response.status_code < 500:  # refused, not unreachable: another instance would too
            break
    logger.error("Live chat events not added to %s: %s", conversation_id, "; ".join(problems))
    raise RasaUnreachable("; ".join(problems))
