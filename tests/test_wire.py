"""lib/chunked/wire.py: the chunk's CSV as splunkd writes it (header layout, multivalues, NUL), and
rows with the output fields appended in that layout."""
import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunked import wire
from conftest import REPO
from offhours import OUTPUT_FIELDS, Annotator, open_profiles
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


# --- Rows with the output fields appended (appended_rows) -----------------------------------------

T = 1629328650  # 2021-08-18T23:17:30Z, a Wednesday
NAMES = ["_time", "zone", "_chunked_idx"]


def annotator(**options):
    return Annotator(open_profiles(str(REPO)), {"tzfield": "zone", **options})


def decode(cell):
    """splunklib's reading of an __mv_ cell (its first-value rule is what matters here)."""
    return [item.replace("$$", "$") for item in cell[1:-1].split("$;$")]


def appended(rows, names=NAMES, multivalues=True, caches=None, **options):
    """The header and rows appended_rows yields (copies: it refills one list), and its count."""
    counter = [0]
    out = [list(row) for row in wire.appended_rows(annotator(**options), iter([list(r) for r in rows]), names,
                                                  decode, counter, {} if caches is None else caches, multivalues)]
    return out, counter[0]


def row(t, zone, index, mv_time="", mv_zone=""):
    return [str(t), zone, str(index), mv_time, mv_zone, ""]


def test_appended_rows_keep_splunkd_s_cells_and_append_the_fields():
    rows = [row(T + 3600 * k, zone, k) for k, zone in enumerate(["Europe/Berlin", "", "Mars/Base", "+05:30"])]
    rows.append(row(T, "a$b", 4, mv_zone="$Asia/Tokyo$;$Europe/Berlin$"))   # a multivalue zone: its first value
    (header, *out), count = appended(rows)
    n, k = len(NAMES), len(OUTPUT_FIELDS)
    assert header == NAMES + list(OUTPUT_FIELDS) + ["__mv_" + name for name in NAMES + list(OUTPUT_FIELDS)]
    assert count == len(rows) == len(out)
    judge = annotator()
    for sent, got in zip(rows, out):
        # splunkd's cells as it sent them, multivalues included; the fields' __mv_ cells empty
        assert got[:n] + got[n + k:2 * n + k] == sent and got[2 * n + k:] == [""] * k
        zone = decode(sent[4])[0] if sent[4] else sent[1]
        assert tuple(got[n:n + k]) == judge.values(sent[0], zone)
    assert dict(zip(header, out[-1]))["bh_tz"] == "Asia/Tokyo"


def test_a_row_of_another_width_declines_even_after_rows_out():
    rows = wire.appended_rows(annotator(), iter([row(T, "UTC", 0), row(T, "UTC", 1)[:-1]]), NAMES, decode, [0], {})
    assert next(rows)[0] == "_time" and next(rows)[0] == str(T)
    with pytest.raises(wire.Decline):
        next(rows)


def test_an_output_field_already_present_declines_before_any_row():
    names = ["_time", "off_hours"]
    with pytest.raises(wire.Decline):
        next(wire.appended_rows(annotator(), iter([[str(T), "x", "", ""]]), names, decode, [0], {}))


def test_only_true_leaves_out_business_hours_and_counts_the_rest():
    rows = [row(T, "UTC", 0), row(T + 10 * 3600, "UTC", 1), row(T, "Mars/Base", 2)]  # 23:17, 09:17, bad zone
    (_, *out), count = appended(rows, only="true")
    assert [r[2] for r in out] == ["0", "2"] and count == 2
    assert appended([row(T + 10 * 3600, "UTC", 0)], only="true") == ([], 0)  # no row: no header either


def test_rows_whose_cache_hardly_hits_skip_it_with_the_same_fields():
    """Each event in a second of its own: after SAMPLE rows the cache is left alone, and every
    row still has the fields the annotator gives."""
    rows = [row(T + 61 * k, "Europe/Berlin", k) for k in range(3 * wire.SAMPLE)]
    caches = {}
    (_, *out), _ = appended(rows, caches=caches)
    [cells] = caches.values()
    assert cells.misses == wire.SAMPLE and len(cells) <= wire.REMEMBERED
    judge = annotator()
    fields = slice(len(NAMES), len(NAMES) + len(OUTPUT_FIELDS))
    assert [tuple(r[fields]) for r in out] == [judge.values(r[0], r[1]) for r in rows]


def test_rows_whose_cache_hits_keep_it():
    rows = [row(T + k // 50, "Europe/Berlin", k) for k in range(3 * wire.SAMPLE)]  # 50 events a second
    caches = {}
    appended(rows, caches=caches)
    [cells] = caches.values()
    assert cells.misses == len(rows) // 50 + (len(rows) % 50 > 0)


@pytest.mark.parametrize("names, key", [(["_time"], "{}"), (NAMES, ("{}", "UTC"))])
def test_appended_cells_stay_bounded_and_never_keep_a_long_key(names, key):
    cells = wire.AppendedCells(annotator(), (True, len(names) > 1, False))

    def make(text):
        return text if isinstance(key, str) else (text, key[1])

    for k in range(3 * wire.REMEMBERED):
        cells[make(str(T + k))]
        assert len(cells) <= wire.REMEMBERED
    cells.clear()
    assert cells[make("9" * 70)][OUTPUT_FIELDS.index("off_hours_reason")] == "bad_time"
    assert len(cells) == 0


def test_a_chunk_without_dollar_signs_needs_no_multivalue_check():
    rows = [row(T, "UTC", 0), row(T + 60, "Europe/Berlin", 1)]
    assert appended(rows, multivalues=False) == appended(rows, multivalues=True)


def test_the_reply_is_laid_out_as_the_recorded_reply_of_splunk_8_2_1(shared_reference):
    """Splunk 8.2.1's recorded doubleage session answers with its plain columns, then their
    __mv_ columns, as splunkd writes its own chunks; so do appended rows."""
    recording = (shared_reference / "scpv2-recordings" / "splunk-8.2.1" / "doubleage-streaming.md").read_text()
    reply = recording.split("EXECUTE reply message to Splunk with modified data", 1)[1]
    recorded_header = next(csv.reader(io.StringIO(reply.split("}", 1)[1])))
    assert wire.plain_columns(recorded_header) == ["age", "_chunked_idx"]
    (header, *_), _ = appended([row(T, "UTC", 0)])
    assert wire.plain_columns(header) == NAMES + list(OUTPUT_FIELDS)
