"""Crisis services by region (data/resources/, bot.safety.resources)."""

from datetime import date, timedelta

import pytest

from bot.safety.resources import MAX_RESOURCES, CrisisResources

COUNTRIES = ("us", "ca", "uk", "ie", "au", "nz")
RESOURCES = CrisisResources.load()  # loading validates every number with phonenumbers

VALID = """\
region: us
emergency: "911"
services:
  - name: 988 Suicide & Crisis Lifeline
    category: suicide
    phone: "988"
    sms: "988"
    sms_keyword: null
    url: https://988lifeline.org/chat/
    hours: 24/7
    audience: anyone
    source: https://988lifeline.org/
    verified_on: 2026-11-25
"""


def names(region, categories):
    return [resource.name for resource in RESOURCES.for_region(region, categories)]


def test_every_region_file_loads():
    assert RESOURCES.regions() == sorted([*COUNTRIES, "intl"])


@pytest.mark.parametrize("region", COUNTRIES)
def test_every_country_has_emergency_suicide_and_abuse_services(region):
    categories = {resource.category for resource in RESOURCES.for_region(region, ["suicide"])}
    assert RESOURCES.emergency_number(region)
    assert "suicide" in categories
    assert RESOURCES.for_region(region, ["abuse"])[0].category == "abuse"


def test_closed_services_are_not_listed():
    everything = [
        resource
        for region in RESOURCES.regions()
        for need in ("suicide", "abuse", "eating_disorder", "overdose", "child", "mental_health")
        for resource in RESOURCES.for_region(region, [need])
    ]
    assert everything
    for resource in everything:
        assert "NEDA" not in resource.name and "National Eating Disorders" not in resource.name
        assert "LGBTQ" not in resource.name
        assert resource.phone != "1-800-931-2237"  # NEDA's former helpline


@pytest.mark.parametrize(
    ("file_name", "change", "message"),
    [
        ("us.yml", ("    audience: anyone\n", "    audience: anyone\n    notes: x\n"), "notes"),
        ("us.yml", ("    audience: anyone\n", ""), "audience"),
        ("us.yml", ("category: suicide", "category: hotline"), "hotline"),
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


def test_abuse_shows_abuse_then_child_services():
    assert names("us", ["abuse"]) == [
        "National Domestic Violence Hotline",
        "Childhelp National Child Abuse Hotline",
    ]
    assert names("ca", ["abuse"]) == ["Assaulted Women's Helpline", "Kids Help Phone"]


@pytest.mark.parametrize("region", ["us", "uk", "au"])
def test_eating_disorder_line_comes_with_a_24_7_line(region):
    chosen = RESOURCES.for_region(region, ["eating_disorder"])
    assert chosen[0].category == "eating_disorder"
    assert chosen[0].hours != "24/7"
    assert any(resource.hours == "24/7" for resource in chosen[1:])


def test_eating_disorder_without_a_local_line_gets_a_24_7_line():
    assert names("ca", ["eating_disorder"]) == ["9-8-8: Suicide Crisis Helpline"]


def test_overdose_shows_poison_control_where_there_is_one():
    assert names("us", ["overdose"])[0] == "Poison Control"
    assert names("uk", ["overdose"]) == ["Samaritans", "Shout"]


def test_suicide_and_unknown_needs_show_crisis_lines():
    assert names("us", ["self_harm"]) == ["988 Suicide & Crisis Lifeline", "Crisis Text Line"]
    assert names("us", ["something new"]) == names("us", ["suicide"])
    assert names("gb", []) == ["Samaritans", "Shout"]


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


def test_payload_has_the_contract_keys_and_the_word_to_text():
    crisis_text_line = RESOURCES.for_region("us", ["suicide"])[1]
    assert crisis_text_line.to_payload() == {
        "name": "Crisis Text Line",
        "phone": None,
        "sms": "741741",
        "sms_keyword": "HOME",
        "url": "https://www.crisistextline.org/",
        "hours": "24/7",
        "category": "crisis_text",
    }


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
