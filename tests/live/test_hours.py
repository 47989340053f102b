"""Staffed hours: reading LIVE_CHAT_HOURS, and whether a moment falls inside them."""

from datetime import datetime, timezone

import pytest

from bot.live.config import LiveChatSettings
from bot.live.hours import InvalidHours, StaffedHours


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_weekday_hours_in_the_practice_time_zone():
    hours = StaffedHours.parse("mon-fri 09:00-17:00", "America/New_York")
    # Monday 2026-12-07: 09:00 in New York is 14:00 UTC (standard time).
    assert not hours.is_open(at("2026-12-07T13:59"))
    assert hours.is_open(at("2026-12-07T14:00"))
    assert hours.is_open(at("2026-12-07T21:59"))
    assert not hours.is_open(at("2026-12-07T22:00"))  # 17:00 there: closed
    assert not hours.is_open(at("2026-12-12T15:00"))  # Saturday


def test_summer_time_moves_the_hours_with_the_clock():
    hours = StaffedHours.parse("mon-fri 09:00-17:00", "Europe/London")
    assert hours.is_open(at("2026-07-06T08:00"))  # 09:00 BST on a Monday
    assert not hours.is_open(at("2026-12-07T08:00"))  # 08:00 GMT


def test_several_spans_lists_and_wrapping_ranges():
    hours = StaffedHours.parse("mon,wed 18:00-20:00; sat-mon 10:00-12:00", "UTC")
    assert hours.is_open(at("2026-12-09T19:00"))  # Wednesday evening
    assert not hours.is_open(at("2026-12-08T19:00"))  # Tuesday evening
    assert hours.is_open(at("2026-12-13T11:00"))  # Sunday, inside sat-mon
    assert hours.is_open(at("2026-12-07T11:00"))  # Monday, inside sat-mon
    assert not hours.is_open(at("2026-12-11T11:00"))  # Friday


def test_a_whole_day_ends_at_midnight():
    hours = StaffedHours.parse("mon-sun 00:00-24:00", "UTC")
    assert hours.is_open(at("2026-12-07T00:00"))
    assert hours.is_open(at("2026-12-07T23:59"))
    assert hours.describe() == "Monday to Sunday 00:00-24:00 (UTC time)"


def test_hours_in_words_for_visitors():
    hours = StaffedHours.parse("Mon-Fri 09:00-17:00; sat 10:00-13:00", "Europe/Dublin")
    assert hours.describe() == (
        "Monday to Friday 09:00-17:00; Saturday 10:00-13:00 (Europe/Dublin time)"
    )


def test_no_hours_means_live_chat_is_off():
    hours = StaffedHours.parse("", "UTC")
    assert not hours.enabled
    assert not hours.is_open(at("2026-12-07T12:00"))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("weekdays 09:00-17:00", "days are mon"),
        ("mon-fri 9-17", "should look like"),
        ("mon-fri 17:00-09:00", "end must come after the start"),
        ("mon 09:60-10:00", "not a time of day"),
        ("mon 24:30-25:00", "not a time of day"),
    ],
)
def test_unreadable_hours_say_what_is_wrong(text, says):
    with pytest.raises(InvalidHours, match=says):
        StaffedHours.parse(text, "UTC")


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(InvalidHours, match="PRACTICE_TIME_ZONE"):
        StaffedHours.parse("mon 09:00-10:00", "Mars/Olympus")


def test_settings_from_the_environment():
    config = LiveChatSettings.from_environment(
        {
            "LIVE_CHAT_HOURS": "mon 09:00-10:00",
            "PRACTICE_TIME_ZONE": "Australia/Sydney",
            "LIVE_CHAT_WAIT_SECONDS": "120",
            "RASA_INTERNAL_URLS": "http://10.0.0.1:5101/, http://10.0.0.2:5102",
        }
    )
    assert config.hours.enabled and config.hours.zone.key == "Australia/Sydney"
    assert config.wait_seconds == 120 and config.away_seconds == 60
    assert config.rasa_urls == ("http://10.0.0.1:5101", "http://10.0.0.2:5102")
    assert LiveChatSettings.from_environment({"RASA_PORT": "5999"}).rasa_urls == (
        "http://127.0.0.1:5999",
    )
    with pytest.raises(ValueError, match="LIVE_CHAT_WAIT_SECONDS"):
        LiveChatSettings.from_environment({"LIVE_CHAT_WAIT_SECONDS": "soon"})
    # Polls record a responder at most every 5 s: a shorter limit would hand chats back.
    with pytest.raises(ValueError, match="RESPONDER_AWAY_SECONDS .* at least 15"):
        LiveChatSettings.from_environment({"RESPONDER_AWAY_SECONDS": "5"})
