"""Build the app package: a reproducible gzip tarball of allowlisted paths (standard library only).

Usage: python tools/build/package.py [--output dist/ecrofhours-<version>.tgz]

The tarball has one top folder named after the app id. What goes in is decided here and
nowhere else:

- Top-level paths: ``TOP_LEVEL_ALLOWLIST``; everything else in the repository stays out
  (tests, tools, Makefile, dist, .venv, ...).
- Never, at any depth: dotfiles (``.vendored`` stamp, ``.gitkeep``), ``__pycache__``, ``*.pyc``,
  ``*.pyo``, ``local/``, ``local.meta``, symlinks (refused with an error).
- ``lib/requirements.txt`` stays out: it is a build input. What was vendored is recorded by the
  kept ``lib/*.dist-info/METADATA`` (name, version, licence); the dist-info folders keep only
  that file and the licence files (pytz's MIT licence asks to ship its notice; splunk-sdk's
  wheel has none and states Apache-2.0 in METADATA). RECORD, INSTALLER, WHEEL... stay out.

Licences: ``LICENSE`` (the app's, Apache-2.0), ``NOTICE`` (what third-party code and data the
package holds) and ``LICENSES/`` (their licence texts, verbatim) are required. Every vendored
distribution (``lib/<name>-<version>.dist-info``) needs ``LICENSES/<name>.txt`` and a line of
NOTICE naming ``<name> <version>``: a dependency added or upgraded by ``make lib`` without its
licence stops the build.

Entries are sorted, directories are 0755 and files 0644 (``bin/*.py`` too: Splunk runs them
through its own Python), owner 0:0 with empty names, and every mtime is the build epoch:
``SOURCE_DATE_EPOCH`` if set, else the commit time of ``HEAD``, else 1980-01-01. The gzip header
carries no file name and the same mtime, so two builds of one checkout are byte-identical.

The version has one source, ``default/app.conf [id] version``; the build fails when
``[launcher] version``, ``app.manifest info.id.version``, the ids (``[id] name``,
``[package] id``, ``info.id.name``) disagree, or when app.manifest's minimum Splunk is not
``MINIMUM_SPLUNK`` (app.conf has no key for it and says it in a comment).

Minimum Splunk version in app.manifest (decision): ``platformRequirements.splunk`` states the
real requirement, ``{"Enterprise": ">=9.3.0"}`` (9.3 is the first release whose default Python
is 3.9; Splunk Cloud runs later releases, and the manifest schema has no Cloud edition, so the
description says "or Splunk Cloud Platform"). The Packaging Toolkit (slim 1.2.8) cannot verify
it: its release table stops at 8.0.0, so ``slim validate`` reports exactly one error,
"Version requirement includes no supported version of Splunk Enterprise: >=9.3.0". We accept
that known error rather than write a false requirement (``*`` or ``>=8.0.0``) or drop the field.
AppInspect 4.3.1 does not check this field (slim does); AppInspect is the authority on the
package.
Everything else in the manifest passes ``slim validate`` (see tests/test_package.py).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "lib"))
from offhours.conffile import read_conf_text  # noqa: E402  (the engine's reader, one for all)


def read_conf(path: Path) -> dict[str, dict[str, str]]:
    """``{stanza: {key: value}}`` of one .conf file."""
    stanzas = read_conf_text(path.read_text(encoding="utf-8"), path.name)
    return {stanza: {key: s.value for key, s in settings.items()} for stanza, settings in stanzas.items()}

# Top-level files and folders of the repository that belong in the package.
TOP_LEVEL_ALLOWLIST = (
    "LICENSE",  # the app's licence, Apache-2.0
    "LICENSES",  # third-party licence texts, verbatim (see NOTICE)
    "NOTICE",  # what third-party code and data the package holds, and under which licence
    "README",  # conf specs (README/ecrofhours.conf.spec)
    "README.md",
    "app.manifest",
    "bin",
    "default",
    "docs",  # what README.md links to: install, configuration, detections, troubleshooting
    "lib",  # vendored splunklib and pytz (make lib), the engine lib/offhours, the protocol lib/chunked
    "lookups",
    "metadata",
    "static",
)
# Names excluded at any depth (besides dotfiles).
EXCLUDED_NAMES = {"__pycache__", "local", "local.meta"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
EXCLUDED_PATHS = {"lib/requirements.txt"}
# lookups/ holds the generated calendars and, on a Splunk instance or a developer's tree, the
# admins' own lookups (profiles, company closures): only the generated ones ship, so that an
# upgrade or a deployer push never replaces what admins entered.
SHIPPED_LOOKUPS = {"lookups/ecrofhours_holiday_calendars.csv", "lookups/ecrofhours_public_holidays.csv"}
# What a lib/*.dist-info folder keeps: provenance and licences.
DIST_INFO_FOLDER = re.compile(r"^lib/(?P<name>[^/-]+)-(?P<version>[^/-]+)\.dist-info/")
DIST_INFO_KEEP = re.compile(r"^(METADATA|(LICEN[CS]E|COPYING|NOTICE|AUTHORS)[^/]*|licenses(/.+)?)$")
# Without these the package cannot work: the build fails and says what to run.
REQUIRED_PATHS = {
    "app.manifest": "the app manifest",
    "LICENSE": "the app's licence (Apache-2.0)",
    "NOTICE": "the third-party notices",
    "default/app.conf": "the app configuration",
    "metadata/default.meta": "the default permissions",
    "lib/splunklib/__init__.py": "vendored splunklib: run `make lib`",
    "lib/pytz/__init__.py": "vendored pytz: run `make lib`",
}
MINIMUM_SPLUNK = "9.3.0"
MAX_BYTES = 10 * 1024 * 1024
FALLBACK_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the reproducible-builds convention
VERSION_PATTERN = re.compile(r"^\d+\.\d+\.\d+$")


class PackageError(Exception):
    """The repository cannot be packaged; the message says why."""


def app_identity(root: Path = ROOT) -> tuple[str, str]:
    """Return ``(app_id, version)`` from app.conf after checking every place that repeats them."""
    app_conf = read_conf(root / "default" / "app.conf")
    manifest = json.loads((root / "app.manifest").read_text(encoding="utf-8"))
    app_id = app_conf.get("package", {}).get("id")
    version = app_conf.get("id", {}).get("version")
    if not app_id or not version:
        raise PackageError("default/app.conf needs [package] id and [id] version")
    if not VERSION_PATTERN.match(version):
        raise PackageError(f"default/app.conf [id] version {version!r} is not MAJOR.MINOR.PATCH")
    repeated = {
        "default/app.conf [id] name": (app_conf["id"].get("name"), app_id),
        "app.manifest info.id.name": (manifest["info"]["id"].get("name"), app_id),
        "default/app.conf [launcher] version": (
            app_conf.get("launcher", {}).get("version"),
            version,
        ),
        "app.manifest info.id.version": (manifest["info"]["id"].get("version"), version),
        "app.manifest platformRequirements.splunk.Enterprise": (
            (manifest.get("platformRequirements") or {}).get("splunk", {}).get("Enterprise"),
            ">=" + MINIMUM_SPLUNK,
        ),
    }
    wrong = [
        f"{where} is {found!r}, expected {expected!r}"
        for where, (found, expected) in repeated.items()
        if found != expected
    ]
    if wrong:
        raise PackageError(
            "app id/version disagree (source: default/app.conf):\n  " + "\n  ".join(wrong)
        )
    return app_id, version


def build_epoch(root: Path = ROOT) -> int:
    """The mtime of every entry: SOURCE_DATE_EPOCH, else HEAD's commit time, else 1980-01-01."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return int(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return FALLBACK_EPOCH


def is_excluded(relpath: str) -> bool:
    """True for paths the package never holds (``relpath`` is POSIX, relative to the app root)."""
    parts = relpath.split("/")
    if parts[0] not in TOP_LEVEL_ALLOWLIST or relpath in EXCLUDED_PATHS:
        return True
    if any(part.startswith(".") or part in EXCLUDED_NAMES for part in parts):
        return True
    if relpath.endswith(EXCLUDED_SUFFIXES):
        return True
    if parts[0] == "lookups" and len(parts) > 1 and relpath not in SHIPPED_LOOKUPS:
        return True
    if len(parts) > 2 and parts[0] == "lib" and parts[1].endswith(".dist-info"):
        return not DIST_INFO_KEEP.match("/".join(parts[2:]))
    return False


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _candidates(root: Path):
    """Yield allowlisted files, and symlinks, that no exclusion rule removes."""
    for top in TOP_LEVEL_ALLOWLIST:
        start = root / top
        if start.is_symlink() or start.is_file():
            yield start
            continue
        for dirpath, dirnames, filenames in os.walk(start):
            here = Path(dirpath)
            dirnames[:] = [d for d in dirnames if not is_excluded(_relative(here / d, root))]
            yield from (here / d for d in dirnames if (here / d).is_symlink())
            yield from (here / f for f in filenames if not is_excluded(_relative(here / f, root)))


def collect_files(root: Path = ROOT) -> list[str]:
    """Return the POSIX paths (relative to ``root``) of the files to package, sorted."""
    files = []
    for path in _candidates(root):
        if path.is_symlink():
            raise PackageError(f"{_relative(path, root)} is a symlink; package regular files only")
        files.append(_relative(path, root))
    missing = [f"{path} ({why})" for path, why in REQUIRED_PATHS.items() if path not in files]
    missing += unlicensed_distributions(root, files)
    if missing:
        raise PackageError("missing from the package:\n  " + "\n  ".join(missing))
    return sorted(files, key=lambda path: path.split("/"))


def vendored_distributions(files) -> list[tuple[str, str]]:
    """``(name, version)`` of every ``lib/<name>-<version>.dist-info`` among ``files``; the
    name normalised as pip does (``splunk_sdk`` is ``splunk-sdk``)."""
    found = set()
    for path in files:
        match = DIST_INFO_FOLDER.match(path)
        if match:
            found.add((re.sub(r"[-_.]+", "-", match["name"]).lower(), match["version"]))
    return sorted(found)


def unlicensed_distributions(root: Path, files) -> list[str]:
    """What is missing for each vendored distribution: its licence text, its NOTICE line."""
    notice = (root / "NOTICE").read_text(encoding="utf-8") if "NOTICE" in files else ""
    problems = []
    for name, version in vendored_distributions(files):
        if f"LICENSES/{name}.txt" not in files:
            problems.append(f"LICENSES/{name}.txt (the licence of the vendored {name} {version})")
        if not re.search(rf"(?<![\w.-]){re.escape(name)} {re.escape(version)}(?![\w.-])", notice):
            problems.append(f"NOTICE: a line naming {name} {version} (vendored in lib/)")
    return problems


def _tarinfo(name: str, epoch: int, size: int | None = None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if size is None:
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    else:
        info.size, info.mode = size, 0o644
    return info


def build(output: Path, root: Path = ROOT) -> dict[str, object]:
    """Write the package to ``output`` and return what was built (id, version, counts, size)."""
    app_id, version = app_identity(root)
    files = collect_files(root)
    epoch = build_epoch(root)
    dirs = {app_id}
    for path in files:
        parts = path.split("/")[:-1]
        dirs.update("/".join([app_id] + parts[:i]) for i in range(1, len(parts) + 1))
    entries = sorted(
        dirs | {f"{app_id}/{path}" for path in files}, key=lambda name: name.split("/")
    )

    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in entries:
            if name in dirs:
                tar.addfile(_tarinfo(name, epoch))
            else:
                data = (root / name[len(app_id) + 1 :]).read_bytes()
                tar.addfile(_tarinfo(name, epoch, len(data)), io.BytesIO(data))

    output.parent.mkdir(parents=True, exist_ok=True)
    # gzip.compress writes no file name in the header; its mtime is the build epoch.
    output.write_bytes(gzip.compress(tar_bytes.getvalue(), compresslevel=9, mtime=epoch))
    size = output.stat().st_size
    if size >= MAX_BYTES:
        raise PackageError(f"{output} is {size} bytes, over the {MAX_BYTES}-byte limit")
    return {
        "app_id": app_id,
        "version": version,
        "files": len(files),
        "size": size,
        "epoch": epoch,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, help="tarball to write (default: dist/<id>-<version>.tgz)"
    )
    args = parser.parse_args(argv)
    try:
        output = args.output
        if output is None:
            app_id, version = app_identity()
            output = ROOT / "dist" / f"{app_id}-{version}.tgz"
        built = build(output)
    except (PackageError, OSError, KeyError, ValueError) as exc:
        print(f"package: error: {exc}", file=sys.stderr)
        return 1
    print(
        f"package: {output}: {built['app_id']} {built['version']}, {built['files']} files, "
        f"{built['size'] / 1024 / 1024:.2f} MB ({built['size']} bytes, limit {MAX_BYTES}), "
        f"mtime {built['epoch']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
