"""Every private name of splunklib the commands use, in one room, behind a version guard.

splunklib's public API reads each row into a dictionary and writes it back field by field,
reports an unknown option in its own words, shows the user a file and line for any error,
and stops on a NUL character under Python 3.9. The commands do better by overriding a few
private methods and touching the record writer's private state. Those names change between
releases (``_pending_record_count`` was ``_record_count`` in splunk-sdk 1.6), so:

- every one of them is listed in :data:`PRIVATE_NAMES` and used only in this module;
- they are used only on the splunk-sdk versions in :data:`PROVEN_VERSIONS`, where the tests
  prove each output the same records as splunklib's own path gives; on any other version
  (or if a name is missing) :data:`USE_PRIVATE` is False, every override below hands over to
  splunklib unchanged, and search.log gets one line saying so.
"""
import contextlib
import csv
import gc
import os
import sys

import splunklib
from splunklib.searchcommands import StreamingCommand, dispatch
from splunklib.searchcommands import internals as _internals
from splunklib.searchcommands import search_command as _search_command
from splunklib.searchcommands.environment import splunklib_logger

from . import wire
from .pipes import SplunkdGone, SplunkdInput, SplunkdOutput

PROVEN_VERSIONS = ("2.1.1", "3.0.1")
# "<module or class>.<name>" of every private name this module touches.
PRIVATE_NAMES = (
    "SearchCommand._protocol_v2_option_parser",
    "SearchCommand._read_chunk",
    "SearchCommand._report_unexpected_error",
    "SearchCommand._read_csv_records",
    "SearchCommand._execute_chunk_v2",
    "SearchCommand._record_writer",
    "SearchCommand._metadata",
    "SearchCommand._decode_list",
    "RecordWriter._buffer",
    "RecordWriter._fieldnames",
    "RecordWriter._writer",
    "RecordWriter._pending_record_count",
    "RecordWriter._writerow",
    "RecordWriter.custom_fields",
    "internals.CsvDialect",
)


def _installed_version():
    """splunklib's version: its ``__version__`` (splunk-sdk 2), else the name of the
    ``splunk_sdk-<version>.dist-info`` folder beside it (splunk-sdk 3 has no attribute)."""
    version = getattr(splunklib, "__version__", None)
    if version:
        return version
    folder = os.path.dirname(os.path.dirname(os.path.abspath(splunklib.__file__)))
    try:
        names = os.listdir(folder)
    except OSError:
        return "unknown"
    found = [name[len("splunk_sdk-"):-len(".dist-info")] for name in names
             if name.startswith("splunk_sdk-") and name.endswith(".dist-info")]
    return found[0] if len(found) == 1 else "unknown"


SDK_VERSION = _installed_version()


def missing_names():
    """The names of :data:`PRIVATE_NAMES` that the installed splunklib lacks."""
    command = _search_command.SearchCommand()
    writer = _internals.RecordWriterV2(None)
    owners = {"SearchCommand": (_search_command.SearchCommand, command.__dict__),
              "RecordWriter": (_internals.RecordWriterV2, writer.__dict__), "internals": (_internals, {})}
    missing = []
    for qualified in PRIVATE_NAMES:
        owner, name = qualified.split(".")
        kind, attributes = owners[owner]
        if not (hasattr(kind, name) or name in attributes):
            missing.append(qualified)
    return missing


def _decide():
    if SDK_VERSION not in PROVEN_VERSIONS:
        return False, f"splunk-sdk {SDK_VERSION} is not one the commands are proven on ({', '.join(PROVEN_VERSIONS)})"
    missing = missing_names()
    if missing:
        return False, f"splunk-sdk {SDK_VERSION} lacks {', '.join(missing)}"
    return True, None


USE_PRIVATE, WHY_PUBLIC = _decide()
# Objects made and not yet freed between two collections of the youngest generation, once
# execution starts (Python's default is 700; 2,000 from 3.13).
YOUNG_OBJECTS = 50_000
CSV_DIALECT = getattr(_internals, "CsvDialect", csv.excel)


def note_public_path():
    """One line in search.log when the guard keeps splunklib's public path."""
    if not USE_PRIVATE:
        splunklib_logger.warning("ecrofhours: %s: using splunklib's public record path (slower)", WHY_PUBLIC)


class FieldTooLarge(Exception):
    """An event's field is longer than splunklib's CSV reader accepts; the message says which."""


class ReplyBuffer:
    """splunklib's reply buffer (``RecordWriter._buffer``) as a list of texts.

    splunklib writes each reply into an ``io.StringIO`` and empties it with ``seek(0)`` and
    ``truncate()``, which makes the StringIO copy what it holds at four bytes a character
    first: 18 MB for the reply to a 50,000-event chunk of a few fields, most of the command's
    peak memory. Here a reply is its texts until splunklib takes it (``getvalue``, one copy).
    It does only what splunklib and this module do with the buffer: write at the end, tell a
    position (counted in writes), seek to a position told and truncate there.
    """

    __slots__ = ("_texts", "_position", "write")

    def __init__(self):
        self._texts = []
        self._position = 0
        self.write = self._texts.append  # what csv.writer calls per row: no Python frame

    @classmethod
    def install(cls, writer):
        """Put an empty one in place of splunklib ``writer``'s buffer, its CSV writer with it."""
        writer._buffer = buffer = cls()
        writer._writer = csv.writer(buffer, dialect=CSV_DIALECT)
        writer._writerow = writer._writer.writerow

    def writelines(self, texts):
        self._texts.extend(texts)

    def getvalue(self):
        return "".join(self._texts)

    def tell(self):
        return len(self._texts)

    def seek(self, position):
        self._position = position
        return position

    def truncate(self):
        del self._texts[self._position:]


class CommandBase:
    """What every command of the app does the same way, mixed in before splunklib's class.

    - Options: only the names in ``OPTIONS``; anything else comes back as a positional
      argument, which :meth:`reject_arguments` reports with the usage (splunklib's
      ``record=`` and ``show_configuration=`` included).
    - Messages: splunklib ``str.format()``s them; braces in a value stay text here.
    - Errors: the user sees what happened, never a file or line (those go to search.log);
      splunkd closing a pipe is one line in search.log.
    """

    COMMAND = ""   # the command's name in commands.conf, for messages
    OPTIONS = ()   # the option names the command takes
    USAGE = ""     # its syntax, shown with an unknown option

    def _protocol_v2_option_parser(self, arg):
        if not USE_PRIVATE:
            return super()._protocol_v2_option_parser(arg)
        name, equals, value = arg.partition("=")
        if equals and name in self.OPTIONS:
            return name, value
        return (arg,)

    def reject_arguments(self):
        """Stop with one message for the first unknown option or stray argument."""
        for arg in self.fieldnames:
            from offhours.quoting import quote  # the engine's bounded echo, loaded only for this message

            name, equals, _ = arg.partition("=")
            problem = f"Unknown option {quote(name)}" if equals else f"Unexpected argument {quote(arg)}"
            self.fail(f"{problem}. Usage: {self.USAGE}")

    def fail(self, message):
        self.write_error(message)
        sys.exit(1)

    @property
    def username(self):
        """The searching user, from splunkd's getinfo (None when it does not say)."""
        return getattr(getattr(self.metadata, "searchinfo", None), "username", None)

    def write_error(self, message, *args):
        super().write_error("{}", message.format(*args) if args else message)

    def write_warning(self, message, *args):
        super().write_warning("{}", message.format(*args) if args else message)

    def _read_chunk(self, istream):
        # splunkd going away inside a chunk or before getinfo is no error of the search.
        if not USE_PRIVATE:
            return super()._read_chunk(istream)
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
        if not USE_PRIVATE:
            return super()._report_unexpected_error()
        _, error, trace = sys.exc_info()
        if isinstance(error, SplunkdGone):
            report_gone(self.COMMAND, error)  # splunklib then finishes and exits 1
            return None
        import traceback

        splunklib_logger.error("%s failed: %s: %s\nTraceback:\n%s", self.COMMAND, type(error).__name__, error,
                               "".join(traceback.format_tb(trace)))
        self.write_error(str(error) if isinstance(error, FieldTooLarge) else
                         f"{self.COMMAND} stopped on an internal error ({type(error).__name__}); "
                         "the details are in search.log (Job > Inspect Job)")
        return None

    def finish(self):
        # splunklib finishes after reporting an error; if splunkd has gone, nobody reads it.
        with contextlib.suppress(SplunkdGone):
            super().finish()


class AnnotatingCommand(CommandBase):
    """A streaming command that adds fields to each record through an ``annotator``
    (:class:`offhours.Annotator`): a chunk laid out as splunkd writes it goes back as its own
    lines with the fields appended (:func:`chunked.wire.appended_reply`), the records
    splunklib would write; anything else through ``stream()``.

    The command sets ``self.annotator`` in ``prepare()`` and implements ``stream()`` with
    :meth:`annotated_records` (the same rule for splunklib's dictionaries).
    """

    annotator = None
    _executing = False  # whether the first execute chunk has set the process up (_start_executing)
    _appended_text = None  # the search's chunk.wire.AppendedText, by chunk layout

    def annotated_records(self, records):
        """splunklib's records, annotated; then the search's warnings."""
        annotator = self.annotator
        for record in records:
            values = annotator.record_values(*(record.get(field) if field else None
                                               for field in annotator.input_fields))
            if not annotator.drops(values):
                record.update(zip(annotator.output_fields, values))
                yield record
        self.write_warnings()

    def write_warnings(self):
        for warning in self.annotator.take_warnings():
            self.write_warning(warning)

    def _read_csv_records(self, ifile):
        # The generic record path: splunklib's reader, NUL-safe on Python 3.9 as csv_rows is.
        if not USE_PRIVATE:
            return super()._read_csv_records(ifile)
        stand_in = None if wire.CSV_READS_NUL else wire.nul_stand_in(ifile.getvalue())
        if stand_in is None:
            return super()._read_csv_records(ifile)
        records = super()._read_csv_records(wire.lines(ifile.getvalue().replace("\0", stand_in)))
        return ({wire.with_nul(name, stand_in): wire.with_nul(value, stand_in) for name, value in record.items()}
                for record in records)

    def _execute_chunk_v2(self, process, chunk):
        if not self._executing:
            self._start_executing()
        if not USE_PRIVATE:
            return super()._execute_chunk_v2(process, chunk)
        try:
            if not (chunk[1] and self._write_rows(chunk[1])):
                super()._execute_chunk_v2(process, chunk)
        except csv.Error as error:
            if "field limit" not in str(error):
                raise
            from offhours.quoting import quote

            message = wire.oversized_field_message(chunk[1], CSV_DIALECT, csv.field_size_limit(), quote)
            raise FieldTooLarge(message) from error
        self.write_warnings()
        return None

    def _start_executing(self):
        """Once, at the first execute chunk (getinfo probes never get here)."""
        # What start-up made (modules, profiles, calendars) lives as long as the search:
        # the collector need not walk it again at every collection of the events' objects.
        gc.freeze()
        # Those objects (rows, fields) are freed as soon as they are written, by reference
        # counting; a collection at every 700 of them only walks them: a seventh of the
        # engine's time on the worst bench workload. Cycles are still collected, later.
        gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
        if USE_PRIVATE:
            ReplyBuffer.install(self._record_writer)
        self._executing = True

    def _write_rows(self, body):
        """Annotate a chunk's rows into the record writer; False (nothing written) to decline.

        Records go out in splunkd's own layout with the output fields appended
        (:func:`chunked.wire.appended_reply`); where that declines (an output field already
        present, a row of another width), as a dictionary-based command would write them
        (:func:`chunked.wire.annotated_rows`); where that declines too, through splunklib.
        """
        writer = self._record_writer
        if writer._fieldnames is not None or writer.custom_fields:
            return False
        if self._appended_text is None:
            self._appended_text = {}
        try:
            reply = wire.appended_reply(self.annotator, body, CSV_DIALECT, StreamingCommand._decode_list,
                                        self._appended_text)
        except wire.Decline:
            return self._write_annotated_rows(body)
        if reply is None:
            return False
        lines, count, names = reply
        if count:
            writer._buffer.writelines(lines)
            self._wrote(names, count)
        return True

    def _write_annotated_rows(self, body):
        writer = self._record_writer
        reader = wire.csv_rows(body, CSV_DIALECT)
        header = next(reader, None)
        names = wire.plain_columns(header) if header is not None else None
        if names is None:
            return header is None or next(reader, None) is None  # no records: splunklib writes nothing
        first = next(reader, None)
        if first is None:
            return True
        counter = [0]
        buffer = writer._buffer
        mark = buffer.tell()
        try:
            writer._writer.writerows(wire.annotated_rows(self.annotator, first, reader, names,
                                                         StreamingCommand._decode_list, counter))
        except wire.Decline:
            buffer.seek(mark)
            buffer.truncate()
            return False
        if counter[0]:
            self._wrote(names, counter[0])
        return True

    def _wrote(self, names, count):
        """Tell splunklib's record writer what the rows just written hold."""
        writer = self._record_writer
        writer._fieldnames = wire.output_columns(names, self.annotator.output_fields)
        writer._pending_record_count += count


def report_gone(command, gone):
    """One line for search.log, not splunklib's traceback and error chunk."""
    splunklib_logger.warning("%s stopped: %s", command, gone)


def serve(command_class, module_name):
    """Run ``command_class`` on the process's pipes, as splunkd starts it (no arguments)."""
    note_public_path()
    stdout = getattr(sys.stdout.buffer, "raw", sys.stdout.buffer)  # FileIO already if PYTHONUNBUFFERED is set
    try:
        dispatch(command_class, sys.argv, SplunkdInput(sys.stdin.buffer), SplunkdOutput(stdout), module_name,
                 allow_empty_input=True)
    except SplunkdGone as gone:  # outside splunklib's own error handling: the getinfo reply
        report_gone(command_class.COMMAND, gone)
        sys.exit(1)
