"""utter_crisis_footer in domain.yml, written from data/resources by bot.safety.footer."""

import pytest
import yaml

from bot.regions import KNOWN_REGIONS
from bot.safety.footer import DOMAIN_FILE, RESPONSE, footer_block, footer_texts, replace_block
from bot.safety.resources import CrisisResources
from tests.safety.resource_data import load_us, service

RESOURCES = CrisisResources.load()
DOMAIN = DOMAIN_FILE.read_text(encoding="utf-8")


def domain_footer_texts(domain_text):
    """The footer's texts as domain.yml has them: by region, None for everywhere else."""
    texts = {}
    for variation in yaml.safe_load(domain_text)["responses"][RESPONSE]:
        regions = [c["value"] for c in variation.get("condition", []) if c["name"] == "region"]
        texts[regions[0] if regions else None] = variation["text"]
    return texts


def test_domain_footer_matches_the_resources():
    """After editing data/resources, run `python -m bot.safety.footer`."""
    assert domain_footer_texts(DOMAIN) == footer_texts()


def test_domain_footer_is_written_as_the_command_writes_it():
    assert replace_block(DOMAIN, footer_block(footer_texts())) == DOMAIN


def test_rewriting_changes_only_the_footer():
    stale = DOMAIN.replace("call 999.", "call 998.")
    assert stale != DOMAIN
    assert replace_block(stale, footer_block(footer_texts())) == DOMAIN
    others = yaml.safe_load(DOMAIN)["responses"]
    rewritten = yaml.safe_load(replace_block(DOMAIN, footer_block({None: "Call someone."})))
    assert rewritten["responses"][RESPONSE] == [{"text": "Call someone."}]
    del others[RESPONSE], rewritten["responses"][RESPONSE]
    assert rewritten["responses"] == others


@pytest.mark.parametrize("region", KNOWN_REGIONS)
def test_each_regions_footer_gives_its_emergency_number_and_a_line_for_everyone(region):
    text = footer_texts()[region]
    assert text.startswith(f"If you are in danger now, call {RESOURCES.emergency_number(region)}")
    main_lines = [
        s
        for s in RESOURCES.services(region)
        if s.general_audience and s.hours == "24/7" and s.serves(("suicide", "crisis_text"))
    ]
    numbers = [number for s in main_lines for number in (s.phone, s.sms) if number]
    assert any(number in text for number in numbers)
    assert text.endswith("any time, day or night.")
    assert len(text) <= 160  # it follows every crisis reply


def test_footer_for_everywhere_else_sends_to_the_local_emergency_number():
    text = footer_texts()[None]
    assert text.startswith("If you are in danger now, call your local emergency number.")
    assert "findahelpline.com" in text


def test_ireland_gives_both_emergency_numbers():
    assert footer_texts()["ie"].startswith("If you are in danger now, call 112 or 999.")


@pytest.mark.parametrize(
    ("name", "fields", "words"),
    [
        ("988 Lifeline", {"phone": '"988"', "sms": '"988"'}, "call or text 988"),
        ("Helpline", {"phone": '"988"', "sms": '"988"'}, "call or text Helpline on 988"),
        ("Helpline", {"phone": '"1-800-555-0100"'}, "call Helpline on 1-800-555-0100"),
        (
            "Helpline",
            {"phone": '"1-800-555-0100"', "sms": '"741741"', "sms_keyword": "HOME"},
            "call Helpline on 1-800-555-0100 or text HOME to 741741",
        ),
        (
            "Text line",
            {"phone": "null", "sms": '"741741"', "sms_keyword": "HOME"},
            "text HOME to 741741",
        ),
    ],
)
def test_how_the_main_line_is_worded(tmp_path, name, fields, words):
    resources = load_us(tmp_path, service(name, **fields))
    expected = f"If you are in danger now, call 911. You can {words} any time, day or night."
    assert resources.crisis_footer("us") == expected


def test_a_line_for_a_group_or_not_open_all_day_is_not_the_footers_main_line(tmp_path):
    resources = load_us(
        tmp_path,
        service("Youth line", phone='"1-800-555-0101"', general_audience="false"),
        service("Day line", phone='"1-800-555-0102"', hours="9am to 5pm"),
        service("Night and day line", phone='"1-800-555-0103"'),
    )
    assert "You can call Night and day line on 1-800-555-0103" in resources.crisis_footer("us")
