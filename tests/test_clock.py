"""The per-day cache of :class:`offhours.clock.Clock` is exact, and bounded.

A Clock works out once per local day and UTC offset what every instant of that day shares
(date text, offset text, weekday, holiday name, where each reason starts), keeps the off-hours
gap (``minutes_outside`` window) each stretch of one reason met, the last few gaps, each reused
on the local days :func:`offhours.verdict.window_covers` allows, and, shared by the clocks of one
calendar in every zone, each gap as found in wall time, moved to a zone where its offset holds
over the whole scan. Checked here, in the style of ``tests/test_clock_exactness.py``:

- every field of every zone in pytz (``all_timezones``) around each of its transitions from
  1901-12-14 to 2100 equals the uncached engine (:meth:`Clock.uncached`, i.e.
  :func:`offhours.verdict.judge`), under a profile with public holidays, and the local fields
  equal zoneinfo's (tests/oracle.py: tzdata at pytz's release);
- the same shuffled across zones with one shared, small day dict (evictions, stale entries);
- random walks (seconds, minutes, hours, days, back and forth), over one clock and over several
  interleaved clocks, equal the uncached engine;
- a gap's window reused on another local day gives the uncached ``minutes_outside`` of that day;
- a gap is scanned once in wall time for forty zones, not once in each;
- every cache stays within its bound.
"""
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
from conftest import REPO
from offhours import OUTPUT_FIELDS
from offhours import clock as clock_module
from offhours import zones as engine_zones
from offhours.calendar import Calendar, Closure, Workweek
from offhours.clock import Clock
from offhours.hours import parse_hours
from offhours.verdict import minutes_between, minutes_outside, outside_window, window_covers
from offhours.zones import resolve_zone

pytz = engine_zones.pytz  # the pytz the engine runs on
ALL_ZONES = sorted(pytz.all_timezones)
LO = -2147472000                                 # 1901-12-14T00:00:00Z
HI = 4133980799                                  # 2100-12-31T23:59:59Z
DAY = 86400
LOCAL = tuple(OUTPUT_FIELDS.index(name) for name in ("local_time", "local_hour", "local_wday"))
BOUNDED = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
SPECS = [
    "mon-fri 08:00-18:00",
    "mon-fri 08:00-12:00, 13:00-17:30; sat 10:00-14:00",
    "sun-thu 22:00-06:00",                                    # overnight
    "mon-sun 01:30-02:30, 02:45-03:15",                      # boundaries inside DST gaps and folds
    "mon-sun 02:30-03:15, 12:00-13:00",                      # a gap turns a span inside out
    "tue 23:59-00:01",
    "mon,thu 23:00-22:00; tue 08:00-10:00",                  # near-48-hour spans
    "wed 10:00-11:00",                                       # one interval a week
]
NOTABLE = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Apia", "Africa/Casablanca",
           "America/Goose_Bay", "Africa/Monrovia", "Asia/Kathmandu", "Europe/Dublin", "America/St_Johns",
           "Pacific/Chatham", "Pacific/Kiritimati", "America/Santiago", "UTC", "+05:45", "-03:30"]


def holiday_calendar(spec="mon-fri 08:00-18:00"):
    """Weekly ``spec`` on Germany's workweek with Berlin's public holidays (the app's data) and
    half days before Christmas and New Year."""
    from offhours import open_profiles

    closures = open_profiles(str(REPO)).compile("berlin", {}).calendar.closures
    extra = {}
    for number in range(-25000, 48000):
        if number % 365 in (357, 364):                        # about 24 and 31 December
            extra[number] = [Closure("Half day", 12 * 3600)]
    merged = dict(closures)
    for number, items in extra.items():
        merged[number] = merged.get(number, []) + items
    return Calendar(parse_hours(spec), Workweek("DE"), merged)


def transitions(name):
    return oracle.transitions(name, LO, HI)


def around(t):
    """Instants about a transition: the second before, at and after, the minute's first and
    last seconds, and the neighbouring local days."""
    return [t - DAY, t - 61, t - 60, t - 1, t, t + 1, t + 59, t + 60, t + 3600, t + DAY - 1]


def check(clock, instants, failures, name=None):
    """Every field against the uncached engine; the local fields against zoneinfo too."""
    for t in instants:
        got, want = clock.values(t), clock.uncached(t)
        if got != want:
            failures.append(f"{clock.zone.name} @{t}: {got} != uncached {want}")
        elif name is not None:
            try:
                local = oracle.local_fields(name, t)
            except oracle.SubMinuteOffset:  # pytz rounds local mean time: the accepted difference
                continue
            if tuple(got[i] for i in LOCAL) != local:
                failures.append(f"{name} @{t}: {[got[i] for i in LOCAL]} != zoneinfo {local}")


# --- Every zone, every transition ----------------------------------------------------------------


def test_every_transition_of_every_zone_every_field():
    """All of pytz's zones, each transition in order with its neighbours (day, minute and
    gap caches hit and missed), under public holidays: the uncached engine and zoneinfo agree."""
    calendar = holiday_calendar()
    failures, checked = [], 0
    for name in ALL_ZONES:
        clock = Clock(calendar, resolve_zone(name), "p", {})
        instants = [t for when in transitions(name) for t in around(when) if LO <= t <= HI]
        check(clock, instants, failures, name)
        checked += len(instants)
    assert checked > 500_000
    assert not failures, f"{len(failures)} disagreements, first: " + "\n".join(failures[:20])


def test_every_transition_shuffled_across_zones_with_a_small_shared_day_dict(monkeypatch):
    """All zones interleaved and out of order (three in ten transitions of each), one day dict
    for all clocks, kept small so that it is emptied again and again: found days, stale days
    and evictions."""
    monkeypatch.setattr(clock_module, "MAX_CACHED_DAYS", 64)
    calendar = holiday_calendar("mon-fri 08:00-12:00, 13:00-17:30; sat 10:00-14:00")
    days = {}
    clocks = {name: Clock(calendar, resolve_zone(name), "p", days) for name in ALL_ZONES}
    rng = random.Random(20261130)
    work = [(name, t) for name in ALL_ZONES for when in transitions(name) if rng.random() < 0.3
            for t in (when - 1, when, when + 1)]
    rng.shuffle(work)
    work += work[: len(work) // 4]  # come back to days already kept
    failures = []
    for name, t in work:
        check(clocks[name], (t,), failures)
        assert len(days) <= 64
    assert not failures, f"{len(failures)} disagreements, first: " + "\n".join(failures[:20])


# --- Random walks ----------------------------------------------------------------------------------

STEP = (st.integers(-3 * DAY, 3 * DAY) | st.integers(-4000, 4000) | st.integers(-12 * DAY, 12 * DAY)
        | st.sampled_from([1, -1, 59, -59, 60, -60, 3600, -3600, DAY, -DAY, DAY - 1, 1 - DAY, 7 * DAY]))


@BOUNDED
@given(spec=st.sampled_from(SPECS), name=st.sampled_from(NOTABLE + ALL_ZONES[::9]),
       start=st.integers(20 * DAY, HI - 20 * DAY), steps=st.lists(STEP, max_size=40),
       closed=st.lists(st.integers(-20, 20), max_size=4), closes_at=st.sampled_from([0, 12 * 3600, 17 * 3600 + 60]),
       shutdown=st.none() | st.tuples(st.integers(-30, 5), st.integers(1, 45)))
def test_walks_equal_the_uncached_engine(spec, name, start, steps, closed, closes_at, shutdown):
    """A walk of nearby and distant instants: the same minute and its first second, the same
    local day, the next ones (a gap's window reused or not), with closures and shutdowns near."""
    day = start // DAY
    closures = {day + k: [Closure(f"Closure {k}", closes_at)] for k in closed}
    if shutdown:
        for k in range(shutdown[0], shutdown[0] + shutdown[1]):
            closures.setdefault(day + k, []).append(Closure(f"Shutdown {k}", 0))
    clock = Clock(Calendar(parse_hours(spec), Workweek(), closures), resolve_zone(name), "p", {})
    failures, t, instants = [], start, [start]
    for step in steps:
        t = min(max(t + step, 20 * DAY), HI - 20 * DAY)
        instants.append(t)
    check(clock, instants, failures)
    assert not failures, failures


@BOUNDED
@given(names=st.lists(st.sampled_from(NOTABLE + ALL_ZONES[::5]), min_size=2, max_size=6, unique=True),
       spec=st.sampled_from(SPECS), start=st.integers(20 * DAY, HI - 20 * DAY),
       picks=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3 * 3600)), max_size=60))
def test_interleaved_clocks_walking_down_equal_the_uncached_engine(names, spec, start, picks):
    """The worst workload in small: several zones' clocks sharing one day dict, instants newest
    first a few hours apart, as a search over months with a per-event zone returns them."""
    calendar, days = Calendar(parse_hours(spec), Workweek(), {}), {}
    clocks = [Clock(calendar, resolve_zone(name), "p", days) for name in names]
    failures, t = [], start
    for index, gap in picks:
        t -= gap
        check(clocks[index % len(clocks)], (t,), failures)
    assert not failures, failures


# --- A gap's window on other local days ------------------------------------------------------------


@BOUNDED
@given(spec=st.sampled_from(SPECS), name=st.sampled_from(NOTABLE + ALL_ZONES[::11]),
       start=st.integers(40 * DAY, HI - 40 * DAY), margin=st.integers(0, 2),
       offsets=st.lists(st.integers(-4 * DAY, 4 * DAY) | st.integers(-30 * DAY, 30 * DAY), min_size=1, max_size=12),
       closed=st.lists(st.integers(-10, 10), max_size=3),
       shutdown=st.none() | st.tuples(st.integers(-40, 5), st.integers(1, 45)))
def test_a_window_decides_the_days_window_covers_allows(spec, name, start, margin, offsets, closed, shutdown):
    """Where ``window_covers`` says a window found on one local day decides an instant of its
    gap on another, it gives that instant's uncached ``minutes_outside``: short gaps, and
    shutdowns longer than the horizon with no span on one side for weeks."""
    day = start // DAY
    closures = {day + k: [Closure("Closed", 0)] for k in closed}
    if shutdown:
        for k in range(shutdown[0], shutdown[0] + shutdown[1]):
            closures.setdefault(day + k, []).append(Closure(f"Shutdown {k}", 0))
    calendar = Calendar(parse_hours(spec), Workweek(), closures)
    zone = resolve_zone(name)
    number = (start + zone.utc_offset(start)) // DAY
    window = outside_window(calendar, zone, start, number, margin)
    if window is None:
        return
    low, high = window[2], window[3]
    failures = []
    for offset in offsets:
        t = start + offset
        if not low <= t < high:
            continue
        other = (t + zone.utc_offset(t)) // DAY
        if window_covers(window, abs(other - number)) and (
                minutes_between(t, window) != minutes_outside(calendar, zone, t, other)):
            failures.append((t, other - number, minutes_between(t, window), minutes_outside(calendar, zone, t, other)))
    assert not failures, (window, failures)


def test_a_weekend_gap_is_found_once_for_its_days():
    """Friday 18:00 to Monday 08:00 in Berlin, four local days: a scan decides the next day
    too (``_GAP_MARGIN``), so Friday's decides Saturday, Sunday's Monday."""
    calendar = Calendar(parse_hours("mon-fri 08:00-18:00"), Workweek("DE"), {})
    zone = resolve_zone("Europe/Berlin")
    friday_night = 1763744400 + 3 * 3600   # 2025-11-21T17:00:00Z is 18:00 in Berlin; 21:00 local
    clock, calls = Clock(calendar, zone, "p", {}), []
    real = clock_module.outside_window

    def counted(*args):
        calls.append(args[2])
        return real(*args)

    clock_module.outside_window = counted
    try:
        instants = [friday_night + k * 3 * 3600 for k in range(18)]  # to Monday 06:00 local
        failures = []
        check(clock, instants, failures)
    finally:
        clock_module.outside_window = real
    assert not failures, failures
    assert len(calls) == 2, calls


def test_a_gap_is_scanned_once_in_wall_time_for_many_zones():
    """Ten zones on one calendar through a fortnight with daylight-saving changes in it (late
    March 2025): every field equals the uncached engine; the gaps are scanned in wall time once
    for all zones, and in a zone's own instants only where an offset change lies within the
    scan's reach (Berlin, Sydney, Lord Howe, Chatham), far fewer scans than a gap per zone and
    day."""
    calendar = holiday_calendar()
    names = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata",
             "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Africa/Lagos"]
    days, calls = {}, []
    clocks = [Clock(calendar, resolve_zone(name), "p", days) for name in names]
    real = clock_module.outside_window

    def counted(*args):
        calls.append(args[1].name)
        return real(*args)

    clock_module.outside_window = counted
    try:
        failures = []
        for t in range(1742515200, 1742515200 + 14 * DAY, 1800):  # 2025-03-21, half-hourly
            for clock in clocks:
                check(clock, [t], failures)
    finally:
        clock_module.outside_window = real
    assert not failures, failures[:10]
    in_wall_time = calls.count("UTC")
    assert in_wall_time <= 2 * 14, in_wall_time  # a gap before and after each day's hours, at most
    assert in_wall_time < len(calls) < len(names) * 14 / 2, calls  # some zones scan their own


# --- Bounds -----------------------------------------------------------------------------------------


def test_caches_stay_bounded():
    """Many days, gaps and day shapes (distinct closures) over many clocks: each cache keeps at
    most its bound."""
    rng = random.Random(7)
    days = {}
    closures = {n: [Closure("C", rng.choice([0, 9 * 3600, 13 * 3600, 17 * 3600]))] for n in range(0, 30000, 3)}
    calendars = [Calendar(parse_hours(f"mon-fri {h:02d}:00-{h + 9:02d}:{m:02d}"), Workweek(), closures)
                 for h in range(0, 14) for m in (0, 15, 30, 45)]
    clocks = [Clock(calendar, resolve_zone(name), "p", days)
              for calendar in calendars for name in ("UTC", "Europe/Berlin", "Asia/Kathmandu")]
    for _ in range(60_000):
        clock = rng.choice(clocks)
        clock.values(rng.randrange(0, 30000 * DAY))
        assert len(clock._gaps) <= clock_module._MAX_GAPS
    assert len(days) <= clock_module.MAX_CACHED_DAYS
    assert len(clock_module._SEGMENTS) <= clock_module._MAX_SHAPES


@pytest.mark.parametrize("name", ["Africa/Monrovia", "America/Goose_Bay", "Pacific/Apia"])
def test_days_split_inside_a_minute_or_skipped(name):
    """A transition inside a UTC minute (Monrovia 1972), at hh:01 local (Goose Bay) and a
    skipped local day (Apia 2011): minute by minute and second by second across them."""
    clock, failures = Clock(holiday_calendar("mon-sun 00:00-23:30"), resolve_zone(name), "p", {}), []
    for when in transitions(name):
        if 0 <= when <= 2**31:
            check(clock, range(when - 150, when + 150, 7), failures, name)
            check(clock, range(when + 3 * 3600, when - 3 * 3600, -61), failures, name)
    assert not failures, failures[:20]


# --- Many instants together (values_at) ------------------------------------------------------------


def check_together(clock, instants, failures, against=None):
    """``values_at`` of ``instants`` against each instant's own uncached fields (or, for speed,
    ``against``: another clock's one-by-one values, themselves checked above)."""
    got = clock.values_at(list(instants))
    want = [against.values(t) if against is not None else clock.uncached(t) for t in instants]
    failures.extend(f"{clock.zone.name} @{t}: {g} != {w}" for t, g, w in zip(instants, got, want) if g != w)


def test_every_transition_of_every_zone_together():
    """Around each transition of every zone from 1901-12-14 to 2100: a day before to a day
    after every 51 minutes, with the second before, at and after the transition and the
    minute's edges, newest first as a search returns them (one stretch of a day after
    another): equal to the one-by-one values, and to the uncached engine for the notable
    zones."""
    calendar = holiday_calendar()
    failures, checked = [], 0
    for name in ALL_ZONES:
        zone = resolve_zone(name)
        for when in transitions(name):
            instants = sorted({t for t in [*range(when - DAY, when + DAY, 3061), *around(when)] if LO <= t <= HI},
                              reverse=True)
            check_together(Clock(calendar, zone, "p", {}), instants, failures,
                           None if name in NOTABLE else Clock(calendar, zone, "p", {}))
            checked += len(instants)
    assert checked > 4_000_000
    assert not failures, f"{len(failures)} disagreements, first: " + "\n".join(failures[:20])


ORDER = st.sampled_from(["newest first", "oldest first", "as drawn"])


@BOUNDED
@given(spec=st.sampled_from(SPECS), name=st.sampled_from(NOTABLE + ALL_ZONES[::9]),
       start=st.integers(20 * DAY, HI - 20 * DAY), gaps=st.lists(st.integers(0, 5000) | st.integers(0, 3 * DAY),
                                                               max_size=300),
       order=ORDER, closed=st.lists(st.integers(-20, 20), max_size=4),
       closes_at=st.sampled_from([0, 12 * 3600, 17 * 3600 + 60]))
def test_instants_together_equal_the_uncached_engine(spec, name, start, gaps, order, closed, closes_at):
    """Dense and sparse runs, in either order or none, with closures and half days: each
    instant's fields are its uncached ones."""
    day = start // DAY
    closures = {day - k: [Closure(f"Closure {k}", closes_at)] for k in closed}
    clock = Clock(Calendar(parse_hours(spec), Workweek(), closures), resolve_zone(name), "p", {})
    instants, t = [], start
    for gap in gaps:
        t = max(t - gap, 20 * DAY)
        instants.append(t)
    if order == "oldest first":
        instants.reverse()
    elif order == "as drawn":
        random.Random(len(instants)).shuffle(instants)
    failures = []
    check_together(clock, instants, failures)
    assert not failures, failures[:10]


def test_a_dense_hour_goes_a_stretch_at_a_time_and_sparse_days_one_by_one(monkeypatch):
    """An hour's events every 7 seconds, newest first: no instant goes one by one. Events a
    few hours apart: each does."""
    one_by_one = []
    real = Clock.values
    monkeypatch.setattr(Clock, "values", lambda self, utc: one_by_one.append(utc) or real(self, utc))
    clock = Clock(holiday_calendar(), resolve_zone("Europe/Berlin"), "p", {})
    dense = list(range(1763769599, 1763769599 - 3600, -7))
    assert clock.values_at(dense) == [clock.uncached(t) for t in dense] and one_by_one == []
    sparse = list(range(1763769599, 1763769599 - 30 * DAY, -5 * 3600))
    assert clock.values_at(sparse) == [clock.uncached(t) for t in sparse] and one_by_one == sparse
