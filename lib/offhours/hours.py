"""The ``hours`` grammar: weekly business hours in local wall-clock time.

    <entry>[; <entry>...]       entry: [<days>] <HH:MM>-<HH:MM>[, <HH:MM>-<HH:MM>...]

``<days>`` is ``mon``..``sun``, a range (``mon-fri``, ``sun-thu``), a comma list of those,
or ``workdays`` (the locale's non-weekend days, also meant when days are omitted).
An end at or before its start runs past midnight and belongs to the start day;
``24:00`` is allowed as an end. Intervals of a day that overlap or touch merge.

>>> hours = parse_hours("mon-fri 08:00-12:00, 13:00-17:00; sat 22:00-02:00")
>>> hours.intervals(weekday=5, is_workday=False)       # Saturday, overnight
((79200, 93600),)

Intervals are (start, end) seconds from the start day's local midnight.
"""
import re

from .quoting import quote

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS = "workdays"
HOURS_FORM = (
    "[<days>] HH:MM-HH:MM[, HH:MM-HH:MM...][; ...] with days mon..sun, a range such as "
    "mon-fri, a comma list or workdays; e.g. \"mon-fri 08:00-18:00\""
)
_DAY = 86400
_TIME = r"^([0-9]{1,2}):([0-9]{2})\Z"  # ASCII digits only: int() reads any script's


class HoursError(ValueError):
    """An ``hours`` spec that does not follow the grammar; the message says where."""


def merge_intervals(intervals):
    """Sorted intervals with overlapping or touching ones merged."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


class WeeklyHours:
    """A compiled ``hours`` spec: for each weekday, its intervals when a workday or not."""

    __slots__ = ("spec", "_table", "names_days", "notes")

    def __init__(self, spec, named, workday, notes=()):
        self.spec = spec
        #: Warnings for the job inspector: parts of the spec that are valid but likely a slip.
        self.notes = tuple(notes)
        #: True when some entry names days explicitly (those never follow the locale).
        self.names_days = any(named)
        self._table = tuple(
            (merge_intervals(named[day]), merge_intervals(named[day] + workday))
            for day in range(7)
        )

    def intervals(self, weekday, is_workday):
        """Merged intervals that start on a day with this weekday (Monday = 0)."""
        return self._table[weekday][1 if is_workday else 0]

    def __eq__(self, other):
        return isinstance(other, WeeklyHours) and self._table == other._table

    def __hash__(self):
        return hash(self._table)

    def __repr__(self):
        return f"parse_hours({self.spec!r})"


def parse_hours(spec):
    """Compile an ``hours`` spec; raises :class:`HoursError` naming the faulty part."""
    named = [[] for _ in range(7)]
    workday = []
    notes = []
    entries = [entry.strip() for entry in spec.split(";")]
    if not any(entries):
        raise HoursError(f"empty hours: expected {HOURS_FORM}")
    for entry in entries:
        if not entry:
            continue  # tolerate "a; b;" as Splunk users write lists
        first_digit = re.search(r"\d", entry)  # any script's: _TIME then names a non-ASCII digit
        if first_digit is None:
            raise HoursError(f"no time interval in {quote(entry)}: expected {HOURS_FORM}")
        days_text = entry[: first_digit.start()].strip()
        intervals = [_parse_interval(part, entry) for part in entry[first_digit.start():].split(",")]
        notes += [
            f"hours interval {quote(part.strip())} in {quote(entry)} runs 24 hours (an end equal to its start "
            "is the next day's): write 00:00-24:00 for whole days"
            for part, (start, end) in zip(entry[first_digit.start():].split(","), intervals)
            if end - start == _DAY and part.split("-")[-1].strip() != "24:00"
        ]
        days = _parse_days(days_text, entry)
        if days is None:
            workday.extend(intervals)
        else:
            for day in days:
                named[day].extend(intervals)
    return WeeklyHours(spec, [tuple(day) for day in named], tuple(workday), notes)


def _parse_days(text, entry):
    """A set of weekday numbers, or None for workdays."""
    text = text.lower().strip()
    if not text or text == WORKDAYS:
        return None
    days = set()
    for part in text.split(","):
        bounds = [bound.strip() for bound in part.split("-")]
        if len(bounds) > 2 or not all(bound in DAY_NAMES for bound in bounds):
            raise HoursError(f"invalid days {quote(part.strip())} in {quote(entry)}: expected {HOURS_FORM}")
        first, last = DAY_NAMES.index(bounds[0]), DAY_NAMES.index(bounds[-1])
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return days


def _parse_interval(text, entry):
    bounds = [bound.strip() for bound in text.split("-")]
    if len(bounds) != 2:
        raise HoursError(f"invalid interval {quote(text.strip())} in {quote(entry)}: expected HH:MM-HH:MM")
    start = _parse_clock(bounds[0], entry, allow_24=False)
    end = _parse_clock(bounds[1], entry, allow_24=True)
    if end <= start:
        end += _DAY  # runs past midnight
    return (start, end)


def _parse_clock(text, entry, allow_24):
    match = re.match(_TIME, text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if minute < 60 and (hour < 24 or (allow_24 and hour == 24 and minute == 0)):
            return hour * 3600 + minute * 60
    limit = "00:00-24:00" if allow_24 else "00:00-23:59"
    raise HoursError(f"invalid time {quote(text)} in {quote(entry)}: expected HH:MM in {limit}")
