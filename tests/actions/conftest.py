"""Trackers saved as JSON and the domain, for action tests in the financial-demo style."""

import json
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

TRACKERS = Path(__file__).parent / "trackers"
DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"


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


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load(DOMAIN_FILE.read_text())
