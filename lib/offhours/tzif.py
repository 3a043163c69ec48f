"""What pytz leaves out of its own zone files: the 64-bit data and the footer rule.

pytz reads only the first, 32-bit part of a TZif file (RFC 8536), whose transitions end in
2037. The same file goes on with a 64-bit part (the same transitions, plus any later ones)
and a footer: a POSIX TZ string such as ``EST5EDT,M3.2.0,M11.1.0`` that gives every later
year's transitions. :func:`read_tzif` reads both; :class:`PosixRule` turns the footer into
transitions, year by year, as ``zoneinfo`` does.

>>> rule = PosixRule.parse("EST5EDT,M3.2.0,M11.1.0")
>>> rule.std_offset, rule.dst_offset
(-18000, -14400)
>>> [(at, offset) for at, offset in rule.changes(2040, 2040)]   # from 2040-01-01: 03-11T07:00Z, 11-04T06:00Z
[(2208988800, -18000), (2215062000, -14400), (2235621600, -18000)]

Instants are integer epoch seconds, offsets seconds east of UTC. Everything here is plain
arithmetic on day numbers, so years up to 9999 and beyond cost the same as 2040.
"""
import re
import struct

_HEADER = struct.Struct(">4s c 15x 6l")  # magic, version, isutcnt isstdcnt leapcnt timecnt typecnt charcnt
_TTINFO = struct.Struct(">lBB")          # utoff, isdst, desigidx
_NAME = r"(?:<[^>]*>|[A-Za-z]{3,})"
_OFFSET = r"[+-]?\d{1,3}(?::\d{1,2}){0,2}"
_POSIX_TZ = rf"^{_NAME}({_OFFSET})(?:({_NAME})({_OFFSET})?(?:,([^,]+),([^,]+))?)?$"
_DATE = r"^(?:J(\d{1,3})|(\d{1,3})|M(\d{1,2})\.(\d)\.(\d))(?:/(" + _OFFSET + r"))?$"
_CUMULATIVE_DAYS = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365)
_DAY = 86400


def read_tzif(data):
    """``(transitions, footer)`` of a TZif file's bytes: ``[(instant, offset), ...]`` from its
    64-bit part (version 2 and later; the 32-bit part of a version 1 file) and its footer
    (``""`` if none). Raises ValueError for anything that is not a TZif file."""
    if data[:4] != b"TZif" or len(data) < _HEADER.size:
        raise ValueError("not a TZif file")
    version, counts = _header(data, 0)
    if version < b"2":
        return _block(data, _HEADER.size, counts, 4), ""
    start = _HEADER.size + _block_size(counts, 4)
    _, counts64 = _header(data, start)
    transitions = _block(data, start + _HEADER.size, counts64, 8)
    end = start + _HEADER.size + _block_size(counts64, 8)
    footer = data[end:].strip(b"\n").decode("ascii")
    return transitions, footer


def _header(data, at):
    magic, version, *counts = _HEADER.unpack_from(data, at)
    if magic != b"TZif":
        raise ValueError("not a TZif file")
    return version, counts


def _block_size(counts, width):
    isut, isstd, leap, times, types, chars = counts
    return times * (width + 1) + types * _TTINFO.size + chars + leap * (width + 4) + isstd + isut


def _block(data, at, counts, width):
    _, _, _, times, types, _ = counts
    instants = struct.unpack_from(f">{times}{'l' if width == 4 else 'q'}", data, at)
    indexes = data[at + times * width:at + times * (width + 1)]
    first_type = at + times * (width + 1)
    offsets = [_TTINFO.unpack_from(data, first_type + k * _TTINFO.size)[0] for k in range(types)]
    return [(instant, offsets[index]) for instant, index in zip(instants, indexes)]


class PosixRule:
    """A POSIX TZ string (RFC 8536 section 3.3): standard time, and optionally daylight
    saving time between two yearly dates.

    ``start``/``end`` are ``(day_of_year, seconds)``: ``day_of_year(year)`` gives the day
    number (days since 1970-01-01) of the date, ``seconds`` the local time on it, which may
    be negative or beyond 24 hours. DST starts at that time in standard time and ends at
    that time in daylight saving time.
    """

    __slots__ = ("text", "std_offset", "dst_offset", "start", "end")

    def __init__(self, text, std_offset, dst_offset=None, start=None, end=None):
        self.text = text
        self.std_offset = std_offset
        self.dst_offset = dst_offset
        self.start = start
        self.end = end

    def __repr__(self):
        return f"PosixRule({self.text!r})"

    @classmethod
    def parse(cls, text):
        match = re.match(_POSIX_TZ, text)
        if not match:
            raise ValueError(f"unsupported TZ string {text!r}")
        std, dst_name, dst, start, end = match.groups()
        std_offset = -_seconds(std)  # POSIX counts west of UTC as positive
        if dst_name is None:
            return cls(text, std_offset)
        if start is None:
            raise ValueError(f"TZ string {text!r} names daylight saving time without its rule")
        dst_offset = -_seconds(dst) if dst is not None else std_offset + 3600
        return cls(text, std_offset, dst_offset, _date_rule(start), _date_rule(end))

    @property
    def has_dst(self):
        return self.start is not None

    def offsets(self):
        """Every offset the rule can give."""
        return (self.std_offset,) if self.start is None else (self.std_offset, self.dst_offset)

    def offset_at(self, instant):
        """The offset at ``instant``, decided within its UTC year as ``zoneinfo`` does."""
        if self.start is None:
            return self.std_offset
        year = year_of_day(instant // _DAY)
        start, end = self._edges(year)
        daylight = start <= instant < end if start < end else not end <= instant < start  # southern summer
        return self.dst_offset if daylight else self.std_offset

    def _edges(self, year):
        """The UTC instants at which DST starts and ends in ``year`` (either may lie outside it)."""
        (start_day, start_time), (end_day, end_time) = self.start, self.end
        start = start_day(year) * _DAY + start_time - self.std_offset
        end = end_day(year) * _DAY + end_time - self.dst_offset
        return start, end

    def changes(self, first_year, last_year):
        """``[(instant, offset), ...]``: the offset in force at the start of UTC year
        ``first_year``, then each instant up to the end of ``last_year`` at which it changes."""
        year_start = days_before_year(first_year) * _DAY
        changes = [(year_start, self.offset_at(year_start))]
        if self.start is None:
            return changes
        for year in range(first_year, last_year + 1):
            year_start = days_before_year(year) * _DAY
            year_end = days_before_year(year + 1) * _DAY
            for instant in sorted((year_start,) + self._edges(year)):
                if year_start <= instant < year_end:
                    offset = self.offset_at(instant)
                    if offset != changes[-1][1]:
                        changes.append((instant, offset))
        return changes


def _seconds(text):
    sign = -1 if text.startswith("-") else 1
    parts = [int(part) for part in text.lstrip("+-").split(":")] + [0, 0]
    hours, minutes, seconds = parts[:3]
    if minutes > 59 or seconds > 59 or hours > 167:
        raise ValueError(f"invalid TZ string time {text!r}")
    return sign * (hours * 3600 + minutes * 60 + seconds)


def _date_rule(text):
    """``(day_of_year, seconds)`` of ``Jn``, ``n`` or ``Mm.w.d`` with an optional ``/time``."""
    match = re.match(_DATE, text)
    if not match:
        raise ValueError(f"unsupported TZ string date {text!r}")
    julian, zero_based, month, week, weekday, time = match.groups()
    seconds = _seconds(time) if time else 2 * 3600
    if julian is not None:
        day = int(julian)
        if not 1 <= day <= 365:
            raise ValueError(f"invalid TZ string date {text!r}")
        return (lambda year: days_before_year(year) + day - 1 + (day >= 60 and is_leap(year))), seconds
    if zero_based is not None:
        day = int(zero_based)
        if not 0 <= day <= 365:
            raise ValueError(f"invalid TZ string date {text!r}")
        return (lambda year: days_before_year(year) + day), seconds
    month, week, weekday = int(month), int(week), int(weekday)
    if not (1 <= month <= 12 and 1 <= week <= 5 and 0 <= weekday <= 6):
        raise ValueError(f"invalid TZ string date {text!r}")
    return (lambda year: _nth_weekday(year, month, week, weekday)), seconds


def _nth_weekday(year, month, week, weekday):
    """Day number of the ``week``-th ``weekday`` (0 = Sunday) of a month; week 5 is the last."""
    first = days_before_year(year) + _CUMULATIVE_DAYS[month - 1] + (month > 2 and is_leap(year))
    length = _CUMULATIVE_DAYS[month] - _CUMULATIVE_DAYS[month - 1] + (month == 2 and is_leap(year))
    day = (weekday - (first + 4)) % 7 + (week - 1) * 7  # 1970-01-01 was a Thursday (4)
    if day >= length:
        day -= 7
    return first + day


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_before_year(year):
    """Day number (days since 1970-01-01) of January 1st of ``year`` (proleptic Gregorian)."""
    y = year - 1
    return y * 365 + y // 4 - y // 100 + y // 400 - 719162


def year_of_day(number):
    """The year of day number ``number``."""
    year = (number + 719162) * 400 // 146097 + 1  # within one of the truth
    while days_before_year(year) > number:
        year -= 1
    while days_before_year(year + 1) <= number:
        year += 1
    return year
