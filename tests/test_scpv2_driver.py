"""The SCPv2 test driver (harness/scpv2.py) against real splunkd recordings and splunklib.

The recordings live outside the repository, in ``../shared/reference/scpv2-recordings``:

* ``splunk-8.2.1/*``: annotated transcripts of real sessions. Their declared lengths show
  where the transcription is not byte-exact (see ``REPAIRS``).
* ``splunk-6.3/countmatches.input.gz``: what splunklib's ``record=t`` captured of splunkd's
  input: splunklib's re-encoding of the getinfo request, then splunkd's execute chunk as sent.
* ``splunk-6.3/*.output``: the replies, each chunk followed by a stray newline.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.scpv2 import (
    ProtocolError,
    decode_records,
    encode_chunk,
    encode_records,
    encode_session,
    execute_requests,
    make_searchinfo,
    probe_getinfo,
    read_chunk,
    run_command,
)

REPO = Path(__file__).resolve().parents[1]
RECORDINGS = REPO.parent / "shared" / "reference" / "scpv2-recordings"
COUNTMATCHES = REPO / "tests" / "fixtures" / "countmatches.py"

BEATLES = [
    {"name": name, "age": age, "uid": uid}
    for name, age, uid in [
        ("Noah", "66", "05"),
        ("Ringo", "18", "04"),
        ("George", "25", "03"),
        ("Paul", "96", "02"),
        ("John", "52", "01"),
    ]
]


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def recordings() -> Path:
    if not RECORDINGS.is_dir():
        pytest.skip(f"SCPv2 recordings not found at {RECORDINGS} (kept outside the repository)")
    return RECORDINGS


@pytest.fixture(scope="session")
def vendored_lib() -> str:
    """The app's lib/ once `make lib` has built it, else $ECROFHOURS_LIB."""
    for lib in (REPO / "lib", os.environ.get("ECROFHOURS_LIB")):
        if lib and (Path(lib) / "splunklib").is_dir():
            return str(lib)
    pytest.skip("no splunklib: run `make lib` or set ECROFHOURS_LIB to a vendored lib dir")


def _interpreter(version: str) -> str:
    """A bare pyenv interpreter, as Splunk ships: $PY39/$PY313 or $(pyenv root)/versions/..."""
    short = version.rsplit(".", 1)[0]
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False).stdout.strip()
    root = root or os.path.expanduser("~/.pyenv")
    candidates = [
        os.environ.get("PY" + short.replace(".", "")),  # $PY39, $PY313 as the Makefile exports
        os.path.join(root, "versions", version, "bin", "python" + short),
    ]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    pytest.skip(f"no Python {version} interpreter (tried {candidates})")


@pytest.fixture(scope="session")
def command_env(vendored_lib) -> dict:
    """A bare environment: no PYTHON* variables, the vendored lib for the fixture command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["ECROFHOURS_LIB"] = vendored_lib
    return env


@pytest.fixture(scope="session", params=["3.9.18", "3.13.0"])
def countmatches(request, command_env):
    """Run tests/fixtures/countmatches.py under each bare interpreter Splunk ships."""
    return [_interpreter(request.param), str(COUNTMATCHES)]


@pytest.fixture(scope="session")
def countmatches39(command_env):
    return [_interpreter("3.9.18"), str(COUNTMATCHES)]


# --- Recording helpers -----------------------------------------------------------------------

TRANSCRIBED_HEADER = re.compile(rb"^(?:\(PID:\d+\) )?(chunked 1\.0,(\d+),(\d+) *\n)", re.MULTILINE)


def _newline_in_si(body: bytes) -> bytes:
    return body.replace(b'"FIREFLY-WINbeatles"', b'"FIREFLY-WIN\nbeatles"')


# (file, chunk number) -> (bytes missing from the transcript, repair). Checked by the lengths.
REPAIRS = {
    # The newline joining the `_si` multivalue (FIREFLY-WIN, beatles) was lost, once per row.
    ("events.txt", 2): (5, _newline_in_si),
    ("events.txt", 3): (5, _newline_in_si),
    # The file ends without the body's final newline.
    ("stateful.txt", 7): (1, lambda body: body + b"\n"),
    ("reporting.txt", 3): (1, lambda body: body + b"\n"),
}
TRANSCRIPTS = [
    "streaming.txt",
    "doubleage-streaming.md",
    "stateful.txt",
    "events.txt",
    "reporting.txt",
]


def transcript(recordings: Path, name: str) -> list:
    """The chunks of an 8.2.1 transcript: ``(header line, metadata, body as sent)``.

    The header keeps its blanks but loses a log prefix such as ``(PID:5772) ``.
    """
    data = (recordings / "splunk-8.2.1" / name).read_bytes()
    chunks = []
    for number, match in enumerate(TRANSCRIBED_HEADER.finditer(data)):
        start = match.end()
        meta = data[start : start + int(match[2])]
        missing, repair = REPAIRS.get((name, number), (0, lambda body: body))
        end = start + len(meta) + int(match[3]) - missing
        where = f"{name}, chunk {number}"
        assert re.match(rb"\n|<<EOF>>|`|\Z", data[end : end + 7]), f"{where}: no commentary after the body"
        body = repair(data[start + len(meta) : end])
        assert len(body) == int(match[3]), f"{where}: repaired body is not the declared length"
        chunks.append((match[1], meta, body))
    return chunks


def read_all(data: bytes, stray_newlines: bool = False) -> list:
    """Every chunk in ``data``; ``stray_newlines`` skips one newline after each (6.3 outputs)."""
    stream, chunks = io.BytesIO(data), []
    while (chunk := read_chunk(stream)) is not None:
        chunks.append(chunk)
        if stray_newlines and data[stream.tell() : stream.tell() + 1] == b"\n":
            stream.seek(1, io.SEEK_CUR)
    return chunks


def plain_fields(body: bytes) -> list:
    """The plain (non-``__mv_``) column names of a CSV body."""
    header = next(csv.reader(io.StringIO(body.decode("utf-8"), newline="")), [])
    return [name for name in header if not name.startswith("__mv_")]


def visible(records) -> list:
    return [{k: v for k, v in r.items() if v not in ("", [])} for r in records]


def countmatches_input(recordings: Path):
    """(getinfo metadata, execute metadata, execute frame) of the 6.3 countmatches recording."""
    data = gzip.decompress((recordings / "splunk-6.3" / "countmatches.input.gz").read_bytes())
    (getinfo, _), (execute, body) = read_all(data)
    return getinfo, execute, body, data


# --- 1. CSV bodies ---------------------------------------------------------------------------

values = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
records_strategy = st.lists(
    st.dictionaries(
        st.sampled_from(["a", "_b", "c d", "é", "x$y", "__mv"]),
        values | st.lists(values, min_size=2, max_size=4),
    ),
    max_size=6,
)


def normalised(record, fieldnames):
    """What a record reads back as: every column, "" when missing, one-item lists as text."""
    out = {}
    for name in fieldnames:
        value = record.get(name, "")
        out[name] = value if isinstance(value, str) else value[0] if len(value) == 1 else value
    return out


@given(records_strategy)
def test_records_round_trip(records):
    fieldnames = list(dict.fromkeys(k for r in records for k in r)) or ["a"]
    body = encode_records(records, fieldnames)
    assert decode_records(body) == [normalised(r, fieldnames) for r in records]


def test_multivalue_encoding_as_splunkd_writes_it():
    body = encode_records([{"f": ["a$b", "c,d", 'say "hi"', "x\ny", "ünï", ""], "age": "7"}])
    assert body == (
        b'f,age,"__mv_f","__mv_age"\n'
        b'"a$b\nc,d\nsay ""hi""\nx\ny\n\xc3\xbcn\xc3\xaf\n",7,'
        b'"$a$$b$;$c,d$;$say ""hi""$;$x\ny$;$\xc3\xbcn\xc3\xaf$;$$",\n'
    )
    assert decode_records(body) == [{"f": ["a$b", "c,d", 'say "hi"', "x\ny", "ünï", ""], "age": "7"}]


def test_header_only_and_empty_bodies():
    body = encode_records([], ["age", "_chunked_idx"])
    assert body == b'age,"_chunked_idx","__mv_age","__mv__chunked_idx"\n'
    assert decode_records(body) == []
    assert encode_records([]) == b""
    assert decode_records(b"") == []


def test_decoding_reads_splunklib_replies():
    # splunklib interleaves the __mv_ columns and ends lines with \r\n.
    body = b'age,__mv_age,n,__mv_n\r\n"1\n2",$1$;$2$,x,\r\n3,,,\r\n'
    assert decode_records(body) == [
        {"age": ["1", "2"], "n": "x"},
        {"age": "3", "n": ""},
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"a,__mv_a\n1,$1\n", "unterminated multivalue"),
        (b"a,__mv_a\n1,$1$2$\n", "malformed multivalue"),
        (b"a,__mv_a\n1\n", "has 1 cells"),
    ],
)
def test_decoding_rejects_malformed_bodies(body, error):
    with pytest.raises(ProtocolError, match=error):
        decode_records(body)


def test_encoding_rejects_fields_outside_the_header():
    with pytest.raises(ValueError, match="not in fieldnames"):
        encode_records([{"a": "1", "b": "2"}], ["a"])


# --- Framing ---------------------------------------------------------------------------------


def test_read_chunk_reads_consecutive_chunks_then_eof():
    stream = io.BytesIO(encode_chunk({"x": "ü"}, b"a\n") + encode_chunk({"finished": True}))
    assert read_chunk(stream) == ({"x": "ü"}, b"a\n")
    assert read_chunk(stream) == ({"finished": True}, b"")
    assert read_chunk(stream) is None


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"hello\n", "malformed chunk header"),
        (b"chunked 1.0,2,0", "malformed chunk header"),
        (b"chunked 1.0,20,0\n{}", "truncated metadata"),
        (b"chunked 1.0,2,5\n{}ab", "truncated body"),
        (b"chunked 1.0,2,0\n[]", "not a JSON object"),
        (b"chunked 1.0,2,0\n{,", "not JSON"),
    ],
)
def test_read_chunk_rejects_malformed_framing(data, error):
    with pytest.raises(ProtocolError, match=error):
        read_chunk(io.BytesIO(data))


# --- 2. The 8.2.1 transcripts ----------------------------------------------------------------


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_read_chunk_copes_with_every_transcript(recordings, name):
    chunks = transcript(recordings, name)
    stream = b"".join(header + meta + body for header, meta, body in chunks)
    assert read_all(stream) == [(json.loads(meta), body) for _, meta, body in chunks]


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_transcripts_are_one_reply_per_request(recordings, name):
    messages = [json.loads(meta) for _, meta, _ in transcript(recordings, name)]
    requests, replies = messages[::2], messages[1::2]
    assert len(requests) == len(replies)
    assert [r["action"] for r in requests] == ["getinfo"] + ["execute"] * (len(requests) - 1)
    assert not any("action" in r for r in replies)
    assert [r["finished"] for r in requests[1:]] == [False] * (len(requests) - 2) + [True]
    assert replies[-1]["finished"] is True


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_driver_reproduces_splunkd_request_bytes(recordings, name):
    """Framing, compact JSON in the recorded key order, CSV quoting and body, byte for byte."""
    for header, meta, body in transcript(recordings, name)[::2]:
        recorded = header + meta + body
        metadata = json.loads(meta)
        rebuilt = encode_records(decode_records(body), plain_fields(body))
        assert encode_chunk(metadata, rebuilt) == recorded


def test_newlines_join_multivalues_in_the_plain_column(recordings):
    """events.txt declares 5 bytes more than it shows: the newline joining the `_si` multivalue
    in its plain column. Encoding the transcribed records restores exactly those bytes."""
    header, _, body = transcript(recordings, "events.txt")[2]
    as_transcribed = body.replace(b"FIREFLY-WIN\nbeatles", b"FIREFLY-WINbeatles")
    records = decode_records(as_transcribed)
    assert [r["_si"] for r in records] == [["FIREFLY-WIN", "beatles"]] * 5
    assert len(as_transcribed) == 3103 and header == b"chunked 1.0,36,3108\n"
    assert encode_records(records) == body


@pytest.mark.parametrize(
    ("name", "fields", "chunked_idx", "sizes", "final_empty_chunk"),
    [
        ("streaming.txt", ["age"], True, [5], True),
        ("doubleage-streaming.md", ["age"], True, [5], True),
        ("stateful.txt", ["age"], True, [5, 0, 0], False),  # two header-only chunks
        ("reporting.txt", ["age"], False, [5], False),
        ("events.txt", None, False, [5], False),
    ],
)
def test_execute_requests_match_recorded_sessions(recordings, name, fields, chunked_idx, sizes, final_empty_chunk):
    """Per command type, as splunkd 8.2.1 did: streaming and stateful commands get their
    required fields plus _chunked_idx, and the finished flag on a header-only chunk; reporting
    commands only their required fields, events commands all fields, finished on the data."""
    chunks = transcript(recordings, name)
    recorded = [header + meta + body for header, meta, body in chunks[2::2]]
    sent = decode_records(chunks[2][2])
    for record in sent:
        record.pop("_chunked_idx", None)
    frames = [
        frame
        for _, frame in execute_requests(
            sent,
            chunk_size=sizes,
            fields=fields,
            chunked_idx=chunked_idx,
            final_empty_chunk=final_empty_chunk,
        )
    ]
    assert frames == recorded


def test_search_strings_are_url_encoded_as_splunkd_does(recordings):
    searches = [
        json.loads(meta)["searchinfo"]["search"]
        for name in TRANSCRIPTS
        for _, meta, _ in transcript(recordings, name)[:1]
    ]
    assert all(quote(unquote(search), safe="") == search for search in searches)


def test_run_command_sends_what_splunkd_sent(recordings, countmatches39, command_env):
    """A streaming command with required_fields ["age"], as in streaming.txt."""
    session = run_command(
        countmatches39,
        ["fieldname=n", "pattern=\\d", "project=t", "age"],
        BEATLES,
        chunk_size=5,
        env=command_env,
    )
    chunks = transcript(recordings, "streaming.txt")
    recorded = [header + meta + body for header, meta, body in chunks[::2]]
    assert session.requests[1:] == recorded[1:]  # the data chunk, then the header-only finished one

    getinfo = read_all(session.requests[0])[0][0]
    expected = json.loads(chunks[0][1])
    assert list(getinfo) == list(expected)
    assert list(getinfo["searchinfo"]) == list(expected["searchinfo"])
    assert session.getinfo == {"type": "streaming", "required_fields": ["age"]}
    assert session.records == [dict(r, n="2") for r in BEATLES]
    assert session.returncode == 0 and session.messages == []


def test_searchinfo_args_and_raw_args():
    info = make_searchinfo(
        ["tz=Europe/Berlin", "hours=mon-fri 08:00-18:00", "a b", 'q=say "x"'],
        "ecrofhours",
    )
    assert info["args"] == [
        "tz=Europe/Berlin",
        "hours=mon-fri 08:00-18:00",
        "a b",
        'q=say "x"',
    ]
    assert info["raw_args"] == [
        "tz=Europe/Berlin",
        'hours="mon-fri 08:00-18:00"',
        '"a b"',
        'q="say \\"x\\""',
    ]
    assert unquote(info["search"]).endswith(" | ecrofhours " + " ".join(info["raw_args"]))
    assert "splunk_version" not in make_searchinfo([], "x", overrides={"splunk_version": None})


# --- 3. The 6.3 countmatches recording -------------------------------------------------------


def test_countmatches_input_is_a_splunklib_recording(recordings):
    """record=t captured splunklib's re-encoding of getinfo (default JSON separators, Python 2
    key order, record=t stripped from args and raw_args but not from search), then splunkd's
    execute chunk verbatim: all 500 events in one chunk that carries finished=true."""
    getinfo, execute, body, data = countmatches_input(recordings)
    assert data.startswith(b'chunked 1.0,846,0\n{"action": "getinfo", "preview": false, "searchinfo": {')
    info = getinfo["searchinfo"]
    assert info["args"] == ["fieldname=word_count", "pattern=\\w+", "text"]
    assert info["raw_args"] == ["fieldname=word_count", 'pattern="\\w+"', "text"]
    assert "record=t" in unquote(info["search"])
    assert execute == {"action": "execute", "finished": True}
    records = decode_records(body)
    assert len(records) == 500 and list(records[0]) == ["_serial", "_time", "text"]
    assert encode_chunk(execute, encode_records(records)) == data[data.index(b"chunked 1.0,36,") :]


def test_countmatches_replay(recordings, countmatches, command_env):
    """Replay the recorded input through the fixture command; compare with the recorded output.

    The recorded run was Python 2, whose ``\\w`` matched ASCII only (the pattern was compiled
    from a byte string): ``(?a)`` asks Python 3 for the same.
    """
    getinfo, _, body, data = countmatches_input(recordings)
    records = decode_records(body)
    args = [a.replace("pattern=", "pattern=(?a)") for a in getinfo["searchinfo"]["args"]]
    session = run_command(
        countmatches,
        args,
        records,
        chunk_size=len(records),
        final_empty_chunk=False,
        env=command_env,
    )
    assert session.returncode == 0, session.stderr
    assert session.requests[1] == data[data.index(b"chunked 1.0,36,") :]  # 6.3-style, byte for byte

    output = (recordings / "splunk-6.3" / "countmatches.output").read_bytes()
    with pytest.raises(ProtocolError):  # each recorded chunk is followed by a stray newline
        read_all(output)
    (reply_getinfo, _), (reply, reply_body) = read_all(output, stray_newlines=True)
    assert session.getinfo == reply_getinfo == {"type": "streaming"}
    assert [m for m, _ in session.replies] == [reply] == [{"finished": True}]
    expected = visible(decode_records(reply_body))
    assert len(expected) == 500 and sum(int(r["word_count"]) for r in expected) > 0
    assert session.records == expected


def test_sum_recordings(recordings):
    """The sum recordings: a reduce input with a quoted decimal, replies from old splunklib."""
    data = gzip.decompress((recordings / "splunk-6.3" / "sum.reduce.input.gz").read_bytes())
    (getinfo, _), (execute, body) = read_all(data)
    assert getinfo["action"] == "getinfo" and getinfo["searchinfo"]["args"] == [
        "total=total",
        "value1",
    ]
    assert body == b'total,"__mv_total"\n"2147943.07811",\n'
    assert encode_chunk(execute, encode_records(decode_records(body))) == data[data.index(b"chunked 1.0,36,") :]
    for name, getinfo_reply in [
        ("sum.map.output", {"type": "streaming"}),
        (
            "sum.reduce.output",
            {
                "streaming_preop": 'sum phase="map" total="total" value1',
                "type": "reporting",
            },
        ),
    ]:
        output = (recordings / "splunk-6.3" / name).read_bytes()
        (first, _), (reply, reply_body) = read_all(output, stray_newlines=True)
        assert (first, reply) == (getinfo_reply, {"finished": True})
        assert decode_records(reply_body) == [{"total": "2147943.07811"}]


# --- 4. Sessions -----------------------------------------------------------------------------

EVENTS = [
    {
        "_time": str(1700000000 + i),
        "text": ["one two", "3 $four$"][i % 2] * (i % 3),
        "tags": ["a$", "b,c", 'd"e'] if i % 4 == 0 else "single",
        "host": f"h{i}",
    }
    for i in range(11)
]


@pytest.mark.parametrize("sizes", [11, 3, [3, 0, 4, 1, 3], [0, 11]])
@pytest.mark.parametrize("final_empty_chunk", [True, False])
def test_required_fields_or_all_fields_give_the_same_output(countmatches39, command_env, sizes, final_empty_chunk):
    args = ["fieldname=n", "pattern=\\w+", "mincount=1", "project=t", "text"]
    runs = {
        honour: run_command(
            countmatches39,
            args,
            EVENTS,
            chunk_size=sizes,
            honour_required_fields=honour,
            final_empty_chunk=final_empty_chunk,
            env=command_env,
        )
        for honour in (True, False)
    }
    expected = [
        dict(event, n=str(len(re.findall(r"\w+", event["text"]))))
        for event in EVENTS
        if re.search(r"\w", event["text"])
    ]
    assert 0 < len(expected) < len(EVENTS)  # countmatches with mincount=1 filters
    for honour, session in runs.items():
        assert session.returncode == 0, session.stderr
        assert session.records == visible(expected), honour
        assert len(session.replies) == len(session.requests) - 1
        sent = [read_all(frame)[0] for frame in session.requests[1:]]
        assert [m["finished"] for m, _ in sent][-1] is True
        assert not any(m["finished"] for m, _ in sent[:-1])
        columns = plain_fields(sent[0][1])
        assert columns == (["text", "_chunked_idx"] if honour else ["_time", "text", "tags", "host"])
        assert all(("_chunked_idx" in row) == honour for _, rows in session.replies for row in rows)


def test_reply_values_override_the_events(countmatches39, command_env):
    """countmatches writing its count into the required field itself, like doubleage."""
    args = ["fieldname=text", "pattern=\\w+", "project=t", "text"]
    session = run_command(countmatches39, args, EVENTS, chunk_size=[4, 7], env=command_env)
    assert session.records == [dict(e, text=str(len(re.findall(r"\w+", e["text"])))) for e in EVENTS]


def test_a_large_chunk_does_not_deadlock(countmatches39, command_env):
    events = [{"_time": str(i), "text": f"event number {i} " + "x" * 80} for i in range(50000)]
    session = run_command(countmatches39, ["fieldname=n", "pattern=\\d", "text"], events, env=command_env)
    assert len(session.requests) == 3 and len(session.records) == 50000
    assert session.records[-1]["n"] == "5"


def test_getinfo_error_ends_the_session(countmatches39, command_env):
    session = run_command(countmatches39, ["fieldname=n", "text"], EVENTS, env=command_env, timeout=30)
    assert session.messages == [("ERROR", 'A value for "pattern" is required')]
    assert session.returncode == 1 and len(session.requests) == 1
    assert session.replies == [] and session.records == []


def test_probe_getinfo(countmatches39, command_env):
    session = probe_getinfo(
        countmatches39,
        ["fieldname=n", "pattern=x", "project=t", "text"],
        env=command_env,
    )
    assert session.getinfo == {"type": "streaming", "required_fields": ["text"]}
    assert session.returncode == 0 and len(session.requests) == 1
    bad = probe_getinfo(countmatches39, ["fieldname=n", "pattern=x", "colour=red"], env=command_env)
    assert bad.messages == [("ERROR", "Unrecognized option: colour=red")] and bad.returncode == 1


def test_encode_session_is_what_run_command_sends(countmatches39, command_env, tmp_path):
    args = ["fieldname=n", "pattern=\\w+", "project=t", "text"]
    where = {"dispatch_dir": str(tmp_path)}
    session = run_command(countmatches39, args, EVENTS, chunk_size=4, env=command_env, searchinfo=where)
    data = encode_session(
        args,
        EVENTS,
        required_fields=["text"],
        chunk_size=4,
        command_name="countmatches",
        searchinfo=where,
    )
    assert data == b"".join(session.requests)
    done = subprocess.run(
        countmatches39,
        input=data,
        capture_output=True,
        env=command_env,
        timeout=60,
        check=True,
    )
    assert [(m, decode_records(b)) for m, b in read_all(done.stdout)[1:]] == session.replies


# Raw-protocol fake commands for what splunklib never does.
FAKE = textwrap.dedent(
    """
    import json, sys, time
    inp, out = sys.stdin.buffer, sys.stdout.buffer

    def read():
        line = inp.readline()
        if not line:
            return None
        _, meta, body = line.decode().strip().split(",")
        return json.loads(inp.read(int(meta))), inp.read(int(body))

    def write(meta, body=b""):
        meta = json.dumps(meta).encode()
        out.write(b"chunked 1.0,%d,%d\\n" % (len(meta), len(body)) + meta + body)
        out.flush()

    MODE = {mode!r}
    read()
    if MODE == "crash":
        sys.exit("crashed before getinfo")
    write({{"type": "streaming", "inspector": {{"messages": [["INFO", repr(sys.argv)]]}}}})
    while True:
        request = read()
        if request is None:
            break
        if MODE == "hang":
            time.sleep(60)
        if MODE == "garbage":
            out.write(b"print() on stdout\\n")
            out.flush()
        if MODE in ("finish", "error"):  # on the first request, then carry on as an echo
            messages = [["ERROR", "boom"]] if MODE == "error" else []
            write({{"finished": MODE == "finish", "inspector": {{"messages": messages}}}})
            MODE = "echo"
            continue
        write({{"finished": request[0]["finished"]}}, request[1])
        if MODE == "twice":
            write({{"finished": True}})
    """
)


def fake(tmp_path, mode):
    script = tmp_path / f"fake_{mode}.py"
    script.write_text(FAKE.format(mode=mode))
    return [sys.executable, str(script)]


def test_no_argv_and_echo(tmp_path):
    session = run_command(fake(tmp_path, "echo"), ["x=1"], EVENTS, chunk_size=5)
    assert session.messages == [("INFO", repr([str(tmp_path / "fake_echo.py")]))]
    assert session.records == visible(EVENTS) and session.returncode == 0


@pytest.mark.parametrize(("mode", "messages"), [("finish", []), ("error", [("ERROR", "boom")])])
def test_a_finished_or_error_reply_ends_the_session(tmp_path, mode, messages):
    session = run_command(fake(tmp_path, mode), [], EVENTS, chunk_size=2, timeout=30)
    assert len(session.requests) == 2 and len(session.replies) == 1
    assert session.messages[1:] == messages and session.records == []


def test_a_crash_before_getinfo_is_reported_not_hung(tmp_path):
    session = run_command(fake(tmp_path, "crash"), [], EVENTS, timeout=30)
    assert session.getinfo is None and session.returncode == 1
    assert "crashed before getinfo" in session.stderr


def test_a_hung_command_times_out(tmp_path):
    with pytest.raises(TimeoutError, match="no reply within 2s"):
        run_command(fake(tmp_path, "hang"), [], EVENTS, timeout=2)


@pytest.mark.parametrize(
    ("mode", "error"),
    [("garbage", "malformed chunk header"), ("twice", "output after the last reply")],
)
def test_protocol_violations_are_errors(tmp_path, mode, error):
    with pytest.raises(ProtocolError, match=error):
        run_command(fake(tmp_path, mode), [], EVENTS, chunk_size=20, timeout=30)
