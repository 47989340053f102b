"""Talking to the running stack through the REST webhook, as the widget does."""

import uuid

import requests


def send(stack, text, sender=None, region="us"):
    """The bot's replies to one message (a fresh conversation unless ``sender`` is given)."""
    response = requests.post(
        stack.url("rasa", "/webhooks/rest/webhook"),
        json={
            "sender": sender or uuid.uuid4().hex,
            "message": text,
            "metadata": {"region": region},
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()


def text_of(replies):
    return " ".join(r.get("text", "") for r in replies)


def crisis_payload(replies):
    payloads = [r["custom"]["crisis"] for r in replies if "crisis" in (r.get("custom") or {})]
    assert len(payloads) == 1, replies
    return payloads[0]


def button_payloads(replies):
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def stored_events(stack, sender):
    """The conversation's events as Rasa's tracker store keeps them (SQLite in the stack)."""
    import json
    import sqlite3

    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


# The referral form up to the contact question, answered as a visitor types.
REFERRAL_UP_TO_NAME = (
    "I'd like to see a therapist please",
    "/skip",
    "online",
    "weekday evenings",
    '/answer{"clinician": "team"}',
)


def referral_up_to_consent(say, name, contact):
    """The form answered with ``name`` and ``contact``; the replies to the contact (the
    summary). ``say`` sends one message of one conversation and returns the replies."""
    for message in REFERRAL_UP_TO_NAME:
        say(message)
    say(f"my name is {name}")
    return say(contact)
