"""lib/chunked/wire.py: the chunk's CSV as splunkd writes it (header layout, multivalues, NUL)."""
import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunked import wire
from offhours.quoting import quote


@pytest.mark.parametrize("header, names", [
    (["_time", "host", "__mv__time", "__mv_host"], ["_time", "host"]),
    (["_time", "__mv__time"], ["_time"]),
    (["_time", "host", "__mv_host", "__mv__time"], None),      # __mv_ columns out of order
    (["_time", "__mv__time", "x"], None),                       # odd width
    (["a", "a", "__mv_a", "__mv_a"], None),                     # a repeated name
    (["__mv_a", "__mv___mv_a"], None),                           # a plain name that looks like __mv_
    ([], None),
])
def test_plain_columns_accept_only_splunkd_s_layout(header, names):
    assert wire.plain_columns(header) == names


@given(st.text(alphabet="ab\n\r,\"\0", max_size=40))
def test_lines_are_what_stringio_yields(text):
    assert list(wire.lines(text)) == list(io.StringIO(text))


@given(st.lists(st.lists(st.text(alphabet="ab,\"\n\0$", max_size=6), min_size=1, max_size=3), min_size=1, max_size=4))
def test_csv_rows_keep_nul_on_every_python(rows):
    """The stand-in path (Python 3.9) reads what Python 3.11+ reads natively."""
    text = "".join(f"{','.join(csv_quote(cell) for cell in row)}\r\n" for row in rows)
    saved = wire.CSV_READS_NUL
    try:
        wire.CSV_READS_NUL = False
        stand_in = [list(row) for row in wire.csv_rows(text, csv.excel)]
    finally:
        wire.CSV_READS_NUL = saved
    assert stand_in == [list(row) for row in csv.reader(text.splitlines(keepends=True))] == rows


def csv_quote(cell):
    return '"' + cell.replace('"', '""') + '"'


def test_a_nul_stand_in_is_a_character_the_text_lacks():
    assert wire.nul_stand_in("plain") is None
    assert wire.nul_stand_in("a\0b") == "\ud800"
    assert wire.nul_stand_in("\0\ud800\ud801") == "\ud802"


def test_output_columns_keep_fields_already_present_in_place():
    assert wire.output_columns(["_time", "off_hours"], ("off_hours", "bh_tz")) == ["_time", "off_hours", "bh_tz"]


def test_an_oversized_field_is_named_with_its_size():
    body = "_time,blob,__mv__time,__mv_blob\r\n1," + "x" * 50 + ",,\r\n"
    message = wire.oversized_field_message(body, csv.excel, 40, quote)
    assert message.startswith("An event's field 'blob' holds 50 characters, more than the 40 characters")
    assert "Traceback" not in message and ".py" not in message
