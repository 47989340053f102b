"""The widget's own copies of data: the crisis services, the journal's prompts, the
mood check-ins' questions and summary rules, and the first-session note's questions.

The widget ships `static/lantern/crisis-help.json` (so "Get help now" works with the bot
down), generated from data/resources and bot.regions (its region picker's names),
`static/lantern/journal-prompts.json` (for My notes), generated from
data/content/journal_prompts.yml, `static/lantern/mood-checkins.json` (My notes' mood
check-ins), generated from data/content/mood_summary.yml, the PHQ-2 and GAD-2 questions
(domain.yml) and their cut-off (data/content/checkins.yml), and
`static/lantern/session-note.json` (the first-session note), generated from
data/content/session_note.yml, all by `make widget-help`; a test fails when any of them
is out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from bot.checkins import checkins, screener_items
from bot.content import CONTENT_DIR
from bot.regions import REGION_NAMES
from bot.safety.footer import DOMAIN_FILE
from bot.safety.resources import LOCAL_EMERGENCY_ADVICE, CrisisResources

STATIC_DIR = Path(__file__).resolve().parent / "static" / "lantern"
STATIC_FILE = STATIC_DIR / "crisis-help.json"
JOURNAL_FILE = STATIC_DIR / "journal-prompts.json"
JOURNAL_PROMPTS = CONTENT_DIR / "journal_prompts.yml"
MOOD_FILE = STATIC_DIR / "mood-checkins.json"
MOOD_SUMMARY = CONTENT_DIR / "mood_summary.yml"
SCREENERS = ("phq2", "gad2")
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


def mood_checkins(path: Path = MOOD_SUMMARY, domain: Path = DOMAIN_FILE) -> dict:
    """My notes' mood check-ins: the summary's rules and words, and the PHQ-2 and GAD-2
    exactly as the chat asks them (the questions and answer buttons of domain.yml, the
    names and cut-off of checkins.yml)."""
    summary = yaml.safe_load(path.read_text(encoding="utf-8"))
    responses = yaml.safe_load(domain.read_text(encoding="utf-8"))["responses"]
    screeners = checkins()["screeners"]

    def question(item: str) -> dict:
        [response] = responses[f"utter_ask_{item}"]
        return {"id": item, "text": " ".join(response["text"].split())}

    [first_question] = responses[f"utter_ask_{screener_items('phq2')[0]}"]
    answers = [
        {
            "score": int(json.loads(button["payload"].split("/answer", 1)[1])["answer"]),
            "label": button["title"],
        }
        for button in first_question["buttons"]
        if button["payload"].startswith("/answer")
    ]
    return {
        "scale": summary["scale"],
        "rules": summary["rules"],
        "windows": summary["windows"],
        "day_value": summary["day_value"],
        "words": summary["words"],
        "offer": summary["offer"],
        "screeners": {
            "threshold": screeners["threshold"],
            "answers": answers,
            **{
                name: {
                    "name": screeners[name]["name"],
                    "questions": [question(item) for item in screener_items(name)],
                }
                for name in SCREENERS
            },
        },
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
        (MOOD_FILE, mood_checkins()),
        (SESSION_NOTE_FILE, session_note()),
    ):
        target.write_text(render(data), encoding="utf-8")
        sys.stdout.write(f"wrote {target}\n")
