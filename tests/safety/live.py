"""Ask the running bot, over its REST webhook, what it made of a safety case."""

from __future__ import annotations

import uuid

import requests

from bot.safety.decide import ScreenResult, stronger
from tests.safety.cases import Case


def ask_bot(webhook_url: str, case: Case) -> ScreenResult:
    """Send the case's messages as one new conversation; judge it by the strongest crisis
    payload the bot sent (a flag stays on the conversation, as in run_on_screen)."""
    sender = f"safety-case-{uuid.uuid4().hex}"
    strongest = ScreenResult()
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
        for reply in response.json():
            crisis = (reply.get("custom") or {}).get("crisis")
            if crisis:
                found = ScreenResult(crisis["level"], tuple(crisis["categories"]))
                strongest = stronger(strongest, found)
    return strongest
