"""Zone resolution and the transition-table conversions, with named DST cases."""
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
import pytz

from conftest import REPO
from offhours import zones as engine_zones
from offhours.zones import resolve_zone


def epoch(iso):
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def wall(iso):
    """Wall seconds of a naive local ISO time."""
    return int(datetime.fromisoformat(iso).replace(tzinfo=timezone.utc).timestamp())


@pytest.mark.parametrize("spelling, name", [
    ("Europe/Berlin", "Europe/Berlin"),
    ("europe/berlin", "Europe/Berlin"),
    ("AMERICA/NEW_YORK", "America/New_York"),
    ("US/Eastern", "US/Eastern"),           # links keep their own name
    ("utc", "UTC"),
    ("+05:30", "+05:30"),
    ("+0545", "+05:45"),
    ("-03:00", "-03:00"),
    ("+00:00", "+00:00"),
    (" Asia/Tokyo ", "Asia/Tokyo"),
])
def test_spellings(spelling, name):
    assert resolve_zone(spelling).name == name


@pytest.mark.parametrize("spelling, fragment", [
    ("Europe/Berln", "unknown time zone 'Europe/Berln'"),
    ("", "unknown time zone ''"),
    ("+05:60", "minutes must be 00-59"),
    ("+19:00", "within -18:00..+18:00"),
    ("../../etc/passwd", "unknown time zone"),
    ("EST5EDT,M3.2.0,M11.1.0", "unknown time zone"),
])
def test_bad_zones(spelling, fragment):
    with pytest.raises(ValueError, match=fragment.replace("+", r"\+").replace(".", r"\.")):
        resolve_zone(spelling)


@pytest.mark.parametrize("zone, iso_utc, offset_hours", [
    ("America/New_York", "2024-03-10T06:59:59Z", -5),   # last second of EST
    ("America/New_York", "2024-03-10T07:00:00Z", -4),   # spring forward: 02:00 -> 03:00
    ("America/New_York", "2024-11-03T05:59:59Z", -4),
    ("America/New_York", "2024-11-03T06:00:00Z", -5),   # fall back: 02:00 -> 01:00
    ("Europe/Berlin", "2024-03-31T00:59:59Z", 1),
    ("Europe/Berlin", "2024-03-31T01:00:00Z", 2),
    ("Europe/Berlin", "2024-10-27T01:00:00Z", 1),
    ("Asia/Kathmandu", "2024-01-15T02:15:00Z", 5.75),
    ("Asia/Kathmandu", "1985-12-31T12:00:00Z", 5.5),    # +05:45 only since 1986
    ("Australia/Lord_Howe", "2024-04-06T14:59:59Z", 11),   # 30-minute DST
    ("Australia/Lord_Howe", "2024-04-06T15:00:00Z", 10.5),
    ("Australia/Lord_Howe", "2024-10-05T15:30:00Z", 11),
    ("America/Goose_Bay", "1990-04-01T04:01:00Z", -3),  # transitions at hh:01 until 2010
    ("America/Goose_Bay", "1990-04-01T04:00:59Z", -4),
    ("UTC", "1970-01-01T00:00:00Z", 0),
])
def test_utc_offset(zone, iso_utc, offset_hours):
    assert resolve_zone(zone).utc_offset(epoch(iso_utc)) == offset_hours * 3600


@pytest.mark.parametrize("zone, local, iso_utc", [
    ("America/New_York", "2024-03-10T01:59:59", "2024-03-10T06:59:59Z"),
    ("America/New_York", "2024-03-10T02:30:00", "2024-03-10T07:30:00Z"),  # gap: offset before (EST)
    ("America/New_York", "2024-03-10T03:00:00", "2024-03-10T07:00:00Z"),
    ("America/New_York", "2024-11-03T01:30:00", "2024-11-03T05:30:00Z"),  # fold: first (EDT)
    ("America/New_York", "2024-11-03T02:00:00", "2024-11-03T07:00:00Z"),
    ("Europe/Berlin", "2024-03-31T02:30:00", "2024-03-31T01:30:00Z"),     # gap
    ("Europe/Berlin", "2024-10-27T02:30:00", "2024-10-27T00:30:00Z"),     # fold
    ("Australia/Lord_Howe", "2024-04-07T01:45:00", "2024-04-06T14:45:00Z"),  # fold of 30 min
    ("Australia/Lord_Howe", "2024-10-06T02:15:00", "2024-10-05T15:45:00Z"),  # gap of 30 min
    ("+05:45", "2024-01-15T08:00:00", "2024-01-15T02:15:00Z"),
])
def test_utc_of_wall_takes_the_offset_before_a_transition(zone, local, iso_utc):
    assert resolve_zone(zone).utc_of_wall(wall(local)) == epoch(iso_utc)


def test_offsets_match_plain_pytz_conversion_at_every_new_york_transition():
    zone, tz = resolve_zone("America/New_York"), pytz.timezone("America/New_York")
    for moment in tz._utc_transition_times[1:]:
        t = int(moment.replace(tzinfo=timezone.utc).timestamp())
        for second in (t - 1, t, t + 1):
            expected = datetime.fromtimestamp(second, tz).utcoffset().total_seconds()
            assert zone.utc_offset(second) == expected, second


def test_out_of_order_lookups_do_not_reuse_a_stale_interval():
    zone = resolve_zone("Europe/Berlin")
    summer, winter = epoch("2024-07-01T12:00:00Z"), epoch("2024-01-01T12:00:00Z")
    assert [zone.utc_offset(t) for t in (summer, winter, summer, winter)] == [7200, 3600, 7200, 3600]


# --- After 2037: the zone files' 64-bit data and footer rules ----------------------------------


@pytest.mark.parametrize("zone, iso_utc, offset_hours", [
    ("America/New_York", "2040-07-02T12:30:00Z", -4),       # pytz alone: -5 for ever after 2037
    ("America/New_York", "2040-03-11T06:59:59Z", -5),
    ("America/New_York", "2040-03-11T07:00:00Z", -4),
    ("America/New_York", "2099-11-01T05:59:59Z", -4),
    ("America/New_York", "2099-11-01T06:00:00Z", -5),
    ("Europe/Berlin", "2038-06-15T12:00:00Z", 2),
    ("Europe/Berlin", "2038-01-19T03:14:08Z", 1),           # the first second past 32-bit time
    ("Australia/Sydney", "2050-07-01T00:00:00Z", 10),       # pytz alone: summer time for ever
    ("Australia/Sydney", "2050-01-01T00:00:00Z", 11),
    ("Australia/Lord_Howe", "2045-07-01T00:00:00Z", 10.5),  # 30-minute DST
    ("Australia/Lord_Howe", "2045-12-01T00:00:00Z", 11),
    ("Europe/Dublin", "2086-10-27T00:59:59Z", 1),           # negative DST: winter is the "daylight" part
    ("Europe/Dublin", "2086-10-27T01:00:00Z", 0),
    ("America/Nuuk", "2060-07-01T00:00:00Z", -1),           # DST from -01:00 local (a negative rule time)
    ("America/Nuuk", "2060-01-01T00:00:00Z", -2),
    ("Asia/Jerusalem", "2070-04-01T00:00:00Z", 3),          # starts the Friday before the last Sunday
    ("Asia/Tokyo", "2090-07-01T00:00:00Z", 9),              # no DST: the table's last offset stays
])
def test_utc_offset_after_2037(zone, iso_utc, offset_hours):
    assert resolve_zone(zone).utc_offset(epoch(iso_utc)) == offset_hours * 3600


@pytest.mark.parametrize("zone, local, iso_utc", [
    ("America/New_York", "2040-03-11T02:30:00", "2040-03-11T07:30:00Z"),   # gap: offset before (EST)
    ("America/New_York", "2040-11-04T01:30:00", "2040-11-04T05:30:00Z"),   # fold: first (EDT)
    ("Australia/Lord_Howe", "2045-04-02T01:45:00", "2045-04-01T14:45:00Z"),  # fold of 30 min
    ("Europe/Berlin", "2037-10-25T02:30:00", "2037-10-25T00:30:00Z"),     # fold at pytz's last transition
    ("Europe/Berlin", "2038-03-28T02:30:00", "2038-03-28T01:30:00Z"),     # the footer's first gap
])
def test_utc_of_wall_after_2037(zone, local, iso_utc):
    assert resolve_zone(zone).utc_of_wall(wall(local)) == epoch(iso_utc)


def test_explicit_transitions_after_2037_are_read_from_the_64_bit_data():
    """Gaza's file lists Ramadan changes beyond 2037 that no footer rule can give."""
    from oracle import file_transitions, utc_offset

    later = [t for t in file_transitions("Asia/Gaza") if t > 2**31]
    assert len(later) > 20
    zone = resolve_zone("Asia/Gaza")
    for t in later:
        for second in (t - 1, t, t + 1):
            assert zone.utc_offset(second) == utc_offset("Asia/Gaza", second), second


def test_the_last_years_cost_no_more_memory_than_the_first():
    """Beyond the table the rule is evaluated per year, in a window that is replaced, not grown."""
    zone = resolve_zone("America/Los_Angeles")
    last = 253402300799 - 20 * 86400   # late 9999, the latest instant the command judges
    assert zone.utc_offset(last) == -8 * 3600
    assert zone.utc_of_wall(last - 8 * 3600) == last
    zone.utc_offset(epoch("2040-07-01T00:00:00Z"))
    assert len(zone._window[0]) <= 8


# --- Zone names at getinfo, without importing pytz ----------------------------------------------

ZONEINFO = os.path.join(os.path.dirname(pytz.__file__), "zoneinfo")


def zone_files():
    found = set()
    for folder, _, files in os.walk(ZONEINFO):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                if handle.read(4) == b"TZif":
                    found.add(os.path.relpath(path, ZONEINFO).replace(os.sep, "/"))
    return found


def test_every_zone_file_but_the_unlisted_is_a_pytz_zone():
    """The invariant the getinfo shortcut rests on, for the pytz the engine runs on."""
    assert zone_files() - engine_zones.UNLISTED_ZONE_FILES == set(pytz.all_timezones)


ODD_SPELLINGS = [
    "europe/berlin", "EUROPE/BERLIN", "Europe/berlin", "america/New_York", "Factory", "zone.tab", "tzdata.zi",
    "iso3166.tab", "leapseconds", "Europe", "Europe/", "/Europe/Berlin", "Europe//Berlin", "Europe/Berlin/",
    "../zoneinfo/UTC", "Europe/../UTC", "./UTC", "", "Mars/Base", "posixrules", "Europe/Berlin\n", " UTC",
]


def test_a_zone_file_name_is_pytz_s_own_spelling():
    """Every pytz name is found as itself; nothing else is found (pytz's list decides those)."""
    wrong = [s for s in pytz.all_timezones if engine_zones._zone_file_name(s, ZONEINFO) != s]
    wrong += [s for s in ODD_SPELLINGS if engine_zones._zone_file_name(s, ZONEINFO) is not None]
    assert not wrong


@pytest.mark.parametrize("options", [{}, {"profile": "berlin", "tzfield": "team_tz"}, {"tz": "US/Eastern"},
                                     {"tz": "+05:30"}])
def test_getinfo_validates_zones_without_importing_pytz(options):
    """prepare() checks a canonical zone name among pytz's zone files; pytz loads at execution."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from offhours import Annotator, open_profiles; "
        f"Annotator(open_profiles(sys.argv[2]), {options!r}); "
        "assert 'pytz' not in sys.modules and 'offhours.clock' not in sys.modules, sorted(sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(REPO / "lib"), str(REPO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
