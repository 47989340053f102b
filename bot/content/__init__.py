"""Content the bot shows that clinicians and staff edit as data (data/content/)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

CONTENT_DIR = Path(__file__).resolve().parents[2] / "data" / "content"


@cache
def content_file(name: str) -> dict:
    """One file of data/content/, read once."""
    path = CONTENT_DIR / f"{name}.yml"
    with open(path, encoding="utf-8") as file:
        content = yaml.safe_load(file)
    if not isinstance(content, dict):
        raise ValueError(f"{path} must be a YAML mapping.")
    return content


def _fallback_content() -> dict:
    content = content_file("fallback")
    labels = content.get("labels")
    if not isinstance(content.get("did_you_mean"), str) or not isinstance(labels, dict):
        raise ValueError(f"{CONTENT_DIR}/fallback.yml needs 'did_you_mean' and 'labels'.")
    return content


def did_you_mean(intent: str) -> str | None:
    """The question offering ``intent`` as the bot's best guess, or None if it has no label."""
    content = _fallback_content()
    label = content["labels"].get(intent)
    return content["did_you_mean"].format(label=label) if label else None


def chat_privacy_answer(practice: str, retention_days: int) -> str:
    """What happens to this chat, in the practice's own terms (data/content/chat_privacy.yml)."""
    return content_file("chat_privacy")["answer"].format(
        practice=practice, retention_days=retention_days
    )
