"""The first-session note a visitor may send, from the widget's My notes, with the
appointment request they made in the chat.

The questions are data/content/session_note.yml's (the widget has a copy, made by
`make widget-help`). The note is checked and written here as the practice reads it:
each answered question, then its answer. It is stored encrypted beside the
conversation's latest referral (ReferralNote), with the consent the visitor ticked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bot.content import content_file

MAX_ANSWER_CHARS = 2000  # the widget's limit per answer too
MAX_CONSENT_CHARS = 1000


def session_note_words() -> dict:
    """The note's title, questions and sending words, in the file's order."""
    content = content_file("session_note")
    return {
        "title": content["title"],
        "about": content["about"],
        "questions": [
            {"id": q["id"], "question": q["question"], "hint": q["hint"]}
            for q in content["questions"]
        ],
        "send": dict(content["send"]),
        "reminder": dict(content["reminder"]),
    }


@dataclass(frozen=True)
class NoteRefused(ValueError):
    """Why a note cannot be sent, in words for the visitor, and the HTTP status to answer."""

    message: str
    status: int = 400


def note_text(answers) -> str:
    """The note as the practice reads it; NoteRefused when it is not a note that can be sent."""
    if not isinstance(answers, dict):
        raise NoteRefused('Send the note as {"brings": "...", "tried": "...", ...}.')
    parts = []
    for question in session_note_words()["questions"]:
        answer = answers.get(question["id"], "")
        if not isinstance(answer, str):
            raise NoteRefused(f"The answer to {question['id']!r} must be text.")
        if len(answer) > MAX_ANSWER_CHARS:
            raise NoteRefused(
                f"An answer is too long to send: at most {MAX_ANSWER_CHARS} characters each.",
                status=413,
            )
        if answer.strip():
            parts.append(f"{question['question']}\n{answer.strip()}")
    if not parts:
        raise NoteRefused("The note is empty: write at least one answer, then send it.")
    return "\n\n".join(parts)


def consent_given(consent_text) -> str:
    """The consent words the visitor ticked; NoteRefused when there are none."""
    if not isinstance(consent_text, str) or not consent_text.strip():
        raise NoteRefused("Tick the box to agree first: the note is sent only with your consent.")
    if len(consent_text) > MAX_CONSENT_CHARS:
        raise NoteRefused("The consent text is too long.")
    return consent_text.strip()


def attach(conversation_id: str, text: str, consent_text: str):
    """Keep the note with the conversation's latest referral, replacing any note sent before.

    Returns (the referral, the note, whether it replaced one); NoteRefused (404) when the
    conversation has no referral."""
    from bot.referral.models import Referral, ReferralNote  # needs Django set up

    referral = (
        Referral.objects.filter(conversation_id=conversation_id).order_by("-created_at").first()
    )
    if referral is None:
        raise NoteRefused(session_note_words()["send"]["no_request"], status=404)
    with transaction.atomic():
        note, created = ReferralNote.objects.update_or_create(
            referral=referral,
            defaults={
                "text": text,
                "consent_text": consent_text,
                "consented_at": timezone.now(),
                "delivered_at": None,  # a new note has not been sent anywhere yet
            },
        )
    return referral, note, not created


def mark_note_delivered(note) -> None:
    """The note went in its referral's payload; a note replaced meanwhile was not sent."""
    type(note).objects.filter(pk=note.pk, consented_at=note.consented_at).update(
        delivered_at=timezone.now()
    )
