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
from .hours import parse_hours
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


class OptionError(ValueError):
    """A command option the search cannot run with; the message names it."""


class Profile:
    """A compiled profile: what every event judged under it shares."""

    __slots__ = ("name", "zone", "calendar", "locale")

    def __init__(self, name, zone, calendar, locale):
        self.name = name
        self.zone = zone
        self.calendar = calendar
        self.locale = locale

    def __repr__(self):
        return f"Profile({self.name!r}, zone={self.zone.name!r})"


def parse_locale(text):
    """``(language or None, territory)`` from ``ll_CC``, ``ll-CC`` or ``CC``."""
    match = re.match(_LOCALE, text.strip())
    territory = match.group(2).upper() if match else None
    if match and not match.group(1) and not match.group(2).isupper():
        territory = None  # "de" is a language, not Germany
    if territory not in TERRITORIES:
        raise ValueError(f"invalid locale {text!r}: expected {LOCALE_FORM}")
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
            raise ValueError(f"unknown holiday calendar {code!r} ({hint}); use codes such as US, DE-BY, or none")
    return codes


class ProfileBook:
    """All profiles of the layered ``ecrofhours.conf``, compiled on demand."""

    def __init__(self, stanzas, catalog):
        self._stanzas = stanzas
        self._catalog = catalog

    def names(self):
        return sorted(s[len(PROFILE_PREFIX):] for s in self._stanzas if s.startswith(PROFILE_PREFIX))

    def default_name(self):
        settings = self._stanzas.get(SETTINGS_STANZA, {})
        for key, setting in settings.items():
            if key not in SETTINGS_KEYS:
                raise ProfileError(
                    f"{setting.source} [{SETTINGS_STANZA}]: unknown key {key!r} "
                    f"(allowed: {', '.join(SETTINGS_KEYS)})"
                )
        setting = settings.get("default_profile")
        return setting.value if setting is not None and setting.value else "utc"

    def has(self, name):
        return PROFILE_PREFIX + name in self._stanzas

    def compile(self, name, overrides=None):
        """The :class:`Profile` ``name`` with ``overrides`` ``{key: (value, label)}``.

        Raises :class:`ProfileError` for a problem in the conf and :class:`OptionError`
        naming the label (the option) for a bad override. An unknown name is the caller's case.
        """
        stanza = PROFILE_PREFIX + name
        settings = self._stanzas[stanza]
        for key, setting in settings.items():
            if key not in PROFILE_KEYS:
                raise ProfileError(
                    f"{setting.source} [{stanza}]: unknown key {key!r} (allowed: {', '.join(PROFILE_KEYS)})"
                )
        if "default" in self._stanzas:
            first = next(iter(self._stanzas["default"].values()))
            raise ProfileError(
                f"{first.source} [default]: keys outside a [profile:<name>] stanza are not "
                "supported; set them in each profile"
            )
        overrides = overrides or {}

        def value(key, parse):
            if key in overrides:
                text, label = overrides[key]
                try:
                    return parse(text)
                except ValueError as error:
                    raise OptionError(f"{label}: {error}") from None
            setting = settings.get(key)
            text = setting.value if setting is not None else DEFAULTS.get(key)
            if text is None:
                return None
            try:
                return parse(text)
            except ValueError as error:
                where = setting.source if setting is not None else "default"
                raise ProfileError(f"{where} [{stanza}] {key}: {error}") from None

        zone = value("timezone", resolve_zone)
        locale = value("locale", parse_locale)
        territory = locale[1] if locale else None
        hours = value("hours", parse_hours)
        if "holidays" in overrides or "holidays" in settings:
            codes = value("holidays", lambda text: parse_holiday_codes(text, self._catalog))
        else:
            codes = (territory,) if territory in self._catalog.codes() else ()
        try:
            listed = self._catalog.company_closures(name)
        except ValueError as error:
            raise ProfileError(f"{error} (profile {name!r})") from None
        company = merge_closures(value("closures", parse_closures) or {}, listed)

        def public_and_company_closures():
            return merge_closures(self._catalog.closures(codes), company)

        calendar = Calendar(hours, Workweek(territory), public_and_company_closures if codes else company)
        return Profile(name, zone, calendar, locale)

