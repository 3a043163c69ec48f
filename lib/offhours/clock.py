"""The contract's fields for many instants in one zone under one calendar, cached by local day.

Per event, :func:`~offhours.verdict.judge` finds the offset, the day plan, the reason and
``minutes_outside`` and formats the local time. Most of that is the same for every instant
of one local day at one UTC offset, so a :class:`Clock` works it out once per such *day*
(a :class:`LocalDay`: the date text, weekday, holiday name, offset text, where each reason
starts, and the off-hours gaps met so far) and keeps, besides, the fields of the last UTC
minute it judged. An instant of that minute costs a tuple and a string join; another
instant of the same day, arithmetic on seconds and a lookup among a few boundaries:

- pytz's offsets are whole minutes (the zone is checked; otherwise every event takes the
  uncached path), so a UTC minute is one local wall minute and the local second is
  ``utc % 60``;
- business intervals, closures and so every reason boundary fall on whole wall minutes, so
  a minute has one reason, found by bisection among the day's boundaries;
- a transition may fall inside a minute (Africa/Monrovia at 00:44:30 UTC in 1972; many
  zones' first transition from local mean time): the day ends there, and the rest of the
  minute belongs to the next one;
- span boundaries are whole UTC minutes, so ``minutes_outside`` (rounded up) takes one
  value at the minute's first second and another at all of its later seconds; it comes from
  the nearest span end before the instant and start after it, which stay the same across
  an off-hours gap (:func:`~offhours.verdict.outside_window`): the last few gaps are kept,
  each for the local days it decides (:func:`~offhours.verdict.window_covers`).

Days of a search's clocks are kept in one bounded dict (:data:`MAX_CACHED_DAYS`), so instants
that come back to earlier days (interleaved sources) find them again; so is what a day is in
every zone (its date text, weekday, holiday name and reasons), which the clocks of one profile
in many zones (a per-event ``tzfield``) share.

>>> from offhours.calendar import Calendar, Workweek
>>> from offhours.hours import parse_hours
>>> from offhours.zones import resolve_zone
>>> clock = Clock(Calendar(parse_hours("mon-fri 08:00-18:00"), Workweek(), {}),
...               resolve_zone("America/Los_Angeles"), "team", {})
>>> clock.values(1629328650)
('0', 'business_hours', '2021-08-18T16:17:30-07:00', '16', 'wednesday', '', '0', 'team', 'America/Los_Angeles', '')
>>> clock.values(1629336000)[:3] + clock.values(1629336000)[6:7]      # 18:20 local
('1', 'after_hours', '2021-08-18T18:20:00-07:00', '20')
"""
from bisect import bisect_right

from .caching import remember
from .calendar import date_of, weekday_of
from .verdict import (
    BUSINESS_HOURS, WEEKDAY_NAMES, format_offset, judge, minutes_between, outside_window, reason_at,
    window_covers,
)

_DAY = 86400
_SECONDS = tuple(f"{second:02d}" for second in range(60))
_MINUTES = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(1440))  # "HH:MM:" by minute of day
_HOURS = tuple(str(hour) for hour in range(24))
_OFFSETS = {}  # UTC offset in seconds -> "+HH:MM"
# Local days kept across all clocks of a search, besides each clock's current one (and the
# days as every zone of a calendar sees them, in the same dict): a search with 40 zones over
# two years meets 30,000, each in runs, so a few thousand suffice. Under 1 KiB each.
MAX_CACHED_DAYS = 2048
# Reason boundaries by the shape of a day and the day before (their intervals, closing time
# and weekend): a few per profile.
_SEGMENTS = {}
_MAX_SHAPES = 1024
# Off-hours gaps kept per clock: the one before, between and after a day's intervals, and
# a few more for instants that come back to them.
_MAX_GAPS = 8
# Days more that a gap's scan goes out, so that its window also decides the neighbouring
# local days (a night gap spans two).
_GAP_MARGIN = 1


def _segments(calendar, plan, previous, number):
    """``(starts, reasons)``: the seconds from local midnight of day ``number`` (plan ``plan``,
    the day before ``previous``) at which :func:`~offhours.verdict.reason_at` changes its
    answer, and its answers from there. It compares the second with the two days' interval
    bounds and the closing time only, so between those its answer stays the same."""
    edges = {0}
    for interval in plan.intervals:
        edges.update(interval)
    for first, last in previous.intervals:
        edges.update((first - _DAY, last - _DAY))
    if plan.closes_at is not None:
        edges.add(plan.closes_at)
    starts, reasons = [], []
    for second in sorted(edge for edge in edges if 0 <= edge < _DAY):
        reason = reason_at(calendar, plan, number, second)
        if not reasons or reason is not reasons[-1]:
            starts.append(second)
            reasons.append(reason)
    return tuple(starts), tuple(reasons)


class LocalDay:
    """What the instants ``[lo, hi)`` share: one local day at one UTC offset."""

    __slots__ = ("lo", "hi", "number", "midnight", "date_text", "suffix", "tail", "starts", "reasons")

    def __init__(self, lo, hi, number, midnight, date_text, suffix, tail, starts, reasons):
        self.lo, self.hi = lo, hi          # UTC instants
        self.number = number               # day number (days since 1970-01-01, local)
        self.midnight = midnight           # UTC instant of this day's local midnight at this offset
        self.date_text = date_text         # "YYYY-MM-DDT"
        self.suffix = suffix               # "+HH:MM"
        self.tail = tail                   # (weekday, holiday name)
        self.starts = starts               # seconds from midnight at which each reason starts
        self.reasons = reasons


class Clock:
    """Output fields (``OUTPUT_FIELDS`` order, a tuple of strings) of instants under one
    profile's ``calendar`` in ``zone``; ``days`` is a dict shared by a search's clocks."""

    __slots__ = ("calendar", "zone", "profile_name", "_days", "_exact", "_day", "_names", "_gaps",
                 "_lo", "_hi", "_base", "_head", "_prefix", "_suffix", "_tail", "judged")

    def __init__(self, calendar, zone, profile_name, days):
        self.calendar = calendar
        self.zone = zone
        self.profile_name = profile_name
        self._days = days
        self._exact = None  # decided on first use: whether the zone's offsets are whole minutes
        self._day = None    # the LocalDay of the last instant judged
        self._names = (profile_name, zone.name, "")
        self._gaps = []     # (low, high, day number, window) of outside_window, the latest first
        self._lo = self._hi = 0  # instants [lo, hi) of one minute that share their fields: none yet
        self.judged = False  # whether any instant has been judged

    def values(self, utc):
        """The output fields of epoch second ``utc``."""
        if self._lo <= utc < self._hi:
            return self._head + (self._prefix + _SECONDS[utc - self._base] + self._suffix,) + self._tail
        return self._minute(utc)

    def _minute(self, utc):
        """The fields of ``utc``, kept for the next instants of its minute that share them:
        the minute's first second, or its later seconds."""
        self.judged = True
        day = self._day
        if day is None or not day.lo <= utc < day.hi:
            day = self._local_day(utc)
            if day is None:
                return self.uncached(utc)
        base = utc - utc % 60
        if utc == base:
            lo, hi = utc, utc + 1
        else:
            lo, hi = base + 1, base + 60
            if lo < day.lo:
                lo = day.lo
            if hi > day.hi:
                hi = day.hi
        second = base - day.midnight  # of the local day, at the minute's start
        reason = day.reasons[bisect_right(day.starts, second) - 1]
        if reason is BUSINESS_HOURS:
            head, minutes = ("0", reason), "0"
        else:
            head, minutes = ("1", reason), self._minutes(day, lo)
        prefix = day.date_text + _MINUTES[second // 60]
        tail = (_HOURS[second // 3600],) + day.tail + (minutes,) + self._names
        self._lo, self._hi, self._base, self._head, self._prefix, self._suffix, self._tail = (
            lo, hi, base, head, prefix, day.suffix, tail)
        return head + (prefix + _SECONDS[utc - base] + day.suffix,) + tail

    def _local_day(self, utc):
        """The :class:`LocalDay` holding ``utc`` (found or made), or None for a zone whose
        offsets are not whole minutes (judged uncached)."""
        if self._exact is None:
            self._exact = self.zone.whole_minutes
        if not self._exact:
            return None
        start, end, offset = self.zone.interval(utc)
        number = (utc + offset) // _DAY
        key = (self, number, offset)
        day = self._days.get(key)
        if day is None or not day.lo <= utc < day.hi:
            day = remember(self._days, key, self._make_day(number, offset, start, end), MAX_CACHED_DAYS)
        self._day = day
        return day

    def _make_day(self, number, offset, start, end):
        calendar = self.calendar
        key = (calendar, number)
        common = self._days.get(key)  # what the day is in every zone, shared by the calendar's clocks
        if common is None:
            calendar.check_data_years(number)
            plan, previous = calendar.day(number), calendar.day(number - 1)
            # All that reason_at reads of the two days: most days share theirs with many others.
            shape = (plan.intervals, previous.intervals, plan.closes_at, plan.is_weekend)
            segments = _SEGMENTS.get(shape)
            if segments is None:
                segments = remember(_SEGMENTS, shape, _segments(calendar, plan, previous, number), _MAX_SHAPES)
            date = date_of(number)
            common = remember(self._days, key, (
                f"{date.year:04d}-{date.month:02d}-{date.day:02d}T",
                (WEEKDAY_NAMES[weekday_of(number)], plan.holiday_name)) + segments, MAX_CACHED_DAYS)
        date_text, tail, starts, reasons = common
        midnight = number * _DAY - offset
        suffix = _OFFSETS.get(offset)
        if suffix is None:
            suffix = _OFFSETS[offset] = format_offset(offset)  # a few dozen values in all
        return LocalDay(max(start, midnight), min(end, midnight + _DAY), number, midnight,
                        date_text, suffix, tail, starts, reasons)

    def _minutes(self, day, utc):
        """``minutes_outside`` of off-hours instant ``utc`` of ``day``."""
        number = day.number
        for low, high, found_on, window in self._gaps:
            if low <= utc < high and (found_on == number or window_covers(window, abs(found_on - number))):
                return minutes_between(utc, window)
        window = outside_window(self.calendar, self.zone, utc, number, _GAP_MARGIN)
        if window is not None:  # else within a span's real time: no gap to keep
            self._gaps.insert(0, (window[2], window[3], number, window))
            del self._gaps[_MAX_GAPS:]
        return minutes_between(utc, window)

    def uncached(self, utc):
        """The same fields through :func:`~offhours.verdict.judge`, nothing cached."""
        self.calendar.check_data_years((utc + self.zone.utc_offset(utc)) // _DAY)
        self.judged = True
        verdict = judge(self.calendar, self.zone, utc)
        return (verdict.off_hours, verdict.reason, verdict.local_time, verdict.local_hour, verdict.local_wday,
                verdict.holiday_name, verdict.minutes_outside, self.profile_name, self.zone.name, "")
