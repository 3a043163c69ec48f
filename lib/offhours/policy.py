"""The policy view behind ``ecrofhourspolicy``: every profile as a row, and a profile's
business intervals day by day over a time range.

Rows are plain ``{field: str}`` dictionaries in the order of :data:`PROFILE_FIELDS` and
:data:`INTERVAL_FIELDS`; the command only writes them out. Time comes in as epoch seconds
from the search's time range: nothing here reads a clock.
"""
from .calendar import WEEKEND_HISTORY, date_of, weekday_of
from .hours import DAY_NAMES
from .profiles import DEFAULTS, NO_HOLIDAYS, ProfileError
from .quoting import cut, quote
from .verdict import CLOSED_DAY, HOLIDAY, WEEKDAY_NAMES, WEEKEND, format_local_time

PROFILE_FIELDS = (
    "profile", "status", "source", "also_in", "default", "timezone", "locale", "weekend", "hours",
    "holidays", "closures",
)
INTERVAL_FIELDS = (
    "_time", "profile", "date", "weekday", "local_start", "local_end", "utc_start", "utc_end", "closed",
    "holiday_name", "closes_at",
)
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10000
_DAY = 86400
_FAR_AHEAD = 100000  # a day number in 2243: after every recorded weekend change


def profile_rows(book, overrides=None, only=None):
    """One row per profile of ``book`` (or just ``only``), with ``overrides`` as ``ecrofhours``
    would apply them. A profile that cannot be used has ``status`` ``error: <message>``."""
    try:
        default = book.default_name()
    except ProfileError:
        default = None  # the default cannot be chosen: policy_warnings says why
    rows = []
    for name in [only] if only else book.names():
        sources = book.sources(name)
        row = dict.fromkeys(PROFILE_FIELDS, "")
        row.update(profile=name, source=sources[0] if sources else "", also_in=", ".join(sources[1:]),
                   default="yes" if name == default else "no")
        try:
            profile = book.compile(name, overrides)
        except ValueError as error:
            row["status"] = f"error: {error}"
        else:
            row.update(describe(profile, book.setting_text(name, "hours", overrides)))
            row["status"] = "ok"
        rows.append(row)
    return rows


def default_warnings(book):
    """Why searches that name no profile cannot run, if so (the list shows no default then)."""
    try:
        name, chosen_in = book.default_choice()
    except ProfileError as error:
        return [f"No default profile: {error}"]
    if not book.has(name):
        return [f"The default profile {quote(name)} (chosen in {chosen_in}) does not exist"]
    return []


def describe(profile, hours_text):
    """The policy columns of a compiled profile."""
    calendar = profile.calendar
    closures = []
    for number in sorted(profile.company_closures):
        for closure in profile.company_closures[number]:
            when = date_of(number).isoformat()
            if closure.closes_at:
                when += f" {_clock(closure.closes_at)}"
            closures.append(f"{when} ({closure.name})")
    return {
        "timezone": profile.zone.name,
        "locale": "_".join(part for part in profile.locale if part) if profile.locale else "",
        "weekend": weekend_text(calendar.workweek),
        "hours": hours_text or DEFAULTS["hours"],
        "holidays": ", ".join(profile.holiday_codes) or NO_HOLIDAYS,
        "closures": "; ".join(closures),
    }


def weekend_text(workweek):
    """``sat, sun``; with the weekend a territory had before a change: ``fri, sat (thu, fri before 2013-06-29)``."""
    text = _days(workweek.weekend(_FAR_AHEAD))
    for until, days in WEEKEND_HISTORY.get(workweek.territory, ()):
        text += f" ({_days(days)} before {until.isoformat()})"
    return text


def _days(days):
    return ", ".join(DAY_NAMES[day] for day in sorted(days)) or "none"


def _clock(second):
    return f"{second // 3600:02d}:{second // 60 % 60:02d}"


def parse_search_time(text):
    """Epoch seconds (floor) of a search's ``earliest_time``/``latest_time``; None when unset
    (splunkd sends ``0`` or nothing for an unbounded end)."""
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")) or value <= 0:
        return None
    return int(value // 1)


def parse_limit(text):
    """The ``limit`` option: 1 to :data:`MAX_LIMIT` rows; raises ValueError."""
    stripped = text.strip()
    if not stripped.isdigit() or len(stripped) > len(str(MAX_LIMIT)) or not 1 <= int(stripped) <= MAX_LIMIT:
        raise ValueError(f"Invalid limit={cut(text)}: expected a whole number from 1 to {MAX_LIMIT}")
    return int(stripped)


def interval_rows(profile, earliest, latest, limit=DEFAULT_LIMIT):
    """``(rows, note)``: ``profile``'s business intervals on every local day (in its zone) that
    ``[earliest, latest)`` touches, a row per interval, or one row saying why a day is closed.
    At most ``limit`` rows; ``note`` says where the list stops when it does, else None."""
    zone, calendar = profile.zone, profile.calendar
    first = (earliest + zone.utc_offset(earliest)) // _DAY
    last = (latest - 1 + zone.utc_offset(latest - 1)) // _DAY
    rows = []
    for number in range(first, last + 1):
        plan = calendar.day(number)
        spans = calendar.utc_spans(zone, number)
        day = {"profile": profile.name, "date": date_of(number).isoformat(),
               "weekday": WEEKDAY_NAMES[weekday_of(number)], "holiday_name": plan.holiday_name,
               "closes_at": _clock(plan.closes_at) if plan.closes_at else ""}
        if not spans:
            closed = HOLIDAY if plan.closes_at == 0 else WEEKEND if plan.is_weekend else CLOSED_DAY
            midnight = zone.utc_of_wall(number * _DAY)
            day_rows = [dict(day, _time=str(midnight), closed=closed, local_start="", local_end="",
                             utc_start="", utc_end="")]
        else:
            day_rows = [dict(day, _time=str(start), closed="", local_start=_local(zone, start),
                             local_end=_local(zone, end), utc_start=_utc(start), utc_end=_utc(end))
                        for start, end in spans]
        for row in day_rows:
            if len(rows) == limit:
                return rows, (
                    f"Showing the first {limit} rows, up to {rows[-1]['date']}; the time range goes on to "
                    f"{date_of(last).isoformat()}: narrow it, or raise limit= (at most {MAX_LIMIT})"
                )
            rows.append({field: row[field] for field in INTERVAL_FIELDS})
    return rows, None


def _local(zone, utc):
    offset = zone.utc_offset(utc)
    return format_local_time(utc + offset, offset)


def _utc(utc):
    return format_local_time(utc, 0)[:-len("+00:00")] + "Z"
