"""What visitors read about live chat (data/content/live_chat.yml), with the blanks filled."""

from __future__ import annotations

from string import Formatter

from bot.content import content_file
from bot.safety.crisis import emergency_words

KEYS = (
    "offer", "offer_button", "closed", "nobody_free", "requested", "waiting_long", "joined",
    "handed_back", "ended", "visitor_left", "responder_away", "crisis_while_live",
)  # fmt: skip
BLANKS = frozenset({"practice", "name", "hours", "emergency"})


def text(key: str, region: str | None = None, **values: str) -> str:
    """One text; {emergency} comes from the region ("call 911")."""
    template = content_file("live_chat")[key]
    return " ".join(template.format(emergency=f"call {emergency_words(region)}", **values).split())


def check_content() -> list[str]:
    """Problems with data/content/live_chat.yml: missing texts, unknown blanks."""
    content = content_file("live_chat")
    problems = [f"live_chat.yml: '{key}' is missing" for key in KEYS if not content.get(key)]
    for key, template in content.items():
        names = {name for _, name, _, _ in Formatter().parse(str(template)) if name}
        if unknown := names - BLANKS:
            problems.append(f"live_chat.yml: '{key}' uses unknown blanks {sorted(unknown)}")
    return problems
