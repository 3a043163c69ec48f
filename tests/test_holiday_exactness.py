"""Every shipped calendar code gives exactly the `holidays` package's calendar for that code.

The expected calendars are computed here from the package itself (public holidays, plus
half-day holidays whose name states the hour they start), never from the generator's
table format: a subdivision is its own calendar, not its country's plus extras.
"""
import csv
import warnings
from datetime import date, datetime

import pytest

from conftest import REPO
from offhours import Annotator, open_profiles
from offhours.calendar import date_of
from offhours.holidays import HolidayCatalog
from harness.scpv2 import run_command

holidays = pytest.importorskip("holidays")
from holidays.constants import HALF_DAY, HOLIDAY_NAME_DELIMITER  # noqa: E402

YEARS = range(2015, 2041)
LOOKUPS = REPO / "lookups"


def shipped_calendars():
    """``{code: (first_year, last_year)}`` as the shipped calendar index lists them."""
    with open(LOOKUPS / "ecrofhours_holiday_calendars.csv", encoding="utf-8", newline="") as handle:
        return {row["calendar"]: (int(row["first_year"]), int(row["last_year"])) for row in csv.DictReader(handle)}


def starting_second(name):
    """Seconds from midnight at which a holiday named "... (from 1pm)" starts, None if unstated."""
    opening = name.find("(from ")
    closing = name.find(")", opening)
    if opening < 0 or closing < 0:
        return None
    stated = name[opening + len("(from "):closing].replace(" ", "").upper()
    for form in ("%I%p", "%I:%M%p"):
        try:
            moment = datetime.strptime(stated, form)
        except ValueError:
            continue
        return moment.hour * 3600 + moment.minute * 60
    return None


def package_calendar(code):
    """``{(date, name, closes_at)}`` of ``code`` over YEARS, straight from the package: its
    public holidays (all day unless the name states an hour) and half-day holidays that
    state their hour; names in English where the package offers them."""
    country, _, subdivision = code.partition("-")
    probe = holidays.country_holidays(country, years=[])
    language = "en_US" if "en_US" in probe.supported_languages else None

    def entries(**categories):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "available only from ... to ...": fewer years
            calendar = holidays.country_holidays(
                country, subdiv=subdivision or None, years=YEARS, language=language, **categories)
        for day, names in calendar.items():
            for name in names.split(HOLIDAY_NAME_DELIMITER):
                yield day, name, starting_second(name)

    days = {(day, name, closes_at or 0) for day, name, closes_at in entries()}
    if HALF_DAY in probe.supported_categories:
        days |= {entry for entry in entries(categories=(HALF_DAY,)) if entry[2] is not None}
    return days


def engine_calendar(catalog, code):
    """``{(date, name, closes_at)}`` the engine's HolidayCatalog gives for ``code``."""
    return {
        (date_of(number), name, closure.closes_at)
        for number, closures in catalog.closures([code]).items()
        for closure in closures
        for name in closure.name.split(HOLIDAY_NAME_DELIMITER)
    }


CODES = sorted(shipped_calendars())


@pytest.fixture(scope="module")
def catalog():
    catalog = HolidayCatalog(str(LOOKUPS))
    catalog.closures(CODES)  # one read of the table for every code
    return catalog


def test_every_country_and_the_subdivisions_users_need_are_shipped():
    countries = holidays.list_supported_countries(include_aliases=False)
    assert {code for code in CODES if "-" not in code} <= set(countries)
    assert len(CODES) > 400 and sum("-" in code for code in CODES) >= 170


@pytest.mark.parametrize("code", CODES)
def test_calendar_is_the_packages_own(catalog, code):
    expected, got = package_calendar(code), engine_calendar(catalog, code)
    assert expected, f"{code}: the package has no holidays in {YEARS.start}-{YEARS.stop - 1}"
    assert got == expected, (
        f"{code}: not in the package: {sorted(got - expected)[:5]}; missing: {sorted(expected - got)[:5]}")
    years = sorted({day.year for day, _, _ in expected})
    assert shipped_calendars()[code] == (years[0], years[-1])


# --- The two cases of the issue, through the engine and through the protocol -----------------

COLUMBUS_DAY_IN_LOS_ANGELES = "1760374800"  # Monday 2025-10-13 10:00 PDT
CALIFORNIA = ["tz=America/Los_Angeles", "holidays=US-CA", "hours=mon-fri 09:00-17:00"]
AUSTRALIA_DAY_SUNDAY_IN_SYDNEY = "1737846000"  # Sunday 2025-01-26 10:00 AEDT
NEW_SOUTH_WALES = ["tz=Australia/Sydney", "holidays=AU-NSW", "hours=workdays 09:00-17:00"]


def options(args):
    return dict(arg.split("=", 1) for arg in args)


def test_the_instants_are_the_local_times_named():
    from zoneinfo import ZoneInfo

    assert datetime.fromtimestamp(int(COLUMBUS_DAY_IN_LOS_ANGELES), ZoneInfo("America/Los_Angeles")) == \
        datetime(2025, 10, 13, 10, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert datetime.fromtimestamp(int(AUSTRALIA_DAY_SUNDAY_IN_SYDNEY), ZoneInfo("Australia/Sydney")) == \
        datetime(2025, 1, 26, 10, tzinfo=ZoneInfo("Australia/Sydney"))


def test_california_does_not_keep_columbus_day():
    assert "Columbus Day" in holidays.US(years=2025).get_list(date(2025, 10, 13))
    assert date(2025, 10, 13) not in holidays.country_holidays("US", subdiv="CA", years=2025)
    fields = Annotator(open_profiles(str(REPO)), options(CALIFORNIA)).annotate(COLUMBUS_DAY_IN_LOS_ANGELES)
    assert (fields["off_hours"], fields["off_hours_reason"], fields["holiday_name"]) == ("0", "business_hours", "")


def test_new_south_wales_keeps_australia_day_2025_on_the_monday():
    annotator = Annotator(open_profiles(str(REPO)), options(NEW_SOUTH_WALES))
    sunday = annotator.annotate(AUSTRALIA_DAY_SUNDAY_IN_SYDNEY)
    monday = annotator.annotate(str(int(AUSTRALIA_DAY_SUNDAY_IN_SYDNEY) + 86400))
    assert (sunday["off_hours_reason"], sunday["holiday_name"]) == ("weekend", "")
    assert (monday["off_hours_reason"], monday["holiday_name"]) == ("holiday", "Australia Day")


def test_the_subdivisions_own_name_is_given():
    """Washington's Birthday is "Presidents' Day" in California, and only that."""
    presidents_day = "1739811600"  # Monday 2025-02-17 09:00 PST
    fields = Annotator(open_profiles(str(REPO)), options(CALIFORNIA)).annotate(presidents_day)
    assert fields["holiday_name"] == holidays.country_holidays("US", subdiv="CA", years=2025)[date(2025, 2, 17)]


@pytest.mark.parametrize("args, instant, expected", [
    (CALIFORNIA, COLUMBUS_DAY_IN_LOS_ANGELES, ("0", "business_hours", None)),
    (NEW_SOUTH_WALES, AUSTRALIA_DAY_SUNDAY_IN_SYDNEY, ("1", "weekend", None)),
], ids=["US-CA-columbus-day", "AU-NSW-australia-day-sunday"])
def test_subdivision_cases_through_the_protocol(splunk_python, args, instant, expected):
    session = run_command(splunk_python, args, [{"_time": instant}])
    assert session.returncode == 0 and session.messages == []
    record = session.records[0]
    assert (record["off_hours"], record["off_hours_reason"], record.get("holiday_name")) == expected
