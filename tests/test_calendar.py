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
    result = subprocess.run([sys.executable, str(REPO / "tools" / "gen_territories.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
