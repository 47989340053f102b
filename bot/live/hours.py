"""Staffed hours: when a person from the practice can join a chat.

LIVE_CHAT_HOURS lists days and times in the practice's time zone (PRACTICE_TIME_ZONE,
an IANA name such as ``America/New_York``), for example::

    mon-fri 09:00-17:00; sat 10:00-13:00

Days are ``mon`` to ``sun``, alone, as a range (``mon-fri``) or a comma list
(``mon,wed``); times are 24-hour ``HH:MM``, and ``24:00`` ends a day. An empty value
means live chat is off. A value that cannot be read stops the process at start with
a sentence that says what is wrong, never a silently closed (or open) service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SPAN = re.compile(r"^(?P<days>[a-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$")


class InvalidHours(ValueError):
    """LIVE_CHAT_HOURS or PRACTICE_TIME_ZONE cannot be read."""


@dataclass(frozen=True)
class Span:
    days: frozenset[int]  # 0 = Monday
    start: int  # minutes after midnight
    end: int  # minutes after midnight, at most 24 * 60


@dataclass(frozen=True)
class StaffedHours:
    spans: tuple[Span, ...]
    zone: ZoneInfo
    text: str  # as the practice wrote it

    @classmethod
    def parse(cls, text: str, zone_name: str) -> StaffedHours:
        try:
            zone = ZoneInfo(zone_name.strip())
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise InvalidHours(
                f"PRACTICE_TIME_ZONE {zone_name!r} is not a time zone name such as "
                "'America/New_York' or 'Europe/London'"
            ) from error
        spans = tuple(_span(part.strip().lower()) for part in text.split(";") if part.strip())
        return cls(spans, zone, text.strip())

    @property
    def enabled(self) -> bool:
        return bool(self.spans)

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` (aware) falls in staffed hours, in the practice's time zone."""
        local = moment.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(
            local.weekday() in span.days and span.start <= minute < span.end for span in self.spans
        )

    def describe(self) -> str:
        """The hours in words for visitors: "Monday to Friday 09:00-17:00 (America/New_York)"."""
        if not self.spans:
            return "no hours are set"
        parts = [f"{_days_in_words(s.days)} {_clock(s.start)}-{_clock(s.end)}" for s in self.spans]
        return f"{'; '.join(parts)} ({self.zone.key} time)"


def _span(part: str) -> Span:
    found = _SPAN.match(part)
    if not found:
        raise InvalidHours(
            f"LIVE_CHAT_HOURS part {part!r} should look like 'mon-fri 09:00-17:00' "
            "(days, a space, then start-end in 24-hour time; parts separated by ';')"
        )
    start, end = _minutes(found["start"], part), _minutes(found["end"], part)
    if not start < end:
        raise InvalidHours(f"LIVE_CHAT_HOURS part {part!r}: the end must come after the start")
    return Span(_days(found["days"], part), start, end)


def _days(text: str, part: str) -> frozenset[int]:
    days: set[int] = set()
    for item in text.split(","):
        first, _, last = item.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise InvalidHours(
                f"LIVE_CHAT_HOURS part {part!r}: days are {', '.join(DAYS)}, "
                "alone, as a range (mon-fri) or listed (mon,wed)"
            )
        start, stop = DAYS.index(first), DAYS.index(last or first)
        wraps = start > stop  # "sat-mon": Saturday, Sunday and Monday
        days.update([*range(start, 7), *range(stop + 1)] if wraps else range(start, stop + 1))
    return frozenset(days)


def _minutes(clock: str, part: str) -> int:
    hours, minutes = (int(number) for number in clock.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise InvalidHours(f"LIVE_CHAT_HOURS part {part!r}: {clock} is not a time of day")
    return hours * 60 + minutes


def _clock(minutes: int) -> str:
    return time(minutes // 60, minutes % 60).strftime("%H:%M") if minutes < 1440 else "24:00"


def _days_in_words(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_NAMES[ordered[0]]} to {DAY_NAMES[ordered[-1]]}"
    return ", ".join(DAY_NAMES[day] for day in ordered)
