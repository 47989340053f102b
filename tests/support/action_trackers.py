"""Trackers for action tests in the financial-demo style: saved as JSON (trackers/) or built.

The ``dispatcher`` and ``domain`` fixtures these tests take are in tests/conftest.py.
"""

import json
from pathlib import Path

from rasa_sdk import Tracker

TRACKERS = Path(__file__).parent / "trackers"


def load_tracker(name: str) -> Tracker:
    return Tracker.from_dict(json.loads((TRACKERS / f"{name}.json").read_text()))


def tracker_after(
    text: str, intent: str, entities=(), slots: dict | None = None, sender: str = "c0ffee"
) -> Tracker:
    """A tracker whose latest user message is ``text``, with that intent and entities."""
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 1.0},
                "entities": [{"entity": name, "value": value} for name, value in entities],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )
