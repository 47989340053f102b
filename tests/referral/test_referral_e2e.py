"""A referral through the real stack, typed as a visitor would: it reaches the outbox
only after consent, with a reference the visitor can quote, its contact encrypted."""

import sqlite3
import uuid

import pytest
from cryptography.fernet import Fernet

from bot.encryption import KEY_FILE_NAME
from tests.support.chat import button_payloads, crisis_payload, send, text_of

pytestmark = [pytest.mark.e2e, pytest.mark.referral]


@pytest.fixture
def chat(stack):
    sender = uuid.uuid4().hex

    def say(text):
        return send(stack, text, sender=sender, region="uk")

    say.sender = sender
    return say


def outbox_rows(stack, sender):
    """The conversation's referrals, the contact decrypted with the stack's own key."""
    key = (stack.var_dir / KEY_FILE_NAME).read_text().strip()
    with sqlite3.connect(stack.var_dir / "web.db") as db:
        rows = db.execute(
            "SELECT reference, contact, session_format, status FROM referral_referral"
            " WHERE conversation_id = ?",
            (sender,),
        ).fetchall()
    return [
        (reference, Fernet(key).decrypt(contact.encode()).decode(), session_format, status)
        for reference, contact, session_format, status in rows
    ]


def test_a_typed_referral_reaches_the_outbox_only_after_consent(stack, chat):
    chat("I'd like to see a therapist please")
    chat("I've been anxious and panicky for months")
    chat("face to face")
    chat("Leeds")
    replies = chat("weekday evenings")
    assert "works with" in text_of(replies)  # the matches, each with why
    assert any('"clinician"' in p for p in button_payloads(replies))
    chat('/answer{"clinician": "team"}')
    chat("/skip")
    replies = chat("not-an-email@")
    assert "doesn't look right" in text_of(replies)
    replies = chat("07911 123456")
    # Shown back masked, to check, before consent: the summary stays in the history.
    assert "**********456" in text_of(replies) and "+447911123456" not in text_of(replies)
    assert outbox_rows(stack, chat.sender) == []  # nothing stored before consent
    replies = chat("yes")
    [(reference, contact, session_format, status)] = outbox_rows(stack, chat.sender)
    assert reference in text_of(replies)
    assert (contact, session_format, status) == ("+447911123456", "in_person", "pending")
    assert "+447911123456" not in text_of(replies)  # not repeated afterwards


def test_a_crisis_message_interrupts_the_referral(stack, chat):
    chat("can you refer me to a counsellor")
    replies = chat("i just want to die")
    assert crisis_payload(replies)["region"] == "uk"
    assert outbox_rows(stack, chat.sender) == []
