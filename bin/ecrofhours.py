"""ecrofhours: mark each event inside or outside business hours, with the reason.

A thin adapter between splunklib's chunked protocol and the ``offhours`` engine in ``lib/``.

    index=aws sourcetype=aws:cloudtrail eventSource=ecr.amazonaws.com eventName=PutImage
    | ecrofhours tz=Europe/Berlin hours="mon-fri 08:00-18:00"
    | where off_hours=1
    | table _time userIdentity.arn off_hours_reason local_time bh_tz
"""
import contextlib
import csv
import os
import sys
import traceback

APP_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The app's lib/ goes first: Splunk's own site-packages may hold an older pytz.
sys.path.insert(0, os.path.join(APP_DIR, "lib"))

from offhours import OPTIONS, Annotator, OptionError, ProfileError, open_profiles  # noqa: E402
from offhours.quoting import quote  # noqa: E402
from splunklib.searchcommands import Configuration, Option, StreamingCommand, dispatch  # noqa: E402
from splunklib.searchcommands.environment import splunklib_logger  # noqa: E402
from splunklib.searchcommands.internals import CsvDialect  # noqa: E402

_USAGE = (
    "ecrofhours [profile=<name>] [tz=<zone>] [locale=<ll_CC|CC>] [hours=\"<spec>\"] "
    "[holidays=\"<calendars>\"] [tzfield=<field>] [profilefield=<field>] [timefield=<field>] "
    "[timeunit=auto|s|ms|us|ns] [only=<bool>]"
)


class SplunkdGone(Exception):
    """splunkd closed a pipe to the command: nothing more can reach the search, so stop."""


class FieldTooLarge(Exception):
    """An event's field is longer than splunklib's CSV reader accepts; the message says which."""


def _oversized_field(body):
    """The user's message for a chunk with a CSV cell over the csv module's field limit."""
    from offhours.rows import csv_rows

    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(body)))  # no cell is longer than the chunk
    try:
        rows = csv_rows(body, CsvDialect)
        header = next(rows, [])
        where = next((("field name", len(name)) for name in header if len(name) > limit), None)
        for row in rows if where is None else ():
            where = next(((f"field {quote(name[5:] if name.startswith('__mv_') else name)}", len(cell))
                          for name, cell in zip(header, row) if len(cell) > limit), None)
            if where:
                break
    finally:
        csv.field_size_limit(limit)
    what, size = where or ("a field", None)
    held = f"holds {size:,} characters" if size else "is too long"
    return (f"An event's {what} {held}, more than the {limit:,} characters ({limit / 2**20:g} MiB) "
            "splunklib's CSV reader accepts: ecrofhours stopped. Shorten or drop that field before "
            "ecrofhours (| eval <field>=substr(<field>, 1, 100000) or | fields - <field>).")


class SplunkdInput:
    """The command's binary standard input, noting a read cut short by its end: splunkd went
    away inside a chunk (a whole chunk ends with its last byte, never short of it)."""

    def __init__(self, stream):
        self._stream = stream
        self.cut = False

    def read(self, size=-1):
        data = self._stream.read(size)
        self.cut = self.cut or 0 < size != len(data)
        return data

    def readline(self):
        line = self._stream.readline()
        self.cut = self.cut or (line != b"" and not line.endswith(b"\n"))
        return line


class SplunkdOutput:
    """The command's raw standard output. Unbuffered, so that once splunkd has closed it no
    data is left for Python to fail flushing at exit; later writes are dropped."""

    def __init__(self, raw):
        self._raw = raw
        self.closed_by_splunkd = False

    def write(self, data):
        if self.closed_by_splunkd:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[self._raw.write(view):]
        except BrokenPipeError:
            self.closed_by_splunkd = True
            raise SplunkdGone("splunkd closed the command's output") from None

    def flush(self):
        """Nothing is buffered."""


def _username(command):
    """The searching user (splunkd's getinfo searchinfo), to report their private lookups."""
    searchinfo = getattr(command._metadata, "searchinfo", None)
    return getattr(searchinfo, "username", None)


def _report_gone(gone):
    """One line for search.log, not splunklib's traceback and error chunk."""
    splunklib_logger.warning("ecrofhours stopped: %s", gone)


@Configuration()
class EcrOffHoursCommand(StreamingCommand):
    """Adds off_hours, off_hours_reason, local_time and the other explanation fields.

    Options have no splunklib validators: ``prepare`` validates them all, so each error
    names the option and its accepted form.
    """

    profile = Option(doc="Profile name from ecrofhours.conf")
    tz = Option(doc="IANA time zone or ±HH:MM, overriding the profile's")
    locale = Option(doc="ll_CC or CC, overriding the profile's")
    hours = Option(doc="Business hours spec, overriding the profile's")
    holidays = Option(doc="Holiday calendars or none, overriding the profile's")
    tzfield = Option(doc="Field with a per-event time zone")
    profilefield = Option(doc="Field with a per-event profile name")
    timefield = Option(doc="Field with the event time (default _time)")
    timeunit = Option(doc="Epoch unit: auto, s, ms, us or ns")
    only = Option(doc="Pass on only off-hours (and undecidable) events")

    def _protocol_v2_option_parser(self, arg):
        # Anything but our own options (splunklib's record=, show_configuration= too)
        # comes back as a positional argument, which prepare() reports clearly.
        name, equals, value = arg.partition("=")
        if equals and name in OPTIONS:
            return name, value
        return (arg,)

    def prepare(self):
        for arg in self.fieldnames:
            name, equals, _ = arg.partition("=")
            problem = f"Unknown option {quote(name)}" if equals else f"Unexpected argument {quote(arg)}"
            self._fail(f"{problem}. Usage: {_USAGE}")
        given = {name: getattr(self, name) for name in OPTIONS if getattr(self, name) is not None}
        try:
            self._annotator = Annotator(open_profiles(APP_DIR, _username(self)), given)
        except (OptionError, ProfileError) as error:
            self._fail(str(error))
        self.configuration.required_fields = self._annotator.required_fields

    def _fail(self, message):
        self.write_error(message)
        sys.exit(1)

    # splunklib str.format()s a message: a value with braces in it would break the message.
    def write_error(self, message, *args):
        super().write_error("{}", message.format(*args) if args else message)

    def write_warning(self, message, *args):
        super().write_warning("{}", message.format(*args) if args else message)

    def _read_chunk(self, istream):
        # splunkd going away inside a chunk or before getinfo is no error of the search: one
        # line in search.log (_report_gone), not splunklib's traceback.
        try:
            chunk = super()._read_chunk(istream)
        except RuntimeError:
            if not getattr(istream, "cut", False):
                raise  # a malformed chunk: splunklib reports it
            chunk = None
        if getattr(istream, "cut", False):
            raise SplunkdGone("splunkd closed the command's input inside a chunk")
        if chunk is None and self._metadata is None:
            raise SplunkdGone("splunkd closed the command's input before getinfo")
        return chunk

    def _report_unexpected_error(self):
        # splunklib would show the user the file and line; they go to search.log only.
        _, error, trace = sys.exc_info()
        if isinstance(error, SplunkdGone):
            _report_gone(error)  # splunklib then finishes and exits 1
            return
        splunklib_logger.error("ecrofhours failed: %s: %s\nTraceback:\n%s", type(error).__name__, error,
                               "".join(traceback.format_tb(trace)))
        self.write_error(str(error) if isinstance(error, FieldTooLarge) else
                         f"ecrofhours stopped on an internal error ({type(error).__name__}); "
                         "the details are in search.log (Job > Inspect Job)")

    def _read_csv_records(self, ifile):
        # The generic record path (see _execute_chunk_v2): splunklib's reader, NUL-safe on
        # Python 3.9 as csv_rows is.
        from offhours import rows

        stand_in = None if rows.CSV_READS_NUL else rows.nul_stand_in(ifile.getvalue())
        if stand_in is None:
            return super()._read_csv_records(ifile)
        records = super()._read_csv_records(rows.lines(ifile.getvalue().replace("\0", stand_in)))
        return ({rows.with_nul(name, stand_in): rows.with_nul(value, stand_in) for name, value in record.items()}
                for record in records)

    def finish(self):
        # splunklib finishes after reporting an error; if splunkd has gone, nobody reads it.
        with contextlib.suppress(SplunkdGone):
            super().finish()

    def stream(self, records):
        annotator = self._annotator
        annotate = annotator.annotate
        timefield, tzfield, profilefield = annotator.timefield, annotator.tzfield, annotator.profilefield
        only = annotator.only
        for record in records:
            fields = annotate(
                record.get(timefield),
                record.get(tzfield) if tzfield else None,
                record.get(profilefield) if profilefield else None,
            )
            if only and fields["off_hours"] == "0":
                continue
            record.update(fields)
            yield record
        for warning in annotator.take_warnings():
            self.write_warning(warning)

    def _execute_chunk_v2(self, process, chunk):
        # splunklib reads each row into a dictionary and writes it back field by field, which
        # costs far more than the decision. Rows laid out as splunkd writes them go from
        # csv.reader to splunklib's own csv.writer as lists instead, as the bytes splunklib
        # would write; anything else goes through stream() above.
        try:
            if not (chunk[1] and self._write_rows(chunk[1])):
                super()._execute_chunk_v2(process, chunk)
        except csv.Error as error:
            if "field limit" not in str(error):
                raise
            raise FieldTooLarge(_oversized_field(chunk[1])) from error
        for warning in self._annotator.take_warnings():
            self.write_warning(warning)

    def _write_rows(self, body):
        """Annotate a chunk's rows into the record writer; False (nothing written) to decline."""
        from offhours.rows import Decline, annotated_rows, csv_rows, output_columns, plain_columns

        writer = self._record_writer
        if writer._fieldnames is not None or writer.custom_fields:
            return False
        reader = csv_rows(body, CsvDialect)
        header, first = next(reader, None), next(reader, None)
        if first is None:
            return True  # no records: splunklib writes nothing either
        names = plain_columns(header)
        if names is None:
            return False
        counter = [0]
        rows = annotated_rows(self._annotator, first, reader, names, StreamingCommand._decode_list, counter)
        try:
            writer._writer.writerows(rows)
        except Decline:
            return False  # raised before the first row
        if counter[0]:
            writer._fieldnames = output_columns(names)
            writer._pending_record_count += counter[0]
        return True


if __name__ == "__main__":
    stdout = getattr(sys.stdout.buffer, "raw", sys.stdout.buffer)  # FileIO already if PYTHONUNBUFFERED is set
    try:
        dispatch(EcrOffHoursCommand, sys.argv, SplunkdInput(sys.stdin.buffer), SplunkdOutput(stdout),
                 __name__, allow_empty_input=True)
    except SplunkdGone as gone:  # outside splunklib's own error handling: the getinfo reply
        _report_gone(gone)
        sys.exit(1)
