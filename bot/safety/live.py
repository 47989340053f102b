"""Ask the running bot, over its REST webhook, what it made of a safety case."""

from __future__ import annotations

import uuid

import requests

from bot.safety.cases import Case
from bot.safety.screen import ScreenResult


def ask_bot(webhook_url: str, case: Case) -> ScreenResult:
    """Send the case's messages as one new conversation; judge the bot's last turn."""
    sender = f"safety-case-{uuid.uuid4().hex}"
    replies: list[dict] = []
    for message in case.messages:
        response = requests.post(
            webhook_url,
            json={
                "sender": sender,
                "message": message,
                "metadata": {"region": case.region or "us"},
            },
            timeout=60,
        )
        response.raise_for_status()
        replies = response.json()
    payloads = [r["custom"]["crisis"] for r in replies if "crisis" in (r.get("custom") or {})]
    if not payloads:
        return ScreenResult()
    crisis = payloads[0]
    return ScreenResult(crisis["level"], tuple(crisis["categories"]))
