"""bin/ecrofhours.py as splunkd runs it: bare Python 3.9 and 3.13, only lib/, protocol v2."""
import pytest

from conftest import REPO
from offhours import OUTPUT_FIELDS
from harness.scpv2 import probe_getinfo, run_command

T = 1629328650  # 2021-08-18T23:17:30Z, a Wednesday


def events(count, step=3600, start=T):
    """Hourly CloudTrail-like events, with fields the command must leave alone."""
    return [
        {"_time": str(start + i * step), "eventName": "PutImage", "user": f"dev{i % 3}",
         "note": 'quote " comma , newline\nend', "_raw": f'{{"k": {i}}}'}
        for i in range(count)
    ]


def errors(session):
    return [text for level, text in session.messages if level == "ERROR"]


def test_getinfo_declares_a_distributable_command_reading_only_its_fields(splunk_python):
    session = probe_getinfo(splunk_python, ["tzfield=zone", "profilefield=team", "timefield=eventTime"])
    assert session.getinfo["type"] == "streaming"
    assert session.getinfo["required_fields"] == ["eventTime", "zone", "team"]
    assert session.returncode == 0 and not session.messages


def test_default_getinfo_reads_only_time(splunk_python):
    assert probe_getinfo(splunk_python, []).getinfo["required_fields"] == ["_time"]


@pytest.mark.parametrize("honour", [True, False], ids=["required-fields", "all-fields"])
def test_every_event_comes_back_in_order_unchanged_and_annotated(splunk_python, honour):
    sent = events(23)
    session = run_command(splunk_python, ["tz=Europe/Berlin", "hours=mon-fri 08:00-18:00"], sent,
                          chunk_size=[5, 0, 7, 11], honour_required_fields=honour)
    assert session.returncode == 0 and not errors(session)
    assert len(session.records) == len(sent)
    for before, after in zip(sent, session.records):
        assert {k: after[k] for k in before} == before
    for _, replies in session.replies:
        for record in replies:
            assert set(OUTPUT_FIELDS) <= set(record)
    berlin = [r["local_time"] for r in session.records[:3]]
    assert berlin == ["2021-08-19T01:17:30+02:00", "2021-08-19T02:17:30+02:00", "2021-08-19T03:17:30+02:00"]
    assert session.records[7]["off_hours"] == "0"     # 09:17 Thursday in Berlin
    assert session.records[0]["off_hours_reason"] == "before_hours"


def test_requests_end_with_a_header_only_finished_chunk(splunk_python):
    session = run_command(splunk_python, [], events(4), chunk_size=2)
    assert [m.get("finished") for m, _ in session.replies] == [False, False, True]
    assert session.replies[-1][1] == []


def test_multivalue_time_uses_the_first_value_and_other_multivalues_survive(splunk_python):
    record = {"_time": [str(T), "0"], "tags": ["a$b", "c\nd", "e"]}
    session = run_command(splunk_python, [], [record], honour_required_fields=False)
    out = session.records[0]
    assert out["local_time"] == "2021-08-18T23:17:30+00:00"
    assert out["_time"] == [str(T), "0"] and out["tags"] == ["a$b", "c\nd", "e"]


def test_undecidable_events_stay_and_say_why(splunk_python):
    sent = [{"_time": "yesterday"}, {"other": "x"}, {"_time": str(T), "zone": "Mars/Base"}]
    session = run_command(splunk_python, ["tzfield=zone"], sent)
    reasons = [r.get("off_hours_reason") for r in session.records]
    assert reasons == ["bad_time", "no_time", "bad_timezone"]
    assert all(r.get("bh_error") for r in session.records)


def test_only_keeps_off_hours_and_undecidable_events(splunk_python):
    sent = events(24) + [{"_time": ""}]
    session = run_command(splunk_python, ["only=true"], sent, chunk_size=10)
    assert {r.get("off_hours", "") for r in session.records} == {"1", ""}
    kept = [r["_time"] for r in session.records if r.get("off_hours") == "1"]
    expected = [e["_time"] for e in sent[:24] if not 8 <= (int(e["_time"]) // 3600) % 24 < 20]
    assert kept == expected
    assert session.records[-1]["off_hours_reason"] == "no_time"


@pytest.mark.parametrize("args, message", [
    (["foo=bar"], "Unknown option 'foo'. Usage: ecrofhours [profile=<name>]"),
    (["_time"], "Unexpected argument '_time'. Usage: ecrofhours"),
    (["record=t"], "Unknown option 'record'."),
    (["show_configuration=t"], "Unknown option 'show_configuration'."),
    (["profile=nope"], "Unknown profile 'nope' (profile option); known profiles: berlin, us_eastern, utc"),
    (["tz=Europe/Berln"], "Invalid tz=Europe/Berln: unknown time zone 'Europe/Berln'"),
    (["hours=mon-fri 8-18"], "Invalid hours=mon-fri 8-18: invalid time '8'"),
    (["holidays=Narnia"], "Invalid holidays=Narnia: unknown holiday calendar 'NARNIA'"),
    (["locale=xx_YY"], "Invalid locale=xx_YY: invalid locale 'xx_YY': expected ll_CC, ll-CC or CC"),
    (["timeunit=hours"], "Invalid timeunit=hours: expected one of auto, s, ms, us, ns"),
    (["only=perhaps"], "Invalid only=perhaps: expected true or false"),
    (["timefield="], "Invalid timefield=: expected a field name"),
])
def test_each_bad_option_stops_the_search_with_one_clear_error(splunk_python, args, message):
    session = run_command(splunk_python, args, events(2))
    assert [m for m in errors(session)] and errors(session)[0].startswith(message)
    assert len(errors(session)) == 1
    assert session.returncode != 0 and session.records == []
    text = errors(session)[0]
    assert "Traceback" not in text and 'File "' not in text and ".py" not in text
    assert str(REPO) not in text


def test_process_time_zone_and_locale_do_not_matter(splunk_python):
    sent = events(30, step=7919)
    baseline = run_command(splunk_python, ["tz=America/New_York"], sent)
    elsewhere = run_command(splunk_python, ["tz=America/New_York"], sent,
                            env={"TZ": "Asia/Kathmandu", "LC_ALL": "C", "LANG": "de_DE.UTF-8"})
    assert elsewhere.records == baseline.records


@pytest.mark.parametrize("time_value, zone, local_time, reason", [
    ("2224845000", "America/New_York", "2040-07-02T08:30:00-04:00", "business_hours"),  # pytz alone: 07:30 -05:00
    ("2160194400", "Europe/Berlin", "2038-06-15T08:00:00+02:00", "business_hours"),     # pytz alone: 07:00 +01:00
    ("2540073600", "Australia/Sydney", "2050-06-29T10:00:00+10:00", "business_hours"),  # pytz alone: 11:00 +11:00
])
def test_zones_after_2037_follow_the_zone_files_footer_rule(splunk_python, time_value, zone, local_time, reason):
    session = run_command(splunk_python, [f"tz={zone}", "hours=mon-fri 08:00-20:00"], [{"_time": time_value}])
    assert session.returncode == 0 and not errors(session)
    record = session.records[0]
    assert (record["local_time"], record["off_hours_reason"], record["off_hours"]) == (local_time, reason, "0")


def warnings_of(session):
    return [text for level, text in session.messages if level == "WARN"]


@pytest.mark.parametrize("honour", [True, False], ids=["required-fields", "all-fields"])
def test_only_ascii_space_and_digits_are_read_on_every_path(splunk_python, honour):
    """Chunk rows and splunklib's records alike: a no-break space or another script's digits
    make the value unreadable (rev. 3), the same on 3.9 and 3.13."""
    sent = [
        {"_time": "\u00a01629328650", "zone": "UTC", "team": "utc"},
        {"_time": "\u0661\u0666\u0662\u0669\u0663\u0662\u0668\u0666\u0665\u0660", "zone": "UTC", "team": "utc"},
        {"_time": " 1629328650 ", "zone": "+\u0660\u0665:\u0663\u0660", "team": "utc"},
        {"_time": " 1629328650 ", "zone": "\u00a0UTC", "team": "utc"},
        {"_time": " 1629328650 ", "zone": "UTC", "team": "\u00a0utc"},
        {"_time": "\t1629328650\n", "zone": " UTC ", "team": " utc "},
    ]
    session = run_command(splunk_python, ["tzfield=zone", "profilefield=team"], sent,
                          honour_required_fields=honour)
    assert session.returncode == 0 and not errors(session)
    assert [r["off_hours_reason"] for r in session.records] == [
        "bad_time", "bad_time", "bad_timezone", "bad_timezone", "unknown_profile", "after_hours"]


@pytest.mark.parametrize("args, events_sent, fragment", [
    (["tz=EST"], [{"_time": str(T)}], "use America/New_York"),
    (["tzfield=zone"], [{"_time": str(T), "zone": "Etc/GMT+2"}] * 3, "write -02:00"),
    (["hours=mon-fri 08:00-08:00"], [{"_time": str(T)}], "runs 24 hours"),
    (["timefield=eventTime"], [{"_time": str(T)}] * 4, "No event so far has a value in field 'eventTime'"),
])
def test_valid_options_that_likely_mislead_warn_once(splunk_python, args, events_sent, fragment):
    session = run_command(splunk_python, args, events_sent, chunk_size=2)
    assert session.returncode == 0 and not errors(session)
    assert len(session.records) == len(events_sent)
    assert [text for text in warnings_of(session) if fragment in text] == [
        next(text for text in warnings_of(session) if fragment in text)]
