"""Posting referrals from the outbox to the practice's intake endpoint (REFERRAL_WEBHOOK_URL).

Each referral is posted as JSON with its id as the Idempotency-Key header, so a
retry after a timeout cannot create a second referral at the practice. 2xx and
409 (already have it) count as delivered; timeouts, connection errors, 408,
425, 429 and 5xx are retried with backoff; any other 4xx is a refusal that
staff must see (status failed). A first-session note the visitor sent before
delivery goes in the same payload ("session_note"); one that comes later stays in the
console. Log lines carry the reference, never contact details or the note.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

import requests
from django.db import DatabaseError

from bot.referral import outbox
from bot.referral.models import Referral, ReferralNote
from bot.referral.session_note import mark_note_delivered

logger = logging.getLogger(__name__)
TIMEOUT = (3.05, 10)  # seconds to connect, seconds to answer
RETRY_STATUSES = {408, 425, 429}


@dataclass
class Endpoint:
    url: str
    token: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def from_environment(cls) -> Endpoint | None:
        url = os.environ.get("REFERRAL_WEBHOOK_URL", "").strip()
        return cls(url, os.environ.get("REFERRAL_WEBHOOK_TOKEN", "").strip()) if url else None


def referral_payload(referral: Referral, note: ReferralNote | None = None) -> dict:
    return {
        "reference": referral.reference,
        "created_at": referral.created_at.isoformat(),
        "conversation_id": referral.conversation_id,
        "concern": referral.concern,
        "format": referral.session_format,
        "location": referral.location,
        "preferred_times": referral.preferred_times,
        "first_name": referral.first_name,
        "contact": {"kind": referral.contact_kind, "value": referral.contact},
        "clinician_id": referral.clinician_id or None,
        "urgent": referral.urgent,
        "consent": {"text": referral.consent_text, "given_at": referral.consented_at.isoformat()},
        "session_note": None
        if note is None
        else {
            "text": note.text,
            "consent": {"text": note.consent_text, "given_at": note.consented_at.isoformat()},
        },
    }


def note_of(referral: Referral) -> ReferralNote | None:
    return ReferralNote.objects.filter(referral=referral).first()


def post(
    endpoint: Endpoint, referral: Referral, note: ReferralNote | None = None
) -> tuple[str, str]:
    """("delivered" | "retry" | "failed", what went wrong)."""
    headers = {"Idempotency-Key": str(referral.id)}
    if endpoint.token:
        headers["Authorization"] = f"Bearer {endpoint.token}"
    try:
        response = endpoint.session.post(
            endpoint.url, json=referral_payload(referral, note), headers=headers, timeout=TIMEOUT
        )
    except requests.RequestException as error:
        return "retry", type(error).__name__
    status = response.status_code
    if 200 <= status < 300 or status == 409:
        return "delivered", ""
    if status >= 500 or status in RETRY_STATUSES:
        return "retry", f"HTTP {status}"
    return "failed", f"HTTP {status}: {response.text[:200]}"


def deliver_due(endpoint: Endpoint, backoff: outbox.Backoff) -> int:
    """Post every referral that is due now; the number delivered."""
    delivered = 0
    while (referral := outbox.claim_next(lease=backoff.lease)) is not None:
        note = note_of(referral)
        outcome, error = post(endpoint, referral, note)
        if outcome == "delivered":
            outbox.mark_delivered(referral)
            if note is not None:
                mark_note_delivered(note)
            delivered += 1
            logger.info("referral %s delivered", referral.reference)
        elif outcome == "retry":
            outbox.mark_retry(referral, error, backoff)
            logger.warning("referral %s not delivered (%s); will retry", referral.reference, error)
        else:
            outbox.mark_failed(referral, error)
            logger.error(
                "referral %s refused by the intake endpoint: %s", referral.reference, error
            )
    return delivered


def run_worker(
    endpoint: Endpoint | None,
    backoff: outbox.Backoff,
    poll_seconds: float = 5.0,
    stop: threading.Event | None = None,
) -> None:
    """Deliver due referrals every ``poll_seconds`` until ``stop`` is set; never gives up."""
    stop = stop or threading.Event()
    if endpoint is None:
        logger.warning("REFERRAL_WEBHOOK_URL is not set: referrals wait in the outbox for staff.")
        stop.wait()
        return
    while not stop.is_set():
        try:
            deliver_due(endpoint, backoff)
        except DatabaseError as error:  # database briefly away: try again next round
            logger.error("referral outbox unavailable: %s", type(error).__name__)
        stop.wait(poll_seconds)
