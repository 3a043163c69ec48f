"""Bench fixture: the floor. A chunked command with no splunklib that reads splunkd's session
and appends the contract's ten output fields as constants to every row with the C csv module.

Nothing written in Python that produces this output is much cheaper: ``make bench`` divides
ecrofhours's events/s by this command's on the same session. It declares the fields ecrofhours
would (``_time``, or ``timefield``, plus ``tzfield`` and ``profilefield`` from its arguments), so
splunkd, and the bench, send it exactly what ecrofhours reads.

Only what a bench session needs: one getinfo, then execute chunks until one is ``finished``.
"""
import csv
import io
import json
import sys
from itertools import repeat
from operator import add

OUTPUT_FIELDS = (
    "off_hours", "off_hours_reason", "local_time", "local_hour", "local_wday",
    "holiday_name", "minutes_outside", "bh_profile", "bh_tz", "bh_error",
)
# Typical values of the output fields, in their order.
VALUES = ["1", "after_hours", "2021-08-18T23:17:30+00:00", "23", "wednesday", "", "198", "utc", "UTC", ""]


def read_chunk(stream):
    """``(metadata, body text)`` of the next request, or None at the end of the input."""
    header = stream.readline()
    if not header:
        return None
    sizes = header.rstrip(b"\n").split(b",")
    metadata = json.loads(stream.read(int(sizes[1])))
    return metadata, stream.read(int(sizes[2])).decode("utf-8")


def write_chunk(stream, metadata, body=""):
    meta = json.dumps(metadata, separators=(",", ":")).encode("utf-8")
    data = body.encode("utf-8")
    stream.write(b"chunked 1.0,%d,%d\n" % (len(meta), len(data)) + meta + data)
    stream.flush()


def required_fields(args):
    """The fields ecrofhours declares for these arguments."""
    options = dict(arg.split("=", 1) for arg in args if "=" in arg)
    return [options.get("timefield", "_time")] + [options[k] for k in ("tzfield", "profilefield") if k in options]


def main(stdin, stdout):
    request = read_chunk(stdin)
    if request is None:
        return
    args = request[0].get("searchinfo", {}).get("args", [])
    write_chunk(stdout, {"type": "streaming", "required_fields": required_fields(args)})
    while True:
        request = read_chunk(stdin)
        if request is None:
            return
        metadata, body = request
        output = io.StringIO()
        if body:
            rows = csv.reader(io.StringIO(body))
            header = next(rows, None)
            if header is not None:
                writer = csv.writer(output, lineterminator="\n")
                writer.writerow(header + list(OUTPUT_FIELDS))
                writer.writerows(map(add, rows, repeat(VALUES)))
        finished = metadata.get("finished") is True
        write_chunk(stdout, {"finished": finished}, output.getvalue())
        if finished:
            return


if __name__ == "__main__":
    main(sys.stdin.buffer, sys.stdout.buffer)
