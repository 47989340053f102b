"""Answers that never reach the tracker store in plain text: a visitor's name and contact.

When the referral form asks for them, the channel stores a placeholder as the
message's text and the answer itself, encrypted (bot.encryption), in the message's
metadata; the form's slots hold the same token; only the action that submits the
referral opens it. Transcripts, exports and staff alerts therefore show the
placeholder, and the referral record (encrypted too) is the one place the details
are kept. A message the risk screen flags is never sealed: staff must read it.
"""

from __future__ import annotations

from bot.encryption import InvalidToken, decrypt, encrypt

FORM = "referral_form"
# slot -> what the transcript shows instead of the answer
PLACEHOLDERS = {
    "ref_name": "[first name: kept private]",
    "ref_contact": "[email or phone: kept private]",
}
METADATA_KEY = "private_answer"
# A token older than this is refused: the form is long finished or abandoned.
MAX_AGE_SECONDS = 24 * 3600


def private_slot(active_loop: str | None, requested_slot: str | None) -> str | None:
    """The slot whose answer must be kept private, when the bot is asking for one."""
    if active_loop == FORM and requested_slot in PLACEHOLDERS:
        return requested_slot
    return None


def seal(answer: str) -> str:
    return encrypt(answer)


def unseal(token: object) -> str | None:
    """The answer a token holds; None for anything that is not a current token of ours."""
    if not isinstance(token, str):
        return None
    try:
        return decrypt(token, ttl_seconds=MAX_AGE_SECONDS)
    except (InvalidToken, ValueError):  # ValueError: not ASCII, so not a token
        return None
