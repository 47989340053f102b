"""Content the bot shows that clinicians and staff edit as data (data/content/)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

CONTENT_DIR = Path(__file__).resolve().parents[2] / "data" / "content"


@cache
def intent_labels() -> dict[str, str]:
    """Plain-words names of intents, used when the bot asks "Did you mean …?"."""
    with open(CONTENT_DIR / "intent_labels.yml", encoding="utf-8") as file:
        labels = yaml.safe_load(file) or {}
    if not isinstance(labels, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in labels.items()
    ):
        raise ValueError(f"{CONTENT_DIR / 'intent_labels.yml'} must map intent names to text.")
    return labels


def intent_label(intent: str) -> str | None:
    return intent_labels().get(intent)
