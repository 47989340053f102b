"""The widget's own copies of data: the crisis services, the journal's prompts and the
first-session note's questions.

The widget ships `static/lantern/crisis-help.json` (so "Get help now" works with the bot
down), generated from data/resources and bot.regions (its region picker's names), and
`static/lantern/journal-prompts.json` (for My notes), generated from
data/content/journal_prompts.yml, and `static/lantern/session-note.json` (the first-session
note), generated from data/content/session_note.yml, all by `make widget-help`; a test
fails when any of them is out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from bot.regions import REGION_NAMES
from bot.safety.resources import LOCAL_EMERGENCY_ADVICE, CrisisResources

STATIC_DIR = Path(__file__).resolve().parent / "static" / "lantern"
STATIC_FILE = STATIC_DIR / "crisis-help.json"
JOURNAL_FILE = STATIC_DIR / "journal-prompts.json"
JOURNAL_PROMPTS = Path(__file__).resolve().parents[2] / "data" / "content" / "journal_prompts.yml"
SESSION_NOTE_FILE = STATIC_DIR / "session-note.json"


def crisis_help(resources: CrisisResources | None = None) -> dict:
    """Every region's name, emergency number and services, as the widget draws them."""
    resources = resources or CrisisResources.load()
    return {
        "local_emergency_advice": LOCAL_EMERGENCY_ADVICE,
        "region_names": REGION_NAMES,  # in the picker's order
        "regions": {
            region: {
                "emergency": resources.emergency_number(region),
                "services": [service.to_payload() for service in resources.services(region)],
            }
            for region in resources.regions()
        },
    }


def journal_prompts(path: Path = JOURNAL_PROMPTS) -> dict:
    """The journal's groups and prompts, in the file's order, as the widget offers them."""
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups = content["groups"]
    return {
        "when_flagged": content["when_flagged"],
        "groups": [
            {
                "id": group["id"],
                "title": group["title"],
                "about": group["about"],
                "prompts": [
                    {"id": prompt["id"], "text": prompt["text"], "source": prompt["source"]}
                    for prompt in group["prompts"]
                ],
            }
            for group in groups
        ],
    }


def session_note() -> dict:
    """The first-session note's words (data/content/session_note.yml), as the widget shows them."""
    from bot.referral.session_note import session_note_words  # one reader for the file

    return session_note_words()


def render(data: dict) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    for target, data in (
        (STATIC_FILE, crisis_help()),
        (JOURNAL_FILE, journal_prompts()),
        (SESSION_NOTE_FILE, session_note()),
    ):
        target.write_text(render(data), encoding="utf-8")
        sys.stdout.write(f"wrote {target}\n")
