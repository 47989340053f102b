"""Crisis services by region (data/resources/*.yml): strict loading and choosing."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path

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
_CHOICES = {
    "abuse": ((("abuse",), False), (("child",), False)),
    "eating_disorder": ((("eating_disorder",), False), (_CRISIS, True)),
    "overdose": ((("poison",), False), (_CRISIS, False)),
    "poison": ((("poison",), False), (_CRISIS, False)),
}


@dataclass(frozen=True)
class Resource:
    """One crisis service, as listed in a region's file."""

    name: str
    category: str
    phone: str | None
    sms: str | None
    sms_keyword: str | None
    url: str | None
    hours: str
    audience: str
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
            "category": self.category,
        }


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
        if not any(r.category in _CRISIS for r in services.get(INTERNATIONAL, [])):
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
        """At most four services for these needs, most relevant first; never empty."""
        services = self._services[self._region(region)]
        chosen = [
            service
            for need in categories or ["suicide"]
            for wanted, always_open in _groups(need)
            for service in services
            if service.category in wanted and (not always_open or service.hours == ALWAYS_OPEN)
        ]
        if not chosen:
            chosen = [s for s in services if s.category in _CRISIS]
        if not chosen:
            chosen = [s for s in self._services[INTERNATIONAL] if s.category in _CRISIS]
        return list(dict.fromkeys(chosen))[:MAX_RESOURCES]

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
    for key in ("name", "category", "hours", "audience", "source"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise ValueError(f"{where}: {key} must be non-empty text")
    for key in ("phone", "sms", "sms_keyword", "url"):
        if entry[key] is not None and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise ValueError(f"{where}: {key} must be quoted text or null")
    if entry["category"] not in CATEGORIES:
        raise ValueError(
            f"{where}: category {entry['category']!r} is not one of {sorted(CATEGORIES)}"
        )
    if not isinstance(entry["verified_on"], date) or isinstance(entry["verified_on"], datetime):
        raise ValueError(f"{where}: verified_on must be a date such as 2026-11-25")
    if entry["sms_keyword"] and not entry["sms"]:
        raise ValueError(f"{where}: sms_keyword needs an sms number")
    if not (entry["phone"] or entry["sms"] or entry["url"]):
        raise ValueError(f"{where}: needs a phone, sms or url")
    for key in ("phone", "sms"):
        if entry[key] is not None:
            _check_number(entry[key], region, f"{where}, {key}")
    return Resource(**entry)


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
