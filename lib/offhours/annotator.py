"""Command options to per-event output fields: everything ``ecrofhours`` decides.

An :class:`Annotator` is built once per search from the command's options and the
layered ``ecrofhours.conf``; it validates everything up front (raising
:class:`OptionError` or :class:`~offhours.profiles.ProfileError` with a user-facing
message) and then turns each event's raw time, zone and profile values into the
contract's output fields. Per-event problems become fields, never exceptions.

>>> from offhours.conffile import read_conf_text
>>> book = ProfileBook(read_conf_text(
...     "[profile:utc]\\ntimezone = UTC\\nhours = mon-fri 08:00-20:00\\nholidays = none\\n",
...     "default/ecrofhours.conf"), HolidayCatalog("/nonexistent"))
>>> annotator = Annotator(book, {"tz": "America/Los_Angeles"})
>>> fields = annotator.annotate("1629328650")
>>> fields["off_hours"], fields["off_hours_reason"], fields["local_time"], fields["bh_tz"]
('0', 'business_hours', '2021-08-18T16:17:30-07:00', 'America/Los_Angeles')
"""
import os

from .conffile import read_layered_conf
from .eventtime import TIME_UNITS, BadTime, parse_event_time
from .holidays import HolidayCatalog
from .profiles import OptionError, ProfileBook, ProfileError, valid_profile_name
from .verdict import judge
from .zones import resolve_zone

OUTPUT_FIELDS = (
    "off_hours", "off_hours_reason", "local_time", "local_hour", "local_wday",
    "holiday_name", "minutes_outside", "bh_profile", "bh_tz", "bh_error",
)
OPTIONS = (
    "profile", "tz", "locale", "hours", "holidays", "tzfield", "profilefield",
    "timefield", "timeunit", "only",
)
# Options that override one key of the profile.
PROFILE_OVERRIDES = {"tz": "timezone", "locale": "locale", "hours": "hours", "holidays": "holidays"}

NO_TIME = "no_time"
BAD_TIME = "bad_time"
BAD_TIMEZONE = "bad_timezone"
UNKNOWN_PROFILE = "unknown_profile"

_TRUE = ("1", "t", "true", "y", "yes")
_FALSE = ("0", "f", "false", "n", "no")


def parse_bool(name, text):
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise OptionError(f"Invalid {name}={text}: expected true or false")


def _first_value(value):
    """The text of a field value; a multivalue field's first value."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else value.strip()


class Annotator:
    """Validated options, compiled profiles and per-event caches for one search."""

    def __init__(self, book, options):
        self._book = book
        for name in ("tzfield", "profilefield", "timefield"):
            if name in options and not options[name].strip():
                raise OptionError(f"Invalid {name}=: expected a field name")
        self.timefield = options.get("timefield", "_time").strip()
        self.tzfield = options.get("tzfield", "").strip() or None
        self.profilefield = options.get("profilefield", "").strip() or None
        self.timeunit = options.get("timeunit", "auto").strip().lower()
        if self.timeunit not in TIME_UNITS:
            raise OptionError(
                f"Invalid timeunit={options['timeunit']}: expected one of {', '.join(TIME_UNITS)}"
            )
        self.only = parse_bool("only", options.get("only", "false"))
        self._overrides = {}
        for option, key in PROFILE_OVERRIDES.items():
            if option in options:
                self._overrides[key] = (options[option], f"Invalid {option}={options[option]}")
        name = options.get("profile", "").strip() or book.default_name()
        if not book.has(name):
            source = "profile option" if options.get("profile", "").strip() else "default_profile"
            raise OptionError(
                f"Unknown profile {name!r} ({source}); known profiles: {', '.join(book.names()) or 'none'}"
            )
        self.profile = book.compile(name, self._overrides)
        self._profiles = {name: self.profile}
        self._zones = {}
        self._warnings = []

    @property
    def required_fields(self):
        """The event fields the command reads (splunkd then sends only these)."""
        return [f for f in (self.timefield, self.tzfield, self.profilefield) if f]

    def take_warnings(self):
        """Messages for the search's user collected since the last call (once each)."""
        warnings, self._warnings = self._warnings, []
        return warnings

    def annotate(self, time_value, tz_value=None, profile_value=None):
        """The output fields for one event's raw field values (``None`` when absent)."""
        profile = self.profile
        if self.profilefield is not None:
            name = _first_value(profile_value)
            if name:
                profile = self._profile_named(name)
                if isinstance(profile, str):
                    return _undecidable(UNKNOWN_PROFILE, name, "", profile)
        zone = profile.zone
        if self.tzfield is not None:
            spelling = _first_value(tz_value)
            if spelling:
                zone = self._zone_named(spelling)
                if isinstance(zone, str):
                    return _undecidable(BAD_TIMEZONE, profile.name, "", zone)
        text = _first_value(time_value)
        if not text:
            return _undecidable(NO_TIME, profile.name, zone.name, f"no value in field {self.timefield}")
        try:
            utc = parse_event_time(text, self.timeunit)
        except BadTime as error:
            return _undecidable(BAD_TIME, profile.name, zone.name, str(error))
        verdict = judge(profile.calendar, zone, utc)
        return {
            "off_hours": verdict.off_hours,
            "off_hours_reason": verdict.reason,
            "local_time": verdict.local_time,
            "local_hour": verdict.local_hour,
            "local_wday": verdict.local_wday,
            "holiday_name": verdict.holiday_name,
            "minutes_outside": verdict.minutes_outside,
            "bh_profile": profile.name,
            "bh_tz": zone.name,
            "bh_error": "",
        }

    def _profile_named(self, name):
        """A compiled profile, or the reason (str) it cannot be used."""
        profile = self._profiles.get(name)
        if profile is None:
            if not valid_profile_name(name) or not self._book.has(name):
                profile = f"unknown profile {name!r}"
            else:
                try:
                    profile = self._book.compile(name, self._overrides)
                except ValueError as error:
                    profile = str(error)
                    self._warnings.append(f"Profile {name!r} cannot be used: {error}")
            self._profiles[name] = profile
        return profile

    def _zone_named(self, spelling):
        """A zone, or the reason (str) it cannot be used."""
        zone = self._zones.get(spelling)
        if zone is None:
            try:
                zone = resolve_zone(spelling)
            except ValueError as error:
                zone = str(error)
            if len(self._zones) > 10000:
                self._zones.clear()  # hostile data with endless distinct values
            self._zones[spelling] = zone
        return zone


def _undecidable(reason, profile_name, zone_name, error):
    return {
        "off_hours": "",
        "off_hours_reason": reason,
        "local_time": "",
        "local_hour": "",
        "local_wday": "",
        "holiday_name": "",
        "minutes_outside": "",
        "bh_profile": profile_name,
        "bh_tz": zone_name,
        "bh_error": error,
    }


def open_profiles(app_dir):
    """The :class:`ProfileBook` of the app at ``app_dir`` (default/ and local/ confs)."""
    try:
        stanzas = read_layered_conf(app_dir, "ecrofhours")
    except ValueError as error:
        raise ProfileError(str(error)) from None
    return ProfileBook(stanzas, HolidayCatalog(os.path.join(app_dir, "lookups")))
