"""Workweeks by territory and date, and the shipped CLDR data's freshness."""
import subprocess
import sys
from datetime import date

import pytest

from conftest import REPO
from offhours.calendar import Workweek, day_number, parse_closures

THU, FRI, SAT, SUN, MON = "thu", "fri", "sat", "sun", "mon"
NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekend(territory, on="2024-06-05"):
    days = Workweek(territory).weekend(day_number(date.fromisoformat(on)))
    return {NAMES[d] for d in days}


@pytest.mark.parametrize("territory, expected", [
    (None, {SAT, SUN}),
    ("US", {SAT, SUN}),
    ("DE", {SAT, SUN}),
    ("IL", {FRI, SAT}),
    ("EG", {FRI, SAT}),
    ("AF", {THU, FRI}),
    ("IR", {FRI}),
    ("IN", {SUN}),
    ("UG", {SUN}),
    ("AE", {SAT, SUN}),
    ("SA", {FRI, SAT}),
    ("BN", {FRI, SUN}),     # not contiguous: Saturday is a workday
    ("BD", {FRI, SAT}),     # the law, not CLDR
])
def test_current_weekends(territory, expected):
    assert weekend(territory) == expected


@pytest.mark.parametrize("territory, on, expected", [
    ("SA", "2013-06-27", {THU, FRI}),
    ("SA", "2013-06-28", {THU, FRI}),
    ("SA", "2013-06-29", {FRI, SAT}),
    ("AE", "2006-08-31", {FRI, SAT}),
    ("AE", "2021-12-31", {FRI, SAT}),
    ("AE", "2022-01-01", {SAT, SUN}),
])
def test_weekends_that_changed_by_date(territory, on, expected):
    assert weekend(territory, on) == expected


def test_unknown_territory():
    with pytest.raises(ValueError, match="unknown territory 'XX'"):
        Workweek("XX")


def test_closures_parse():
    closures = parse_closures("2024-12-24 12:00, 2024-12-31")
    assert {n: [c.closes_at for c in cs] for n, cs in closures.items()} == {
        day_number(date(2024, 12, 24)): [12 * 3600],
        day_number(date(2024, 12, 31)): [0],
    }


@pytest.mark.parametrize("text", ["2024-12-32", "24-12-2024", "2024-12-24 25:00", "2024-12-24T12:00"])
def test_bad_closures(text):
    with pytest.raises(ValueError, match="invalid closure"):
        parse_closures(text)


def test_shipped_territory_data_regenerates_identically():
    pytest.importorskip("babel")
    result = subprocess.run([sys.executable, str(REPO / "tools" / "generate" / "gen_territories.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_days_outside_the_holiday_data_years_are_noted_once_per_calendar_and_side():
    from offhours.calendar import Calendar
    from offhours.hours import parse_hours

    calendar = Calendar(parse_hours("mon-fri 09:00-17:00"), Workweek(), {},
                        {"UA": (2015, 2022), "US": (2015, 2040)})
    for day in ("2015-01-01", "2022-12-31"):
        calendar.check_data_years(day_number(date.fromisoformat(day)))
    assert calendar.take_notes() == []
    for day in ("2023-01-01", "2023-06-01", "2041-01-01", "2014-12-31", "2099-01-01"):
        calendar.check_data_years(day_number(date.fromisoformat(day)))
    assert [note.split(":")[0] for note in calendar.take_notes()] == [
        "Holiday calendar UA has data up to 2022 only",   # 2023-01-01
        "Holiday calendar US has data up to 2040 only",   # 2041-01-01
        "Holiday calendar UA has data from 2015 only",    # 2014-12-31
        "Holiday calendar US has data from 2015 only",
    ]
    calendar.check_data_years(day_number(date(2050, 1, 1)))
    assert calendar.take_notes() == []


def test_a_calendar_without_holiday_data_never_notes():
    from offhours.calendar import Calendar
    from offhours.hours import parse_hours

    calendar = Calendar(parse_hours("mon-fri 09:00-17:00"), Workweek(), {})
    calendar.check_data_years(day_number(date(2999, 1, 1)))
    assert calendar.take_notes() == []
