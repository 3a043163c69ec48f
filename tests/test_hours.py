"""The hours grammar: days, ranges, several intervals, overnight, 24:00, and errors."""
import pytest

from offhours.hours import HoursError, parse_hours

H = 3600
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def named(spec, weekday):
    """Intervals of ``weekday`` when it is not a workday: only explicitly named days."""
    return parse_hours(spec).intervals(weekday, is_workday=False)


def on_workday(spec, weekday):
    return parse_hours(spec).intervals(weekday, is_workday=True)


@pytest.mark.parametrize("spec, weekday, expected", [
    ("mon-fri 08:00-18:00", MON, ((8 * H, 18 * H),)),
    ("mon-fri 08:00-18:00", FRI, ((8 * H, 18 * H),)),
    ("mon-fri 08:00-18:00", SAT, ()),
    ("sun-thu 09:00-17:00", SUN, ((9 * H, 17 * H),)),       # a range that wraps the week
    ("sun-thu 09:00-17:00", FRI, ()),
    ("fri-mon 10:00-11:00", SUN, ((10 * H, 11 * H),)),
    ("mon,wed, fri 10:00-11:00", WED, ((10 * H, 11 * H),)),  # comma list, blanks allowed
    ("mon,wed,fri 10:00-11:00", TUE, ()),
    ("Mon-Wed,Sat 10:00-11:00", SAT, ((10 * H, 11 * H),)),  # case-insensitive, mixed
    ("mon 08:00-12:00, 13:00-17:00", MON, ((8 * H, 12 * H), (13 * H, 17 * H))),
    ("mon 08:00-12:00, 11:00-14:00", MON, ((8 * H, 14 * H),)),  # overlapping merge
    ("mon 08:00-12:00; mon 12:00-14:00", MON, ((8 * H, 14 * H),)),  # touching entries merge
    ("sat 22:00-06:00", SAT, ((22 * H, 30 * H),)),            # overnight belongs to its start day
    ("sat 22:00-06:00", SUN, ()),
    ("mon 00:00-24:00", MON, ((0, 24 * H),)),
    ("mon 08:00-08:00", MON, ((8 * H, 32 * H),)),             # end at its start: 24 hours
    ("mon 7:05-9:10", MON, ((7 * H + 300, 9 * H + 600),)),
])
def test_named_days(spec, weekday, expected):
    assert named(spec, weekday) == expected


def test_days_omitted_mean_workdays():
    assert on_workday("08:00-20:00", SAT) == ((8 * H, 20 * H),)
    assert named("08:00-20:00", SAT) == ()


def test_workdays_keyword_follows_the_calendar_named_days_do_not():
    spec = "workdays 09:00-17:00; sat 10:00-12:00"
    assert on_workday(spec, FRI) == ((9 * H, 17 * H),)
    assert named(spec, FRI) == ()             # Friday off in this locale
    assert named(spec, SAT) == ((10 * H, 12 * H),)
    assert parse_hours(spec).names_days


@pytest.mark.parametrize("spec, fragment", [
    ("", "empty hours"),
    (" ; ", "empty hours"),
    ("mon-fri", "no time interval"),
    ("mon-fry 08:00-18:00", "invalid days 'mon-fry'"),
    ("weekdays 08:00-18:00", "invalid days 'weekdays'"),
    ("mon-fri-sat 08:00-18:00", "invalid days"),
    ("mon 08:00", "invalid interval '08:00'"),
    ("mon 08:00-18:00-19:00", "invalid interval"),
    ("mon 24:00-18:00", "invalid time '24:00'"),
    ("mon 08:00-24:01", "invalid time '24:01'"),
    ("mon 08:60-18:00", "invalid time '08:60'"),
    ("mon 8-18", "invalid time '8'"),
    ("mon 08:00-18:00,", "invalid interval"),
])
def test_errors_name_the_faulty_part(spec, fragment):
    with pytest.raises(HoursError, match=fragment.replace("(", r"\(")) as error:
        parse_hours(spec)
    assert "HH:MM" in str(error.value)


def test_equal_specs_compare_equal():
    assert parse_hours("mon-fri 08:00-18:00") == parse_hours("mon,tue,wed,thu,fri 08:00-18:00")
    assert parse_hours("mon-fri 08:00-18:00") != parse_hours("mon-fri 08:00-17:00")
