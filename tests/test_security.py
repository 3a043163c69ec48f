"""Security review, as tests: what the command's code may do, and what hostile values reach.

- **Code** (``bin/`` and the engine ``lib/offhours/``, not the vendored splunklib and pytz): read
  with ``ast``, nothing that talks to the network, starts processes, evaluates code, writes or
  deletes files, unpickles, reads the process's clock, zone, locale or environment, or touches
  splunklib's REST client (``self.service``) or the search's session key. ruff's ``S`` rules
  (bandit) pass on the same files.
- **Run time**: the real command under Python's audit hooks (PEP 578), fed hostile option and
  field values: no socket, process, file write or deletion, and every file it opens lies in the
  app's own directories or the interpreter's standard library (never ``/etc``, never the system
  zone files: the command's zones come from its own pytz).
- **Names**: profile, zone and calendar names are looked up in the conf, pytz's list of zones and
  the shipped calendar index, never used as paths: ``../../etc/passwd`` in ``profile=``, ``tz=``,
  ``holidays=``, ``locale=`` or a ``profilefield``/``tzfield`` value is an unknown name.
"""
import ast
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from conftest import REPO
from harness.scpv2 import probe_getinfo, run_command

T = 1629328650  # 2021-08-18T23:17:30Z

SCANNED = sorted([*(REPO / "bin").glob("*.py"), *(REPO / "lib" / "offhours").rglob("*.py"),
                  *(REPO / "lib" / "chunked").rglob("*.py")])

# --- What the code may not do ------------------------------------------------------------------

FORBIDDEN_MODULES = {
    # network
    "socket", "ssl", "http", "urllib", "urllib3", "requests", "ftplib", "smtplib", "poplib", "imaplib",
    "telnetlib", "xmlrpc", "socketserver", "asyncio", "selectors", "webbrowser",
    # processes, native code, code loading
    "subprocess", "multiprocessing", "concurrent", "pty", "ctypes", "cffi", "runpy", "code", "codeop",
    "importlib",
    # deserialisation, stores, files
    "pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "dbm", "sqlite3", "shutil", "tempfile",
    # process clock, zone, locale
    "locale", "zoneinfo", "time",
    # splunklib's REST client, results reader and modular inputs: the command needs none of them
    "splunklib.client", "splunklib.binding", "splunklib.results", "splunklib.modularinput",
}
FORBIDDEN_CALLS = {
    "eval", "exec", "compile", "__import__", "input", "breakpoint", "globals", "vars",
    "os.system", "os.popen", "os.fork", "os.forkpty", "os.kill", "os.killpg", "os.remove", "os.unlink",
    "os.rename", "os.renames", "os.replace", "os.rmdir", "os.removedirs", "os.mkdir", "os.makedirs",
    "os.chmod", "os.chown", "os.lchown", "os.symlink", "os.link", "os.truncate", "os.putenv",
    "os.unsetenv", "os.chdir", "os.open", "os.write", "os.getenv", "os.mkfifo", "os.startfile",
    "datetime.now", "datetime.today", "datetime.utcnow", "datetime.fromtimestamp", "date.today",
    "datetime.datetime.now", "datetime.datetime.today", "datetime.datetime.utcnow",
    "datetime.datetime.fromtimestamp", "datetime.date.today", "datetime.date.fromtimestamp",
}
FORBIDDEN_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn", "os.plock")
# Attributes: splunklib's REST service and the search's credentials, the process environment,
# and file-writing methods of pathlib and friends.
FORBIDDEN_ATTRIBUTES = {
    "service", "session_key", "splunkd_uri", "search_results_info", "environ", "environb",
    "write_text", "write_bytes", "touch", "unlink", "rmdir", "symlink_to", "hardlink_to", "mkdir",
    "chmod", "rename", "replace_file", "system",
}
WRITE_MODES = set("wax+")


def _dotted(node):
    """``a.b.c`` of a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def findings(source, filename="<source>"):
    """Every forbidden construct in ``source``: ``[(line, what)]``."""
    tree = ast.parse(source, filename)
    aliases = {}
    found = []

    def forbidden_module(name):
        return any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[(alias.asname or alias.name).split(".")[0]] = alias.name if alias.asname else \
                    alias.name.split(".")[0]
                if forbidden_module(alias.name):
                    found.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                if forbidden_module(node.module) or forbidden_module(f"{node.module}.{alias.name}"):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append((node.lineno, f".{node.attr}"))
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name is None:
            continue
        head, _, rest = name.partition(".")
        resolved = aliases.get(head, head) + ("." + rest if rest else "")
        if resolved in FORBIDDEN_CALLS or name in FORBIDDEN_CALLS or resolved.startswith(FORBIDDEN_PREFIXES):
            found.append((node.lineno, f"{resolved}()"))
        if resolved in ("getattr", "setattr", "hasattr") and len(node.args) > 1:
            key = node.args[1]
            if isinstance(key, ast.Constant) and key.value in FORBIDDEN_ATTRIBUTES:
                found.append((node.lineno, f"{resolved}(..., {key.value!r})"))
        if resolved in ("open", "io.open", "codecs.open", "os.fdopen") or name.endswith(".open"):
            mode = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "mode"), None)
            if mode is not None and not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
                found.append((node.lineno, f"{resolved}() with a computed mode"))
            elif mode is not None and WRITE_MODES & set(mode.value):
                found.append((node.lineno, f"{resolved}(..., {mode.value!r})"))
    return sorted(set(found))


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(REPO)))
def test_the_code_does_nothing_but_read_its_own_files_and_compute(path):
    assert findings(path.read_text(encoding="utf-8"), str(path)) == []


def test_the_scan_covers_the_command_and_the_whole_engine():
    names = {p.relative_to(REPO).as_posix() for p in SCANNED}
    assert {"bin/ecrofhours.py", "bin/ecrofhourspolicy.py", "bin/ecrofhoursinfo.py", "lib/offhours/annotator.py",
            "lib/offhours/__init__.py"} <= names
    assert not any(name.startswith(("lib/splunklib", "lib/pytz")) for name in names)


BAD_SNIPPETS = {
    "import socket": "import socket",
    "from urllib.request import urlopen": "from urllib.request import urlopen",
    "import subprocess as sp\nsp.run(['ls'])": "import subprocess",
    "from splunklib.client import connect": "from splunklib.client import connect",
    "import splunklib.binding": "import splunklib.binding",
    "eval('1')": "eval()",
    "exec('x = 1')": "exec()",
    "__import__('os')": "__import__()",
    "import os\nos.system('id')": "os.system()",
    "from os import system as run\nrun('id')": "os.system()",
    "import os\nos.execv('/bin/sh', [])": "os.execv()",
    "import os\nos.posix_spawn('/bin/sh', [], {})": "os.posix_spawn()",
    "import os\nos.remove('x')": "os.remove()",
    "open('x', 'w')": "open(..., 'w')",
    "open('x', mode='ab')": "open(..., 'ab')",
    "open('x', 'r+')": "open(..., 'r+')",
    "open('x', m)": "open() with a computed mode",
    "import io\nio.open('x', 'x')": "io.open(..., 'x')",
    "from pathlib import Path\nPath('x').write_text('y')": ".write_text",
    "import pickle\npickle.loads(b'')": "import pickle",
    "self.service.jobs": ".service",
    "getattr(self, 'service')": "getattr(..., 'service')",
    "self.metadata.searchinfo.session_key": ".session_key",
    "import os\nos.environ['TZ']": ".environ",
    "import os\nos.getenv('TZ')": "os.getenv()",
    "import time\ntime.localtime()": "import time",
    "from datetime import datetime\ndatetime.now()": "datetime.datetime.now()",
    "import datetime\ndatetime.date.today()": "datetime.date.today()",
    "from datetime import datetime as d\nd.fromtimestamp(0)": "datetime.datetime.fromtimestamp()",
    "import locale": "import locale",
    "import shutil": "import shutil",
}


@pytest.mark.parametrize("snippet, expected", BAD_SNIPPETS.items(), ids=list(BAD_SNIPPETS))
def test_the_scan_finds_each_forbidden_construct(snippet, expected):
    assert any(expected in what for _, what in findings(snippet)), findings(snippet)


def test_the_scan_leaves_ordinary_code_alone():
    source = textwrap.dedent("""
        import csv, os, re, sys
        from datetime import date, datetime, timedelta
        from io import StringIO
        from splunklib.searchcommands import StreamingCommand, dispatch
        from splunklib.searchcommands.internals import CsvDialect
        APP = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(APP, "x.csv"), encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        with open(APP, "rb") as f:
            f.read()
        datetime(1970, 1, 1) + timedelta(seconds=1)
        date.fromordinal(1)
        self.write_error("x"); self.configuration.required_fields = ["_time"]
    """)
    assert findings(source) == []


def test_ruff_bandit_rules_pass_on_the_command_and_the_engine():
    """ruff's S rules (bandit), whatever ruff.toml says: no ignores for bin/ or the engine."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "S",
         "--target-version", "py39", "bin", "lib/offhours"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_test_lints_with_the_bandit_rules():
    config = tomllib.loads((REPO / "ruff.toml").read_text(encoding="utf-8"))
    assert "S" in config["lint"]["select"]
    for pattern, codes in config["lint"].get("per-file-ignores", {}).items():
        assert not pattern.startswith(("bin", "lib")), pattern  # the command and engine: every S rule
        assert "S" not in codes, pattern  # ignores name rules one by one, each with a reason


# --- What the command does at run time ---------------------------------------------------------

# Runs the command script under an audit hook (PEP 578) writing each event to a log: imports,
# opens, sockets, processes, file changes. Opened before the hook, the log is written with
# os.write, which raises no event.
_AUDITED = """
import json, os, runpy, sys
log = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(log, (json.dumps(["prefix", [sys.base_prefix, sys.prefix, os.getcwd()]]) + "\\n").encode())
QUIET = {"exec", "compile", "marshal.loads", "object.__getattr__", "object.__setattr__",
         "object.__delattr__", "sys._getframe", "sys._getframemodulename", "code.__new__",
         "function.__new__", "builtins.id", "import", "sys.excepthook", "cpython.run_interactivehook"}
def hook(event, args):
    if event in QUIET:
        return
    plain = [a if isinstance(a, (str, int, float, type(None))) else repr(a)[:200] for a in args]
    os.write(log, (json.dumps([event, plain]) + "\\n").encode())
sys.addaudithook(hook)
script = sys.argv[2]
sys.argv = [script]
sys.path.insert(0, os.path.dirname(script))  # as when Python runs the script itself
runpy.run_path(script, run_name="__main__")
"""
FORBIDDEN_EVENTS = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                    "os.kill", "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                    "os.symlink", "os.link", "os.truncate", "os.putenv", "os.unsetenv", "os.chdir", "shutil.",
                    "urllib.", "http.client.", "ftplib.", "smtplib.", "ctypes.", "webbrowser.", "pickle.",
                    "sqlite3.", "tempfile.", "winreg.", "msvcrt.", "time.sleep")
HOSTILE = ["../../../../etc/passwd", "/etc/passwd", "..\\..\\..\\windows\\win.ini", "Europe/../../../../etc/passwd",
           "file:///etc/passwd", "%2e%2e%2fetc%2fpasswd", "~root/.ssh/id_rsa", "UTC\n../../etc", "zone.tab",
           "tzdata.zi", "iso3166.tab", "leapseconds", "posixrules", "../lookups/ecrofhours_public_holidays.csv",
           "../default/ecrofhours", "settings", "profile:utc", "default", "/dev/zero", "CON"]  # NUL: test_values


@pytest.fixture
def audited(splunk_python, tmp_path):
    """A command prefix that runs bin/ecrofhours.py under the audit hook, and a reader of its
    log: ``(events, allowed roots)``."""
    wrapper = tmp_path / "audited.py"
    wrapper.write_text(_AUDITED, encoding="utf-8")
    log = tmp_path / "audit.log"
    # -I: the wrapper's own directory stays off sys.path; -B: no bytecode written by the
    # interpreter itself, so any write would be the command's.
    command = [splunk_python[0], "-I", "-B", str(wrapper), str(log), splunk_python[1]]

    def events():
        lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        (_, (base_prefix, prefix, cwd)), rest = lines[0], lines[1:]
        return rest, (base_prefix, prefix), cwd

    return command, events


def env():
    return {**os.environ, "TZ": "Asia/Kathmandu"}


def check_audit(events, roots, cwd):
    """No forbidden event; every file opened read-only, inside the app or the stdlib."""
    app = os.path.realpath(REPO)
    allowed = [os.path.realpath(root) for root in roots] + [app]
    opened = []
    for event, args in events:
        assert not event.startswith(FORBIDDEN_EVENTS), (event, args)
        if event == "open" and isinstance(args[0], str):
            path = os.path.realpath(os.path.join(cwd, args[0]))
            mode, flags = args[1], args[2] or 0
            assert not (mode and WRITE_MODES & set(mode)), (path, mode)
            assert not flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND), (path, flags)
            assert any(path == root or path.startswith(root + os.sep) for root in allowed), path
            opened.append(path)
        if event in ("os.listdir", "os.scandir", "glob.glob") and args and isinstance(args[0], str):
            path = os.path.realpath(os.path.join(cwd, args[0]))
            assert any(path.startswith(root) for root in allowed), (event, path)
    for path in opened:
        assert not path.startswith(("/etc", "/usr/share/zoneinfo", "/dev", "/proc")), path
        if path.startswith(app + os.sep):
            top = Path(path).relative_to(app).parts[0]
            assert top in ("bin", "lib", "default", "local", "lookups"), path
    return opened


def test_hostile_event_values_open_nothing_outside_the_app(audited, tmp_path):
    command, read_events = audited
    records = [{"_time": str(T + i), "team": team, "zone": zone}
               for i, (team, zone) in enumerate((t, z) for t in HOSTILE + ["berlin", "us_eastern", ""]
                                                for z in HOSTILE[::3] + ["Europe/Berlin", ""])]
    records += [{"_time": value} for value in HOSTILE]
    session = run_command(command, ["profilefield=team", "tzfield=zone", "holidays=DE-BY, US"], records,
                          chunk_size=97, env=env(), cwd=str(tmp_path))
    assert session.returncode == 0 and not [m for m in session.messages if m[0] == "ERROR"], session.stderr[-2000:]
    assert len(session.records) == len(records)
    events, roots, cwd = read_events()
    opened = check_audit(events, roots, cwd)
    app = os.path.realpath(REPO)
    # It did read its data (so the check above saw real work): confs, calendars, pytz's zones.
    assert os.path.join(app, "default", "ecrofhours.conf") in opened
    assert os.path.join(app, "lookups", "ecrofhours_public_holidays.csv") in opened
    assert any(p.startswith(os.path.join(app, "lib", "pytz", "zoneinfo")) for p in opened)
    for record in session.records:
        if record.get("team", "") in HOSTILE:
            assert (record["off_hours_reason"], record["bh_profile"]) == ("unknown_profile", record["team"].strip())
        elif record.get("zone", "").strip() and record.get("zone") in HOSTILE:
            assert record["off_hours_reason"] == "bad_timezone", record


@pytest.mark.parametrize("option", ["profile", "tz", "holidays", "locale"])
def test_hostile_option_values_open_nothing_outside_the_app(audited, tmp_path, option):
    """The options that name things (field options name fields: dictionary keys, never files)."""
    command, read_events = audited
    for value in ("../../../../etc/passwd", "/etc/passwd", "zone.tab"):
        session = probe_getinfo(command, [f"{option}={value}"], env=env(), cwd=str(tmp_path))
        events, roots, cwd = read_events()
        opened = check_audit(events, roots, cwd)
        assert os.path.join(os.path.realpath(REPO), "default", "ecrofhours.conf") in opened  # the log works
        assert [level for level, _ in session.messages] == ["ERROR"]
        for _, text in session.messages:
            assert "Traceback" not in text and str(REPO) not in text, text


@pytest.mark.parametrize("args, message", [
    (["profile=../../etc/passwd"],
     "Unknown profile '../../etc/passwd' (profile option); known profiles: berlin, us_eastern, utc"),
    (["profile=settings"], "Unknown profile 'settings' (profile option); known profiles: berlin, us_eastern, utc"),
    (["tz=../../../../etc/passwd"],
     "Invalid tz=../../../../etc/passwd: unknown time zone '../../../../etc/passwd': use an IANA name such as "
     "Europe/Berlin or a UTC offset such as +05:30"),
    (["tz=zone.tab"], "Invalid tz=zone.tab: unknown time zone 'zone.tab': use an IANA name such as "
                      "Europe/Berlin or a UTC offset such as +05:30"),
    (["holidays=../../etc/passwd"],
     "Invalid holidays=../../etc/passwd: unknown holiday calendar '../../ETC/PASSWD' (see "
     "lookups/ecrofhours_holiday_calendars.csv); use codes such as US, DE-BY, or none"),
    (["locale=../../etc/passwd"],
     "Invalid locale=../../etc/passwd: invalid locale '../../etc/passwd': expected ll_CC, ll-CC or CC with an "
     "ISO 3166 territory, e.g. de_DE or SA"),
])
def test_hostile_names_are_unknown_names(splunk_python, args, message):
    session = run_command(splunk_python, args, [{"_time": str(T)}])
    assert [text for level, text in session.messages if level == "ERROR"] == [message]
    assert session.returncode == 1 and session.records == []


def test_zone_data_files_that_are_not_zones_are_unknown_zones(splunk_python):
    """pytz's data directory holds tables besides zones: none of them is a zone name."""
    tables = ["zone.tab", "zone1970.tab", "zonenow.tab", "iso3166.tab", "tzdata.zi", "leapseconds",
              "posixrules", "Factory/../UTC", "./UTC", "UTC/", "/UTC"]
    records = [{"_time": str(T), "zone": name} for name in tables]
    session = run_command(splunk_python, ["tzfield=zone"], records)
    assert [r["off_hours_reason"] for r in session.records] == ["bad_timezone"] * len(tables)
    assert all(r.get("bh_tz", "") == "" for r in session.records)
