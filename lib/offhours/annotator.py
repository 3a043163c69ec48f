"""Command options to per-event output fields: everything ``ecrofhours`` decides.

An :class:`Annotator` is built once per search from the command's options and the
layered ``ecrofhours.conf``; it validates everything up front (raising
:class:`OptionError` or :class:`~offhours.profiles.ProfileError` with a user-facing
message) and then turns each event's raw time, zone and profile values into the
contract's output fields (:meth:`Annotator.values`: a tuple, through a per-day
:class:`~offhours.clock.Clock` for each profile and zone). Per-event problems become fields,
never exceptions.

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
from collections import deque
from functools import partial
from itertools import groupby, repeat

from .caching import remember
from .conffile import merge_layers, read_conf_layers
from .eventtime import TIME_UNITS, BadTime, all_epoch_seconds, is_epoch_seconds, parse_event_time
from .holidays import COMPANY_CLOSURES, HolidayCatalog
from .options import PROFILE_OVERRIDES, OptionError, parse_bool
from .profile_lookup import PROFILE_LOOKUP, private_copies, read_profile_lookup
from .profiles import ProfileBook, ProfileError
from .quoting import cut, quote
from .text import trimmed
from .zones import legacy_zone_note, resolve_zone

OUTPUT_FIELDS = (
    "off_hours", "off_hours_reason", "local_time", "local_hour", "local_wday",
    "holiday_name", "minutes_outside", "bh_profile", "bh_tz", "bh_error",
)
OFF_HOURS = OUTPUT_FIELDS.index("off_hours")
APP_NAME = "ecrofhours"  # the app's folder under etc/apps and etc/users/<user>/

NO_TIME = "no_time"
BAD_TIME = "bad_time"
BAD_TIMEZONE = "bad_timezone"
UNKNOWN_PROFILE = "unknown_profile"


def _first_value(value):
    """What the command reads of a field value as splunklib hands it over: a multivalue
    field's first value (as chunk rows read ``__mv_`` cells); None when absent. Values are
    trimmed by :meth:`Annotator.values`."""
    if isinstance(value, list):
        return value[0] if value else ""
    return value


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
                f"Invalid timeunit={cut(options['timeunit'])}: expected one of {', '.join(TIME_UNITS)}"
            )
        self.only = parse_bool("only", options.get("only", "false"))
        self._overrides = {}
        for option, key in PROFILE_OVERRIDES.items():
            if option in options:
                self._overrides[key] = (options[option], f"Invalid {option}={cut(options[option])}")
        name = options.get("profile", "").strip()
        source = "profile option"
        if not name:
            name, chosen_in = book.default_choice()
            in_conf = chosen_in.endswith(".conf") or chosen_in == "built in"
            source = "default_profile" if in_conf else f"default in {chosen_in}"
        if not book.has(name):
            unread = f"; {book.unreadable_lookup}" if book.unreadable_lookup else ""
            raise OptionError(
                f"Unknown profile {quote(name)} ({source}); known profiles: {', '.join(book.names()) or 'none'}"
                + unread
            )
        self.profile = book.compile(name, self._overrides)
        self._profiles = {name: self.profile}  # name -> Profile, or why it cannot be used
        self._unknown_profiles = {}
        self._zones = {}
        self._warnings = list(book.warnings()) + list(self.profile.notes)
        self._days = {}  # local days shared by every clock (bounded in offhours.clock)
        self._clocks = {}   # profile name -> {zone spelling ("": the profile's): (Clock or None, judge)}
        self._own = None  # _clock_and_judge of the invocation's profile in its own zone
        self._by_zone_value = {}  # raw tzfield value -> _clock_and_judge of the invocation's profile
        self._whole_seconds = self.timeunit in ("auto", "s")  # a short digit string is seconds
        self._data_years_noted = set()  # holiday calendars' data-years notes given to the search
        self._legacy_zones_noted = set()
        self._met_no_time = False  # some event had no value in the time field (no_time)
        self._timefield_noted = False
        self._had_time_text = False  # some event had a time value, though a bad one
        self._warnings += self.profile.calendar.hours.notes
        self._note_legacy_zone(self.profile.zone)

    @property
    def required_fields(self):
        """The event fields the command reads (splunkd then sends only these)."""
        return [f for f in self.input_fields if f]

    @property
    def input_fields(self):
        """``(timefield, tzfield, profilefield)``, None for an option not given: the fields whose
        values :meth:`values` takes, in its order."""
        return (self.timefield, self.tzfield, self.profilefield)

    output_fields = OUTPUT_FIELDS

    def drops(self, values):
        """Whether ``only=true`` drops a record with output fields ``values`` (it keeps the
        off-hours and the undecidable ones)."""
        return self.only and values[OFF_HOURS] == "0"

    def take_warnings(self):
        """Messages for the search's user collected since the last call (once each)."""
        if self._met_no_time and not self._timefield_noted and not self._judged_a_time():
            self._timefield_noted = True
            self._warnings.append(
                f"No event so far has a value in field {quote(self.timefield)} (timefield): every one is "
                "no_time. Check the field name, e.g. timefield=eventTime"
            )
        for profile in self._profiles.values():
            for note in [] if isinstance(profile, str) else profile.calendar.take_notes():
                if note not in self._data_years_noted:  # profiles may share a calendar code
                    self._data_years_noted.add(note)
                    self._warnings.append(note)
        warnings, self._warnings = self._warnings, []
        return warnings

    def annotate(self, time_value, tz_value=None, profile_value=None):
        """The output fields, by name, for one event's raw field values (``None`` when absent)."""
        return dict(zip(OUTPUT_FIELDS, self.record_values(time_value, tz_value, profile_value)))

    def record_values(self, time_value, tz_value=None, profile_value=None):
        """:meth:`values` for field values as splunklib's records hold them (a multivalue is
        a list; ``None`` when absent)."""
        return self.values(
            _first_value(time_value),
            _first_value(tz_value) if self.tzfield is not None else None,
            _first_value(profile_value) if self.profilefield is not None else None,
        )

    def values(self, time_text, tz_text=None, profile_text=None):
        """The output fields, as a tuple in ``OUTPUT_FIELDS`` order, for one event's values
        of the time, zone and profile fields (each a string, or ``None`` when absent; a
        multivalue field's first value)."""
        return self.values_of_time(tz_text, profile_text)(time_text)

    def values_of_time(self, tz_text=None, profile_text=None):
        """:meth:`values` of events with these zone and profile values as a function of the
        time value alone, its clock chosen once: what a caller judging many events of one
        zone and profile calls per event."""
        return self._clock_and_judge(tz_text, profile_text)[1]

    def values_of_many(self, time_texts, tz_texts=None):
        """:meth:`values` of many events without a profile value, as a list: ``time_texts``
        and ``tz_texts`` (None: no zone value) are lists of their values (strings).

        Where the times are all epoch seconds, as Splunk's ``_time`` is, and the events
        average ``MANY_A_DAY`` a day per zone, each zone's clock judges its events together
        (:meth:`Clock.values_at`); events of many zones spread thinner go one by one, in
        their order.
        """
        if tz_texts is None:
            return self._values_of_times(self._clock_and_judge(None, None), time_texts)
        # In the order the zones come: their notes (a legacy zone name) as values() gives them.
        found = {tz_text: self._clock_and_judge(tz_text, None) for tz_text in dict.fromkeys(tz_texts)}
        if not (self._whole_seconds and all_epoch_seconds(time_texts)):
            return [found[tz_text][1](time_text) for time_text, tz_text in zip(time_texts, tz_texts)]
        from .clock import MANY_A_DAY  # execution only, as Clock

        utcs = list(map(int, time_texts))
        days = (max(utcs) - min(utcs)) // 86400 + 1
        if len(utcs) < MANY_A_DAY * days * len(found):
            # a function of epoch seconds per zone: its clock's, or the same fields at any time
            of_seconds = {tz_text: judge if clock is None else clock.values
                          for tz_text, (clock, judge) in found.items()}
            return [of_seconds[tz_text](utc) for utc, tz_text in zip(utcs, tz_texts)]
        result = [None] * len(utcs)
        for tz_text, group in groupby(sorted(range(len(tz_texts)), key=tz_texts.__getitem__), tz_texts.__getitem__):
            indices = list(group)
            clock, judge = found[tz_text]
            if clock is None:  # the same fields at any time
                values = repeat(judge(None), len(indices))
            else:
                values = clock.values_at(list(map(utcs.__getitem__, indices)))
            deque(map(result.__setitem__, indices, values), maxlen=0)
        return result

    def _values_of_times(self, clock_and_judge, time_texts):
        clock, judge = clock_and_judge
        if clock is not None and self._whole_seconds and all_epoch_seconds(time_texts):
            return clock.values_at(list(map(int, time_texts)))
        return list(map(judge, time_texts))

    def _clock_and_judge(self, tz_text, profile_text):
        """The clock (None: the event cannot be judged) and :meth:`values_of_time`."""
        if profile_text:
            return self._clock_and_judge_for(tz_text, profile_text)
        if tz_text:
            found = self._by_zone_value.get(tz_text)
            if found is None:
                found = remember(self._by_zone_value, tz_text, self._clock_and_judge_for(tz_text, None))
            return found
        return self._own or self._clock_and_judge_for(None, None)

    def _clock_and_judge_for(self, tz_text, profile_text):
        """:meth:`_clock_and_judge` for an event's zone and profile values, looked up."""
        profile = self.profile
        if self.profilefield is not None and profile_text:
            name = trimmed(profile_text)
            if name:
                profile = self._profile_named(name)
                if isinstance(profile, str):
                    return None, _constant(_undecidable(UNKNOWN_PROFILE, name, "", profile))
        spelling = trimmed(tz_text) if self.tzfield is not None and tz_text else ""
        clocks = self._clocks.get(profile.name)
        if clocks is None:
            clocks = self._clocks[profile.name] = {}
        found = clocks.get(spelling)
        if found is None:
            zone = self._zone_named(spelling) if spelling else profile.zone
            if isinstance(zone, str):
                found = (None, _constant(_undecidable(BAD_TIMEZONE, profile.name, "", zone)))
            else:
                from .clock import Clock  # execution only: getinfo probes never load it

                clock = Clock(profile.calendar, zone, profile.name, self._days)
                found = (clock, self._time_judge(clock))
            remember(clocks, spelling, found)
        if profile is self.profile and not spelling:
            self._own = found
        return found

    def _time_judge(self, clock):
        """The fields of ``clock`` as a function of an event's time value: Splunk's ``_time``
        (whole epoch seconds) with no parsing, any other value through :meth:`_values_of_text`."""
        values_at = clock.values
        values_of_text = partial(self._values_of_text, clock)
        if not self._whole_seconds:
            return values_of_text

        def judge(time_text):
            if time_text and is_epoch_seconds(time_text):
                return values_at(int(time_text))  # what parse_event_time reads it as: seconds
            return values_of_text(time_text)
        return judge

    def _values_of_text(self, clock, time_text):
        """The fields of ``clock`` at the event's time value, parsed."""
        text = trimmed(time_text) if time_text else ""
        if not text:  # absent or empty: splunkd writes an absent field as an empty cell
            self._met_no_time = True
            return _undecidable(NO_TIME, clock.profile_name, clock.zone.name,
                                f"no value in field {cut(self.timefield)}")
        try:
            utc = parse_event_time(text, self.timeunit)
        except BadTime as error:
            self._had_time_text = True
            return _undecidable(BAD_TIME, clock.profile_name, clock.zone.name, str(error))
        return clock.values(utc)

    def _profile_named(self, name):
        """A compiled profile, or the reason (str) it cannot be used."""
        profile = self._profiles.get(name)
        if profile is not None:
            return profile
        if not self._book.has(name):  # a lookup: a name is never a path
            # Unknown names are the data's, endless in hostile data: a bounded cache.
            return self._unknown_profiles.get(name) or remember(
                self._unknown_profiles, name, f"unknown profile {quote(name)}")
        try:
            profile = self._book.compile(name, self._overrides)
            self._warnings += profile.notes
        except ValueError as error:
            profile = str(error)
            self._warnings.append(f"Profile {quote(name)} cannot be used: {error}")
        self._profiles[name] = profile  # bounded by the profiles the app defines; compiled once
        return profile

    def _zone_named(self, spelling):
        """A zone, or the reason (str) it cannot be used."""
        zone = self._zones.get(spelling)
        if zone is None:
            try:
                zone = resolve_zone(spelling)
            except ValueError as error:
                zone = str(error)
            else:
                self._note_legacy_zone(zone)
            remember(self._zones, spelling, zone)
        return zone

    def _note_legacy_zone(self, zone):
        """Warn once per search about a zone name the user most likely did not mean."""
        if zone.name not in self._legacy_zones_noted:
            note = legacy_zone_note(zone.name)
            if note:
                self._legacy_zones_noted.add(zone.name)
                self._warnings.append(note[:1].upper() + note[1:])

    def _judged_a_time(self):
        """Whether some event had a time value (judged, or bad_time)."""
        return self._had_time_text or any(
            clock.judged for clocks in self._clocks.values() for clock, _ in clocks.values() if clock is not None)


def _constant(values):
    """The function of the time value for an event that cannot be judged: ``values`` always."""
    return lambda time_text: values


def _undecidable(reason, profile_name, zone_name, error):
    """The output fields of an event that cannot be judged (``OUTPUT_FIELDS`` order)."""
    named = {"off_hours_reason": reason, "bh_profile": profile_name, "bh_tz": zone_name, "bh_error": error}
    return tuple(named.get(field, "") for field in OUTPUT_FIELDS)


def open_profiles(app_dir, username=None):
    """The :class:`ProfileBook` of the app at ``app_dir``: default/ and local/ confs and the
    profiles lookup. ``username``: the searching user, whose private copies of the app's
    lookups are ignored and reported (``ProfileBook.warnings``)."""
    try:
        layers = read_conf_layers(app_dir, "ecrofhours")
    except ValueError as error:
        raise ProfileError(str(error)) from None
    lookups = os.path.join(app_dir, "lookups")
    lookup = read_profile_lookup(lookups)
    lookup.warnings += private_copies(app_dir, APP_NAME, username, (PROFILE_LOOKUP, COMPANY_CLOSURES))
    return ProfileBook(merge_layers(layers), HolidayCatalog(lookups), lookup, layers)
