"""The command's own chunk rows (lib/chunked) are the records splunklib's record reading and writing
would give, as splunkd reads them (same metadata, same rows, same fields and values; the columns
may be laid out otherwise): multivalues, quotes, newlines, ``$``, short and long rows, output
fields already present, ``only=true``, NUL, bodies it leaves to splunklib; in process and as
splunkd runs it."""
import csv
import functools
import importlib.util
import io
import random
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from offhours import OUTPUT_FIELDS
from chunked import wire as rows
from offhours import zones as engine_zones
from chunked.wire import lines
from harness.scpv2 import (decode_records, encode_chunk, encode_records, getinfo_metadata, make_searchinfo,
                           read_chunk, run_command)

pytz = engine_zones.pytz  # the pytz the engine runs on


# --- The command's chunk handling against splunklib's -----------------------------------------


@functools.cache
def command_module():
    spec = importlib.util.spec_from_file_location("ecrofhours_under_test", REPO / "bin" / "ecrofhours.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reply_bytes(args, bodies, fast=True):
    """Everything the command writes for a getinfo and one execute request per body, run in
    this process (fast: its own row handling; else splunklib's record reading and writing)."""
    module = command_module()
    command_class = module.EcrOffHoursCommand
    if not fast:
        command_class = type("SplunklibRecords", (command_class,), {"_write_rows": lambda self, body: False})
    requests = [encode_chunk(getinfo_metadata(make_searchinfo(args, "ecrofhours", tempfile.gettempdir())))]
    for number, body in enumerate(bodies, 1):
        requests.append(encode_chunk({"action": "execute", "finished": number == len(bodies)}, body))
    output = io.BytesIO()
    saved = tempfile.tempdir  # splunklib points tempfile at the dispatch directory
    try:
        command_class().process(["ecrofhours.py"], io.BytesIO(b"".join(requests)), output)
    except SystemExit:
        pass
    finally:
        tempfile.tempdir = saved
    return output.getvalue()


def replies(data):
    stream, found = io.BytesIO(data), []
    while (chunk := read_chunk(stream)) is not None:
        found.append(chunk)
    return found


def as_splunkd_reads(data):
    """Each reply of a session as splunkd takes it in: its metadata and its records, a field
    by name (column order aside), a one-value multivalue as that value (Splunk holds both
    the same way)."""
    return [(metadata, [{name: value[0] if isinstance(value, list) and len(value) == 1 else value
                         for name, value in record.items()} for record in decode_records(body)])
            for metadata, body in replies(data)]


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["", "$", "$$", 'a "q" b', "x,y", "line\nbreak", "cr\r\nlf", " 1629328650 ", "1629328650", "1629328650.5",
     "Europe/Berlin", "europe/berlin", "+05:30", "Mars/Base", "berlin", "nope", "2021-08-18T23:17:30Z",
     "\x00", "UTC\x00", "a\x00\nb"])
value = text | st.lists(text, max_size=3)
FIELDS = ["_time", "zone", "team", "host", "off_hours", "bh_tz", "_raw", "_chunked_idx"]


@st.composite
def chunk_bodies(draw):
    names = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=6, unique=True))
    records = draw(st.lists(st.fixed_dictionaries({}, optional={name: value for name in names}), max_size=12))
    body = encode_records(records, names) if records else b""
    if records and draw(st.integers(0, 5)) == 0:  # a short or long row, as no splunkd sends
        lines = body.decode().split("\n")
        row = draw(st.integers(1, len(records)))
        if '"' not in lines[row]:
            cells = lines[row].split(",")
            lines[row] = ",".join(cells[: draw(st.integers(0, len(cells)))] if draw(st.booleans()) else cells + ["x"])
            body = "\n".join(lines).encode()
    return body


ARGS = [[], ["tzfield=zone"], ["tzfield=zone", "profilefield=team", "only=true"], ["profile=berlin", "tzfield=zone"],
        ["timefield=host", "timeunit=ms"]]


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(args=st.sampled_from(ARGS), bodies=st.lists(chunk_bodies(), min_size=1, max_size=3), by_line=st.booleans(),
       nul_stand_in=st.booleans())
def test_rows_are_the_records_splunklib_would_write(args, bodies, by_line, nul_stand_in):
    """The row fast path against splunklib's own records, read here by Python 3.11+'s csv,
    which takes NUL as it is. With ``nul_stand_in`` both of the command's paths read NUL as
    they must on Python 3.9, and still write those records. With ``by_line`` a chunk is
    replied to a few lines at a time, so that one chunk mixes blocks put together by ``map``
    and blocks written record by record."""
    saved = rows._SMALL_TEXT, rows.CSV_READS_NUL, rows.BLOCK
    if by_line:
        rows._SMALL_TEXT = 0  # big bodies are read line by line
        rows.BLOCK = 8  # and replied to a few lines at a time
    rows.CSV_READS_NUL = not nul_stand_in
    try:
        fast, generic = reply_bytes(args, bodies), reply_bytes(args, bodies, fast=False)
    finally:
        rows._SMALL_TEXT, rows.CSV_READS_NUL, rows.BLOCK = saved
    assert generic == reply_bytes(args, bodies, fast=False)  # splunklib's own bytes are stable
    assert as_splunkd_reads(fast) == as_splunkd_reads(generic)
    assert replies(fast)[-1][0].get("finished") is True


@given(st.text(st.sampled_from("ab\n\r\u2028,\"")))
def test_big_bodies_are_split_into_lines_as_stringio_does(body):
    assert list(lines(body)) == list(io.StringIO(body))


@pytest.mark.parametrize("body", [
    b"",                                                        # header-only chunk
    b"_time,__mv__time\n",                                      # a header and no rows
    b"\n",                                                      # one blank line
    b"_time\n1629328650\n",                                     # no __mv_ columns
    b"_time,_time,__mv__time,__mv__time\n1,2,,\n",              # a repeated column
    b"_time,zone,__mv__time,__mv_zone\n1629328650\n1629328650,UTC,,\n",   # a short first row
    b"_time,zone,__mv__time,__mv_zone\n1629328650,UTC,,\n1629328651\n",   # a short later row
    b"_time,__mv__time\n\"1629328650\n0\",$1629328650$;$0$\n",  # a multivalue time
    b"_time,tags,__mv__time,__mv_tags\n1629328650,a,,$a$\n",   # a one-value multivalue
    b"_time,off_hours,__mv__time,__mv_off_hours\n1629328650,x,,$a$;$b$\n",  # an output field present
])
def test_unusual_bodies_match_splunklib(body):
    for args in (["tzfield=zone"], ["only=true"]):
        fast, generic = reply_bytes(args, [body]), reply_bytes(args, [body], fast=False)
        assert as_splunkd_reads(fast) == as_splunkd_reads(generic), (args, body)


def test_an_undecodable_multivalue_comes_back_as_splunkd_sent_it():
    """An ``__mv_`` cell splunklib cannot decode: splunklib reads the field as no value and
    writes it back empty; the command's rows give splunkd its cells back untouched, and the
    same judgement (the first of no values: no_time)."""
    body = b"_time,__mv__time\n1629328650,$bad\n"
    fast, generic = replies(reply_bytes([], [body])), replies(reply_bytes([], [body], fast=False))
    [(_, fast_rows)], [(_, generic_rows)] = fast[1:], generic[1:]
    fast_row, generic_row = (dict(zip(*csv.reader(io.StringIO(rows.decode())))) for rows in (fast_rows, generic_rows))
    assert (fast_row["_time"], fast_row["__mv__time"]) == ("1629328650", "$bad")
    assert generic_row["_time"] == "" and fast_row["off_hours_reason"] == "no_time"
    assert {name: fast_row[name] for name in OUTPUT_FIELDS} == {name: generic_row[name] for name in OUTPUT_FIELDS}


SLOW_COMMAND = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("ecrofhours", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.EcrOffHoursCommand._write_rows = lambda self, body: False  # splunklib's record handling
from splunklib.searchcommands import dispatch
dispatch(module.EcrOffHoursCommand, sys.argv, sys.stdin, sys.stdout, "__main__", allow_empty_input=True)
"""


def test_replies_match_splunklib_under_splunks_pythons(splunk_python, tmp_path):
    """The real process, as splunkd runs it, against the same command with splunklib's record
    handling: identical replies, fields sent as declared and all fields sent."""
    slow = tmp_path / "slow_ecrofhours.py"
    slow.write_text(SLOW_COMMAND.format(path=str(REPO / "bin" / "ecrofhours.py")))
    rng = random.Random(5)
    zones = ["Europe/Berlin", "america/new_york", "+05:30", "", "Mars/Base", "Africa/Monrovia"]
    records = []
    for i in range(600):
        record = {"_time": str(63590000 + i * 7919 * rng.randrange(1, 900)), "zone": rng.choice(zones),
                  "tags": ["a$b", 'c"d', "e\nf"][: rng.randrange(4)], "msg": f'quote " comma , {i}\nend'}
        if i % 50 == 0:
            record["_time"] = [record["_time"], "0"]
        records.append(record)
    args = ["tzfield=zone", "hours=mon-fri 08:00-18:00"]
    for honour in (True, False):
        fast = run_command(splunk_python, args, records, chunk_size=[1, 0, 99, 500], honour_required_fields=honour)
        slow_session = run_command([splunk_python[0], str(slow)], args, records, chunk_size=[1, 0, 99, 500],
                                   honour_required_fields=honour)
        assert fast.returncode == 0 == slow_session.returncode, fast.stderr
        assert fast.replies == slow_session.replies
        assert len(fast.records) == len(records)
        assert set(OUTPUT_FIELDS) <= set(fast.replies[-2][1][0])


def test_lib_comes_first():
    """The command under test runs on the vendored splunklib, as in Splunk."""
    command_module()
    assert sys.modules["splunklib"].__file__.startswith(str(REPO / "lib"))
