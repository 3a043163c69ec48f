"""Shared test set-up: import paths, the Splunk-shipped interpreters, the shared/ folder."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIB = REPO / "lib"
SHARED = REPO.parent / "shared"
sys.path[:0] = [str(LIB), str(REPO)]  # the engine, and tools/ (the SCP v2 driver)


def _pyenv_root():
    try:
        return subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.path.expanduser("~/.pyenv")


# The Pythons Splunk runs the command with (bare: no venv, only the app's lib/). 3.7: indexers
# of Splunk 9.0-9.2 ignore python.required and run python.version = python3 as 3.7 (README).
INTERPRETERS = {
    "3.9": os.environ.get("PY39") or f"{_pyenv_root()}/versions/3.9.18/bin/python3.9",
    "3.13": os.environ.get("PY313") or f"{_pyenv_root()}/versions/3.13.0/bin/python3.13",
    "3.7": os.environ.get("PY37") or f"{_pyenv_root()}/versions/3.7.16/bin/python3.7",
}


@pytest.fixture(params=sorted(INTERPRETERS), ids=lambda v: f"py{v}")
def splunk_python(request):
    """Each interpreter Splunk ships, as a command prefix running bin/ecrofhours.py."""
    path = INTERPRETERS[request.param]
    if not os.access(path, os.X_OK):
        pytest.skip(f"Python {request.param} not found at {path} (pyenv)")
    if request.param == "3.7" and "audited" in request.fixturenames:
        pytest.skip("the audit hook (sys.addaudithook) this check runs under exists from Python 3.8")
    if not (LIB / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    return [path, str(REPO / "bin" / "ecrofhours.py")]


@pytest.fixture
def shared_reference():
    path = SHARED / "reference"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: reference material lives beside the repository")
    return path
