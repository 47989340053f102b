"""Crisis services by region (data/resources/, bot.safety.resources)."""

from datetime import date, timedelta

import pytest

from bot.safety.resources import MAX_RESOURCES, CrisisResources, dial_digits
from tests.safety.resource_data import load_us, service

COUNTRIES = ("us", "ca", "uk", "ie", "au", "nz")
RESOURCES = CrisisResources.load()  # loading validates every number with phonenumbers

VALID = """\
region: us
emergency: "911"
services:
  - name: 988 Suicide & Crisis Lifeline
    categories: [suicide]
    phone: "988"
    sms: "988"
    sms_keyword: null
    url: https://988lifeline.org/chat/
    hours: 24/7
    audience: anyone
    general_audience: true
    source: https://988lifeline.org/
    verified_on: 2026-11-25
"""


def names(region, categories):
    return [resource.name for resource in RESOURCES.for_region(region, categories)]


def test_every_region_file_loads():
    assert RESOURCES.regions() == sorted([*COUNTRIES, "intl"])


@pytest.mark.parametrize("region", COUNTRIES)
def test_every_country_has_emergency_suicide_abuse_and_poison_services(region):
    assert RESOURCES.emergency_number(region)
    assert RESOURCES.for_region(region, ["suicide"])[0].serves(("suicide", "crisis_text"))
    assert "abuse" in RESOURCES.for_region(region, ["abuse"])[0].categories
    assert "poison" in RESOURCES.for_region(region, ["poison"])[0].categories


@pytest.mark.parametrize(
    ("file_name", "change", "message"),
    [
        ("us.yml", ("    audience: anyone\n", "    audience: anyone\n    notes: x\n"), "notes"),
        ("us.yml", ("    audience: anyone\n", ""), "audience"),
        ("us.yml", ("categories: [suicide]", "categories: [hotline]"), "hotline"),
        ("us.yml", ("categories: [suicide]", "categories: suicide"), "categories"),
        ("us.yml", ("categories: [suicide]", "categories: []"), "categories"),
        ("us.yml", ("categories: [suicide]", "categories: [abuse, abuse]"), "categories"),
        ("us.yml", ("general_audience: true", 'general_audience: "yes"'), "general_audience"),
        ("us.yml", ('phone: "988"', 'phone: "555-0199"'), "555-0199"),
        ("us.yml", ('phone: "988"', "phone: 988"), "phone"),
        ("us.yml", ('emergency: "911"', 'emergency: "988"'), "988"),
        ("us.yml", ("verified_on: 2026-11-25", 'verified_on: "last week"'), "verified_on"),
        ("ca.yml", ("", ""), "does not match"),
    ],
)
def test_loader_rejects_bad_files(tmp_path, file_name, change, message):
    (tmp_path / file_name).write_text(VALID.replace(*change), encoding="utf-8")
    with pytest.raises(ValueError, match=file_name) as error:
        CrisisResources.load(tmp_path)
    assert message in str(error.value)


def test_bad_number_error_names_the_service(tmp_path):
    (tmp_path / "us.yml").write_text(VALID.replace('sms: "988"', 'sms: "12"'), encoding="utf-8")
    with pytest.raises(ValueError, match=r"us\.yml.*988 Suicide & Crisis Lifeline.*'12'"):
        CrisisResources.load(tmp_path)


def test_loader_needs_the_international_file(tmp_path):
    (tmp_path / "us.yml").write_text(VALID, encoding="utf-8")
    with pytest.raises(ValueError, match="intl"):
        CrisisResources.load(tmp_path)


def test_abuse_shows_abuse_then_sexual_violence_then_child_services():
    assert [resource.categories[0] for resource in RESOURCES.for_region("us", ["abuse"])] == [
        "abuse",
        "sexual_violence",
        "child",
    ]
    assert names("ca", ["abuse"])[0].startswith("ShelterSafe")  # no national line in Canada


@pytest.mark.parametrize("region", COUNTRIES)
def test_abuse_gets_a_sexual_violence_line(region):
    chosen = RESOURCES.for_region(region, ["abuse"])
    sexual_violence_line = any("sexual_violence" in r.categories for r in chosen)
    assert sexual_violence_line == (region != "ca")  # Canada has no national line


def test_one_service_can_serve_several_needs():
    [respect] = [s for s in RESOURCES.services("au") if s.name == "1800RESPECT"]
    assert names("au", ["abuse"])[0] == names("au", ["sexual_violence"])[0] == "1800RESPECT"
    assert respect.sms == "0458 737 732"


@pytest.mark.parametrize("region", ["us", "uk", "au"])
def test_eating_disorder_line_comes_with_a_24_7_line(region):
    chosen = RESOURCES.for_region(region, ["eating_disorder"])
    assert chosen[0].categories == ("eating_disorder",)
    assert chosen[0].hours != "24/7"
    assert any(resource.hours == "24/7" for resource in chosen[1:])


def test_eating_disorder_without_a_local_line_gets_24_7_lines():
    chosen = RESOURCES.for_region("ca", ["eating_disorder"])
    assert chosen[0].name == "9-8-8: Suicide Crisis Helpline"
    assert all(resource.hours == "24/7" for resource in chosen)


@pytest.mark.parametrize("region", COUNTRIES)
def test_overdose_shows_a_poison_line_then_a_24_7_crisis_line(region):
    chosen = RESOURCES.for_region(region, ["overdose"])
    assert "poison" in chosen[0].categories
    assert any(r.serves(("suicide", "crisis_text")) and r.hours == "24/7" for r in chosen)


def test_uk_overdose_gets_nhs_111_and_canada_both_poison_lines():
    assert names("uk", ["overdose"])[0].startswith("NHS 111")
    assert [dial_digits(r.phone) for r in RESOURCES.for_region("ca", ["poison"])][:2] == [
        "18447647669",
        "18004635060",  # Quebec, after the line for everyone
    ]


def test_suicide_and_unknown_needs_show_crisis_lines():
    assert names("us", ["self_harm"])[:2] == ["988 Suicide & Crisis Lifeline", "Crisis Text Line"]
    assert names("us", ["something new"]) == names("us", ["suicide"])
    assert names("gb", [])[:2] == ["Samaritans", "Shout"]


@pytest.mark.parametrize("region", COUNTRIES)
def test_lines_for_everyone_come_before_lines_for_a_group(region):
    chosen = RESOURCES.for_region(region, ["suicide"])
    everyone = [resource.general_audience for resource in chosen]
    assert everyone[0] and everyone == sorted(everyone, reverse=True)


def test_lines_for_a_group_never_push_the_general_line_off_the_card(tmp_path):
    groups = [service(f"Line for group {n}", general_audience="false") for n in range(5)]
    resources = load_us(tmp_path, *groups, service("General line", phone='"988"'))
    chosen = [resource.name for resource in resources.for_region("us", ["suicide"])]
    assert chosen == ["General line", "Line for group 0", "Line for group 1", "Line for group 2"]


def test_several_needs_each_get_their_best_line_first():
    chosen = RESOURCES.for_region("us", ["suicide", "abuse"])
    assert [resource.categories[0] for resource in chosen] == [
        "suicide",
        "abuse",
        "crisis_text",
        "sexual_violence",
    ]


@pytest.mark.parametrize("region", ["fr", None, ""])
def test_unknown_region_gets_find_a_helpline(region):
    assert names(region, ["abuse"]) == ["Find A Helpline"]
    assert RESOURCES.emergency_number(region) is None
    assert RESOURCES.local_emergency_advice == "call your local emergency number"


@pytest.mark.parametrize("region", [*COUNTRIES, "intl"])
def test_at_most_four_and_no_duplicates(region):
    needs = ["suicide", "abuse", "eating_disorder", "overdose", "child", "suicide"]
    chosen = RESOURCES.for_region(region, needs)
    assert 1 <= len(chosen) <= MAX_RESOURCES
    assert len(set(chosen)) == len(chosen)


def test_payload_has_what_the_widget_shows_and_the_word_to_text():
    crisis_text_line = RESOURCES.for_region("us", ["suicide"])[1]
    assert crisis_text_line.to_payload() == {
        "name": "Crisis Text Line",
        "phone": None,
        "sms": "741741",
        "sms_keyword": "HOME",
        "url": "https://www.crisistextline.org/",
        "hours": "24/7",
        "audience": "anyone",
        "categories": ["crisis_text"],
    }


def test_tap_to_call_and_tap_to_text_links():
    [trevor] = [s for s in RESOURCES.services("us") if s.name == "The Trevor Project"]
    assert trevor.tel_uri == "tel:18664887386"
    assert trevor.sms_uri == "sms:678678?body=START"
    [samaritans] = RESOURCES.for_region("uk", ["suicide"])[:1]
    assert (samaritans.tel_uri, samaritans.sms_uri) == ("tel:116123", None)


def test_stale_entries_are_reported():
    stale = RESOURCES.stale_entries(date(2100, 1, 1))
    assert {region for region, _ in stale} == set(RESOURCES.regions())
    assert ("us", "988 Suicide & Crisis Lifeline") in stale
    assert RESOURCES.stale_entries(date(2026, 11, 25)) == []


def test_no_entry_is_verified_in_the_future():
    everything = RESOURCES.stale_entries(date(2100, 1, 1))
    # max_age_days=-1 lists every entry verified on or before that day; a day of slack
    # because the checker's calendar may be ahead of this machine's time zone.
    assert RESOURCES.stale_entries(date.today() + timedelta(days=1), max_age_days=-1) == everything
