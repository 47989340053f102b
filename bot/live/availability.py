"""Whether a person from the practice can join a chat now: staffed hours and a responder
on duty whose console is open. Needs Django set up (bot.django_setup)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from bot.live.config import LiveChatSettings, live_chat_settings
from bot.live.models import ResponderDuty


@dataclass(frozen=True)
class Availability:
    enabled: bool  # the practice set staffed hours
    staffed_now: bool
    responders: int  # on duty now
    hours: str  # in words

    @property
    def can_join(self) -> bool:
        return self.staffed_now and self.responders > 0


def availability(
    now: datetime | None = None, config: LiveChatSettings | None = None
) -> Availability:
    config = config or live_chat_settings()
    now = now or timezone.now()
    staffed = config.hours.enabled and config.hours.is_open(now)
    responders = on_duty(now, config).count() if staffed else 0
    return Availability(config.hours.enabled, staffed, responders, config.hours.describe())


def on_duty(now: datetime, config: LiveChatSettings):
    """Responders who said they are available and whose console asked for news lately."""
    return ResponderDuty.objects.filter(
        available=True, seen_at__gte=now - timedelta(seconds=config.away_seconds)
    )
