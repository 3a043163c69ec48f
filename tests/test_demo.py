"""``make demo``: tools/demo.py end to end, and the sample events it runs on (tools/sample_events.py).

Expected verdicts are computed here from each event's time and the contract (the ``utc`` profile:
mon-fri 08:00-20:00 UTC; the demo's local policy: mon-fri 08:00-18:00 in ``team_tz``; no holidays),
with zones read from the ``tzdata`` package, not from the engine.
"""

from __future__ import annotations

import importlib.resources
import ipaddress
import json
import os
import re
import subprocess
import sys
import zoneinfo
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tools import demo
from tools.sample_events import PUSHES, TEAM_TZ_FIELD, putimage_events

REPO = Path(__file__).resolve().parents[1]
FIELDS = (
    "_time", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
    "userIdentity.type", "userIdentity.arn", "recipientAccountId", "requestParameters.repositoryName",
    TEAM_TZ_FIELD,
)
DOC_NETS = [ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
ROW = re.compile(
    r"(?P<mark>\*)?\s*(?P<principal>\S+)\s+(?P<utc>\w{3} \d\d:\d\d:\d\d)\s+(?P<local>\w{3} \S+)\s+"
    r"(?P<zone>\S+)\s+(?P<off>[01-])\s+(?P<reason>\w+)"
)


def tzdata_zone(name: str) -> zoneinfo.ZoneInfo:
    """A zone from the tzdata package, whatever zoneinfo's search path is."""
    package, _, leaf = f"tzdata.zoneinfo.{name.replace('/', '.')}".rpartition(".")
    with importlib.resources.files(package).joinpath(leaf).open("rb") as data:
        return zoneinfo.ZoneInfo.from_file(data, key=name)


def event_time(event: dict) -> datetime:
    return datetime.strptime(event["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def expected(when: datetime, start: int, end: int) -> tuple[str, str]:
    """(off_hours, reason) for mon-fri <start>:00-<end>:00 on ``when``'s wall clock, no holidays."""
    if when.weekday() >= 5:
        return "1", "weekend"
    if when.hour < start:
        return "1", "before_hours"
    if when.hour >= end:
        return "1", "after_hours"
    return "0", "business_hours"


def expected_utc(event: dict) -> tuple[str, str]:
    return expected(event_time(event), 8, 20)


def expected_local(event: dict) -> tuple[str, str]:
    return expected(event_time(event).astimezone(tzdata_zone(event[TEAM_TZ_FIELD])), 8, 18)


# --- the sample events ------------------------------------------------------------------------


def test_sample_events_are_deterministic():
    """Same events on every call and in fresh processes with different hash seeds."""
    events = putimage_events()
    assert events == putimage_events()
    code = "import json; from tools.sample_events import putimage_events; print(json.dumps(putimage_events()))"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                             text=True, check=True).stdout
        assert json.loads(out) == events


def test_sample_events_have_the_cloudtrail_fields():
    events = putimage_events()
    assert 10 <= len(events) <= 14
    for event in events:
        assert all(isinstance(event.get(name), str) and event[name] for name in FIELDS), event
        assert (event["eventSource"], event["eventName"]) == ("ecr.amazonaws.com", "PutImage")
        assert event["_time"] == str(int(event_time(event).timestamp()))
        assert event["recipientAccountId"] == "111122223333"
        assert any(ipaddress.ip_address(event["sourceIPAddress"]) in net for net in DOC_NETS)
        assert json.loads(event["_raw"])["eventTime"] == event["eventTime"]
        if event["userIdentity.type"] == "AssumedRole":
            assert "userIdentity.userName" not in event
            assert event["userIdentity.sessionContext.sessionIssuer.userName"]
        else:
            assert event["userIdentity.type"] == "IAMUser"
            assert event["userIdentity.arn"].endswith(":user/" + event["userIdentity.userName"])
        if "requestParameters.imageTag" not in event:  # pushed by digest
            assert event["requestParameters.imageDigest"].startswith("sha256:")
    assert [int(event["_time"]) for event in events] == sorted(int(event["_time"]) for event in events)
    assert any(event["userIdentity.type"] == "AssumedRole" for event in events)
    assert any("requestParameters.imageTag" not in event for event in events)


def test_sample_local_times_agree_with_the_zone_database():
    """Each push's stated UTC offset is the one in force in its team's zone."""
    for push in PUSHES:
        stated = datetime.fromisoformat(push.local_time)
        assert stated.astimezone(tzdata_zone(push.team_tz)).utcoffset() == stated.utcoffset(), push


def test_sample_covers_the_interesting_cases():
    """Both boundaries of upstream's hours, a weekend push, and both directions of disagreement."""
    events = putimage_events()
    clocks = {event_time(event).strftime("%H:%M:%S") for event in events}
    assert {"08:00:00", "20:00:00"} <= clocks
    assert any(event_time(event).weekday() >= 5 and expected_local(event)[1] == "weekend" for event in events)
    pairs = {(expected_utc(event)[0], expected_local(event)[0]) for event in events}
    assert {("1", "0"), ("0", "1"), ("1", "1"), ("0", "0")} <= pairs


# --- the demo ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_output():
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    done = subprocess.run([sys.executable, str(REPO / "tools" / "demo.py")], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def runs(output: str) -> dict[str, list[dict]]:
    """The parsed table rows of each run, by its SPL line."""
    tables: dict[str, list[dict]] = {}
    current = None
    for line in output.splitlines():
        if re.match(r"\[\d\] \| ecrofhours", line):
            current = tables.setdefault(line.split(" ", 1)[1], [])
        elif current is not None and (match := ROW.fullmatch(line.rstrip())):
            current.append(match.groupdict())
        elif not line.strip():
            current = None
    return tables


def test_demo_is_short_and_shows_both_runs(demo_output):
    assert len(demo_output.splitlines()) < 60
    tables = runs(demo_output)
    assert list(tables) == ["| ecrofhours", '| ecrofhours tzfield=team_tz hours="mon-fri 08:00-18:00"']
    events = putimage_events()
    for rows in tables.values():
        assert [row["principal"] for row in rows] == [demo.principal(event) for event in events]
        assert [row["utc"] for row in rows] == [event_time(event).strftime("%a %H:%M:%S") for event in events]


def test_demo_verdicts_follow_the_contract(demo_output):
    events = putimage_events()
    upstream, local = runs(demo_output).values()
    for event, row in zip(events, upstream):
        assert (row["off"], row["reason"], row["zone"]) == (*expected_utc(event), "UTC"), row
    for event, row in zip(events, local):
        when = event_time(event).astimezone(tzdata_zone(event[TEAM_TZ_FIELD]))
        assert row["local"] == when.strftime("%a %H:%M:%S") + when.isoformat()[-6:], row
        assert (row["off"], row["reason"], row["zone"]) == (*expected_local(event), event[TEAM_TZ_FIELD]), row


def test_demo_boundaries(demo_output):
    """Under utc, 08:00:00 UTC is inside (start included) and 20:00:00 UTC outside (end excluded)."""
    upstream = runs(demo_output)["| ecrofhours"]
    reasons = {row["utc"][4:]: (row["off"], row["reason"]) for row in upstream}
    assert reasons["08:00:00"] == ("0", "business_hours")
    assert reasons["20:00:00"] == ("1", "after_hours")


def test_demo_marks_and_counts_the_differing_verdicts(demo_output):
    events = putimage_events()
    differ = [expected_utc(event)[0] != expected_local(event)[0] for event in events]
    _, local = runs(demo_output).values()
    assert [row["mark"] == "*" for row in local] == differ
    assert f"{sum(differ)} of {len(events)} verdicts differ" in demo_output
    assert sum(differ) > 0


def test_demo_stops_on_an_error_message():
    """An ERROR from the command (here: an unknown zone) makes the demo exit non-zero."""
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    with pytest.raises(SystemExit) as stopped:
        demo.run(demo.splunk_python(), ["tz=Mars/Olympus_Mons"], putimage_events())
    message = str(stopped.value.code)
    assert "failed" in message and "tz" in message.split("): ", 1)[1]  # the command's ERROR names the option
