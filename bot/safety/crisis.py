"""What the bot says in a crisis: which words, which services, whether to alert staff.

The words are data (data/content/crisis.yml, and the footer with the crisis
lines in domain.yml) that clinicians can read and edit; this module only chooses.
Each reply that can repeat has several wordings; the one used last time in the
conversation is not used again next time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.content import content_file
from bot.regions import INTERNATIONAL, normalise_region
from bot.safety.conversation import CALL_NOW, KEEP_TALKING, SAFE_NOW, prefilled, raised, rules
from bot.safety.decide import ScreenResult, highest
from bot.safety.resources import CrisisResources

ALERT_LEVELS = ("high", "imminent")
LOCAL_EMERGENCY = "your local emergency number"
NO_POISON_LINE = "a poison information service"
# Which category's words come first when a message has several: at imminent
# the most urgent first aid (an overdose, then bleeding); otherwise suicide first.
URGENT_ORDER = ("overdose", "self_harm", "suicide", "harm_to_others", "abuse", "eating_disorder")
ORDER = ("suicide", "overdose", "self_harm", "abuse", "harm_to_others", "eating_disorder")
SOMEONE_ELSE = "someone_else"
# First-person risk of these kinds gets the direct questions about suicide.
ASK_DIRECTLY = frozenset({"suicide", "self_harm", "overdose"})


@dataclass(frozen=True)
class CrisisReply:
    text: str
    level: str  # this message's level
    highest_level: str  # the conversation's highest so far
    categories: tuple[str, ...]
    payload: dict | None  # the crisis card the widget draws; None when nothing was flagged
    alert_staff: bool
    buttons: tuple[dict, ...] = ()
    wordings: dict | None = None  # which wording of each reply the conversation has used
    asks: str | None = None  # what the reply asks (conversation.CALL_NOW, ...)
    # When the direct questions follow: the answers the message already gave.
    questions: dict[str, str] | None = None


@cache
def crisis_resources() -> CrisisResources:
    return CrisisResources.load()


def wordings(key: str) -> list[str]:
    """Every wording of a reply: ``key`` is a dotted path in crisis.yml."""
    node = content_file("crisis")
    for part in key.split("."):
        node = node[part]
    return [node] if isinstance(node, str) else list(node)


def every_wording() -> list[tuple[str, str]]:
    """(key, text) of every text the crisis conversation can say, for checks of the file."""

    def walk(key: str, node) -> list[tuple[str, str]]:
        if isinstance(node, str):
            return [(key, node)]
        if isinstance(node, list):
            return [(key, text) for text in node]
        return [pair for part, child in node.items() for pair in walk(f"{key}.{part}", child)]

    content = content_file("crisis")
    return [
        pair
        for section in ("replies", "questions", "after_questions", "follow_up")
        for pair in walk(section, content[section])
    ]


def word(key: str, region: str | None, used: dict | None) -> tuple[str, dict]:
    """A wording of ``key`` other than the one used last time, filled in for the region."""
    options = wordings(key)
    used = dict(used or {})
    last = used.get(key)
    index = (last + 1) % len(options) if isinstance(last, int) else 0
    used[key] = index
    return fill(options[index], region), used


def fill(text: str, region: str | None) -> str:
    return text.format(emergency=emergency_words(region), poison=poison_line(region))


def emergency_words(region: str | None) -> str:
    """What to call in danger: "911", or "your local emergency number"."""
    return crisis_resources().emergency_number(region) or LOCAL_EMERGENCY


def poison_line(region: str | None) -> str:
    for service in crisis_resources().services(region):
        if service.serves(("poison",)) and service.phone:
            return f"{service.name} on {service.phone}"
    return NO_POISON_LINE


def buttons(asks: str | None, offers: str | None) -> tuple[dict, ...]:
    """The buttons for what a reply asks, then the offers of its situation (crisis.yml)."""
    content = content_file("crisis")
    chosen = list(content["answer_buttons"].get(asks, [])) if asks else []
    chosen += content["offers"].get(offers, []) if offers else []
    return tuple(chosen)


def card(level: str, categories: tuple[str, ...], region: str) -> dict:
    """The crisis card: the level, and the region's services for these needs."""
    services = crisis_resources().for_region(region, list(categories))
    return {
        "crisis": {
            "level": level,
            "categories": list(categories),
            "region": region,
            "resources": [service.to_payload() for service in services],
        }
    }


def main_category(result: ScreenResult, level: str) -> str:
    if "third_party" in result.modifiers:
        return SOMEONE_ELSE
    order = URGENT_ORDER if level == "imminent" else ORDER
    return next((c for c in order if c in result.categories), "suicide")


def plan_reply(
    result: ScreenResult,
    prior_level: str,
    region: str | None,
    used: dict | None = None,
    questions_done: bool = False,
) -> CrisisReply:
    """Choose the first response, services and alert for a screened message in its conversation."""
    region = normalise_region(region) or INTERNATIONAL
    level = result.level
    categories = result.categories or ("suicide",)
    if level == "none":  # a means question with no distress and no earlier risk
        text, used = word("replies.means_declined", region, used)
        return CrisisReply(
            text, level, highest([prior_level, level]), categories, None, False,
            buttons(KEEP_TALKING, "support"), used, KEEP_TALKING,
        )  # fmt: skip
    category = main_category(result, level)
    text, used = word(_reply_key(category, level), region, used)
    ask_directly = category in ASK_DIRECTLY and level in ("low", "high") and not questions_done
    if level == "imminent":
        asks, offers = CALL_NOW, None
    elif ask_directly:
        asks, offers = None, None  # the direct questions follow, with their own buttons
    else:
        asks, offers = KEEP_TALKING, category
    return CrisisReply(
        text,
        level,
        highest([prior_level, level]),
        tuple(categories),
        card(level, tuple(categories), region),
        level in ALERT_LEVELS and raised(prior_level, level),
        buttons(asks, offers),
        used,
        asks,
        prefilled(category, level) if ask_directly else None,
    )


def _reply_key(category: str, level: str) -> str:
    """replies.<category>.<level>; a category without words for a level uses the next one up."""
    levels = content_file("crisis")["replies"][category]
    for candidate in ("low", "high", "imminent")[("low", "high", "imminent").index(level) :]:
        if candidate in levels:
            return f"replies.{category}.{candidate}"
    raise KeyError(f"crisis.yml has no replies for {category} at {level} or above")


def safe_now_buttons() -> tuple[dict, ...]:
    return buttons(SAFE_NOW, None)


# The situations the /safety page describes: (title, category, level, third party).
PROTOCOL_SITUATIONS = (
    ("Immediate danger to life", "suicide", "imminent", False),
    ("An overdose or poisoning", "overdose", "imminent", False),
    ("An injury now", "self_harm", "imminent", False),
    ("Thoughts of suicide", "suicide", "high", False),
    ("Hopelessness, or wishing to disappear", "suicide", "low", False),
    ("Self-harm", "self_harm", "high", False),
    ("Eating difficulties that put health at risk", "eating_disorder", "high", False),
    ("Being hurt by someone", "abuse", "high", False),
    ("Wanting to hurt someone", "harm_to_others", "high", False),
    ("Worried that someone else is in danger", "suicide", "high", True),
)


def protocol(region: str | None) -> list[dict]:
    """What the bot says first in each situation, worked out by plan_reply itself."""
    described = []
    for title, category, level, third_party in PROTOCOL_SITUATIONS:
        modifiers = ("third_party",) if third_party else ()
        reply = plan_reply(ScreenResult(level, (category,), modifiers), "none", region)
        described.append(
            {
                "title": title,
                "reply": reply.text,
                "offers": [b["title"] for b in reply.buttons],
                "asks_directly": reply.questions is not None,
                "alerts_staff": reply.alert_staff,
            }
        )
    return described


def direct_questions(region: str | None) -> list[dict]:
    """The direct questions in order, and the level a "yes" and a "not sure" lead to."""
    return [
        {
            "text": fill(wordings(f"questions.{q.id}")[0], region),
            "yes": q.level_if.get("yes"),
            "not_sure": q.level_if.get("not_sure"),
        }
        for q in rules().questions
    ]
