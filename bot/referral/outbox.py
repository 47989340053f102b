"""The durable outbox: referrals are written here first, then claimed, posted and marked.

Claiming is a conditional UPDATE (a lease), which is atomic on SQLite and on
PostgreSQL alike, so two workers never post the same referral at once, and a
worker that dies mid-post only delays it until its lease runs out. Staff alerts
(bot.safety.alerts) are leased, retried and marked by the same functions.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from bot.referral.contact import Contact
from bot.referral.models import Referral

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class ReferralDetails:
    """What the visitor agreed to share (the form's answers, checked)."""

    concern: str
    session_format: str
    location: str
    preferred_times: str
    first_name: str
    contact: Contact
    clinician_id: str
    consent_text: str
    urgent: bool = False  # asked for during a crisis


@dataclass(frozen=True)
class Backoff:
    """Seconds before retry n (1, 2, ...): doubling from ``base`` up to ``cap``, with jitter;
    and how long a worker may hold a referral while it posts it."""

    base: float = 5.0
    cap: float = 600.0
    lease: timedelta = LEASE

    def delay(self, attempts: int) -> timedelta:
        ceiling = min(self.cap, self.base * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 - jitter


def new_reference() -> str:
    """A short reference a person can read out on the phone, like LT-7K3M-Q2XF."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"LT-{code[:4]}-{code[4:]}"


def submit(details: ReferralDetails, conversation_id: str) -> Referral:
    """Write a referral to the outbox (it is kept even if it is never delivered)."""
    for _ in range(5):
        try:
            with transaction.atomic():
                return Referral.objects.create(
                    reference=new_reference(),
                    conversation_id=conversation_id,
                    concern=details.concern,
                    session_format=details.session_format,
                    location=details.location,
                    preferred_times=details.preferred_times,
                    first_name=details.first_name,
                    contact_kind=details.contact.kind,
                    contact=details.contact.value,
                    clinician_id=details.clinician_id,
                    consent_text=details.consent_text,
                    consented_at=timezone.now(),
                    urgent=details.urgent,
                )
        except IntegrityError:  # the same reference twice: draw again
            continue
    raise RuntimeError("could not draw a unique referral reference")


def _due(model: type[models.Model], now: datetime):
    return model.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        status=model.Status.PENDING,
        next_attempt_at__lte=now,
    )


def claim_next(
    now: datetime | None = None, lease: timedelta = LEASE, model: type[models.Model] = Referral
):
    """The oldest due row of ``model``'s outbox (referrals, or staff alerts), leased to this
    worker by a conditional UPDATE; None when nothing is due."""
    now = now or timezone.now()
    for candidate in _due(model, now).order_by("next_attempt_at").values_list("pk", flat=True)[:20]:
        if _due(model, now).filter(pk=candidate).update(lease_until=now + lease) == 1:
            return model.objects.get(pk=candidate)
    return None


def mark_delivered(row: models.Model) -> None:
    type(row).objects.filter(pk=row.pk).update(
        status=type(row).Status.DELIVERED,
        delivered_at=timezone.now(),
        attempts=row.attempts + 1,
        lease_until=None,
        last_error="",
    )


def mark_retry(row: models.Model, error: str, backoff: Backoff) -> None:
    attempts = row.attempts + 1
    type(row).objects.filter(pk=row.pk).update(
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff.delay(attempts),
        lease_until=None,
        last_error=error[:1000],
    )


def mark_failed(referral: Referral, error: str) -> None:
    """The endpoint refused it for good (a 4xx): staff follow it up from the console."""
    Referral.objects.filter(pk=referral.pk).update(
        status=Referral.Status.FAILED,
        attempts=referral.attempts + 1,
        lease_until=None,
        last_error=error[:1000],
    )
