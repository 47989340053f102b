"""The regions whose crisis services the bot knows: the one list, for the bot, the web
pages, the safety cases and (through crisis-help.json) the widget."""

from __future__ import annotations

from typing import Any

INTERNATIONAL = "intl"
# Every region as people see it named, in the order region pickers list them.
REGION_NAMES = {
    "us": "United States",
    "ca": "Canada",
    "uk": "United Kingdom",
    "ie": "Ireland",
    "au": "Australia",
    "nz": "New Zealand",
    INTERNATIONAL: "Anywhere else",
}
KNOWN_REGIONS = tuple(code for code in REGION_NAMES if code != INTERNATIONAL)
# Spellings a website or a browser locale may send for the same region.
ALIASES = {"gb": "uk", "united kingdom": "uk", "usa": "us", "united states": "us"}


def normalise_region(value: Any) -> str | None:
    """Map a region code from the widget to a known region, ``intl``, or None when absent."""
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().lower()
    code = ALIASES.get(code, code)
    return code if code in KNOWN_REGIONS else INTERNATIONAL


def phone_country(region: str | None) -> str | None:
    """The ISO 3166 country for reading phone numbers in a region; None when international."""
    region = normalise_region(region)
    if region is None or region == INTERNATIONAL:
        return None
    return "GB" if region == "uk" else region.upper()


def region_from_metadata(metadata: Any) -> str | None:
    """The region the widget sent in a message's metadata, normalised."""
    if not isinstance(metadata, dict):
        return None
    return normalise_region(metadata.get("region"))
