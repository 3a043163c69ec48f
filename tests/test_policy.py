"""ecrofhourspolicy: the policy view, over the real protocol (Python 3.9 and 3.13), checked
against an independent zone oracle, the `holidays` package and the ecrofhours command."""
import shutil
from datetime import datetime, timezone

import pytest

import oracle
from conftest import REPO
from offhours import Annotator, open_profiles
from offhours.policy import INTERVAL_FIELDS, interval_rows, parse_search_time
from harness.scpv2 import run_command

HEADER = "profile,timezone,locale,hours,holidays,closures,default\n"


def epoch(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


@pytest.fixture
def app(tmp_path, splunk_python):
    """``etc/apps/ecrofhours`` with the real bin/, default/, lib/ and calendars; returns
    ``(app folder, command prefix for bin/ecrofhourspolicy.py, for bin/ecrofhours.py)``."""
    root = tmp_path / "etc" / "apps" / "ecrofhours"
    shutil.copytree(REPO / "bin", root / "bin", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "default", root / "default")
    (root / "lib").symlink_to(REPO / "lib", target_is_directory=True)
    (root / "lookups").mkdir()
    (root / "local").mkdir()
    for name in ("ecrofhours_holiday_calendars.csv", "ecrofhours_public_holidays.csv"):
        (root / "lookups" / name).symlink_to(REPO / "lookups" / name)
    python = splunk_python[0]
    return root, [python, str(root / "bin" / "ecrofhourspolicy.py")], [python, str(root / "bin" / "ecrofhours.py")]


def policy(command, args, earliest="0", latest="0", username="admin"):
    return run_command(command, args, [], searchinfo={"earliest_time": earliest, "latest_time": latest,
                                                      "username": username})


def holidays_of(code, year):
    """{date: name} of a calendar, from the pinned ``holidays`` package itself (not the shipped
    table, whose subdivision rows are differences from their country)."""
    import holidays

    country, _, subdivision = code.partition("-")
    calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=year, language="en_US")
    return {day.isoformat(): name for day, name in calendar.items()}


# --- The list of profiles -------------------------------------------------------------------


def test_getinfo_declares_a_generating_command_on_the_search_head(app):
    _, command, _ = app
    session = policy(command, [])
    assert session.getinfo == {"generating": True, "type": "stateful"}
    assert session.returncode == 0 and session.messages == []


def test_every_profile_with_its_source_and_status(app):
    root, command, annotate = app
    (root / "local" / "ecrofhours.conf").write_text("[profile:berlin]\nhours = mon-thu 09:00-17:00\n")
    (root / "lookups" / "ecrofhours_profiles.csv").write_text(
        HEADER + "tokyo_ops,Asia/Tokyo,ja_JP,workdays 09:00-18:00,,2030-12-31 12:00,true\n"
                 "berlin,Europe/Paris,,,,,\nbroken,Asia/Tokio,,,,,\n")
    session = policy(command, [])
    assert session.returncode == 0 and session.messages == []
    rows = {row["profile"]: row for row in session.records}
    assert sorted(rows) == ["berlin", "broken", "tokyo_ops", "us_eastern", "utc"]
    assert rows["tokyo_ops"] == {
        "profile": "tokyo_ops", "status": "ok", "source": "lookup", "default": "yes", "timezone": "Asia/Tokyo",
        "locale": "ja_JP", "weekend": "sat, sun", "hours": "workdays 09:00-18:00", "holidays": "JP",
        "closures": "2030-12-31 12:00 (Company closure)"}
    assert (rows["berlin"]["source"], rows["berlin"]["also_in"], rows["berlin"]["timezone"],
            rows["berlin"]["hours"]) == ("local", "lookup, default", "Europe/Berlin", "mon-thu 09:00-17:00")
    assert rows["utc"]["default"] == "no" and rows["us_eastern"]["source"] == "default"
    # The status is the exact error a search with that profile stops with.
    stopped = run_command(annotate, ["profile=broken"], [{"_time": "1700000000"}])
    assert rows["broken"]["status"] == "error: " + stopped.messages[0][1]
    assert rows["broken"]["status"].startswith(
        "error: lookups/ecrofhours_profiles.csv line 4, profile 'broken', timezone: unknown time zone 'Asia/Tokio'")


def test_a_date_effective_weekend_is_shown_with_its_history(app):
    _, command, _ = app
    session = policy(command, ["profile=utc", "locale=ar_SA"])
    assert [row["weekend"] for row in session.records] == ["fri, sat (thu, fri before 2013-06-29)"]


def test_warnings_reach_the_job_inspector(app):
    root, command, _ = app
    (root / "lookups" / "ecrofhours_profiles.csv").write_text("profile;timezone\nops;UTC\n")
    private = root.parents[1] / "users" / "alice" / "ecrofhours" / "lookups"
    private.mkdir(parents=True)
    (private / "ecrofhours_company_closures.csv").write_text("profile,date\n*,2030-01-01\n")
    session = policy(command, [], username="alice")
    assert [level for level, _ in session.messages] == ["WARN"]
    assert "lookups/ecrofhours_company_closures.csv is private to 'alice'" in session.messages[0][1]
    ops = [row for row in session.records if row["profile"] == "ops"]
    assert ops[0]["status"].startswith("error: lookups/ecrofhours_profiles.csv line 1: the columns are separated "
                                       "by semicolons, not commas")


# --- Business intervals over the search's time range ---------------------------------------


def test_berlin_at_christmas_against_the_zone_oracle_and_the_holiday_table(app):
    _, command, _ = app
    earliest, latest = epoch("2023-12-22T12:00:00"), epoch("2023-12-29T00:00:00")
    session = policy(command, ["profile=berlin", "intervals=true"], str(earliest), f"{latest}.000")
    assert session.returncode == 0 and session.messages == []
    berlin = oracle.zone("Europe/Berlin")
    holidays = holidays_of("DE-BE", 2023)
    expected = []
    for day in range(22, 30):  # local days the range touches: 22nd to 29th (00:59 local)
        local = datetime(2023, 12, day, tzinfo=berlin)
        row = {"profile": "berlin", "date": local.date().isoformat(), "weekday": local.strftime("%A").lower()}
        if local.date().isoformat() in holidays:
            row.update(closed="holiday", holiday_name=holidays[local.date().isoformat()])
        elif local.weekday() >= 5:
            row.update(closed="weekend")
        else:
            start, end = local.replace(hour=8), local.replace(hour=18)
            row.update(local_start=start.isoformat(), local_end=end.isoformat(),
                       utc_start=start.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
                       utc_end=end.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"))
            row["_time"] = str(int(start.timestamp()))
        row.setdefault("_time", str(int(local.timestamp())))
        expected.append(row)
    assert session.records == expected
    assert {"2023-12-25", "2023-12-26"} <= set(holidays)  # the table has Christmas: the test can fail


def test_intervals_follow_dst_and_a_closure_with_a_time(app):
    root, command, _ = app
    (root / "local" / "ecrofhours.conf").write_text("[profile:us_eastern]\nclosures = 2024-03-11 10:00\n")
    earliest, latest = epoch("2024-03-08T12:00:00"), epoch("2024-03-11T12:00:00")
    session = policy(command, ["profile=us_eastern", "intervals=true"], str(earliest), str(latest))
    new_york = oracle.zone("America/New_York")
    rows = [(r["date"], r.get("local_start"), r.get("utc_start"), r.get("utc_end"), r.get("closed"),
             r.get("closes_at")) for r in session.records]

    def utc(day, hour, minute):
        moment = datetime(2024, 3, day, hour, minute, tzinfo=new_york).astimezone(timezone.utc)
        return moment.isoformat().replace("+00:00", "Z")

    assert rows == [
        ("2024-03-08", "2024-03-08T07:30:00-05:00", utc(8, 7, 30), utc(8, 12, 0), None, None),
        ("2024-03-08", "2024-03-08T13:00:00-05:00", utc(8, 13, 0), utc(8, 19, 0), None, None),
        ("2024-03-09", None, None, None, "weekend", None),
        ("2024-03-10", None, None, None, "weekend", None),   # DST starts: 02:00 -> 03:00
        ("2024-03-11", "2024-03-11T07:30:00-04:00", utc(11, 7, 30), utc(11, 10, 0), None, "10:00"),
    ]
    assert utc(11, 7, 30) == "2024-03-11T11:30:00Z"


def test_overrides_move_the_workweek(app):
    _, command, _ = app
    earliest, latest = epoch("2024-01-04T21:00:00"), epoch("2024-01-07T21:00:00")  # Fri-Sun in Riyadh
    session = policy(command, ["profile=utc", "tz=Asia/Riyadh", "locale=ar_SA", "intervals=true"],
                     str(earliest), str(latest))
    assert [(r["weekday"], r.get("closed"), r.get("local_start")) for r in session.records] == [
        ("friday", "weekend", None), ("saturday", "weekend", None),
        ("sunday", None, "2024-01-07T08:00:00+03:00")]


def test_rows_are_bounded_and_the_warning_says_so(app):
    _, command, _ = app
    earliest, latest = epoch("2020-01-01T00:00:00"), epoch("2030-01-01T00:00:00")
    session = policy(command, ["profile=utc", "intervals=true", "limit=10"], str(earliest), str(latest))
    assert len(session.records) == 10 and session.returncode == 0
    assert session.messages == [("WARN", "Showing the first 10 rows, up to 2020-01-10; the time range goes on to "
                                         "2029-12-31: narrow it, or raise limit= (at most 10000)")]
    full = policy(command, ["profile=utc", "intervals=true"], str(earliest), str(latest))
    assert len(full.records) == 1000 and "Showing the first 1000 rows" in full.messages[0][1]


@pytest.mark.parametrize("args, earliest, latest, message", [
    (["profile=utc", "intervals=true"], "0", "0", "intervals=true lists the intervals of the search's time range, "
                                                  "and this search has none"),
    (["profile=utc", "intervals=true"], "1700000000", "0", "intervals=true lists the intervals"),
    (["profile=utc", "intervals=true"], "1700000000", "1700000000", "intervals=true needs a time range whose end"),
    (["intervals=true"], "1700000000", "1700086400", "intervals=true needs profile=<name>"),
    (["profile=nope"], "0", "0", "Unknown profile 'nope'; known profiles: berlin, us_eastern, utc"),
    (["profile=utc", "intervals=maybe"], "0", "0", "Invalid intervals=maybe: expected true or false"),
    (["profile=utc", "limit=0"], "0", "0", "Invalid limit=0: expected a whole number from 1 to 10000"),
    (["profile=utc", "tz=Mars/Base"], "0", "0", "Invalid tz=Mars/Base: unknown time zone 'Mars/Base'"),
    (["colour=red"], "0", "0", "Unknown option 'colour'. Usage: ecrofhourspolicy [profile=<name>]"),
])
def test_each_bad_request_stops_with_one_clear_error(app, args, earliest, latest, message):
    root, command, _ = app
    session = policy(command, args, earliest, latest)
    errors = [text for level, text in session.messages if level == "ERROR"]
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert session.returncode != 0 and session.records == []
    assert str(root) not in errors[0] and "Traceback" not in errors[0]


# --- The engine: intervals agree with the command's verdicts ----------------------------------


@pytest.mark.parametrize("name, options", [
    ("berlin", {}), ("us_eastern", {}), ("utc", {"tz": "Asia/Riyadh", "locale": "ar_SA"}),
    ("utc", {"tz": "Pacific/Chatham", "hours": "mon-fri 22:00-06:00; sat 10:00-14:00"}),
])
def test_every_interval_is_business_hours_for_ecrofhours_and_every_closed_day_has_its_reason(name, options):
    book = open_profiles(str(REPO))
    annotator = Annotator(book, {"profile": name, **options})
    earliest, latest = epoch("2024-03-01T00:00:00"), epoch("2024-04-15T00:00:00")
    rows, note = interval_rows(annotator.profile, earliest, latest, 10000)
    assert note is None and rows
    for row in rows:
        assert list(row) == list(INTERVAL_FIELDS)
        if row["closed"]:
            local_noon = int(row["_time"]) + 12 * 3600
            assert annotator.annotate(str(local_noon))["off_hours_reason"] == row["closed"], row
            continue
        start, end = epoch(row["utc_start"][:-1]), epoch(row["utc_end"][:-1])
        assert annotator.annotate(str(start))["off_hours_reason"] == "business_hours", row
        assert annotator.annotate(str(end - 1))["off_hours_reason"] == "business_hours", row
        assert annotator.annotate(str(start))["local_time"] == row["local_start"], row


@pytest.mark.parametrize("text, expected", [
    ("1627333200", 1627333200), ("1627333200.750", 1627333200), ("0", None), ("", None), (None, None),
    ("now", None), ("nan", None), ("-5", None),
])
def test_search_times(text, expected):
    assert parse_search_time(text) == expected


def test_the_time_range_of_a_recorded_splunkd_getinfo(app, shared_reference):
    """splunkd 8.2.1's own searchinfo (``events.txt``: a search over 2021-07-27 in the
    searcher's zone, ``earliest_time`` 1627333200, ``latest_time`` 1627419600)."""
    import json
    import re

    _, command, _ = app
    text = (shared_reference / "scpv2-recordings" / "splunk-8.2.1" / "events.txt").read_text(encoding="utf-8")
    getinfo = json.loads(re.search(r'(\{"action":"getinfo".*?\}\})<<EOF>>', text).group(1))
    recorded = {key: value for key, value in getinfo["searchinfo"].items()
                if key not in ("args", "raw_args", "command", "dispatch_dir", "search")}
    assert (recorded["earliest_time"], recorded["latest_time"]) == ("1627333200", "1627419600")
    session = run_command(command, ["profile=utc", "intervals=true"], [], searchinfo=recorded)
    assert session.returncode == 0 and session.messages == []
    assert [(r["date"], r["utc_start"], r["utc_end"]) for r in session.records] == [
        ("2021-07-26", "2021-07-26T08:00:00Z", "2021-07-26T20:00:00Z"),   # 21:00 UTC on the 26th
        ("2021-07-27", "2021-07-27T08:00:00Z", "2021-07-27T20:00:00Z")]   # to 21:00 UTC on the 27th
