"""Profiles from ``ecrofhours.conf``: named policies compiled into a zone and a calendar.

    [settings]
    default_profile = utc

    [profile:berlin]
    timezone = Europe/Berlin
    locale   = de_DE
    hours    = mon-fri 08:00-18:00

A key a profile sets is never changed by another key: ``holidays`` follows ``locale``
only when the profile leaves ``holidays`` unset, and days named in ``hours`` never follow
the locale (only ``workdays`` does). Invocation options override single keys.
"""
import re

from ._territories import TERRITORIES
from .calendar import Calendar, Workweek, merge_closures, parse_closures
from .holidays import ALL_PROFILES, COMPANY_CLOSURES, calendars_missing_message
from .options import OptionError
from .hours import parse_hours
from .profile_lookup import SOURCE as PROFILE_LOOKUP_SOURCE
from .profile_lookup import ProfileLookup
from .quoting import cut, quote
from .zones import resolve_zone

SETTINGS_STANZA = "settings"
PROFILE_PREFIX = "profile:"
PROFILE_KEYS = ("closures", "holidays", "hours", "locale", "timezone")
SETTINGS_KEYS = ("default_profile",)
DEFAULTS = {"timezone": "UTC", "hours": "workdays 08:00-20:00"}
NO_HOLIDAYS = "none"
LOCALE_FORM = "ll_CC, ll-CC or CC with an ISO 3166 territory, e.g. de_DE or SA"
_LOCALE = r"^(?:([A-Za-z]{2,3})[_-])?([A-Za-z]{2})$"


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the conf file and stanza."""


class Profile:
    """A compiled profile: what every event judged under it shares."""

    __slots__ = ("name", "zone", "calendar", "locale", "source", "holiday_codes", "company_closures", "notes")

    def __init__(self, name, zone, calendar, locale):
        self.name = name
        self.zone = zone
        self.calendar = calendar
        self.locale = locale
        self.source = "default"      # where it is defined: local, lookup or default
        self.holiday_codes = ()      # public holiday calendars
        self.company_closures = {}   # {day number: [Closure, ...]} from every source
        self.notes = []              # overrides that change nothing, for the job inspector

    def __repr__(self):
        return f"Profile({self.name!r}, zone={self.zone.name!r})"


def parse_locale(text):
    """``(language or None, territory)`` from ``ll_CC``, ``ll-CC`` or ``CC``."""
    match = re.match(_LOCALE, text.strip())
    territory = match.group(2).upper() if match else None
    if match and not match.group(1) and not match.group(2).isupper():
        territory = None  # "de" is a language, not Germany
    if territory not in TERRITORIES:
        raise ValueError(f"invalid locale {quote(text)}: expected {LOCALE_FORM}")
    language = match.group(1).lower() if match.group(1) else None
    return language, territory


def parse_holiday_codes(text, catalog):
    """Calendar codes from ``none`` or ``US, DE-BY``; raises ValueError on an unknown one."""
    if text.strip().lower() == NO_HOLIDAYS:
        return ()
    codes = tuple(dict.fromkeys(part.strip().upper() for part in text.split(",") if part.strip()))
    if not codes:
        raise ValueError("empty holidays: name calendars such as US, DE-BY, or none")
    known = catalog.codes()
    for code in codes:
        if code not in known:
            hint = "see lookups/ecrofhours_holiday_calendars.csv" if known else "no calendars installed"
            raise ValueError(f"unknown holiday calendar {quote(code)} ({hint}); use codes such as US, DE-BY, or none")
    return codes


class ProfileBook:
    """Every profile of the app: the layered ``ecrofhours.conf`` and the profiles lookup.

    Precedence, whole profile for whole profile: a profile in ``local/ecrofhours.conf``
    (laid over ``default/`` key by key, as Splunk layers confs) wins over a row of the
    profiles lookup, which wins over a profile only in ``default/ecrofhours.conf``. Closures
    are the exception: every source's ``closures`` count, plus the company closures lookup.
    The default profile follows the same order: ``local/`` ``[settings]``, the lookup's
    ``default`` column, ``default/`` ``[settings]``, else ``utc``.
    """

    def __init__(self, stanzas, catalog, lookup=None, layers=None):
        """``stanzas``: the layered conf; ``lookup``: a :class:`~offhours.profile_lookup.ProfileLookup`;
        ``layers``: the conf's unmerged layers (``conffile.read_conf_layers``), for closures
        and precedence; without them a stanza is local when one of its keys is."""
        self._stanzas = stanzas
        self._catalog = catalog
        self._lookup = lookup if lookup is not None else ProfileLookup()
        self._layers = layers

    @property
    def unreadable_lookup(self):
        """Why the profiles lookup could not be read at all, or None."""
        return self._lookup.unreadable

    def names(self):
        conf = {s[len(PROFILE_PREFIX):] for s in self._stanzas if s.startswith(PROFILE_PREFIX)}
        return sorted(conf | set(self._lookup.names()))

    def has(self, name):
        return PROFILE_PREFIX + name in self._stanzas or name in self._lookup.name_set()

    def sources(self, name):
        """Where profile ``name`` is defined, the one in effect first: ``local``, ``lookup``, ``default``."""
        stanza = PROFILE_PREFIX + name
        found = []
        if self._in_layer("local", stanza):
            found.append("local")
        if name in self._lookup.name_set():
            found.append("lookup")
        if self._in_layer("default", stanza):
            found.append("default")
        return found

    def _in_layer(self, layer, stanza):
        if self._layers is not None:
            return stanza in self._layers.get(layer, {})
        settings = self._stanzas.get(stanza)
        if settings is None:
            return False
        from_local = any(s.source.startswith("local/") for s in settings.values())
        return from_local if layer == "local" else not from_local

    def check_overrides(self, overrides):
        """Raise :class:`OptionError` naming the option of the first override that cannot be parsed."""
        parsers = {"timezone": resolve_zone, "locale": parse_locale, "hours": parse_hours,
                   "holidays": lambda text: parse_holiday_codes(text, self._catalog)}
        for key, (text, label) in overrides.items():
            try:
                parsers[key](text)
            except ValueError as error:
                raise OptionError(f"{label}: {error}") from None

    def setting_text(self, name, key, overrides=None):
        """The text of ``key`` that profile ``name`` runs with: the override's, else the one its
        source in effect sets, else None (the key's default)."""
        if overrides and key in overrides:
            return overrides[key][0]
        sources = self.sources(name)
        if not sources:
            return None
        settings = self._lookup.stanzas.get(PROFILE_PREFIX + name, {}) if sources[0] == "lookup" \
            else self._stanzas.get(PROFILE_PREFIX + name, {})
        setting = settings.get(key)
        return setting.value if setting is not None else None

    def warnings(self):
        """Problems that stop no search but must not pass unseen (the lookup's, the default's,
        closure rows that no profile takes)."""
        warnings = list(self._lookup.warnings)
        known = set(self.names()) | {ALL_PROFILES}
        for name, line in sorted(self._catalog.closure_profiles().items(), key=lambda item: item[1]):
            if name not in known:
                who = f"names profile {quote(name)}, which no profile source defines" if name else "names no profile"
                warnings.append(f"lookups/{COMPANY_CLOSURES} line {line} {who}: its closures apply to no "
                                f"search (use a profile's name, or * for every profile)")
        try:
            local = self._default_setting("local")
        except ProfileError:
            local = None  # a [settings] typo stops only the searches that need the default
        if local is not None and (self._lookup.default or self._lookup.default_error):
            marked = quote(self._lookup.default) if self._lookup.default else "a default"
            warnings.append(
                f"{PROFILE_LOOKUP_SOURCE} marks {marked} as default, but {local.source} "
                f"[{SETTINGS_STANZA}] default_profile = {local.value} takes precedence"
            )
        return warnings

    def _default_setting(self, layer):
        self._check_settings()
        setting = self._stanzas.get(SETTINGS_STANZA, {}).get("default_profile")
        if setting is None or not setting.value:
            return None
        if self._layers is not None:
            setting = self._layers.get(layer, {}).get(SETTINGS_STANZA, {}).get("default_profile")
            return setting if setting is not None and setting.value else None
        return setting if setting.source.startswith(layer + "/") else None

    def _check_settings(self):
        for key, setting in self._stanzas.get(SETTINGS_STANZA, {}).items():
            if key not in SETTINGS_KEYS:
                raise ProfileError(
                    f"{setting.source} [{SETTINGS_STANZA}]: unknown key {quote(key)} "
                    f"(allowed: {', '.join(SETTINGS_KEYS)})"
                )

    def default_name(self):
        return self.default_choice()[0]

    def default_choice(self):
        """``(name, where it is chosen)``: ``local/ecrofhours.conf``, the lookup, ``default/...``
        or ``built in``. Raises :class:`ProfileError` when the lookup's choice is broken."""
        local = self._default_setting("local")
        if local is not None:
            return local.value, local.source
        if self._lookup.default_error:
            raise ProfileError(self._lookup.default_error)
        if self._lookup.default:
            return self._lookup.default, PROFILE_LOOKUP_SOURCE
        shipped = self._default_setting("default")
        if shipped is not None:
            return shipped.value, shipped.source
        return "utc", "built in"

    def compile(self, name, overrides=None):
        """The :class:`Profile` ``name`` with ``overrides`` ``{key: (value, label)}``.

        Raises :class:`ProfileError` for a problem in the conf or the lookup and
        :class:`OptionError` naming the label (the option) for a bad override. An unknown
        name is the caller's case. Overrides that change nothing are listed in ``notes``.
        """
        stanza = PROFILE_PREFIX + name
        if name in self._lookup.errors:
            raise ProfileError(self._lookup.errors[name])
        sources = self.sources(name)
        settings = self._lookup.stanzas[stanza] if sources[0] == "lookup" else self._stanzas[stanza]
        for key, setting in settings.items():
            if key not in PROFILE_KEYS:
                raise ProfileError(
                    f"{_where(setting, stanza)}: unknown key {quote(key)} (allowed: {', '.join(PROFILE_KEYS)})"
                )
        if "default" in self._stanzas:
            first = next(iter(self._stanzas["default"].values()))
            raise ProfileError(
                f"{first.source} [default]: keys outside a [profile:<name>] stanza are not "
                "supported; set them in each profile"
            )
        overrides = overrides or {}

        def own(key, parse):
            setting = settings.get(key)
            text = setting.value if setting is not None else DEFAULTS.get(key)
            if text is None:
                return None
            try:
                return parse(text)
            except ValueError as error:
                where = _where(setting, stanza) if setting is not None else f"default [{stanza}]"
                raise ProfileError(f"{where} {key}: {error}") from None

        def value(key, parse):
            if key not in overrides:
                return own(key, parse)
            text, label = overrides[key]
            try:
                return parse(text)
            except ValueError as error:
                raise OptionError(f"{label}: {error}") from None

        zone = value("timezone", resolve_zone)
        locale = value("locale", parse_locale)
        territory = locale[1] if locale else None
        hours = value("hours", parse_hours)
        if "holidays" in overrides or "holidays" in settings:
            codes = value("holidays", lambda text: parse_holiday_codes(text, self._catalog))
        else:
            if territory and not self._catalog.codes():
                raise ProfileError(f"profile {quote(name)}: {calendars_missing_message(territory)}")
            codes = (territory,) if territory in self._catalog.codes() else ()
        own_closures = [self._closures_of(source, stanza, settings) for source in sources]
        try:
            listed = self._catalog.company_closures(name)  # a bad row names its own profile
            self._catalog.check_table(codes)
        except ValueError as error:
            raise ProfileError(str(error)) from None
        company = merge_closures(*own_closures, listed)

        def public_and_company_closures():
            return merge_closures(self._catalog.closures(codes), company)

        calendar = Calendar(hours, Workweek(territory), public_and_company_closures if codes else company,
                            self._catalog.data_years(codes))
        profile = Profile(name, zone, calendar, locale)
        profile.source = sources[0]
        profile.holiday_codes = codes
        profile.company_closures = company
        if overrides:
            profile.notes = self._idle_overrides(name, settings, own, overrides, profile)
        return profile

    def _closures_of(self, source, stanza, effective):
        """The parsed ``closures`` one source sets for a profile (``{}`` when none)."""
        if source == "lookup":
            settings = self._lookup.stanzas.get(stanza, {})
        elif self._layers is not None:
            settings = self._layers.get(source, {}).get(stanza, {})
        else:
            settings = effective
        setting = settings.get("closures")
        if setting is None:
            return {}
        try:
            return parse_closures(setting.value)
        except ValueError as error:
            raise ProfileError(f"{_where(setting, stanza)} closures: {error}") from None

    def _idle_overrides(self, name, settings, own, overrides, profile):
        """Messages for overrides that change nothing in profile ``name``."""
        notes = []

        def idle(key, why):
            text, label = overrides[key]
            option = label.split("=", 1)[0].replace("Invalid ", "")
            notes.append(f"{option}={cut(text)} overrides nothing in profile {quote(name)}: {why}")

        def own_or_none(key, parse):
            try:
                return own(key, parse)
            except ProfileError:
                return None  # the profile's own value is broken: nothing to compare

        if "timezone" in overrides:
            zone = own_or_none("timezone", resolve_zone)
            if zone is not None and zone.name == profile.zone.name:
                idle("timezone", f"its time zone is {zone.name}")
        if "hours" in overrides:
            mine = own_or_none("hours", parse_hours)
            if mine is not None and _same_week(mine, profile.calendar.hours, profile.calendar.workweek):
                idle("hours", "it has these hours")
        if "holidays" in overrides and "holidays" in settings:
            codes = own_or_none("holidays", lambda text: parse_holiday_codes(text, self._catalog))
            if codes is not None and set(codes) == set(profile.holiday_codes):
                idle("holidays", "it uses these holiday calendars")
        if "locale" in overrides:
            mine = own_or_none("locale", parse_locale)
            hours = profile.calendar.hours
            follows_workweek = any(hours.intervals(day, True) != hours.intervals(day, False) for day in range(7))
            holidays_fixed = "holidays" in overrides or "holidays" in settings
            if mine is not None and mine[1] == profile.locale[1]:
                idle("locale", f"its locale's territory is {mine[1]}")
            elif not follows_workweek and holidays_fixed:
                idle("locale", "its hours name their days (not workdays) and its holidays are set; "
                     "only which closed days count as weekend follows the locale")
        return notes


def _same_week(hours, other, workweek):
    """True when two ``hours`` give the same intervals on every weekday under the weekends
    ``workweek`` has had (1970, 2024 and far ahead cover every recorded change)."""
    weekends = {workweek.weekend(number) for number in (0, 20000, 100000)}
    return all(
        hours.intervals(day, day not in weekend) == other.intervals(day, day not in weekend)
        for weekend in weekends for day in range(7)
    )


def _where(setting, stanza):
    """Where a setting is, for a message: ``local/ecrofhours.conf [profile:x]`` or
    ``lookups/ecrofhours_profiles.csv line 3, profile 'x',``."""
    if setting.source.endswith(".conf"):
        return f"{setting.source} [{stanza}]"
    return f"{setting.source}, profile {quote(stanza[len(PROFILE_PREFIX):])},"
