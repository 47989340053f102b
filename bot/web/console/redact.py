"""Taking contact details out of visitor text before it leaves the console."""

from __future__ import annotations

import re

import phonenumbers

from bot.regions import phone_country

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Where a conversation's region is unknown, numbers are read as these countries' too.
FALLBACK_COUNTRIES = ("US", "GB")


def redact(text: str, region: str | None = None) -> str:
    """Emails, URLs and phone numbers (phonenumbers' matcher) become [email], [url], [phone]."""
    text = EMAIL.sub("[email]", text)
    text = URL.sub("[url]", text)
    countries = [phone_country(region)] if phone_country(region) else list(FALLBACK_COUNTRIES)
    for country in countries:
        matches = list(
            phonenumbers.PhoneNumberMatcher(text, country, leniency=phonenumbers.Leniency.POSSIBLE)
        )
        for match in reversed(matches):
            text = f"{text[: match.start]}[phone]{text[match.end :]}"
    return text
