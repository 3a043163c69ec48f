"""Time zones: resolve a user's spelling, and convert between UTC and local wall time.

A :class:`Zone` is built once per zone and process from pytz's own transition table,
so per-event work is a bisection (or a cache hit), never a pytz call:

>>> zone = resolve_zone("america/los_angeles")
>>> zone.name, zone.utc_offset(1629328650)        # 2021-08-18T23:17:30Z
('America/Los_Angeles', -25200)
>>> resolve_zone("+0545").name
'+05:45'

Times are integer epoch seconds; "wall" seconds count local wall-clock time the same way
(seconds since 1970-01-01T00:00 local), so ``wall = utc + utc_offset(utc)``.
"""
import re
from bisect import bisect_right
from datetime import datetime

import pytz

_EPOCH = datetime(1970, 1, 1)
_FIXED_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
# Real zones range from -12:00 to +14:00; accept what ISO 8601 and RFC 3339 parsers do.
_MAX_FIXED_OFFSET_MINUTES = 18 * 60


class Zone:
    """A time zone as a table of UTC transition instants and the offsets that follow them."""

    __slots__ = ("name", "_starts", "_offsets", "_walls", "_hit")

    def __init__(self, name, starts, offsets):
        self.name = name
        self._starts = starts            # UTC epoch of each transition, ascending
        self._offsets = offsets          # offset in seconds in force from that transition
        # Wall-clock time at which each offset starts to be in force.
        self._walls = [s + o for s, o in zip(starts, offsets)]
        self._hit = (starts[0], starts[1] if len(starts) > 1 else _FOREVER, offsets[0])

    def __repr__(self):
        return f"Zone({self.name!r})"

    def utc_offset(self, utc):
        """Offset in seconds of local time from UTC at epoch second ``utc``."""
        start, end, offset = self._hit
        if start <= utc < end:
            return offset
        i = bisect_right(self._starts, utc) - 1
        if i < 0:
            i = 0
        end = self._starts[i + 1] if i + 1 < len(self._starts) else _FOREVER
        self._hit = (self._starts[i], end, self._offsets[i])
        return self._offsets[i]

    def utc_of_wall(self, wall):
        """The UTC instant of local wall time ``wall``.

        A wall time that exists twice (fall back) or not at all (spring forward) takes the
        offset in force before the transition, as ``zoneinfo`` does with ``fold=0``.
        """
        starts, offsets = self._starts, self._offsets
        j = max(bisect_right(self._walls, wall) - 1, 0)
        for k in range(max(j - 2, 0), j + 1):
            end = starts[k + 1] + offsets[k] if k + 1 < len(starts) else _FOREVER
            if self._walls[k] <= wall < end:
                return wall - offsets[k]
        return wall - offsets[j]  # in a gap: the offset before the transition


_FOREVER = 1 << 62


def _zone_from_pytz(name, tz):
    if isinstance(tz, pytz.tzinfo.DstTzInfo):
        starts = [_epoch_seconds(t) for t in tz._utc_transition_times]
        offsets = [_whole_seconds(info[0]) for info in tz._transition_info]
        return Zone(name, starts, offsets)
    offset = tz.utcoffset(_EPOCH)  # StaticTzInfo and UTC
    return Zone(name, [-_FOREVER], [_whole_seconds(offset)])


def _epoch_seconds(naive_utc):
    return (naive_utc - _EPOCH) // _ONE_SECOND


def _whole_seconds(delta):
    return delta.days * 86400 + delta.seconds


_ONE_SECOND = datetime(1970, 1, 1, 0, 0, 1) - _EPOCH

_zone_names = {}
_zones = {}


def _names_by_lowercase():
    if not _zone_names:
        _zone_names.update((name.lower(), name) for name in pytz.all_timezones)
    return _zone_names


def fixed_offset_name(minutes):
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def resolve_zone(text):
    """The :class:`Zone` for an IANA name (any case) or a fixed offset ``±HH:MM``/``±HHMM``.

    Raises ``ValueError`` with a user-facing message for anything else. Links such as
    ``US/Eastern`` keep their own name.
    """
    key = text.strip().lower()
    zone = _zones.get(key)
    if zone is not None:
        return zone
    match = _FIXED_OFFSET.match(key)
    if match:
        sign, hours, minutes = match.groups()
        if int(minutes) >= 60:
            raise ValueError(f"invalid UTC offset {text!r}: minutes must be 00-59")
        total = (int(hours) * 60 + int(minutes)) * (-1 if sign == "-" else 1)
        if abs(total) > _MAX_FIXED_OFFSET_MINUTES:
            raise ValueError(f"invalid UTC offset {text!r}: must be within -18:00..+18:00")
        zone = Zone(fixed_offset_name(total), [-_FOREVER], [total * 60])
    else:
        name = _names_by_lowercase().get(key)
        if name is None:
            raise ValueError(
                f"unknown time zone {text!r}: use an IANA name such as Europe/Berlin "
                "or a UTC offset such as +05:30"
            )
        zone = _zone_from_pytz(name, pytz.timezone(name))
    _zones[key] = zone
    return zone
