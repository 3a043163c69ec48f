"""Protocol fuzzing: hostile records through the real command over SCP v2, on Python 3.9 and 3.13.

Each Hypothesis example is one batch of records and one run of ``bin/ecrofhours.py``, the way
splunkd runs it (``harness/scpv2.py``): unicode (RTL, emoji, combining marks), multivalues with
``$`` and newlines, 10 kB values, commas, quotes, CR and LF, and time values of every kind; the
batch is cut into random chunks (1 to 5,000 rows, empty chunks, with or without the final
header-only chunk). Every property runs twice: with the command's ``required_fields`` honoured
(what splunkd does; the driver merges the reply into the events) and with every field sent
(which checks the command's own handling of fields it does not read, not the driver's merge).

Whatever the input: exit code 0, no error, one reply per request, as many records out as in
(``only=false``), in order, every original field byte-identical, every contract output field in
every reply record, and each record's output equal to what the engine's public API answers for
that event alone (a fresh ``Annotator``), so no state carried from one event, chunk or profile
to the next can change a verdict.

Examples per run (each interpreter; ``OFFHOURS_PROPERTY_SCALE`` multiplies them):
``test_hostile_records_pass_through_unchanged``: 20 per field mode (40 runs, up to 40 records
each); ``test_any_chunking_keeps_every_record``: 8 per field mode (16 runs, up to 12,000 records);
``test_only_keeps_exactly_the_events_not_inside_business_hours``: 8.
"""
import json
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import REPO
from offhours import OUTPUT_FIELDS, Annotator, open_profiles
from harness.scpv2 import CHUNKED_IDX, MV_PREFIX, run_command

SCALE = float(os.environ.get("OFFHOURS_PROPERTY_SCALE", "1"))


def fuzz_settings(examples):
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        # One example is one command process: generous, but a hung or pathologically slow
        # run still fails (the driver's own timeout is the backstop).
        deadline=timedelta(seconds=60),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


# --- Hostile text ----------------------------------------------------------------------------

SPICE = [
    "שלום", "مرحبا بالعالم", "\u202eevil\u202c", "\u200f", "\u200e", "\u2066x\u2069",  # RTL, bidi controls
    "👩‍👩‍👧‍👦", "🇩🇪", "🏳️‍🌈", "👍🏽", "\U0001f4a9",                                    # emoji, ZWJ, flags, modifiers
    "e\u0301", "\u0301", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d", "\u0e01\u0e34\u0e4a",  # combining marks
    "\ufeff", "\u200b", "\u00a0", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1e",  # odd breaks
    ",", '"', '""', "'", "\r", "\n", "\r\n", "\n\r", "\t", " ", "  ", "\\", "\\n", "\x7f", "\x1b[31m",
    "$", "$$", "$;$", "$a$;$b$", ";", "__mv_", "=", "|", "`", "{}", "[]", "%s", "%00", "\x00", "&amp;",
    "chunked 1.0,2,0\n{}", "ÿ", "İ", "ß", "ǅ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "中文", "日本語", "한국어", "Ω", "∞",
]
# Any code point but surrogates (not UTF-8). NUL is included: Python 3.9's csv module refuses it,
# which stopped the search before (see test_values).
CHARS = st.characters(blacklist_categories=("Cs",))
fragment = st.one_of(st.sampled_from(SPICE), st.text(CHARS, max_size=12))
short_text = st.lists(fragment, max_size=6).map("".join)


def _stretch(seed_and_size):
    seed, size = seed_and_size
    return (seed * (size // len(seed) + 1))[:size]


seed_text = st.one_of(st.sampled_from(SPICE), st.text(CHARS, min_size=1, max_size=12))
huge_text = st.tuples(seed_text, st.integers(9_000, 11_000)).map(_stretch)  # ~10 kB


def values(text, big=True):
    """A field value: text, or a multivalue (2 to 5 items; one item is a plain value)."""
    single = st.one_of(text, huge_text) if big else text
    return st.one_of(single, single, st.lists(single, min_size=2, max_size=5))


# --- Time values -------------------------------------------------------------------------------

T = 1629328650  # 2021-08-18T23:17:30Z
# DST and offset changes where per-minute caching could go wrong: New York, Berlin, St John's
# (a -02:30 offset), Lord Howe (30-minute DST), Apia (skipped 2011-12-30), Monrovia (an offset
# change at 00:44:30 UTC in 1972).
TRANSITIONS = [1615705200, 1636264800, 1616893200, 1635642000, 1615699800, 1617462000,
               1601739000, 1325239200, 63593070]
MIN_EPOCH, MAX_EPOCH = -62135596800, 253402300799


def _iso(moment, offset_minutes, style, fraction):
    text = moment.strftime("%Y-%m-%dT%H:%M:%S" if style != " " else "%Y-%m-%d %H:%M:%S")
    if fraction:
        text += "." + fraction
    if offset_minutes is None:
        return text
    if offset_minutes == 0 and style == "Z":
        return text + "Z"
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}" if style != "compact" else f"{text}{sign}{hours:02d}{minutes:02d}"


epoch_seconds = st.one_of(
    st.integers(T - 10 * 365 * 86400, T + 10 * 365 * 86400),
    st.sampled_from(TRANSITIONS).flatmap(lambda t: st.integers(t - 180, t + 180)),
    st.integers(MIN_EPOCH - 86400 * 40, MIN_EPOCH + 86400 * 40),
    st.integers(MAX_EPOCH - 86400 * 40, MAX_EPOCH + 86400 * 40),
    st.integers(-(10**12), 10**12),
)
time_text = st.one_of(
    st.just(""), st.sampled_from([" ", "\t", "\n"]),
    epoch_seconds.map(str),                                                           # s
    epoch_seconds.map(lambda s: str(s * 1000 + 999)),                                 # ms
    epoch_seconds.map(lambda s: str(s * 10**6 + 1)),                                  # µs
    epoch_seconds.map(lambda s: str(s * 10**9 + 999_999_999)),                        # ns
    st.tuples(epoch_seconds, st.integers(0, 999_999)).map(lambda t: f"{t[0]}.{t[1]:06d}"),
    st.integers(-(10**6), -1).map(str), st.sampled_from(["-0", "+5", "-0.5", "0.0", "1e9", "1.6e12", "-1E3"]),
    st.integers(1, 4300).map(lambda n: "9" * n),          # huge; >4300 digits: see test_values
    st.integers(41, 60).map(lambda n: "1e" + str(10**n)), st.sampled_from(["1e-50", "1e400", "1" * 60 + ".5"]),
    st.sampled_from(["nan", "NaN", "-nan", "sNaN", "inf", "-Infinity", "Infinity"]),
    st.builds(_iso, st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)),
              st.one_of(st.none(), st.integers(-18 * 60, 18 * 60)),
              st.sampled_from(["T", " ", "Z", "compact"]),
              st.sampled_from(["", "5", "123456", "999999999"])),
    st.builds(_iso, st.datetimes(datetime(2021, 3, 14), datetime(2021, 3, 15)), st.just(0),
              st.just("Z"), st.just("")),
    st.sampled_from(["2021-02-30T00:00:00Z", "2021-08-18T25:00:00Z", "2021-08-18T23:17:30+24:00",
                     "2021-08-18T23:17:30+05:99", "2021-8-18", "0000-01-01T00:00:00Z", "yesterday",
                     "0x61234567", "1_629_328_650", "١٦٢٩٣٢٨٦٥٠", "1629328650abc", "--1", "1629328650,5"]),
    short_text,
)
times = st.one_of(time_text, time_text, st.lists(time_text, min_size=2, max_size=3))

ZONES = ["UTC", "utc", "America/New_York", "america/st_johns", "US/Eastern", "Australia/Lord_Howe",
         "Pacific/Apia", "Africa/Monrovia", "Asia/Kathmandu", "Etc/GMT+12", "+05:30", "-0930", "+18:00",
         "+18:01", "-00:00", "+5:30", " Europe/Berlin ", "Mars/Base", "../../../../etc/localtime",
         "/etc/passwd", "zoneinfo/UTC", "Europe/../../../etc/passwd", ""]
zones = st.one_of(st.sampled_from(ZONES), short_text)
zone_values = st.one_of(zones, zones, st.lists(zones, min_size=2, max_size=3))
PROFILES = ["utc", "berlin", "us_eastern", "UTC", "nope", "../../etc/passwd", "profile:utc", " berlin ", ""]
profiles = st.one_of(st.sampled_from(PROFILES), short_text)
profile_values = st.one_of(profiles, profiles, st.lists(profiles, min_size=2, max_size=3))

# --- Records and chunks ------------------------------------------------------------------------

# Invocations, each with the fields it reads (the rest are passengers).
ARGUMENTS = [
    [],
    ["tzfield=zone", "profilefield=team"],
    ["timefield=eventTime", "timeunit=ms", "tz=America/St_Johns"],
    ["profile=berlin", "tzfield=zone", "holidays=DE-BY, US"],
    ["profilefield=team", "hours=sun-thu 22:00-06:00; fri 09:00-12:00", "locale=SA"],
    ["timefield=eventTime", "timeunit=ns", "profilefield=team", "tzfield=zone"],
]
READ_FIELDS = {"_time": times, "eventTime": times, "zone": zone_values, "team": profile_values}
PASSENGERS = ["_raw", "host", "userIdentity.arn", "resources{}.ARN", "requestParameters.imageTag",
              "date_hour", "a b", "ünïcödé", "x,y", 'q"q']
RESERVED = set(OUTPUT_FIELDS) | set(READ_FIELDS) | {CHUNKED_IDX, "serial"}
field_names = st.one_of(
    st.sampled_from(PASSENGERS),
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=16),
).filter(lambda name: name not in RESERVED and not name.startswith(MV_PREFIX) and name.strip() == name)


@st.composite
def batches(draw, max_records, big=True):
    """``(args, records)``: records with the fields the invocation reads and passengers, each
    field present or missing per record."""
    args = draw(st.sampled_from(ARGUMENTS))
    passengers = draw(st.lists(field_names, max_size=5, unique=True))
    passenger_values = values(short_text, big=big)
    records = []
    for number in range(draw(st.integers(1, max_records))):
        record = {"serial": str(number)}  # an event always has some field (CSV has no empty row)
        for name, strategy in list(READ_FIELDS.items()) + [(p, passenger_values) for p in passengers]:
            if draw(st.integers(0, 9)):  # missing now and then
                record[name] = draw(strategy)
        records.append(record)
    return args, records


@st.composite
def chunkings(draw, total):
    """Chunk sizes (1 to 5,000, with empty chunks between) adding up to ``total``."""
    sizes, left = [], total
    while left:
        size = min(left, draw(st.one_of(st.integers(1, 7), st.integers(1, 5000))))
        sizes.append(size)
        left -= size
        if draw(st.integers(0, 7)) == 0:
            sizes.append(0)  # an empty chunk: header only
    if draw(st.booleans()):
        sizes.insert(0, 0)
    return sizes


# --- What must hold ----------------------------------------------------------------------------

BOOK = open_profiles(str(REPO))
REASONS = {"business_hours", "before_hours", "after_hours", "between_hours", "weekend", "holiday",
           "closed_day", "no_time", "bad_time", "bad_timezone", "unknown_profile"}
LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def options_of(args):
    return dict(arg.split("=", 1) for arg in args)


# The oracle runs in the command's own interpreter: messages quote values with repr(), whose
# escaping follows the interpreter's Unicode database (see test_bundle).
_ORACLE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from offhours import Annotator, open_profiles
request = json.load(sys.stdin)
book = open_profiles(sys.argv[2])
answers = [dict(Annotator(book, request["options"]).annotate(*event)) for event in request["events"]]
json.dump(answers, sys.stdout)
"""


class Oracle:
    """The engine's answer for each event judged alone: a fresh Annotator per distinct event,
    through the public API, in the interpreter that runs the command."""

    def __init__(self, command, args):
        self.python = command[0]
        self.options = options_of(args)
        probe = Annotator(BOOK, self.options)
        self.fields = (probe.timefield, probe.tzfield, probe.profilefield)
        self._answers = {}

    def _event(self, record):
        return [record.get(field) if field else None for field in self.fields]

    def learn(self, records):
        """Ask the engine about every distinct event of ``records`` at once."""
        events = {}
        for record in records:
            events.setdefault(json.dumps(self._event(record)), self._event(record))
        missing = [key for key in events if key not in self._answers]
        if not missing:
            return
        request = json.dumps({"options": self.options, "events": [events[key] for key in missing]})
        result = subprocess.run([self.python, "-c", _ORACLE, str(REPO / "lib"), str(REPO)], input=request,
                                capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        self._answers.update(zip(missing, json.loads(result.stdout)))

    def __call__(self, record):
        key = json.dumps(self._event(record))
        if key not in self._answers:
            self.learn([record])
        return self._answers[key]


def as_sent(value):
    """A value as it can come back: a one-item list is a plain value, missing is empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return value if len(value) > 1 else (value[0] if value else "")
    return value


def check_output_fields(fields):
    """Contract-level sanity of one record's output fields, whatever the oracle says."""
    assert set(OUTPUT_FIELDS) <= set(fields), sorted(set(OUTPUT_FIELDS) - set(fields))
    off, reason, error = fields["off_hours"], fields["off_hours_reason"], fields["bh_error"]
    assert off in ("0", "1", "") and reason in REASONS
    assert (off == "") == bool(error) == (reason in {"no_time", "bad_time", "bad_timezone", "unknown_profile"})
    assert (off == "0") == (reason == "business_hours")
    if off:
        assert LOCAL_TIME.match(fields["local_time"]), fields
        assert 0 <= int(fields["local_hour"]) <= 23 and str(int(fields["local_hour"])) == fields["local_hour"]
        assert fields["local_wday"] in WEEKDAYS
        assert fields["local_time"][11:13] == f"{int(fields['local_hour']):02d}"
        assert (fields["minutes_outside"] == "0") == (off == "0")
        if fields["minutes_outside"] not in ("", "0"):
            assert int(fields["minutes_outside"]) >= 1
    else:
        assert not any(fields[k] for k in ("local_time", "local_hour", "local_wday", "holiday_name",
                                           "minutes_outside"))


def check_session(command, session, args, sent, sizes, honour, only=False):
    """Everything the fuzz properties assert about one command run."""
    assert session.returncode == 0, session.stderr[-3000:]
    assert not [m for m in session.messages if m[0] in ("ERROR", "FATAL")], session.messages
    assert "Traceback" not in session.stderr, session.stderr[-3000:]
    assert len(session.replies) == len(session.requests) - 1  # one reply per execute request
    assert session.replies[-1][0].get("finished") is True
    oracle = Oracle(command, args)
    oracle.learn(sent)
    expected = [(i, record) for i, record in enumerate(sent) if not (only and oracle(record)["off_hours"] == "0")]
    required = session.getinfo.get("required_fields") if honour else None
    rows = [row for _, chunk_rows in session.replies for row in chunk_rows]
    assert len(rows) == len(expected), (len(rows), len(expected))
    assert len(session.records) == len(expected)
    names = {name for record in sent for name in record}
    start = 0
    chunk_of = []  # (chunk start, record index within the chunk) of each sent record
    for size in sizes:
        chunk_of += [(start, i) for i in range(size)]
        start += size
    for row, merged, (index, original) in zip(rows, session.records, expected):
        if required:
            # Only the fields read (and _chunked_idx) go to the command; they come back unchanged.
            assert row[CHUNKED_IDX] == str(chunk_of[index][1]), (row[CHUNKED_IDX], chunk_of[index])
            assert set(row) - set(OUTPUT_FIELDS) == {CHUNKED_IDX} | (names & set(required))
            for name in names & set(required):
                assert row[name] == as_sent(original.get(name)), name
            for name, value in original.items():  # the user's view: the event, merged
                if as_sent(value) != "":
                    assert merged[name] == as_sent(value), name
        else:
            assert set(row) == names | set(OUTPUT_FIELDS), set(row) ^ (names | set(OUTPUT_FIELDS))
            for name in names:
                assert row[name] == as_sent(original.get(name)), (name, row[name], original.get(name))
        fields = {name: row[name] for name in OUTPUT_FIELDS}
        check_output_fields(fields)
        assert fields == oracle(original), (original, fields, oracle(original))


def describe(records, sizes):
    """Hypothesis statistics (pytest --hypothesis-show-statistics): what the examples covered."""
    values = [v for record in records for v in record.values()]
    event(f"records: {'1-9' if len(records) < 10 else '10-999' if len(records) < 1000 else '1000+'}")
    event(f"largest chunk: {'1-9' if max(sizes) < 10 else '10-999' if max(sizes) < 1000 else '1000-5000'}")
    if 0 in sizes:
        event("an empty chunk")
    if any(isinstance(v, list) for v in values):
        event("a multivalue")
    if any(len(v) >= 9000 for v in values if isinstance(v, str)):
        event("a 10 kB value")


def fuzz_run(command, args, records, sizes, honour, final_empty_chunk=True):
    describe(records, sizes)
    return run_command(command, args, records, chunk_size=sizes, honour_required_fields=honour,
                       final_empty_chunk=final_empty_chunk, timeout=120)


MODES = pytest.mark.parametrize("honour", [True, False], ids=["required-fields", "all-fields"])


@MODES
@fuzz_settings(20)
@given(data=st.data())
def test_hostile_records_pass_through_unchanged(splunk_python, honour, data):
    args, records = data.draw(batches(max_records=40))
    sizes = data.draw(chunkings(len(records)))
    final_empty_chunk = data.draw(st.booleans())
    session = fuzz_run(splunk_python, args, records, sizes, honour, final_empty_chunk)
    check_session(splunk_python, session, args, records, sizes, honour)


@MODES
@fuzz_settings(8)
@given(data=st.data())
def test_any_chunking_keeps_every_record(splunk_python, honour, data):
    # A few hundred to 12,000 records: a small random pool repeated, in chunks of 1 to 5,000.
    args, pool = data.draw(batches(max_records=25, big=False))
    total = data.draw(st.integers(len(pool), 12_000))
    records = [pool[i % len(pool)] for i in range(total)]
    sizes = data.draw(chunkings(total))
    session = fuzz_run(splunk_python, args, records, sizes, honour, data.draw(st.booleans()))
    check_session(splunk_python, session, args, records, sizes, honour)


@fuzz_settings(8)
@given(data=st.data())
def test_only_keeps_exactly_the_events_not_inside_business_hours(splunk_python, data):
    args, records = data.draw(batches(max_records=40, big=False))
    args = [*args, data.draw(st.sampled_from(["only=true", "only=T", "only=1", "only=yes"]))]
    sizes = data.draw(chunkings(len(records)))
    honour = data.draw(st.booleans())
    session = fuzz_run(splunk_python, args, records, sizes, honour)
    check_session(splunk_python, session, args, records, sizes, honour, only=True)


def test_the_oracle_sees_what_the_command_sees(splunk_python):
    """The fuzz oracle reads the fields the invocation names (a wrong oracle passes anything)."""
    oracle = Oracle(splunk_python, ["timefield=eventTime", "tzfield=zone", "profilefield=team"])
    record = {"eventTime": "2021-08-18T23:17:30Z", "_time": "0", "zone": "Asia/Tokyo", "team": "berlin"}
    fields = oracle(record)
    assert (fields["local_time"], fields["bh_profile"]) == ("2021-08-19T08:17:30+09:00", "berlin")
    assert oracle({"eventTime": ["", "1"]})["off_hours_reason"] == "no_time"
    assert as_sent(["a"]) == "a" and as_sent(None) == "" and as_sent(["a", "b"]) == ["a", "b"]
    with pytest.raises(AssertionError):
        check_output_fields({**fields, "bh_error": "x"})


def test_iso_helper_writes_what_it_says():
    moment = datetime(2021, 8, 18, 23, 17, 30)
    assert _iso(moment, 0, "Z", "") == "2021-08-18T23:17:30Z"
    assert _iso(moment, -330, "compact", "5") == "2021-08-18T23:17:30.5-0530"
    assert _iso(moment, None, " ", "") == "2021-08-18 23:17:30"
    assert datetime.fromisoformat(_iso(moment, 90, "T", "")).utcoffset() == timedelta(minutes=90)
    assert datetime.fromisoformat(_iso(moment, 90, "T", "")).astimezone(timezone.utc).hour == 21
