"""Indexers: the same events split across processes with different ``TZ``, locale, working
directory, hash seed and chunking give byte-identical output to one run; the command runs from a
directory laid out like a replicated knowledge bundle holding only what Splunk's default
allowlist and ``default/distsearch.conf`` replicate."""
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from conftest import INTERPRETERS, REPO
from sessions import EVENTS, T, canonical, clean_env, errors
from offhours.conffile import read_conf_text
from harness.scpv2 import (
    run_command,
)


# --- Indexers: same events, any process, any bundle ---------------------------------------------


def indexer_events():
    """Events that exercise profiles, holidays, per-event zones, DST and time formats."""
    teams = ["utc", "berlin", "us_eastern", "", "nope"]
    zones = ["", "", "Asia/Kolkata", "+05:45", "America/Sao_Paulo", "Australia/Lord_Howe", "Bad/Zone",
             "europe/berlin", "US/Eastern"]
    start = 1703980800  # 2023-12-31T00:00:00Z: New Year, then DST changes in March
    events = []
    for i in range(3000):
        epoch = start + i * 3571 + (i % 7) * 13
        form = i % 5
        time_text = (str(epoch) if form == 0 else f"{epoch}.{i % 1000:03d}" if form == 1
                     else str(epoch * 1000 + i % 1000) if form == 2
                     else f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(epoch))}Z" if form == 3
                     else "")
        events.append({"eventTime": time_text, "team": teams[i // 2 % len(teams)], "zone": zones[i % len(zones)],
                       "serial": str(i), "user": f"dev{i % 4}", "note": 'a,"b"\nc'})
    return events


INDEXER_ARGS = ["profilefield=team", "tzfield=zone", "timefield=eventTime"]


def shard_envs(tmp_path):
    """Three indexers that share nothing but the app: zone, locale, cwd, hash seed, encoding."""
    dirs = [tmp_path / "indexer-a", Path("/"), tmp_path / "indexer c"]
    dirs[0].mkdir()
    dirs[2].mkdir()
    return [
        (clean_env(TZ="Asia/Kathmandu", LANG="de_DE.UTF-8", LC_ALL="tr_TR.UTF-8", PYTHONHASHSEED="1"),
         dirs[0], [1, 0, 7, 100, 0]),  # then the rest in one chunk
        (clean_env(TZ="America/St_Johns", LANG="C", LC_ALL="C", PYTHONHASHSEED="4242",
                   PYTHONIOENCODING="latin-1"), dirs[1], 5000),
        (clean_env(TZ="<+1345>-13:45", LANG="ja_JP.eucJP", LC_TIME="ar_SA.UTF-8", PYTHONHASHSEED="random",
                   PYTHONUTF8="0"), dirs[2], 333),
    ]


def test_events_split_across_indexers_give_the_output_of_one_run(splunk_python, tmp_path):
    events = indexer_events()
    single = run_command(splunk_python, INDEXER_ARGS, events, env=clean_env(TZ="UTC"), cwd=str(REPO))
    assert single.returncode == 0 and not errors(single)
    assert len(single.records) == len(events)
    reasons = {record.get("off_hours_reason") for record in single.records}
    assert {"holiday", "weekend", "business_hours", "before_hours", "after_hours", "between_hours",
            "no_time", "bad_timezone", "unknown_profile"} <= reasons  # the events cover every path
    parts = [events[:1000], events[1000:2200], events[2200:]]
    outputs = []
    for part, (env, cwd, chunking) in zip(parts, shard_envs(tmp_path)):
        if isinstance(chunking, list):
            chunking = chunking + [len(part) - sum(chunking)]
        session = run_command(splunk_python, INDEXER_ARGS, part, chunk_size=chunking, env=env, cwd=str(cwd))
        assert session.returncode == 0 and not errors(session), session.stderr[-2000:]
        outputs.append(canonical(session))
    assert b"\n".join(outputs) == canonical(single)


def test_every_interpreter_splunk_ships_gives_the_same_output(tmp_path):
    """A search head on Python 3.13 and indexers on 3.9 (or the other way round) agree."""
    commands = [[path, str(REPO / "bin" / "ecrofhours.py")] for path in INTERPRETERS.values()
                if os.access(path, os.X_OK)]
    if len(commands) < 2:
        pytest.skip("needs both Python 3.9 and 3.13")
    events = indexer_events()
    outputs = {canonical(run_command(command, INDEXER_ARGS, events, env=clean_env())) for command in commands}
    assert len(outputs) == 1


def test_messages_quote_values_the_same_on_every_interpreter():
    commands = [[path, str(REPO / "bin" / "ecrofhours.py")] for path in INTERPRETERS.values()
                if os.access(path, os.X_OK)]
    if len(commands) < 2:
        pytest.skip("needs both Python 3.9 and 3.13")
    events = [{"_time": str(T), "team": "\U0002ed02"}, {"_time": str(T), "zone": "\U0002ed02"},
              {"_time": "\U0002ed02"}]
    outputs = [canonical(run_command(command, ["profilefield=team", "tzfield=zone"], events, env=clean_env()))
               for command in commands]
    assert outputs[0] == outputs[1]


# The knowledge bundle: what a search head replicates to its indexers. Splunk's default allowlist
# (system/default/distsearch.conf; see PLATFORM-FACTS "Distributed search") ships each app's bin/
# and lookups/, its metadata, and .conf files of the standard search-time types; lib/ and custom
# conf types only when an app's distsearch.conf asks. Patterns are relative to $SPLUNK_HOME/etc:
# "..." matches anything, "*" anything but "/".
SPLUNK_DEFAULT_ALLOWLIST = ["apps/*/bin/...", "apps/*/lookups/...", "apps/*/metadata/*.meta",
                            "apps/*/default/*.conf", "apps/*/local/*.conf"]
# Standard conf types replicated by default among those this app ships (app, server and
# distsearch configure the search head itself and stay there).
SPLUNK_REPLICATED_CONF_TYPES = {"commands", "macros", "savedsearches", "searchbnf", "props", "transforms",
                                "tags", "eventtypes", "fields"}


def splunk_pattern(pattern):
    regex = re.escape(pattern).replace(r"\.\.\.", ".*").replace(r"\*", "[^/]*")
    return re.compile(regex + r"\Z")


def replicated(relative, allowlist, conf_types):
    """Whether ``apps/ecrofhours/<relative>`` is in the knowledge bundle."""
    path = f"apps/ecrofhours/{relative}"
    if not any(splunk_pattern(p).match(path) for p in allowlist):
        return False
    if path.endswith(".conf") and re.match(r"apps/[^/]+/(default|local)/[^/]+\.conf\Z", path):
        return Path(path).stem in conf_types
    return True


def app_distsearch():
    """(allowlist patterns, conf types) the app's default/distsearch.conf adds."""
    conf = read_conf_text((REPO / "default" / "distsearch.conf").read_text(encoding="utf-8"), "distsearch.conf")
    patterns = [s.value for s in conf.get("replicationAllowlist", {}).values()]
    types = {key[len("replicate."):] for key, s in conf.get("replicationSettings:refineConf", {}).items()
             if key.startswith("replicate.") and s.value.lower() in ("true", "1")}
    return patterns, types


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """The app as installed on the search head: the package tools/build/package.py builds, unpacked."""
    out = tmp_path_factory.mktemp("package")
    script = REPO / "tools" / "build" / "package.py"
    build = subprocess.run([sys.executable, str(script), "--output", str(out / "x.tgz")], capture_output=True,
                           text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stderr
    with tarfile.open(out / "x.tgz") as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]  # no links, devices
        assert all(not m.name.startswith("/") and ".." not in Path(m.name).parts for m in members)
        tar.extractall(out / "installed", members=members)  # members checked just above
    return out / "installed" / "ecrofhours"


def bundle(package, root, allowlist, conf_types):
    """Copy of ``package`` holding only what a bundle with these rules would hold."""
    app = root / "var" / "run" / "searchpeers" / "sh1-1700000000" / "apps" / "ecrofhours"
    kept = []
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package).as_posix()
        if path.is_file() and replicated(relative, allowlist, conf_types):
            (app / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, app / relative)
            kept.append(relative)
    return app, kept


def test_the_command_runs_from_a_replicated_knowledge_bundle(splunk_python, package, tmp_path):
    patterns, types = app_distsearch()
    app, kept = bundle(package, tmp_path / "peer", SPLUNK_DEFAULT_ALLOWLIST + patterns,
                       SPLUNK_REPLICATED_CONF_TYPES | types)
    assert "bin/ecrofhours.py" in kept and "default/ecrofhours.conf" in kept
    assert any(k.startswith("lib/offhours/") for k in kept) and any(k.startswith("lib/splunklib/") for k in kept)
    assert not any(k in kept for k in ("README.md", "app.manifest", "default/app.conf", "default/distsearch.conf"))
    events = indexer_events()
    expected = run_command(splunk_python, INDEXER_ARGS, events, env=clean_env())
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    session = run_command([splunk_python[0], str(app / "bin" / "ecrofhours.py")], INDEXER_ARGS, events,
                          env=clean_env(TZ="Pacific/Chatham", LC_ALL="C"), cwd=str(cwd), chunk_size=777)
    assert session.returncode == 0 and not errors(session), session.stderr[-2000:]
    assert canonical(session) == canonical(expected)


def test_without_the_apps_distsearch_conf_the_bundle_cannot_run_the_command(splunk_python, package, tmp_path):
    """The two rules of default/distsearch.conf are each needed: lib/ and the custom conf."""
    patterns, types = app_distsearch()
    command = "bin/ecrofhours.py"
    no_lib, kept = bundle(package, tmp_path / "no-lib", SPLUNK_DEFAULT_ALLOWLIST, SPLUNK_REPLICATED_CONF_TYPES | types)
    assert not any(k.startswith("lib/") for k in kept)
    session = run_command([splunk_python[0], str(no_lib / command)], [], EVENTS, env=clean_env())
    assert session.getinfo is None and session.returncode != 0  # cannot even import its engine
    no_conf, kept = bundle(package, tmp_path / "no-conf", SPLUNK_DEFAULT_ALLOWLIST + patterns,
                           SPLUNK_REPLICATED_CONF_TYPES)
    assert "default/ecrofhours.conf" not in kept
    session = run_command([splunk_python[0], str(no_conf / command)], [], EVENTS, env=clean_env())
    assert errors(session) == ["Unknown profile 'utc' (default_profile); known profiles: none"]


def test_bundle_rules_read_as_splunk_reads_them():
    assert replicated("lib/offhours/annotator.py", ["apps/ecrofhours/lib/..."], set())
    assert not replicated("lib/offhours/annotator.py", SPLUNK_DEFAULT_ALLOWLIST, set())
    assert replicated("bin/ecrofhours.py", SPLUNK_DEFAULT_ALLOWLIST, set())
    assert not replicated("bin/x/y.py", ["apps/*/bin/*"], set())
    assert not replicated("default/ecrofhours.conf", SPLUNK_DEFAULT_ALLOWLIST, {"commands"})
    assert replicated("default/ecrofhours.conf", SPLUNK_DEFAULT_ALLOWLIST, {"ecrofhours"})
    assert not replicated("README.md", SPLUNK_DEFAULT_ALLOWLIST, set())
    assert not splunk_pattern("apps/ecrofhours/lib/...").match("apps/ecrofhoursXlib/a")
