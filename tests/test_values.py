"""Values that must not stop a search: thousands of digits, NUL characters on both record paths,
a second ecrofhours over the first one's fields."""
import csv
import io

import pytest

from sessions import T, canonical, errors, started
from offhours import OUTPUT_FIELDS
from harness.scpv2 import (
    ProtocolError,
    decode_records,
    encode_chunk,
    read_chunk,
    run_command,
)


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
