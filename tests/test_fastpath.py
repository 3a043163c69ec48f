"""The fast path is exact: cached per-minute fields against plain pytz and the uncached engine,
and the command's own row handling against splunklib's.

- Local time, hour, weekday and offset from :class:`offhours.clock.Clock` (minute buckets, a
  last-hit cursor, a shared bucket dict) and :meth:`Zone.utc_offset` agree with a plain,
  uncached conversion, ``datetime.fromtimestamp(t, tz)``, around every transition from
  1901-12-14 to 2100 of every zone in ``pytz.common_timezones`` (the second before, at and
  after, plus neighbours that hit the caches), in order, shuffled across all zones, and at
  random instants. ``tz`` is pytz's own until 2038 (its data's end) and zoneinfo's (tzdata at
  pytz's release, tests/oracle.py) after.
- Every field of a Clock (reason, ``minutes_outside`` and its per-gap window included) equals
  the uncached :func:`offhours.verdict.judge` for runs of nearby instants, out of order, around
  transitions, with interval boundaries inside DST gaps and folds.
- bin/ecrofhours.py's chunk handling writes the bytes splunklib's own record reading and
  writing would: multivalues, quotes, newlines, ``$``, short and long rows, output fields
  already present, ``only=true``, and bodies it leaves to splunklib.
"""
import functools
import importlib.util
import io
import os
import random
import subprocess
import sys
import tempfile
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
from conftest import REPO
from offhours import OUTPUT_FIELDS
from offhours import rows
from offhours import zones as engine_zones
from offhours.calendar import Calendar, Closure, Workweek
from offhours.clock import Clock
from offhours.hours import parse_hours
from offhours.rows import lines
from offhours.verdict import WEEKDAY_NAMES, format_offset
from offhours.zones import resolve_zone
from tools.scpv2 import encode_chunk, encode_records, getinfo_metadata, make_searchinfo, read_chunk, run_command

pytz = engine_zones.pytz  # the pytz the engine runs on
ZONES = list(pytz.common_timezones)
LO = -2147472000                                 # 1901-12-14T00:00:00Z
HI = 4133980799                                  # 2100-12-31T23:59:59Z
PYTZ_DATA_END = 2**31                            # 2038-01-19T03:14:08Z: pytz reads 32-bit data
ALWAYS = "mon-sun 00:00-24:00"
LOCAL = (2, 3, 4)                                # local_time, local_hour, local_wday in a Clock's tuple
BOUNDED = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])


# --- Plain pytz ------------------------------------------------------------------------------


@functools.cache
def plain_tz(name):
    return pytz.timezone(name)


def plain(name, utc):
    """(offset, local_time, local_hour, local_wday) by a plain conversion: pytz's own where its
    data reaches, zoneinfo's after."""
    tz = plain_tz(name) if utc < PYTZ_DATA_END else oracle.zone(name)
    moment = datetime.fromtimestamp(utc, tz)
    offset = moment.utcoffset()
    seconds = offset.days * 86400 + offset.seconds
    return (seconds, moment.strftime("%Y-%m-%dT%H:%M:%S") + format_offset(seconds), str(moment.hour),
            WEEKDAY_NAMES[moment.weekday()])


def transitions(name):
    """The transition instants of ``name`` from 1901-12-14 to 2100, from tzdata and zoneinfo."""
    return oracle.transitions(name, LO, HI)


def around(t):
    """The second before, at and after a transition, and neighbours in the same and next minutes."""
    return [t - 61, t - 60, t - 1, t, t + 1, t + 59, t + 60]


def clock_for(name, spec=ALWAYS, buckets=None, closures=None):
    return Clock(Calendar(parse_hours(spec), Workweek(), closures or {}), resolve_zone(name), "p",
                 {} if buckets is None else buckets)


def check_local(name, clock, instants, failures):
    zone = clock.zone
    for t in instants:
        offset, *want = plain(name, t)
        got = clock.values(t)
        if zone.utc_offset(t) != offset or [got[i] for i in LOCAL] != want:
            failures.append(f"{name} @{t}: offset {zone.utc_offset(t)} {[got[i] for i in LOCAL]}, "
                            f"pytz {offset} {want}")


# --- Local time against plain pytz -------------------------------------------------------------


def test_every_transition_of_every_common_zone_in_order():
    """Each zone's transitions in order, each with its neighbours: cursor hits and misses."""
    failures, checked = [], 0
    for name in ZONES:
        clock = clock_for(name)
        instants = [t for when in transitions(name) for t in around(when)]
        check_local(name, clock, instants, failures)
        checked += len(instants)
    assert checked > 100_000
    assert not failures, f"{len(failures)} disagreements, first: " + "\n".join(failures[:20])


def test_every_transition_shuffled_across_zones_with_shared_buckets():
    """All zones interleaved and out of order, one bucket dict for all clocks (as in a search
    with a per-event tzfield): dict hits, evictions and stale cursors."""
    buckets = {}
    clocks = {name: clock_for(name, buckets=buckets) for name in ZONES}
    work = [(name, t) for name in ZONES for when in transitions(name) for t in (when - 1, when, when + 1)]
    rng = random.Random(1987)
    rng.shuffle(work)
    work += work[: len(work) // 4]  # revisit minutes already cached
    failures = []
    for name, t in work:
        check_local(name, clocks[name], (t,), failures)
    assert not failures, f"{len(failures)} disagreements, first: " + "\n".join(failures[:20])


@pytest.mark.parametrize("name, utc", [
    ("America/Goose_Bay", 638942459),      # 1990-04-01T04:00:59Z: transitions at hh:01 local
    ("America/Goose_Bay", 638942460),
    ("Africa/Monrovia", 63593069),         # 1972-01-07T00:44:29Z: -0:44:30 (pytz: -0:44) to GMT
    ("Africa/Monrovia", 63593070),
    ("Africa/Monrovia", 63593040),         # the same UTC minute, before the change
    ("Asia/Kathmandu", 504901799),         # 1985-12-31T18:29:59Z: +05:30 to +05:45
    ("Asia/Kathmandu", 504901800),
    ("Australia/Lord_Howe", 1712415600),   # 30-minute DST
    ("Pacific/Chatham", 1712412000),       # +13:45 to +12:45
])
def test_named_odd_transitions(name, utc):
    clock, failures = clock_for(name), []
    check_local(name, clock, sorted({utc - 61, utc - 1, utc, utc + 1, utc + 59, utc - 30, utc + 30}), failures)
    check_local(name, clock, [utc + 1, utc - 1, utc, utc - 60, utc + 60], failures)
    assert not failures, failures


def test_monrovia_minute_split_by_its_1972_transition():
    """00:44:00-00:44:29Z is 00:00 local at -0:44 (pytz's rounding of -0:44:30); from 00:44:30Z
    Monrovia keeps GMT: one UTC minute, two local minutes 44 minutes apart."""
    clock = clock_for("Africa/Monrovia")
    assert clock.values(63593069)[2] == "1972-01-07T00:00:29-00:44"
    assert clock.values(63593070)[2] == "1972-01-07T00:44:30+00:00"
    assert clock.values(63593040)[2] == "1972-01-07T00:00:00-00:44"
    assert clock.values(63593099)[2] == "1972-01-07T00:44:59+00:00"


@BOUNDED
@given(name=st.sampled_from(ZONES), start=st.integers(LO, HI), steps=st.lists(st.integers(-4000, 4000), max_size=30))
def test_random_instants_and_walks(name, start, steps):
    """A random instant and a random walk from it (nearby instants, back and forth)."""
    clock, failures, t, instants = clock_for(name), [], start, [start]
    for step in steps:
        t = min(max(t + step, LO), HI)
        instants.append(t)
    check_local(name, clock, instants, failures)
    assert not failures, failures


@BOUNDED
@given(names=st.lists(st.sampled_from(ZONES), min_size=2, max_size=8, unique=True),
       picks=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 10**6), st.integers(-90, 90)), max_size=40))
def test_interleaved_zones_near_transitions(names, picks):
    """Several zones' clocks sharing one bucket dict, instants near their transitions in any order."""
    buckets, failures = {}, []
    clocks = {name: clock_for(name, buckets=buckets) for name in names}
    for index, which, delta in picks:
        name = names[index % len(names)]
        moments = transitions(name) or [which * 2000]
        check_local(name, clocks[name], (moments[which % len(moments)] + delta,), failures)
    assert not failures, failures


# --- Every field against the uncached engine ---------------------------------------------------

SPECS = [
    "mon-fri 08:00-20:00",
    "mon-fri 08:00-12:00, 13:00-17:30; sat 10:00-14:00",
    "sun-thu 22:00-06:00",                                    # overnight
    "mon-sun 01:30-02:30, 02:45-03:15",                      # boundaries inside DST gaps and folds
    "mon-sun 02:30-03:15, 12:00-13:00",                      # a gap turns a span inside out (ends first)
    "mon-fri 00:00-24:00",
    "tue 23:59-00:01",
    "mon,thu 23:00-22:00; tue 08:00-10:00",                  # near-48-hour spans over later, shorter ones
    "wed 10:00-11:00",                                       # one interval a week
]
NOTABLE = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Apia", "Africa/Casablanca",
           "America/Goose_Bay", "Africa/Monrovia", "Asia/Kathmandu", "Europe/Dublin", "America/St_Johns",
           "Pacific/Chatham", "UTC", "+05:45", "-03:30"]


def check_fields(clock, instants, failures):
    for t in instants:
        got, want = clock.values(t), clock.uncached(t)
        if got != want:
            failures.append(f"{clock.zone.name} @{t}: {got} != judge {want}")


@pytest.mark.parametrize("spec", SPECS)
def test_fields_around_transitions_of_notable_zones(spec):
    """Minute by minute (and odd seconds) across each transition day of notable zones."""
    failures = []
    for name in NOTABLE:
        clock = clock_for(name, spec)
        moments = [t for t in transitions(name) if 20 * 86400 < t < HI - 20 * 86400] if "/" in name else []
        step = max(2, len(moments) // 6)
        picks = sorted(moments[::step] + moments[1::step]) or [1700000000]  # forward and back
        for when in picks:
            instants = [when + d for d in range(-3 * 3600, 3 * 3600, 60)]
            instants += [when + d for d in range(-3 * 3600 + 1, 3 * 3600, 947)]
            check_fields(clock, instants, failures)
            check_fields(clock, instants[::-7], failures)      # backwards, skipping
    assert not failures, f"{len(failures)} disagreements, first: " + "\n".join(failures[:10])


@BOUNDED
@given(spec=st.sampled_from(SPECS), name=st.sampled_from(NOTABLE + ZONES[::7]),
       start=st.integers(20 * 86400, HI - 20 * 86400),
       steps=st.lists(st.integers(-2 * 86400, 2 * 86400) | st.integers(-120, 120), max_size=25),
       closed=st.lists(st.integers(-20, 20), max_size=4), closes_at=st.sampled_from([0, 0, 12 * 3600, 17 * 3600 + 60]),
       shutdown=st.none() | st.tuples(st.integers(-30, 5), st.integers(1, 30)))
def test_fields_equal_the_uncached_engine(spec, name, start, steps, closed, closes_at, shutdown):
    """Runs of nearby and distant instants (gap windows reused, left, re-entered), with
    closures near them (holidays, half days) and long shutdowns (gaps of weeks)."""
    day = start // 86400
    closures = {day + k: [Closure(f"Closure {k}", closes_at)] for k in closed}
    if shutdown:
        for k in range(shutdown[0], shutdown[0] + shutdown[1]):
            closures.setdefault(day + k, []).append(Closure(f"Shutdown {k}", 0))
    clock, failures, t, instants = clock_for(name, spec, closures=closures), [], start, [start]
    for step in steps:
        t = min(max(t + step, 20 * 86400), HI - 20 * 86400)
        instants.append(t)
    check_fields(clock, instants, failures)
    assert not failures, failures


# --- The command's chunk handling against splunklib's -----------------------------------------


@functools.cache
def command_module():
    spec = importlib.util.spec_from_file_location("ecrofhours_under_test", REPO / "bin" / "ecrofhours.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reply_bytes(args, bodies, fast=True):
    """Everything the command writes for a getinfo and one execute request per body, run in
    this process (fast: its own row handling; else splunklib's record reading and writing)."""
    module = command_module()
    command_class = module.EcrOffHoursCommand
    if not fast:
        command_class = type("SplunklibRecords", (command_class,), {"_write_rows": lambda self, body: False})
    requests = [encode_chunk(getinfo_metadata(make_searchinfo(args, "ecrofhours", tempfile.gettempdir())))]
    for number, body in enumerate(bodies, 1):
        requests.append(encode_chunk({"action": "execute", "finished": number == len(bodies)}, body))
    output = io.BytesIO()
    saved = tempfile.tempdir  # splunklib points tempfile at the dispatch directory
    try:
        command_class().process(["ecrofhours.py"], io.BytesIO(b"".join(requests)), output)
    except SystemExit:
        pass
    finally:
        tempfile.tempdir = saved
    return output.getvalue()


def replies(data):
    stream, found = io.BytesIO(data), []
    while (chunk := read_chunk(stream)) is not None:
        found.append(chunk)
    return found


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["", "$", "$$", 'a "q" b', "x,y", "line\nbreak", "cr\r\nlf", " 1629328650 ", "1629328650", "1629328650.5",
     "Europe/Berlin", "europe/berlin", "+05:30", "Mars/Base", "berlin", "nope", "2021-08-18T23:17:30Z",
     "\x00", "UTC\x00", "a\x00\nb"])
value = text | st.lists(text, max_size=3)
FIELDS = ["_time", "zone", "team", "host", "off_hours", "bh_tz", "_raw", "_chunked_idx"]


@st.composite
def chunk_bodies(draw):
    names = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=6, unique=True))
    records = draw(st.lists(st.fixed_dictionaries({}, optional={name: value for name in names}), max_size=12))
    body = encode_records(records, names) if records else b""
    if records and draw(st.integers(0, 5)) == 0:  # a short or long row, as no splunkd sends
        lines = body.decode().split("\n")
        row = draw(st.integers(1, len(records)))
        if '"' not in lines[row]:
            cells = lines[row].split(",")
            lines[row] = ",".join(cells[: draw(st.integers(0, len(cells)))] if draw(st.booleans()) else cells + ["x"])
            body = "\n".join(lines).encode()
    return body


ARGS = [[], ["tzfield=zone"], ["tzfield=zone", "profilefield=team", "only=true"], ["profile=berlin", "tzfield=zone"],
        ["timefield=host", "timeunit=ms"]]


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(args=st.sampled_from(ARGS), bodies=st.lists(chunk_bodies(), min_size=1, max_size=3), by_line=st.booleans(),
       nul_stand_in=st.booleans())
def test_rows_are_the_bytes_splunklib_would_write(args, bodies, by_line, nul_stand_in):
    """The row fast path against splunklib's own records, read here by Python 3.11+'s csv,
    which takes NUL as it is. With ``nul_stand_in`` both of the command's paths read NUL as
    they must on Python 3.9, and still write exactly those bytes."""
    saved = rows._SMALL_TEXT, rows.CSV_READS_NUL
    rows._SMALL_TEXT = 0 if by_line else saved[0]  # big bodies are read line by line
    rows.CSV_READS_NUL = not nul_stand_in
    try:
        fast, generic = reply_bytes(args, bodies), reply_bytes(args, bodies, fast=False)
    finally:
        rows._SMALL_TEXT, rows.CSV_READS_NUL = saved
    assert fast == generic == reply_bytes(args, bodies, fast=False)
    assert replies(fast)[-1][0].get("finished") is True


@given(st.text(st.sampled_from("ab\n\r\u2028,\"")))
def test_big_bodies_are_split_into_lines_as_stringio_does(body):
    assert list(lines(body)) == list(io.StringIO(body))


@pytest.mark.parametrize("body", [
    b"",                                                        # header-only chunk
    b"_time,__mv__time\n",                                      # a header and no rows
    b"\n",                                                      # one blank line
    b"_time\n1629328650\n",                                     # no __mv_ columns
    b"_time,_time,__mv__time,__mv__time\n1,2,,\n",              # a repeated column
    b"_time,zone,__mv__time,__mv_zone\n1629328650\n1629328650,UTC,,\n",   # a short first row
    b"_time,zone,__mv__time,__mv_zone\n1629328650,UTC,,\n1629328651\n",   # a short later row
    b"_time,__mv__time\n\"1629328650\n0\",$1629328650$;$0$\n",  # a multivalue time
    b"_time,__mv__time\n1629328650,$bad\n",                     # an __mv_ cell splunklib cannot decode
    b"_time,tags,__mv__time,__mv_tags\n1629328650,a,,$a$\n",   # a one-value multivalue
    b"_time,off_hours,__mv__time,__mv_off_hours\n1629328650,x,,$a$;$b$\n",  # an output field present
])
def test_unusual_bodies_match_splunklib(body):
    for args in (["tzfield=zone"], ["only=true"]):
        assert reply_bytes(args, [body]) == reply_bytes(args, [body], fast=False), (args, body)


SLOW_COMMAND = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("ecrofhours", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.EcrOffHoursCommand._write_rows = lambda self, body: False  # splunklib's record handling
from splunklib.searchcommands import dispatch
dispatch(module.EcrOffHoursCommand, sys.argv, sys.stdin, sys.stdout, "__main__", allow_empty_input=True)
"""


def test_replies_match_splunklib_under_splunks_pythons(splunk_python, tmp_path):
    """The real process, as splunkd runs it, against the same command with splunklib's record
    handling: identical replies, fields sent as declared and all fields sent."""
    slow = tmp_path / "slow_ecrofhours.py"
    slow.write_text(SLOW_COMMAND.format(path=str(REPO / "bin" / "ecrofhours.py")))
    rng = random.Random(5)
    zones = ["Europe/Berlin", "america/new_york", "+05:30", "", "Mars/Base", "Africa/Monrovia"]
    records = []
    for i in range(600):
        record = {"_time": str(63590000 + i * 7919 * rng.randrange(1, 900)), "zone": rng.choice(zones),
                  "tags": ["a$b", 'c"d', "e\nf"][: rng.randrange(4)], "msg": f'quote " comma , {i}\nend'}
        if i % 50 == 0:
            record["_time"] = [record["_time"], "0"]
        records.append(record)
    args = ["tzfield=zone", "hours=mon-fri 08:00-18:00"]
    for honour in (True, False):
        fast = run_command(splunk_python, args, records, chunk_size=[1, 0, 99, 500], honour_required_fields=honour)
        slow_session = run_command([splunk_python[0], str(slow)], args, records, chunk_size=[1, 0, 99, 500],
                                   honour_required_fields=honour)
        assert fast.returncode == 0 == slow_session.returncode, fast.stderr
        assert fast.replies == slow_session.replies
        assert len(fast.records) == len(records)
        assert set(OUTPUT_FIELDS) <= set(fast.replies[-2][1][0])


def test_lib_comes_first():
    """The command under test runs on the vendored splunklib, as in Splunk."""
    command_module()
    assert sys.modules["splunklib"].__file__.startswith(str(REPO / "lib"))


def test_the_latest_end_can_belong_to_an_earlier_day():
    """Monday's 23:00-22:00 (into Tuesday night) ends after Tuesday's 08:00-10:00; with
    Wednesday and Thursday closed, Friday noon is 62 hours after Tuesday 22:00, the end of the
    span four days back: the gap window must look that far."""
    friday = 20000 + (4 - (20000 + 3) % 7) % 7          # a Friday (day 0 was a Thursday)
    closures = {friday - 2: [Closure("Closed", 0)], friday - 1: [Closure("Closed", 0)]}
    clock = clock_for("UTC", "mon 23:00-22:00; tue 08:00-10:00", closures=closures)
    noon = friday * 86400 + 12 * 3600
    assert clock.values(noon)[6] == clock.uncached(noon)[6] == str(62 * 60)
    check = []
    check_fields(clock, [noon - 3600 * k for k in range(0, 60, 7)] + [noon + 3600 * k for k in range(0, 80, 9)], check)
    assert not check, check


# --- Zone names at getinfo, without importing pytz ----------------------------------------------

ZONEINFO = os.path.join(os.path.dirname(pytz.__file__), "zoneinfo")


def zone_files():
    found = set()
    for folder, _, files in os.walk(ZONEINFO):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                if handle.read(4) == b"TZif":
                    found.add(os.path.relpath(path, ZONEINFO).replace(os.sep, "/"))
    return found


def test_every_zone_file_but_the_unlisted_is_a_pytz_zone():
    """The invariant the getinfo shortcut rests on, for the pytz the engine runs on."""
    assert zone_files() - engine_zones.UNLISTED_ZONE_FILES == set(pytz.all_timezones)


ODD_SPELLINGS = [
    "europe/berlin", "EUROPE/BERLIN", "Europe/berlin", "america/New_York", "Factory", "zone.tab", "tzdata.zi",
    "iso3166.tab", "leapseconds", "Europe", "Europe/", "/Europe/Berlin", "Europe//Berlin", "Europe/Berlin/",
    "../zoneinfo/UTC", "Europe/../UTC", "./UTC", "", "Mars/Base", "posixrules", "Europe/Berlin\n", " UTC",
]


def test_a_zone_file_name_is_pytz_s_own_spelling():
    """Every pytz name is found as itself; nothing else is found (pytz's list decides those)."""
    wrong = [s for s in pytz.all_timezones if engine_zones._zone_file_name(s, ZONEINFO) != s]
    wrong += [s for s in ODD_SPELLINGS if engine_zones._zone_file_name(s, ZONEINFO) is not None]
    assert not wrong


@pytest.mark.parametrize("options", [{}, {"profile": "berlin", "tzfield": "team_tz"}, {"tz": "US/Eastern"},
                                     {"tz": "+05:30"}])
def test_getinfo_validates_zones_without_importing_pytz(options):
    """prepare() checks a canonical zone name among pytz's zone files; pytz loads at execution."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from offhours import Annotator, open_profiles; "
        f"Annotator(open_profiles(sys.argv[2]), {options!r}); "
        "assert 'pytz' not in sys.modules and 'offhours.clock' not in sys.modules, sorted(sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(REPO / "lib"), str(REPO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_span_turned_inside_out_counts_its_start_too():
    """St. John's sprang from 02:00 to 03:00 on 1970-04-26: 02:30-03:00 starts at 06:00Z (the
    offset before the gap) and ends at 05:30Z. At 05:59:59Z (03:29:59 local) it ended half an
    hour ago and starts in a second: one minute outside, as the zoneinfo oracle says."""
    def clock():
        return Clock(Calendar(parse_hours("02:30-03:00"), Workweek("IR"), {}), resolve_zone("America/St_Johns"),
                     "p", {})

    assert clock().uncached(9957599)[6] == clock().values(9957599)[6] == "1"
    check = []
    check_fields(clock(), range(9954000, 9961200, 60), check)     # forwards across both boundaries
    check_fields(clock(), range(9961199, 9954000, -61), check)    # backwards, with fresh caches
    assert not check, check
