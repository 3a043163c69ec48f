"""The contract's fields for many instants in one zone under one calendar, cached by minute.

Per event, :func:`~offhours.verdict.judge` finds the offset, the day plan, the reason and
``minutes_outside`` and formats the local time. Events come in runs of nearby instants, so
a :class:`Clock` computes all of that once per *bucket*: the instants of one UTC minute
during which the zone's offset does not change. Within a bucket everything but the
seconds is the same:

- pytz's offsets are whole minutes (the zone is checked; otherwise every event takes the
  uncached path), so a UTC minute is one local wall minute and the local second is
  ``utc % 60``;
- business intervals, closures and so every reason boundary fall on whole wall minutes;
- a transition may fall inside a minute (Africa/Monrovia at 00:44:30 UTC in 1972; many
  zones' first transition from local mean time): the bucket ends there, and the rest of
  the minute is another bucket;
- span boundaries are whole UTC minutes, so ``minutes_outside`` (rounded up) takes one
  value at the minute's first second and another at all of its later seconds.

``minutes_outside`` itself comes from the nearest span end before the instant and start
after it, which stay the same across an off-hours gap
(:func:`~offhours.verdict.outside_window`), so a new minute costs a few comparisons.

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
from .caching import remember
from .calendar import date_of, weekday_of
from .verdict import BUSINESS_HOURS, WEEKDAY_NAMES, _reason, format_offset, judge, minutes_between, outside_window

_DAY = 86400
_SECONDS = tuple(f"{second:02d}" for second in range(60))
_MINUTES = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(1440))  # "HH:MM:" by minute of day
_HOURS = tuple(str(hour) for hour in range(24))
_OFFSETS = {}  # UTC offset in seconds -> "+HH:MM"
# Buckets kept per minute besides the last one used, across all clocks of a search:
# for instants that come back to earlier minutes (interleaved sources). About 0.5 KiB each.
MAX_CACHED_BUCKETS = 4096


class Clock:
    """Output fields (``OUTPUT_FIELDS`` order, a tuple of strings) of instants under one
    profile's ``calendar`` in ``zone``; ``buckets`` is a dict shared by a search's clocks."""

    __slots__ = ("calendar", "zone", "profile_name", "_buckets", "_exact", "_day",
                 "_lo", "_hi", "_base", "_head", "_prefix", "_suffix", "_first", "_rest", "_window", "judged")

    def __init__(self, calendar, zone, profile_name, buckets):
        self.calendar = calendar
        self.zone = zone
        self.profile_name = profile_name
        self._buckets = buckets
        self._exact = None  # decided on first use: whether the zone's offsets are whole minutes
        self._lo = self._hi = 0  # the current bucket [lo, hi): empty
        self._window = None  # (day, last_end, next_start, low, high): see _minutes
        self._day = None     # (day number, DayPlan, "YYYY-MM-DDT", weekday name) of the last bucket
        self.judged = False  # whether any instant has been judged

    def values(self, utc):
        """The output fields of epoch second ``utc``."""
        if self._lo <= utc < self._hi:
            second = utc - self._base
            return self._head + (self._prefix + _SECONDS[second] + self._suffix,) + (
                self._rest if second else self._first)
        return self._miss(utc)

    def _miss(self, utc):
        self.judged = True
        base = utc - utc % 60
        bucket = self._buckets.get((self, base))
        if bucket is None or not bucket[0] <= utc < bucket[1]:
            if self._exact is None:
                self._exact = self.zone.whole_minutes
            if not self._exact:
                return self.uncached(utc)
            bucket = self._bucket(utc, base)
            remember(self._buckets, (self, base), bucket, MAX_CACHED_BUCKETS)
        self._lo, self._hi, self._base, self._head, self._prefix, self._suffix, self._first, self._rest = bucket
        return self.values(utc)

    def _bucket(self, utc, base):
        calendar, zone = self.calendar, self.zone
        start, end, offset = zone.interval(utc)
        lo, hi = max(base, start), min(base + 60, end)
        number, second = divmod(base + offset, _DAY)
        day = self._day
        if day is None or day[0] != number:
            date = date_of(number)
            calendar.check_data_years(number)
            day = self._day = (number, calendar.day(number), f"{date.year:04d}-{date.month:02d}-{date.day:02d}T",
                               WEEKDAY_NAMES[weekday_of(number)])
        _, plan, date_text, weekday = day
        reason = _reason(calendar, plan, number, second)
        if reason is BUSINESS_HOURS:
            off_hours, first = "0", "0"
            rest = "0"
        else:
            off_hours = "1"
            first = self._minutes(base, number) if lo == base else ""
            rest = self._minutes(max(lo, base + 1), number) if max(lo, base + 1) < hi else ""
        suffix = _OFFSETS.get(offset)
        if suffix is None:
            suffix = _OFFSETS[offset] = format_offset(offset)  # a few dozen values in all
        tail = (_HOURS[second // 3600], weekday, plan.holiday_name)
        names = (self.profile_name, zone.name, "")
        return (lo, hi, base, (off_hours, reason), date_text + _MINUTES[second // 60], suffix,
                tail + (first,) + names, tail + (rest,) + names)

    def _minutes(self, utc, number):
        """``minutes_outside`` of off-hours instant ``utc`` on local day ``number``."""
        window = self._window
        if window is None or window[0] != number or not window[3] <= utc < window[4]:
            found = outside_window(self.calendar, self.zone, utc, number)
            if found is None:  # within a span's real time: its boundary is in a DST gap
                return judge(self.calendar, self.zone, utc).minutes_outside
            window = self._window = (number,) + found
        return minutes_between(utc, window[1], window[2])

    def uncached(self, utc):
        """The same fields through :func:`~offhours.verdict.judge`, nothing cached."""
        self.calendar.check_data_years((utc + self.zone.utc_offset(utc)) // _DAY)
        self.judged = True
        verdict = judge(self.calendar, self.zone, utc)
        return (verdict.off_hours, verdict.reason, verdict.local_time, verdict.local_hour, verdict.local_wday,
                verdict.holiday_name, verdict.minutes_outside, self.profile_name, self.zone.name, "")
