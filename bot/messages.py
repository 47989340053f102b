"""Checks and clean-up for visitor messages arriving over HTTP, shared by every channel."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Documented in the README ("Limits"). Longer messages are cut before NLU;
# the widget stops typing at the same length.
MAX_MESSAGE_CHARS = 4000
MAX_SENDER_CHARS = 128
MAX_METADATA_BYTES = 2048

# Conversation ids are made by the widget (long random values); this keeps
# them safe to log, to put in URLs (no "/", never "." or "..") and to store.
# The staff console's URLs use the same pattern.
CONVERSATION_ID = r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}"
SENDER_PATTERN = re.compile(rf"^{CONVERSATION_ID}$")
# C0 control characters other than tab and newline, plus DEL. PostgreSQL
# refuses NUL in text columns, and none of these mean anything in a chat.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Lone UTF-16 surrogates arrive as JSON escapes ("\\ud800") and cannot be encoded
# as UTF-8: spaCy's tokenizer (and so the safety screen) fails on them.
SURROGATES = re.compile(r"[\ud800-\udfff]")


class InvalidMessage(ValueError):
    """A request that cannot become a user message; the text says what to send instead."""


@dataclass(frozen=True)
class IncomingMessage:
    sender: str
    text: str
    metadata: dict[str, Any]
    truncated: bool


def parse_webhook_body(body: bytes) -> IncomingMessage:
    """Validate a REST webhook body and return a message that is safe to hand to NLU."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise InvalidMessage("The request body must be UTF-8 encoded JSON.") from error
    except (ValueError, RecursionError) as error:  # also numbers past 4,300 digits, deep nesting
        raise InvalidMessage(
            'The request body must be JSON like {"sender": "...", "message": "..."}.'
        ) from error
    if not isinstance(payload, dict):
        raise InvalidMessage('The request body must be a JSON object with "sender" and "message".')

    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender:
        raise InvalidMessage('"sender" is required: a conversation id made by the client.')
    if len(sender) > MAX_SENDER_CHARS or not SENDER_PATTERN.match(sender):
        raise InvalidMessage(
            f'"sender" must be at most {MAX_SENDER_CHARS} letters, digits or _ . : @ - '
            "characters, starting with a letter or a digit."
        )

    text = payload.get("message")
    if not isinstance(text, str):
        raise InvalidMessage('"message" is required and must be a string.')
    text = SURROGATES.sub("\ufffd", CONTROL_CHARACTERS.sub(" ", text)).strip()
    if not text:
        raise InvalidMessage('"message" is empty: type something to send.')
    truncated = len(text) > MAX_MESSAGE_CHARS
    if truncated:
        text = text[:MAX_MESSAGE_CHARS]

    return IncomingMessage(
        sender=sender,
        text=text,
        metadata=_clean_metadata(payload.get("metadata")),
        truncated=truncated,
    )


def _clean_metadata(metadata: Any) -> dict[str, Any]:
    # Metadata is stored with every user event: keep it small and well formed,
    # and drop it rather than refuse a message that may be a cry for help.
    if not isinstance(metadata, dict):
        return {}
    if len(json.dumps(metadata, default=str)) > MAX_METADATA_BYTES:
        return {}
    return metadata
