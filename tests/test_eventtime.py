"""Event times: units by magnitude, exact flooring, ISO 8601, and what is refused."""
import pytest

from offhours.eventtime import MAX_EPOCH, BadTime, parse_event_time

T = 1629328650  # 2021-08-18T23:17:30Z, the attack-range PutImage sample


@pytest.mark.parametrize("text, unit, expected", [
    ("1629328650", "auto", T),
    ("1629328650.999999", "auto", T),              # floor, never round
    ("  1629328650  ", "auto", T),
    ("1629328650123", "auto", T),                  # ms by magnitude
    ("1629328650123456", "auto", T),               # us
    ("1629328650999999999", "auto", T),            # ns, exact: a float would round up
    ("1629328650.5e3", "auto", T),                 # ms with exponent
    ("99999999999", "auto", 99999999999),          # < 1e11: still seconds (year 5138)
    ("100000000000", "auto", 100000000),           # 1e11: milliseconds
    ("-1", "auto", -1),
    ("-0.5", "auto", -1),                          # floor of negative fractions
    ("-1500", "ms", -2),
    ("1629328650", "s", T),
    ("1629328650000", "ms", T),
    ("1629328650", "ms", 1629328),                 # an explicit unit wins over magnitude
    ("1629328650000000", "us", T),
    ("1629328650000000000", "ns", T),
    ("0", "auto", 0),
    ("2021-08-18T23:17:30Z", "auto", T),
    ("2021-08-18T23:17:30.987Z", "auto", T),
    ("2021-08-18T23:17:30", "auto", T),            # naive = UTC
    ("2021-08-18T23:17", "auto", T - 30),
    ("2021-08-18 23:17:30", "auto", T),
    ("2021-08-18T16:17:30-07:00", "auto", T),
    ("2021-08-19T04:47:30+0530", "auto", T),
    ("2021-08-18T23:17:30+00:00", "ms", T),        # the unit does not apply to ISO
    ("2021-08-18", "auto", T - (23 * 3600 + 17 * 60 + 30)),
    ("1e-50", "auto", 0),                          # tiny: the floor is 0, not "outside the years"
    ("-1e-50", "auto", -1),
    ("1e-999999", "ns", 0),
    ("-1e-1000100", "auto", -1),                   # a division would underflow to -0
    ("1e-1000100", "ms", 0),
    (" \t1629328650\r\n", "auto", T),
])
def test_times(text, unit, expected):
    assert parse_event_time(text, unit) == expected


@pytest.mark.parametrize("text, fragment", [
    ("yesterday", "cannot read time"),
    ("NaN", "not a finite number"),
    ("inf", "not a finite number"),
    ("1e400", "outside the years"),
    ("2021-13-01T00:00:00Z", "invalid date or time"),
    ("2021-02-30T00:00:00Z", "invalid date or time"),
    ("2021-08-18T24:00:00Z", "invalid date or time"),
    ("2021-08-18T23:17:30+25:00", "invalid UTC offset"),
    ("1629328650,5", "cannot read time"),
    ("-99999999999999999999", "outside the years"),
    # Digits other than ASCII's, and Python's digit separators, are no time Splunk writes
    # (int(), Decimal() and \\d would read them all).
    ("\u0661\u0666\u0662\u0669\u0663\u0662\u0668\u0666\u0665\u0660", "cannot read time"),  # Arabic-Indic
    ("\uff11\uff16\uff12\uff19\uff13\uff12\uff18\uff16\uff15\uff10", "cannot read time"),  # fullwidth
    ("1629328650.\u0665", "cannot read time"),
    ("\u0662\u0660\u0662\u0661-08-18T23:17:30Z", "cannot read time"),
    ("1_629_328_650", "cannot read time"),
    ("1_629_328_650.5", "cannot read time"),
    ("1e1_0", "cannot read time"),
    ("\xa01629328650", "cannot read time"),         # only ASCII white space is trimmed
    ("1629328650\u2028", "cannot read time"),
    ("\x1c1629328650", "cannot read time"),
])
def test_refused(text, fragment):
    with pytest.raises(BadTime, match=fragment):
        parse_event_time(text)


def test_range_ends_in_year_9999():
    assert parse_event_time(str(MAX_EPOCH), "s") == MAX_EPOCH
    with pytest.raises(BadTime, match="outside the years"):
        parse_event_time(str(MAX_EPOCH + 1), "s")
