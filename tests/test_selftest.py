"""The self-test: the saved search "ecrofhours - Self-test" and its probe command ecrofhoursinfo.

The saved search's own SPL (macros expanded) runs through the strict evaluator on a simulated
deployment (harness/spl/deployment.py): a search head and search peers, each with its own copy of
the app as a knowledge bundle would bring it, each running the real bin/*.py over the Search
Command Protocol v2. What each check must give is computed here from the tzdata and holidays
packages, not by the app.
"""

from __future__ import annotations

import importlib.resources
import re
import zoneinfo
from datetime import datetime, timedelta, timezone

import holidays as holiday_calendars
import pytest

from conftest import INTERPRETERS, LIB, REPO
from offhours.conffile import read_conf_text
from harness.scpv2 import probe_getinfo, run_command
from harness.spl import App, Deployment, Server, SplError

SELFTEST = "ecrofhours - Self-test"
NOW = 1764505800  # 2025-11-30T12:30:00Z, the instant the simulated search runs
INFO_FIELDS = ("ecrofhours_app_version", "ecrofhours_python_version", "ecrofhours_holiday_table",
               "ecrofhours_calendar_index")


def conf(name: str) -> dict[str, dict[str, str]]:
    stanzas = read_conf_text((REPO / "default" / name).read_text(encoding="utf-8"), f"default/{name}")
    return {stanza: {key: setting.value for key, setting in settings.items()} for stanza, settings in stanzas.items()}


MACROS, SAVED = conf("macros.conf"), conf("savedsearches.conf")


def interpreter(version: str) -> str:
    path = INTERPRETERS[version]
    if not (LIB / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    try:
        open(path, "rb").close()
    except OSError:
        pytest.skip(f"Python {version} not found at {path} (pyenv)")
    return path


def internal_events(count: int = 4) -> list[dict]:
    """What index=_internal holds on any Splunk instance: its own recent logs."""
    return [{"index": "_internal", "_time": str(NOW - 45 * number), "sourcetype": "splunkd",
             "source": "/opt/splunk/var/log/splunk/metrics.log", "_raw": "group=pipeline"} for number in range(count)]


# --- the oracle: what each known instant must give ------------------------------------------------


def tzdata_zone(name: str) -> zoneinfo.ZoneInfo:
    package, _, leaf = f"tzdata.zoneinfo.{name.replace('/', '.')}".rpartition(".")
    with importlib.resources.files(package).joinpath(leaf).open("rb") as data:
        return zoneinfo.ZoneInfo.from_file(data, key=name)


def expectations() -> dict[str, str]:
    """``{check: expected text}`` as the verdict macro writes them."""
    definition = MACROS["ecrofhours_selftest_verdict"]["definition"]
    return dict(re.findall(r'coalesce\((check_\w+), ""\)!="([^"]+)"', definition))


def instants() -> dict[str, int]:
    text = MACROS["ecrofhours_selftest_checks"]["definition"]
    return {name: int(value) for name, value in re.findall(r"ecrofhours_selftest_(\w+)=(\d+)", text)}


def test_the_checks_expect_what_the_calendar_says():
    """Each expected text of the verdict macro, derived from tzdata and the holidays package."""
    when = instants()
    assert set(when) == {"saturday", "tuesday", "christmas"}
    saturday = datetime.fromtimestamp(when["saturday"], timezone(timedelta(hours=5, minutes=30)))
    assert saturday.strftime("%A %H:%M") == "Saturday 05:30"  # Friday's 22:00-06:00 shift runs until 06:00
    tuesday = datetime.fromtimestamp(when["tuesday"], tzdata_zone("Europe/Berlin"))
    assert tuesday.strftime("%A %H:%M:%S %z") == "Tuesday 07:59:59 +0200"  # one second before 08:00
    christmas = datetime.fromtimestamp(when["christmas"], tzdata_zone("Europe/Berlin"))
    holiday = holiday_calendars.country_holidays("DE", years=2023)[christmas.date()]
    assert expectations() == {
        "check_overnight": f"business_hours {saturday.isoformat()}",
        "check_dst": f"before_hours {tuesday.isoformat()} 1",
        "check_holiday": f"holiday {christmas.isoformat()} {holiday}",
    }


def test_the_checks_name_every_option_instead_of_trusting_a_profile():
    for stanza in ("ecrofhours_selftest_checks",):
        calls = re.findall(r"\|\s*ecrofhours (.*?)\s*\\?$", MACROS[stanza]["definition"], re.MULTILINE)
        assert calls, stanza
        for call in calls:
            options = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', call))
            assert {"profile", "tz", "hours", "holidays", "timefield"} <= set(options), call
            assert options["profile"] == "utc"  # shipped in default/; every key it has is overridden


def test_the_self_test_is_a_report_an_admin_may_schedule():
    report = SAVED[SELFTEST]
    assert report.get("enableSched", "0") == "0" and "cron_schedule" not in report
    assert report.get("disabled", "false") == "false"  # runnable at once after install
    assert report["search"].startswith("index=_internal ")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    install = (REPO / "docs" / "INSTALL.md").read_text(encoding="utf-8")  # the checklist in full
    assert SELFTEST in readme and "search status=FAIL" in readme
    assert "## Verify the install" in install and SELFTEST in install
    assert "alert_condition = search status=FAIL" in install


# --- the simulated deployment -------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A search head and five peers: healthy (another Python), without lib/ (the command cannot
    start), without the holiday table, on a stale bundle (older app version), with a company
    closure on a check's date; and a peer with no events in the window."""
    py39, py313 = interpreter("3.9"), interpreter("3.13")
    folder = tmp_path_factory.mktemp("deployment")
    app = App(REPO, py39)
    closure = "profile,date,closes_at,name\n*,2024-04-02,,Inventory\n"
    peers = [
        Server("idx-healthy", app.with_local(folder / "healthy", {}, python=py313), internal_events()),
        Server("idx-nolib", app.with_local(folder / "nolib", {}, without=["lib"]), internal_events()),
        Server("idx-noholidays", app.with_local(folder / "noholidays", {},
                                                without=["lookups/ecrofhours_public_holidays.csv"]), internal_events()),
        Server("idx-stale", app.with_local(folder / "stale", {"local/app.conf": "[id]\nversion = 0.9.0\n"}),
               internal_events()),
        Server("idx-closure", app.with_local(folder / "closure", {"lookups/ecrofhours_company_closures.csv": closure}),
               internal_events()),
        Server("idx-quiet", app, [dict(event, _time=str(NOW - 3600)) for event in internal_events()]),
    ]
    return Deployment(Server("sh", app, []), peers, now=NOW)


@pytest.fixture(scope="module")
def outcome(deployment):
    return deployment.search(SAVED[SELFTEST]["search"])


@pytest.fixture(scope="module")
def rows(outcome):
    return {row["splunk_server"]: row for row in outcome.results}


def test_one_row_per_server_failures_first(outcome, rows):
    assert sorted(rows) == ["idx-closure", "idx-healthy", "idx-noholidays", "idx-nolib", "idx-quiet", "idx-stale",
                            "sh"]
    assert len(outcome.results) == len(rows)
    statuses = [row["status"] for row in outcome.results]
    assert statuses == sorted(statuses)  # FAIL before PASS
    assert {name for name, row in rows.items() if row["status"] == "PASS"} == {"sh", "idx-healthy"}
    assert rows["sh"]["role"] == "search head" and rows["idx-healthy"]["role"] == "search peer"


def test_a_healthy_server_passes_and_another_python_is_noted(rows):
    assert rows["sh"]["detail"] == "ecrofhours gives the expected verdicts"
    assert (rows["sh"]["python_version"], rows["idx-healthy"]["python_version"]) == ("3.9.18", "3.13.0")
    assert rows["idx-healthy"]["detail"] == "Python 3.13.0 here, 3.9.18 on the search head"
    assert rows["idx-healthy"]["holiday_table"] == rows["sh"]["holiday_table"]
    assert rows["sh"]["holiday_table"].startswith("sha256:")


def test_a_peer_whose_command_cannot_start_fails_with_no_row_of_its_own(outcome, rows):
    row = rows["idx-nolib"]
    assert row["status"] == "FAIL"
    assert row["detail"].startswith("the command did not run there")
    assert "app_version" not in row  # it could not report itself
    assert any(level == "ERROR" and text.startswith("[idx-nolib] ") for level, text in outcome.messages)


def test_a_peer_without_the_holiday_table_fails_and_says_so(rows):
    row = rows["idx-noholidays"]
    assert (row["status"], row["holiday_table"]) == ("FAIL", "missing")
    assert row["detail"].startswith("the holiday table lookups/ecrofhours_public_holidays.csv is missing")
    assert "ecrofhours stopped there" in row["detail"]  # with holidays=DE it refuses to judge
    assert row["app_version"] == rows["sh"]["app_version"]  # the probe still reported


def test_a_peer_on_a_stale_bundle_fails_on_the_app_version(rows):
    row = rows["idx-stale"]
    assert row["status"] == "FAIL"
    assert row["detail"].startswith(f"app version 0.9.0, the search head has {rows['sh']['app_version']}")


def test_a_wrong_verdict_fails_and_shows_what_the_command_gave(rows):
    row = rows["idx-closure"]  # a company closure of every profile on the summer-time check's date
    assert row["status"] == "FAIL"
    assert "summer time check" in row["detail"] and "got holiday 2024-04-02T07:59:59+02:00" in row["detail"]


def test_a_listed_peer_with_nothing_in_the_window_fails(rows):
    assert rows["idx-quiet"]["status"] == "FAIL"
    assert rows["idx-quiet"]["detail"].startswith("the command did not run there")


def test_the_commands_ran_on_the_peers_not_on_the_search_head(deployment):
    """Through a command that is not distributable (head, dedup, a transforming one), the checks
    would run on the search head and the peers could not fail: each search over _internal keeps
    only distributable commands before its one stats."""
    from harness.spl.commands import Append, CustomCommand, Search, Stats

    commands = deployment.search_head.app.evaluator(now=NOW).parse(SAVED[SELFTEST]["search"])
    searches = [commands] + [command.commands for command in commands if isinstance(command, Append)]
    over_events = [search for search in searches if isinstance(search[0], Search)]
    assert len(over_events) == 2  # the probe and the checks
    for search in over_events:
        first_other = next(index for index, command in enumerate(search) if not command.distributable)
        assert isinstance(search[first_other], Stats)
        assert {command.name for command in search[:first_other] if isinstance(command, CustomCommand)} in (
            {"ecrofhoursinfo"}, {"ecrofhours"})


def test_a_standalone_instance_gets_one_row():
    """Without peers the search head searches its own _internal: its rows merge into one."""
    app = App(REPO, interpreter("3.9"))
    outcome = Deployment(Server("standalone", app, internal_events()), [], now=NOW).search(SAVED[SELFTEST]["search"])
    assert [(row["splunk_server"], row["role"], row["status"]) for row in outcome.results] == [
        ("standalone", "search head", "PASS")]


def test_an_error_on_the_search_head_stops_the_search(tmp_path):
    app = App(REPO, interpreter("3.9"))
    broken = app.with_local(tmp_path / "sh", {}, without=["lookups/ecrofhours_public_holidays.csv"])
    deployment = Deployment(Server("sh", broken, []), [Server("idx", app, internal_events())], now=NOW)
    with pytest.raises(SplError, match="ecrofhours_public_holidays.csv is missing"):
        deployment.search(SAVED[SELFTEST]["search"])


# --- ecrofhoursinfo over the protocol ------------------------------------------------------------


@pytest.fixture(params=sorted(INTERPRETERS), ids=lambda version: f"py{version}")
def info_command(request):
    return [interpreter(request.param), str(REPO / "bin" / "ecrofhoursinfo.py")]


def test_info_adds_its_four_fields_and_changes_nothing_else(info_command):
    events = [{"splunk_server": "idx", "_time": "1", "x": "a\nb"}, {"splunk_server": "idx", "_time": "2"}]
    session = run_command(info_command, [], events)
    assert session.returncode == 0 and not session.messages
    assert session.getinfo["type"] == "streaming"  # distributable: it runs on the indexers
    assert session.getinfo["required_fields"] == ["splunk_server"]
    version = conf("app.conf")["id"]["version"]
    python = re.search(r"versions/(\d+\.\d+\.\d+)/", info_command[0]).group(1)
    for event, record in zip(events, session.records):
        assert {key: record[key] for key in event} == event
        assert (record["ecrofhours_app_version"], record["ecrofhours_python_version"]) == (version, python)
        assert re.fullmatch(r"sha256:[0-9a-f]{12}", record["ecrofhours_holiday_table"])
        assert set(record) == set(event) | set(INFO_FIELDS)


def test_info_reports_a_missing_table_and_a_local_version(info_command, tmp_path):
    copy = App(REPO).with_local(tmp_path / "app", {"local/app.conf": "[id]\nversion = 2.0.0-rc1\n"},
                                without=["lookups/ecrofhours_holiday_calendars.csv"])
    command = [info_command[0], str(copy.root / "bin" / "ecrofhoursinfo.py")]
    record = run_command(command, [], [{"splunk_server": "idx"}]).records[0]
    assert (record["ecrofhours_app_version"], record["ecrofhours_calendar_index"]) == ("2.0.0-rc1", "missing")
    assert record["ecrofhours_holiday_table"].startswith("sha256:")


def test_info_takes_no_arguments_and_says_so_without_a_path(info_command):
    session = probe_getinfo(info_command, ["verbose"])
    assert session.messages == [("ERROR", "Unexpected argument 'verbose'. "
                                          "Usage: ... | ecrofhoursinfo (no arguments)")]
    assert session.returncode == 1


def test_info_names_the_tables_as_the_engine_does():
    """ecrofhoursinfo does not import the engine (it must report where the engine cannot load)."""
    import importlib.util

    from offhours import holidays

    spec = importlib.util.spec_from_file_location("ecrofhoursinfo", REPO / "bin" / "ecrofhoursinfo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.HOLIDAY_TABLE, module.CALENDAR_INDEX) == (holidays.HOLIDAY_TABLE, holidays.CALENDAR_INDEX)
    source = (REPO / "bin" / "ecrofhoursinfo.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+offhours", source, re.MULTILINE)


def test_info_reports_where_the_engine_cannot_load(info_command, tmp_path):
    copy = App(REPO).with_local(tmp_path / "app", {}, without=["lib/offhours"])
    command = [info_command[0], str(copy.root / "bin" / "ecrofhoursinfo.py")]
    record = run_command(command, [], [{"splunk_server": "idx"}]).records[0]
    assert record["ecrofhours_python_version"] == re.search(r"versions/(\d+\.\d+\.\d+)/", command[0]).group(1)
    broken = run_command([info_command[0], str(copy.root / "bin" / "ecrofhours.py")], [], [{"_time": "1"}])
    assert broken.returncode != 0  # ecrofhours itself cannot start there


def test_info_is_declared_like_ecrofhours():
    commands, bnf = conf("commands.conf"), conf("searchbnf.conf")
    assert {key: value for key, value in commands["ecrofhoursinfo"].items()} == {
        "chunked": "true", "filename": "ecrofhoursinfo.py", "is_risky": "false",
        "python.required": commands["ecrofhours"]["python.required"], "python.version": "python3"}
    stanza = bnf["ecrofhoursinfo-command"]
    assert stanza["syntax"] == "ecrofhoursinfo"
    assert all(name in stanza["description"] for name in INFO_FIELDS)
