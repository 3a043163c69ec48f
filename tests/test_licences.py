"""Licences in the package: the app's own (LICENSE), every vendored distribution's and the
attribution of the generated data (NOTICE, LICENSES/), checked on the tarball that
tools/build/package.py builds, against the licence texts the installed distributions carry."""

import email
import hashlib
import importlib.metadata
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
# MD5 of https://www.apache.org/licenses/LICENSE-2.0.txt, the text Debian also ships as
# /usr/share/common-licenses/Apache-2.0.
APACHE_2_MD5 = "3b83ef96387f14655fc854ddc3c6bd57"
MIT_GRANT = "Permission is hereby granted, free of charge, to any person obtaining a copy"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """``{path inside the app: bytes}`` of the licence files of a freshly built tarball."""
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.fail("lib/ has no vendored splunklib: run `make lib`")
    output = tmp_path_factory.mktemp("package") / f"{APP_ID}.tgz"
    result = subprocess.run([sys.executable, str(REPO / "tools" / "build" / "package.py"), "--output", str(output)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    with tarfile.open(output) as tar:
        return {member.name.partition("/")[2]: tar.extractfile(member).read()
                for member in tar.getmembers()
                if member.isfile() and re.match(r"[^/]+/(LICENSE|NOTICE|LICENSES/|lib/[^/]+\.dist-info/)", member.name)}


def vendored():
    """``(dist-info folder, METADATA)`` of every distribution `make lib` put into lib/."""
    folders = sorted((REPO / "lib").glob("*.dist-info"))
    assert folders, "lib/ has no vendored distributions: run `make lib`"
    return [(folder, email.message_from_string((folder / "METADATA").read_text(encoding="utf-8")))
            for folder in folders]


def normalised(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_licence(metadata):
    """'Apache-2.0' or 'MIT', from the METADATA fields a wheel may use."""
    text = " ".join(metadata.get_all("License-Expression", []) + metadata.get_all("License", [])
                    + metadata.get_all("Classifier", []))
    if re.search(r"Apache|LICENSE-2\.0", text):
        return "Apache-2.0"
    if re.search(r"\bMIT\b", text):
        return "MIT"
    pytest.fail(f"{metadata['Name']}: a licence this test does not know: {text[:200]}")


def test_the_app_licence_is_the_apache_2_text_verbatim(shipped):
    assert hashlib.md5(shipped["LICENSE"]).hexdigest() == APACHE_2_MD5  # noqa: S324 (a checksum, not security)
    assert shipped["LICENSE"] == (REPO / "LICENSE").read_bytes()
    manifest = (REPO / "app.manifest").read_text(encoding="utf-8")
    assert '"name": "Apache License 2.0"' in manifest


def test_every_shipped_licence_file_is_the_repository_file(shipped):
    for path in ["NOTICE"] + [p.relative_to(REPO).as_posix() for p in (REPO / "LICENSES").iterdir()]:
        assert shipped.get(path) == (REPO / path).read_bytes(), path


def test_every_vendored_distribution_has_its_licence_shipped(shipped):
    notice = shipped["NOTICE"].decode("utf-8")
    for folder, metadata in vendored():
        name, version = normalised(metadata["Name"]), metadata["Version"]
        text = shipped.get(f"LICENSES/{name}.txt")
        assert text, f"{folder.name}: LICENSES/{name}.txt is not in the package"
        assert f"{name} {version}" in notice, f"NOTICE does not name {name} {version}"
        if declared_licence(metadata) == "Apache-2.0":
            assert text == shipped["LICENSE"], f"LICENSES/{name}.txt is not the Apache License 2.0"
        else:
            assert MIT_GRANT in re.sub(r"\s+", " ", text.decode("utf-8")), name
        # A licence file of the distribution's own is shipped in place and copied verbatim.
        own = [p for p in folder.rglob("*") if p.is_file() and re.match(r"(LICEN[CS]E|COPYING)", p.name)]
        for path in own:
            assert shipped.get(path.relative_to(REPO).as_posix()) == path.read_bytes() == text, path


def installed(distribution):
    """A distribution installed in the test environment (requirements-dev.txt), or skip."""
    try:
        return importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{distribution} is not installed here (requirements-dev.txt)")


def pinned(distribution):
    text = (REPO / "requirements-dev.txt").read_text(encoding="utf-8")
    return re.search(rf"(?m)^{re.escape(distribution)}==(\S+)$", text)[1]


def test_the_holiday_tables_credit_the_holidays_package_under_its_licence(shipped):
    holidays = installed("holidays")
    licence = next(holidays.locate_file(f) for f in holidays.files
                   if f.name == "LICENSE" and ".dist-info" in f.parent.as_posix())
    assert holidays.version == pinned("holidays")
    assert shipped["LICENSES/holidays.txt"] == Path(licence).read_bytes()
    notice = shipped["NOTICE"].decode("utf-8")
    assert f"holidays {holidays.version}" in notice and "ecrofhours_public_holidays.csv" in notice


def test_the_territory_data_credits_cldr_under_the_unicode_licence(shipped):
    babel = installed("babel")
    assert babel.version == pinned("babel")
    licence = Path(babel.locate_file("babel/locale-data/LICENSE.unicode"))
    assert shipped["LICENSES/unicode-cldr.txt"] == licence.read_bytes()
    assert shipped["LICENSES/unicode-cldr.txt"].startswith(b"UNICODE LICENSE V3")
    notice = shipped["NOTICE"].decode("utf-8")
    assert f"babel {babel.version}" in notice and "CLDR" in notice and "_territories.py" in notice
    assert "from CLDR" in (REPO / "lib" / "offhours" / "_territories.py").read_text(encoding="utf-8")


def test_a_vendored_distribution_without_its_licence_stops_the_build(tmp_path):
    app = tmp_path / "app"
    for path in ("app.manifest", "default/app.conf", "metadata/default.meta", "LICENSE", "NOTICE",
                 "lib/splunklib/__init__.py", "lib/pytz/__init__.py"):
        (app / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / path, app / path)
    (app / "lib" / "newdep-1.2.dist-info").mkdir()
    (app / "lib" / "newdep-1.2.dist-info" / "METADATA").write_text("Name: newdep\nVersion: 1.2\n")
    with pytest.raises(package.PackageError) as stopped:
        package.collect_files(app)
    assert "LICENSES/newdep.txt" in str(stopped.value) and "NOTICE: a line naming newdep 1.2" in str(stopped.value)
    (app / "LICENSES").mkdir()
    (app / "LICENSES" / "newdep.txt").write_text("licence\n")
    (app / "NOTICE").write_text("lib/newdep/: newdep 1.2\n")
    assert "LICENSES/newdep.txt" in package.collect_files(app)
