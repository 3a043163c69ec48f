"""lib/chunked/wire.py: the chunk's CSV as splunkd writes it (header layout, multivalues, NUL), and
rows with the output fields appended in that layout."""
import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chunked import wire
from conftest import REPO
from harness.scpv2 import encode_records
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


# --- The reply: splunkd's lines with the output fields appended (appended_reply) ------------------

T = 1629328650  # 2021-08-18T23:17:30Z, a Wednesday
NAMES = ["_time", "zone", "_chunked_idx"]
N, K = len(NAMES), len(OUTPUT_FIELDS)


def annotator(**options):
    return Annotator(open_profiles(str(REPO)), {"tzfield": "zone", **options})


def decode(cell):
    """splunklib's reading of an __mv_ cell (its first-value rule is what matters here)."""
    return [item.replace("$$", "$") for item in cell[1:-1].split("$;$")]


def body(rows, names=NAMES):
    """A chunk's text as splunkd writes it: a header, then ``rows`` (cells), lines ended by \\n."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names + ["__mv_" + name for name in names])
    writer.writerows(rows)
    return out.getvalue()


def reply(text, caches=None, **options):
    """``(header, rows, count, reply text)`` of appended_reply for chunk ``text``."""
    lines, count, names = wire.appended_reply(annotator(**options), text, csv.excel, decode,
                                              {} if caches is None else caches)
    assert names == wire.plain_columns(next(csv.reader(io.StringIO(text))))
    whole = "".join(lines)
    header, *rows = list(csv.reader(io.StringIO(whole))) or [None]
    return header, rows, count, whole


def row(t, zone, index, mv_time="", mv_zone=""):
    return [str(t), zone, str(index), mv_time, mv_zone, ""]


def test_the_reply_keeps_splunkd_s_cells_and_appends_the_fields():
    rows = [row(T + 3600 * k, zone, k) for k, zone in enumerate(["Europe/Berlin", "", "Mars/Base", "+05:30"])]
    rows.append(row(T, "a$b", 4, mv_zone="$Asia/Tokyo$;$Europe/Berlin$"))   # a multivalue zone: its first value
    rows.append(row(T, "Asia/Tokyo\nEurope/Berlin", 5))                      # a value over two lines
    header, out, count, _ = reply(body(rows))
    assert header == NAMES + list(OUTPUT_FIELDS) + ["__mv_" + name for name in NAMES + list(OUTPUT_FIELDS)]
    assert count == len(rows) == len(out)
    judge = annotator()
    for sent, got in zip(rows, out):
        # splunkd's cells as it sent them, multivalues included; the fields' __mv_ cells empty
        assert got[:N] + got[N + K:2 * N + K] == sent and got[2 * N + K:] == [""] * K
        zone = decode(sent[4])[0] if sent[4] else sent[1]
        assert tuple(got[N:N + K]) == judge.values(sent[0], zone)
    assert dict(zip(header, out[-2]))["bh_tz"] == "Asia/Tokyo"


def test_a_line_comes_back_with_splunkd_s_own_text():
    """Quoted as splunkd quotes text, a line's plain cells go back character for character."""
    records = [{"_time": str(T), "zone": zone, "_chunked_idx": str(k)}
               for k, zone in enumerate(["Europe/Berlin", 'Odd "name", really'])]
    text = encode_records(records, NAMES).decode()
    assert text.count('"') > 4  # splunkd quotes text
    lines = text.split("\n")[1:3]
    _, _, count, whole = reply(text)
    got = whole.split("\n")[1:3]
    assert count == 2
    for sent, back in zip(lines, got):
        plain = sent[:-N]  # without the empty __mv_ cells
        assert back.startswith(plain + ",") and back.endswith("," * (N + K))


def test_fields_that_csv_must_quote_come_back_whole():
    """An error message holding a quote or a comma: the appended text quotes it."""
    header, out, _, _ = reply(body([row('1,"2"', "UTC", 0), row("x", 'Mars/"Base", b', 1)]))
    judge = annotator()
    assert [tuple(r[N:N + K]) for r in out] == [judge.values('1,"2"', "UTC"), judge.values("x", 'Mars/"Base", b')]
    assert any('"' in cell for r in out for cell in r)


def test_lines_end_with_a_line_feed_as_splunkd_s_do():
    _, _, _, whole = reply(body([row(T, "UTC", 0), row(T, "a\r\nb", 1)]))
    assert whole.endswith("\n") and "\r\n" not in whole.replace('a\r\nb', "")


def test_a_row_of_another_width_declines_even_after_rows_out():
    text = body([row(T, "UTC", 0)] * 300) + "1629328650,UTC,1,,\n"
    with pytest.raises(wire.Decline):
        reply(text)


def test_an_output_field_already_present_declines_before_any_row():
    with pytest.raises(wire.Decline):
        reply(body([[str(T), "x", "", ""]], names=["_time", "off_hours"]))


def test_nul_declines_where_csv_cannot_read_it(monkeypatch):
    monkeypatch.setattr(wire, "CSV_READS_NUL", False)
    with pytest.raises(wire.Decline):
        reply(body([row(T, "UTC\0", 0)]))


def test_another_layout_is_left_to_splunklib():
    assert wire.appended_reply(annotator(), "_time,zone\n1,UTC\n", csv.excel, decode, {}) is None


def test_only_true_leaves_out_business_hours_and_counts_the_rest():
    rows = [row(T, "UTC", 0), row(T + 10 * 3600, "UTC", 1), row(T, "Mars/Base", 2)]  # 23:17, 09:17, bad zone
    _, out, count, _ = reply(body(rows), only="true")
    assert [r[2] for r in out] == ["0", "2"] and count == 2
    assert reply(body([row(T + 10 * 3600, "UTC", 0)]), only="true")[1:3] == ([], 0)  # no row: no header either


def test_blocks_whose_cache_hardly_hits_skip_it_with_the_same_fields(monkeypatch):
    """Each event in a second of its own: after a block of misses the cache is left alone,
    and every record still has the fields the annotator gives."""
    monkeypatch.setattr(wire, "BLOCK", 1000)
    rows = [row(T + 61 * k, "Europe/Berlin", k) for k in range(300)]
    text = body(rows)
    first_block = next(wire.text_blocks(text)).count("\n")  # its lines after the header's
    caches = {}
    _, out, _, _ = reply(text, caches=caches)
    [cells] = caches.values()
    assert 0 < first_block < len(rows) // 4
    assert cells.misses == first_block and len(cells) <= wire.REMEMBERED
    judge = annotator()
    assert [tuple(r[N:N + K]) for r in out] == [judge.values(r[0], r[1]) for r in rows]


def test_records_whose_cache_hits_keep_it():
    rows = [row(T + k // 50, "Europe/Berlin", k) for k in range(800)]  # 50 events a second
    caches = {}
    reply(body(rows), caches=caches)
    [cells] = caches.values()
    assert cells.misses == len(rows) // 50 + (len(rows) % 50 > 0)


@pytest.mark.parametrize("names, key", [(["_time"], "{}"), (NAMES, ("{}", "UTC"))])
def test_appended_text_stays_bounded_and_never_keeps_a_long_key(names, key):
    cells = wire.AppendedText(annotator(), (True, len(names) > 1, False), len(names), csv.excel)

    def make(text):
        return text if isinstance(key, str) else (text, key[1])

    for k in range(3 * wire.REMEMBERED):
        cells[make(str(T + k))]
        assert len(cells) <= wire.REMEMBERED
    cells.clear()
    appended = next(csv.reader([cells[make("9" * 70)]]))
    assert appended[OUTPUT_FIELDS.index("off_hours_reason")] == "bad_time"
    assert len(cells) == 0


@pytest.mark.parametrize("text", ["", "\n", "a", "a\n", "a\nb", "a\n\nb\n", "x,\"1\n2\",y\nz\n" * 40,
                                  "\"\"\"\n\"\n" * 30, "q\"\n" * 50])
def test_text_blocks_hold_every_line_and_end_outside_quotes(text, monkeypatch):
    monkeypatch.setattr(wire, "BLOCK", 7)
    blocks = list(wire.text_blocks(text))
    lines = [line for block in blocks for line in block.split("\n")]
    assert lines == [line[:-1] if line.endswith("\n") else line for line in io.StringIO(text)]
    assert len(blocks) > 1 or len(text) < 20
    if '""' not in text and "q" not in text:  # no stray quotes: a block never ends inside a quoted value
        assert all(block.count('"') % 2 == 0 for block in blocks)


def test_records_over_several_lines_in_small_blocks(monkeypatch):
    monkeypatch.setattr(wire, "BLOCK", 16)
    rows = [row(T + k, "Line\nbreak " * (k % 3), k) for k in range(40)]
    _, out, count, _ = reply(body(rows))
    assert count == 40 and [r[:N] for r in out] == [r[:N] for r in rows]


def test_a_record_split_by_a_stray_quote_declines(monkeypatch):
    """A stray quote in an unquoted value (which splunkd never writes) can end a block inside a
    record: the block's strict reading stops there, and the chunk is declined."""
    monkeypatch.setattr(wire, "BLOCK", 4)
    text = body([]) + 'x"y,"a\nb",0,,,\n'
    with pytest.raises(wire.Decline):
        reply(text)


def test_the_reply_is_laid_out_as_the_recorded_reply_of_splunk_8_2_1(shared_reference):
    """Splunk 8.2.1's recorded doubleage session answers with its plain columns, then their
    __mv_ columns, as splunkd writes its own chunks, lines ended by \\n; so does the reply."""
    recording = (shared_reference / "scpv2-recordings" / "splunk-8.2.1" / "doubleage-streaming.md").read_text()
    recorded = recording.split("EXECUTE reply message to Splunk with modified data", 1)[1].split("}", 1)[1]
    recorded_header = next(csv.reader(io.StringIO(recorded)))
    assert wire.plain_columns(recorded_header) == ["age", "_chunked_idx"]
    assert recorded.split("```")[0].strip("\n").count("\n") == 5 and "\r" not in recorded
    header, _, _, whole = reply(body([row(T, "UTC", 0)]))
    assert wire.plain_columns(header) == NAMES + list(OUTPUT_FIELDS)
    assert whole.count("\n") == 2 and "\r" not in whole
