"""Calendars: which local days are workdays, holidays or closures, and their intervals.

A :class:`Calendar` combines weekly hours, a territory's workweek and dated closures
(public holidays and company closures) into one :class:`DayPlan` per local day, built on
first use and then looked up. Days are numbered from 1970-01-01 (day 0, a Thursday).
"""
import re
from datetime import date

from ._territories import CLDR_WEEKENDS, DEFAULT_WEEKEND, TERRITORIES
from .caching import remember
from .quoting import quote

_MAX_CACHED_DAYS = 20000
_DAY = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_number(day):
    """Days since 1970-01-01 of a ``datetime.date``."""
    return day.toordinal() - _EPOCH_ORDINAL


def date_of(number):
    return date.fromordinal(number + _EPOCH_ORDINAL)


def weekday_of(number):
    """Monday = 0, as ``date.weekday()``."""
    return (number + 3) % 7


# Weekends where CLDR is not the law, or not the law on every date. Each entry says
# which days were the weekend *before* a date; CLDR's current value applies after.
#  SA: Thursday-Friday until the royal decree of June 2013; Friday-Saturday from 2013-06-29.
#  AE: Friday-Saturday until the move to Saturday-Sunday announced in December 2021,
#      effective 2022-01-01. (The federal government rested Thursday-Friday before
#      2006-09-01; the contract starts the Friday-Saturday weekend at the beginning of time.)
WEEKEND_HISTORY = {
    "AE": ((date(2022, 1, 1), (4, 5)),),
    "SA": ((date(2013, 6, 29), (3, 4)),),
}
# Current weekends that CLDR gets wrong.
#  BD: Bangladesh rests Friday-Saturday (CLDR: Saturday-Sunday).
#  BN: Brunei rests Friday and Sunday and works Saturday (CLDR: Saturday-Sunday).
WEEKEND_CORRECTIONS = {"BD": (4, 5), "BN": (4, 6)}


class Workweek:
    """The weekend days of a territory (or of the world default), by date."""

    __slots__ = ("territory", "_current", "_history")

    def __init__(self, territory=None):
        if territory is not None and territory not in TERRITORIES:
            raise ValueError(f"unknown territory {quote(territory)}")
        self.territory = territory
        current = WEEKEND_CORRECTIONS.get(territory) or CLDR_WEEKENDS.get(territory, DEFAULT_WEEKEND)
        self._current = frozenset(current)
        self._history = tuple(
            (day_number(until), frozenset(days)) for until, days in WEEKEND_HISTORY.get(territory, ())
        )

    def weekend(self, number):
        """Weekend weekdays (Monday = 0) in force on local day ``number``."""
        for until, days in self._history:
            if number < until:
                return days
        return self._current

    def is_weekend(self, number):
        return weekday_of(number) in self.weekend(number)


class Closure:
    """A holiday or company closure on one local day: all day, or from ``closes_at``."""

    __slots__ = ("name", "closes_at")

    def __init__(self, name, closes_at=0):
        self.name = name
        self.closes_at = closes_at  # seconds from local midnight; 0 = the whole day

    def __repr__(self):
        return f"Closure({self.name!r}, {self.closes_at})"

    def __eq__(self, other):
        return isinstance(other, Closure) and (self.name, self.closes_at) == (other.name, other.closes_at)

    def __hash__(self):
        return hash((self.name, self.closes_at))


COMPANY_CLOSURE = "Company closure"
CLOSURES_FORM = "YYYY-MM-DD[ HH:MM][, ...], e.g. \"2025-12-24 12:00, 2025-12-31\""
_CLOSURE = r"^(\d{4})-(\d{2})-(\d{2})(?:\s+(\d{1,2}):(\d{2}))?$"


def parse_closure(text, name=COMPANY_CLOSURE):
    """``(day number, Closure)`` from ``YYYY-MM-DD[ HH:MM]``; raises ValueError."""
    match = re.match(_CLOSURE, text.strip())
    try:
        if not match:
            raise ValueError
        year, month, day, hour, minute = match.groups()
        number = day_number(date(int(year), int(month), int(day)))
        closes_at = 0
        if hour is not None:
            if int(hour) > 23 or int(minute) > 59:
                raise ValueError
            closes_at = int(hour) * 3600 + int(minute) * 60
    except ValueError:
        raise ValueError(f"invalid closure {quote(text.strip())}: expected {CLOSURES_FORM}") from None
    return number, Closure(name, closes_at)


def parse_closures(text):
    """``closures`` key: {day number: [Closure, ...]}; raises ValueError on a bad entry."""
    closures = {}
    for part in text.split(","):
        if part.strip():
            number, closure = parse_closure(part)
            closures.setdefault(number, []).append(closure)
    return closures


def merge_closures(*mappings):
    """One {day number: [Closure, ...]} from several."""
    merged = {}
    for mapping in mappings:
        for number, closures in mapping.items():
            merged[number] = merged.get(number, []) + closures
    return merged


class DayPlan:
    """What one local day holds: its business intervals and why it may be closed."""

    __slots__ = ("intervals", "holiday_name", "closes_at", "is_weekend")

    def __init__(self, intervals, holiday_name, closes_at, is_weekend):
        self.intervals = intervals        # (start, end) seconds from this day's midnight
        self.holiday_name = holiday_name  # "" when not a holiday or closure
        self.closes_at = closes_at        # None, or the second the holiday starts (0 = all day)
        self.is_weekend = is_weekend


class Calendar:
    """Weekly hours on a workweek, minus holidays and closures, day by day."""

    __slots__ = ("hours", "workweek", "_closures", "_plans", "_spans", "_data_years", "_covered", "_notes", "_noted")

    def __init__(self, hours, workweek, closures, data_years=None):
        """``closures``: {day number: [Closure, ...]}, or a function returning it on first use
        (public holiday tables are read only when a search judges its first event).
        ``data_years``: {calendar code: (first_year, last_year)} of the public holiday
        calendars in ``closures``, the years their data covers."""
        self.hours = hours
        self.workweek = workweek
        self._closures = closures
        self._plans = {}
        self._spans = {}
        self._data_years = dict(data_years or {})
        self._covered = (
            day_number(date(max(first for first, _ in self._data_years.values()), 1, 1)),
            day_number(date(min(last for _, last in self._data_years.values()), 12, 31)),
        ) if self._data_years else (float("-inf"), float("inf"))
        self._notes = []
        self._noted = set()

    @property
    def closures(self):
        if callable(self._closures):
            self._closures = self._closures()
        return self._closures

    def check_data_years(self, number):
        """Note, once per holiday calendar and side, an event on local day ``number`` outside
        the years that calendar has data for: such a day is judged without its holidays."""
        if self._covered[0] <= number <= self._covered[1]:
            return
        year = date_of(number).year
        for code, (first, last) in sorted(self._data_years.items()):
            if year > last and (code, "after") not in self._noted:
                self._noted.add((code, "after"))
                self._notes.append(
                    f"Holiday calendar {code} has data up to {last} only: events on local dates "
                    f"after {last} are judged without its holidays"
                )
            elif year < first and (code, "before") not in self._noted:
                self._noted.add((code, "before"))
                self._notes.append(
                    f"Holiday calendar {code} has data from {first} only: events on local dates "
                    f"before {first} are judged without its holidays"
                )

    def take_notes(self):
        """Messages from :meth:`check_data_years` since the last call."""
        notes, self._notes = self._notes, []
        return notes

    def day(self, number):
        """The :class:`DayPlan` of local day ``number``."""
        plan = self._plans.get(number)
        if plan is None:  # events spread over centuries: the cache stays bounded
            plan = remember(self._plans, number, self._plan(number), _MAX_CACHED_DAYS)
        return plan

    def utc_spans(self, zone, number):
        """Day ``number``'s intervals as (start, end) UTC instants in ``zone``, cached.

        Boundaries that do not exist or exist twice take the offset before the transition.
        """
        key = (zone.name, number)
        spans = self._spans.get(key)
        if spans is None:
            midnight = number * _DAY
            spans = remember(self._spans, key, tuple(
                (zone.utc_of_wall(midnight + start), zone.utc_of_wall(midnight + end))
                for start, end in self.day(number).intervals
            ), _MAX_CACHED_DAYS)
        return spans

    def _plan(self, number):
        is_weekend = self.workweek.is_weekend(number)
        intervals = self.hours.intervals(weekday_of(number), not is_weekend)
        closures = self.closures.get(number)
        if not closures:
            return DayPlan(intervals, "", None, is_weekend)
        closes_at = min(closure.closes_at for closure in closures)
        names = "; ".join(dict.fromkeys(closure.name for closure in closures))
        # Intervals that start on a closed day do not exist; a closure with a time
        # truncates that day's intervals at the time.
        intervals = tuple(
            (start, min(end, closes_at)) for start, end in intervals if start < closes_at
        )
        return DayPlan(intervals, names, closes_at, is_weekend)
