"""The clock's caches are exact: cached fields against a plain conversion and the uncached engine.
(The per-day cache's own tests: tests/test_clock.py.)

- Local time, hour, weekday and offset from :class:`offhours.clock.Clock` (the local day, a
  day dict shared by a search's clocks) and :meth:`Zone.utc_offset` agree with a plain,
  uncached conversion, ``datetime.fromtimestamp(t, tz)``, around every transition from
  1901-12-14 to 2100 of every zone in ``pytz.common_timezones`` (the second before, at and
  after, plus neighbours that hit the caches), in order, shuffled across all zones, and at
  random instants. ``tz`` is pytz's own until 2038 (its data's end) and zoneinfo's (tzdata at
  pytz's release, tests/oracle.py) after.
- Every field of a Clock (reason, ``minutes_outside`` and its per-gap window included) equals
  the uncached :func:`offhours.verdict.judge` for runs of nearby instants, out of order, around
  transitions, with interval boundaries inside DST gaps and folds.
"""
import functools
import random
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
from offhours import OUTPUT_FIELDS
from offhours import zones as engine_zones
from offhours.calendar import Calendar, Closure, Workweek
from offhours.clock import Clock
from offhours.hours import parse_hours
from offhours.verdict import WEEKDAY_NAMES, format_offset
from offhours.zones import resolve_zone

pytz = engine_zones.pytz  # the pytz the engine runs on
ZONES = list(pytz.common_timezones)
LO = -2147472000                                 # 1901-12-14T00:00:00Z
HI = 4133980799                                  # 2100-12-31T23:59:59Z
PYTZ_DATA_END = 2**31                            # 2038-01-19T03:14:08Z: pytz reads 32-bit data
ALWAYS = "mon-sun 00:00-24:00"
LOCAL = tuple(OUTPUT_FIELDS.index(name) for name in ("local_time", "local_hour", "local_wday"))
LOCAL_TIME, MINUTES = OUTPUT_FIELDS.index("local_time"), OUTPUT_FIELDS.index("minutes_outside")
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
    """All zones interleaved and out of order, one day dict for all clocks (as in a search
    with a per-event tzfield): dict hits, evictions and stale cursors."""
    buckets = {}
    clocks = {name: clock_for(name, buckets=buckets) for name in ZONES}
    work = [(name, t) for name in ZONES for when in transitions(name) for t in (when - 1, when, when + 1)]
    rng = random.Random(1987)
    rng.shuffle(work)
    work += work[: len(work) // 4]  # revisit days already cached
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
    assert clock.values(63593069)[LOCAL_TIME] == "1972-01-07T00:00:29-00:44"
    assert clock.values(63593070)[LOCAL_TIME] == "1972-01-07T00:44:30+00:00"
    assert clock.values(63593040)[LOCAL_TIME] == "1972-01-07T00:00:00-00:44"
    assert clock.values(63593099)[LOCAL_TIME] == "1972-01-07T00:44:59+00:00"


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



def test_the_latest_end_can_belong_to_an_earlier_day():
    """Monday's 23:00-22:00 (into Tuesday night) ends after Tuesday's 08:00-10:00; with
    Wednesday and Thursday closed, Friday noon is 62 hours after Tuesday 22:00, the end of the
    span four days back: the gap window must look that far."""
    friday = 20000 + (4 - (20000 + 3) % 7) % 7          # a Friday (day 0 was a Thursday)
    closures = {friday - 2: [Closure("Closed", 0)], friday - 1: [Closure("Closed", 0)]}
    clock = clock_for("UTC", "mon 23:00-22:00; tue 08:00-10:00", closures=closures)
    noon = friday * 86400 + 12 * 3600
    assert clock.values(noon)[MINUTES] == clock.uncached(noon)[MINUTES] == str(62 * 60)
    check = []
    check_fields(clock, [noon - 3600 * k for k in range(0, 60, 7)] + [noon + 3600 * k for k in range(0, 80, 9)], check)
    assert not check, check



def test_a_span_turned_inside_out_counts_its_start_too():
    """St. John's sprang from 02:00 to 03:00 on 1970-04-26: 02:30-03:00 starts at 06:00Z (the
    offset before the gap) and ends at 05:30Z. At 05:59:59Z (03:29:59 local) it ended half an
    hour ago and starts in a second: one minute outside, as the zoneinfo oracle says."""
    def clock():
        return Clock(Calendar(parse_hours("02:30-03:00"), Workweek("IR"), {}), resolve_zone("America/St_Johns"),
                     "p", {})

    assert clock().uncached(9957599)[MINUTES] == clock().values(9957599)[MINUTES] == "1"
    check = []
    check_fields(clock(), range(9954000, 9961200, 60), check)     # forwards across both boundaries
    check_fields(clock(), range(9961199, 9954000, -61), check)    # backwards, with fresh caches
    assert not check, check
