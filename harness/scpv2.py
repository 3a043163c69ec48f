"""A test driver for Splunk's Search Command Protocol v2 ("chunked"), as splunkd speaks it.

Checked byte for byte against real splunkd sessions (see ``tests/test_scpv2_driver.py``).

Framing, both directions: ``chunked 1.0,<metadata bytes>,<body bytes>\\n``, then compact JSON
metadata, then a CSV body. A session is one ``getinfo`` request and reply, then strictly one
reply per ``execute`` request; the last request carries ``"finished": true``.

splunkd's CSV: ``\\n`` line ends; plain columns first, then one ``__mv_<field>`` column each; a
multivalue is written as its newline-joined text plus ``$a$;$b$`` (``$`` doubled) in the
``__mv_`` column; a cell (header or value) is quoted unless it is empty or purely ASCII
letters and digits (``age,"_chunked_idx","__mv_age","__mv__chunked_idx"``).

Standard library only; runs on Python 3.9+.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:  # annotations only: "X | Y" is not evaluated on Python 3.9
    Value = str | list[str]
    Record = Mapping[str, Value]
    ChunkSize = int | Sequence[int]

CHUNKED_IDX = "_chunked_idx"
MV_PREFIX = "__mv_"
_HEADER = re.compile(rb"chunked 1\.0,(\d+),(\d+)[ \t]*\n\Z")
_MAX_HEADER = 64  # longer than any valid header line
_BARE = re.compile(r"[A-Za-z0-9]*\Z")


class ProtocolError(Exception):
    """Broken framing, a malformed body, or a reply the protocol does not allow."""


# --- Framing ---------------------------------------------------------------------------------


def encode_chunk(metadata: Mapping[str, Any], body: bytes = b"") -> bytes:
    """Frame one chunk: header line, compact JSON metadata (key order kept), body."""
    text = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)
    meta = text.encode("utf-8")
    return b"chunked 1.0,%d,%d\n" % (len(meta), len(body)) + meta + body


def read_chunk(stream: IO[bytes]) -> tuple[dict, bytes] | None:
    """Read one chunk from a binary stream: ``(metadata, body)``, or None at a clean EOF.

    Raises ProtocolError on anything else: a malformed header line (stray output on stdout,
    for instance), truncated metadata or body, metadata that is not a JSON object. Blanks
    before the header's newline are accepted: a command in a real 8.2.1 session sent them.
    """
    line = stream.readline(_MAX_HEADER)
    if not line:
        return None
    match = _HEADER.match(line)
    if match is None:
        raise ProtocolError(f"malformed chunk header: {line!r}")
    raw = _read_exact(stream, int(match[1]), "metadata")
    body = _read_exact(stream, int(match[2]), "body")
    try:
        metadata = json.loads(raw.decode("utf-8")) if raw else {}
    except ValueError as error:
        raise ProtocolError(f"metadata is not JSON: {error}: {raw[:200]!r}") from None
    if not isinstance(metadata, dict):
        raise ProtocolError(f"metadata is not a JSON object: {raw[:200]!r}")
    return metadata, body


def _read_exact(stream: IO[bytes], size: int, what: str) -> bytes:
    data = b""
    while len(data) < size:
        part = stream.read(size - len(data))
        if not part:
            raise ProtocolError(f"truncated {what}: expected {size} bytes, got {len(data)}")
        data += part
    return data


# --- CSV bodies ------------------------------------------------------------------------------


def encode_records(records: Sequence[Record], fieldnames: Sequence[str] | None = None) -> bytes:
    """Encode records as splunkd writes a chunk body (see the module docstring).

    ``fieldnames`` defaults to every key in first-seen order; a record key outside it is a
    ValueError. A missing value, an empty list and ``""`` are all written as an empty cell; a
    one-item list is written as a single value. No records and no fields give an empty body.
    """
    names = list(fieldnames) if fieldnames is not None else _field_union(records)
    if not names:
        return b""
    known = set(names)
    lines = [_csv_row(names + [MV_PREFIX + name for name in names])]
    for record in records:
        extra = set(record) - known
        if extra:
            raise ValueError(f"fields {sorted(extra)} are not in fieldnames {names}")
        cells = [_encode_value(record.get(name)) for name in names]
        lines.append(_csv_row([plain for plain, _ in cells] + [mv for _, mv in cells]))
    return "".join(lines).encode("utf-8")


def decode_records(body: bytes) -> list[dict[str, Value]]:
    """Decode a chunk body (splunkd's or splunklib's CSV) into records.

    Every column becomes a key (an empty cell gives ``""``); a non-empty ``__mv_<field>`` cell
    turns ``<field>`` into a list. Column order does not matter; ``\\r\\n`` or ``\\n`` line ends.
    """
    try:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline=""), strict=True))
    except (UnicodeDecodeError, csv.Error) as error:
        raise ProtocolError(f"malformed CSV body: {error}") from None
    if not rows:
        return []
    header = rows[0]
    multi = [(i, name[len(MV_PREFIX) :]) for i, name in enumerate(header) if name.startswith(MV_PREFIX)]
    plain = [(i, name) for i, name in enumerate(header) if not name.startswith(MV_PREFIX)]
    records = []
    for row in rows[1:]:
        if len(row) != len(header):
            raise ProtocolError(f"row {len(records) + 1} has {len(row)} cells, header has {len(header)}")
        record: dict[str, Value] = {name: row[i] for i, name in plain}
        for i, name in multi:
            if row[i]:
                record[name] = _decode_mv(row[i])
        records.append(record)
    return records


def _field_union(records: Sequence[Record]) -> list[str]:
    return list(dict.fromkeys(name for record in records for name in record))


def _csv_row(cells: Sequence[str]) -> str:
    return ",".join(c if _BARE.match(c) else '"' + c.replace('"', '""') + '"' for c in cells) + "\n"


def _encode_value(value: Value | float | None) -> tuple[str, str]:
    """``(plain cell, __mv_ cell)`` for one value."""
    if value is None:
        return "", ""
    if isinstance(value, (list, tuple)):
        if len(value) > 1:
            items = [str(item) for item in value]
            escaped = "$;$".join(item.replace("$", "$$") for item in items)
            return "\n".join(items), f"${escaped}$"
        return (str(value[0]), "") if value else ("", "")
    return str(value), ""


def _decode_mv(text: str) -> list[str]:
    """Parse ``$a$;$b$`` into ``["a", "b"]``: inside an item ``$$`` is a literal ``$``; a lone
    ``$`` closes the item and must be followed by ``;$`` (next item) or the end."""
    if not text.startswith("$"):
        raise ProtocolError(f"malformed multivalue {text!r}")
    items: list[str] = []
    item: list[str] = []
    i, n = 1, len(text)
    while i < n:
        if text[i] != "$":
            item.append(text[i])
            i += 1
        elif text.startswith("$$", i):
            item.append("$")
            i += 2
        else:
            items.append("".join(item))
            item = []
            if i + 1 == n:
                return items
            if not text.startswith(";$", i + 1):
                raise ProtocolError(f"malformed multivalue {text!r} at {i + 1}")
            i += 3
    raise ProtocolError(f"unterminated multivalue {text!r}")


# --- Requests --------------------------------------------------------------------------------


def make_searchinfo(
    args: Sequence[str],
    command_name: str,
    dispatch_dir: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The getinfo ``searchinfo`` splunkd 8.2.1 sends, keys in its order.

    ``args`` are the tokenised SPL arguments, quotes removed (``hours=mon-fri 08:00-18:00``);
    ``raw_args`` and the URL-encoded ``search`` re-add quotes where needed. ``overrides`` are
    applied last; an override of None removes the key.
    """
    raw_args = [_raw_arg(arg) for arg in args]
    search = " ".join(["search index=main |", command_name, *raw_args])
    info: dict[str, Any] = {
        "args": list(args),
        "raw_args": raw_args,
        "dispatch_dir": dispatch_dir or tempfile.gettempdir(),
        "sid": "1700000000.1",
        "app": "ecrofhours",
        "owner": "admin",
        "username": "admin",
        "session_key": "X" * 120,
        "splunkd_uri": "https://127.0.0.1:8089",
        "splunk_version": "8.2.1",
        "search": quote(search, safe=""),
        "command": command_name,
        "maxresultrows": 50000,
        "earliest_time": "0",
        "latest_time": "0",
    }
    for key, value in (overrides or {}).items():
        if value is None:
            info.pop(key, None)
        else:
            info[key] = value
    return info


def getinfo_metadata(searchinfo: Mapping[str, Any]) -> dict[str, Any]:
    """The getinfo request metadata around a ``searchinfo``."""
    return {
        "action": "getinfo",
        "preview": False,
        "streaming_command_will_restart": False,
        "searchinfo": dict(searchinfo),
    }


def execute_requests(
    records: Sequence[Record],
    *,
    chunk_size: ChunkSize = 50000,
    fields: Sequence[str] | None = None,
    chunked_idx: bool = False,
    final_empty_chunk: bool = True,
) -> Iterator[tuple[Sequence[Record], bytes]]:
    """Yield ``(original records, request frame)`` for each execute request.

    ``fields`` limits the columns sent (as splunkd does for ``required_fields``; only fields
    present in some record are sent); ``chunked_idx`` adds splunkd's ``_chunked_idx`` column
    (the row number within the chunk). Every chunk has the same header. The last request is
    ``finished``: an extra header-only chunk (Splunk 8.2) or the last data chunk (Splunk 6.3).
    """
    names = _field_union(records)
    if fields is not None:
        present = set(names)
        names = [name for name in dict.fromkeys(fields) if name in present]
    if chunked_idx:
        names.append(CHUNKED_IDX)
    sizes = _chunk_sizes(len(records), chunk_size)
    if final_empty_chunk or not sizes:
        sizes.append(0)
    start = 0
    for number, size in enumerate(sizes, 1):
        chunk = records[start : start + size]
        start += size
        rows = [_project(record, names, chunked_idx, i) for i, record in enumerate(chunk)]
        metadata = {"action": "execute", "finished": number == len(sizes)}
        yield chunk, encode_chunk(metadata, encode_records(rows, names))


def encode_session(
    args: Sequence[str],
    records: Sequence[Record],
    *,
    required_fields: Sequence[str] | None = None,
    chunk_size: ChunkSize = 50000,
    final_empty_chunk: bool = True,
    command_name: str = "ecrofhours",
    searchinfo: Mapping[str, Any] | None = None,
) -> bytes:
    """Every request byte of a session (getinfo, then execute chunks), for a benchmark.

    Pass the ``required_fields`` of the command's getinfo reply (for a streaming or stateful
    command) to send what splunkd would. Feed the result to the command's stdin in one go and
    drain its stdout concurrently (``subprocess.run(..., input=...)`` does both).
    """
    frames = [encode_chunk(getinfo_metadata(make_searchinfo(args, command_name, None, searchinfo)))]
    frames += [
        frame
        for _, frame in execute_requests(
            records,
            chunk_size=chunk_size,
            fields=required_fields,
            chunked_idx=required_fields is not None,
            final_empty_chunk=final_empty_chunk,
        )
    ]
    return b"".join(frames)


def _raw_arg(arg: str) -> str:
    """An argument as typed in SPL: quoted when it holds a space, a quote or a pipe, or is empty."""
    name, equals, value = arg.partition("=")
    if not equals:
        name, value = "", arg
    if value and not re.search(r'[\s"|]', value):
        return arg
    return f'{name}{equals}"' + value.replace('"', '\\"') + '"'


def _chunk_sizes(total: int, chunk_size: ChunkSize) -> list[int]:
    if isinstance(chunk_size, int):
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, not {chunk_size}")
        return [min(chunk_size, total - start) for start in range(0, total, chunk_size)]
    sizes = list(chunk_size)
    if any(size < 0 for size in sizes) or sum(sizes) != total:
        raise ValueError(f"chunk sizes {sizes} must be >= 0 and add up to {total} records")
    return sizes


def _project(record: Record, names: Sequence[str], chunked_idx: bool, index: int) -> dict[str, Value]:
    row = {name: record[name] for name in names if name in record}
    if chunked_idx:
        row[CHUNKED_IDX] = str(index)
    return row


# --- Sessions --------------------------------------------------------------------------------


@dataclass
class Session:
    """Everything one run of a command produced, as splunkd would see it."""

    getinfo: dict | None = None
    """Metadata of the getinfo reply (None if the command sent none)."""
    replies: list[tuple[dict, list[dict[str, Value]]]] = field(default_factory=list)
    """Each execute reply: metadata and decoded records (``_chunked_idx`` and ``""`` kept)."""
    records: list[dict[str, Value]] = field(default_factory=list)
    """The output the user sees: replies merged into the events; empty fields left out."""
    messages: list[tuple[str, str]] = field(default_factory=list)
    """``(level, text)`` of every ``inspector.messages`` entry, getinfo reply included."""
    returncode: int | None = None
    stderr: str = ""
    requests: list[bytes] = field(default_factory=list)
    """Every request frame sent, in order."""


def run_command(
    command: Sequence[str],
    args: Sequence[str],
    records: Sequence[Record],
    *,
    chunk_size: ChunkSize = 50000,
    honour_required_fields: bool = True,
    final_empty_chunk: bool = True,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    searchinfo: Mapping[str, Any] | None = None,
    timeout: float = 120,
) -> Session:
    """Run ``command`` (e.g. ``[python, "bin/x.py"]``, no extra argv) over ``records`` as splunkd.

    Sends getinfo (``searchinfo`` overrides go to ``make_searchinfo``; by default a temporary
    ``dispatch_dir`` is created and removed), then execute chunks of ``chunk_size`` records (an
    int, or a list of sizes adding up to ``len(records)``; 0 is a header-only chunk), waiting
    for exactly one reply to each. If a streaming or stateful command declares
    ``required_fields`` (and ``honour_required_fields``), only those fields plus
    ``_chunked_idx`` are sent and each reply is merged back into the original events by
    ``_chunked_idx``: reply values override or add fields, an empty value clears one, events
    missing from the reply are dropped. A reporting command gets only its required fields, an
    events command all fields, as splunkd does. Stops early when a reply is ``finished`` or
    carries an ERROR or FATAL message, or when the command exits.

    Raises TimeoutError after ``timeout`` seconds in all (the command is killed) and
    ProtocolError on a malformed reply or on output nobody asked for.
    """
    execute = functools.partial(
        _execute,
        records=list(records),
        chunk_size=chunk_size,
        honour_required_fields=honour_required_fields,
        final_empty_chunk=final_empty_chunk,
    )
    return _run(command, args, env, cwd, searchinfo, timeout, execute)


def probe_getinfo(
    command: Sequence[str],
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    searchinfo: Mapping[str, Any] | None = None,
    timeout: float = 60,
) -> Session:
    """A parse-time probe, as splunkd runs several: getinfo only, then stdin is closed."""
    return _run(command, args, env, cwd, searchinfo, timeout, None)


def _run(command, args, env, cwd, searchinfo, timeout, execute) -> Session:
    name = os.path.splitext(os.path.basename(command[-1]))[0]
    session = Session()
    with _dispatch_dir(searchinfo) as overrides:
        channel = _Channel(command, env, cwd, timeout)
        try:
            getinfo = encode_chunk(getinfo_metadata(make_searchinfo(args, name, None, overrides)))
            reply = _exchange(channel, session, getinfo)
            if reply is not None:
                session.getinfo = reply[0]
                if execute is not None and not _stops(reply[0]):
                    execute(channel, session)
        except BaseException:
            channel.kill()
            raise
        session.returncode, session.stderr, leftovers = channel.close()
    if leftovers:
        raise ProtocolError(f"output after the last reply: {leftovers[0]!r:.300}\nstderr: {session.stderr}")
    return session


def _execute(
    channel: _Channel,
    session: Session,
    *,
    records: Sequence[Record],
    chunk_size: ChunkSize,
    honour_required_fields: bool,
    final_empty_chunk: bool,
) -> None:
    """The execute phase, after a getinfo reply that did not end the session."""
    kind = session.getinfo.get("type")
    required = session.getinfo.get("required_fields") if honour_required_fields else None
    if not required or kind == "events":
        required = None
    merge = required is not None and kind in ("streaming", "stateful")
    for originals, frame in execute_requests(
        records,
        chunk_size=chunk_size,
        fields=required,
        chunked_idx=merge,
        final_empty_chunk=final_empty_chunk,
    ):
        reply = _exchange(channel, session, frame)
        if reply is None:
            return
        metadata, body = reply
        rows = decode_records(body)
        session.replies.append((metadata, rows))
        session.records += _merge(originals, rows) if merge else [_visible(row) for row in rows]
        if _stops(metadata):
            return


def _exchange(channel: _Channel, session: Session, frame: bytes) -> tuple[dict, bytes] | None:
    session.requests.append(frame)
    reply = channel.exchange(frame)
    if reply is not None:
        messages = (reply[0].get("inspector") or {}).get("messages") or []
        session.messages += [(str(level), str(text)) for level, text in messages]
    return reply


def _stops(metadata: Mapping[str, Any]) -> bool:
    messages = (metadata.get("inspector") or {}).get("messages") or []
    return metadata.get("finished") is True or any(m[0] in ("ERROR", "FATAL") for m in messages)


def _merge(originals: Sequence[Record], rows: Sequence[Mapping[str, Value]]) -> list[dict[str, Value]]:
    """Merge reply rows into the events they name by ``_chunked_idx``, as splunkd does."""
    merged = []
    for row in rows:
        update = dict(row)
        index = update.pop(CHUNKED_IDX, None)
        if not (isinstance(index, str) and index.isdigit() and int(index) < len(originals)):
            raise ProtocolError(f"reply record without a valid {CHUNKED_IDX}: {row!r:.300}")
        event = dict(originals[int(index)])
        event.update(update)
        merged.append(_visible(event))
    return merged


def _visible(record: Mapping[str, Value]) -> dict[str, Value]:
    """splunkd's CSV cannot tell an empty field from a missing one: leave empty ones out."""
    return {name: value for name, value in record.items() if value not in ("", [])}


@contextlib.contextmanager
def _dispatch_dir(searchinfo: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
    """searchinfo overrides, with a temporary dispatch_dir unless one is given."""
    overrides = dict(searchinfo or {})
    if "dispatch_dir" in overrides:
        yield overrides
        return
    path = tempfile.mkdtemp(prefix="scpv2-dispatch-")
    try:
        yield {**overrides, "dispatch_dir": path}
    finally:
        shutil.rmtree(path, ignore_errors=True)


class _Channel:
    """A command process with one thread each to write requests, read replies and drain
    stderr, so large chunks cannot deadlock and every wait has a deadline."""

    def __init__(self, command: Sequence[str], env, cwd, timeout: float) -> None:
        self._timeout = timeout
        self._deadline = time.monotonic() + timeout
        self._process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=None if env is None else dict(env),
            cwd=cwd,
        )
        self._requests: queue.Queue = queue.Queue()
        self._replies: queue.Queue = queue.Queue()
        self._stderr = bytearray()
        self._threads = [threading.Thread(target=t, daemon=True) for t in (self._write, self._read, self._drain)]
        for thread in self._threads:
            thread.start()

    @property
    def stderr(self) -> str:
        return self._stderr.decode("utf-8", "replace")

    def exchange(self, frame: bytes) -> tuple[dict, bytes] | None:
        """Send one request and return its reply, or None if the command closed stdout."""
        self._requests.put(frame)
        try:
            reply = self._replies.get(timeout=max(0.0, self._deadline - time.monotonic()))
        except queue.Empty:
            self.kill()
            raise TimeoutError(f"no reply within {self._timeout}s\nstderr: {self.stderr}") from None
        if isinstance(reply, Exception):
            self.kill()
            raise ProtocolError(f"{reply}\nstderr: {self.stderr}") from reply
        return reply

    def close(self) -> tuple[int, str, list]:
        """Close stdin and wait for the exit: ``(returncode, stderr, output left unread)``."""
        self._requests.put(None)
        try:
            self._process.wait(timeout=max(1.0, self._deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError(f"no exit within {self._timeout}s\nstderr: {self.stderr}") from None
        self._join()
        leftovers = []
        while not self._replies.empty():
            item = self._replies.get()
            if item is not None:
                leftovers.append(item)
        return self._process.returncode, self.stderr, leftovers

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._requests.put(None)
        self._join()

    def _join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=5)

    def _write(self) -> None:
        stdin = self._process.stdin
        try:
            for frame in iter(self._requests.get, None):
                stdin.write(frame)
                stdin.flush()
        except OSError:
            pass  # the command has exited: its replies, or their absence, tell the story
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _read(self) -> None:
        try:
            while True:
                chunk = read_chunk(self._process.stdout)
                self._replies.put(chunk)
                if chunk is None:
                    return
        except Exception as error:  # noqa: BLE001 - handed to the main thread
            self._replies.put(error)

    def _drain(self) -> None:
        for data in iter(lambda: self._process.stderr.read1(65536), b""):
            self._stderr += data
