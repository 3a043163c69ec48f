"""``make demo`` (tools/run/demo.py) end to end, and the synthetic week it runs on (harness/sample_events.py).

What the rules must report is computed by the oracle of tests/test_detections.py (contract rules,
tzdata zones, the holidays package), not read from the demo's output.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone

import holidays as holiday_calendars
import pytest

from conftest import REPO
from test_detections import expected, principal, push_time, shipped_profile, tuned_profile, tzdata_zone
from tools.run import demo
from harness.sample_events import PUSHES, cloudtrail_events, security_lake_events
from harness.spl import SplError

CLOUDTRAIL_FIELDS = (
    "_time", "_raw", "sourcetype", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
    "userAgent", "userIdentity.type", "userIdentity.arn", "userIdentity.accountId", "recipientAccountId",
    "requestParameters.repositoryName", "responseElements.image.imageId.imageDigest", "date_hour", "date_wday",
)
OCSF_FIELDS = (
    "_time", "_raw", "sourcetype", "time", "api.operation", "api.service.name", "api.request.data",
    "actor.user.uid", "actor.user.type", "actor.user.account.uid", "cloud.region", "cloud.provider",
    "http_request.user_agent", "metadata.uid", "metadata.version",
)
DOC_NETS = [ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


# --- the sample week ---------------------------------------------------------------------------


def test_sample_events_are_deterministic():
    """Same events on every call and in fresh processes with different hash seeds."""
    events = cloudtrail_events() + security_lake_events()
    assert events == cloudtrail_events() + security_lake_events()
    code = ("import json; from harness.sample_events import cloudtrail_events, security_lake_events; "
            "print(json.dumps(cloudtrail_events() + security_lake_events()))")
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                             text=True, check=True).stdout
        assert json.loads(out) == events


def test_cloudtrail_events_are_raw_cloudtrail_as_splunk_extracts_it():
    events = cloudtrail_events()
    assert len(events) == len(PUSHES)
    for event in events:
        assert all(isinstance(event.get(name), str) and event[name] for name in CLOUDTRAIL_FIELDS), event
        record = json.loads(event["_raw"])
        when = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        assert event["_time"] == str(int(when.timestamp())) and event["sourcetype"] == "aws:cloudtrail"
        assert (event["date_hour"], event["date_wday"]) == (str(when.hour), when.strftime("%A").lower())
        assert (event["eventSource"], event["eventName"]) == ("ecr.amazonaws.com", "PutImage")
        assert not {"user", "src", "signature", "off_hours", "repository"} & set(event)  # nothing pre-computed
        if event["userIdentity.type"] == "AssumedRole":
            assert "userIdentity.userName" not in event
            assert event["userIdentity.sessionContext.sessionIssuer.userName"]
        else:
            assert event["userIdentity.arn"].endswith(":user/" + event["userIdentity.userName"])
        if event["sourceIPAddress"] != "AWS Internal":
            assert any(ipaddress.ip_address(event["sourceIPAddress"]) in net for net in DOC_NETS)
    assert [int(event["_time"]) for event in events] == sorted(int(event["_time"]) for event in events)


def test_security_lake_events_are_ocsf_1_1_0_of_the_same_pushes():
    cloudtrail = {event["eventID"]: event for event in cloudtrail_events()}
    for event in security_lake_events():
        assert all(isinstance(event.get(name), str) and event[name] for name in OCSF_FIELDS), event
        twin = cloudtrail[event["metadata.uid"]]
        assert (event["sourcetype"], event["metadata.version"], event["api.operation"]) == ("aws:asl", "1.1.0",
                                                                                           "PutImage")
        assert event["time"] == twin["_time"] + "000" and event["_time"] == twin["_time"]  # epoch ms
        assert event["actor.user.uid"] == twin["userIdentity.arn"]
        assert event["actor.user.account.uid"] == twin["userIdentity.accountId"]
        assert event["cloud.region"] == twin["awsRegion"]
        assert event["http_request.user_agent"] == twin["userAgent"]
        assert event.get("src_endpoint.ip", event.get("src_endpoint.domain")) == twin["sourceIPAddress"]
        assert json.loads(event["api.request.data"])["repositoryName"] == twin["requestParameters.repositoryName"]
    assert any(isinstance(value, list) for event in security_lake_events() for value in event.values())


def test_sample_local_times_agree_with_the_zone_database():
    """Each push's stated UTC offset is the one in force in its team's zone."""
    for push in PUSHES:
        stated = datetime.fromisoformat(push.local_time)
        assert stated.astimezone(tzdata_zone(push.team_tz)).utcoffset() == stated.utcoffset(), push


def test_sample_covers_the_interesting_cases():
    """Both edges of upstream's hours, a weekend, a German and a US holiday, night CI, assumed roles,
    a push by digest, a push relayed by AWS, several zones."""
    clocks = {push_time(push).strftime("%H:%M:%S") for push in PUSHES}
    assert {"08:00:00", "20:00:00"} <= clocks
    assert any(push_time(push).weekday() >= 5 for push in PUSHES)
    for country, zone in (("DE", "Europe/Berlin"), ("US", "America/New_York")):
        calendar = holiday_calendars.country_holidays(country, years=2026)
        assert any(datetime.fromisoformat(push.local_time).date() in calendar for push in PUSHES
                   if push.team_tz == zone), country
    ci = [push for push in PUSHES if push.assumed_role]
    assert ci and any(not 6 <= datetime.fromisoformat(push.local_time).hour < 22 for push in ci)
    assert any(push.tag is None for push in PUSHES) and any(push.source == "AWS Internal" for push in PUSHES)
    assert len({push.team_tz for push in PUSHES}) >= 5


# --- the demo ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_output():
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    done = subprocess.run([sys.executable, str(REPO / "tools" / "run" / "demo.py"), "--quick"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def section(output: str, number: int) -> str:
    return re.split(r"^\[\d\] ", output, flags=re.M)[number]


def table_rows(text: str) -> set[tuple[str, str, str, str]]:
    """(user, reason, local time, zone) of each result row a section prints."""
    pattern = r"^  (\S+) +\S+ +(\w+) +(\d{4}-\d\d-\d\dT\S+) +(\S+)"
    return set(re.findall(pattern, text, flags=re.M))


def expected_rows(profile_of) -> set[tuple[str, str, str, str]]:
    return {(user, reason, local_time, zone) for user, _, _, reason, local_time, zone in expected(profile_of)}


def test_demo_is_short_and_shows_both_rules_before_and_after_tuning(demo_output):
    assert len(demo_output.splitlines()) < 120
    shipped, tuned = (len(expected(profile)) for profile in (shipped_profile, tuned_profile))
    assert f"results: CloudTrail rule {shipped}, Security Lake rule {shipped}" in section(demo_output, 1)
    assert f"results: CloudTrail rule {tuned}, Security Lake rule {tuned}" in section(demo_output, 2)
    assert "profile=utc" in section(demo_output, 1) and demo.POLICY in section(demo_output, 2).replace("\n      ", " ")


def test_demo_prints_what_the_rules_report(demo_output):
    assert table_rows(section(demo_output, 1)) == expected_rows(shipped_profile)
    assert table_rows(section(demo_output, 2)) == expected_rows(tuned_profile)
    assert "only" not in section(demo_output, 1) + section(demo_output, 2)  # both rules, same uploads


def test_demo_compares_with_the_upstream_searches(demo_output, shared_reference):
    comparison = section(demo_output, 3)
    rows = re.findall(r"^  (\S+) +(\w{3} \d\d:\d\d) +.*? (off|-) +(off|-) +(\w+|-) +(\w+|-) *(.*)$",
                      comparison, flags=re.M)
    assert len(rows) == len(PUSHES)
    for push, (user, utc, v12, _, shipped, tuned, note) in zip(sorted(PUSHES, key=push_time), rows):
        assert (user, utc) == (principal(push), push_time(push).strftime("%a %H:%M"))
        assert (v12 == "off") == (shipped != "-")  # the shipped utc profile has upstream's hours
        if tuned not in ("-", "filtered") and v12 == "-":
            assert note.startswith("missed")
    assert "CT v12 reports 0 of the" in comparison and "ASL v11 reports 0 of the" in comparison
    assert "bucketName" in comparison


def test_demo_runs_without_the_reference_folder(tmp_path, monkeypatch, capsys):
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    monkeypatch.setattr(demo, "REFERENCE", tmp_path / "absent")
    assert demo.main(["--quick"]) == 0
    output = capsys.readouterr().out
    assert "[3] Comparison with the upstream searches skipped" in output
    assert table_rows(section(output, 2)) == expected_rows(tuned_profile)


def test_a_failing_search_stops_the_demo(tmp_path):
    """An ERROR from the command (here an unknown zone in the policy) is an error, not a result."""
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    broken = demo.App(REPO).with_local(tmp_path / "app", {
        "local/macros.conf": "[ecrofhours_business_hours(1)]\n"
                             "definition = ecrofhours tz=Mars/Olympus_Mons timefield=$timefield$\n"})
    with pytest.raises(SplError, match="tz=Mars/Olympus_Mons"):
        demo.run_rules(broken, demo.variant_events())
