"""Pipes (lib/chunked/pipes.py): splunkd closing stdin (between chunks, mid-chunk, before
getinfo) or no longer reading stdout. Documented exit codes: 0 and nothing on stderr when stdin
ends between chunks or after getinfo (a parse-time probe); 1 and one line on stderr (search.log)
saying which pipe closed when it ends anywhere else or stdout is gone; never a traceback."""
import io
import json

import pytest

from sessions import T, spawned, started
from harness.scpv2 import (
    encode_chunk,
    execute_requests,
    getinfo_metadata,
    make_searchinfo,
    read_chunk,
)


# --- Pipes closed early ----------------------------------------------------------------------


def stderr_after_stdout_closed(process, requests):
    """Close the command's stdout (splunkd no longer reading), send ``requests`` as far as the
    command takes them, close stdin; the command's stderr once it has exited."""
    process.stdout.close()
    try:
        for frame in requests:
            process.stdin.write(frame)
            process.stdin.flush()
        process.stdin.close()
    except BrokenPipeError:
        pass  # the command has gone: what matters is how
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    return err


def frames(count=20_000, chunk=5000):
    records = [{"_time": str(T + i * 37), "note": 'quoted "value", with a comma'} for i in range(count)]
    return [frame for _, frame in execute_requests(records, chunk_size=chunk, fields=["_time", "note"])]


def assert_quiet_exit(process, stderr):
    """Exit 0 and nothing for search.log."""
    assert (process.returncode, stderr) == (0, ""), stderr[-3000:]


def test_a_getinfo_probe_exits_quietly(splunk_python):
    process = started(splunk_python)
    out, err = process.communicate(timeout=60)
    assert out == b""
    assert_quiet_exit(process, err.decode())


def test_stdin_closed_between_chunks_exits_quietly(splunk_python):
    process = started(splunk_python)
    requests = frames()
    process.stdin.write(requests[0])
    process.stdin.flush()
    assert read_chunk(process.stdout)[0] == {"finished": False}
    out, err = process.communicate(timeout=60)  # no "finished" chunk: splunkd went away
    assert out == b""
    assert_quiet_exit(process, err.decode())


CUTS = {"header": lambda frame: frame[:8], "metadata": lambda frame: frame[:frame.index(b"{") + 5],
        "body": lambda frame: frame[:frame.index(b'"quoted') + 3]}


def assert_no_error_reply(out):
    """Whatever the command still wrote is whole chunks, without an error for the user."""
    stream = io.BytesIO(out)
    while (chunk := read_chunk(stream)) is not None:
        assert "error_message" not in json.dumps(chunk[0]) and "ERROR" not in json.dumps(chunk[0]), chunk


def assert_stopped(process, stderr, why):
    """Exit 1 and one line for search.log saying why: no traceback, no splunklib error."""
    assert (process.returncode, stderr.splitlines()) == (1, [f"ecrofhours stopped: {why}"]), stderr[-3000:]


@pytest.mark.parametrize("where", CUTS)
def test_stdin_closed_inside_a_chunk_stops_with_one_line(splunk_python, where):
    process = started(splunk_python)
    out, err = process.communicate(CUTS[where](frames()[0]), timeout=60)
    assert_stopped(process, err.decode(), "splunkd closed the command's input inside a chunk")
    assert_no_error_reply(out)


def test_a_malformed_chunk_is_an_error_not_a_quiet_stop(splunk_python):
    """Only input that ends early is splunkd going away; a whole line that is no chunk header
    is a protocol error, which splunklib logs with its traceback and exit code 1."""
    process = started(splunk_python)
    out, err = process.communicate(b"hello\n", timeout=60)
    assert process.returncode == 1
    assert "Failed to parse transport header" in err.decode() and "ecrofhours stopped" not in err.decode()


@pytest.mark.parametrize("sent", [0, 8, 30], ids=["nothing", "half-header", "half-metadata"])
def test_stdin_closed_before_getinfo_stops_with_one_line(splunk_python, sent):
    frame = encode_chunk(getinfo_metadata(make_searchinfo([], "ecrofhours")))
    process = spawned(splunk_python)
    out, err = process.communicate(frame[:sent], timeout=60)
    why = "before getinfo" if sent == 0 else "inside a chunk"
    assert_stopped(process, err.decode(), f"splunkd closed the command's input {why}")
    assert_no_error_reply(out)


@pytest.mark.parametrize("sent", [0, 30], ids=["nothing", "half-metadata"])
def test_both_pipes_closed_before_getinfo_stop_with_one_line(splunk_python, sent):
    """splunkd gone altogether (crashed or killed): splunklib still finishes with a reply after
    the input error, which meets the closed output; that is the same stop, not a second one."""
    frame = encode_chunk(getinfo_metadata(make_searchinfo([], "ecrofhours")))
    process = spawned(splunk_python)
    err = stderr_after_stdout_closed(process, [frame[:sent]])
    why = "before getinfo" if sent == 0 else "inside a chunk"
    assert_stopped(process, err, f"splunkd closed the command's input {why}")


@pytest.mark.parametrize("env", [{}, {"PYTHONUNBUFFERED": "1"}], ids=["buffered", "unbuffered"])
def test_stdout_closed_by_splunkd_stops_with_one_line(splunk_python, env):
    process = started(splunk_python, **env)
    err = stderr_after_stdout_closed(process, frames())
    assert_stopped(process, err, "splunkd closed the command's output")


@pytest.mark.parametrize("args", [[], ["nosuchoption=1"]], ids=["getinfo-reply", "error-reply"])
def test_stdout_closed_before_the_getinfo_reply_stops_with_one_line(splunk_python, args):
    """The getinfo reply is written outside splunklib's error handling, and so is the reply
    to options that prepare() refuses."""
    process = spawned(splunk_python)
    err = stderr_after_stdout_closed(process, [encode_chunk(getinfo_metadata(make_searchinfo(args, "ecrofhours")))])
    assert_stopped(process, err, "splunkd closed the command's output")
