"""The chunk's CSV as splunkd writes it, and rows annotated without a dictionary per event.

splunkd's CSV has each plain column once, then one ``__mv_<name>`` column each in the same
order; a multivalue is its newline-joined text plus ``$a$;$b$`` in the ``__mv_`` column. A
generic command reads every row into a dictionary and writes it back field by field; here
rows stay lists of cells from CSV reader to CSV writer, with the cells such a command would
write: every input column (a multivalue decoded and encoded again), then the output fields.

>>> from offhours import Annotator
>>> from offhours.conffile import read_conf_text
>>> from offhours.holidays import HolidayCatalog
>>> from offhours.profiles import ProfileBook
>>> book = ProfileBook(read_conf_text("[profile:utc]\\nhours = mon-fri 08:00-20:00\\n", "default/x.conf"),
...                    HolidayCatalog("/nonexistent"))
>>> names = plain_columns(["_time", "host", "__mv__time", "__mv_host"])
>>> counter = [0]
>>> rows = annotated_rows(Annotator(book, {"profile": "utc"}), ["1629328650", "h1", "", ""], [], names, None, counter)
>>> next(rows)[:6]                                    # the reply's header comes first
['_time', '__mv__time', 'host', '__mv_host', 'off_hours', '__mv_off_hours']
>>> next(rows)[:9], counter
(['1629328650', '', 'h1', '', '1', None, 'after_hours', None, '2021-08-18T23:17:30+00:00'], [1])
"""
import csv
import sys
from io import StringIO
from itertools import chain
from operator import itemgetter


MV_PREFIX = "__mv_"
_SMALL_TEXT = 4 << 20  # characters; StringIO takes up to four bytes each, lines() none
# Python 3.11 and later read NUL in CSV; earlier ones stop with "line contains NUL".
CSV_READS_NUL = sys.version_info >= (3, 11)


class Decline(Exception):
    """These rows need a generic reader: raised before the first output row."""


def plain_columns(header):
    """The field names of a header laid out as splunkd writes it, else None."""
    n, odd = divmod(len(header), 2)
    names = header[:n]
    if odd or not n or len(set(names)) != n or any(name.startswith(MV_PREFIX) for name in names):
        return None
    if header[n:] != [MV_PREFIX + name for name in names]:
        return None
    return names


def lines(text):
    """The lines of ``text`` as ``io.StringIO(text)`` yields them, without its copy of the
    text (four bytes a character: 150 MB for 50,000 events with all their fields)."""
    find, start = text.find, 0
    end = find("\n") + 1
    while end:
        yield text[start:end]
        start, end = end, find("\n", end) + 1
    if start < len(text):
        yield text[start:]


def csv_rows(text, dialect):
    """The rows of CSV ``text`` as lists of cells, NUL characters included.

    Before Python 3.11, ``csv.reader`` stops at a NUL ("line contains NUL"), which would
    stop the search and lose every event in it. There a NUL is read as a character ``text``
    lacks instead, and each cell gets its NULs back.

    >>> list(csv_rows('a,"b\\x00c"\\r\\n\\x00,d\\r\\n', csv.excel))
    [['a', 'b\\x00c'], ['\\x00', 'd']]
    """
    stand_in = None if CSV_READS_NUL else nul_stand_in(text)
    if stand_in is None:
        return csv.reader(StringIO(text) if len(text) < _SMALL_TEXT else lines(text), dialect)
    rows = csv.reader(lines(text.replace("\0", stand_in)), dialect)
    return (with_nul(row, stand_in) for row in rows)


def nul_stand_in(text):
    """None if ``text`` has no NUL, else a character it lacks, to be read in NUL's place: a
    lone surrogate, which text decoded from UTF-8 (as splunklib decodes a chunk) never holds.

    >>> nul_stand_in("a"), nul_stand_in("a\\x00"), nul_stand_in("\\x00\\ud800")
    (None, '\\ud800', '\\ud801')
    """
    if "\0" not in text:
        return None
    return next(char for char in map(chr, range(0xD800, 0x110000)) if char not in text)


def with_nul(value, stand_in):
    """``value`` (text or a list of texts) with ``stand_in`` read back as NUL."""
    if isinstance(value, str):
        return value.replace(stand_in, "\0")
    return [item.replace(stand_in, "\0") for item in value]


def output_columns(names, output_fields):
    """The reply's field names for input fields ``names``: those, then the output fields."""
    return names + [name for name in output_fields if name not in names]


def annotated_rows(annotator, first, rest, names, decode, counter):
    """The reply's header, then one row per record kept (``annotator.only``), for records
    ``first`` and the rows of ``rest`` under the columns ``names``; ``counter[0]`` counts
    the rows (header excluded).

    Each row has every input column, as a dictionary-based command would write it back,
    then the output fields (a field already present keeps its column); ``None`` is an empty
    cell. A row is one list, reused. ``decode`` turns an ``__mv_`` cell into its values.
    A record shorter than ``names`` before the first row out raises :class:`Decline`
    (a dictionary-based command would take the reply's header from it); later, absent cells
    are empty, as they are for such a command. Extra cells are dropped.
    """
    values_of, drops = annotator.values, annotator.drops
    n = len(names)
    width = 2 * n
    blank = [""] * n
    time_at, tz_at, profile_at = (names.index(field) if field in names else -1 for field in annotator.input_fields)
    fields = annotator.output_fields
    output = output_columns(names, fields)
    own = [(2 * names.index(name), k) for k, name in enumerate(fields) if name in names]
    new = [k for k, name in enumerate(fields) if name not in names]
    row = [None] * (2 * len(output))
    header = [cell for name in output for cell in (name, MV_PREFIX + name)]
    for cells in chain((first,), rest):
        if len(cells) != width:
            if len(cells) < n and header is not None:
                raise Decline
            cells = (cells + blank + blank)[:width]
        plain, multi = cells[:n], cells[n:]
        texts = plain
        if multi != blank:
            plain, multi, texts = _multivalues(plain, multi, decode)
        values = values_of(
            texts[time_at] if time_at >= 0 else None,
            texts[tz_at] if tz_at >= 0 else None,
            texts[profile_at] if profile_at >= 0 else None,
        )
        if drops(values):
            continue
        row[0:width:2] = plain
        row[1:width:2] = multi
        if own:
            for position, k in own:
                row[position], row[position + 1] = values[k], None
            row[width::2] = [values[k] for k in new]
        else:
            row[width::2] = values
        if header is not None:
            yield header
            header = None
        counter[0] += 1
        yield row


class LineBlocks:
    """The lines of a chunk's ``text`` without their line feeds, split a block of about
    :data:`BLOCK` characters at a time, so that a chunk's lines are never all objects at once.

    Iterating gives every line (``csv.reader`` takes them so, at C speed: a value holding a
    line feed loses it, and :meth:`text_of` gives such a record's text to read again). While
    a block's lines are being read, ``block``, ``first`` and ``after`` are its lines, its first
    line's number and the number after its last. A block ends at a line feed where the quote
    characters since the start of the text are even, as at the end of every record of CSV
    written as splunkd writes it, so such a record is never split between two blocks.
    """

    __slots__ = ("_text", "_ends_with_line_feed", "block", "first", "after", "_last")

    def __init__(self, text):
        self._text = text
        self._ends_with_line_feed = text.endswith("\n")
        self.block, self.first, self.after, self._last = [], 0, 0, True

    def __iter__(self):
        return chain.from_iterable(self._blocks())

    def _blocks(self):
        text = self._text
        end = len(text) - 1 if self._ends_with_line_feed else len(text)  # that line feed ends the last line
        start = 0 if text else end + 1
        while start <= end:  # "\n" is one empty line
            stop = text.find("\n", min(start + BLOCK, end))
            stop = end if stop < 0 else stop
            quotes = text.count('"', start, stop)
            while quotes % 2 and stop < end:  # inside a quoted value: on to the next line feed
                following = text.find("\n", stop + 1)
                following = end if following < 0 else following
                quotes += text.count('"', stop, following)
                stop = following
            self.block = text[start:stop].split("\n")
            self.first, self.after, self._last = self.after, self.after + len(self.block), stop == end
            yield self.block
            start = stop + 1

    def text_of(self, first, after):
        """The text of lines ``first`` to ``after - 1`` (of the current block), each with
        the line feed after it in the text; raises :class:`Decline` for lines of an earlier
        block (a record split between blocks: only where stray quotes in unquoted values
        made the count of quotes mislead)."""
        if first < self.first:
            raise Decline
        text = "\n".join(self.block[first - self.first:after - self.first])
        if after == self.after and self._last and not self._ends_with_line_feed:
            return text  # the text's last line, with none
        return text + "\n"


# Characters in a block of lines (LineBlocks): a few thousand short records.
BLOCK = 1 << 16


def appended_reply(annotator, text, dialect, decode, caches):
    """``(lines, count, names)``: the reply to chunk ``text`` (CSV in ``dialect``, laid out as
    splunkd writes it) with the output fields appended, as lines of CSV text (header first,
    none without a record kept), the records kept (``annotator.only``) and the chunk's plain
    columns; ``None`` for a chunk in another layout (or no header). ``caches`` (a dict kept
    for the whole search) holds the :class:`AppendedText` of each chunk layout met.

    The layout splunkd itself writes, as in Splunk 8.2.1's recorded doubleage session: the
    plain columns (the input's, then the output fields), then their ``__mv_`` columns (the
    input's as they came, the output fields' empty). A record on one line whose ``__mv_``
    cells are all empty ends in exactly one comma per plain column: its reply line is that
    line with the comma run replaced by the output fields' text, the very cells splunkd sent
    and no CSV written per cell. Any other record (a multivalue, a value with a line break) is
    read whole and written cell by cell, a multivalue with the bytes splunkd sent.

    The output fields are looked up by the cells the annotator reads
    (:class:`AppendedText`), so an event whose time, zone and profile cells were met just
    before costs a dictionary lookup. The first :data:`SAMPLE` records of a chunk decide
    whether its other records use that cache: where nearly every lookup misses (each event in
    a second of its own), they skip it.

    Raises :class:`Decline` for a NUL before Python 3.11 (only :func:`csv_rows` reads it),
    when an output field is among the columns (it keeps its own: :func:`annotated_rows`) or at
    a record of another width than the header's.
    """
    if not CSV_READS_NUL and "\0" in text:
        raise Decline
    source = LineBlocks(text)
    reader = csv.reader(source, dialect)  # lines without their line feeds: see LineBlocks
    header = next(reader, None)
    names = plain_columns(header) if header is not None and reader.line_num == 1 else None
    if names is None:
        return None
    if any(name in names for name in annotator.output_fields):
        raise Decline
    n = len(names)
    width = 2 * n
    read = [names.index(field) if field in names else -1 for field in annotator.input_fields]
    plain_at = [at for at in read if at >= 0]
    present = tuple(at >= 0 for at in read)
    appended = caches.get((present, n))
    if appended is None:
        appended = caches[(present, n)] = AppendedText(annotator, present, n, dialect)
    # The key: a text for one read field, a tuple for several; () when the chunk has none.
    key = itemgetter(*plain_at) if plain_at else (lambda row: ())
    empty_multivalues = "," * n  # how a line ends when its __mv_ cells are empty
    blocks = [None]  # the header's place, then the lines so far in texts of SAMPLE records each
    reply = []  # the lines since
    add_line = reply.append
    write_row = _line_writer(dialect, add_line)
    no_output_multivalues = [""] * len(annotator.output_fields)
    lookup, misses, count, seen, done = appended.__getitem__, appended.misses, 0, 0, reader.line_num
    block, first, after = source.block, source.first, source.after
    for row in reader:
        at = reader.line_num  # the record is lines done to at - 1
        if at > after:  # in the next block of lines
            block, first, after = source.block, source.first, source.after
        if at == done + 1 and len(row) == width:
            line = block[done - first]
            if line.endswith(empty_multivalues):
                tail = lookup(key(row))
                seen += 1
                if seen % SAMPLE == 0:
                    if seen == SAMPLE and appended.misses - misses > SAMPLE * 3 // 4:
                        lookup = appended.text  # the cache hardly ever hits: work out every record's
                    blocks.append("".join(reply))  # one text, not hundreds of objects
                    reply.clear()
                if tail is not None:
                    add_line(line[:-n] + tail)
                    count += 1
                done = at
                continue
        if at > done + 1:  # several lines, read without their line feeds: read them again whole
            row = next(csv.reader(lines(source.text_of(done, at)), dialect))
        if len(row) != width:
            raise Decline
        values = appended.of_texts(first_values(row, read, n, decode))
        if values is not None:
            row[n:n] = values
            row += no_output_multivalues
            write_row(row)
            count += 1
        done = at
    if not count:
        return [], 0, names
    output = list(annotator.output_fields)
    blocks[0] = _csv_line(names + output + [MV_PREFIX + name for name in names + output], dialect)
    blocks.append("".join(reply))
    return blocks, count, names


class _Sink:
    """A file for ``csv.writer`` whose writes go to a function."""

    __slots__ = ("write",)

    def __init__(self, write):
        self.write = write


def _line_writer(dialect, add_line):
    """A function that gives ``add_line`` each row it is called with as one CSV line in
    ``dialect`` ended by a line feed, as splunkd ends its lines. The writer itself ends lines
    with ``\r\n``, so that it quotes a value holding either character."""
    return csv.writer(_Sink(lambda line: add_line(line[:-2] + "\n")), dialect, lineterminator="\r\n").writerow


def _csv_line(cells, dialect):
    """One CSV line of ``cells`` in ``dialect``, ended by a line feed."""
    lines = []
    _line_writer(dialect, lines.append)(cells)
    return lines[0]


def first_values(row, read, n, decode):
    """What the command reads of the fields at columns ``read`` (-1: absent, None) of a row of
    ``n`` fields: a multivalue field's first value."""
    texts = []
    for at in read:
        if at < 0:
            texts.append(None)
        elif row[n + at]:
            items = decode(row[n + at])
            texts.append(items[0] if items else "")
        else:
            texts.append(row[at])
    return texts


# Records at the start of each chunk that go through the cache, to see whether it hits.
SAMPLE = 256
# Output fields remembered per chunk layout. A search's events come in time order, so an
# event's second (and zone) repeat in runs: a few recent ones give every hit a larger cache
# gives. A larger one costs peak memory, since each entry, made among the rows, keeps allocator
# pages from being reused: on the dense bench workload under Python 3.9, 128 entries added
# 0.9 MiB of peak RSS and 1,024 added 6 MiB (tools/run/bench.py).
REMEMBERED = 16


class AppendedText(dict):
    """What :func:`appended_reply` puts after a record's plain cells, by the cells of the read
    fields ``present`` in a chunk of ``n`` plain columns (a text for one field, else a tuple):
    a comma, the output fields as CSV in ``dialect``, their and the input's empty ``__mv_``
    cells and the line feed; None for a record that ``only=true`` drops. :attr:`text` works
    it out uncached; :meth:`of_texts` gives the fields themselves.

    Bounded as every per-value cache (:func:`offhours.caching.remember`), to
    :data:`REMEMBERED` entries: emptied when full, and a key holding a cell longer than a
    real value is never kept. ``misses`` counts the lookups that missed.
    """

    __slots__ = ("_annotator", "_remember", "_longest", "misses", "text")

    def __init__(self, annotator, present, n, dialect):
        super().__init__()
        # The engine's rule for bounded caches, loaded with the engine: the app's other
        # commands (ecrofhoursinfo) use this module without it.
        from offhours.caching import MAX_KEY_LENGTH, remember

        self._remember, self._longest = remember, MAX_KEY_LENGTH
        self._annotator = annotator
        self.misses = 0
        values_of = self._values_of_key(annotator, present)
        drops = annotator.drops if annotator.only else None
        count = len(annotator.output_fields)
        separators = count - 1
        multivalues = "," * (n + count) + "\n"

        def text(key):
            values = values_of(key)
            if drops is not None and drops(values):
                return None
            joined = ",".join(values)
            if joined.count(",") != separators or '"' in joined or "\n" in joined or "\r" in joined:
                joined = _csv_line(values, dialect)[:-1]  # a value CSV must quote
            return "," + joined + multivalues
        self.text = text

    @staticmethod
    def _values_of_key(annotator, present):
        """The annotator's output fields for a key, as directly as its layout allows."""
        if present == (True, False, False):
            return annotator.values_of_time()  # the key is the time text
        if present == (True, True, False):
            values = annotator.values
            return lambda key: values(*key)  # the time's and the zone's text

        def values_of(key):
            parts = iter((key,) if type(key) is str else key)
            return annotator.values(*[next(parts) if there else None for there in present])
        return values_of

    def of_texts(self, texts):
        """The fields for the read fields' values ``texts`` (None: absent); None when
        ``only=true`` drops the event."""
        return _kept(self._annotator.values(*texts), self._annotator.drops)

    def __missing__(self, key):
        self.misses += 1
        text = self.text(key)
        if type(key) is str or max(map(len, key), default=0) <= self._longest:
            self._remember(self, key, text, REMEMBERED)  # a text key: remember checks its length
        return text


def _kept(values, drops):
    """``values``, or None when ``drops`` says ``only=true`` leaves the event out."""
    return None if drops(values) else values


def _multivalues(plain, multi, decode):
    """``(plain cells, __mv_ cells, texts)`` of a row with ``__mv_`` values: each such field
    read as its list of values and written back (one value: plain; several: joined text and
    ``$a$;$b$``); ``texts`` holds what the command reads of a field: its first value."""
    plain, multi, texts = list(plain), list(multi), list(plain)
    for i, encoded in enumerate(multi):
        if encoded:
            items = decode(encoded)
            texts[i] = items[0] if items else ""
            if len(items) > 1:
                plain[i] = "\n".join(items)
                multi[i] = "$" + "$;$".join(item.replace("$", "$$") for item in items) + "$"
            else:
                plain[i] = texts[i]
                multi[i] = ""
    return plain, multi, texts


def oversized_field_message(body, dialect, limit, quote):
    """The user's message for a chunk ``body`` with a cell over the csv module's field
    ``limit``: which field (``quote`` bounds its name), how long, and what to do (never a
    path or a traceback)."""
    previous = csv.field_size_limit(max(limit, len(body)))  # no cell is longer than the chunk
    try:
        rows = csv_rows(body, dialect)
        header = next(rows, [])
        where = next((("field name", len(name)) for name in header if len(name) > limit), None)
        for row in rows if where is None else ():
            where = next(((f"field {quote(name[len(MV_PREFIX):] if name.startswith(MV_PREFIX) else name)}",
                           len(cell)) for name, cell in zip(header, row) if len(cell) > limit), None)
            if where:
                break
    finally:
        csv.field_size_limit(previous)
    what, size = where or ("a field", None)
    held = f"holds {size:,} characters" if size else "is too long"
    return (f"An event's {what} {held}, more than the {limit:,} characters ({limit / 2**20:g} MiB) "
            "splunklib's CSV reader accepts: ecrofhours stopped. Shorten or drop that field before "
            "ecrofhours (| eval <field>=substr(<field>, 1, 100000) or | fields - <field>).")
