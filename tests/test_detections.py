"""Detection content: default/macros.conf and default/savedsearches.conf, checked as confs and run.

The saved searches run as written, macros expanded, through the strict evaluator (harness/spl) with
the real ecrofhours command, on the synthetic week (harness/sample_events.py). The rules report the
last hour of their time range (ecrofhours_reported_uploads, addinfo): run as the scheduler runs
them, hour by hour, each with its own dispatch times (test_scheduled_hourly_the_rules_report_each_upload_once),
they report what one search over the week (WEEK) reports when that macro reports the whole time
range, which is how the other tests see all of the week's uploads at once. What they must report
is computed here from the contract and the week's design by an independent oracle: zones from
the tzdata package, public holidays from the holidays package, each profile's hours as
ecrofhours.conf (and the demo's tuning) state them.
"""

from __future__ import annotations

import importlib.resources
import ipaddress
import json
import re
import zoneinfo
from collections import Counter
from datetime import datetime, timedelta, timezone

import holidays as holiday_calendars
import pytest

from conftest import REPO
from offhours.conffile import read_conf_text
from tools.run import demo
from harness.organisation import reporting, run_time_of
from harness.sample_events import (PUSHES, cloudtrail_event, cloudtrail_events, cloudtrail_record, event_id,
                                 security_lake_event, security_lake_events)
from harness.spl import App
from harness.spl.app import in_range
from harness.spl.commands import Stats
from harness.spl.escu import escu_evaluator, upstream_detections
from harness.spl.macros import parse_call

CLOUDTRAIL_RULE, ASL_RULE = demo.RULES["CloudTrail"], demo.RULES["Security Lake"]
LOGIC = {
    CLOUDTRAIL_RULE: "ecrofhours_aws_ecr_container_upload_outside_business_hours",
    ASL_RULE: "ecrofhours_asl_aws_ecr_container_upload_outside_business_hours",
}
REPORTS = {rule.replace(" - Rule", " - Tuning Report"): logic for rule, logic in LOGIC.items()}
BASELINES = {rule.replace(" Outside Business Hours - Rule", " Baseline"): logic.replace(
    "_upload_outside_business_hours", "_uploads") for rule, logic in LOGIC.items()}
HABITUAL_FILTER = "ecrofhours_habitual_upload_filter"
ESCU_MACROS = {"cloudtrail", "amazon_security_lake", "security_content_ctime",
               "aws_ecr_container_upload_outside_business_hours_filter",
               "asl_aws_ecr_container_upload_outside_business_hours_filter"}
POLICY = "ecrofhours_business_hours(1)"
SELFTEST = "ecrofhours - Self-test"  # checked in tests/test_selftest.py; not detection content
SELFTEST_MACROS = ("ecrofhours_selftest_",)

# The profiles as the contract and the confs define them: zone, Monday-Friday intervals
# (start inside, end outside), public holiday calendar.
PROFILES = {
    "utc": ("UTC", [("08:00", "20:00")], None),
    "berlin": ("Europe/Berlin", [("08:00", "18:00")], "DE"),
    "us_eastern": ("America/New_York", [("07:30", "12:00"), ("13:00", "19:00")], "US"),
    "sydney": ("Australia/Sydney", [("08:00", "18:00")], "AU"),
    "tokyo": ("Asia/Tokyo", [("09:00", "18:00")], "JP"),
    "us_pacific": ("America/Los_Angeles", [("08:00", "18:00")], "US"),
}
ORGANISATION_PROFILE = "berlin"  # the demo's tuned policy: profile=berlin for everyone not in the lookup
# One search over the sample week (Sunday 2026-05-24 to Saturday 2026-05-30 UTC), a day either side
# for the tests that shift _time: earliest=2026-05-23T00:00:00Z, latest=2026-06-01T00:00:00Z, run then.
WEEK = (datetime(2026, 5, 23, tzinfo=timezone.utc).timestamp(), datetime(2026, 6, 1, tzinfo=timezone.utc).timestamp())


def conf(name: str) -> dict[str, dict[str, str]]:
    stanzas = read_conf_text((REPO / "default" / name).read_text(encoding="utf-8"), f"default/{name}")
    return {stanza: {key: setting.value for key, setting in settings.items()} for stanza, settings in stanzas.items()}


MACROS = conf("macros.conf")
SAVED = conf("savedsearches.conf")


# --- the oracle --------------------------------------------------------------------------------


def tzdata_zone(name: str) -> zoneinfo.ZoneInfo:
    """A zone from the tzdata package, whatever zoneinfo's search path is."""
    package, _, leaf = f"tzdata.zoneinfo.{name.replace('/', '.')}".rpartition(".")
    with importlib.resources.files(package).joinpath(leaf).open("rb") as data:
        return zoneinfo.ZoneInfo.from_file(data, key=name)


def push_time(push) -> datetime:
    return datetime.fromisoformat(push.local_time).astimezone(timezone.utc)


def verdict(when: datetime, profile: str) -> tuple[str | None, datetime]:
    """(reason, local time) of an instant under a profile, by the contract's rules; None inside."""
    zone, intervals, calendar = PROFILES[profile]
    local = when.astimezone(tzdata_zone(zone))
    clock = local.strftime("%H:%M:%S")
    if calendar and local.date() in holiday_calendars.country_holidays(calendar, years=local.year):
        return "holiday", local
    if local.weekday() >= 5:
        return "weekend", local
    if any(f"{start}:00" <= clock < f"{end}:00" for start, end in intervals):
        return None, local
    if clock < f"{intervals[0][0]}:00":
        return "before_hours", local
    return ("after_hours" if clock >= f"{intervals[-1][1]}:00" else "between_hours"), local


def principal(push) -> str:
    """Who the design says ``user`` is: the IAM user, or the role of an assumed-role session."""
    return push.role or push.principal


def image_tag(number: int) -> str:
    """The tag of a push, or its digest for a push by digest."""
    push = PUSHES[number]
    return push.tag or cloudtrail_record(push, number)["requestParameters"]["imageDigest"]


def team_profiles() -> dict[str, str]:
    lines = demo.TUNING["lookups/team_profiles.csv"].splitlines()[1:]
    return dict(line.split(",") for line in lines)


def shipped_profile(push) -> str:
    return "utc"


def tuned_profile(push) -> str | None:
    """The demo's tuning: CI roles filtered out, people abroad by the lookup, the rest berlin."""
    if principal(push) in demo.CI_ROLES:
        return None
    return team_profiles().get(principal(push), ORGANISATION_PROFILE)


def expected(profile_of, shift: timedelta = timedelta(0)) -> set[tuple[str, ...]]:
    """The uploads a rule must report: (user, repository, image_tag, reason, local_time, bh_tz),
    for pushes judged at their time plus ``shift``."""
    rows = set()
    for number, push in enumerate(PUSHES):
        profile = profile_of(push)
        reason, local = verdict(push_time(push) + shift, profile) if profile else (None, None)
        if reason:
            rows.add((principal(push), push.repository, image_tag(number), reason, local.isoformat(),
                      PROFILES[profile][0]))
    return rows


def reported(rows: list[dict]) -> set[tuple[str, ...]]:
    found = {(row["user"], row["repository"], row["image_tag"], row["off_hours_reason"], row["local_time"],
              row["bh_tz"]) for row in rows}
    assert len(found) == len(rows), "one result per upload"
    return found


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app():
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    return App(REPO)


def over_the_week(files: dict[str, str] | None = None) -> dict[str, str]:
    """``files`` with ecrofhours_reported_uploads reporting the whole time range: for the tests whose
    point is what the rules report for the week's uploads, not which hour a run reports."""
    return reporting(files or {}, None)


def run_over_the_week(app: App, name: str, events: list[dict], searcher_tz: str = "UTC") -> list[dict]:
    """A saved search run once over WEEK (at its end), on the events in it."""
    assert in_range(events, WEEK) == list(events), "an event outside the week"
    return app.run_saved_search(name, events, searcher_tz=searcher_tz, now=WEEK[1], window=WEEK)


def run_rules(app: App) -> dict[str, list[dict]]:
    """Each rule's results over the week of its variant's events (demo.run_rules, with a time range)."""
    events = demo.variant_events()
    return {variant: run_over_the_week(app, demo.RULES[variant], events[variant]) for variant in demo.RULES}


@pytest.fixture(scope="module")
def week_app(app, tmp_path_factory):
    """The app as shipped, reporting the whole time range (over_the_week)."""
    return app.with_local(tmp_path_factory.mktemp("week") / "ecrofhours", over_the_week())


@pytest.fixture(scope="module")
def tuned_app(app, tmp_path_factory):
    return app.with_local(tmp_path_factory.mktemp("tuned") / "ecrofhours", over_the_week(demo.TUNING))


@pytest.fixture(scope="module")
def shipped_results(week_app):
    return run_rules(week_app)


@pytest.fixture(scope="module")
def tuned_results(tuned_app):
    return run_rules(tuned_app)


def with_policy(app: App, folder, definition: str) -> App:
    return app.with_local(folder, {"local/macros.conf": f"[{POLICY}]\ndefinition = {definition}\n"})


# --- the confs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["macros.conf", "savedsearches.conf"])
def test_confs_parse_sorted_without_a_default_stanza(name):
    stanzas = conf(name)
    assert stanzas and "default" not in stanzas
    assert list(stanzas) == sorted(stanzas)
    for settings in stanzas.values():
        assert list(settings) == sorted(settings)


def test_macros_are_this_apps_own_described_and_use_their_arguments():
    for stanza, settings in MACROS.items():
        name, _, count = stanza.partition("(")
        assert name.startswith("ecrofhours_") and name not in ESCU_MACROS, stanza
        assert len(settings["description"]) > 40, stanza
        declared = [arg.strip() for arg in settings.get("args", "").split(",") if arg.strip()]
        assert len(declared) == int(count.rstrip(")") or 0), stanza
        assert set(re.findall(r"\$(\w+)\$", settings["definition"])) == set(declared), stanza
    sources = {MACROS["ecrofhours_cloudtrail"]["definition"], MACROS["ecrofhours_amazon_security_lake"]["definition"]}
    assert sources == {"sourcetype=aws:cloudtrail", "sourcetype=aws:asl"}


def test_one_filter_macro_per_detection_passing_everything():
    filters = {stanza for stanza in MACROS if stanza.endswith("_filter")}
    assert filters == {f"{logic}_filter" for logic in LOGIC.values()} | {HABITUAL_FILTER}
    assert {MACROS[stanza]["definition"] for stanza in filters} == {"search *"}


def searches() -> list[str]:
    """Every SPL text of the content: macro definitions, saved searches, drilldown searches."""
    texts = [settings["definition"] for settings in MACROS.values()]
    for settings in SAVED.values():
        texts.append(settings["search"])
        drilldowns = settings.get("action.notable.param.drilldown_searches", "[]")
        texts += [drilldown["search"] for drilldown in json.loads(drilldowns)]
    return texts


def test_every_macro_called_exists_and_every_macro_is_called():
    called = set()
    for text in searches():
        for call in re.findall(r"`([^`]+)`", text):
            name, arguments = parse_call(call)
            called.add(f"{name}({len(arguments)})" if arguments else name)
    assert called == set(MACROS)


def test_one_policy_macro_invokes_ecrofhours_for_every_saved_search(app):
    """The detections' policy lives in one macro; the self-test's own macros name explicit options."""
    invoking = [stanza for stanza, settings in MACROS.items()
                if re.search(r"(^|\|)\s*ecrofhours ", settings["definition"], re.MULTILINE)]
    assert [stanza for stanza in invoking if not stanza.startswith(SELFTEST_MACROS)] == [POLICY]
    for name, settings in SAVED.items():
        if name == SELFTEST:
            continue
        expanded = app.macros.expand(settings["search"])
        assert re.search(r"\|\s*ecrofhours ", expanded), name
        for clock_field in ("date_hour", "date_wday", "strftime"):
            assert clock_field not in expanded, (name, clock_field)
        app.evaluator().parse(settings["search"])  # every command and function is supported


@pytest.mark.parametrize("name", list(LOGIC))
def test_rules_are_es_correlation_searches(name):
    rule = SAVED[name]
    assert {key: rule[key] for key in ("disabled", "enableSched", "cron_schedule", "dispatch.earliest_time",
                                       "dispatch.latest_time", "schedule_window", "action.correlationsearch.enabled",
                                       "action.correlationsearch.label", "action.risk")} == {
        "disabled": "true", "enableSched": "1", "cron_schedule": "0 * * * *", "dispatch.earliest_time": "-1510m@m",
        "dispatch.latest_time": "-10m@m", "schedule_window": "auto", "action.correlationsearch.enabled": "1",
        "action.correlationsearch.label": name, "action.risk": "1"}
    annotations = json.loads(rule["action.correlationsearch.annotations"])
    assert annotations["mitre_attack"] == ["T1204.003"] and annotations["analytic_story"] == ["Dev Sec Ops"]
    assert json.loads(rule["action.correlationsearch.metadata"])["detection_id"]
    assert json.loads(rule["action.risk.param._risk"]) == [
        {"risk_object_field": "user", "risk_object_type": "user", "risk_score": 20},
        {"threat_object_field": "src_ip", "threat_object_type": "ip_address"}]
    assert re.findall(r"\$\w+\$", rule["action.risk.param._risk_message"]) == [
        "$repository$", "$image_tag$", "$user$", "$principal_type$", "$principal_evidence$", "$judgement$",
        "$risk_score$", "$risk_summary$"]
    results, risk = json.loads(rule["action.notable.param.drilldown_searches"])
    one_line = " ".join(line.strip() for line in rule["search"].splitlines())
    assert results == {"name": 'View the detection results for - "$user$"',
                       "search": one_line + ' | search user = "$user$"',
                       "earliest_offset": "$info_min_time$", "latest_offset": "$info_max_time$"}
    assert risk["search"].startswith('| from datamodel Risk.All_Risk | search normalized_risk_object IN ("$user$")')
    assert (risk["earliest_offset"], risk["latest_offset"]) == ("7d", "0")
    assert rule["search"].startswith(f"`{LOGIC[name]}`") and rule["search"].endswith(f"`{LOGIC[name]}_filter`")


@pytest.mark.parametrize("name", list(REPORTS))
def test_tuning_reports_cover_thirty_days_and_are_not_scheduled(name):
    report = SAVED[name]
    assert (report["dispatch.earliest_time"], report["dispatch.latest_time"]) == ("-30d@d", "now")
    assert "cron_schedule" not in report and report.get("enableSched", "0") == "0"
    assert report["search"].startswith(f"`{REPORTS[name]}` \n| `{REPORTS[name]}_filter`")
    assert set(SAVED) == set(LOGIC) | set(REPORTS) | set(BASELINES) | {SELFTEST}


# --- the synthetic week ------------------------------------------------------------------------


def test_the_week_has_the_cases_the_expectations_need():
    shipped, tuned = expected(shipped_profile), expected(tuned_profile)
    assert {row[3] for row in tuned} >= {"holiday", "after_hours", "weekend"}
    assert {row[3] for row in shipped} >= {"before_hours", "after_hours", "weekend"}
    assert {row[:3] for row in shipped} - {row[:3] for row in tuned}  # false alarms the tuning removes
    assert {row[:3] for row in tuned} - {row[:3] for row in shipped}  # uploads only local time catches


@pytest.mark.parametrize("variant", demo.RULES)
def test_as_shipped_the_rules_report_upstreams_hours_judged_at_event_time(shipped_results, variant):
    assert reported(shipped_results[variant]) == expected(shipped_profile)


@pytest.mark.parametrize("variant", demo.RULES)
def test_with_team_profiles_the_rules_report_local_off_hours(tuned_results, variant):
    assert reported(tuned_results[variant]) == expected(tuned_profile)


@pytest.mark.parametrize("variant", demo.RULES)
def test_scheduled_hourly_the_rules_report_each_upload_once(app, shipped_results, variant):
    """As shipped (no macro changed), at each hour of the week's runs with its own dispatch times
    (-1510m@m to -10m@m): every upload is reported once, by the run whose last hour holds it, and
    the runs give what one search over the week gives (with the whole range reported)."""
    name, events = demo.RULES[variant], demo.variant_events()[variant]
    runs = sorted({run_time_of(int(event["_time"])) for event in events})
    assert app.time_range(name, runs[0]) == (runs[0] - 1510 * 60, runs[0] - 10 * 60)
    hourly = []
    for run in runs:
        rows = app.run_saved_search(name, events, now=run)
        first = [datetime.strptime(row["firstTime"], "%Y-%m-%dT%H:%M:%S%z").timestamp() for row in rows]
        assert all(run - 70 * 60 <= when < run - 10 * 60 for when in first), run
        hourly += rows
        if run + 3600 not in runs:  # the next run searches these uploads again and reports none of them
            assert app.run_saved_search(name, events, now=run + 3600) == [], run + 3600
    assert sorted(sorted(row.items()) for row in hourly) == sorted(
        sorted(row.items()) for row in shipped_results[variant])
    assert reported(hourly) == expected(shipped_profile)


def test_no_upload_is_dropped_for_a_missing_user_name_or_tag(shipped_results):
    rows = {row["user"]: row for row in shipped_results["CloudTrail"]}
    digest_push = next(number for number, push in enumerate(PUSHES) if push.tag is None)
    assert PUSHES[digest_push].assumed_role
    row = rows[principal(PUSHES[digest_push])]
    assert row["image_tag"] == image_tag(digest_push) and row["image_tag"].startswith("sha256:")
    assert row["user_arn"].endswith(":assumed-role/" + PUSHES[digest_push].principal)


def test_both_variants_report_the_same_fields_for_the_same_uploads(shipped_results, tuned_results):
    for results in (shipped_results, tuned_results):
        cloudtrail, security_lake = ([{key: value for key, value in row.items() if key != "vendor_product"}
                                      for row in results[variant]] for variant in demo.RULES)
        assert cloudtrail == security_lake
    assert {row["vendor_product"] for row in shipped_results["CloudTrail"]} == {"AWS CloudTrail"}


@pytest.mark.parametrize("variant", demo.RULES)
def test_risk_fields_are_in_every_result(shipped_results, variant):
    message = SAVED[demo.RULES[variant]]["action.risk.param._risk_message"]
    for row in shipped_results[variant]:
        assert all(token in row for token in re.findall(r"\$(\w+)\$", message)), row
        try:
            ipaddress.ip_address(row["src"])
            assert row["src_ip"] == row["src"]
        except ValueError:
            assert "src_ip" not in row, row  # 'AWS Internal' is no threat object
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", row["firstTime"])
        assert int(row["count"]) == 1 and row["bh_profile"] == "utc"


@pytest.mark.parametrize("variant", demo.RULES)
def test_verdicts_do_not_depend_on_the_searchers_zone(week_app, shipped_results, variant):
    """Only firstTime and lastTime are shown in the searcher's zone; the judgement is the event's."""
    events = demo.variant_events()[variant]
    in_tokyo = run_over_the_week(week_app, demo.RULES[variant], events, searcher_tz="Asia/Tokyo")
    assert reported(in_tokyo) == reported(shipped_results[variant])
    assert all(row["firstTime"].endswith("+0900") for row in in_tokyo)


def test_cloudtrail_uploads_are_judged_at_event_time_else_at_time(week_app):
    """eventTime decides even when Splunk's _time differs (a late or mis-stamped event); _time
    decides when eventTime is missing."""
    events = cloudtrail_events()
    shifted = [dict(event, _time=str(int(event["_time"]) - 12 * 3600)) for event in events]
    without = [{key: value for key, value in event.items() if key != "eventTime"} for event in shifted]
    assert reported(run_over_the_week(week_app, CLOUDTRAIL_RULE, shifted)) == expected(shipped_profile)
    rows_without = run_over_the_week(week_app, CLOUDTRAIL_RULE, without)
    assert reported(rows_without) == expected(shipped_profile, shift=timedelta(hours=-12))


def test_security_lake_uploads_are_judged_at_their_time_in_milliseconds(week_app):
    events = [dict(event, _time=str(int(event["_time"]) + 3 * 3600)) for event in security_lake_events()]
    assert reported(run_over_the_week(week_app, ASL_RULE, events)) == expected(shipped_profile)


def test_the_aws_add_ons_cim_fields_are_taken_when_present_but_not_for_user(week_app):
    events = [dict(event, signature="PutImage (add-on)", vendor_region="add-on-region", src="198.51.100.9",
                   user_agent="add-on agent", vendor_account="999988887777", vendor_product="Amazon Web Services",
                   user_name="add-on user") for event in cloudtrail_events()]
    rows = run_over_the_week(week_app, CLOUDTRAIL_RULE, events)
    assert {(row["signature"], row["vendor_region"], row["src"], row["src_ip"], row["user_agent"],
             row["vendor_account"], row["vendor_product"]) for row in rows} == {
        ("PutImage (add-on)", "add-on-region", "198.51.100.9", "198.51.100.9", "add-on agent", "999988887777",
         "Amazon Web Services")}
    assert reported(rows) == expected(shipped_profile)  # user still from the raw identity


def test_uploads_that_cannot_be_judged_are_reported_with_the_reason(app, tmp_path):
    """A typo in the team lookup must not silence the rule."""
    files = dict(demo.TUNING)
    files["lookups/team_profiles.csv"] = files["lookups/team_profiles.csv"].replace(",tokyo", ",tokio")
    rows = run_over_the_week(app.with_local(tmp_path / "typo", over_the_week(files)), CLOUDTRAIL_RULE,
                             cloudtrail_events())
    kenji = [row for row in rows if row["user"] == "kenji.tanaka"]
    assert [(row["off_hours_reason"], row["bh_profile"], row["bh_tz"]) for row in kenji] == [
        ("unknown_profile", "tokio", "unknown")] * 2
    assert all("local_time" not in row for row in kenji)


def risk_message(name: str, row: dict) -> str:
    """The rule's risk message for one result, as ES fills it in: ``$field$`` by the field's value."""
    template = SAVED[name]["action.risk.param._risk_message"]
    return re.sub(r"\$(\w+)\$", lambda match: row.get(match.group(1), ""), template)


@pytest.mark.parametrize("variant", demo.RULES)
def test_the_risk_message_of_a_judged_upload_names_reason_local_time_and_zone(shipped_results, variant):
    for row in shipped_results[variant]:
        assert risk_message(demo.RULES[variant], row) == (
            f"Container image {row['repository']} ({row['image_tag']}) uploaded by {row['user']} "
            f"({row['principal_type']}: {row['principal_evidence']}) outside business "
            f"hours: {row['off_hours_reason']} at {row['local_time']} ({row['bh_tz']}); risk 20: no baseline yet +20")


@pytest.mark.parametrize("variant", demo.RULES)
def test_the_risk_message_of_an_upload_that_could_not_be_judged_says_so(app, tmp_path, variant):
    """Not "outside business hours: unknown_profile at  (unknown)": what happened, and why."""
    files = dict(demo.TUNING)
    files["lookups/team_profiles.csv"] = files["lookups/team_profiles.csv"].replace(",tokyo", ",tokio")
    tuned = app.with_local(tmp_path / "typo", over_the_week(files))
    rows = run_over_the_week(tuned, demo.RULES[variant], demo.variant_events()[variant])
    kenji = [row for row in rows if row["user"] == "kenji.tanaka"]
    assert kenji and all(row["off_hours_reason"] == "unknown_profile" for row in kenji)
    for row in kenji:
        message = risk_message(demo.RULES[variant], row)
        assert message.startswith(f"Container image {row['repository']} ({row['image_tag']}) uploaded by "
                                  "kenji.tanaka (human: IAM user with interactive client docker) at a time that "
                                  "could not be judged against business hours: unknown_profile (")
        assert message.endswith("; risk 30: could not be judged +30") and row["risk_score"] == "30"
        assert "tokio" in message and "outside business hours" not in message and "  " not in message
    judged = [row for row in rows if row["user"] != "kenji.tanaka"]
    assert judged and all("outside business hours: " in risk_message(demo.RULES[variant], row) for row in judged)


def test_the_first_drilldown_shows_the_rules_results_for_one_user(week_app, shipped_results):
    """The drilldown searches the notable's own time range ($info_min_time$ to $info_max_time$)."""
    drilldown = json.loads(SAVED[CLOUDTRAIL_RULE]["action.notable.param.drilldown_searches"])[0]["search"]
    rows = week_app.evaluator(now=WEEK[1], window=WEEK).run(drilldown.replace("$user$", "michael.chen"),
                                                            in_range(cloudtrail_events(), WEEK))
    assert rows == [row for row in shipped_results["CloudTrail"] if row["user"] == "michael.chen"]
    assert len(rows) == 2


@pytest.mark.parametrize("report, events", [
    (name, demo.variant_events()["Security Lake" if " ASL " in name else "CloudTrail"]) for name in REPORTS])
def test_tuning_reports_count_by_principal_reason_and_local_hour_of_week(tuned_app, report, events):
    rows = tuned_app.run_saved_search(report, events)
    counts = Counter()
    for push in PUSHES:
        profile = tuned_profile(push)
        reason, local = verdict(push_time(push), profile) if profile else (None, None)
        if reason:
            counts[(principal(push), profile, reason, f"{local:%a %H}:00".lower())] += 1
    assert {(row["user"], row["bh_profile"], row["off_hours_reason"], row["hour_of_week"]): int(row["count"])
            for row in rows} == counts
    assert [int(row["count"]) for row in rows] == sorted((int(row["count"]) for row in rows), reverse=True)


# --- the real samples (../shared/reference/samples) ---------------------------------------------


def test_the_real_cloudtrail_sample_is_off_hours_in_utc_and_business_hours_in_los_angeles(
        app, shared_reference, tmp_path):
    record = json.loads((shared_reference / "samples" / "cloudtrail_ecr_putimage_attack_range_example_log.json")
                        .read_text(encoding="utf-8"))
    event = cloudtrail_event(record)
    run = run_time_of(int(event["_time"]))  # the hourly run that reports it, as shipped
    rows = app.run_saved_search(CLOUDTRAIL_RULE, [event], now=run)
    assert [(row["user"], row["repository"], row["image_tag"], row["off_hours_reason"], row["local_time"],
             row["bh_tz"], row["src"], "src_ip" in row) for row in rows] == [
        ("test", "devsecops/cat_dog_server", "latest", "after_hours", "2021-08-18T23:17:30+00:00", "UTC",
         "AWS Internal", False)]
    los_angeles = with_policy(app, tmp_path / "la",
                              'ecrofhours tz=America/Los_Angeles hours="mon-fri 08:00-18:00" timefield=$timefield$')
    assert los_angeles.run_saved_search(CLOUDTRAIL_RULE, [event], now=run) == []
    judged = los_angeles.evaluator().run(
        f"`{LOGIC[CLOUDTRAIL_RULE]}` | search off_hours=* | table off_hours_reason", [event])
    assert judged == []  # business hours there: the logic macro passes on nothing
    docs = json.loads((shared_reference / "samples" / "cloudtrail_ecr_putimage_awsdocs_sample.json")
                      .read_text(encoding="utf-8"))
    docs_event = cloudtrail_event(docs)
    assert app.run_saved_search(CLOUDTRAIL_RULE, [docs_event], now=run_time_of(int(docs_event["_time"]))) == [
        ]  # Monday 16:45 UTC


def test_the_security_lake_rule_reads_the_real_ocsf_1_1_0_layout(app, shared_reference):
    """The OCSF 1.1.0 example (an API call on Thursday 22:22:52 UTC), made a PutImage."""
    record = json.loads((shared_reference / "samples" / "ocsf_1.1.0_api_activity_example.json")
                        .read_text(encoding="utf-8"))
    run = run_time_of(int(security_lake_event(record)["_time"]))  # the hourly run that reports it, as shipped
    assert app.run_saved_search(ASL_RULE, [security_lake_event(record)], now=run) == []  # not a PutImage
    record["api"]["operation"] = "PutImage"
    rows = app.run_saved_search(ASL_RULE, [security_lake_event(record)], now=run)
    assert [(row["user"], row["user_arn"], row["vendor_account"], row["vendor_region"], row["src_ip"],
             row["off_hours_reason"], row["local_time"], row["repository"]) for row in rows] == [
        ("Level6", "arn:aws:iam::1111111111111:user/Level6", "1111111111111", "us-east-1", "205.8.181.128",
         "after_hours", "2023-09-21T22:22:52+00:00", "unknown")]


# --- the upstream searches as a negative control ------------------------------------------------


def upstream_selection(reference, name: str, events: list[dict], searcher_tz: str):
    """(events its time test selects, its final results) for an upstream detection."""
    evaluator = escu_evaluator(reference, searcher_tz)
    commands = evaluator.parse(upstream_detections(reference)[name].search)
    at = next(i for i, command in enumerate(commands) if isinstance(command, Stats))
    return evaluator.execute(commands[:at], events), evaluator.execute(commands, events)


def test_upstream_cloudtrail_judges_utc_and_reports_nothing_without_the_aws_add_on(shared_reference):
    for searcher_tz in ("UTC", "America/Los_Angeles"):
        selected, final = upstream_selection(shared_reference, demo.UPSTREAM["CloudTrail"], cloudtrail_events(),
                                             searcher_tz)
        utc_off = {event_id(n) for n, push in enumerate(PUSHES) if verdict(push_time(push), "utc")[0]}
        assert {event["eventID"] for event in selected} == utc_off  # date_* is the raw UTC clock
        assert final == []  # its stats groups by the add-on's CIM fields, which raw JSON lacks
    holidays_missed = {event_id(n) for n, push in enumerate(PUSHES)
                       if tuned_profile(push) and verdict(push_time(push), tuned_profile(push))[0] == "holiday"}
    assert holidays_missed and not holidays_missed & utc_off


def test_upstream_security_lake_judges_the_searchers_zone_and_never_the_weekend(shared_reference):
    events = security_lake_events()
    for searcher_tz in ("Europe/Berlin", "America/New_York"):
        selected, final = upstream_selection(shared_reference, demo.UPSTREAM["Security Lake"], events, searcher_tz)
        hours = {event_id(n) for n, push in enumerate(PUSHES)
                 if not 8 <= push_time(push).astimezone(tzdata_zone(searcher_tz)).hour < 20}
        assert {event["metadata.uid"] for event in selected} == hours  # weekday=Saturday never matches
        assert final == []  # its stats groups by bucketName, which no PutImage has
    saturday = [push for push in PUSHES if push_time(push).weekday() == 5
                and 8 <= push_time(push).astimezone(tzdata_zone("Europe/Berlin")).hour < 20]
    assert saturday  # a weekend upload the Berlin searcher's run does not select


# --- the README's examples ----------------------------------------------------------------------

README_FILTER = re.compile(r"\boff_hours\s*(?:[!<>]?=|[<>])|\bonly=(?:true|t|1|yes)\b", re.IGNORECASE)
README_LOOKUPS = {  # what the lookups the README's examples name hold here
    "lookups/account_profiles.csv": "recipientAccountId,profile\n111122223333,berlin\n444455556666,no_such_team\n",
    "lookups/team_profiles.csv": "user,profile\nanna.schmidt,berlin\nkenji.tanaka,no_such_team\n",
}


def readme_searches_filtering_on_off_hours(text: str | None = None) -> list[str]:
    """Every SPL search in a code block of README.md and docs/ (or ``text``) that filters on ``off_hours``
    (``where``, ``search``, ``only=true``): lines starting with ``|`` continue a search,
    ``definition =`` (a macro in a conf block) starts one, other conf lines are not SPL. A block
    fenced as ```text is a diagram, not SPL."""
    if text is None:
        from test_readme import documentation_text  # README.md and docs/*.md

        text = documentation_text()
    found = []
    for block in re.findall(r"^```(?!text\b)[^\n]*\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        searches: list[str] = []
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("|") and searches:
                searches[-1] += " " + line
            elif line.startswith("definition ="):  # a macro's commands, after any base search
                searches.append("... | " + line.partition("=")[2].strip())
            elif line and not line.startswith(("#", "[")) and " = " not in line:
                searches.append(line)
        found += [spl for spl in searches if "ecrofhours" in spl and README_FILTER.search(spl)]
    return found


def test_the_readme_has_searches_that_filter_on_off_hours():
    assert len(readme_searches_filtering_on_off_hours()) >= 2


@pytest.mark.parametrize("spl", readme_searches_filtering_on_off_hours())
def test_readme_searches_that_filter_on_off_hours_keep_events_that_cannot_be_judged(app, tmp_path, spl):
    """The README's own rule: an undecidable event (empty off_hours) is never filtered away."""
    sunday = datetime(2024, 6, 2, 3, 0, tzinfo=timezone.utc)  # a weekend in every zone the README names
    epoch = str(int(sunday.timestamp()))

    def event(account, user, good_time):
        return {"_time": epoch if good_time else "not a time", "time": epoch + "000" if good_time else "soon",
                "eventTime": sunday.isoformat() if good_time else "yesterday", "recipientAccountId": account,
                "user": user, "user_tz": "Europe/Berlin", "sourcetype": "aws:cloudtrail", "eventName": "PutImage"}

    events = [event("111122223333", "anna.schmidt", False),  # bad_time
              event("444455556666", "kenji.tanaka", True),  # unknown_profile
              event("111122223333", "anna.schmidt", True)]  # weekend: off hours
    base, _, commands = spl.partition("|")  # the events stand for the base search's
    runnable = f"* | {commands}" if base.strip() else spl  # a generating command stays (unsupported: an error)
    results = app.with_local(tmp_path / "readme", README_LOOKUPS).evaluator().run(runnable, events)
    assert len(results) == 3, f"{spl}\ndrops events: {results}"
