"""Shared test set-up: the Splunk-shipped interpreters, the shared/ folder (import paths: pytest.ini)."""
import os
from pathlib import Path

import pytest

from harness.interpreters import interpreters

REPO = Path(__file__).resolve().parents[1]
LIB = REPO / "lib"
SHARED = REPO.parent / "shared"


# The Pythons Splunk runs the command with (bare: no venv, only the app's lib/).
INTERPRETERS = interpreters()


# splunk-sdk 3 (Python 3.13 only, Splunk 10), vendored by `make sdk3`: the protocol, fast-path and
# fuzz tests also run the command on it, so that moving the app to it is a one-line change.
SDK3 = REPO / "build" / "sdk3"
SDK3_VARIANT = "3.13-sdk3"
SDK3_MODULES = {"test_app_confs", "test_bundle", "test_command", "test_fuzz", "test_rows_bytes", "test_pipes",
                "test_resources", "test_values"}


# Modules of the full gate only: whole-table sweeps, packaging, contentctl, simulations.
SLOW_MODULES = {
    "test_baseline", "test_bundle", "test_clock", "test_clock_exactness", "test_contentctl", "test_demo",
    "test_detections", "test_holiday_exactness", "test_licences", "test_memory", "test_organisation",
    "test_package", "test_principal", "test_properties", "test_python37", "test_resources", "test_risk",
    "test_rows_bytes", "test_selftest", "test_spl",
}


def pytest_collection_modifyitems(items):
    for item in items:
        module = getattr(getattr(item, "module", None), "__name__", "")
        if module in SLOW_MODULES or "splunk_python" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def pytest_generate_tests(metafunc):
    if "splunk_python" in metafunc.fixturenames:
        variants = sorted(INTERPRETERS) + ([SDK3_VARIANT] if metafunc.module.__name__ in SDK3_MODULES else [])
        metafunc.parametrize("splunk_python", variants, indirect=True, ids=lambda v: f"py{v}")


def sdk3_app():
    """A view of the app whose lib/ has splunk-sdk 3's splunklib instead of the shipped one."""
    if not (SDK3 / "splunklib").is_dir():
        pytest.skip(f"{SDK3} has no splunk-sdk 3: run `make sdk3`")
    app = REPO / "build" / "app-sdk3"
    if not (app / "lib" / "splunklib").exists():
        (app / "lib").mkdir(parents=True, exist_ok=True)
        for name in ("bin", "default", "lookups", "metadata", "README"):
            if not (app / name).exists():
                (app / name).symlink_to(REPO / name, target_is_directory=True)
        for name in ("offhours", "chunked", "pytz"):
            if not (app / "lib" / name).exists():
                (app / "lib" / name).symlink_to(LIB / name, target_is_directory=True)
        for path in SDK3.glob("splunk_sdk-*.dist-info"):
            (app / "lib" / path.name).symlink_to(path, target_is_directory=True)
        (app / "lib" / "splunklib").symlink_to(SDK3 / "splunklib", target_is_directory=True)
    return app


@pytest.fixture
def splunk_python(request):
    """Each interpreter Splunk ships, as a command prefix running bin/ecrofhours.py (for
    ``3.13-sdk3``: Python 3.13 on splunk-sdk 3)."""
    variant = request.param
    version = "3.13" if variant == SDK3_VARIANT else variant
    path = INTERPRETERS[version]
    if not os.access(path, os.X_OK):
        pytest.skip(f"Python {version} not found at {path} (pyenv)")
    if version == "3.7" and "audited" in request.fixturenames:
        pytest.skip("the audit hook (sys.addaudithook) this check runs under exists from Python 3.8")
    if not (LIB / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    app = sdk3_app() if variant == SDK3_VARIANT else REPO
    return [path, str(app / "bin" / "ecrofhours.py")]


@pytest.fixture
def shared_reference():
    path = SHARED / "reference"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: reference material lives beside the repository")
    return path
