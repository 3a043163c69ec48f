"""Profiles: layering, explicit keys, and errors that name the conf file and stanza."""
import pytest

from conftest import REPO
from offhours.conffile import read_layered_conf
from offhours.holidays import HolidayCatalog
from offhours.profiles import OptionError, ProfileBook, ProfileError, parse_locale

SHIPPED = """
[settings]
default_profile = utc

[profile:utc]
timezone = UTC
hours = mon-fri 08:00-20:00
holidays = none

[profile:berlin]
timezone = Europe/Berlin
locale = de_DE
hours = mon-fri 08:00-18:00
"""


@pytest.fixture
def app(tmp_path):
    """An app with the shipped holiday lookups."""
    (tmp_path / "default").mkdir()
    (tmp_path / "local").mkdir()
    (tmp_path / "lookups").mkdir()
    (tmp_path / "default" / "ecrofhours.conf").write_text(SHIPPED)
    for lookup in ("ecrofhours_holiday_calendars.csv", "ecrofhours_public_holidays.csv"):
        (tmp_path / "lookups" / lookup).write_bytes((REPO / "lookups" / lookup).read_bytes())
    return tmp_path


def book(app, local=""):
    (app / "local" / "ecrofhours.conf").write_text(local)
    return ProfileBook(read_layered_conf(str(app), "ecrofhours"), HolidayCatalog(str(app / "lookups")))


def test_shipped_default_profile(app):
    profiles = book(app)
    assert profiles.default_name() == "utc"
    assert profiles.names() == ["berlin", "utc"]
    utc = profiles.compile("utc")
    assert (utc.zone.name, utc.calendar.hours.intervals(0, True)) == ("UTC", ((8 * 3600, 20 * 3600),))


def test_local_overrides_one_key_and_keeps_the_others(app):
    berlin = book(app, "[profile:berlin]\nhours = mon-thu 09:00-17:00\n").compile("berlin")
    assert berlin.zone.name == "Europe/Berlin"
    assert berlin.calendar.hours.intervals(4, True) == ()


def test_local_adds_a_profile_and_changes_the_default(app):
    profiles = book(app, "[settings]\ndefault_profile = ops\n[profile:ops]\ntimezone = Asia/Tokyo\n")
    assert profiles.default_name() == "ops"
    ops = profiles.compile("ops")
    assert ops.zone.name == "Asia/Tokyo"
    assert ops.calendar.hours.intervals(0, True) == ((8 * 3600, 20 * 3600),)  # default hours


@pytest.mark.parametrize("local, message", [
    ("[profile:berlin]\ntmezone = Europe/Paris\n",
     "local/ecrofhours.conf [profile:berlin]: unknown key 'tmezone' "
     "(allowed: closures, holidays, hours, locale, timezone)"),
    ("[profile:berlin]\ntimezone = Europe/Pariss\n",
     "local/ecrofhours.conf [profile:berlin] timezone: unknown time zone 'Europe/Pariss'"),
    ("[profile:berlin]\nhours = mon-fri 8-18\n",
     "local/ecrofhours.conf [profile:berlin] hours: invalid time '8'"),
    ("[profile:berlin]\nlocale = german\n",
     "local/ecrofhours.conf [profile:berlin] locale: invalid locale 'german'"),
    ("[profile:berlin]\nholidays = DE-XX\n",
     "local/ecrofhours.conf [profile:berlin] holidays: unknown holiday calendar 'DE-XX'"),
    ("[profile:berlin]\nclosures = 2024-13-01\n",
     "local/ecrofhours.conf [profile:berlin] closures: invalid closure '2024-13-01'"),
    ("stray = 1\n",
     "local/ecrofhours.conf [default]: keys outside a [profile:<name>] stanza are not supported"),
])
def test_profile_errors_name_file_and_stanza(app, local, message):
    with pytest.raises(ProfileError) as error:
        book(app, local).compile("berlin")
    assert str(error.value).startswith(message)


def test_a_broken_profile_does_not_break_the_others(app):
    profiles = book(app, "[profile:berlin]\ntmezone = x\n")
    assert profiles.compile("utc").zone.name == "UTC"


def test_settings_typo(app):
    with pytest.raises(ProfileError, match=r"local/ecrofhours.conf \[settings\]: unknown key 'default_profle'"):
        book(app, "[settings]\ndefault_profle = berlin\n").default_name()


def test_overrides_change_only_their_key(app):
    utc = book(app).compile("utc", {"locale": ("IL", "Invalid locale=IL")})
    # utc names its days (mon-fri) and sets holidays = none: the locale changes neither.
    assert utc.calendar.hours.intervals(6, False) == ()
    assert utc.calendar.closures == {}
    assert utc.calendar.workweek.territory == "IL"


def test_bad_override_names_the_option(app):
    with pytest.raises(OptionError, match=r"^Invalid tz=Mars/Base: unknown time zone 'Mars/Base'"):
        book(app).compile("utc", {"timezone": ("Mars/Base", "Invalid tz=Mars/Base")})


@pytest.mark.parametrize("text, expected", [
    ("de_DE", ("de", "DE")), ("de-DE", ("de", "DE")), ("DE", (None, "DE")),
    ("ar_sa", ("ar", "SA")), ("fil_PH", ("fil", "PH")),
])
def test_locales(text, expected):
    assert parse_locale(text) == expected


@pytest.mark.parametrize("text", ["XX", "EU", "de", "de_DE_x", "german", "", "d1_DE"])
def test_bad_locales(text):
    with pytest.raises(ValueError, match="expected ll_CC, ll-CC or CC"):
        parse_locale(text)


def test_a_locale_without_the_calendar_index_stops_its_profile(app):
    """Left out of the knowledge bundle, the index would silently take a locale's holidays away."""
    (app / "lookups" / "ecrofhours_holiday_calendars.csv").unlink()
    with pytest.raises(ProfileError, match="ecrofhours_holiday_calendars.csv is missing on this Splunk instance"):
        book(app).compile("berlin")
    assert book(app).compile("utc").zone.name == "UTC"  # holidays = none: nothing to know
