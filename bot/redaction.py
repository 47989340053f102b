"""Taking contact details out of visitor text: before Rasa stores it, and in exports.

The REST channel stores every message as ``redact`` leaves it (the risk screen reads it
as typed), so contact details never reach the tracker store; exports redact again, for
conversations stored before this and for reviewers' notes.

No library found fits beside Rasa's pins without a model to download (scrubadub needs a
newer ``regex`` and NLTK, pyap a newer Python, libpostal a 2 GB model), so these are
patterns over word lists (redaction.yml): emails and phone numbers, written normally or
spelled out; street addresses and postcodes of the regions the practice serves; and names
where the visitor introduces or signs with one. Redaction leans towards taking too much:
an ordinary word taken for a name costs a reader little, a missed name costs the visitor.
"""

from __future__ import annotations

import re
from pathlib import Path

import phonenumbers
import yaml

from bot.regions import phone_country

# Where a conversation's region is unknown, numbers are read as these countries' too.
FALLBACK_COUNTRIES = ("US", "GB")
# phonenumbers calls some four-digit strings possible numbers; years are not phone numbers.
MIN_PHONE_DIGITS = 6
MIN_SPELLED_PHONE_DIGITS = 7


LISTS = yaml.safe_load(Path(__file__).with_name("redaction.yml").read_text(encoding="utf-8"))
WORDS = {key: frozenset(word.lower() for word in words) for key, words in LISTS.items()}


def _words(key: str) -> str:
    """A regex alternation of one list, longest first, a space matching any whitespace."""
    ordered = sorted(WORDS[key], key=len, reverse=True)
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in ordered)


I = re.IGNORECASE  # noqa: E741 - read as a flag

# --- emails and links ----------------------------------------------------------------
# The last part (the top-level domain) starts with a letter: "/greet@0.99" is no address.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_][\w-]*", re.UNICODE)
URL = re.compile(r"\b(?:https?://|www\.)\S+", I)


def _bracketed(word: str) -> str:
    """A word in brackets of any kind: (at), [dot], {at}, <dot>."""
    return rf"\s*[(\[{{<]\s*{word}\s*[)\]}}>]\s*"


_AT = rf"(?:\s*@\s*|{_bracketed('at')}|\s+at\s+)"
_DOT = rf"(?:\.|{_bracketed('dot')}|\s+dot\s+)"
_JOIN = rf"(?:[._+-]|\s+(?:dot|underscore|dash|hyphen|plus)\s+|{_bracketed('(?:dot|underscore)')})"
_PART = r"[^\W_]+"
MAYBE_SPELLED_EMAIL = re.compile(r"@|\bat\b", I)
SPELLED_EMAIL = re.compile(
    rf"(?<![\w.@-]){_PART}(?:{_JOIN}{_PART}){{0,4}}{_AT}"
    rf"(?:{_PART}(?:-{_PART})*(?:{_DOT}{_PART}(?:-{_PART})*){{0,3}}{_DOT}(?:{_words('email_endings')})"
    rf"|(?:{_words('mail_services')}))\b",
    I,
)

# --- street addresses and postcodes ----------------------------------------------------
_NUMBER = r"\d{1,5}[a-z]?(?:\s?[-/]\s?\d{1,5}[a-z]?)?"
_UNIT = r"(?:(?:flat|apt\.?|apartment|unit|suite|ste\.?)\s*#?\s*\d{1,5}[a-z]?\s*,?\s+)?"
_STREET_WORD = r"[^\W_][\w'’.-]*"
_DIRECTION = r"(?:\s+(?-i:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\b)?"
STREET = re.compile(
    rf"\b{_UNIT}(?P<number>{_NUMBER}),?\s+(?P<name>(?:{_STREET_WORD}\s+){{1,3}}?)"
    rf"(?P<type>{_words('street_types')}|{_words('street_types_capitalised')})\b\.?{_DIRECTION}",
    I,
)
STREET_TYPE_FIRST = re.compile(
    rf"\b{_UNIT}{_NUMBER},?\s+(?:{_words('street_types_before_name')})\s+"
    r"(?:(?:de|du|des|la|le)\s+|l['’])?[^\W\d_][\w'’-]*(?:\s+(?-i:[A-Z])[\w'’-]*){0,2}",
    I,
)
PO_BOX = re.compile(r"\b(?:p\.?\s?o\.?\s?box|post\s+office\s+box)\s*#?\s*\d{1,6}\b", I)

UK_POSTCODE = re.compile(r"\b(?:GIR\s?0AA|[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b", I)
EIRCODE = re.compile(r"\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?(?=[A-Z]*\d)[0-9AC-FHKNPRTV-Y]{4}\b", I)
CANADIAN_POSTCODE = re.compile(
    r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d\b", I
)
# A ZIP after a US state, a four-digit postcode after an Australian one (codes in capitals).
US_ZIP = re.compile(
    rf"(?P<before>\b(?:{'|'.join(LISTS['us_states'])}|(?i:{_words('us_state_names')})),?\s+)"
    r"(?P<code>\d{5}(?:-\d{4})?)\b"
)
AU_POSTCODE = re.compile(rf"(?P<before>\b(?:{'|'.join(LISTS['au_states'])})\s+)(?P<code>\d{{4}})\b")
ZIP_PLUS_FOUR = re.compile(r"\b\d{5}-\d{4}\b")
FOUR_DIGITS = re.compile(r"\d{4}")
# "Dublin 8" ends a Dublin address; "Dublin 2 years ago" is not one.
DUBLIN_DISTRICT = re.compile(
    r"(?P<before>\bDublin\s+)(?P<code>\d{1,2}w?)(?=\s*(?:[,.;:!?)]|$))", I | re.MULTILINE
)
# "[address], Auckland 1010": the number after a street address and its town.
AFTER_ADDRESS = re.compile(
    r"(?P<before>\[address\],?\s+(?:[^\W\d_][\w'’.-]*,?\s+){1,3})(?P<code>\d{4,5})\b"
)
POSTCODE_NAMED = re.compile(
    r"(?P<before>\b(?:post\s?code|postal\s+code|zip(?:\s?code)?|eircode)\s*(?:is\s+|:\s*)?)"
    r"(?P<code>(?=[A-Z]*\d)[A-Z0-9]{3,5}(?:[\s-]?[A-Z0-9]{3,4})?)\b",
    I,
)

# --- phone numbers spelled out ---------------------------------------------------------
_DIGIT_WORDS = {
    **dict.fromkeys(["zero", "oh", "o", "nought", "one", "two", "three", "four", "five"], 1),
    **dict.fromkeys(["six", "seven", "eight", "nine"], 1),
    **dict.fromkeys(["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen"], 2),
    **dict.fromkeys(["sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty"], 2),
    **dict.fromkeys(["forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred"], 2),
}
_REPEATS = {"double": 1, "triple": 2}  # digits added to the next one's
_PHONE_TOKEN = rf"(?:\d+|{'|'.join(sorted([*_DIGIT_WORDS, *_REPEATS], key=len, reverse=True))})\b"
SPELLED_PHONE = re.compile(
    rf"(?<![\w+])(?:\+\s*|plus\s+)?{_PHONE_TOKEN}(?:[\s,.()-]{{1,3}}{_PHONE_TOKEN}){{2,}}", I
)
PHONE_TOKEN = re.compile(_PHONE_TOKEN, I)

# --- names -----------------------------------------------------------------------------
_NAME = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
_FULL_NAME = rf"(?P<first>{_NAME})(?:(?P<gap>[ \t]+)(?P<second>{_NAME}))?"
# "my name is sam": whatever the case, unless an ordinary word follows.
NAMED = re.compile(
    rf"(?P<cue>\b(?:my\s+name\s+is|my\s+name['’]?s|name\s*:|i\s+am\s+called|i['’]?m\s+called)"
    rf"\s+){_FULL_NAME}",
    I,
)
# "I'm Sam", "this is Sam", "call me Sam": only a capitalised word that is not an ordinary one.
INTRODUCED = re.compile(
    rf"(?P<cue>\b(?:i['’]?m|i\s+am|this\s+is|it['’]s|call\s+me)[ \t]+)"
    rf"{_FULL_NAME}",
    I,
)
_SIGN_OFF = (
    r"thanks|thank\s+you|many\s+thanks|thx|cheers|regards|kind\s+regards|warm\s+regards"
    r"|best\s+wishes|sincerely|take\s+care|bye"
)
SIGNED = re.compile(
    rf"(?P<cue>\b(?:(?:{_SIGN_OFF})(?:[ \t]*[,!.]?[ \t]*\n[ \t]*|[ \t]*,[ \t]*|[ \t]+)"
    r"|(?:love|best|yours)(?:[ \t]*,[ \t]*\n?[ \t]*|[ \t]*\n[ \t]*)))"
    rf"{_FULL_NAME}",
    I,
)
DASH_SIGNED = re.compile(
    rf"(?P<cue>(?:^|[ \t])(?:—|–|--|-|~)[ \t]*){_FULL_NAME}(?=[ \t]*[.!]?[ \t]*$)",
    re.MULTILINE,
)


def redact(text: str, region: str | None = None) -> str:
    """Contact details become [email], [url], [address], [postcode], [phone] and [name]."""
    text = EMAIL.sub("[email]", text)
    if MAYBE_SPELLED_EMAIL.search(text):  # cheap checks first: this runs on every message
        text = SPELLED_EMAIL.sub("[email]", text)
    text = URL.sub("[url]", text)
    text = PO_BOX.sub("[address]", text)
    text = STREET_TYPE_FIRST.sub("[address]", text)
    text = STREET.sub(_street, text)
    for pattern in (EIRCODE, CANADIAN_POSTCODE, UK_POSTCODE, ZIP_PLUS_FOUR):
        text = pattern.sub("[postcode]", text)
    in_context = (US_ZIP, AU_POSTCODE, AFTER_ADDRESS) if FOUR_DIGITS.search(text) else ()
    for pattern in (*in_context, DUBLIN_DISTRICT, POSTCODE_NAMED):
        text = pattern.sub(lambda match: f"{match['before']}[postcode]", text)
    text = _redact_phone_numbers(text, region)
    text = SPELLED_PHONE.sub(_spelled_phone, text)
    text = NAMED.sub(lambda match: _name(match, any_case=True), text)
    for pattern in (INTRODUCED, SIGNED, DASH_SIGNED):
        text = pattern.sub(lambda match: _name(match, any_case=False), text)
    return text


def _redact_phone_numbers(text: str, region: str | None) -> str:
    countries = [phone_country(region)] if phone_country(region) else list(FALLBACK_COUNTRIES)
    for country in countries:
        matches = list(
            phonenumbers.PhoneNumberMatcher(text, country, leniency=phonenumbers.Leniency.POSSIBLE)
        )
        for match in reversed(matches):
            if sum(ch.isdigit() for ch in match.raw_string) >= MIN_PHONE_DIGITS:
                text = f"{text[: match.start]}[phone]{text[match.end :]}"
    return text


def _street(match: re.Match) -> str:
    words = match["name"].split()
    street_type = match["type"].lower()
    if street_type in WORDS["street_types_capitalised"] and not all(
        _capitalised(word) for word in [*words, match["type"]]
    ):
        return match[0]  # "2 hours in the park": not an address
    for position, word in enumerate(words):
        if word.lower() in WORDS["function_words"] and not (position == 0 and word == "The"):
            return match[0]  # "3 miles down the road"
    return "[address]"


def _spelled_phone(match: re.Match) -> str:
    tokens = [token.lower() for token in PHONE_TOKEN.findall(match[0])]
    numerals = [token for token in tokens if token.isdigit()]
    if len(numerals) == len(tokens) and any(len(token) > 1 for token in numerals):
        return match[0]  # plain numbers ("2019, 2020"): phonenumbers has judged those
    digits = sum(len(t) if t.isdigit() else _DIGIT_WORDS.get(t, _REPEATS.get(t, 0)) for t in tokens)
    return "[phone]" if digits >= MIN_SPELLED_PHONE_DIGITS else match[0]


def _name(match: re.Match, any_case: bool) -> str:
    """The cue and [name] when the word after it is a name (and the next one), else as it was."""
    if not _looks_like_a_name(match["first"], any_case):
        return match[0]
    if match["second"] and not _looks_like_a_name(match["second"], any_case):
        return f"{match['cue']}[name]{match['gap']}{match['second']}"
    return f"{match['cue']}[name]"


def _looks_like_a_name(word: str, any_case: bool) -> bool:
    lowered = word.lower()
    if lowered in WORDS["function_words"]:
        return False
    if any_case:
        return True
    return _capitalised(word) and lowered not in WORDS["not_names"]


def _capitalised(word: str) -> bool:
    """Sam, O'Neill, 5th: yes; sam, OK, OCD, I: no."""
    return (word[:1].isupper() and not word.isupper()) or word[:1].isdigit()
