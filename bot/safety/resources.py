"""Crisis services by region (data/resources/*.yml): strict loading and choosing.

Each service lists the categories of need it serves, and says whether it is for
everyone in its region (``general_audience``) or for a particular group: an age,
a community, veterans, a part of the country. The crisis card shows at most four
services; for each need, the services for everyone come before the others, so a
line for a particular group never pushes a general crisis line off the card.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import phonenumbers
import yaml

from bot.regions import INTERNATIONAL, normalise_region, phone_country

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "data" / "resources"
CATEGORIES = frozenset(
    {
        "emergency",
        "suicide",
        "crisis_text",
        "abuse",
        "sexual_violence",
        "child",
        "poison",
        "eating_disorder",
        "mental_health",
    }
)
LOCAL_EMERGENCY_ADVICE = "call your local emergency number"
MAX_RESOURCES = 4
ALWAYS_OPEN = "24/7"
_FILE_KEYS = frozenset({"region", "emergency", "services"})
_CRISIS = ("suicide", "crisis_text")
# A visitor's need -> groups of service categories, most relevant first: (categories, 24/7 only).
# The screen's abuse covers domestic violence, child abuse and sexual violence.
_CHOICES = {
    "abuse": ((("abuse",), False), (("sexual_violence",), False), (("child",), False)),
    "eating_disorder": ((("eating_disorder",), False), (_CRISIS, True)),
    "overdose": ((("poison",), False), (_CRISIS, False)),
    "poison": ((("poison",), False), (_CRISIS, False)),
}


@dataclass(frozen=True)
class Resource:
    """One crisis service, as listed in a region's file."""

    name: str
    categories: tuple[str, ...]
    phone: str | None
    sms: str | None
    sms_keyword: str | None
    url: str | None
    hours: str
    audience: str
    general_audience: bool
    source: str
    verified_on: date

    def to_payload(self) -> dict:
        """The fields the chat widget shows, plus the word to text, if any."""
        return {
            "name": self.name,
            "phone": self.phone,
            "sms": self.sms,
            "sms_keyword": self.sms_keyword,
            "url": self.url,
            "hours": self.hours,
            "audience": self.audience,
            "categories": list(self.categories),
        }

    @property
    def tel_uri(self) -> str | None:
        """A tap-to-call link, ``tel:18007997233``."""
        return f"tel:{dial_digits(self.phone)}" if self.phone else None

    @property
    def sms_uri(self) -> str | None:
        """A tap-to-text link with the word to text, if any: ``sms:741741?body=HOME``."""
        if not self.sms:
            return None
        body = f"?body={quote(self.sms_keyword)}" if self.sms_keyword else ""
        return f"sms:{dial_digits(self.sms)}{body}"

    def serves(self, categories: tuple[str, ...]) -> bool:
        return any(category in categories for category in self.categories)


_SERVICE_KEYS = frozenset(field.name for field in fields(Resource))


class CrisisResources:
    """Every region's emergency number and crisis services."""

    local_emergency_advice = LOCAL_EMERGENCY_ADVICE

    def __init__(self, emergency: dict[str, str | None], services: dict[str, list[Resource]]):
        self._emergency = emergency
        self._services = services

    @classmethod
    def load(cls, directory: Path = DEFAULT_DIR) -> CrisisResources:
        """Read and validate every *.yml in ``directory``; any problem raises ValueError."""
        emergency, services = {}, {}
        for path in sorted(Path(directory).glob("*.yml")):
            region, emergency[region], services[region] = _load_file(path)
        if not any(r.serves(_CRISIS) for r in services.get(INTERNATIONAL, [])):
            raise ValueError(
                f"{directory}: intl.yml with a suicide or crisis_text service is needed"
            )
        return cls(emergency, services)

    def regions(self) -> list[str]:
        """The region codes with a file, sorted."""
        return sorted(self._services)

    def emergency_number(self, region: str | None) -> str | None:
        """The region's emergency number, or None (then use ``local_emergency_advice``)."""
        return self._emergency[self._region(region)]

    def services(self, region: str | None) -> list[Resource]:
        """All of a region's services, in the order of its file (intl when unknown)."""
        return list(self._services[self._region(region)])

    def for_region(self, region: str | None, categories: list[str]) -> list[Resource]:
        """At most four services for these needs, never empty: each need's best service
        first, then each need's second, and so on (see ``_for_need``)."""
        services = self._services[self._region(region)]
        per_need = [_for_need(services, need) for need in categories or ["suicide"]]
        chosen = [s for turn in itertools.zip_longest(*per_need) for s in turn if s]
        if not chosen:
            chosen = [s for s in services if s.serves(_CRISIS)]
        if not chosen:
            chosen = [s for s in self._services[INTERNATIONAL] if s.serves(_CRISIS)]
        return list(dict.fromkeys(chosen))[:MAX_RESOURCES]

    def crisis_footer(self, region: str | None) -> str:
        """The short text after every crisis reply: the emergency number and the region's
        main 24/7 line for everyone (a website when there is none)."""
        region = self._region(region)
        numbers = [self._emergency[region]] + [
            s.phone for s in self._services[region] if s.serves(("emergency",))
        ]
        numbers = [number for number in numbers if number]
        danger = f"call {' or '.join(numbers)}" if numbers else LOCAL_EMERGENCY_ADVICE
        text = f"If you are in danger now, {danger}."
        crisis_lines = self.for_region(region, ["suicide"])
        for service in crisis_lines:
            reachable = service.phone or service.sms
            if service.general_audience and service.hours == ALWAYS_OPEN and reachable:
                return f"{text} You can {_how_to_reach(service)} any time, day or night."
        for service in crisis_lines:
            if service.url:
                site = urlsplit(service.url).netloc.removeprefix("www.")
                return f"{text} You can find help at {site}."
        return text

    def stale_entries(self, today: date, max_age_days: int = 365) -> list[tuple[str, str]]:
        """(region, name) of every service last verified more than ``max_age_days`` ago."""
        return [
            (region, service.name)
            for region, services in sorted(self._services.items())
            for service in services
            if (today - service.verified_on).days > max_age_days
        ]

    def _region(self, region: str | None) -> str:
        """A loaded region code for what the widget sent; intl when unknown or absent."""
        code = normalise_region(region)
        return code if code in self._services else INTERNATIONAL


def _for_need(services: list[Resource], need: str) -> list[Resource]:
    """The services that meet a need, most relevant first; within each group of
    categories, the services for everyone before those for a particular group."""
    everyone_first = sorted(services, key=lambda service: not service.general_audience)
    return [
        service
        for wanted, always_open in _groups(need)
        for service in everyone_first
        if service.serves(wanted) and (not always_open or service.hours == ALWAYS_OPEN)
    ]


def dial_digits(number: str) -> str:
    """A number as written in the data ("1-800-799-7233", "116 123"), as digits to dial."""
    return re.sub(r"[^0-9+]", "", number)


def _how_to_reach(service: Resource) -> str:
    """How to reach a service, in words: call or text 988; call Samaritans on 116 123;
    call Lifeline on 13 11 14 or text 0477 13 11 14. A name that holds the number is left out."""

    def named(number: str) -> str:
        in_name = dial_digits(number) in dial_digits(service.name)
        return number if in_name else f"{service.name} on {number}"

    if service.sms_keyword:
        text = f"text {service.sms_keyword} to {service.sms}"
    else:
        text = f"text {service.sms}" if service.sms else ""
    if not service.phone:
        return text if service.sms_keyword else f"text {named(service.sms)}"
    call = f"call {named(service.phone)}"
    if not service.sms:
        return call
    if not service.sms_keyword and dial_digits(service.sms) == dial_digits(service.phone):
        return f"call or text {named(service.phone)}"
    return f"{call} or {text}"


def _groups(need: str) -> tuple[tuple[tuple[str, ...], bool], ...]:
    """The service categories that meet a need, most relevant first: (categories, 24/7 only)."""
    if need in _CHOICES:
        return _CHOICES[need]
    if need in CATEGORIES and need not in _CRISIS:
        return (((need,), False),)
    return ((_CRISIS, False),)  # suicide, self_harm, harm_to_others and anything else


def _load_file(path: Path) -> tuple[str, str | None, list[Resource]]:
    """One region's file, validated: (region, emergency number, services)."""
    with open(path, encoding="utf-8") as file:
        data = yaml.safe_load(file)
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected a mapping with region, emergency and services")
    _check_keys(data, _FILE_KEYS, path.name)
    region = data["region"]
    if region != path.stem:
        raise ValueError(f"{path.name}: region {region!r} does not match the file name")
    emergency = data["emergency"]
    if emergency is not None:
        if not isinstance(emergency, str):
            raise ValueError(f'{path.name}: emergency must be quoted text, e.g. "911"')
        _check_number(emergency, region, f"{path.name}: emergency", emergency=True)
    if not isinstance(data["services"], list) or not data["services"]:
        raise ValueError(f"{path.name}: services must be a non-empty list")
    services = [
        _resource(entry, region, f"{path.name}, service {index} ({_name(entry)!r})")
        for index, entry in enumerate(data["services"], start=1)
    ]
    return region, emergency, services


def _name(entry: object) -> object:
    """An entry's name for error messages, if it has one."""
    return entry.get("name") if isinstance(entry, dict) else None


def _resource(entry: object, region: str, where: str) -> Resource:
    """One validated service entry; ``where`` names the file and the entry in errors."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: each service must be a mapping")
    _check_keys(entry, _SERVICE_KEYS, where)
    for key in ("name", "hours", "audience", "source"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise ValueError(f"{where}: {key} must be non-empty text")
    for key in ("phone", "sms", "sms_keyword", "url"):
        if entry[key] is not None and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise ValueError(f"{where}: {key} must be quoted text or null")
    categories = entry["categories"]
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise ValueError(f"{where}: categories must be a list such as [abuse, sexual_violence]")
    if not categories or len(set(categories)) < len(categories):
        raise ValueError(f"{where}: categories must list at least one category, each once")
    if unknown := [c for c in categories if c not in CATEGORIES]:
        raise ValueError(f"{where}: category {unknown[0]!r} is not one of {sorted(CATEGORIES)}")
    if not isinstance(entry["general_audience"], bool):
        raise ValueError(f"{where}: general_audience must be true or false")
    if not isinstance(entry["verified_on"], date) or isinstance(entry["verified_on"], datetime):
        raise ValueError(f"{where}: verified_on must be a date such as 2026-11-25")
    if entry["sms_keyword"] and not entry["sms"]:
        raise ValueError(f"{where}: sms_keyword needs an sms number")
    if not (entry["phone"] or entry["sms"] or entry["url"]):
        raise ValueError(f"{where}: needs a phone, sms or url")
    for key in ("phone", "sms"):
        if entry[key] is not None:
            _check_number(entry[key], region, f"{where}, {key}")
    return Resource(**{**entry, "categories": tuple(categories)})


def _check_keys(mapping: dict, expected: frozenset[str], where: str) -> None:
    """Raise ValueError naming any unknown or missing key."""
    if unknown := sorted(map(str, set(mapping) - expected)):
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")
    if missing := sorted(expected - set(mapping)):
        raise ValueError(f"{where}: missing key(s) {', '.join(missing)}")


def _check_number(number: str, region: str, where: str, emergency: bool = False) -> None:
    """Raise ValueError unless ``number`` is a valid short or full number in ``region``."""
    country = phone_country(region)
    try:
        parsed = phonenumbers.parse(number, country)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None:
        valid = False
    elif country is None:
        valid = phonenumbers.is_valid_number(parsed)
    elif emergency:
        valid = phonenumbers.is_emergency_number(number, country)
    else:
        valid = phonenumbers.is_valid_number_for_region(parsed, country)
        valid = valid or phonenumbers.is_valid_short_number_for_region(parsed, country)
    if not valid:
        kind = "an emergency number" if emergency else "a valid number"
        raise ValueError(f"{where}: {number!r} is not {kind} for region {region!r}")
