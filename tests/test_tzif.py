"""offhours.tzif: the zone files' 64-bit data and footer rules, against zoneinfo.

zoneinfo (the standard library's own reader) is the oracle: for a footer it is handed a TZif
file that holds nothing but that footer (``ZoneInfo.from_file``), so every instant it judges
comes from the rule alone; for pytz's real files it reads the tzdata package of pytz's release.
"""
import os
import struct
import zoneinfo
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offhours import zones as engine_zones
from offhours.tzif import PosixRule, days_before_year, read_tzif, year_of_day

pytz = engine_zones.pytz
ZONEINFO_DIR = os.path.join(os.path.dirname(pytz.__file__), "zoneinfo")
DAY = 86400


def pytz_zone_files():
    for root, _, files in os.walk(ZONEINFO_DIR):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                if handle.read(4) == b"TZif":
                    yield os.path.relpath(path, ZONEINFO_DIR), path


def footer_only_zone(footer, version=b"2"):
    """A zoneinfo tzinfo built from a TZif file with no transitions and only ``footer``."""
    header = struct.pack(">4sc15x6l", b"TZif", version, 0, 0, 0, 0, 1, 4)
    block = struct.pack(">lBB", 0, 0, 0) + b"UTC\0"
    data = header + block + header + block + b"\n" + footer.encode() + b"\n"
    return zoneinfo.ZoneInfo.from_file(BytesIO(data), key=footer), data


def zoneinfo_offset(tz, utc):
    """The offset zoneinfo's ``fromutc`` applies to UTC instant ``utc`` (its utcoffset() of
    the result would judge the local time again, by the local year: for a synthetic rule
    whose state jumps at New Year the two can differ)."""
    moment = datetime(1970, 1, 1) + timedelta(seconds=utc)
    offset = tz.fromutc(moment.replace(tzinfo=tz)).replace(tzinfo=None) - moment
    return offset.days * DAY + offset.seconds


def test_every_pytz_zone_file_is_read_and_its_footer_parsed():
    read = 0
    for name, path in pytz_zone_files():
        with open(path, "rb") as handle:
            transitions, footer = read_tzif(handle.read())
        assert footer, f"{name}: pytz's files are version 2 or later, with a footer"
        rule = PosixRule.parse(footer)
        assert rule.text == footer
        assert [t for t, _ in transitions] == sorted(t for t, _ in transitions), name
        read += 1
    assert read > 500


def test_the_64_bit_data_repeats_pytz_s_32_bit_transitions():
    """Within pytz's range the two parts of each file list the same instants and offsets."""
    for name in ("America/New_York", "Europe/Dublin", "Australia/Lord_Howe", "Asia/Gaza", "America/Nuuk"):
        with pytz.open_resource(name) as handle:
            transitions, _ = read_tzif(handle.read())
        tz = pytz.timezone(name)
        epoch = datetime(1970, 1, 1)
        pytz_starts = [int((t - epoch).total_seconds()) for t in tz._utc_transition_times[1:]]
        ours = {t: offset for t, offset in transitions}
        for start, info in zip(pytz_starts, tz._transition_info[1:]):
            if start > -2**31:  # pytz's first is the 32-bit part's clamped -2**31
                assert round(ours[start] / 60) * 60 == info[0].total_seconds(), (name, start)


def test_a_version_1_file_has_no_footer():
    header = struct.pack(">4sc15x6l", b"TZif", b"\0", 0, 0, 0, 1, 1, 4)
    data = header + struct.pack(">l", 100) + b"\0" + struct.pack(">lBB", 3600, 0, 0) + b"CET\0"
    assert read_tzif(data) == ([(100, 3600)], "")


@pytest.mark.parametrize("data", [b"", b"TZi", b"NOTaTZiffile" * 10])
def test_what_is_not_a_tzif_file_is_refused(data):
    with pytest.raises(ValueError, match="not a TZif file"):
        read_tzif(data)


# --- Footer rules: named cases against zoneinfo ----------------------------------------------

NAMED_RULES = {
    "new york": "EST5EDT,M3.2.0,M11.1.0",
    "southern hemisphere (Sydney)": "AEST-10AEDT,M10.1.0,M4.1.0/3",
    "30-minute DST (Lord Howe)": "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
    "negative DST (Dublin: winter is the daylight part)": "IST-1GMT0,M10.5.0,M3.5.0/1",
    "negative transition time (Nuuk)": "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
    "transition time past 24:00 (Jerusalem)": "IST-2IDT,M3.4.4/26,M10.5.0",
    "odd minutes (Chatham)": "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
    "Julian days without 29 February": "<-03>3<-02>,J60/2,J300/2",
    "explicit DST offset": "<+04>-4<+0530>-5:30,M3.5.0,M10.5.0",
    "seconds in an offset": "<-0030>0:30:15<+0030>-0:29:45,M4.1.0,M10.1.0",
}


@pytest.mark.parametrize("footer", NAMED_RULES.values(), ids=NAMED_RULES.keys())
def test_named_rules_agree_with_zoneinfo_every_year(footer):
    tz, _ = footer_only_zone(footer)
    rule = PosixRule.parse(footer)
    for year in (1901, 1970, 2000, 2038, 2040, 2100, 2400, 9998):
        changes = rule.changes(year, year)
        for (start, offset), (end, _) in zip(changes, changes[1:] + [(days_before_year(year + 1) * DAY, None)]):
            for utc in {start, start + 1, (start + end) // 2, end - 1}:
                if utc >= start:
                    assert rule.offset_at(utc) == offset == zoneinfo_offset(tz, utc), (footer, year, utc)
        for utc in range(days_before_year(year) * DAY, days_before_year(year + 1) * DAY, 7 * DAY + 3607):
            assert rule.offset_at(utc) == zoneinfo_offset(tz, utc), (footer, utc)


def test_zero_based_days_count_29_february_as_posix_says():
    """``n`` (0-365) counts from 1 January = 0 with 29 February included (POSIX, RFC 8536).
    zoneinfo reads ``n`` as ``Jn`` (one day later); no zone file uses this form, so the
    dates are checked against the standard library's calendar instead."""
    rule = PosixRule.parse("<-03>3<-02>,59/2,299/2")
    for year in (2023, 2024, 2100, 2400):
        start = (date(year, 1, 1).toordinal() + 59 - date(1970, 1, 1).toordinal()) * DAY + 2 * 3600 + 3 * 3600
        end = (date(year, 1, 1).toordinal() + 299 - date(1970, 1, 1).toordinal()) * DAY + 2 * 3600 + 2 * 3600
        assert rule.changes(year, year)[1:] == [(start, -7200), (end, -10800)], year
    for name, path in pytz_zone_files():
        with open(path, "rb") as handle:
            footer = read_tzif(handle.read())[1]
        assert ",J" not in footer and not any(part[:1].isdigit() for part in footer.split(",")[1:]), name


def test_a_rule_without_daylight_saving_has_one_offset():
    rule = PosixRule.parse("<+0545>-5:45")
    assert not rule.has_dst and rule.offsets() == (20700,)
    assert rule.changes(2040, 2050) == [(days_before_year(2040) * DAY, 20700)]


@pytest.mark.parametrize("footer", ["", "EST", "EST5EDT", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
                                    "EST5EDT,J0,J300", "EST5EDT,366,J300", "<+05", "EST5EDT,M3.2.0/168,M11.1.0"])
def test_unsupported_or_invalid_footers_are_refused(footer):
    with pytest.raises(ValueError):
        PosixRule.parse(footer)


@settings(max_examples=300, deadline=None)
@given(
    std=st.integers(-14 * 60, 14 * 60), delta=st.sampled_from((30, 60, 120, -60)),
    start=st.tuples(st.integers(1, 12), st.integers(1, 5), st.integers(0, 6), st.integers(-5, 30)),
    end=st.tuples(st.integers(1, 12), st.integers(1, 5), st.integers(0, 6), st.integers(-5, 30)),
    utc=st.integers(-2**31, 253402300799 - 40 * DAY),
)
def test_random_month_week_day_rules_agree_with_zoneinfo(std, delta, start, end, utc):
    def clock(minutes):
        sign = "-" if minutes < 0 else ""
        return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}"

    footer = (f"<A>{clock(-std)}<B>{clock(-(std + delta))},M{start[0]}.{start[1]}.{start[2]}/{start[3]}"
              f",M{end[0]}.{end[1]}.{end[2]}/{end[3]}")
    tz, _ = footer_only_zone(footer)
    assert PosixRule.parse(footer).offset_at(utc) == zoneinfo_offset(tz, utc), footer


# --- Calendar arithmetic (years up to 9999 and past it, with no datetime) --------------------


@given(st.dates())
def test_day_numbers_agree_with_the_standard_library(day):
    number = day.toordinal() - date(1970, 1, 1).toordinal()
    assert days_before_year(day.year) == date(day.year, 1, 1).toordinal() - date(1970, 1, 1).toordinal()
    assert year_of_day(number) == day.year


def test_year_of_day_beyond_9999():
    assert year_of_day(days_before_year(10000)) == 10000
    assert year_of_day(days_before_year(10000) - 1) == 9999


def test_utc_year_decides_as_zoneinfo_does():
    """The rule is judged within the instant's UTC year (zoneinfo's fromutc)."""
    tz, _ = footer_only_zone(NAMED_RULES["new york"])
    new_year = int(datetime(2041, 1, 1, tzinfo=timezone.utc).timestamp())
    for utc in (new_year - 1, new_year, new_year + 1):
        assert PosixRule.parse(NAMED_RULES["new york"]).offset_at(utc) == zoneinfo_offset(tz, utc) == -18000
