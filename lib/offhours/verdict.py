"""The verdict for one instant: inside or outside business hours, and why.

>>> from offhours.calendar import Calendar, Workweek
>>> from offhours.hours import parse_hours
>>> from offhours.zones import resolve_zone
>>> calendar = Calendar(parse_hours("mon-fri 08:00-18:00"), Workweek(), {})
>>> v = judge(calendar, resolve_zone("America/Los_Angeles"), 1629328650)
>>> v.off_hours, v.reason, v.local_time, v.minutes_outside
('0', 'business_hours', '2021-08-18T16:17:30-07:00', '0')
"""
from .calendar import date_of, weekday_of

BUSINESS_HOURS = "business_hours"
BEFORE_HOURS = "before_hours"
AFTER_HOURS = "after_hours"
BETWEEN_HOURS = "between_hours"
WEEKEND = "weekend"
HOLIDAY = "holiday"
CLOSED_DAY = "closed_day"

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# minutes_outside counts only business intervals this close to the event.
HORIZON_SECONDS = 14 * 86400
# Intervals end at most two local days after their start day, and a zone can skip a
# local day (Pacific/Apia, 2011-12-30): 18 days each way covers 14 days of real time.
_SCAN_DAYS = 18
_DAY = 86400
_FOREVER = 1 << 62


class Verdict:
    """Contract output for a decidable event, every value a string."""

    __slots__ = ("off_hours", "reason", "local_time", "local_hour", "local_wday",
                 "holiday_name", "minutes_outside")

    def __init__(self, off_hours, reason, local_time, local_hour, local_wday, holiday_name,
                 minutes_outside):
        self.off_hours = off_hours
        self.reason = reason
        self.local_time = local_time
        self.local_hour = local_hour
        self.local_wday = local_wday
        self.holiday_name = holiday_name
        self.minutes_outside = minutes_outside


def format_offset(seconds):
    sign = "-" if seconds < 0 else "+"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_local_time(wall, offset):
    """ISO 8601 local time with offset, from wall seconds: ``2021-08-18T16:17:30-07:00``."""
    number, second = divmod(wall, _DAY)
    day = date_of(number)
    return (
        f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
        f"T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}{format_offset(offset)}"
    )


def judge(calendar, zone, utc):
    """The :class:`Verdict` for epoch second ``utc`` under ``calendar`` in ``zone``."""
    offset = zone.utc_offset(utc)
    wall = utc + offset
    number, second = divmod(wall, _DAY)
    plan = calendar.day(number)
    reason = reason_at(calendar, plan, number, second)
    if reason is BUSINESS_HOURS:
        off_hours, minutes = "0", "0"
    else:
        off_hours, minutes = "1", minutes_outside(calendar, zone, utc, number)
    return Verdict(
        off_hours, reason, format_local_time(wall, offset), str(second // 3600),
        WEEKDAY_NAMES[weekday_of(number)], plan.holiday_name, minutes,
    )


def reason_at(calendar, plan, number, second):
    """The reason for second ``second`` of local day ``number``, whose plan is ``plan``."""
    for start, end in plan.intervals:
        if start <= second < end:
            return BUSINESS_HOURS
    late = second + _DAY  # the same moment, counted from the previous day's midnight
    for start, end in calendar.day(number - 1).intervals:
        if start <= late < end:
            return BUSINESS_HOURS
    if plan.closes_at is not None and second >= plan.closes_at:
        return HOLIDAY
    if not plan.intervals:
        return WEEKEND if plan.is_weekend else CLOSED_DAY
    if second < plan.intervals[0][0]:
        return BEFORE_HOURS
    if second >= plan.intervals[-1][1]:
        return AFTER_HOURS
    return BETWEEN_HOURS


def minutes_outside(calendar, zone, utc, number):
    """Minutes (rounded up, at least 1) to the nearest business interval within 14 days, of
    an off-hours instant ``utc`` on local day ``number``.

    The distance is real elapsed time between instants: to the end of an interval before
    the event or to the start of one after it. An event outside an interval by the wall
    clock can still lie within its real-time span when a boundary falls in a DST gap
    (taken with the offset before the transition); it is then 0, reported as 1 minute.
    """
    return minutes_between(utc, outside_window(calendar, zone, utc, number))


def outside_window(calendar, zone, utc, number, margin=0):
    """Where ``utc`` (on local day ``number``) lies among the business spans within reach of
    :func:`minutes_outside`, for reuse across the instants of one gap.

    Returns ``None`` when ``utc`` lies within a span (a boundary in a DST gap), else
    ``(last_end, next_start, low, high, reach)``: the latest span end at or before ``utc`` and
    the earliest span start after it (``None`` where there is none; a span that a DST gap
    turned inside out can count on both sides); ``[low, high)``, the instants with no span
    boundary between them and ``utc``; ``reach``, the days that spans not scanned lie beyond
    (:func:`window_covers`). ``minutes_outside`` of any instant there on the same
    local day is ``minutes_between(t, window)``.

    Days are scanned outwards from day ``number``, the nearest first (intervals end at most
    two local days after their start day, so every span that could hold ``utc`` is among days
    ``number - 3`` to ``number + 3``). Spans of days ``step`` or more away lie over
    ``step - 3`` days from any instant of day ``number``. Once that exceeds half the gap from
    ``last_end`` to ``next_start``, the scan stops: every instant of the gap is nearer to one
    of the two than to any span not scanned, and inside none of those. With no span on one
    side, all :data:`_SCAN_DAYS` days each way are scanned: they cover the 14-day horizon.
    ``margin`` days more are scanned before stopping, so that the window also decides the
    gap's instants on the neighbouring local days (:func:`window_covers`).
    """
    last_end = next_start = None
    low, high = -_FOREVER, _FOREVER
    scanned = _SCAN_DAYS
    for step in range(_SCAN_DAYS):
        if last_end is not None and next_start is not None and 2 * (step - 3 - margin) * _DAY > next_start - last_end:
            scanned = step
            break
        for day in (number - step, number + step + 1) if step else (number, number + 1):
            for start_utc, end_utc in calendar.utc_spans(zone, day):
                if start_utc <= utc < end_utc:
                    return None
                if end_utc <= utc:
                    if last_end is None or end_utc > last_end:
                        last_end = end_utc
                    low = max(low, end_utc)
                else:
                    high = min(high, end_utc)
                if start_utc > utc:
                    if next_start is None or start_utc < next_start:
                        next_start = start_utc
                    high = min(high, start_utc)
                else:
                    low = max(low, start_utc)
    return last_end, next_start, low, high, scanned - 3


def window_covers(window, days):
    """Whether ``window``, :func:`outside_window`'s for an instant of local day ``number``,
    also gives ``minutes_outside`` of the instants in its ``[low, high)`` on day
    ``number + days`` or ``number - days``.

    Spans of the days not scanned lie over ``reach - days`` days from those instants (the
    scan, seen from such a day, went ``days`` fewer days out on one side). They cannot be
    nearer when that exceeds the horizon, or half the gap from ``last_end`` to
    ``next_start``, as :func:`outside_window` stops its scan for ``days = 0``.
    """
    reach = (window[4] - days) * _DAY
    if reach >= HORIZON_SECONDS:
        return True
    last_end, next_start = window[0], window[1]
    return last_end is not None and next_start is not None and 2 * reach > next_start - last_end


def minutes_between(utc, window):
    """``minutes_outside`` of ``utc`` from its :func:`outside_window` ``window``: the real
    time to the nearest span end before it or start after it; None (within a span's real
    time: a boundary in a DST gap) is 0, reported as 1 minute."""
    if window is None:
        return "1"
    last_end, next_start = window[0], window[1]
    nearest = HORIZON_SECONDS + 1
    if last_end is not None:
        nearest = utc - last_end
    if next_start is not None and next_start - utc < nearest:
        nearest = next_start - utc
    if nearest > HORIZON_SECONDS:
        return ""
    return str(-(-nearest // 60) or 1)  # nearest >= 0: the window's instants lie after last_end
