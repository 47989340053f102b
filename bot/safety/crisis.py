"""What the bot does with a flagged message: which words, which services, whether to alert staff.

The words are data (data/content/crisis.yml, and the footer with the crisis
lines in domain.yml) that clinicians can read and edit; this module only chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.content import crisis_offers, crisis_reply_text
from bot.regions import INTERNATIONAL, normalise_region
from bot.safety.decide import ScreenResult, highest, level_rank
from bot.safety.resources import CrisisResources

ALERT_LEVELS = ("high", "imminent")


@dataclass(frozen=True)
class CrisisReply:
    text: str
    level: str  # this message's level
    highest_level: str  # the conversation's highest so far
    categories: tuple[str, ...]
    emergency: str
    payload: dict | None  # the crisis card the widget draws; None when nothing was flagged
    alert_staff: bool
    buttons: tuple[dict, ...] = ()  # human help and something to do now; none when imminent


@cache
def crisis_resources() -> CrisisResources:
    return CrisisResources.load()


def plan_reply(result: ScreenResult, prior_level: str, region: str | None) -> CrisisReply:
    """Choose the response, services and alert for a screened message in its conversation."""
    region = normalise_region(region) or INTERNATIONAL
    resources = crisis_resources()
    level = result.level
    highest_level = highest([prior_level, level])
    categories = result.categories or ("suicide",)
    services = resources.for_region(region, list(categories))
    emergency = resources.emergency_number(region) or resources.local_emergency_advice
    # A means question with no distress and no earlier risk is declined, not flagged.
    payload = None
    if level != "none":
        payload = {
            "crisis": {
                "level": level,
                "categories": list(categories),
                "region": region,
                "resources": [service.to_payload() for service in services],
            }
        }
    alert = level in ALERT_LEVELS and level_rank(level) > level_rank(prior_level)
    situation = _situation(result, level)
    return CrisisReply(
        crisis_reply_text(situation, emergency),
        level,
        highest_level,
        tuple(categories),
        emergency,
        payload,
        alert,
        crisis_offers(situation),
    )


def _situation(result: ScreenResult, level: str) -> str:
    first = result.categories[0] if result.categories else None
    if level == "none":
        return "means_declined" if result.means_question else "low"
    if level == "imminent":
        return "imminent"
    if "third_party" in result.modifiers:
        return "third_party"
    if first in ("abuse", "harm_to_others"):
        return first
    return level
