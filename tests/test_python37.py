"""Python 3.7: what indexers of Splunk 9.0-9.2 run the commands with.

Those releases ignore ``python.required`` and run ``python.version = python3`` as Python 3.7
(README, "Install and verify"), so a search head on 9.3 or later sends the commands to 3.7
there. The whole protocol suite runs under 3.7 too (``INTERPRETERS`` in conftest.py); these
checks say at once, with the file and line, what 3.7 cannot read or import.
"""
import os
import subprocess

import pytest

from conftest import INTERPRETERS, LIB, REPO
from offhours.conffile import read_conf_text
from harness.scpv2 import probe_getinfo

PY37 = INTERPRETERS["3.7"]
APP_CODE = ("bin", "lib/offhours", "lib/splunklib", "lib/pytz")


@pytest.fixture(scope="module")
def python37():
    if not os.access(PY37, os.X_OK):
        pytest.skip(f"Python 3.7 not found at {PY37} (pyenv 3.7.16)")
    if not (LIB / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    return PY37


def commands():
    conf = read_conf_text((REPO / "default" / "commands.conf").read_text(encoding="utf-8"), "commands.conf")
    return {name: {key: setting.value for key, setting in settings.items()} for name, settings in conf.items()}


def test_every_python_file_the_app_ships_compiles_under_3_7(python37):
    """Syntax newer than 3.7 (``:=``, positional-only parameters, ``f"{x=}"``) names its file."""
    files = sorted(str(path) for top in APP_CODE for path in (REPO / top).rglob("*.py"))
    assert len(files) > 50
    check = ("import sys\n"
             "for path in sys.argv[1:]:\n"
             "    with open(path, encoding='utf-8') as source:\n"
             "        compile(source.read(), path, 'exec')\n")
    done = subprocess.run([python37, "-I", "-B", "-c", check, *files], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_every_engine_module_imports_under_3_7_with_only_lib(python37):
    """Standard library newer than 3.7 (``functools.cache``, ``str.removeprefix`` at import,
    ``importlib.metadata``...) fails here, as it would on the indexer."""
    modules = sorted(path.stem for path in (LIB / "offhours").glob("*.py") if path.stem != "__init__")
    script = ("import importlib, sys\n"
              f"sys.path.insert(0, {str(LIB)!r})\n"
              "import offhours, pytz, splunklib.searchcommands\n"
              "for name in sys.argv[1:]:\n"
              "    importlib.import_module('offhours.' + name)\n"
              "print(sys.version_info[:2])\n")
    done = subprocess.run([python37, "-I", "-B", "-c", script, *modules], capture_output=True, text=True,
                          check=False, env={"PATH": os.environ.get("PATH", "")})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "(3, 7)"


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_answers_getinfo_under_3_7(python37, name):
    session = probe_getinfo([python37, "-B", str(REPO / "bin" / commands()[name]["filename"])], [])
    assert session.getinfo is not None and session.returncode == 0, session.stderr[-2000:]
    assert not [text for level, text in session.messages if level in ("ERROR", "FATAL")], session.messages


@pytest.mark.parametrize("name", sorted(commands()))
def test_python_settings_a_9_0_indexer_reads_as_3_7(name):
    """``python.version = python3`` is what 9.0-9.2 read (as 3.7); ``python.required`` is what
    later releases read. Both are set for every command."""
    settings = commands()[name]
    assert settings["python.version"] == "python3"
    assert [v.strip() for v in settings["python.required"].split(",")] == ["3.9", "3.13"]
