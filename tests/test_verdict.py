"""Verdicts: the contract's reason rules, boundaries, DST, overnight and odd offsets."""
from datetime import datetime

import pytest

from offhours.calendar import Calendar, Workweek, parse_closures
from offhours.hours import parse_hours
from offhours.verdict import judge
from offhours.zones import resolve_zone


def verdict(iso_utc, hours="mon-fri 08:00-20:00", zone="UTC", territory=None, closures=""):
    calendar = Calendar(parse_hours(hours), Workweek(territory), parse_closures(closures))
    utc = int(datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).timestamp())
    return judge(calendar, resolve_zone(zone), utc)


def reason(*args, **kwargs):
    return verdict(*args, **kwargs).reason


class TestUpstreamSemantics:
    """The utc profile: 08:00-20:00 UTC Monday to Friday, like date_hour>=20 OR date_hour<8."""

    def test_start_is_inside(self):
        v = verdict("2024-06-05T08:00:00Z")
        assert (v.off_hours, v.reason, v.minutes_outside) == ("0", "business_hours", "0")

    def test_end_is_outside(self):
        v = verdict("2024-06-05T20:00:00Z")
        assert (v.off_hours, v.reason, v.minutes_outside) == ("1", "after_hours", "1")

    def test_a_second_before_opening(self):
        v = verdict("2024-06-05T07:59:59Z")
        assert (v.reason, v.minutes_outside, v.local_hour) == ("before_hours", "1", "7")

    def test_attack_range_sample_is_off_hours_in_utc(self):
        v = verdict("2021-08-18T23:17:30Z")
        assert (v.off_hours, v.reason, v.local_wday, v.local_time) == (
            "1", "after_hours", "wednesday", "2021-08-18T23:17:30+00:00")
        assert v.minutes_outside == "198"   # since 20:00, nearer than Thursday 08:00

    def test_weekend(self):
        v = verdict("2024-06-08T12:00:00Z")              # Saturday
        assert (v.reason, v.local_wday, v.minutes_outside) == ("weekend", "saturday", str(16 * 60))


class TestLocalTime:
    def test_los_angeles_turns_the_sample_into_business_hours(self):
        v = verdict("2021-08-18T23:17:30Z", "mon-fri 08:00-18:00", "America/Los_Angeles")
        assert (v.off_hours, v.reason, v.local_time, v.local_hour) == (
            "0", "business_hours", "2021-08-18T16:17:30-07:00", "16")

    def test_kathmandu_quarter_hour_offset_opens_at_local_eight(self):
        assert verdict("2024-01-15T02:14:59Z", zone="Asia/Kathmandu").reason == "before_hours"
        v = verdict("2024-01-15T02:15:00Z", zone="Asia/Kathmandu")
        assert (v.reason, v.local_time) == ("business_hours", "2024-01-15T08:00:00+05:45")

    def test_fixed_offset_zone(self):
        v = verdict("2024-01-15T02:30:00Z", zone="+05:30")
        assert (v.reason, v.local_time) == ("business_hours", "2024-01-15T08:00:00+05:30")

    def test_utc_is_written_plus_zero(self):
        assert verdict("1970-01-01T00:00:00Z").local_time == "1970-01-01T00:00:00+00:00"


class TestDaylightSaving:
    def test_new_york_spring_forward_skips_two_oclock(self):
        v = verdict("2024-03-10T07:00:00Z", "00:00-24:00", "America/New_York")
        assert (v.local_time, v.local_hour) == ("2024-03-10T03:00:00-04:00", "3")

    def test_new_york_fall_back_repeats_one_oclock(self):
        first = verdict("2024-11-03T05:30:00Z", zone="America/New_York")
        second = verdict("2024-11-03T06:30:00Z", zone="America/New_York")
        assert (first.local_time, second.local_time) == (
            "2024-11-03T01:30:00-04:00", "2024-11-03T01:30:00-05:00")

    def test_hours_follow_the_wall_clock_across_dst_in_berlin(self):
        # 08:00 local is 07:00Z in winter and 06:00Z in summer.
        assert reason("2024-03-29T07:00:00Z", zone="Europe/Berlin") == "business_hours"
        assert reason("2024-04-02T06:00:00Z", zone="Europe/Berlin") == "business_hours"
        assert reason("2024-04-02T05:59:59Z", zone="Europe/Berlin") == "before_hours"

    def test_minutes_outside_counts_real_time_across_spring_forward(self):
        # Sunday 01:30 EST; the shift opens at 04:00 EDT: 90 real minutes, 150 on the clock.
        v = verdict("2024-03-10T06:30:00Z", "sun 04:00-05:00", "America/New_York")
        assert (v.reason, v.minutes_outside) == ("before_hours", "90")

    def test_minutes_outside_counts_real_time_across_fall_back(self):
        # Sunday 00:30 EDT; opens at 03:00 EST: 210 real minutes, 150 on the clock.
        v = verdict("2024-11-03T04:30:00Z", "sun 03:00-05:00", "America/New_York")
        assert v.minutes_outside == "210"

    def test_boundary_in_a_spring_forward_gap_uses_the_offset_before(self):
        # Opens at 02:30, which does not exist on 2024-03-10: taken as 02:30 EST = 03:30 EDT.
        v = verdict("2024-03-10T07:00:00Z", "sun 02:30-05:00", "America/New_York")
        assert (v.local_time, v.reason) == ("2024-03-10T03:00:00-04:00", "business_hours")
        assert verdict("2024-03-10T06:59:59Z", "sun 02:30-05:00", "America/New_York").minutes_outside == "31"

    def test_event_after_a_gap_boundary_by_the_clock_but_before_it_in_real_time(self):
        # 02:30 does not exist on 2021-03-14 in Los Angeles: the end is taken as 02:30 PST,
        # 03:30 PDT, after this 03:10 PDT event that the wall clock puts after the interval.
        v = verdict("2021-03-14T10:10:00Z", "sun 01:00-02:30", "America/Los_Angeles")
        assert (v.reason, v.minutes_outside) == ("after_hours", "1")

    def test_a_skipped_local_day_still_counts_fourteen_real_days(self):
        # Apia skipped 2011-12-30. The interval ending 2011-12-21 01:00 (-10:00) is 16 local
        # days but 13 days 23.5 hours of real time before this event.
        closed = "2011-12-27, 2012-01-03, 2012-01-10, 2012-01-17"
        v = verdict("2012-01-04T10:30:00Z", "tue 23:00-01:00", "Pacific/Apia", closures=closed)
        assert (v.local_time, v.minutes_outside) == ("2012-01-05T00:30:00+14:00", "20130")

    def test_lord_howe_half_hour_dst(self):
        v = verdict("2024-10-05T15:30:00Z", "sat-sun 00:00-24:00", "Australia/Lord_Howe")
        assert v.local_time == "2024-10-06T02:30:00+11:00"
        v = verdict("2024-04-06T15:00:00Z", "sat-sun 00:00-24:00", "Australia/Lord_Howe")
        assert v.local_time == "2024-04-07T01:30:00+10:30"


class TestOvernightAndSplitShifts:
    NIGHTS = "mon-fri 22:00-06:00"

    def test_friday_night_shift_runs_into_saturday(self):
        assert reason("2024-06-08T05:59:59Z", self.NIGHTS) == "business_hours"

    def test_saturday_after_the_night_shift_is_weekend(self):
        assert reason("2024-06-08T06:00:00Z", self.NIGHTS) == "weekend"

    def test_monday_before_the_first_night_is_before_hours(self):
        v = verdict("2024-06-10T05:00:00Z", self.NIGHTS)
        assert (v.reason, v.minutes_outside) == ("before_hours", str(17 * 60))

    def test_tuesday_morning_after_the_night_is_before_that_days_shift(self):
        v = verdict("2024-06-11T07:00:00Z", self.NIGHTS)
        assert (v.reason, v.minutes_outside) == ("before_hours", "60")  # nearest: the end at 06:00

    def test_lunch_break_is_between_hours(self):
        v = verdict("2024-06-05T12:30:00Z", "mon-fri 08:00-12:00, 13:00-17:00")
        assert (v.reason, v.minutes_outside) == ("between_hours", "30")

    def test_full_day_ends_at_midnight(self):
        assert reason("2024-06-10T23:59:59Z", "mon 00:00-24:00") == "business_hours"
        assert reason("2024-06-11T00:00:00Z", "mon 00:00-24:00") == "closed_day"

    def test_closed_workday_is_not_a_weekend(self):
        assert reason("2024-06-12T12:00:00Z", "mon-tue,thu-fri 08:00-18:00") == "closed_day"


class TestClosures:
    CLOSURES = "2024-12-24 12:00, 2024-12-25"

    def test_before_an_early_close_is_business_hours_with_the_name(self):
        v = verdict("2024-12-24T11:00:00Z", closures=self.CLOSURES)
        assert (v.reason, v.holiday_name) == ("business_hours", "Company closure")

    def test_after_an_early_close_is_holiday(self):
        v = verdict("2024-12-24T12:00:00Z", closures=self.CLOSURES)
        assert (v.reason, v.holiday_name) == ("holiday", "Company closure")

    def test_before_opening_on_an_early_close_day_is_before_hours(self):
        assert reason("2024-12-24T07:00:00Z", closures=self.CLOSURES) == "before_hours"

    def test_full_day_closure(self):
        v = verdict("2024-12-25T10:00:00Z", closures=self.CLOSURES)
        assert (v.off_hours, v.reason) == ("1", "holiday")

    def test_closure_on_a_weekend_is_reported_as_holiday(self):
        assert reason("2024-12-28T10:00:00Z", closures="2024-12-28") == "holiday"

    def test_overnight_shift_starting_the_day_before_a_closure_still_runs(self):
        assert reason("2024-12-25T03:00:00Z", "22:00-06:00", closures="2024-12-25") == "business_hours"
        assert reason("2024-12-25T22:30:00Z", "22:00-06:00", closures="2024-12-25") == "holiday"

    def test_minutes_outside_skips_the_closed_day(self):
        v = verdict("2024-12-25T10:00:00Z", closures=self.CLOSURES)
        assert v.minutes_outside == str(22 * 60)   # back at 08:00 on the 26th


class TestLocaleWeekends:
    def test_israel_works_sunday_rests_friday(self):
        assert reason("2024-06-09T10:00:00Z", "workdays 08:00-18:00", territory="IL") == "business_hours"
        assert reason("2024-06-07T10:00:00Z", "workdays 08:00-18:00", territory="IL") == "weekend"

    def test_named_days_ignore_the_locale(self):
        assert reason("2024-06-07T10:00:00Z", "mon-fri 08:00-18:00", territory="IL") == "business_hours"
        assert reason("2024-06-09T10:00:00Z", "mon-fri 08:00-18:00", territory="IL") == "closed_day"

    def test_no_interval_anywhere_in_two_weeks_leaves_minutes_outside_empty(self):
        mondays = "2024-05-27, 2024-06-03, 2024-06-10, 2024-06-17, 2024-06-24"
        v = verdict("2024-06-09T10:00:00Z", "mon 08:00-09:00", closures=mondays)
        assert (v.off_hours, v.minutes_outside) == ("1", "")
        # The Monday 14 days before ends 13 days 1 hour earlier: it counts.
        v = verdict("2024-06-09T10:00:00Z", "mon 08:00-09:00", closures=mondays[12:])
        assert v.minutes_outside == str(13 * 24 * 60 + 60)


class TestReadingsOfRev3:
    """CONTRACT.md rev. 3: an event the wall clock puts outside an interval while it lies
    inside the interval's span of instants (edges taken with fold=0) is 1 minute outside."""

    def test_an_edge_in_a_gap(self):
        v = verdict("2021-03-14T10:10:00Z", "sun 01:00-02:30", "America/Los_Angeles")
        assert (v.local_time, v.reason, v.minutes_outside) == ("2021-03-14T03:10:00-07:00", "after_hours", "1")

    def test_an_edge_in_a_fold(self):
        # 01:30 exists twice on 2024-11-03 in New York; fold=0 takes 01:30 EDT (05:30Z). At
        # 01:10 EST (06:10Z) the clock says before 01:30, real time says 40 minutes after it.
        v = verdict("2024-11-03T06:10:00Z", "sun 01:30-03:00", "America/New_York")
        assert (v.local_time, v.reason, v.minutes_outside) == ("2024-11-03T01:10:00-05:00", "before_hours", "1")

    def test_an_edge_on_a_skipped_day(self):
        # Apia skipped Friday 2011-12-30: Thursday's 20:00-12:00 ends at Friday 12:00 -10:00,
        # which is Saturday 12:00 +14:00; Saturday 11:00 is outside by the clock only.
        v = verdict("2011-12-30T21:00:00Z", "thu 20:00-12:00", "Pacific/Apia")
        assert (v.local_time, v.reason, v.minutes_outside) == ("2011-12-31T11:00:00+14:00", "weekend", "1")

    def test_fixed_offsets_within_18_hours_and_minus_zero_written_plus(self):
        assert resolve_zone("-00:00").name == resolve_zone("-0000").name == "+00:00"
        assert verdict("2024-06-05T12:00:00Z", zone="-00:00").local_time == "2024-06-05T12:00:00+00:00"
        assert (resolve_zone("+18:00").name, resolve_zone("-1800").name) == ("+18:00", "-18:00")
        for beyond in ("+18:01", "-18:01", "+19:00"):
            with pytest.raises(ValueError, match=r"within -18:00\.\.\+18:00"):
                resolve_zone(beyond)
