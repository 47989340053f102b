"""The tracker events a live chat adds to a conversation, as plain dicts in Rasa's format.

A person's messages and the chat's notices ("Sam from … has joined") are ``bot``
events marked in their metadata with who spoke, so that transcripts, exports, retention
and erasure treat them like every other event and still say who said what. ``pause``
and ``resume`` are Rasa's own ConversationPaused and ConversationResumed: while a
person is in the chat, the bot says nothing (NLU, the risk screen included, still runs
on every message). Used by Rasa's channel (bot/rasa_channel.py), the web process and
the console; imports nothing of Rasa or Django.
"""

from __future__ import annotations

import json
from typing import Any

METADATA_KEY = "lantern_live"
STAFF, NOTICE = "staff", "notice"  # a person from the practice; the chat's own notices
PAUSE: dict[str, Any] = {"event": "pause"}
RESUME: dict[str, Any] = {"event": "resume"}
# A person joining ends any form the bot was asking: the visitor's words to them are
# not a form's answers (and a name or contact asked for would not be kept private).
STOP_FORM: tuple[dict[str, Any], ...] = (
    {"event": "active_loop", "name": None},
    {"event": "slot", "name": "requested_slot", "value": None},
)
PLAIN_EVENTS = (PAUSE, RESUME, *STOP_FORM)
MAX_TEXT_CHARS = 2000
MAX_NAME_CHARS = 60
MAX_EVENTS = 5


class InvalidLiveEvents(ValueError):
    """A request to add events that are not a live chat's."""


def message(
    text: str,
    speaker: str,
    name: str = "",
    crisis: dict[str, Any] | None = None,
    in_reply: bool = False,
) -> dict[str, Any]:
    """A message shown to the visitor: a person's (``STAFF``, with their first name) or
    the chat's notice (``NOTICE``), which may carry a crisis card (bot.safety.crisis.card).
    ``in_reply``: the visitor has it already, in the reply to their message (the widget's
    polls leave it out; transcripts keep it)."""
    marker: dict[str, Any] = {"from": speaker, "name": name}
    if in_reply:
        marker["in_reply"] = True
    event: dict[str, Any] = {"event": "bot", "text": text, "metadata": {METADATA_KEY: marker}}
    if crisis is not None:
        event["data"] = {"custom": crisis}
    return event


def speaker(event: dict[str, Any]) -> dict[str, str] | None:
    """{"from", "name"} for a live chat's message; None for any other event."""
    if event.get("event") != "bot":
        return None
    marker = (event.get("metadata") or {}).get(METADATA_KEY)
    if not isinstance(marker, dict) or marker.get("from") not in (STAFF, NOTICE):
        return None
    name = marker.get("name")
    return {"from": marker["from"], "name": name if isinstance(name, str) else ""}


def in_reply(event: dict[str, Any]) -> bool:
    return ((event.get("metadata") or {}).get(METADATA_KEY) or {}).get("in_reply") is True


def checked(events: Any) -> list[dict[str, Any]]:
    """The events of one request to Rasa's live-chat endpoint, or InvalidLiveEvents: only
    pause, resume, stopping a form and marked messages of bounded size (a crisis card
    only on a notice), so that the endpoint can never set an intent, a risk flag or any
    other slot."""
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS:
        raise InvalidLiveEvents(f"'events' must be a list of 1 to {MAX_EVENTS} events")
    result = []
    for event in events:
        if event in PLAIN_EVENTS:
            result.append(dict(event))
            continue
        who = speaker(event) if isinstance(event, dict) else None
        text = event.get("text") if isinstance(event, dict) else None
        crisis = (event.get("data") or {}).get("custom") if isinstance(event, dict) else None
        if (
            who is None
            or not set(event) <= {"event", "text", "metadata", "data"}
            or not isinstance(text, str)
            or not 0 < len(text) <= MAX_TEXT_CHARS
            or len(who["name"]) > MAX_NAME_CHARS
            or ("data" in event and not _crisis_card(crisis, who))
        ):
            raise InvalidLiveEvents(
                "each event must be pause, resume, stopping a form, or a live chat message "
                "made by bot.live.events.message (text of 1 to 2,000 characters; a crisis "
                "card only on a notice)"
            )
        result.append(message(text, who["from"], who["name"], crisis))
    return result


def _crisis_card(custom: Any, who: dict[str, str]) -> bool:
    return (
        who["from"] == NOTICE
        and isinstance(custom, dict)
        and set(custom) == {"crisis"}
        and isinstance(custom["crisis"], dict)
        and len(json.dumps(custom)) <= 20_000
    )
