"""The ESCU-style baseline saved searches and the lookups they write; the rules before they exist."""

from __future__ import annotations

import csv
import re
from datetime import datetime, time, timezone

import pytest

from conftest import REPO
from offhours.conffile import read_conf_text
from harness import organisation
from harness.organisation import (BASELINES, CLOUD_RANGES, DAY, ORGANISATION_A, RULES, Variants, admin_files, between,
                                one_search_a_day, previous_app, run_time_of, uploads_of)
from tools.build.package import SHIPPED_LOOKUPS
from harness.sample_events import cloudtrail_events, security_lake_events
from harness.spl import App

LOOKUPS = {"CloudTrail": "ecrofhours_ecr_upload_baseline_cloudtrail.csv",
           "Security Lake": "ecrofhours_ecr_upload_baseline_security_lake.csv"}


def conf(name: str) -> dict[str, dict[str, str]]:
    text = (REPO / "default" / name).read_text(encoding="utf-8")
    return {stanza: {key: setting.value for key, setting in settings.items()}
            for stanza, settings in read_conf_text(text, name).items()}


@pytest.fixture(scope="module")
def app():
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    return App(organisation.APP)


@pytest.mark.parametrize("variant", BASELINES)
def test_the_baselines_ship_disabled_daily_over_thirty_days_without_the_last_day(variant):
    search = conf("savedsearches.conf")[BASELINES[variant]]
    assert {key: search[key] for key in ("disabled", "enableSched", "cron_schedule", "dispatch.earliest_time",
                                         "dispatch.latest_time")} == {
        "disabled": "true", "enableSched": "1", "cron_schedule": "20 1 * * *", "dispatch.earliest_time": "-31d@d",
        "dispatch.latest_time": "-1d@d"}
    assert search["search"].endswith(f"| outputlookup {LOOKUPS[variant]}")
    rule = conf("savedsearches.conf")[RULES[variant]]["search"]
    assert f"`ecrofhours_principal_context({LOOKUPS[variant]})`" in rule


def test_the_lookups_have_definitions_and_no_file_ships():
    transforms = conf("transforms.conf")
    for name in [*LOOKUPS.values(), "ecrofhours_service_principals.csv"]:
        assert transforms[name.removesuffix(".csv")] == {"filename": name}
        assert f"lookups/{name}" not in SHIPPED_LOOKUPS and not (REPO / "lookups" / name).exists()
    macros = conf("macros.conf")
    assert "| inputlookup append=t $baseline$" in macros["ecrofhours_principal_context(1)"]["definition"]
    assert not re.search(r"(^|\|)\s*lookup ", macros["ecrofhours_principal_context(1)"]["definition"], re.M)
    assert "| head 5000" in macros["ecrofhours_baseline_limits"]["definition"]


def learnt(app, tmp_path, variant: str, days: int = 21, files=None) -> tuple[list[dict], App]:
    """The baseline run at midnight after ``days`` days of organisation A: its own time range,
    -31d@d to -1d@d, leaves the last of those days out."""
    copy = app.with_local(tmp_path / variant.replace(" ", "_"), files or admin_files(ORGANISATION_A))
    data = Variants.of(uploads_of(ORGANISATION_A, 1))
    start = datetime.combine(ORGANISATION_A.start, time(), timezone.utc).timestamp()
    copy.run_saved_search(BASELINES[variant], between(data.events[variant], start, start + days * DAY),
                          now=start + days * DAY)
    with open(copy.root / "lookups" / LOOKUPS[variant], encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle)), copy


@pytest.mark.parametrize("variant", BASELINES)
def test_the_baseline_learns_each_principals_habits_with_versions_and_addresses_coarsened(app, tmp_path, variant):
    rows, _ = learnt(app, tmp_path, variant)
    by_user = {row["user"]: row for row in rows}
    assert len(by_user) == len(rows) == 13 + 3  # thirteen developers, three CI principals
    ci = by_user[ORGANISATION_A.ci_role]
    assert ci["baseline_principal_type"] == "service"
    assert ci["baseline_agents"] == "|buildkit|"  # buildkit/v0.17.2, whatever the version
    assert set(ci["baseline_networks"].strip("|").split("|")) == {f"{prefix}.0.0/16" for prefix in CLOUD_RANGES}
    hours = ci["baseline_hours"].strip("|").split("|")
    assert {"every day 02", "every day 03", "every day 04"} <= set(hours)  # 02:00 UTC: 03:00 in Berlin, +-1
    assert by_user["jonas.weber"]["baseline_agents"] == "|docker|"
    assert int(by_user["jonas.weber"]["baseline_first_seen"]) < int(by_user["jonas.weber"]["baseline_last_seen"])


def test_an_admin_can_bound_the_rows_further(app, tmp_path):
    files = dict(admin_files(ORGANISATION_A))
    files["local/macros.conf"] += ("\n[ecrofhours_baseline_limits]\ndefinition = sort 0 - baseline_last_seen "
                                   "| head 3\n")
    rows, _ = learnt(app, tmp_path, "CloudTrail", files=files)
    assert len(rows) == 3


@pytest.mark.parametrize("variant", RULES)
def test_without_a_baseline_the_rules_report_what_todays_rules_report_at_todays_score(app, tmp_path, variant):
    """Both run hourly over the sample week as scheduled, each with its own dispatch times (today's
    -70m@m to -10m@m, the new -1510m@m to -10m@m reporting the same last hour)."""
    events = {"CloudTrail": cloudtrail_events(), "Security Lake": security_lake_events()}[variant]
    new = app.with_local(tmp_path / "new", admin_files(ORGANISATION_A))
    today = previous_app(admin_files(ORGANISATION_A), tmp_path / "today")
    assert today.saved_searches[RULES[variant]]["dispatch.earliest_time"] == "-70m@m"
    rows, before = [], []
    for run in sorted({run_time_of(int(event["_time"])) for event in events}):
        window = new.time_range(RULES[variant], run)
        evaluator = new.evaluator(now=run, window=window)
        rows += evaluator.run(new.saved_search(RULES[variant]), between(events, *window))
        assert ("WARN", f"[local] The lookup table '{LOOKUPS[variant]}' does not exist or is not available.") in \
            evaluator.context.messages
        before += today.run_saved_search(RULES[variant], events, now=run)
    assert rows and sorted(row["image_tag"] for row in rows) == sorted(row["image_tag"] for row in before)
    assert len(rows) == len({row["image_tag"] for row in rows})  # each upload once
    assert {(row["risk_score"], row["risk_summary"]) for row in rows} == {("20", "no baseline yet +20")}


def test_a_rule_that_used_lookup_would_stop_without_the_baseline(app, tmp_path):
    """Why the rules use inputlookup append=t: lookup of a missing file is an error in Splunk, and here."""
    copy = app.with_local(tmp_path / "copy", admin_files(ORGANISATION_A))
    with pytest.raises(Exception, match="no lookup file"):
        copy.evaluator().run("`ecrofhours_aws_ecr_container_uploads` | lookup "
                             f"{LOOKUPS['CloudTrail']} user OUTPUT baseline_hours", cloudtrail_events())


@pytest.mark.parametrize("variant", RULES)
def test_a_habitual_upload_scores_low_and_an_admin_may_leave_it_out(app, tmp_path, variant):
    """A day's hourly runs (00:50 to 00:50) as one search, each reporting its last hour seeing the
    24 hours before it (one_search_a_day; tests/test_organisation.py checks that equivalence)."""
    rows, copy = learnt(app, tmp_path, variant, days=35, files=one_search_a_day(admin_files(ORGANISATION_A)))
    data = Variants.of(uploads_of(ORGANISATION_A, 1))
    day = datetime.combine(ORGANISATION_A.start, time(), timezone.utc).timestamp() + 35 * DAY
    searched = (day + 50 * 60 - DAY, day + DAY + 50 * 60)
    window = between(data.events[variant], *searched)
    results = copy.evaluator(now=day + DAY, window=searched).run(copy.saved_search(RULES[variant]), window)
    first = [datetime.strptime(row["firstTime"], "%Y-%m-%dT%H:%M:%S%z").timestamp() for row in results]
    assert first and all(day + 50 * 60 <= when < searched[1] for when in first)  # the day, not the one before
    habitual = [row for row in results if row["risk_habitual"] == "1"]
    assert habitual and all(row["risk_score"] == "1" for row in habitual)
    assert any(row["user"] == ORGANISATION_A.ci_role for row in habitual)
    files = one_search_a_day(admin_files(ORGANISATION_A))
    files["local/macros.conf"] += "\n[ecrofhours_habitual_upload_filter]\ndefinition = search risk_habitual=0\n"
    strict = app.with_local(tmp_path / "strict", files)
    (strict.root / "lookups" / LOOKUPS[variant]).write_text(
        (copy.root / "lookups" / LOOKUPS[variant]).read_text(encoding="utf-8"), encoding="utf-8")
    left = strict.evaluator(now=day + DAY, window=searched).run(strict.saved_search(RULES[variant]), window)
    assert sorted(row["image_tag"] for row in left) == sorted(
        row["image_tag"] for row in results if row["risk_habitual"] == "0")
