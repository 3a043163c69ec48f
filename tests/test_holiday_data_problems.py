"""Holiday data that cannot give an answer says so: years without data, a missing table, bad closures.

- An event on a local date outside a calendar's data years is judged without that calendar's
  holidays, and the search gets one warning naming the calendar and its last (or first) year.
- The holiday table missing while the calendar index is there (left out of the knowledge bundle)
  stops every search that uses a holiday calendar; searches without one run.
- A bad row of the company closures lookup stops only the searches of the row's own profile
  (every search for a ``*`` row), naming the file, the line and that profile.
"""
import csv
import shutil
from datetime import datetime

import pytest

from conftest import REPO
from offhours import Annotator, ProfileError, open_profiles
from harness.scpv2 import run_command

INDEX = "ecrofhours_holiday_calendars.csv"
TABLE = "ecrofhours_public_holidays.csv"
CLOSURES = "ecrofhours_company_closures.csv"


def epoch(zone, *wall):
    """Epoch seconds (text) of a local wall time, by the standard library's zoneinfo."""
    from zoneinfo import ZoneInfo

    return str(int(datetime(*wall, tzinfo=ZoneInfo(zone)).timestamp()))


def data_years(code):
    with open(REPO / "lookups" / INDEX, encoding="utf-8", newline="") as handle:
        row = next(row for row in csv.DictReader(handle) if row["calendar"] == code)
    return int(row["first_year"]), int(row["last_year"])


def app_copy(root, lookups=None, leave_out=()):
    """A copy of the app under ``root`` (bin/ and default/ copied, lib/ linked) whose lookups
    are the shipped ones but ``leave_out``, plus ``lookups`` ``{name: text}``."""
    app = root / "ecrofhours"
    app.mkdir(parents=True)
    shutil.copytree(REPO / "bin", app / "bin", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "default", app / "default")
    (app / "lib").symlink_to(REPO / "lib", target_is_directory=True)
    (app / "lookups").mkdir()
    for name in (INDEX, TABLE):
        if name not in leave_out:
            (app / "lookups" / name).symlink_to(REPO / "lookups" / name)
    for name, text in (lookups or {}).items():
        (app / "lookups" / name).write_text(text, encoding="utf-8")
    return app


def command(splunk_python, app):
    return [splunk_python[0], str(app / "bin" / "ecrofhours.py")]


def errors(session):
    return [text for level, text in session.messages if level in ("ERROR", "FATAL")]


def warnings_of(session):
    return [text for level, text in session.messages if level == "WARN"]


def assert_user_safe(text, app):
    for hint in ("Traceback", 'File "', ".py", str(app), str(REPO)):
        assert hint not in text, text


# --- Years without data ------------------------------------------------------------------------

NEW_YORK = {"tz": "America/New_York", "holidays": "US", "hours": "mon-fri 09:00-17:00"}


def test_the_shipped_data_ends_where_the_issue_says():
    assert data_years("US")[1] == 2040 and data_years("UA")[1] == 2022 and data_years("LK")[1] == 2026


def test_a_date_after_the_data_is_judged_without_holidays_with_one_warning():
    last = data_years("US")[1]
    annotator = Annotator(open_profiles(str(REPO)), NEW_YORK)
    inside = annotator.annotate(epoch("America/New_York", last, 12, 25, 10))
    assert (inside["off_hours_reason"], inside["holiday_name"]) == ("holiday", "Christmas Day")
    assert annotator.take_warnings() == []
    christmas_after = [annotator.annotate(epoch("America/New_York", last + 1, 12, day, 10)) for day in (24, 25, 26)]
    assert [f["off_hours_reason"] for f in christmas_after] == ["business_hours"] * 3
    assert annotator.take_warnings() == [
        f"Holiday calendar US has data up to {last} only: events on local dates after {last} "
        "are judged without its holidays"]
    annotator.annotate(epoch("America/New_York", last + 5, 7, 4, 10))
    assert annotator.take_warnings() == []  # once per search


def test_a_date_before_the_data_warns_with_the_first_year():
    first = data_years("US")[0]
    annotator = Annotator(open_profiles(str(REPO)), NEW_YORK)
    fields = annotator.annotate(epoch("America/New_York", first - 1, 12, 25, 10))
    assert fields["off_hours_reason"] == "business_hours"
    assert annotator.take_warnings() == [
        f"Holiday calendar US has data from {first} only: events on local dates before {first} "
        "are judged without its holidays"]


def test_the_local_date_counts_not_the_utc_date():
    last = data_years("US")[1]
    annotator = Annotator(open_profiles(str(REPO)), NEW_YORK)
    annotator.annotate(epoch("America/New_York", last, 12, 31, 23, 30))  # already next year in UTC
    assert annotator.take_warnings() == []
    annotator.annotate(epoch("America/New_York", last + 1, 1, 1, 0, 30))
    assert len(annotator.take_warnings()) == 1


def test_each_calendar_of_a_profile_is_named_by_its_own_years():
    ukraine_last, us_last = data_years("UA")[1], data_years("US")[1]
    annotator = Annotator(open_profiles(str(REPO)), {"tz": "Europe/Kyiv", "holidays": "UA, US"})
    annotator.annotate(epoch("Europe/Kyiv", ukraine_last + 1, 3, 1, 10))
    assert annotator.take_warnings() == [
        f"Holiday calendar UA has data up to {ukraine_last} only: events on local dates after {ukraine_last} "
        "are judged without its holidays"]
    annotator.annotate(epoch("Europe/Kyiv", us_last + 1, 3, 1, 10))
    assert [w.split(":")[0] for w in annotator.take_warnings()] == ["Holiday calendar US has data up to 2040 only"]


def test_the_uncached_path_warns_too():
    """Clock.uncached judges instants of zones whose offsets are not whole minutes."""
    from offhours.clock import Clock

    last = data_years("LR")[1]
    profile = open_profiles(str(REPO)).compile("utc", {"holidays": ("LR", "holidays=LR")})
    clock = Clock(profile.calendar, profile.zone, "utc", {})
    clock.uncached(int(epoch("UTC", last, 12, 31, 23, 59)))
    assert profile.calendar.take_notes() == []
    clock.uncached(int(epoch("UTC", last + 1, 1, 1, 0, 0)))
    notes = profile.calendar.take_notes()
    assert [note.split(":")[0] for note in notes] == [f"Holiday calendar LR has data up to {last} only"]


def test_profiles_sharing_a_calendar_give_one_warning(tmp_path):
    app = app_copy(tmp_path)
    (app / "local").mkdir()
    (app / "local" / "ecrofhours.conf").write_text(
        "[profile:east]\ntimezone = America/New_York\nholidays = US\n"
        "[profile:west]\ntimezone = America/Los_Angeles\nholidays = US\n")
    annotator = Annotator(open_profiles(str(app)), {"profile": "east", "profilefield": "team"})
    for team in ("east", "west", "east"):
        annotator.annotate(epoch("UTC", 2045, 3, 1, 18), None, team)
    assert len(annotator.take_warnings()) == 1


def test_years_without_data_warn_once_through_the_protocol(splunk_python):
    last = data_years("US")[1]
    events = [{"_time": epoch("America/New_York", year, 12, 25, 10)} for year in (last, last + 1, last + 2)] * 3
    session = run_command(splunk_python, [f"{k}={v}" for k, v in NEW_YORK.items()], events, chunk_size=[2, 3, 0, 4])
    assert session.returncode == 0 and not errors(session)
    assert [r["off_hours_reason"] for r in session.records] == ["holiday", "business_hours", "business_hours"] * 3
    assert warnings_of(session) == [
        f"Holiday calendar US has data up to {last} only: events on local dates after {last} "
        "are judged without its holidays"]


def test_no_warning_within_the_data_through_the_protocol(splunk_python):
    events = [{"_time": epoch("America/New_York", 2030, 12, 25, 10)}]
    session = run_command(splunk_python, [f"{k}={v}" for k, v in NEW_YORK.items()], events)
    assert session.messages == [] and session.records[0]["off_hours_reason"] == "holiday"


# --- The holiday table missing -----------------------------------------------------------------

CHRISTMAS_IN_BERLIN = epoch("Europe/Berlin", 2023, 12, 25, 10)


def test_berlin_on_christmas_needs_the_holiday_table():
    fields = Annotator(open_profiles(str(REPO)), {"profile": "berlin"}).annotate(CHRISTMAS_IN_BERLIN)
    assert (fields["off_hours_reason"], fields["holiday_name"]) == ("holiday", "Christmas Day")


def test_a_missing_table_stops_a_profile_with_holidays(tmp_path):
    book = open_profiles(str(app_copy(tmp_path, leave_out=(TABLE,))))
    with pytest.raises(ProfileError, match=r"^Holiday calendar DE-BE cannot be used: "
                                           r"lookups/ecrofhours_public_holidays.csv is missing"):
        Annotator(book, {"profile": "berlin"})
    with pytest.raises(ProfileError, match="Holiday calendar US cannot be used"):
        Annotator(book, {"holidays": "US"})
    assert Annotator(book, {"profile": "berlin", "holidays": "none"}).annotate(CHRISTMAS_IN_BERLIN)["off_hours"] == "0"
    assert Annotator(book, {"profile": "utc"}).annotate(CHRISTMAS_IN_BERLIN)["off_hours_reason"] == "business_hours"


def test_a_table_gone_after_the_check_is_an_error_not_business_hours(tmp_path):
    app = app_copy(tmp_path)
    annotator = Annotator(open_profiles(str(app)), {"profile": "berlin"})
    (app / "lookups" / TABLE).unlink()
    with pytest.raises(ValueError, match="Holiday calendar DE-BE cannot be used"):
        annotator.annotate(CHRISTMAS_IN_BERLIN)


def test_a_missing_table_stops_the_search_through_the_protocol(splunk_python, tmp_path):
    app = app_copy(tmp_path, leave_out=(TABLE,))
    session = run_command(command(splunk_python, app), ["profile=berlin"], [{"_time": CHRISTMAS_IN_BERLIN}])
    assert session.returncode != 0 and session.records == []
    [message] = errors(session)
    assert message.startswith("Holiday calendar DE-BE cannot be used: lookups/ecrofhours_public_holidays.csv "
                              "is missing on this Splunk instance")
    assert_user_safe(message, app)
    fine = run_command(command(splunk_python, app), ["profile=utc"], [{"_time": CHRISTMAS_IN_BERLIN}])
    assert fine.returncode == 0 and fine.messages == [] and fine.records[0]["off_hours_reason"] == "business_hours"


@pytest.mark.parametrize("missing", [(INDEX,), (INDEX, TABLE)], ids=["index", "both"])
def test_a_missing_calendar_index_stops_a_profile_whose_locale_brings_holidays(splunk_python, tmp_path, missing):
    """us_eastern takes the US calendar from its locale: without the index it would silently have none."""
    app = app_copy(tmp_path, leave_out=missing)
    new_year = str(epoch("America/New_York", 2024, 1, 1, 10))
    session = run_command(command(splunk_python, app), ["profile=us_eastern"], [{"_time": new_year}])
    assert session.returncode != 0 and session.records == []
    [message] = errors(session)
    assert "lookups/ecrofhours_holiday_calendars.csv is missing on this Splunk instance" in message
    assert_user_safe(message, app)
    fine = run_command(command(splunk_python, app), ["profile=us_eastern", "holidays=none"], [{"_time": new_year}])
    assert fine.returncode == 0 and fine.records[0]["off_hours_reason"] == "business_hours"


def test_a_missing_table_makes_per_event_profiles_undecidable_with_a_warning(splunk_python, tmp_path):
    app = app_copy(tmp_path, leave_out=(TABLE,))
    events = [{"_time": CHRISTMAS_IN_BERLIN, "team": "berlin"}, {"_time": CHRISTMAS_IN_BERLIN, "team": "utc"}]
    session = run_command(command(splunk_python, app), ["profilefield=team"], events)
    assert session.returncode == 0 and not errors(session)
    berlin, utc = session.records
    assert berlin["off_hours_reason"] == "unknown_profile"
    assert berlin["bh_error"].startswith("Holiday calendar DE-BE cannot be used")
    assert utc["off_hours_reason"] == "business_hours"
    [warning] = warnings_of(session)
    assert warning.startswith("Profile 'berlin' cannot be used: Holiday calendar DE-BE cannot be used")


# --- A bad row in the company closures lookup --------------------------------------------------

TEAMS = "[profile:some_other_team]\ntimezone = Europe/Berlin\n[profile:ops]\ntimezone = Europe/Berlin\n"
TYPO = "profile,date,closes_at,name\nops,2021-12-24,,Offsite\nsome_other_team,2021-12-32,,Typo\n"
TYPO_MESSAGE = ("lookups/ecrofhours_company_closures.csv line 3 (profile 'some_other_team'): "
                "invalid closure '2021-12-32'")


def closures_app(tmp_path, rows):
    app = app_copy(tmp_path, {CLOSURES: rows})
    (app / "local").mkdir()
    (app / "local" / "ecrofhours.conf").write_text(TEAMS)
    return app


def test_a_bad_row_stops_only_its_own_profile(tmp_path):
    book = open_profiles(str(closures_app(tmp_path, TYPO)))
    for profile in ("utc", "berlin", "ops"):
        Annotator(book, {"profile": profile})
    offsite = Annotator(book, {"profile": "ops"}).annotate(epoch("Europe/Berlin", 2021, 12, 24, 10))
    assert offsite["holiday_name"] == "Offsite"
    with pytest.raises(ProfileError) as raised:
        Annotator(book, {"profile": "some_other_team"})
    assert str(raised.value).startswith(TYPO_MESSAGE)


def test_a_bad_row_for_every_profile_stops_every_profile(tmp_path):
    book = open_profiles(str(closures_app(tmp_path, "profile,date,closes_at,name\n*,2021-13-01,,Typo\n")))
    for profile in ("utc", "ops"):
        with pytest.raises(ProfileError, match=r"^lookups/ecrofhours_company_closures.csv line 2 \(profile '\*'\): "):
            Annotator(book, {"profile": profile})


def test_a_bad_row_through_the_protocol(splunk_python, tmp_path):
    app = closures_app(tmp_path, TYPO)
    event = [{"_time": epoch("Europe/Berlin", 2021, 12, 24, 10)}]
    fine = run_command(command(splunk_python, app), ["profile=utc"], event)
    assert fine.returncode == 0 and fine.messages == [] and fine.records[0]["off_hours_reason"] == "business_hours"
    ops = run_command(command(splunk_python, app), ["profile=ops"], event)
    assert ops.returncode == 0 and ops.messages == [] and ops.records[0]["holiday_name"] == "Offsite"
    broken = run_command(command(splunk_python, app), ["profile=some_other_team"], event)
    assert broken.returncode != 0 and broken.records == []
    [message] = errors(broken)
    assert message.startswith(TYPO_MESSAGE)
    assert_user_safe(message, app)


ORPHANS = ("profile,date,closes_at,name\nops,2021-12-24,,Offsite\nopps,2021-12-27,,Typo\n,2021-12-28,,Nobody\n"
           "*,2021-12-31,,All\n")


def test_closure_rows_no_profile_takes_are_named_in_a_warning(tmp_path):
    """A misspelt or empty profile would otherwise make its closures vanish without a word."""
    warnings = open_profiles(str(closures_app(tmp_path, ORPHANS))).warnings()
    assert [w for w in warnings if CLOSURES in w] == [
        f"lookups/{CLOSURES} line 3 names profile 'opps', which no profile source defines: its closures "
        "apply to no search (use a profile's name, or * for every profile)",
        f"lookups/{CLOSURES} line 4 names no profile: its closures apply to no search (use a profile's "
        "name, or * for every profile)",
    ]


def test_closure_rows_no_profile_takes_warn_through_the_protocol(splunk_python, tmp_path):
    app = closures_app(tmp_path, ORPHANS)
    event = [{"_time": epoch("Europe/Berlin", 2021, 12, 24, 10)}]
    session = run_command(command(splunk_python, app), ["profile=ops"], event, chunk_size=1)
    assert session.returncode == 0 and session.records[0]["holiday_name"] == "Offsite"
    orphans = [text for text in warnings_of(session) if CLOSURES in text]
    assert len(orphans) == 2 and "'opps'" in orphans[0] and "names no profile" in orphans[1]
