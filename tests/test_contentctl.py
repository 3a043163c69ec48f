"""security_content/: the detections as contentctl content, checked against default/ and run.

contentctl (pinned in requirements-contentctl.txt, venv .venv-contentctl, `make contentctl`)
validates and builds the content offline (security_content/build_offline.py). What it builds
must agree with default/macros.conf and default/savedsearches.conf: the same searches, macros,
schedules, windows, risk and drilldowns. The differences allowed are named here, each with the
reason: the names the content takes from ES Content Update (APP_TO_CONTENT), what contentctl adds
to every detection (CONTENTCTL_ADDED_*), the per-result risk score the app's risk message names
(PER_RESULT_RISK_IN_MESSAGE), contentctl's dated lookup files, and what only the app has
(APP_ONLY_*).

Then each detection's test data (attack_data format, security_content/test_data/) is replayed
into the strict SPL evaluator (harness/spl) with the real ecrofhours command, under the policy
test_data/policy.yml fixes, through both the app's saved search and the one contentctl built,
and the results must be exactly those of the expected-results file beside the data file; each
rule's baseline must write the same lookup rows on both sides. The expected files are written by
hand; test_expected_results_agree_with_an_independent_calendar checks their local times and
holidays against tzdata and the holidays package.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import zoneinfo
from datetime import datetime, timezone
from pathlib import Path

import holidays as holiday_calendars
import pytest
import yaml

from conftest import REPO
from offhours.conffile import read_conf_text
from harness.organisation import reported_uploads_macro
from harness.sample_events import date_fields, flatten
from harness.spl import App

CONTENT = REPO / "security_content"
APP_ROOT = REPO  # the app the content is checked against
CONTENTCTL_PYTHON = REPO / ".venv-contentctl" / "bin" / "python"
PINNED = "5.6.2"

# ES Content Update's names, which contentctl and a team's content repository use, for the app's
# own (the app keeps ecrofhours_ names: ESCU may be installed beside it with its own versions).
# contentctl requires the filter macro to be named after the detection: <file name>_filter.
APP_TO_CONTENT = {
    "ecrofhours_cloudtrail": "cloudtrail",
    "ecrofhours_amazon_security_lake": "amazon_security_lake",
    "ecrofhours_aws_ecr_container_upload_outside_business_hours_filter":
        "aws_ecr_container_upload_outside_business_hours_filter",
    "ecrofhours_asl_aws_ecr_container_upload_outside_business_hours_filter":
        "asl_aws_ecr_container_upload_outside_business_hours_filter",
}
# Detections: (file stem of the YAML and of its test-data folder, data file, sourcetype).
DETECTIONS = {
    "AWS ECR Container Upload Outside Business Hours":
        ("aws_ecr_container_upload_outside_business_hours", "cloudtrail.json", "aws:cloudtrail"),
    "ASL AWS ECR Container Upload Outside Business Hours":
        ("asl_aws_ecr_container_upload_outside_business_hours", "security_lake.json", "aws:asl"),
}
RULES = {f"ecrofhours - {name} - Rule": name for name in DETECTIONS}
# Baselines (ESCU type Baseline), by stanza: contentctl names them "<label> - <name>".
BASELINES = {
    "ecrofhours - AWS ECR Container Upload Baseline": "aws_ecr_container_upload_baseline",
    "ecrofhours - ASL AWS ECR Container Upload Baseline": "asl_aws_ecr_container_upload_baseline",
}

# What contentctl adds to every detection's stanza (templates/savedsearches_detections.j2):
# ESCU's own action.escu.* keys and the ES detection type.
EARLIEST = "dispatch.earliest_time"
CONTENTCTL_ADDED_KEY_PREFIXES = ("action.escu", "action.correlationsearch.detection_type")
# ... to action.correlationsearch.annotations: CIS and NIST mappings it derives from the
# security domain and the type (DetectionTags.cis20, Detection.addTags_nist).
CONTENTCTL_ADDED_ANNOTATIONS = {"cis20", "nist"}
# ... to action.correlationsearch.metadata: the publication time it derives from the YAML date.
CONTENTCTL_ADDED_METADATA = {"publish_time"}
# ... and the [default] stanza it writes at the top of savedsearches.conf.
CONTENTCTL_ONLY_STANZAS = {"default"}
# The per-result risk score (docs/CONTENTCTL.md, "Risk"): the app's rules compute a risk_score
# for each result (macro ecrofhours_graded_risk) and end their risk message with it and its
# parts. contentctl declares one static score per risk object (rba.risk_objects[].score, the
# action.risk.param._risk both sides share) and rejects a message naming fields that the
# detection's own search text does not name; risk_score and risk_summary are made in the macro.
# So the content's risk message is the app's without exactly this ending.
PER_RESULT_RISK_IN_MESSAGE = "; risk $risk_score$: $risk_summary$"
RISK_MESSAGE = "action.risk.param._risk_message"
# What only the app has: reports that are not detections, and the self-test's macros.
APP_ONLY_SAVED_SEARCHES = {
    "ecrofhours - AWS ECR Container Upload Outside Business Hours - Tuning Report",
    "ecrofhours - ASL AWS ECR Container Upload Outside Business Hours - Tuning Report",
    "ecrofhours - Self-test",
}
# Lookups contentctl writes into every app it builds: its runtime table of data sources, and
# its template's MITRE ATT&CK table.
CONTENTCTL_ONLY_LOOKUPS = {"data_sources", "mitre_enrichment"}
APP_ONLY_MACROS = {"ecrofhours_selftest_checks", "ecrofhours_selftest_probe", "ecrofhours_selftest_verdict"}
# The lookup files the baselines write (the rules read them when they exist).
BASELINE_FILES = ("ecrofhours_ecr_upload_baseline_cloudtrail.csv", "ecrofhours_ecr_upload_baseline_security_lake.csv")
# Replay: an event whose own time field cannot be read gets the time of the replay from Splunk's
# timestamp processing (not verifiable offline); the detections judge the event's own field.
REPLAY_TIME = int(datetime(2026, 11, 30, 12, tzinfo=timezone.utc).timestamp())
# contentctl test searches a detection over all time (DetectionTestingInfrastructure.execute_unit_test,
# FORCE_ALL_TIME=True, docs/CONTENTCTL.md), here up to a minute after the replay: its now.
TEST_NOW = REPLAY_TIME + 60
ALL_TIME = (0, TEST_NOW)


def conf_text(text: str, name: str) -> dict[str, dict[str, str]]:
    stanzas = read_conf_text(text, name)
    return {stanza: {key: setting.value for key, setting in settings.items()} for stanza, settings in stanzas.items()}


def app_conf(name: str) -> dict[str, dict[str, str]]:
    return conf_text((APP_ROOT / "default" / name).read_text(encoding="utf-8"), f"default/{name}")


def to_content_names(text: str) -> str:
    """The app's text with ESCU's names where the content uses them (APP_TO_CONTENT)."""
    for app_name, content_name in APP_TO_CONTENT.items():
        text = re.sub(rf"(?<!\w){re.escape(app_name)}(?!\w)", content_name, text)
    return text


def squeezed(text: str) -> str:
    """Runs of white space as one space: conf line continuations, YAML folding and contentctl's
    one-line JSON differ only there (test_no_quoted_string_depends_on_white_space)."""
    return " ".join(text.split())


def stanza_key(stanza: str) -> str:
    """A macros.conf stanza's name without its argument count: ``ecrofhours_ctime(1)`` -> ``ecrofhours_ctime``."""
    return stanza.partition("(")[0]


# --- the build ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The app folder contentctl builds from security_content/ (validate, then build, offline)."""
    if not CONTENTCTL_PYTHON.is_file():
        message = "contentctl's venv .venv-contentctl is missing: run `make contentctl`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    output = tmp_path_factory.mktemp("contentctl") / "project"
    done = subprocess.run([str(CONTENTCTL_PYTHON), str(CONTENT / "build_offline.py"), "--output", str(output)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def built_saved(built) -> dict[str, dict[str, str]]:
    return conf_text((built / "default" / "savedsearches.conf").read_text(encoding="utf-8"), "savedsearches.conf")


@pytest.fixture(scope="module")
def built_macros(built) -> dict[str, dict[str, str]]:
    return conf_text((built / "default" / "macros.conf").read_text(encoding="utf-8"), "macros.conf")


def test_contentctl_is_the_pinned_release():
    pins = (REPO / "requirements-contentctl.txt").read_text(encoding="utf-8")
    assert f"\ncontentctl=={PINNED}\n" in pins
    assert re.search(r"^setuptools==83\.", pins, re.M), "contentctl 5.6.2 requires setuptools >= 83, < 84"
    if not CONTENTCTL_PYTHON.is_file():
        pytest.skip("contentctl's venv .venv-contentctl is missing: run `make contentctl`")
    query = "import importlib.metadata as m; print(m.version('contentctl'))"
    version = subprocess.run([str(CONTENTCTL_PYTHON), "-c", query], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert version == PINNED


def test_the_content_folder_holds_content_only():
    """What contentctl init or build would write is added in the build folder, never kept here."""
    for generated in ("deployments", "app_template", "dist"):
        assert not (CONTENT / generated).exists(), f"security_content/{generated} comes from contentctl"
    config = yaml.safe_load((CONTENT / "contentctl.yml").read_text(encoding="utf-8"))
    assert config["enrichments"] is False and config["test_data_caches"] == []  # offline
    assert config["app"]["label"] == "ecrofhours"  # stanza names "ecrofhours - <name> - Rule"
    assert config["app"]["appid"] != "ecrofhours"  # never installed in the app's place


# --- what contentctl builds against default/ -----------------------------------------------------


def test_every_stanza_is_accounted_for(built_saved, built_macros):
    app_saved, app_macros = app_conf("savedsearches.conf"), app_conf("macros.conf")
    assert set(built_saved) - CONTENTCTL_ONLY_STANZAS == set(app_saved) - APP_ONLY_SAVED_SEARCHES
    assert set(RULES) <= set(built_saved) and set(RULES) == set(shared_stanzas()) - set(BASELINES)
    content_macros = {stanza_key(stanza) for stanza in built_macros}
    app_detection_macros = {to_content_names(stanza_key(stanza)) for stanza in app_macros} - APP_ONLY_MACROS
    assert content_macros == app_detection_macros


def test_macros_agree_with_default(built_macros):
    app_macros = app_conf("macros.conf")
    for app_stanza, app_settings in app_macros.items():
        if stanza_key(app_stanza) in APP_ONLY_MACROS:
            continue
        content_stanza = to_content_names(app_stanza)
        assert content_stanza in built_macros, f"[{app_stanza}] has no counterpart [{content_stanza}] in the content"
        content_settings = built_macros[content_stanza]
        assert set(content_settings) == set(app_settings), content_stanza
        for key, value in app_settings.items():
            assert squeezed(content_settings[key]) == squeezed(to_content_names(value)), f"[{content_stanza}] {key}"


def shared_stanzas() -> list[str]:
    """The saved searches both sides have: the rules (and baselines) of default/savedsearches.conf."""
    return sorted(set(app_conf("savedsearches.conf")) - APP_ONLY_SAVED_SEARCHES)


@pytest.mark.parametrize("stanza", shared_stanzas())
def test_saved_search_agrees_with_default(stanza, built_saved):
    app, content = app_conf("savedsearches.conf")[stanza], built_saved[stanza]
    added = {key for key in content if key.startswith(CONTENTCTL_ADDED_KEY_PREFIXES)}
    assert set(content) - added == set(app), (
        f"only in default/: {sorted(set(app) - set(content))}; "
        f"only in the content: {sorted(set(content) - added - set(app))}")
    expected = {key: to_content_names(value) for key, value in app.items()}
    if stanza in RULES:
        assert expected[RISK_MESSAGE].endswith(PER_RESULT_RISK_IN_MESSAGE), expected[RISK_MESSAGE]
        expected[RISK_MESSAGE] = expected[RISK_MESSAGE][: -len(PER_RESULT_RISK_IN_MESSAGE)]
    if stanza in RULES:
        # contentctl takes a detection's time range from its type's stock deployment (-70m@m to
        # -10m@m for an Anomaly) and a detection YAML cannot set it; the app's rules also search
        # the 24 hours before the reported hour (docs/CONTENTCTL.md). Each side is checked for its own.
        assert (content[EARLIEST], expected[EARLIEST]) == ("-70m@m", "-1510m@m")
        expected[EARLIEST] = content[EARLIEST]
    differ = [key for key, value in expected.items() if comparable(key, content[key]) != comparable(key, value)]
    assert not differ, f"[{stanza}] differs from default/ in {differ}"
    if stanza in RULES:
        annotations = json.loads(content["action.correlationsearch.annotations"])
        assert set(annotations) >= CONTENTCTL_ADDED_ANNOTATIONS


def comparable(key: str, value: str):
    """A setting's value as compared: JSON parsed, what contentctl adds left out, SPL and prose squeezed."""
    if key == "action.correlationsearch.annotations":
        return {name: item for name, item in json.loads(value).items() if name not in CONTENTCTL_ADDED_ANNOTATIONS}
    if key == "action.correlationsearch.metadata":
        return {name: item for name, item in json.loads(value).items() if name not in CONTENTCTL_ADDED_METADATA}
    if key == "action.notable.param.drilldown_searches":
        return [{name: squeezed(text) for name, text in drilldown.items()} for drilldown in json.loads(value)]
    if key == "action.risk.param._risk":
        return json.loads(value)
    return squeezed(value)


def test_lookups_agree_with_default(built):
    """The lookup definitions the content declares (those its searches name) are the app's, but
    for the file: contentctl names a CSV lookup's file <name>_<YYYYMMDD>.csv after the YAML's
    date (CSVLookup.app_filename). The searches name the app's undated file, so the file
    contentctl ships (a header) is never read or written by them."""
    content = conf_text((built / "default" / "transforms.conf").read_text(encoding="utf-8"), "transforms.conf")
    app = app_conf("transforms.conf")
    written = {table for stem in BASELINES.values() for table in re.findall(
        r"outputlookup (\w+)\.csv", (CONTENT / "baselines" / f"{stem}.yml").read_text(encoding="utf-8"))}
    assert len(written) == len(BASELINES) and set(content) - CONTENTCTL_ONLY_LOOKUPS == written
    for stanza in written:
        assert stanza in app, f"[{stanza}] is not a lookup of default/transforms.conf"
        assert re.fullmatch(rf"{re.escape(stanza)}_\d{{8}}\.csv", content[stanza]["filename"])
        assert app[stanza]["filename"] == f"{stanza}.csv"
        others = {key: value for key, value in content[stanza].items() if key != "filename"}
        assert others == {key: value for key, value in app[stanza].items() if key != "filename"}, stanza


def test_no_quoted_string_depends_on_white_space():
    """squeezed() compares SPL with runs of white space as one: sound only while no quoted string
    in the compared searches holds a line break or a run of white space."""
    texts = [value for settings in app_conf("macros.conf").values() for value in settings.values()]
    texts += [settings[key] for stanza, settings in app_conf("savedsearches.conf").items() if stanza in shared_stanzas()
              for key in ("search", "action.notable.param.drilldown_searches") if key in settings]
    for text in texts:
        for quoted in re.findall(r'"(?:[^"\\]|\\.)*"', text):
            assert not re.search(r"\s\s|\n", quoted), quoted


# --- the test data, replayed -------------------------------------------------------------------


def policy_macro() -> str:
    policy = yaml.safe_load((CONTENT / "test_data" / "policy.yml").read_text(encoding="utf-8"))
    return f"[{policy['macro']}]\ndefinition = {policy['definition']}\n"


def expected_results(name: str) -> dict:
    stem, data, _ = DETECTIONS[name]
    document = yaml.safe_load((CONTENT / "test_data" / stem / data.replace(".json", ".expected.yml")).read_text(
        encoding="utf-8"))
    assert document["detection"] == name
    for row in document["results"]:
        for key, value in row.items():
            assert key == "line" or value is None or isinstance(value, str), f"{key}: {value!r} is not text"
    return document


def data_lines(name: str) -> list[str]:
    stem, data, _ = DETECTIONS[name]
    return (CONTENT / "test_data" / stem / data).read_text(encoding="utf-8").splitlines()


def event_instant(record: dict, sourcetype: str) -> datetime | None:
    """The event's own time (CloudTrail eventTime, OCSF time in ms), None if it cannot be read."""
    try:
        if sourcetype == "aws:cloudtrail":
            return datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        return datetime.fromtimestamp(int(record["time"]) / 1000, timezone.utc)
    except (KeyError, TypeError, ValueError):
        return None


def replayed(line: str, sourcetype: str) -> dict:
    """One line of attack data as Splunk shows the event after replay and search-time JSON
    extraction (the form harness/sample_events.py documents): _time from the event's own time
    field, else the replay's time; Splunk's date_* fields only from a timestamp it found."""
    record = json.loads(line)
    when = event_instant(record, sourcetype)
    event = {"_time": str(int(when.timestamp()) if when else REPLAY_TIME), "_raw": line, "sourcetype": sourcetype}
    if when and sourcetype == "aws:cloudtrail":
        event.update(date_fields(when))
    event.update(flatten(record))
    return event


def content_app(built: Path, target: Path, writable_lookups: bool = False, local_macros: str = "") -> App:
    """The app with the macros and saved searches contentctl built in place of its own;
    ``writable_lookups``: a lookups/ folder of its own (links to the app's files) for outputlookup;
    ``local_macros``: stanzas added to local/macros.conf after the policy macro."""
    target.mkdir(parents=True)
    for folder in ("bin", "lib", "lookups"):
        if folder == "lookups" and writable_lookups:
            (target / folder).mkdir()
            for path in (APP_ROOT / folder).iterdir():
                if path.name not in BASELINE_FILES:
                    (target / folder / path.name).symlink_to(path)
            continue
        (target / folder).symlink_to(APP_ROOT / folder, target_is_directory=True)
    (target / "default").mkdir()
    for path in (APP_ROOT / "default").iterdir():
        if path.name not in ("macros.conf", "savedsearches.conf"):
            (target / "default" / path.name).symlink_to(path)
    for name in ("macros.conf", "savedsearches.conf"):
        (target / "default" / name).write_bytes((built / "default" / name).read_bytes())
    (target / "local").mkdir()
    (target / "local" / "macros.conf").write_text(policy_macro() + local_macros, encoding="utf-8")
    return App(target, lookups_writable=writable_lookups)


@pytest.fixture(scope="module")
def apps(built, tmp_path_factory) -> dict[str, App]:
    if not (APP_ROOT / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    folder = tmp_path_factory.mktemp("apps")
    # The rules report the last hour of their time range (ecrofhours_reported_uploads); the point
    # here is each line's result, so both sides report the whole range (as shipped, all time
    # reports all but its first day: test_as_contentctl_test_runs_it_the_content_reports_its_test_data).
    whole_range = reported_uploads_macro(None)
    # Before the baselines have run: a baseline file a developer's tree may hold is left out.
    return {"default": App(APP_ROOT).with_local(folder / "default", {"local/macros.conf": policy_macro() + whole_range},
                                                without=[f"lookups/{name}" for name in BASELINE_FILES]),
            "contentctl": content_app(built, folder / "contentctl", writable_lookups=True, local_macros=whole_range)}


def matches(row: dict, expected: dict) -> list[str]:
    """What differs between a result and its expected row (empty: none)."""
    problems = []
    for key, value in expected.items():
        if key == "line":
            continue
        if key.endswith("_matches"):
            field = key[: -len("_matches")]
            if not re.fullmatch(value, str(row.get(field))):
                problems.append(f"{field}={row.get(field)!r} does not match {value!r}")
        elif row.get(key) != value:
            problems.append(f"{key}={row.get(key)!r}, expected {value!r}")
    return problems


@pytest.mark.parametrize("side", ["default", "contentctl"])
@pytest.mark.parametrize("name", sorted(DETECTIONS))
def test_test_data_gives_the_expected_results(name, side, apps):
    """The detection over its test data, in the app as shipped and as contentctl builds it."""
    _, _, sourcetype = DETECTIONS[name]
    events = [replayed(line, sourcetype) for line in data_lines(name)]
    rows = apps[side].run_saved_search(f"ecrofhours - {name} - Rule", events, now=TEST_NOW, window=ALL_TIME)
    expected = expected_results(name)
    # contentctl test's own pass rule (retry_search_until_timeout): a result, every risk object
    # field in every result, each threat object field in at least one.
    assert rows and all(row.get("user") for row in rows) and any(row.get("src_ip") for row in rows)
    assert len(rows) == len(expected["results"]), [(row["user"], row["off_hours_reason"]) for row in rows]
    for want in expected["results"]:
        found = [row for row in rows if not matches(row, {k: want[k] for k in ("user", "repository", "image_tag")})]
        assert len(found) == 1, f"line {want['line']}: {len(found)} results for {want['user']}"
        assert not matches(found[0], want), (want["line"], matches(found[0], want))
    reported = {(row["user"], row["image_tag"]) for row in rows}
    for line in expected["not_reported"]:
        record = json.loads(data_lines(name)[line["line"] - 1])
        assert not any(user_of(record) == user for user, _ in reported), line


@pytest.mark.parametrize("name", sorted(DETECTIONS))
def test_as_contentctl_test_runs_it_the_content_reports_its_test_data(name, built, tmp_path):
    """The content as built, its reporting macro as shipped, over all time at the test's now."""
    if not (APP_ROOT / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    _, _, sourcetype = DETECTIONS[name]
    events = [replayed(line, sourcetype) for line in data_lines(name)]
    app = content_app(built, tmp_path / "contentctl", writable_lookups=True)
    rows = app.run_saved_search(f"ecrofhours - {name} - Rule", events, now=TEST_NOW, window=ALL_TIME)
    assert len(rows) == len(expected_results(name)["results"])


@pytest.mark.parametrize("name", sorted(DETECTIONS))
def test_baseline_writes_the_same_lookup_on_both_sides(name, built, tmp_path):
    """Each rule's baseline over its test data, as default/ ships it and as contentctl built it:
    the same rows (but the build time), one per principal, with the columns of the header-only
    CSV of security_content/lookups/."""
    if not (APP_ROOT / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    stanza, file_stem = next((stanza, stem) for stanza, stem in BASELINES.items()
                             if stanza.replace("Baseline", "Outside Business Hours") == f"ecrofhours - {name}")
    baseline = yaml.safe_load((CONTENT / "baselines" / f"{file_stem}.yml").read_text(encoding="utf-8"))
    [table] = re.findall(r"outputlookup (\w+)\.csv", baseline["search"])
    header = (CONTENT / "lookups" / f"{table}.csv").read_text(encoding="utf-8").splitlines()
    _, _, sourcetype = DETECTIONS[name]
    events = [replayed(line, sourcetype) for line in data_lines(name)]
    sides = {"default": App(APP_ROOT).with_local(tmp_path / "default", {"local/macros.conf": policy_macro()},
                                                 without=[f"lookups/{name}" for name in BASELINE_FILES]),
             "contentctl": content_app(built, tmp_path / "contentctl", writable_lookups=True)}
    written = {}
    for side, app in sides.items():
        app.evaluator(now=REPLAY_TIME).run(app.saved_search(stanza), events)
        with open(app.root / "lookups" / f"{table}.csv", encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
        # the same columns; their order is the evaluator's, which does not emulate table's order
        assert len(header) == 1 and set(reader.fieldnames) == set(header[0].split(",")), side
        written[side] = [{key: value for key, value in row.items() if key != "baseline_built"} for row in rows]
    assert written["default"] == written["contentctl"]
    assert {row["user"] for row in written["default"]} == {user_of(json.loads(line)) for line in data_lines(name)}


def user_of(record: dict) -> str:
    """The principal of a raw record, as the design defines user (IAM user, or the role)."""
    if "eventTime" in record:
        identity = record["userIdentity"]
        return identity.get("userName") or identity["sessionContext"]["sessionIssuer"]["userName"]
    actor = record["actor"]
    if "issuer" in actor.get("session", {}):
        return actor["session"]["issuer"].rsplit("/", 1)[-1]
    return actor["user"]["name"]


@pytest.mark.parametrize("name", sorted(DETECTIONS))
def test_expected_results_agree_with_an_independent_calendar(name):
    """The hand-written expectations against tzdata and the holidays package, under profile=berlin:
    Europe/Berlin, Monday-Friday 08:00-18:00, the public holidays of Berlin (DE-BE)."""
    assert "profile=berlin " in policy_macro()
    _, _, sourcetype = DETECTIONS[name]
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    lines = data_lines(name)
    expected = expected_results(name)
    cases = {row["line"]: row for row in expected["results"]} | {row["line"]: None for row in expected["not_reported"]}
    assert sorted(cases) == list(range(1, len(lines) + 1)), "every event is either reported or not"
    reasons = set()
    for number, row in cases.items():
        record = json.loads(lines[number - 1])
        when = event_instant(record, sourcetype)
        if row is not None:
            assert row["user"] == user_of(record)
        if when is None:
            assert row is not None and row["off_hours_reason"] == "bad_time"
            reasons.add("bad_time")
            continue
        local = when.astimezone(berlin)
        holiday = holiday_calendars.country_holidays("DE", subdiv="BE", years=local.year, language="en_US").get(
            local.date())
        if holiday:
            reason = "holiday"
        elif local.weekday() >= 5:
            reason = "weekend"
        elif "08:00" <= local.strftime("%H:%M") < "18:00":
            reason = None
        else:
            reason = "before_hours" if local.hour < 8 else "after_hours"
        assert (row and row["off_hours_reason"]) == reason, number
        if row is not None:
            assert row["local_time"] == local.isoformat() and row["holiday_name"] == holiday
        reasons.add(reason)
    # weekday night, weekend, holiday, inside business hours, an event the command cannot judge
    assert {"before_hours", "weekend", "holiday", None, "bad_time"} <= reasons


@pytest.mark.parametrize("name", sorted(DETECTIONS))
def test_each_detection_names_its_test_data(name):
    stem, data, sourcetype = DETECTIONS[name]
    detection = yaml.safe_load((CONTENT / "detections" / "cloud" / f"{stem}.yml").read_text(encoding="utf-8"))
    assert detection["name"] == name
    [test] = detection["tests"]
    [attack_data] = test["attack_data"]
    assert attack_data["data"] == f"test_data/{stem}/{data}" and attack_data["sourcetype"] == sourcetype
    assert (CONTENT / attack_data["data"]).is_file()
    assert (CONTENT / attack_data["data"].replace(".json", ".expected.yml")).is_file()
