"""Services that closed or no longer answer the public are never listed anywhere."""

import json
import re

import pytest
import yaml

from bot.safety.resources import DEFAULT_DIR
from bot.web.crisis_help import STATIC_FILE

# What each withdrawn service could be recognised by: words (matched as whole words,
# in any case) and numbers (matched by their digits).
WITHDRAWN = {
    "NEDA Helpline (closed June 2023)": {
        "words": ["NEDA", "National Eating Disorders Association", "nationaleatingdisorders.org"],
        "numbers": ["1-800-931-2237"],
    },
    "988's LGBTQ+ youth option (ended July 2025)": {
        "words": ["press 3", "988 LGBTQ", "LGBTQ+ Youth Specialized Services"],
        "numbers": [],
    },
    "Ontario Poison Centre's former public line (now for health professionals)": {
        "words": [],
        "numbers": ["1-800-268-9017"],
    },
}


def texts(value):
    """Every string in parsed YAML or JSON (comments are not data)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def withdrawn_mentions(strings):
    """(service, what matched, where) for every mention of a withdrawn service."""
    found = []
    for text in strings:
        digits = re.sub(r"\D", "", text)
        for service, marks in WITHDRAWN.items():
            for word in marks["words"]:
                if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
                    found.append((service, word, text))
            for number in marks["numbers"]:
                if re.sub(r"\D", "", number) in digits:
                    found.append((service, number, text))
    return found


def resource_files():
    return sorted(DEFAULT_DIR.glob("*.yml"))


@pytest.mark.parametrize("path", resource_files(), ids=lambda path: path.name)
def test_no_withdrawn_service_in_the_resources(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert withdrawn_mentions(texts(data)) == []


def test_no_withdrawn_service_in_the_widgets_copy():
    assert withdrawn_mentions(texts(json.loads(STATIC_FILE.read_text(encoding="utf-8")))) == []


@pytest.mark.parametrize(
    "planted",
    [
        "NEDA Helpline",
        "call 1 (800) 931-2237",
        "988 Lifeline, then press 3",
        "18002689017",
    ],
)
def test_a_withdrawn_service_would_be_found(planted):
    data = {"services": [{"name": "Samaritans", "phone": "116 123"}, {"name": planted}]}
    assert len(withdrawn_mentions(texts(data))) == 1


def test_similar_words_are_not_taken_for_a_withdrawn_service():
    assert withdrawn_mentions(["Wednesday", "Needa Helpline", "1-800-931-2238"]) == []
