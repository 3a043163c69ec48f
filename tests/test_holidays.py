"""Public holidays: the shipped lookups against the `holidays` package, through the engine."""
import random
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest

from conftest import REPO
from offhours import Annotator, open_profiles
from offhours.conffile import read_layered_conf
from offhours.holidays import HolidayCatalog
from offhours.profiles import ProfileBook

holidays = pytest.importorskip("holidays")

# Calendar, a zone of it, and a locale: noon there is judged.
CALENDARS = {
    "US": ("America/New_York", "en_US"),
    "DE-BY": ("Europe/Berlin", "de_DE"),
    "GB": ("Europe/London", "en_GB"),
    "JP": ("Asia/Tokyo", "ja_JP"),
    "IN": ("Asia/Kolkata", "hi_IN"),
    "FR": ("Europe/Paris", "fr_FR"),
    "SA": ("Asia/Riyadh", "ar_SA"),
}
YEARS = range(2024, 2028)


@pytest.fixture(scope="module")
def book():
    return open_profiles(str(REPO))


def package_holidays(code):
    country, _, subdivision = code.partition("-")
    probe = holidays.country_holidays(country, years=[])
    language = "en_US" if "en_US" in probe.supported_languages else None
    return holidays.country_holidays(country, subdiv=subdivision or None, years=YEARS, language=language)


def at_local(zone, day, hour, minute=0):
    """Epoch seconds of a local wall time, computed with the standard library (zoneinfo)."""
    from zoneinfo import ZoneInfo

    return str(int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp()))


@pytest.mark.parametrize("code", sorted(CALENDARS))
def test_every_package_holiday_is_a_holiday_at_local_noon(book, code):
    zone, locale = CALENDARS[code]
    annotator = Annotator(book, {"tz": zone, "locale": locale, "holidays": code, "hours": "00:00-24:00"})
    expected = package_holidays(code)
    assert len(expected) >= 4 * 5
    for day, name in sorted(expected.items()):
        fields = annotator.annotate(at_local(zone, day, 12))
        assert (fields["off_hours"], fields["off_hours_reason"]) == ("1", "holiday"), (day, name)
        for part in name.split("; "):
            assert part in fields["holiday_name"], (day, name, fields["holiday_name"])


@pytest.mark.parametrize("code", sorted(CALENDARS))
def test_ordinary_workdays_are_not_holidays(book, code):
    zone, locale = CALENDARS[code]
    annotator = Annotator(book, {"tz": zone, "locale": locale, "holidays": code, "hours": "workdays 09:00-17:00"})
    known = set(package_holidays(code))
    rng = random.Random(code)
    checked = 0
    while checked < 40:
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        fields = annotator.annotate(at_local(zone, day, 12))
        if day in known or fields["off_hours_reason"] == "weekend":
            continue
        assert (fields["off_hours"], fields["holiday_name"]) == ("0", ""), day
        checked += 1


def test_the_locale_brings_its_territory_calendar_unless_holidays_is_set(book):
    christmas = at_local("Europe/Berlin", date(2025, 12, 25), 12)
    assert Annotator(book, {"profile": "berlin"}).annotate(christmas)["off_hours_reason"] == "holiday"
    utc = Annotator(book, {"locale": "de_DE"}).annotate(christmas)   # utc sets holidays = none
    assert utc["off_hours_reason"] == "business_hours"


def test_a_subdivision_has_its_own_days(book):
    """Bavaria keeps Epiphany, Berlin does not (tests/test_holiday_exactness.py checks every code)."""
    epiphany = at_local("Europe/Berlin", date(2025, 1, 6), 12)
    assert Annotator(book, {"profile": "berlin", "holidays": "DE-BY"}).annotate(epiphany)["holiday_name"] == "Epiphany"
    assert Annotator(book, {"profile": "berlin", "holidays": "DE-BE"}).annotate(epiphany)["holiday_name"] == ""


def test_half_day_holiday_closes_at_its_time(book):
    annotator = Annotator(book, {"tz": "Atlantic/Reykjavik", "holidays": "IS", "hours": "workdays 09:00-17:00"})
    morning = annotator.annotate(at_local("Atlantic/Reykjavik", date(2025, 12, 24), 11))
    afternoon = annotator.annotate(at_local("Atlantic/Reykjavik", date(2025, 12, 24), 13))
    assert (morning["off_hours_reason"], morning["holiday_name"]) == ("business_hours", "Christmas Eve (from 1pm)")
    assert (afternoon["off_hours"], afternoon["off_hours_reason"]) == ("1", "holiday")


def test_calendars_are_read_when_the_first_event_is_judged():
    catalog = HolidayCatalog(str(REPO / "lookups"))
    annotator = Annotator(ProfileBook(read_layered_conf(str(REPO), "ecrofhours"), catalog), {"holidays": "US"})
    assert catalog._loaded == {}            # getinfo (prepare) reads only the small index
    annotator.annotate(at_local("UTC", date(2025, 7, 4), 12))
    assert list(catalog._loaded) == ["US"]


def test_a_subdivision_is_read_with_its_country_once():
    catalog = HolidayCatalog(str(REPO / "lookups"))
    california = catalog.closures(["US-CA"])
    assert sorted(catalog._loaded) == ["US", "US-CA"]
    catalog.closures(["US-TX"])
    assert sorted(catalog._loaded) == ["US", "US-CA", "US-TX"]
    assert catalog.closures(["US-CA"]) == california


def test_lookups_regenerate_identically():
    result = subprocess.run([sys.executable, str(REPO / "tools" / "generate" / "gen_holidays.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("country, subdivisions", [
    ("US", 50), ("DE", 16), ("CA", 13), ("AU", 8), ("GB", 4), ("IN", 28), ("CH", 26), ("ES", 17)])
def test_subdivisions_users_need_are_shipped(country, subdivisions):
    codes = HolidayCatalog(str(REPO / "lookups")).codes()
    assert len([c for c in codes if c.startswith(country + "-")]) >= subdivisions



class TestCompanyClosuresLookup:
    """lookups/ecrofhours_company_closures.csv: admins' closures per profile, no conf edit."""

    @staticmethod
    def app(tmp_path, rows):
        (tmp_path / "default").mkdir()
        (tmp_path / "lookups").mkdir()
        (tmp_path / "default" / "ecrofhours.conf").write_text(
            "[profile:ops]\ntimezone = Europe/Berlin\nhours = mon-fri 08:00-18:00\n"
            "[profile:dev]\ntimezone = Europe/Berlin\nhours = mon-fri 08:00-18:00\n")
        (tmp_path / "lookups" / "ecrofhours_company_closures.csv").write_text(rows)
        return open_profiles(str(tmp_path))

    def test_rows_for_the_profile_and_for_all_profiles_apply(self, tmp_path):
        book = self.app(tmp_path, "profile,date,closes_at,name\n"
                                  "ops,2025-06-02,,Offsite\n"
                                  "*,2025-06-03,12:00,Summer party\n"
                                  "dev,2025-06-04,,Hackathon\n")
        ops = Annotator(book, {"profile": "ops"})
        offsite = ops.annotate(at_local("Europe/Berlin", date(2025, 6, 2), 10))
        party_morning = ops.annotate(at_local("Europe/Berlin", date(2025, 6, 3), 11))
        party = ops.annotate(at_local("Europe/Berlin", date(2025, 6, 3), 13))
        hackathon = ops.annotate(at_local("Europe/Berlin", date(2025, 6, 4), 10))
        assert (offsite["off_hours_reason"], offsite["holiday_name"]) == ("holiday", "Offsite")
        assert (party_morning["off_hours_reason"], party["off_hours_reason"]) == ("business_hours", "holiday")
        assert party["holiday_name"] == "Summer party"
        assert (hackathon["off_hours_reason"], hackathon["holiday_name"]) == ("business_hours", "")

    def test_a_nameless_row_is_a_company_closure(self, tmp_path):
        book = self.app(tmp_path, "date,profile\n2025-06-02,ops\n")
        fields = Annotator(book, {"profile": "ops"}).annotate(at_local("Europe/Berlin", date(2025, 6, 2), 10))
        assert fields["holiday_name"] == "Company closure"

    def test_a_bad_row_names_the_lookup_and_line(self, tmp_path):
        book = self.app(tmp_path, "profile,date,closes_at,name\nops,2025-06-02,,Offsite\nops,2025-13-01,,Oops\n")
        with pytest.raises(ValueError, match=r"^lookups/ecrofhours_company_closures.csv line 3 \(profile 'ops'\): "
                                             r"invalid closure '2025-13-01'"):
            Annotator(book, {"profile": "ops"})

    def test_missing_columns(self, tmp_path):
        book = self.app(tmp_path, "team,day\nops,2025-06-02\n")
        with pytest.raises(ValueError, match="needs the columns profile, date"):
            Annotator(book, {"profile": "ops"})


def test_a_subdivision_row_replaces_or_removes_its_countrys_day(tmp_path):
    """The table's format: on a date a subdivision lists, its rows replace its country's;
    an empty name means it keeps none of them."""
    (tmp_path / "ecrofhours_holiday_calendars.csv").write_text(
        "calendar,parent,description,first_year,last_year\nXX,,Land,2025,2025\nXX-A,XX,Land: A,2025,2025\n")
    (tmp_path / "ecrofhours_public_holidays.csv").write_text(
        "calendar,date,name,closes_at\n"
        "XX,2025-01-01,New Year,\nXX,2025-02-01,Founders,\nXX,2025-03-01,Spring,\nXX,2025-12-24,Eve,13:00\n"
        "XX-A,2025-02-01,,\nXX-A,2025-03-01,Spring (A),\nXX-A,2025-03-01,Saint A,\nXX-A,2025-04-01,Own,\n")
    catalog = HolidayCatalog(str(tmp_path))

    def days(code):
        return {str(date.fromordinal(n + date(1970, 1, 1).toordinal())): sorted((c.name, c.closes_at) for c in cs)
                for n, cs in catalog.closures([code]).items()}

    assert days("XX-A") == {"2025-01-01": [("New Year", 0)], "2025-03-01": [("Saint A", 0), ("Spring (A)", 0)],
                            "2025-04-01": [("Own", 0)], "2025-12-24": [("Eve", 13 * 3600)]}
    assert days("XX") == {"2025-01-01": [("New Year", 0)], "2025-02-01": [("Founders", 0)],
                          "2025-03-01": [("Spring", 0)], "2025-12-24": [("Eve", 13 * 3600)]}
    assert catalog.data_years(["XX-A"]) == {"XX-A": (2025, 2025)}
