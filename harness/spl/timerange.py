"""Splunk's time modifiers, as a search's ``earliest``/``latest`` and a saved search's
``dispatch.earliest_time``/``dispatch.latest_time`` use them: ``now``, epoch seconds, or
``[+|-]<time_integer><time_unit>@<time_unit>`` relative to the search's now.

Splunk's documentation: *Specify time modifiers in your search* (Search Manual 9.2,
https://help.splunk.com/splunk-enterprise/search/search-manual/9.2/specify-time-ranges/specify-time-modifiers-in-your-search)
and *Time modifiers* (Search Reference 9.4,
https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/time-format-variables-and-modifiers/time-modifiers):
a relative time is an offset from now, a ``+`` or ``-`` with an amount (1 when left out, as in
``-h@h``) and a unit; ``@<unit>`` then snaps it, rounding down to the start of that unit ("if you
run the search at 3:45, ``-h@h`` looks for events with a timestamp that start at 2:00"); earliest
is inclusive, latest exclusive. Its example of ``-2d`` at 14:05 on April 28th is 14:05 on April
26th: a day offset keeps the wall clock, so days are counted on the calendar of the zone here.

Emulated: units ``s``, ``m``, ``h``, ``d``, ``w`` (and their long names) for the offset, one
offset at most; snaps to ``s``, ``m``, ``h``, ``d``, ``w`` and ``w0``-``w7`` (``w`` and ``w0``,
``w7`` are Sunday). Snapping and day offsets use the searcher's zone: the zone Splunk uses for them
is the user's (a scheduled search's owner's), which the excerpts above do not state and is
**not verified here**; the app's searches snap to minutes (any zone gives the same) or to days
(UTC in every test). Months, quarters, years, chains of offsets and absolute dates are refused.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from .syntax import SplError

_UNITS = {
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "week": "w", "weeks": "w",
}
_SECONDS = {"s": 1, "m": 60, "h": 3600}
_MODIFIER = re.compile(r"(?:([+-])(\d*)([a-z]+))?(?:@([a-z]+\d?))?\Z")
SUPPORTED = "now, epoch seconds, [+|-]<n><s|m|h|d|w>[@<s|m|h|d|w|w0-w7>]"


def relative_time(text: str, now: float, zone: tzinfo) -> float:
    """The instant (epoch seconds) a time modifier names at ``now`` in ``zone``; SplError for
    what is not emulated."""
    text = text.strip()
    if text == "now":
        return float(now)
    if text.isdigit():
        return float(text)
    match = _MODIFIER.match(text)
    if not text or not match or (match.group(1) is None and match.group(4) is None):
        raise SplError(f"time {text!r} is not supported ({SUPPORTED})")
    sign, amount, unit, snap = match.groups()
    local = datetime.fromtimestamp(now, zone)
    if sign is not None:
        if unit not in _UNITS:
            raise SplError(f"time {text!r}: unit {unit!r} is not supported ({SUPPORTED})")
        count = (-1 if sign == "-" else 1) * int(amount or 1)
        unit = _UNITS[unit]
        if unit in _SECONDS:
            local = datetime.fromtimestamp(now + count * _SECONDS[unit], zone)
        else:  # days and weeks on the zone's calendar: the wall clock stays
            days = count * (7 if unit == "w" else 1)
            local = _wall(local.replace(tzinfo=None) + timedelta(days=days), zone)
    if snap is not None:
        local = _snap(local, snap, text, zone)
    return local.timestamp()


def _snap(local: datetime, snap: str, text: str, zone: tzinfo) -> datetime:
    if snap in _UNITS and _UNITS[snap] in ("s", "m", "h"):
        unit = _UNITS[snap]
        keep = {"s": {"microsecond": 0}, "m": {"second": 0, "microsecond": 0},
                "h": {"minute": 0, "second": 0, "microsecond": 0}}[unit]
        return local.replace(**keep)
    wall = local.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    if snap in ("d", "day", "days"):
        return _wall(wall, zone)
    week = re.fullmatch(r"w(?:eek)?([0-7])?", snap)
    if week:
        sunday_based = (wall.weekday() + 1) % 7  # 0 Sunday ... 6 Saturday
        wanted = int(week.group(1) or 0) % 7
        return _wall(wall - timedelta(days=(sunday_based - wanted) % 7), zone)
    raise SplError(f"time {text!r}: snap to {snap!r} is not supported ({SUPPORTED})")


def _wall(wall: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time of ``zone`` as an aware datetime (the earlier one when it repeats)."""
    return wall.replace(tzinfo=zone, fold=0)


def time_range(earliest: str, latest: str, now: float, zone: tzinfo) -> tuple[float, float]:
    """``(earliest, latest)`` of a search at ``now``: earliest inclusive, latest exclusive."""
    low, high = relative_time(earliest, now, zone), relative_time(latest, now, zone)
    if low >= high:
        raise SplError(f"time range {earliest!r} to {latest!r} at {now}: earliest is not before latest")
    return low, high
