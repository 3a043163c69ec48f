"""The contract's fields for many instants in one zone under one calendar, cached by local day.

Per event, :func:`~offhours.verdict.judge` finds the offset, the day plan, the reason and
``minutes_outside`` and formats the local time. Most of that is the same for every instant
of one local day at one UTC offset, so a :class:`Clock` works it out once per such *day*
(a :class:`LocalDay`: the date text, weekday, holiday name, offset text, where each reason
starts, and the off-hours gap met in each stretch of one reason). Another instant of that day
costs arithmetic on seconds, a bisection among the day's few boundaries and a string join:

- pytz's offsets are whole minutes (the zone is checked; otherwise every event takes the
  uncached path), so the local wall time is the day's midnight plus whole seconds;
- a transition may fall inside a minute (Africa/Monrovia at 00:44:30 UTC in 1972; many
  zones' first transition from local mean time): the day ends there, and the rest of the
  minute belongs to the next one;
- ``minutes_outside`` comes from the nearest span end before the instant and start after it,
  which stay the same across an off-hours gap (:func:`~offhours.verdict.outside_window`):
  each stretch keeps the gap it met, and the clock the last few gaps, each for the local days
  it decides (:func:`~offhours.verdict.window_covers`), since a night gap spans two days.

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
from itertools import islice, repeat
from operator import floordiv, ge, mod, neg, sub

from .caching import remember
from .calendar import date_of, weekday_of
from .verdict import (
    BUSINESS_HOURS, HORIZON_SECONDS, WEEKDAY_NAMES, format_offset, judge, minutes_between, outside_window,
    reason_at, window_covers,
)
from .zones import resolve_zone

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
_NOT_SHARED = object()  # a wall-time window that does not hold in a zone (an offset change near)
# Farther than any instant is from a span end: stands in for no span on that side.
_NO_SPAN = 1 << 40
# Instants of a stretch of a day (or of a day, on average) below which values_at takes them
# one by one: a stretch's maps cost about as much as this many instants' values().
MANY_A_DAY = 8


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

    __slots__ = ("lo", "hi", "since", "until", "number", "midnight", "date_text", "suffix", "weekday",
                 "holiday_name", "starts", "reasons", "windows", "wall_windows")

    def __init__(self, lo, hi, since, until, number, midnight, common, suffix):
        date_text, tail, starts, reasons, wall_windows = common
        self.lo, self.hi = lo, hi          # UTC instants
        self.since, self.until = since, until  # UTC instants between which the day's offset is in force
        self.number = number               # day number (days since 1970-01-01, local)
        self.midnight = midnight           # UTC instant of this day's local midnight at this offset
        self.date_text = date_text         # "YYYY-MM-DDT"
        self.suffix = suffix               # "+HH:MM"
        self.weekday, self.holiday_name = tail
        self.starts = starts               # seconds from midnight at which each reason starts
        self.reasons = reasons
        self.windows = [None] * len(starts)  # the off-hours gap met in each reason's stretch, once found
        self.wall_windows = wall_windows   # the same in wall time, shared by the calendar's clocks in all zones


class Clock:
    """Output fields (``OUTPUT_FIELDS`` order, a tuple of strings) of instants under one
    profile's ``calendar`` in ``zone``; ``days`` is a dict shared by a search's clocks."""

    __slots__ = ("calendar", "zone", "profile_name", "_zone_name", "_days", "_exact", "_day", "_gaps", "judged")

    def __init__(self, calendar, zone, profile_name, days):
        self.calendar = calendar
        self.zone = zone
        self.profile_name = profile_name
        self._zone_name = zone.name
        self._days = days
        self._exact = None  # decided on first use: whether the zone's offsets are whole minutes
        self._day = None    # the LocalDay of the last instant judged
        self._gaps = []     # (low, high, day number, window) of outside_window, the latest first
        self.judged = False  # whether any instant has been judged

    def values(self, utc):
        """The output fields of epoch second ``utc``."""
        day = self._day
        if day is None or not day.lo <= utc < day.hi:
            day = self._local_day(utc)
            if day is None:
                return self.uncached(utc)
        second = utc - day.midnight  # of the local day
        stretch = bisect_right(day.starts, second) - 1
        reason = day.reasons[stretch]
        if reason is BUSINESS_HOURS:
            off_hours = minutes = "0"
        else:
            off_hours = "1"
            window = day.windows[stretch]
            if window is None or not window[2] <= utc < window[3]:
                window = self._window(day, stretch, utc)
                if window is not None:
                    day.windows[stretch] = window
            minutes = minutes_between(utc, window)
        return (off_hours, reason, day.date_text + _MINUTES[second // 60] + _SECONDS[second % 60] + day.suffix,
                _HOURS[second // 3600], day.weekday, day.holiday_name, minutes, self.profile_name, self._zone_name,
                "")

    def values_at(self, utcs):
        """:meth:`values` of each epoch second of the list ``utcs``, as a list.

        Instants in order (newest first, as a search returns events, or oldest first) go a
        stretch of a local day at a time: the instants of one stretch share all but their
        local time, hour and ``minutes_outside``, and those come from ``map`` over C
        functions with :meth:`values`' arithmetic. Others go one by one through :meth:`values`.
        """
        if len(utcs) < MANY_A_DAY or abs(utcs[0] - utcs[-1]) > len(utcs) // MANY_A_DAY * _DAY:
            return list(map(self.values, utcs))  # fewer than MANY_A_DAY instants a day: one by one
        if all(map(ge, utcs, islice(utcs, 1, None))):
            return self._newest_first(utcs)
        if all(map(ge, islice(utcs, 1, None), utcs)):
            return self._newest_first(utcs[::-1])[::-1]
        return list(map(self.values, utcs))

    def _newest_first(self, utcs):
        """:meth:`values_at` of instants from newest to oldest."""
        negated = list(map(neg, utcs))  # oldest to newest, for bisect
        out = []
        first, count = 0, len(utcs)
        while first < count:
            utc = utcs[first]
            day = self._day
            if day is None or not day.lo <= utc < day.hi:
                day = self._local_day(utc)
                if day is None:
                    out.append(self.uncached(utc))
                    first += 1
                    continue
            after = bisect_right(negated, -day.lo, first)  # the first instant before the day
            if after - first < MANY_A_DAY:
                out += map(self.values, utcs[first:after])
                first = after
                continue
            for stretch in range(len(day.starts) - 1, -1, -1):  # the latest stretch first
                end = bisect_right(negated, -(day.midnight + day.starts[stretch]), first, after)
                if end - first >= MANY_A_DAY:
                    out += self._stretch_values(day, stretch, utcs[first:end])
                else:
                    out += map(self.values, utcs[first:end])
                first = end
        return out

    def _stretch_values(self, day, stretch, utcs):
        """:meth:`values` of instants ``utcs`` (newest first) of ``stretch`` of ``day``."""
        reason = day.reasons[stretch]
        if reason is BUSINESS_HOURS:
            off_hours, minutes = "0", repeat("0")
        else:
            off_hours = "1"
            window = day.windows[stretch]
            if window is None or not window[2] <= utcs[-1] <= utcs[0] < window[3]:
                window = self._window(day, stretch, utcs[0])
                if window is None:
                    return list(map(self.values, utcs))
                day.windows[stretch] = window
                if not window[2] <= utcs[-1]:  # the stretch holds more than one gap
                    return list(map(self.values, utcs))
            # minutes_between: the real time to the nearest span end before or start after
            last_end, next_start = window[0], window[1]
            nearest = list(map(min, map(sub, utcs, repeat(-_NO_SPAN if last_end is None else last_end)),
                               map(sub, repeat(_NO_SPAN if next_start is None else next_start), utcs)))
            if max(nearest) > HORIZON_SECONDS:
                return list(map(self.values, utcs))
            minutes = map(str, map(max, map(neg, map(floordiv, map(neg, nearest), repeat(60))), repeat(1)))
        seconds = list(map(sub, utcs, repeat(day.midnight)))
        minutes_of_day = map(_MINUTES.__getitem__, map(floordiv, seconds, repeat(60)))
        local_times = map("".join, zip(repeat(day.date_text), minutes_of_day,
                                      map(_SECONDS.__getitem__, map(mod, seconds, repeat(60))), repeat(day.suffix)))
        hours = map(_HOURS.__getitem__, map(floordiv, seconds, repeat(3600)))
        return list(zip(repeat(off_hours), repeat(reason), local_times, hours, repeat(day.weekday),
                        repeat(day.holiday_name), minutes, repeat(self.profile_name), repeat(self._zone_name),
                        repeat("")))

    def _local_day(self, utc):
        """The :class:`LocalDay` holding ``utc`` (found or made), or None for a zone whose
        offsets are not whole minutes (judged uncached)."""
        self.judged = True
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
                (WEEKDAY_NAMES[weekday_of(number)], plan.holiday_name)) + segments + ([None] * len(segments[0]),),
                MAX_CACHED_DAYS)
        midnight = number * _DAY - offset
        suffix = _OFFSETS.get(offset)
        if suffix is None:
            suffix = _OFFSETS[offset] = format_offset(offset)  # a few dozen values in all
        return LocalDay(max(start, midnight), min(end, midnight + _DAY), start, end, number, midnight, common, suffix)

    def _window(self, day, stretch, utc):
        """:func:`~offhours.verdict.outside_window` of off-hours instant ``utc`` in ``stretch``
        of ``day`` (None: within a span's real time): the gap as every zone of the calendar
        sees it in wall time, where another zone's clock found it already; else one of the
        clock's last gaps that decides it; else found anew, in wall time where it can be."""
        window = self._wall_window(day, stretch, utc, find=False)
        if window is not _NOT_SHARED:
            return window
        number = day.number
        for low, high, found_on, window in self._gaps:
            if low <= utc < high and (found_on == number or window_covers(window, abs(found_on - number))):
                return window
        window = self._wall_window(day, stretch, utc, find=True)
        if window is _NOT_SHARED:
            window = outside_window(self.calendar, self.zone, utc, number, _GAP_MARGIN)
        if window is not None:  # else within a span's real time: no gap to keep
            self._gaps.insert(0, (window[2], window[3], number, window))
            del self._gaps[_MAX_GAPS:]
        return window

    def _wall_window(self, day, stretch, utc, find):
        """The window of ``utc``'s gap as every zone's clock of the calendar sees it in wall
        time, shifted to this zone's UTC instants; :data:`_NOT_SHARED` unless the day's offset
        is in force over all the instants the gap's scan reads, or when it is not known yet
        and ``find`` is false.

        With one offset throughout, a zone's spans are the wall spans moved by that offset,
        so :func:`~offhours.verdict.outside_window` finds the same spans, the same stop and
        the same window, moved. A per-event zone field puts many zones on one calendar: each
        gap is then scanned once in wall time, not once in every zone.
        """
        offset = day.number * _DAY - day.midnight
        wall = utc + offset
        window = day.wall_windows[stretch]
        if window is None or not window[2] <= wall < window[3]:
            if not find:
                return _NOT_SHARED
            # In UTC (a cached zone) instants are wall times.
            window = outside_window(self.calendar, resolve_zone("UTC"), wall, day.number, _GAP_MARGIN)
            if window is None:
                return _NOT_SHARED
            day.wall_windows[stretch] = window
        days = window[4] + 3  # the days scanned each way (outside_window's reach plus three)
        # The scan reads the spans of days number - days to number + days + 1; a span ends at
        # most two days after its day starts; one more day either way for utc_of_wall's reading.
        first = (day.number - days - 1) * _DAY - offset
        last = (day.number + days + 4) * _DAY - offset
        if not day.since <= first < last <= day.until:
            return _NOT_SHARED
        last_end, next_start, low, high, reach = window
        return (None if last_end is None else last_end - offset, None if next_start is None else next_start - offset,
                low - offset, high - offset, reach)

    def uncached(self, utc):
        """The same fields through :func:`~offhours.verdict.judge`, nothing cached."""
        self.calendar.check_data_years((utc + self.zone.utc_offset(utc)) // _DAY)
        self.judged = True
        verdict = judge(self.calendar, self.zone, utc)
        return (verdict.off_hours, verdict.reason, verdict.local_time, verdict.local_hour, verdict.local_wday,
                verdict.holiday_name, verdict.minutes_outside, self.profile_name, self.zone.name, "")
