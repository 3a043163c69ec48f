"""Reliability: broken configuration, indexers, big chunks, long runs, pipes closed early.

Everything runs the real ``bin/ecrofhours.py`` under the interpreters Splunk ships, over the
SCP v2 driver or as splunkd would start it (no argv, chunks on stdin):

- **Configuration**: each way ``ecrofhours.conf`` can be broken, in a copy of the app with its
  own ``local/ecrofhours.conf``: the exact message the user sees, naming the conf file (relative
  to the app) and the stanza; no traceback and no path into the Python code.
- **Indexers**: the same events split across processes with different ``TZ``, locale, working
  directory, hash seed and chunking give byte-identical output to one run; the command runs from
  a directory laid out like a replicated knowledge bundle holding only what Splunk's default
  allowlist and ``default/distsearch.conf`` replicate.
- **Resources**: a 50,000-row chunk of 2 kB events and a run of 1,000,000 events in bounded
  memory (peak RSS of the command process, printed); endless distinct hostile values do not
  grow the caches without bound.
- **Pipes**: splunkd closing stdin (between chunks, mid-chunk, before getinfo) or no longer
  reading stdout. Documented exit codes: 0 and nothing on stderr when stdin ends between chunks
  or after getinfo (a parse-time probe); 1 and one line on stderr (search.log) saying which pipe
  closed when it ends anywhere else or stdout is gone; never a traceback.
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import INTERPRETERS, REPO
from offhours import OUTPUT_FIELDS
from offhours.conffile import read_conf_text
from harness.scpv2 import (
    ProtocolError,
    decode_records,
    encode_chunk,
    encode_session,
    execute_requests,
    getinfo_metadata,
    make_searchinfo,
    read_chunk,
    run_command,
)

T = 1629328650  # 2021-08-18T23:17:30Z, a Wednesday
PATH_HINTS = ("Traceback", 'File "', ".py")


def errors(session):
    return [text for level, text in session.messages if level in ("ERROR", "FATAL")]


def clean_env(**extra):
    """The test's environment without PYTHON* variables (the venv's must not leak into the
    bare interpreters), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


def assert_user_safe(text, *paths):
    """A message for the user: no traceback, no Python file, no directory of the installation."""
    for hint in PATH_HINTS:
        assert hint not in text, text
    for path in (REPO, *paths):
        assert str(path) not in text, text


def interpreter_id(command):
    return next(version for version, path in INTERPRETERS.items() if path == command[0])


# --- A copy of the app with its own local/ecrofhours.conf -----------------------------------


@pytest.fixture
def app(tmp_path):
    """A copy of the app (bin/, default/; lib/ and lookups/ linked) to add local/ to.

    The command finds its confs from its own ``__file__``, so it reads this copy's."""
    root = tmp_path / "apps" / "ecrofhours"
    root.mkdir(parents=True)
    shutil.copytree(REPO / "bin", root / "bin", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "default", root / "default")
    (root / "lib").symlink_to(REPO / "lib", target_is_directory=True)
    (root / "lookups").symlink_to(REPO / "lookups", target_is_directory=True)
    (root / "local").mkdir()
    return root


def run_app(python, app, args, records, local=None, chunk_size=50000, **kwargs):
    if local is not None:
        conf = app / "local" / "ecrofhours.conf"
        conf.write_bytes(local if isinstance(local, bytes) else local.encode("utf-8"))
    return run_command([python[0], str(app / "bin" / "ecrofhours.py")], args, records,
                       chunk_size=chunk_size, env=clean_env(), **kwargs)


EVENTS = [{"_time": str(T), "team": "typo", "n": "0"}, {"_time": str(T + 36000), "team": "nope", "n": "1"},
          {"_time": str(T + 50400), "n": "2"}]  # 23:17 Wed, 09:17 Thu, 13:17 Thu (UTC)
UNKNOWN_KEY_HINT = "(allowed: closures, holidays, hours, locale, timezone)"
HOURS_FORM = ("expected [<days>] HH:MM-HH:MM[, HH:MM-HH:MM...][; ...] with days mon..sun, a range "
              'such as mon-fri, a comma list or workdays; e.g. "mon-fri 08:00-18:00"')
ZONE_FORM = "use an IANA name such as Europe/Berlin or a UTC offset such as +05:30"


@pytest.mark.parametrize("local, args, message", [
    pytest.param("[profile:utc]\ntmezone = UTC\n", [],
                 f"local/ecrofhours.conf [profile:utc]: unknown key 'tmezone' {UNKNOWN_KEY_HINT}",
                 id="unknown-key"),
    pytest.param("[profile:utc]\nTimezone = UTC\n", [],
                 f"local/ecrofhours.conf [profile:utc]: unknown key 'Timezone' {UNKNOWN_KEY_HINT}",
                 id="keys-are-case-sensitive"),
    pytest.param("[profile:utc]\ntimezone = Mars/Base\n", [],
                 f"local/ecrofhours.conf [profile:utc] timezone: unknown time zone 'Mars/Base': {ZONE_FORM}",
                 id="bad-timezone"),
    pytest.param("[profile:utc]\ntimezone =\n", [],
                 f"local/ecrofhours.conf [profile:utc] timezone: unknown time zone '': {ZONE_FORM}",
                 id="empty-timezone"),
    pytest.param("[profile:utc]\nhours = always\n", [],
                 f"local/ecrofhours.conf [profile:utc] hours: no time interval in 'always': {HOURS_FORM}",
                 id="bad-hours"),
    pytest.param("[profile:utc]\nlocale = german\n", [],
                 "local/ecrofhours.conf [profile:utc] locale: invalid locale 'german': expected ll_CC, ll-CC or "
                 "CC with an ISO 3166 territory, e.g. de_DE or SA", id="bad-locale"),
    pytest.param("[profile:utc]\nholidays =\n", [],
                 "local/ecrofhours.conf [profile:utc] holidays: empty holidays: name calendars such as US, "
                 "DE-BY, or none", id="empty-holidays"),
    pytest.param("[profile:utc]\nclosures = 2024-13-01\n", [],
                 "local/ecrofhours.conf [profile:utc] closures: invalid closure '2024-13-01': expected "
                 'YYYY-MM-DD[ HH:MM][, ...], e.g. "2025-12-24 12:00, 2025-12-31"', id="bad-closure"),
    pytest.param("[profile:berlin]\ntimezone = Europe/Berln\n", ["profile=berlin"],
                 f"local/ecrofhours.conf [profile:berlin] timezone: unknown time zone 'Europe/Berln': {ZONE_FORM}",
                 id="named-profile"),
    pytest.param("[settings]\ndefault_profile = ops\n", [],
                 "Unknown profile 'ops' (default_profile); known profiles: berlin, us_eastern, utc",
                 id="missing-stanza-for-default"),
    pytest.param("", ["profile=ops"],
                 "Unknown profile 'ops' (profile option); known profiles: berlin, us_eastern, utc",
                 id="missing-stanza-for-option"),
    pytest.param("[settings]\ndefault_profle = berlin\n", [],
                 "local/ecrofhours.conf [settings]: unknown key 'default_profle' (allowed: default_profile)",
                 id="settings-typo"),
    pytest.param("stray = 1\n[profile:utc]\n", [],
                 "local/ecrofhours.conf [default]: keys outside a [profile:<name>] stanza are not supported; "
                 "set them in each profile", id="key-outside-a-stanza"),
    pytest.param("[profile:utc]\nhours = mon-fri 08:00-20:00\ngarbage line\n", [],
                 "local/ecrofhours.conf, line 3: expected 'key = value' or '[stanza]'", id="syntax"),
    pytest.param(b"[profile:utc]\ntimezone = Europe/Z\xfcrich\n", [],
                 "local/ecrofhours.conf: cannot read: UnicodeDecodeError", id="not-utf-8"),
    pytest.param("[profile:utc]\nhours = mon-fri 08:00-20:00\nhours = bogus\n", [],
                 f"local/ecrofhours.conf [profile:utc] hours: no time interval in 'bogus': {HOURS_FORM}",
                 id="duplicate-key-last-wins-bad"),
])
def test_a_broken_conf_stops_the_search_with_one_clear_message(splunk_python, app, local, args, message):
    session = run_app(splunk_python, app, args, EVENTS, local)
    assert errors(session) == [message]
    assert session.returncode == 1 and session.records == []
    assert_user_safe(message, app)


def test_a_local_conf_that_is_not_a_file(splunk_python, app):
    (app / "local" / "ecrofhours.conf").mkdir()
    session = run_app(splunk_python, app, [], EVENTS)
    assert errors(session) == ["local/ecrofhours.conf: cannot read: IsADirectoryError"]
    assert session.returncode == 1


def test_no_conf_at_all_names_the_missing_default(splunk_python, app):
    """An indexer that did not get the custom conf (distsearch.conf not replicating it)."""
    (app / "default" / "ecrofhours.conf").unlink()
    session = run_app(splunk_python, app, [], EVENTS)
    assert errors(session) == ["Unknown profile 'utc' (default_profile); known profiles: none"]


def verdicts(session):
    return [(r.get("off_hours", ""), r.get("off_hours_reason"), r.get("local_time"), r.get("bh_profile"))
            for r in session.records]


@pytest.mark.parametrize("local", [
    "[profile:utc]\nhours = bogus\nhours = mon-fri 09:00-10:00\n",                        # last one wins
    "[profile:utc]\nhours = mon-fri 09:00-10:00\n[profile:utc]\ntimezone = UTC\n",        # stanzas merge
    "\ufeff[profile:utc]\r\nhours = mon-fri 09:00-10:00\r\n",                            # BOM, CRLF
    "[profile:utc]\nhours = mon-fri \\\n 09:00-10:00\n",                                  # continued line
    "# comment\n[ profile:utc ]\n  hours   =   mon-fri 09:00-10:00  \n[profile:typo]\ntmezone = x\n",
])
def test_conf_syntax_splunk_accepts(splunk_python, app, local):
    session = run_app(splunk_python, app, [], EVENTS, local)
    assert session.returncode == 0 and not errors(session)
    # Only 09:00-10:00 UTC on weekdays is inside; the other keys stay as shipped (UTC).
    assert verdicts(session) == [
        ("1", "after_hours", "2021-08-18T23:17:30+00:00", "utc"),
        ("0", "business_hours", "2021-08-19T09:17:30+00:00", "utc"),
        ("1", "after_hours", "2021-08-19T13:17:30+00:00", "utc"),
    ]


def test_local_overrides_one_key_of_the_shipped_profile(splunk_python, app):
    session = run_app(splunk_python, app, [], EVENTS, "[profile:utc]\ntimezone = Asia/Tokyo\n")
    # Shipped hours (mon-fri 08:00-20:00) in Tokyo: 08:17 Thu is inside, 22:17 Thu is not.
    assert [v[:3] for v in verdicts(session)] == [
        ("0", "business_hours", "2021-08-19T08:17:30+09:00"),
        ("0", "business_hours", "2021-08-19T18:17:30+09:00"),
        ("1", "after_hours", "2021-08-19T22:17:30+09:00"),
    ]


def test_a_broken_profile_stops_only_the_searches_that_use_it(splunk_python, app):
    local = "[profile:berlin]\ntmezone = Europe/Paris\n"
    fine = run_app(splunk_python, app, [], EVENTS, local)
    assert fine.returncode == 0 and not fine.messages and len(fine.records) == 3
    broken = run_app(splunk_python, app, ["profile=berlin"], EVENTS, local)
    assert errors(broken) == [
        f"local/ecrofhours.conf [profile:berlin]: unknown key 'tmezone' {UNKNOWN_KEY_HINT}"]


def test_per_event_unknown_and_broken_profiles_are_data_with_one_warning(splunk_python, app):
    local = "[profile:typo]\ntmezone = UTC\n"
    events = EVENTS * 4  # the broken profile comes back in later chunks
    session = run_app(splunk_python, app, ["profilefield=team"], events, local, chunk_size=[2, 0, 3, 7])
    assert session.returncode == 0 and not errors(session)
    broken = f"local/ecrofhours.conf [profile:typo]: unknown key 'tmezone' {UNKNOWN_KEY_HINT}"
    assert session.messages == [("WARN", f"Profile 'typo' cannot be used: {broken}")]  # once per search
    assert len(session.records) == len(events)
    for record in session.records:
        team = record.get("team", "")
        fields = {name: record.get(name, "") for name in OUTPUT_FIELDS}
        if team == "typo":
            assert fields == {**dict.fromkeys(OUTPUT_FIELDS, ""), "off_hours_reason": "unknown_profile",
                              "bh_profile": "typo", "bh_error": broken}
        elif team == "nope":
            assert fields == {**dict.fromkeys(OUTPUT_FIELDS, ""), "off_hours_reason": "unknown_profile",
                              "bh_profile": "nope", "bh_error": "unknown profile 'nope'"}
        else:
            assert (fields["off_hours"], fields["bh_profile"], fields["bh_tz"]) == ("0", "utc", "UTC")


def test_the_user_never_sees_where_the_app_is_installed(splunk_python, app):
    """Every message of every broken case above, collected from one place: no absolute path."""
    for local in ("[profile:utc]\nhours = always\n", "garbage\n", b"\xff\xfe"):
        session = run_app(splunk_python, app, [], EVENTS, local)
        for _, text in session.messages:
            assert_user_safe(text, app, app.resolve())
            assert not re.search(r"(^|[\s'\"])/[\w.-]+/", text), text


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


def canonical(session):
    """The reply rows, bytes for comparison: every column, in the command's order, ``""`` kept,
    without splunkd's ``_chunked_idx`` (a row number within each chunk)."""
    rows = [{k: v for k, v in row.items() if k != "_chunked_idx"} for _, chunk in session.replies for row in chunk]
    return "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode("utf-8")


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


# --- Resources -------------------------------------------------------------------------------

# Runs a command and writes its peak RSS (kB) to a file. A small wrapper process starts it, so
# ru_maxrss is the command's own: measured from the test process, a forked child would count
# the parent's pages it inherited before exec.
_PEAK_RSS = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def run_measured(command, requests, workdir, name):
    """Feed the request bytes (a file) to the command as splunkd would; returns
    ``(exit code, seconds, peak RSS in MB, reply file, stderr)``."""
    peak = workdir / f"{name}.peak"
    out = workdir / f"{name}.out"
    started = time.monotonic()
    with open(requests, "rb") as stdin, open(out, "wb") as stdout:
        result = subprocess.run([command[0], "-c", _PEAK_RSS, str(peak), *command], stdin=stdin, stdout=stdout,
                                stderr=subprocess.PIPE, env=clean_env(), timeout=600, check=False)
    seconds = time.monotonic() - started
    return result.returncode, seconds, int(peak.read_text()) / 1024, out, result.stderr.decode("utf-8", "replace")


def replies(path):
    """``(metadata, body)`` of each reply in a file of command output."""
    with open(path, "rb") as stream:
        while True:
            chunk = read_chunk(stream)
            if chunk is None:
                return
            yield chunk


def write_session(path, args, records, required_fields, chunk_size):
    path.write_bytes(encode_session(args, records, required_fields=required_fields, chunk_size=chunk_size))
    return path


def report(label, seconds, peak_mb, events):
    line = f"{label}: {events:,} events in {seconds:.1f} s ({events / seconds:,.0f}/s), peak RSS {peak_mb:.0f} MB"
    print(line)
    sys.stdout.flush()
    return line


def two_kb_text(i):
    # CloudTrail-like text with quotes, commas, CR/LF, RTL and combining marks. No character
    # beyond U+FFFF: one such character makes Python hold the whole chunk's text at 4 bytes a
    # character (figures for that case are in the report, not asserted here).
    seed = ['CloudTrail {"eventName": "PutImage", "arn": "arn:aws:iam::1:user/dev"}, ',
            'quote " comma , ', "שלום e\u0301 ", "$a$;$b$ ", "tab\tCR\rLF\n"][i % 5]
    return (seed * (2048 // len(seed) + 1))[:2000] + f"#{i}"


@pytest.fixture(scope="module")
def big_chunk(tmp_path_factory):
    """One 50,000-row chunk of ~2 kB events, every field sent (the worst case: splunkd sends
    only the required fields)."""
    workdir = tmp_path_factory.mktemp("big-chunk")
    records = [{"_time": str(T + i), "_raw": two_kb_text(i), "host": f"h{i % 9}"} for i in range(50_000)]
    return write_session(workdir / "requests", [], records, None, 50_000), workdir


def test_a_50000_row_chunk_of_2kb_events(splunk_python, big_chunk):
    requests, workdir = big_chunk
    size_mb = requests.stat().st_size / 2**20
    code, seconds, peak, out, stderr = run_measured(splunk_python, requests, workdir, interpreter_id(splunk_python))
    report(f"50,000 x 2 kB in one {size_mb:.0f} MB chunk, py{interpreter_id(splunk_python)}", seconds, peak, 50_000)
    assert code == 0, stderr[-2000:]
    rows = 0
    for _, body in replies(out):
        if not body:
            continue
        reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
        header = next(reader)
        raw, at = header.index("_raw"), header.index("off_hours")
        for row in reader:
            assert row[raw] == two_kb_text(rows) and row[at] in ("0", "1"), rows
            rows += 1
    assert rows == 50_000
    # splunklib holds a chunk several times over (the body, its text, the rows, the reply):
    # measured 8.5x the chunk's size at commit 77b5cc9 (Python 3.13). A leak per row or one more
    # copy of the chunk's text would pass 10x.
    assert peak < 10 * size_mb, f"peak RSS {peak:.0f} MB for a {size_mb:.0f} MB chunk"


MILLION = 1_000_000


def small_events_session(count, chunk=50_000, step=37):
    """The request bytes splunkd sends for ``count`` events that have only ``_time`` (as
    ``encode_session`` with required_fields ``["_time"]`` writes them, checked below), built
    line by line: the generic driver takes longer to encode a million events than the command
    takes to answer them."""
    getinfo = encode_chunk(getinfo_metadata(make_searchinfo([], "ecrofhours")))
    header = '"_time","_chunked_idx","__mv__time","__mv__chunked_idx"\n'
    frames = [getinfo]
    for start in range(0, count, chunk):
        rows = "".join(f"{T + i * step},{i - start},,\n" for i in range(start, min(start + chunk, count)))
        frames.append(encode_chunk({"action": "execute", "finished": False}, (header + rows).encode()))
    frames.append(encode_chunk({"action": "execute", "finished": True}, header.encode()))
    return b"".join(frames)


def test_the_fast_session_writer_writes_what_the_driver_writes():
    records = [{"_time": str(T + i * 37)} for i in range(12)]
    assert small_events_session(12, chunk=5) == encode_session([], records, required_fields=["_time"], chunk_size=5)


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    """1,000,000 small events in 50,000-row chunks as splunkd sends them (the required field and
    _chunked_idx); and the first 100,000 of them, to compare the peak with."""
    workdir = tmp_path_factory.mktemp("million")
    (workdir / "million").write_bytes(small_events_session(MILLION))
    (workdir / "tenth").write_bytes(small_events_session(100_000))
    return workdir


def test_a_million_events_in_bounded_memory(million):
    """Both interpreters at once (one per core): a million events, then a tenth of them; the
    peak must not grow with the number of events."""
    commands = {version: [path, str(REPO / "bin" / "ecrofhours.py")] for version, path in INTERPRETERS.items()
                if os.access(path, os.X_OK)}
    if not commands:
        pytest.skip("no interpreter Splunk ships was found")
    jobs = [(version, part) for part in ("million", "tenth") for version in commands]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(jobs, pool.map(
            lambda job: run_measured(commands[job[0]], million / job[1], million, f"{job[1]}-{job[0]}"), jobs)))
    for version in commands:
        code, seconds, peak, out, stderr = results[(version, "million")]
        _, tenth_seconds, tenth_peak, _, _ = results[(version, "tenth")]
        report(f"1,000,000 events, py{version}", seconds, peak, MILLION)
        report(f"  100,000 events, py{version}", tenth_seconds, tenth_peak, 100_000)
        assert code == 0, stderr[-2000:]
        count = finished = 0
        for metadata, body in replies(out):
            count += max(body.count(b"\n") - 1, 0)  # one line per record after the header
            finished += metadata.get("finished") is True
        assert (count, finished) == (MILLION, 1)
        assert peak < tenth_peak + 40, f"py{version}: {peak:.0f} MB for 1M events, {tenth_peak:.0f} MB for 100k"
        assert peak < 400


def hostile_distinct(i):
    """Event i of a stream where every profile and zone value is new: unknown profiles (most),
    bad zones, and valid zones in ever new letter case."""
    kind = i % 6
    pad = "x" * 300
    if kind < 4:
        return {"_time": str(T + i), "team": f"team-{i}-{pad}"}
    if kind == 4:
        return {"_time": str(T + i), "zone": f"Bad/Zone-{i}-{pad}"}
    name = "america/new_york"
    cased = "".join(c.upper() if (i >> k) & 1 else c for k, c in enumerate(name))
    return {"_time": str(T + i), "zone": cased}


def test_endless_distinct_hostile_values_keep_memory_bounded(splunk_python, tmp_path):
    """Caches of profiles, zones and clocks are bounded: 120,000 events with ever new values cost
    little more than the same values over and over (unbounded, the profile cache alone grew
    64 MB here at commit 77b5cc9; bounded at 10,000 entries, 17 MB)."""
    args = ["profilefield=team", "tzfield=zone"]
    runs = {"distinct": [hostile_distinct(i) for i in range(120_000)],
            "same": [hostile_distinct(i % 6) for i in range(20_000)]}
    peaks = {}
    for name, records in runs.items():
        requests = write_session(tmp_path / name, args, records, ["_time", "zone", "team"], 2_000)
        code, seconds, peaks[name], _, stderr = run_measured(splunk_python, requests, tmp_path, name)
        report(f"{name} hostile values, py{interpreter_id(splunk_python)}", seconds, peaks[name], len(records))
        assert code == 0, stderr[-2000:]
    assert peaks["distinct"] < peaks["same"] + 40, peaks


# --- Pipes closed early ----------------------------------------------------------------------


def spawned(command, **env):
    """The command as splunkd starts it: no argv, three pipes."""
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=clean_env(**env))


def stderr_after_stdout_closed(process, requests):
    """Close the command's stdout (splunkd no longer reading), send ``requests`` as far as the
    command takes them, close stdin; the command's stderr once it has exited."""
    process.stdout.close()
    try:
        for frame in requests:
            process.stdin.write(frame)
            process.stdin.flush()
        process.stdin.close()
    except BrokenPipeError:
        pass  # the command has gone: what matters is how
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    return err


def started(command, args=(), **env):
    """The command after a getinfo exchange, with its pipes."""
    process = spawned(command, **env)
    process.stdin.write(encode_chunk(getinfo_metadata(make_searchinfo(list(args), "ecrofhours"))))
    process.stdin.flush()
    watchdog = threading.Timer(60, process.kill)  # a command that never replies fails, not hangs
    watchdog.start()
    try:
        reply = read_chunk(process.stdout)
    finally:
        watchdog.cancel()
    assert reply is not None and reply[0]["type"] == "streaming", process.stderr.read()[-3000:]
    return process


def frames(count=20_000, chunk=5000):
    records = [{"_time": str(T + i * 37), "note": 'quoted "value", with a comma'} for i in range(count)]
    return [frame for _, frame in execute_requests(records, chunk_size=chunk, fields=["_time", "note"])]


def assert_quiet_exit(process, stderr):
    """Exit 0 and nothing for search.log."""
    assert (process.returncode, stderr) == (0, ""), stderr[-3000:]


def test_a_getinfo_probe_exits_quietly(splunk_python):
    process = started(splunk_python)
    out, err = process.communicate(timeout=60)
    assert out == b""
    assert_quiet_exit(process, err.decode())


def test_stdin_closed_between_chunks_exits_quietly(splunk_python):
    process = started(splunk_python)
    requests = frames()
    process.stdin.write(requests[0])
    process.stdin.flush()
    assert read_chunk(process.stdout)[0] == {"finished": False}
    out, err = process.communicate(timeout=60)  # no "finished" chunk: splunkd went away
    assert out == b""
    assert_quiet_exit(process, err.decode())


CUTS = {"header": lambda frame: frame[:8], "metadata": lambda frame: frame[:frame.index(b"{") + 5],
        "body": lambda frame: frame[:frame.index(b'"quoted') + 3]}


def assert_no_error_reply(out):
    """Whatever the command still wrote is whole chunks, without an error for the user."""
    stream = io.BytesIO(out)
    while (chunk := read_chunk(stream)) is not None:
        assert "error_message" not in json.dumps(chunk[0]) and "ERROR" not in json.dumps(chunk[0]), chunk


def assert_stopped(process, stderr, why):
    """Exit 1 and one line for search.log saying why: no traceback, no splunklib error."""
    assert (process.returncode, stderr.splitlines()) == (1, [f"ecrofhours stopped: {why}"]), stderr[-3000:]


@pytest.mark.parametrize("where", CUTS)
def test_stdin_closed_inside_a_chunk_stops_with_one_line(splunk_python, where):
    process = started(splunk_python)
    out, err = process.communicate(CUTS[where](frames()[0]), timeout=60)
    assert_stopped(process, err.decode(), "splunkd closed the command's input inside a chunk")
    assert_no_error_reply(out)


def test_a_malformed_chunk_is_an_error_not_a_quiet_stop(splunk_python):
    """Only input that ends early is splunkd going away; a whole line that is no chunk header
    is a protocol error, which splunklib logs with its traceback and exit code 1."""
    process = started(splunk_python)
    out, err = process.communicate(b"hello\n", timeout=60)
    assert process.returncode == 1
    assert "Failed to parse transport header" in err.decode() and "ecrofhours stopped" not in err.decode()


@pytest.mark.parametrize("sent", [0, 8, 30], ids=["nothing", "half-header", "half-metadata"])
def test_stdin_closed_before_getinfo_stops_with_one_line(splunk_python, sent):
    frame = encode_chunk(getinfo_metadata(make_searchinfo([], "ecrofhours")))
    process = spawned(splunk_python)
    out, err = process.communicate(frame[:sent], timeout=60)
    why = "before getinfo" if sent == 0 else "inside a chunk"
    assert_stopped(process, err.decode(), f"splunkd closed the command's input {why}")
    assert_no_error_reply(out)


@pytest.mark.parametrize("sent", [0, 30], ids=["nothing", "half-metadata"])
def test_both_pipes_closed_before_getinfo_stop_with_one_line(splunk_python, sent):
    """splunkd gone altogether (crashed or killed): splunklib still finishes with a reply after
    the input error, which meets the closed output; that is the same stop, not a second one."""
    frame = encode_chunk(getinfo_metadata(make_searchinfo([], "ecrofhours")))
    process = spawned(splunk_python)
    err = stderr_after_stdout_closed(process, [frame[:sent]])
    why = "before getinfo" if sent == 0 else "inside a chunk"
    assert_stopped(process, err, f"splunkd closed the command's input {why}")


@pytest.mark.parametrize("env", [{}, {"PYTHONUNBUFFERED": "1"}], ids=["buffered", "unbuffered"])
def test_stdout_closed_by_splunkd_stops_with_one_line(splunk_python, env):
    process = started(splunk_python, **env)
    err = stderr_after_stdout_closed(process, frames())
    assert_stopped(process, err, "splunkd closed the command's output")


@pytest.mark.parametrize("args", [[], ["nosuchoption=1"]], ids=["getinfo-reply", "error-reply"])
def test_stdout_closed_before_the_getinfo_reply_stops_with_one_line(splunk_python, args):
    """The getinfo reply is written outside splunklib's error handling, and so is the reply
    to options that prepare() refuses."""
    process = spawned(splunk_python)
    err = stderr_after_stdout_closed(process, [encode_chunk(getinfo_metadata(make_searchinfo(args, "ecrofhours")))])
    assert_stopped(process, err, "splunkd closed the command's output")


# --- Values that must not stop a search ------------------------------------------------------


def test_a_time_with_thousands_of_digits_is_bad_time(splunk_python):
    events = [{"_time": str(T)}, {"_time": "1" * 4301}, {"_time": "-" + "9" * 5000}, {"_time": str(T)}]
    session = run_command(splunk_python, [], events)
    assert session.returncode == 0 and not errors(session), session.messages
    assert [r.get("off_hours_reason") for r in session.records] == ["after_hours", "bad_time", "bad_time",
                                                                    "after_hours"]


NUL_EVENTS = [{"_time": str(T), "zone": "UTC\x00", "note": "a\x00b", "mv": ["\x00", "x\x00"]},
              {"_time": str(T), "note": "c"}]


def assert_nul_kept(records, messages):
    """Python 3.9's csv.reader refuses NUL ('line contains NUL'): unhandled, a NUL in any field
    stopped the search and lost every event in it (found at commit 5ed6ac0)."""
    assert not [text for level, text in messages if level in ("ERROR", "FATAL")], messages
    assert [r.get("off_hours_reason") for r in records] == ["bad_timezone", "after_hours"]
    assert records[0]["bh_error"].startswith("unknown time zone 'UTC\\x00': ")
    assert [(r["note"], r.get("mv")) for r in records] == [("a\x00b", ["\x00", "x\x00"]), ("c", None)]


@pytest.mark.parametrize("honour", [True, False], ids=["required-fields", "all-fields"])
def test_a_nul_character_in_a_value(splunk_python, honour):
    session = run_command(splunk_python, ["tzfield=zone"], NUL_EVENTS, honour_required_fields=honour)
    assert session.returncode == 0
    assert_nul_kept(session.records, session.messages)


def test_a_nul_character_on_the_generic_record_path(splunk_python):
    """A header not laid out as splunkd writes it (no ``__mv_`` columns) goes through
    splunklib's record reading instead of the row fast path: NUL-safe too."""
    plain = io.StringIO()
    writer = csv.writer(plain, lineterminator="\r\n")
    writer.writerow(["_time", "zone", "note", "mv"])
    writer.writerows([[T, "UTC\x00", "a\x00b", "\x00\nx\x00"], [T, "", "c", ""]])
    process = started(splunk_python, ["tzfield=zone"])
    out, err = process.communicate(encode_chunk({"action": "execute", "finished": True}, plain.getvalue().encode()),
                                   timeout=60)
    assert (process.returncode, err) == (0, b"")
    metadata, body = read_chunk(io.BytesIO(out))
    records = decode_records(body)
    for record in records:
        record["mv"] = record["mv"].split("\n") if record["mv"] else None
    assert_nul_kept(records, metadata.get("inspector", {}).get("messages", []))


@pytest.mark.parametrize("honour", [True, False], ids=["required-fields", "all-fields"])
def test_a_second_ecrofhours_replaces_the_first_ones_fields(splunk_python, honour):
    """``... | ecrofhours | ecrofhours tz=Asia/Tokyo``: the events already carry output fields
    (even a multivalue one); each comes out once, with the second command's value."""
    events = [{"_time": str(T), "off_hours": "stale", "bh_tz": ["UTC", "x"], "x": "1"}, {"_time": str(T), "x": "2"}]
    session = run_command(splunk_python, ["tz=Asia/Tokyo"], events, honour_required_fields=honour)
    assert session.returncode == 0 and not errors(session)
    for _, rows in session.replies:
        for row in rows:
            assert set(OUTPUT_FIELDS) <= set(row)
    assert [(r["off_hours"], r["bh_tz"], r["x"]) for r in session.records] == [
        ("0", "Asia/Tokyo", "1"), ("0", "Asia/Tokyo", "2")]


def test_driver_refuses_what_it_should():
    """Self-check of the helpers this module leans on."""
    with pytest.raises(ProtocolError):
        decode_records(b'a\n"unterminated\n')
    assert canonical(type("S", (), {"replies": [({}, [{"a": "1", "_chunked_idx": "0"}])]})()) == b'{"a": "1"}'
