"""lib/chunked/sdk.py: splunklib's private names in one room, behind a version guard.

- Every private name the commands use is listed, and each splunk-sdk the app is proven on
  (the shipped 2.1.1, and 3.0.1 from `make sdk3`) has them all.
- No other file of the app touches a private splunklib name.
- With the guard off (splunklib's public path), the replies are byte for byte the private
  path's; an unproven splunk-sdk takes that path by itself and says so in one line.
"""
import io
import re
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chunked import sdk
from conftest import INTERPRETERS, LIB, REPO, sdk3_app
from test_rows_bytes import ARGS, as_splunkd_reads, chunk_bodies, reply_bytes
from harness.scpv2 import run_command

OWN_CODE = [*(REPO / "bin").glob("*.py"), *(LIB / "offhours").glob("*.py"), *(LIB / "chunked").glob("*.py")]


def assert_has_every_name(missing, version):
    assert not missing, f"splunk-sdk {version} lacks {', '.join(missing)}: update lib/chunked/sdk.py before moving"


def test_the_shipped_sdk_has_every_private_name():
    assert sdk.SDK_VERSION == "2.1.1" and sdk.USE_PRIVATE
    assert_has_every_name(sdk.missing_names(), sdk.SDK_VERSION)


def test_splunk_sdk_3_has_every_private_name():
    app = sdk3_app()
    probe = ("import json, sys; sys.path.insert(0, sys.argv[1]); from chunked import sdk; "
             "print(json.dumps([sdk.SDK_VERSION, sdk.USE_PRIVATE, sdk.missing_names()]))")
    result = subprocess.run([INTERPRETERS["3.13"], "-c", probe, str(app / "lib")], capture_output=True, text=True,
                            check=True)
    version, private, missing = __import__("json").loads(result.stdout)
    assert_has_every_name(missing, version)
    assert (version, private) == ("3.0.1", True)


def test_no_other_file_touches_a_private_splunklib_name():
    names = sorted({qualified.split(".")[1] for qualified in sdk.PRIVATE_NAMES}, key=len, reverse=True)
    pattern = re.compile(r"\.(" + "|".join(map(re.escape, names)) + r")\b|searchcommands\.(internals|search_command)")
    offenders = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
                 for path in OWN_CODE if path.name != "sdk.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert not offenders, "private splunklib names outside lib/chunked/sdk.py:\n" + "\n".join(offenders)


@pytest.fixture
def public_path():
    saved = sdk.USE_PRIVATE
    sdk.USE_PRIVATE = False
    yield
    sdk.USE_PRIVATE = saved


def test_the_guard_keeps_the_fast_rows_out(public_path, monkeypatch):
    """With the guard off no chunk reaches the command's own row writer."""
    def refuse(self, body):
        raise AssertionError("the fast row path ran with the guard off")

    monkeypatch.setattr(sdk.AnnotatingCommand, "_write_rows", refuse)
    reply = reply_bytes(["tz=Europe/Berlin"], [b"_time,__mv__time\n1629328650,\n"])
    assert b"before_hours" in reply and b"2021-08-19T01:17:30+02:00" in reply


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=st.sampled_from(ARGS), bodies=st.lists(chunk_bodies(), min_size=1, max_size=3))
def test_the_public_path_writes_the_private_path_s_records(args, bodies):
    private = reply_bytes(args, bodies)
    sdk.USE_PRIVATE = False
    try:
        public = reply_bytes(args, bodies)
    finally:
        sdk.USE_PRIVATE = True
    assert as_splunkd_reads(public) == as_splunkd_reads(private)


def test_an_unproven_sdk_takes_the_public_path_and_says_so_once(tmp_path):
    """A copy of the app whose splunklib says another version: same replies, one line in search.log."""
    app = tmp_path / "ecrofhours"
    (app / "lib").mkdir(parents=True)
    for name in ("bin", "default", "lookups", "metadata"):
        (app / name).symlink_to(REPO / name, target_is_directory=True)
    for name in ("offhours", "chunked", "pytz"):
        (app / "lib" / name).symlink_to(LIB / name, target_is_directory=True)
    shutil.copytree(LIB / "splunklib", app / "lib" / "splunklib", ignore=shutil.ignore_patterns("__pycache__"))
    init = app / "lib" / "splunklib" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8").replace("(2, 1, 1)", "(2, 1, 9)"), encoding="utf-8")
    records = [{"_time": str(1629328650 + 3600 * i), "tags": ["a", "b"][: i % 3], "zone": "Asia/Kolkata"}
               for i in range(40)]
    python = INTERPRETERS["3.9"]
    proven = run_command([python, str(REPO / "bin" / "ecrofhours.py")], ["tzfield=zone"], records, chunk_size=7)
    unproven = run_command([python, str(app / "bin" / "ecrofhours.py")], ["tzfield=zone"], records, chunk_size=7)
    assert unproven.returncode == proven.returncode == 0
    assert unproven.replies == proven.replies
    notes = [line for line in unproven.stderr.splitlines() if "public record path" in line]
    assert notes == ["ecrofhours: splunk-sdk 2.1.9 is not one the commands are proven on (2.1.1, 3.0.1): "
                     "using splunklib's public record path (slower)"], unproven.stderr
    assert "public record path" not in proven.stderr


# --- The reply buffer ----------------------------------------------------------------------------


def splunklib_reply(install, records_per_chunk):
    """What splunklib's record writer sends for chunks of records, on its own buffer or on a
    ReplyBuffer."""
    from splunklib.searchcommands.internals import RecordWriterV2

    output = io.BytesIO()
    writer = RecordWriterV2(output)
    if install:
        sdk.ReplyBuffer.install(writer)
    for records in records_per_chunk:
        for record in records:
            writer.write_record(record)
        writer.write_chunk(finished=False)
    writer.write_chunk(finished=True)
    return output.getvalue()


def test_splunklib_writes_the_same_replies_through_the_reply_buffer():
    chunks = [[{"_time": "1", "msg": 'a "q", b\nc', "tags": ["x", "y$"]}] * 3, [], [{"_time": "2", "msg": "é"}]]
    assert splunklib_reply(True, chunks) == splunklib_reply(False, chunks)
    assert b'"a ""q"", b' in splunklib_reply(True, chunks)


def test_the_reply_buffer_goes_back_to_a_position_told():
    buffer = sdk.ReplyBuffer()
    buffer.write("a")
    mark = buffer.tell()
    buffer.writelines(["b", "c"])
    assert buffer.getvalue() == "abc"
    buffer.seek(mark)
    buffer.truncate()
    buffer.write("d")
    assert buffer.getvalue() == "ad"
    buffer.seek(0)
    buffer.truncate()  # as splunklib empties it after each chunk
    assert buffer.getvalue() == "" and buffer.tell() == 0
