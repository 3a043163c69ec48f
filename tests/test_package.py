"""The app package (tools/build/package.py) and the files that name the app: app.conf, app.manifest,
default.meta.

The AppInspect gate itself runs in `make test` through `make appinspect` (tools/build/appinspect.py),
on the very tarball `make package` built.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tools.build import package

REPO = Path(__file__).resolve().parents[1]
APP_ID = "ecrofhours"
MAX_BYTES = 10 * 1024 * 1024
# The contract's allowlist of top-level paths in the package.
ALLOWED_TOP = {
    "app.manifest",
    "README.md",
    "LICENSE",
    "LICENSES",
    "NOTICE",
    "bin",
    "default",
    "docs",
    "lib",
    "lookups",
    "metadata",
    "README",
    "static",
}
# The one error slim 1.2.8 reports, because its release table stops at Splunk 8.0.0.
SLIM_KNOWN_ERROR = (
    "manifest.platformRequirements.splunk: Version requirement includes no supported version"
)


def build(output: Path) -> Path:
    """Build the package with the command line `make package` uses."""
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build" / "package.py"), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"\d+\.\d\d MB", result.stdout), result.stdout  # the size is printed
    return output


@pytest.fixture(scope="module")
def tgz(tmp_path_factory):
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.fail("lib/ has no vendored splunklib: run `make lib`")
    return build(tmp_path_factory.mktemp("package") / f"{APP_ID}.tgz")


@pytest.fixture(scope="module")
def members(tgz):
    with tarfile.open(tgz) as tar:
        return tar.getmembers()


def inner(member: tarfile.TarInfo) -> str:
    """The member's path inside the app folder ("" for the folder itself)."""
    return member.name.partition("/")[2]


SKELETON = ("app.manifest", "default/app.conf", "metadata/default.meta", "LICENSE", "NOTICE")


def app_skeleton(tmp_path: Path) -> Path:
    """A copy of the files that name the app and its licence, as the root of a tree to package."""
    app = tmp_path / "app"
    for path in SKELETON:
        (app / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / path, app / path)
    return app


def app_conf_text():
    return (REPO / "default" / "app.conf").read_text(encoding="utf-8")


def app_conf():
    return package.read_conf(REPO / "default" / "app.conf")


def manifest():
    return json.loads((REPO / "app.manifest").read_text(encoding="utf-8"))


# --- the tarball -------------------------------------------------------------------------------


def test_one_top_folder_named_after_the_app_id(members):
    assert {m.name.split("/")[0] for m in members} == {APP_ID}
    assert members[0].name == APP_ID and members[0].isdir()


def test_only_allowlisted_top_level_paths(members):
    tops = {inner(m).split("/")[0] for m in members if inner(m)}
    assert tops <= ALLOWED_TOP, tops - ALLOWED_TOP
    assert {"app.manifest", "bin", "default", "lib", "metadata", "LICENSE", "LICENSES", "NOTICE"} <= tops


def test_no_bytecode_dotfiles_local_tests_or_tools(members):
    for member in members:
        parts = inner(member).split("/")
        assert not any(part.startswith(".") for part in parts), member.name
        assert not {"__pycache__", "local", "local.meta", "tests", "tools", "harness"} & set(parts), (
            member.name
        )
        assert not member.name.endswith((".pyc", ".pyo")), member.name


def test_the_contentctl_content_and_its_tooling_stay_out(tgz):
    """security_content/ (docs/CONTENTCTL.md) is for contentctl repositories, not the app: no
    file of it is in the package, under any name, nor contentctl's venv, pins or build output."""
    content = {hashlib.sha256(path.read_bytes()).hexdigest(): path.relative_to(REPO).as_posix()
               for path in (REPO / "security_content").rglob("*") if path.is_file()}
    assert "security_content/contentctl.yml" in content.values()  # the folder exists: this test can fail
    with tarfile.open(tgz) as tar:
        files = {inner(member): tar.extractfile(member).read() for member in tar.getmembers() if member.isfile()}
    tops = {"security_content", ".venv-contentctl", "build", "requirements-contentctl.txt"}
    leaked = sorted(name for name in files if name.split("/")[0] in tops)
    leaked += sorted(f"{name} (a copy of {content[digest]})" for name, data in files.items()
                     if (digest := hashlib.sha256(data).hexdigest()) in content)
    assert not leaked, leaked


def test_lib_holds_vendored_code_and_licences_but_no_build_leftovers(members):
    names = {inner(m) for m in members}
    for needed in (
        "lib/splunklib/searchcommands/__init__.py",
        "lib/pytz/__init__.py",
        "lib/pytz/zoneinfo/UTC",
    ):
        assert needed in names
    assert any(name.startswith("lib/offhours/") and name.endswith(".py") for name in names)
    assert "lib/requirements.txt" not in names
    dist_info = {
        name.split("/", 2)[2] for name in names if re.match(r"lib/[^/]+\.dist-info/.", name)
    }
    assert dist_info <= {"METADATA", "LICENSE.txt", "LICENSE"}, dist_info
    assert any(re.fullmatch(r"lib/pytz-[^/]+\.dist-info/LICENSE\.txt", name) for name in names)


def test_normalised_permissions_owners_and_times(members):
    for member in members:
        assert member.isdir() or member.isfile(), f"{member.name}: not a file or folder"
        assert member.mode == (0o755 if member.isdir() else 0o644), member.name
        assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", ""), member.name
    assert len({m.mtime for m in members}) == 1


def test_entries_sorted_and_every_folder_listed(members):
    names = [m.name for m in members]
    assert names == sorted(names, key=lambda name: name.split("/"))
    folders = {m.name for m in members if m.isdir()}
    assert all(name.rpartition("/")[0] in folders for name in names[1:])


def test_two_builds_are_byte_identical(tgz, tmp_path):
    assert build(tmp_path / "again.tgz").read_bytes() == tgz.read_bytes()


def test_stays_under_10_mb(tgz):
    assert tgz.stat().st_size < MAX_BYTES


def test_a_dirty_tree_packages_only_what_belongs(tmp_path):
    app = app_skeleton(tmp_path)
    kept = [
        "bin/ecrofhours.py",
        "lib/splunklib/__init__.py",
        "lib/pytz/__init__.py",
        "lib/pytz-1.dist-info/METADATA",
        "lib/pytz-1.dist-info/LICENSE.txt",
        "lib/x-1.dist-info/licenses/COPYING",
        "LICENSES/pytz.txt",
        "LICENSES/x.txt",
    ]
    dropped = [
        "Makefile",
        ".gitignore",
        "tests/test_x.py",
        "tools/run/demo.py",
        "dist/old.tgz",
        "bin/.ecrofhours.py.swp",
        "bin/__pycache__/ecrofhours.cpython-39.pyc",
        "bin/stale.pyc",
        "local/ecrofhours.conf",
        "default/local/x.conf",
        "metadata/local.meta",
        "lib/.vendored",
        "lib/requirements.txt",
        "lib/pytz-1.dist-info/RECORD",
        "lib/pytz-1.dist-info/INSTALLER",
    ]
    for path in kept + dropped:
        (app / path).parent.mkdir(parents=True, exist_ok=True)
        (app / path).write_text("x\n")
    (app / "NOTICE").write_text("lib/pytz/: pytz 1\nlib/x/: x 1\n")
    package.build(tmp_path / "out.tgz", root=app)
    with tarfile.open(tmp_path / "out.tgz") as tar:
        files = {inner(m) for m in tar.getmembers() if m.isfile()}
    assert files == set(kept) | set(SKELETON)


ADMIN_LOOKUPS = ("lookups/ecrofhours_profiles.csv", "lookups/ecrofhours_company_closures.csv")


def test_no_admin_data_in_the_package(members):
    """Profiles and closures admins enter in Splunk Web live in lookups/ beside the shipped
    calendars; a package holding either would replace theirs on upgrade (README, Configuration)."""
    files = {inner(m) for m in members if m.isfile()}
    assert {f for f in files if f.startswith("lookups/")} == set(package.SHIPPED_LOOKUPS)
    assert not set(ADMIN_LOOKUPS) & files


def test_admin_lookups_in_the_tree_stay_out(tmp_path):
    app = app_skeleton(tmp_path)
    vendored = ("lib/splunklib/__init__.py", "lib/pytz/__init__.py")
    for path in ("bin/ecrofhours.py", *vendored, *package.SHIPPED_LOOKUPS, *ADMIN_LOOKUPS, "lookups/team_profiles.csv"):
        (app / path).parent.mkdir(parents=True, exist_ok=True)
        (app / path).write_text("x\n")
    package.build(tmp_path / "out.tgz", root=app)
    with tarfile.open(tmp_path / "out.tgz") as tar:
        files = {inner(m) for m in tar.getmembers() if m.isfile()}
    assert {f for f in files if f.startswith("lookups/")} == set(package.SHIPPED_LOOKUPS)


def test_a_symlink_is_refused(tmp_path):
    app = app_skeleton(tmp_path)
    (app / "bin").mkdir()
    (app / "bin" / "link.py").symlink_to(app / "app.manifest")
    with pytest.raises(package.PackageError, match="symlink"):
        package.collect_files(app)


# --- identity: one id, one version -------------------------------------------------------------


def test_versions_agree_and_match_the_package(tgz):
    conf, info = app_conf(), manifest()["info"]
    version = conf["id"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert conf["launcher"]["version"] == info["id"]["version"] == version
    with tarfile.open(tgz) as tar:
        packaged = tar.extractfile(f"{APP_ID}/default/app.conf").read().decode("utf-8")
    assert package.read_conf_text(packaged, "app.conf")["id"]["version"].value == version


def test_app_id_is_the_top_folder_everywhere(members):
    conf, info = app_conf(), manifest()["info"]
    assert conf["id"]["name"] == conf["package"]["id"] == info["id"]["name"] == APP_ID
    assert members[0].name == APP_ID


def test_a_version_mismatch_stops_the_build(tmp_path):
    app = app_skeleton(tmp_path)
    text = (app / "default" / "app.conf").read_text(encoding="utf-8")
    launcher = text.index("\n[launcher]\n")
    text = text[:launcher] + re.sub(
        r"(?m)^version = .*$", "version = 9.9.9", text[launcher:], count=1
    )
    (app / "default" / "app.conf").write_text(text, encoding="utf-8")
    with pytest.raises(package.PackageError, match=r"\[launcher\] version is '9\.9\.9'"):
        package.app_identity(app)


def test_manifest_schema_and_minimum_splunk():
    data = manifest()
    assert data["schemaVersion"] == "2.0.0"
    assert data["platformRequirements"]["splunk"] == {"Enterprise": ">=9.3.0"}
    assert "Splunk Enterprise 9.3" in app_conf_text() and "Splunk Cloud" in app_conf_text()


def test_slim_validate_reports_only_the_stale_release_table(tgz, tmp_path):
    slim = Path(sys.executable).parent / "slim"
    if not slim.exists():
        pytest.skip("slim (splunk-packaging-toolkit) is not installed beside this Python")
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(tgz) as tar:
        tar.extractall(tmp_path, **safe)
    result = subprocess.run(
        [str(slim), "validate", str(tmp_path / APP_ID)],
        env={**os.environ, "HOME": str(tmp_path)},  # slim creates ~/.config/slim
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in (result.stdout + result.stderr).splitlines() if "[ERROR]" in line]
    assert len(errors) == 1 and SLIM_KNOWN_ERROR in errors[0], errors


# --- conf files --------------------------------------------------------------------------------


def test_app_conf_settings():
    conf = app_conf()
    assert conf["install"]["is_configured"] == "false"
    assert conf["package"]["check_for_updates"] == "false"
    assert conf["ui"]["is_visible"] == "false"  # no views
    assert len(conf["ui"]["label"]) >= 5  # AppInspect's minimum
    assert conf["triggers"]["reload.ecrofhours"] == "simple"



def test_default_meta_exports_to_system_and_restricts_write():
    meta = package.read_conf(REPO / "metadata" / "default.meta")
    for stanza, settings in meta.items():
        write = re.search(r"write\s*:\s*\[([^\]]*)\]", settings.get("access", ""))
        assert not (write and "*" in write.group(1)), f"[{stanza}] grants write to everyone"
    assert meta[""]["access"] == "read : [ * ], write : [ admin, sc_admin ]"
    for stanza in ("commands", "ecrofhours", "macros", "savedsearches", "searchbnf"):
        assert meta[stanza]["export"] == "system", stanza


