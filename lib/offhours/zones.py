"""Time zones: resolve a user's spelling, and convert between UTC and local wall time.

A :class:`Zone` is built once per zone and process from pytz's own transition table,
so per-event work is a bisection (or a cache hit), never a pytz call:

>>> zone = resolve_zone("america/los_angeles")
>>> zone.name, zone.utc_offset(1629328650)        # 2021-08-18T23:17:30Z
('America/Los_Angeles', -25200)
>>> zone.interval(1629328650)                       # PDT: 2021-03-14T10:00Z to 2021-11-07T09:00Z
(1615716000, 1636275600, -25200)
>>> resolve_zone("+0545").name
'+05:45'

Times are integer epoch seconds; "wall" seconds count local wall-clock time the same way
(seconds since 1970-01-01T00:00 local), so ``wall = utc + utc_offset(utc)``.

Start-up stays cheap (splunkd runs the command just to ask for its settings): a name spelt
as pytz spells it is found among pytz's zone files, any other spelling in pytz's list of
names (importing ``pytz``); a zone's transition table is read when it is first used.
"""
import os
import re
import sys
from bisect import bisect_right
from io import BytesIO

from .quoting import quote
from .text import trimmed

_FIXED_OFFSET = r"^([+-])([0-9]{2}):?([0-9]{2})\Z"  # ASCII digits: \d and int() read any script's
# Real zones range from -12:00 to +14:00; accept what ISO 8601 and RFC 3339 parsers do.
_MAX_FIXED_OFFSET_MINUTES = 18 * 60
_FOREVER = 1 << 62


class Zone:
    """A time zone as a table of UTC transition instants and the offsets that follow them,
    and, after the table's last transition, the zone file's footer rule.

    ``table`` is ``(starts, offsets, rule)`` or a function returning it, called on first
    use; ``rule`` is a :class:`~offhours.tzif.PosixRule` with daylight saving time, or None.
    """

    __slots__ = ("name", "_table", "_starts", "_offsets", "_walls", "_rule", "_window", "_hit")

    def __init__(self, name, table):
        self.name = name
        self._table = table
        self._starts = self._offsets = self._walls = self._rule = self._window = None
        self._hit = (1, 0, 0)  # an empty interval: the first lookup loads the table

    def __repr__(self):
        return f"Zone({self.name!r})"

    def _load(self):
        table = self._table() if callable(self._table) else self._table
        starts, offsets, self._rule = table
        self._starts = starts            # UTC epoch of each transition, ascending
        self._offsets = offsets          # offset in seconds in force from that transition
        # Wall-clock time at which each offset starts to be in force.
        self._walls = [s + o for s, o in zip(starts, offsets)]
        self._table = None

    @property
    def whole_minutes(self):
        """True when every offset is a whole number of minutes (pytz rounds them all)."""
        if self._starts is None:
            self._load()
        offsets = self._offsets + list(self._rule.offsets() if self._rule else ())
        return all(offset % 60 == 0 for offset in offsets)

    def utc_offset(self, utc):
        """Offset in seconds of local time from UTC at epoch second ``utc``."""
        start, end, offset = self._hit
        if start <= utc < end:
            return offset
        return self.interval(utc)[2]

    def interval(self, utc):
        """``(start, end, offset)``: UTC instants between which ``utc``'s offset is in force.

        After the table, where the footer rule decides, ``start`` and ``end`` may lie
        inside that span (a year boundary): the offset is in force between them all the same.
        """
        hit = self._hit
        if hit[0] <= utc < hit[1]:
            return hit
        if self._starts is None:
            self._load()
        starts, offsets, end = self._starts, self._offsets, _FOREVER
        if self._rule is not None and utc >= starts[-1]:
            starts, offsets, _, end = self._rule_window(utc)
            i = bisect_right(starts, utc) - 1
            start = starts[i]
        else:
            i = max(bisect_right(starts, utc) - 1, 0)
            start = starts[i] if i else -_FOREVER
        end = starts[i + 1] if i + 1 < len(starts) else end
        hit = self._hit = (start, end, offsets[i])
        return hit

    def utc_of_wall(self, wall):
        """The UTC instant of local wall time ``wall``.

        A wall time that exists twice (fall back) or not at all (spring forward) takes the
        offset in force before the transition, as ``zoneinfo`` does with ``fold=0``.
        """
        if self._starts is None:
            self._load()
        starts, offsets, walls, end = self._starts, self._offsets, self._walls, _FOREVER
        if self._rule is not None and wall >= walls[-1]:
            starts, offsets, walls, end = self._rule_window(wall - self._rule.std_offset)
        j = max(bisect_right(walls, wall) - 1, 0)
        for k in range(max(j - 2, 0), j + 1):
            until = starts[k + 1] + offsets[k] if k + 1 < len(starts) else end
            if walls[k] <= wall < until:
                return wall - offsets[k]
        return wall - offsets[j]  # in a gap: the offset before the transition

    def _rule_window(self, utc):
        """``(starts, offsets, walls, end)`` of the footer rule around ``utc``'s UTC year: the
        table's last two transitions (when near) and the rule's changes from the year before
        to the year after; ``end`` closes the window. Kept while lookups stay inside it."""
        window = self._window
        if window is not None and window[4] <= utc < window[5]:
            return window[:4]
        from .tzif import days_before_year, year_of_day

        rule, last = self._rule, self._starts[-1]
        year = year_of_day(utc // 86400)
        first = max(year - 1, year_of_day(last // 86400))
        if first == year_of_day(last // 86400):  # with the transition before: its fold or gap
            starts, offsets = self._starts[-2:], self._offsets[-2:]
        else:
            starts, offsets = [], []
        for instant, offset in rule.changes(first, year + 1):
            if instant <= last:
                instant, offset = last + 1, rule.offset_at(last + 1)  # the rule decides after the table
            if not offsets or offset != offsets[-1]:
                starts.append(instant)
                offsets.append(offset)
        end = days_before_year(year + 2) * 86400
        walls = [s + o for s, o in zip(starts, offsets)]
        self._window = (starts, offsets, walls, end, days_before_year(year) * 86400, days_before_year(year + 1) * 86400)
        return starts, offsets, walls, end


def _pytz():
    import pytz

    return pytz


def __getattr__(name):
    """``offhours.zones.pytz``: the pytz the engine runs on, imported on first use."""
    if name == "pytz":
        return _pytz()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _pytz_table(name):
    """``(starts, offsets, rule)`` for ``name``: pytz's own transitions (from its zone file's
    32-bit part, which ends in 2037), then the same file's later 64-bit transitions and its
    footer rule (:mod:`offhours.tzif`), as ``zoneinfo`` reads them."""
    pytz = _pytz()
    if name == "UTC":
        return [-_FOREVER], [0], None
    # pytz.timezone() would first check all ~600 zone files exist (pytz.all_timezones_set);
    # resolve_zone has checked this one.
    with pytz.open_resource(name) as handle:
        data = handle.read()
    tz = pytz.tzfile.build_tzinfo(name, BytesIO(data))
    from .tzif import read_tzif  # execution only, as pytz itself
    if isinstance(tz, pytz.tzinfo.DstTzInfo):
        starts = [_epoch_seconds(t) for t in tz._utc_transition_times]
        offsets = [_whole_seconds(info[0]) for info in tz._transition_info]
    else:
        from datetime import datetime

        starts, offsets = [-_FOREVER], [_whole_seconds(tz.utcoffset(datetime(1970, 1, 1)))]  # StaticTzInfo
    return extend_table(starts, offsets, *read_tzif(data))


def extend_table(starts, offsets, transitions, footer):
    """pytz's ``starts`` and ``offsets`` continued with a zone file's 64-bit ``transitions``
    after them and its ``footer``: ``(starts, offsets, rule)``, ``rule`` a
    :class:`~offhours.tzif.PosixRule` with daylight saving time, else None (then the last
    offset stays). Offsets are rounded to whole minutes, as pytz rounds its own."""
    for instant, offset in transitions:
        if instant > starts[-1]:
            starts.append(instant)
            offsets.append((offset + 30) // 60 * 60)
    from .tzif import PosixRule

    rule = PosixRule.parse(footer) if footer else None
    if rule is not None and not rule.has_dst:
        if rule.std_offset != offsets[-1] and starts[-1] > -_FOREVER:
            starts.append(starts[-1] + 1)  # zoneinfo: the footer decides after the last transition
            offsets.append(rule.std_offset)
        rule = None
    return starts, offsets, rule


def _epoch_seconds(naive_utc):
    return (naive_utc.toordinal() - 719163) * 86400 + naive_utc.hour * 3600 + naive_utc.minute * 60 + naive_utc.second


def _whole_seconds(delta):
    return delta.days * 86400 + delta.seconds


_zone_names = {}
_zones = {}
_listings = {}
# Files in pytz's zoneinfo folder that are zone files (TZif) but no zone of pytz's.
UNLISTED_ZONE_FILES = frozenset({"Factory"})


def _zoneinfo_dir():
    """pytz's zoneinfo folder, found as ``import pytz`` would find the package, else None."""
    if "pytz" in sys.modules:
        return None  # loaded already: its list costs nothing more
    for entry in sys.path:
        if not os.path.isdir(entry or "."):
            return None  # a zip or another importer: leave it to the import system
        package = os.path.join(entry or ".", "pytz")
        if os.path.isfile(os.path.join(package, "__init__.py")):
            return os.path.join(package, "zoneinfo")
    return None


def _zone_file_name(text, folder=None):
    """``text`` if it names one of pytz's zones exactly as pytz spells it, told from the zone
    files in pytz's zoneinfo ``folder`` without importing pytz (a few milliseconds of every
    getinfo probe), else None: then pytz's list decides. Every zone file there but
    :data:`UNLISTED_ZONE_FILES` is a zone of pytz's (tests/test_zones.py checks it)."""
    folder = folder or _zoneinfo_dir()
    parts = text.split("/")
    if folder is None or text in UNLISTED_ZONE_FILES or not all(
        part not in ("", ".", "..") and os.sep not in part and (not os.altsep or os.altsep not in part)
        for part in parts
    ):
        return None
    for part in parts:  # the exact spelling, even where the file system ignores case
        listing = _listings.get(folder)
        if listing is None:
            try:
                listing = _listings[folder] = frozenset(os.listdir(folder))
            except OSError:
                return None
        if part not in listing:
            return None
        folder = os.path.join(folder, part)
    try:
        with open(folder, "rb") as handle:
            return text if handle.read(4) == b"TZif" else None
    except OSError:
        return None


def _names_by_lowercase():
    """{lowercase name: name} of pytz's zones (``pytz.all_timezones`` without opening each file)."""
    if not _zone_names:
        pytz = _pytz()
        names = getattr(pytz, "_all_timezones_unchecked", None) or pytz.all_timezones
        _zone_names.update((name.lower(), name) for name in names)
    return _zone_names


def fixed_offset_name(minutes):
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def resolve_zone(text):
    """The :class:`Zone` for an IANA name (any case) or a fixed offset ``±HH:MM``/``±HHMM``.

    Raises ``ValueError`` with a user-facing message for anything else. Links such as
    ``US/Eastern`` keep their own name.
    """
    spelling = trimmed(text)
    if not spelling.isascii():  # no zone name has other scripts; lower() maps the Kelvin sign to "k"
        raise _unknown_zone(text)
    key = spelling.lower()
    zone = _zones.get(key)
    if zone is not None:
        return zone
    match = re.match(_FIXED_OFFSET, key)
    if key == "utc":
        zone = Zone("UTC", ([-_FOREVER], [0], None))  # as pytz.timezone("UTC"), without loading pytz
    elif match:
        sign, hours, minutes = match.groups()
        if int(minutes) >= 60:
            raise ValueError(f"invalid UTC offset {quote(text)}: minutes must be 00-59")
        total = (int(hours) * 60 + int(minutes)) * (-1 if sign == "-" else 1)
        if abs(total) > _MAX_FIXED_OFFSET_MINUTES:
            raise ValueError(f"invalid UTC offset {quote(text)}: must be within -18:00..+18:00")
        zone = Zone(fixed_offset_name(total), ([-_FOREVER], [total * 60], None))
    else:
        name = _zone_file_name(spelling)
        if name is None:
            name = _names_by_lowercase().get(key)
            if name is not None and not _pytz().resource_exists(name):
                name = None
        if name is None:
            raise _unknown_zone(text)
        zone = Zone(name, lambda: _pytz_table(name))
    _zones[key] = zone  # bounded: only valid ASCII spellings get here (about 600 names, 9,000 offsets)
    return zone


def _unknown_zone(text):
    return ValueError(
        f"unknown time zone {quote(text)}: use an IANA name such as Europe/Berlin or a UTC offset such as +05:30"
    )


# Zone names that the tz database keeps for compatibility and that users pick by mistake:
# what the name really follows (tzdata 2024b made several of them links to a city), and the
# zone the user most likely meant.
_US_RULES = "follows only the US daylight saving rules of today, not a place's history"
_LEGACY_ZONES = {
    "EST": ("keeps Panama's time: standard time all year, never daylight saving time",
            "America/New_York for the US East coast"),
    "MST": ("keeps Arizona's time: standard time all year, never daylight saving time",
            "America/Denver for the US Mountain zone, America/Phoenix for Arizona"),
    "HST": ("keeps Hawaii's time", "Pacific/Honolulu"),
    "EST5EDT": (_US_RULES, "America/New_York"),
    "CST6CDT": (_US_RULES, "America/Chicago"),
    "MST7MDT": (_US_RULES, "America/Denver"),
    "PST8PDT": (_US_RULES, "America/Los_Angeles"),
    "CET": ("keeps Belgium's time (Europe/Brussels)", "your team's city, such as Europe/Berlin or Europe/Paris"),
    "MET": ("keeps Belgium's time (Europe/Brussels)", "your team's city, such as Europe/Berlin or Europe/Paris"),
    "EET": ("keeps Greece's time (Europe/Athens)", "your team's city, such as Europe/Helsinki or Europe/Bucharest"),
    "WET": ("keeps Portugal's time (Europe/Lisbon)", "your team's city, such as Europe/Lisbon or Atlantic/Canary"),
}


def legacy_zone_note(name):
    """A warning for a zone name that is valid but most likely not what the user meant, else None.

    >>> legacy_zone_note("Etc/GMT+2")
    "time zone 'Etc/GMT+2' is 2 hours behind UTC (the tz database inverts the sign of Etc/GMT zones): write -02:00"
    >>> legacy_zone_note("Europe/Berlin") is None
    True
    """
    legacy = _LEGACY_ZONES.get(name)
    if legacy is not None:
        follows, meant = legacy
        return f"time zone {quote(name)} is a legacy name that {follows}: use {meant}"
    match = re.match(r"^Etc/GMT([+-])([0-9]{1,2})\Z", name)
    if match and match.group(2) != "0":
        hours = int(match.group(2))
        side = "behind" if match.group(1) == "+" else "ahead of"
        sign = "-" if match.group(1) == "+" else "+"
        return (f"time zone {quote(name)} is {hours} hour{'s' if hours > 1 else ''} {side} UTC (the tz database "
                f"inverts the sign of Etc/GMT zones): write {sign}{hours:02d}:00")
    return None
