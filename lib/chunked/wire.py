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
from itertools import chain, compress, repeat
from operator import add, getitem, is_not, itemgetter


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


def text_blocks(text):
    """``text`` (a chunk) in blocks of whole lines, about :data:`BLOCK` characters each, without
    the line feed between two blocks or at the end: ``"\\n".join`` of the blocks is ``text``
    without its last line feed. A block ends at a line feed where its quote characters are
    even; as every block before it ends so too, the quote characters since the start of the
    text are even there, as at the end of every record of CSV written as splunkd writes it:
    such a record is never split between blocks.

    >>> list(text_blocks('a\\nb\\n')), list(text_blocks('\\n')), list(text_blocks(''))
    (['a\\nb'], [''], [])
    """
    end = len(text) - 1 if text.endswith("\n") else len(text)  # that line feed ends the last line
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
        yield text[start:stop]
        start = stop + 1


# Characters in a block of lines (text_blocks): a thousand or so short records. Of 2**14 to
# 2**18 on the bench workloads (tools/run/bench.py, Python 3.9), 2**15 was the fastest: larger
# blocks' lists of rows and fields no longer stay in the processor's caches.
BLOCK = 1 << 15


def appended_reply(annotator, text, dialect, decode, caches):
    """``(texts, count, names)``: the reply to chunk ``text`` (CSV in ``dialect``, laid out as
    splunkd writes it) with the output fields appended, as texts of CSV lines (header first;
    none without a record kept), the records kept (``annotator.only``) and the chunk's plain
    columns; ``None`` for a chunk in another layout (or no header). ``caches`` (a dict kept
    for the whole search) holds the :class:`AppendedText` of each chunk layout met.

    The layout splunkd itself writes, as in Splunk 8.2.1's recorded doubleage session: the
    plain columns (the input's, then the output fields), then their ``__mv_`` columns (the
    input's as they came, the output fields' empty), lines ended by a line feed. A record on
    one line whose ``__mv_`` cells are all empty ends in a comma for each of them: its reply
    is that line up to the first of those commas, then the output fields' text, the very
    cells splunkd sent and no CSV written per cell. The chunk goes a block of lines at a time
    (:func:`text_blocks`): where every line of a block is such a record, the block's reply is
    put together by ``map`` over C functions; any other record (a multivalue, a value with a
    line break) is written cell by cell, a multivalue with the bytes splunkd sent.

    The output fields' text is looked up by the cells the annotator reads
    (:class:`AppendedText`), so an event whose time, zone and profile cells were met just
    before costs a dictionary lookup. Where nearly every lookup of a block misses (each event
    in a second of its own), the chunk's further blocks skip the cache.

    Raises :class:`Decline` for a NUL before Python 3.11 (only :func:`csv_rows` reads it),
    when an output field is among the columns (it keeps its own: :func:`annotated_rows`), at
    a record of another width than the header's and at CSV that only a lenient reader takes.
    """
    if not CSV_READS_NUL and "\0" in text:
        raise Decline
    blocks = text_blocks(text)
    first = next(blocks, None)
    if first is None:
        return None
    header_end = first.find("\n")
    try:
        header = next(csv.reader([first if header_end < 0 else first[:header_end]], dialect, strict=True), None)
    except csv.Error:
        return None  # a header over several lines, or odd quoting: splunklib's to read
    names = plain_columns(header) if header is not None else None
    if names is None:
        return None
    if any(name in names for name in annotator.output_fields):
        raise Decline
    n = len(names)
    read = [names.index(field) if field in names else -1 for field in annotator.input_fields]
    present = tuple(at >= 0 for at in read)
    appended = caches.get((present, n))
    if appended is None:
        appended = caches[(present, n)] = AppendedText(annotator, present, n, dialect)
    reply = _ChunkReply(n, read, appended, dialect, decode)
    try:
        if header_end >= 0:
            reply.add(first[header_end + 1:])
        for block in blocks:
            reply.add(block)
    except csv.Error:
        raise Decline from None  # read leniently (annotated_rows), or a field over the size limit
    if not reply.count:
        return [], 0, names
    output = list(annotator.output_fields)
    reply.texts.insert(0, _csv_line(names + output + [MV_PREFIX + name for name in names + output], dialect))
    return reply.texts, reply.count, names


class _ChunkReply:
    """The reply to one chunk of ``n`` plain columns, the read fields at columns ``read``
    (-1: absent), a block of lines at a time (:func:`appended_reply`): ``texts`` and ``count``."""

    __slots__ = ("n", "read", "key", "columns", "kept", "appended", "dialect", "decode", "texts", "count", "cached")

    def __init__(self, n, read, appended, dialect, decode):
        self.n, self.read, self.appended, self.dialect, self.decode = n, read, appended, dialect, decode
        plain_at = [at for at in read if at >= 0]
        # The key: a text for one read field, a tuple for several; () when the chunk has none.
        self.key = itemgetter(*plain_at) if plain_at else (lambda row: ())
        self.columns = [itemgetter(at) for at in plain_at]
        # What a line keeps: all but its empty __mv_ cells, their first comma kept.
        self.kept = slice(0, 1 - n or None)
        self.texts = []
        self.count = 0
        self.cached = True  # whether blocks look the fields up in the cache

    def add(self, block):
        """Append the reply to ``block`` (lines without their line feeds)."""
        lines = block.split("\n")
        rows = list(csv.reader(StringIO(block + "\n"), self.dialect, strict=True))
        if len(rows) != len(lines):  # a record over several lines
            self._add_records(self._records_over_lines(block, lines))
        elif set(map(len, rows)) == {2 * self.n} and all(map(str.endswith, lines, repeat("," * self.n))):
            self._add_lines(lines, rows)
        else:
            self._add_records(zip(lines, rows))

    def _add_lines(self, lines, rows):
        """Every record on its own line, its __mv_ cells empty: the lines with the fields'
        text in place of the comma run at their end."""
        appended = self.appended
        kept = map(getitem, lines, repeat(self.kept))
        if self.cached:
            misses = appended.misses
            tails = list(map(appended.__getitem__, map(self.key, rows)))
            if appended.misses - misses > len(rows) * 3 // 4:
                self.cached = False  # the cache hardly ever hits: work out the rest directly
            if None in tails:  # only=true leaves these records out
                kept, tails = _kept_by_only(kept, tails)
            self.texts.append("".join(map(add, kept, tails)))
            self.count += len(tails)
        else:
            fields = appended.fields_texts([list(map(column, rows)) for column in self.columns], len(rows))
            if None in fields:
                kept, fields = _kept_by_only(kept, fields)
            self.texts.append("".join(chain.from_iterable(zip(kept, fields, repeat(appended.multivalues)))))
            self.count += len(fields)

    def _records_over_lines(self, block, lines):
        """``(line, cells)`` of each record of ``block``; the line None where it spans several."""
        reader = csv.reader(StringIO(block + "\n"), self.dialect, strict=True)
        done = 0
        for row in reader:
            at = reader.line_num  # the record is lines done to at - 1
            yield (lines[done] if at == done + 1 else None), row
            done = at

    def _add_records(self, records):
        """Record by record, ``(line, cells)`` each (the line None: over several lines): lines
        as in :meth:`_add_lines`, any other record written anew."""
        n, read, appended, decode, texts = self.n, self.read, self.appended, self.decode, self.texts
        write_row = _line_writer(self.dialect, texts.append)
        empty_multivalues = "," * n
        no_output_multivalues = [""] * len(appended.output_fields)
        for line, row in records:
            if len(row) != 2 * n:
                raise Decline
            if line is not None and line.endswith(empty_multivalues):
                tail = appended[self.key(row)]
                if tail is not None:
                    texts.append(line[self.kept] + tail)
                    self.count += 1
            else:
                values = appended.of_texts(first_values(row, read, n, decode))
                if values is not None:
                    row[n:n] = values
                    row += no_output_multivalues
                    write_row(row)
                    self.count += 1


def _kept_by_only(lines, texts):
    """The lines and their texts of the records ``only=true`` keeps (a text None: left out)."""
    keep = list(map(is_not, texts, repeat(None)))
    return compress(lines, keep), list(compress(texts, keep))


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


# Output fields remembered per chunk layout. A search's events come in time order, so an
# event's second (and zone) repeat in runs: a few recent ones give every hit a larger cache
# gives. A larger one costs peak memory, since each entry, made among the rows, keeps allocator
# pages from being reused: on the dense bench workload under Python 3.9, 128 entries added
# 0.9 MiB of peak RSS and 1,024 added 6 MiB (tools/run/bench.py).
REMEMBERED = 16


class AppendedText(dict):
    """What :func:`appended_reply` puts after a record's plain cells, by the cells of the read
    fields ``present`` in a chunk of ``n`` plain columns (a text for one field, else a tuple):
    the output fields as CSV in ``dialect`` (after the comma the line keeps), their and the
    input's empty ``__mv_`` cells and the line feed; None for a record that ``only=true`` drops. :attr:`text` works
    it out uncached, :attr:`fields_texts` the fields alone for the read fields' columns of
    many records (checking their texts together whether CSV must quote a value), each to be
    followed by :attr:`multivalues`; :meth:`of_texts` gives the fields themselves.

    Bounded as every per-value cache (:func:`offhours.caching.remember`), to
    :data:`REMEMBERED` entries: emptied when full, and a key holding a cell longer than a
    real value is never kept. ``misses`` counts the lookups that missed.
    """

    __slots__ = ("_annotator", "_remember", "_longest", "misses", "text", "fields_texts", "multivalues",
                 "output_fields")

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

        def fields_text(key):
            values = values_of(key)
            if drops is not None and drops(values):
                return None
            joined = ",".join(values)
            if joined.count(",") != separators or '"' in joined or "\n" in joined or "\r" in joined:
                joined = _csv_line(values, dialect)[:-1]  # a value CSV must quote
            return joined

        def text(key):
            joined = fields_text(key)
            return None if joined is None else joined + multivalues

        values_of_columns = self._values_of_columns(annotator, present, values_of)

        def fields_texts(columns, count):
            keys = list(zip(*columns)) if len(columns) > 1 else columns[0] if columns else [()] * count
            if drops is not None:
                return list(map(fields_text, keys))
            found = list(map(",".join, values_of_columns(columns, keys)))
            whole = "\n".join(found)
            if (whole.count(",") != separators * len(found) or whole.count("\n") != len(found) - 1 or '"' in whole
                    or "\r" in whole):
                return list(map(fields_text, keys))  # a value CSV must quote: key by key
            return found
        self.text, self.fields_texts, self.multivalues = text, fields_texts, multivalues
        self.output_fields = annotator.output_fields

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

    @staticmethod
    def _values_of_columns(annotator, present, values_of):
        """The annotator's output fields for the read fields' columns (lists) and the same as
        keys, as a list."""
        if present in ((True, False, False), (True, True, False)):
            return lambda columns, keys: annotator.values_of_many(*columns)  # times, and zones
        return lambda columns, keys: list(map(values_of, keys))

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
