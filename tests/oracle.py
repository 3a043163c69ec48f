"""An independent oracle of the ``ecrofhours`` contract, on ``zoneinfo`` + ``tzdata``.

Written from shared/design/CONTRACT.md ("The command", "Output fields", reason rules) alone: it
shares no code with ``offhours`` and does not import it, nor pytz. Zone data comes from the
``tzdata`` PyPI package (pinned to pytz's IANA release), never from the system's zone files
(this machine type's are older): the search path is emptied so ``zoneinfo`` falls back to
``tzdata``, and zones are loaded uncached so nothing loaded earlier from elsewhere is reused.

It is deliberately naive: aware ``datetime`` arithmetic with ``fold=0`` for wall times that
do not exist or exist twice, and a brute-force scan of the surrounding days for
``minutes_outside``. Speed does not matter; obviousness does.

Its own hours model, independent of ``offhours.hours``:

* ``Entry(days, intervals)``: ``days`` is ``None`` for ``workdays`` (the locale's non-weekend
  days) or a frozenset of weekdays (Monday = 0); ``intervals`` are ``(start_min, end_min)``
  as written, minutes from midnight, ``end_min`` may be 1440 (``24:00``) and an end at or
  before its start runs past midnight (it belongs to the start day).
* a weekend is a frozenset of weekdays, or a callable ``date -> frozenset`` when it
  depends on the date (Saudi Arabia, United Arab Emirates).
* closures: ``{date: [(name, closes_at_min), ...]}``, ``closes_at_min = 0`` for the whole day.
"""
import functools
import importlib.resources
import struct
import zoneinfo
from datetime import date, datetime, timedelta, timezone

zoneinfo.reset_tzpath(to=[])  # no system zone files: zoneinfo reads the tzdata package

import tzdata  # noqa: E402  (after reset_tzpath: the data the oracle reads)

TZDATA_VERSION = tzdata.IANA_VERSION
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)
DAY = 86400
HORIZON = 14 * DAY

# Weekends per CLDR weekData (docs: PLATFORM-FACTS "Weekends by territory") with the
# contract's corrections; the world default is Saturday-Sunday.
SAT_SUN = frozenset({5, 6})
CLDR_WEEKEND = {"AF": {3, 4}, "IR": {4}, "IN": {6}, "UG": {6}}
CLDR_WEEKEND.update(dict.fromkeys("BH DZ EG IL IQ JO KW LY OM QA SA SD SY YE".split(), {4, 5}))
CONTRACT_WEEKEND = {"BN": {4, 6}, "BD": {4, 5}}


def weekend_of(territory):
    """The contract's weekend of a territory (None: no locale), a set or a date function."""
    if territory == "SA":  # Thursday-Friday before 2013-06-29, then Friday-Saturday
        return lambda day: frozenset({3, 4}) if day < date(2013, 6, 29) else frozenset({4, 5})
    if territory == "AE":  # Friday-Saturday before 2022-01-01, then Saturday-Sunday
        return lambda day: frozenset({4, 5}) if day < date(2022, 1, 1) else SAT_SUN
    if territory in CONTRACT_WEEKEND:
        return frozenset(CONTRACT_WEEKEND[territory])
    return frozenset(CLDR_WEEKEND.get(territory, SAT_SUN))


class SubMinuteOffset(Exception):
    """zoneinfo's offset has seconds (local mean time): pytz rounds it, an accepted difference."""


# --- Zones ----------------------------------------------------------------------------------

_zones = {}


def zone(name):
    """A tzinfo for an IANA name (exact spelling) or a fixed offset ``±HH:MM``."""
    tz = _zones.get(name)
    if tz is None:
        if name[:1] in "+-" and len(name) == 6 and name[3] == ":":
            minutes = int(name[1:3]) * 60 + int(name[4:6])
            tz = timezone(timedelta(minutes=-minutes if name[0] == "-" else minutes))
        else:
            tz = zoneinfo.ZoneInfo.no_cache(name)
        _zones[name] = tz
    return tz


def file_transitions(name):
    """The transition instants listed in the tzdata package's zone file for ``name``: its
    64-bit data (RFC 8536 section 3.2), read here with ``struct`` alone. Later years come from
    the file's footer rule, which only zoneinfo evaluates here."""
    resource = importlib.resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
    data = resource.read_bytes()
    header = struct.Struct(">4s c 15x 6l")
    isut, isstd, leap, times, types, chars = header.unpack_from(data, 0)[2:]
    start = header.size + times * 5 + types * 6 + chars + leap * 8 + isstd + isut
    times64 = header.unpack_from(data, start)[5]
    return struct.unpack_from(f">{times64}q", data, start + header.size)


@functools.cache
def transitions(name, lo, hi, step=15 * DAY):
    """UTC instants in [lo, hi] where zoneinfo's offset changes, found by a scan and a
    bisection, plus the instants the zone file lists (:func:`file_transitions`; used only as
    instants to look at: where zoneinfo confirms one, it saves the bisection)."""
    tz = zone(name)

    def offset(t):
        return datetime.fromtimestamp(t, tz).utcoffset()

    picks = [t for t in file_transitions(name) if lo <= t <= hi]
    found = set(picks)
    t, before = lo - step, offset(lo - step)
    while t < hi:
        nxt = min(t + step, hi)
        after = offset(nxt)
        if after == before:
            t = nxt
            continue
        # the first change in (t, nxt]: a confirmed pick, else bisect
        low, high = t, nxt
        for pick in picks:
            if low < pick <= high and offset(pick - 1) == before != offset(pick):
                low, high = pick - 1, pick
                break
        while high - low > 1:
            middle = (low + high) // 2
            if offset(middle) == before:
                low = middle
            else:
                high = middle
        found.add(high)
        t, before = high, offset(high)  # go on from the change: a window may hold several
    return tuple(sorted(found))


def _checked(offset):
    seconds = offset // SECOND
    if seconds % 60:
        raise SubMinuteOffset(seconds)
    return seconds


def local(name, epoch):
    """The aware local datetime of epoch second ``epoch``."""
    return datetime.fromtimestamp(epoch, zone(name))


def utc_offset(name, epoch):
    """Offset of local time from UTC in seconds at ``epoch`` (raises SubMinuteOffset)."""
    return _checked(local(name, epoch).utcoffset())


def raw_utc_offset(name, epoch):
    """Offset in seconds, seconds included (local mean times)."""
    return local(name, epoch).utcoffset() // SECOND


def utc_of_wall(name, wall):
    """UTC epoch of a naive local wall datetime, zoneinfo ``fold=0`` semantics."""
    aware = wall.replace(tzinfo=zone(name), fold=0)
    _checked(aware.utcoffset())
    return (aware - EPOCH) // SECOND


def wall_datetime(wall_seconds):
    """Naive datetime of wall seconds counted from 1970-01-01T00:00 local."""
    return datetime(1970, 1, 1) + timedelta(seconds=wall_seconds)


def format_offset(seconds):
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def local_fields(name, epoch):
    """``(local_time, local_hour, local_wday)`` as the contract writes them."""
    moment = local(name, epoch)
    offset = _checked(moment.utcoffset())
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{format_offset(offset)}"
    )
    return text, str(moment.hour), WEEKDAYS[moment.weekday()]


# --- Hours ----------------------------------------------------------------------------------


class Entry:
    __slots__ = ("days", "intervals")

    def __init__(self, days, intervals):
        self.days = None if days is None else frozenset(days)
        self.intervals = tuple(intervals)

    def __repr__(self):
        return f"Entry({self.days and sorted(self.days)}, {list(self.intervals)})"


def clock(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def interval_seconds(start_min, end_min):
    """Seconds from the start day's midnight; an end at or before the start is next day's."""
    end = end_min if end_min > start_min else end_min + 1440
    return start_min * 60, end * 60


def merge(intervals):
    out = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


class Oracle:
    """The contract's verdict for one calendar (weekly hours, weekend, closures)."""

    def __init__(self, entries, weekend=SAT_SUN, closures=None):
        self.entries = list(entries)
        self.weekend = weekend
        self.closures = dict(closures or {})

    def weekend_days(self, day):
        return self.weekend(day) if callable(self.weekend) else self.weekend

    def is_weekend(self, day):
        return day.weekday() in self.weekend_days(day)

    def closes_at(self, day):
        """Seconds from midnight at which ``day`` is closed, or None."""
        closures = self.closures.get(day)
        if not closures:
            return None
        return min(minutes for _, minutes in closures) * 60

    def holiday_name(self, day):
        return "; ".join(name for name, _ in self.closures.get(day, ()))

    def intervals(self, day):
        """Business intervals (seconds from ``day``'s midnight) that start on ``day``."""
        found = []
        for entry in self.entries:
            # workdays: the locale's non-weekend days on that date; named days: always
            applies = not self.is_weekend(day) if entry.days is None else day.weekday() in entry.days
            if applies:
                found += [interval_seconds(s, e) for s, e in entry.intervals]
        found = merge(found)
        closes = self.closes_at(day)
        if closes is not None:
            found = [(s, min(e, closes)) for s, e in found if s < closes]
        return found

    def verdict(self, name, epoch):
        """Dict of off_hours, reason, local_time, local_hour, local_wday, holiday_name,
        minutes_outside for epoch second ``epoch`` in zone ``name``."""
        moment = local(name, epoch)
        local_time, local_hour, local_wday = local_fields(name, epoch)
        today = moment.date()
        clock_seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
        reason = self._reason(today, clock_seconds)
        inside = reason == "business_hours"
        return {
            "off_hours": "0" if inside else "1",
            "reason": reason,
            "local_time": local_time,
            "local_hour": local_hour,
            "local_wday": local_wday,
            "holiday_name": self.holiday_name(today),
            "minutes_outside": "0" if inside else self._minutes_outside(name, epoch, today, clock_seconds),
        }

    def _reason(self, today, seconds):
        # Inside an interval of today, or of an earlier day that runs into today.
        for back in (0, 1, 2):
            day = today - timedelta(days=back)
            for start, end in self.intervals(day):
                if start <= seconds + back * DAY < end:
                    return "business_hours"
        closes = self.closes_at(today)
        if closes is not None and seconds >= closes:
            return "holiday"
        mine = self.intervals(today)
        if not mine:
            return "weekend" if self.is_weekend(today) else "closed_day"
        if seconds < min(start for start, _ in mine):
            return "before_hours"
        if seconds >= max(end for _, end in mine):
            return "after_hours"
        return "between_hours"

    def _minutes_outside(self, name, epoch, today, seconds):
        nearest = None
        for k in range(-17, 18):
            day = today + timedelta(days=k)
            midnight = datetime(day.year, day.month, day.day)
            for start, end in self.intervals(day):
                start_utc = utc_of_wall(name, midnight + timedelta(seconds=start))
                end_utc = utc_of_wall(name, midnight + timedelta(seconds=end))
                # Inside the real-time span, outside by the wall clock (a boundary in a DST
                # gap): distance 0, as README.md defines it.
                if start_utc <= epoch < end_utc:
                    nearest = 0
                # the end of an interval at or before the event, or a start after it
                if end_utc <= epoch:
                    nearest = min(epoch - end_utc, nearest if nearest is not None else epoch - end_utc)
                if start_utc > epoch:
                    nearest = min(start_utc - epoch, nearest if nearest is not None else start_utc - epoch)
        if nearest is None or nearest > HORIZON:
            return ""
        return str(max(1, -(-nearest // 60)))
