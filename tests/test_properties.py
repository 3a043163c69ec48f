"""Property tests: the engine (pytz) against the independent zoneinfo oracle (tests/oracle.py).

The oracle follows CONTRACT.md and reads the ``tzdata`` package pinned to pytz's IANA release.
Compared instants lie in 1901-12-14 to 2100 (the contract's range: before it pytz keeps local
mean time; after 2037 the engine reads the zone files' 64-bit data and footer rule). Where
zoneinfo's offset has seconds (local mean time, e.g. Africa/Monrovia before 1972) pytz rounds
it to minutes: the contract's one accepted difference, so such examples are skipped.
"""
import importlib.resources
import os
import random
import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

import oracle
from conftest import REPO
from offhours import zones as engine_zones
from offhours.calendar import Calendar, Closure, Workweek, day_number
from offhours.hours import parse_hours
from offhours.verdict import judge
from offhours.zones import resolve_zone
from oracle import Entry, Oracle, SubMinuteOffset

pytz = engine_zones.pytz  # the pytz the engine runs on (the vendored one when lib/ is built)

LO = int((datetime(1901, 12, 14) - datetime(1970, 1, 1)).total_seconds())
HI = int((datetime(2100, 12, 31, 23, 59, 59) - datetime(1970, 1, 1)).total_seconds())
HI_AHEAD = int((datetime(2100, 12, 15) - datetime(1970, 1, 1)).total_seconds())
DAY = 86400
ZONES = sorted(pytz.common_timezones)
ALL_ZONES = sorted(pytz.all_timezones)
# Zones with remarkable history in 1970-2037: 24 h jumps (Apia, Fakaofo, Kwajalein), negative
# DST (Dublin, Windhoek), 30-minute DST (Lord Howe), Ramadan breaks (Casablanca), 45-minute
# offsets, zones the 2025b -> 2026f update changed (Vancouver, Havana), LMT until 1972 (Monrovia).
NOTABLE = [
    "Pacific/Apia", "Pacific/Fakaofo", "Pacific/Kwajalein", "Pacific/Kiritimati",
    "Europe/Dublin", "Africa/Windhoek", "Australia/Lord_Howe", "Africa/Casablanca",
    "Africa/Cairo", "Asia/Gaza", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns",
    "America/Vancouver", "America/Havana", "America/Santiago", "America/Sao_Paulo",
    "Africa/Monrovia", "Asia/Tehran", "Europe/Moscow", "America/Los_Angeles", "Europe/Berlin",
    "Antarctica/Troll", "Australia/Eucla", "America/Caracas", "Asia/Pyongyang", "UTC",
]
NOTABLE = [name for name in NOTABLE if name in ZONES]

# OFFHOURS_PROPERTY_SCALE=20 multiplies the example counts for a long bug hunt.
SCALE = float(os.environ.get("OFFHOURS_PROPERTY_SCALE", "1"))
FAST = settings(deadline=None, max_examples=int(600 * SCALE), suppress_health_check=[HealthCheck.too_slow])


def _epoch(moment):
    return (moment - datetime(1970, 1, 1)) // timedelta(seconds=1)


# --- The oracle's data source ---------------------------------------------------------------


def test_oracle_reads_tzdata_of_pytz_release():
    """The oracle's IANA release is pytz's, and it comes from the tzdata package, not /usr/share."""
    assert oracle.TZDATA_VERSION == pytz.OLSON_VERSION
    assert zoneinfo.TZPATH == ()
    for name in ("America/Vancouver", "Africa/Casablanca", "America/Havana"):
        data = importlib.resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
        with data.open("rb") as handle:
            packaged = zoneinfo.ZoneInfo.from_file(handle, key=name)
        for year in range(2024, 2038):
            for month in (1, 4, 7, 11):
                moment = datetime(year, month, 15, 12)
                assert oracle.zone(name).utcoffset(moment) == packaged.utcoffset(moment), (name, moment)


# --- Transitions (from zoneinfo's data, and pytz's table only to pick more instants) --------


def transitions(name):
    """Where zoneinfo's offset changes in [LO, HI], and the zone file's listed instants."""
    return oracle.transitions(name, LO, HI)


def _whole_minutes(name, *epochs):
    return all(oracle.raw_utc_offset(name, t) % 60 == 0 for t in epochs)


def test_every_transition_1901_2100():
    """At each transition of every zone: offset, local fields and wall->UTC agree the second
    before, at and after (after 2037 the engine reads the zone file's 64-bit data and footer)."""
    failures = []
    checked = 0
    for name in ALL_ZONES:
        zone = resolve_zone(name)
        for when in transitions(name):
            before = oracle.raw_utc_offset(name, when - 1)
            after = oracle.raw_utc_offset(name, when)
            if before % 60 or after % 60:
                continue  # local mean time: pytz rounds it (accepted difference)
            for t in (when - 1, when, when + 1):
                checked += 1
                want = oracle.utc_offset(name, t)
                got = zone.utc_offset(t)
                if got != want:
                    failures.append(f"{name} utc_offset({t}) = {got}, zoneinfo {want}")
                    continue
                verdict = judge(ALWAYS, zone, t)
                got_fields = (verdict.local_time, verdict.local_hour, verdict.local_wday)
                if got_fields != oracle.local_fields(name, t):
                    failures.append(f"{name} @{t}: {got_fields} != {oracle.local_fields(name, t)}")
            if before == after:
                # Only the DST flag changes (America/Nuuk 2023-10-29T01:00Z): no wall time is
                # skipped or repeated, yet zoneinfo's fold=0 lookup takes the hour after it as a
                # fold at the old offset plus the DST amount (-01:00, an offset not in force).
                continue
            # wall times around both ends of the gap or fold
            for wall in {when + before + d for d in (-1, 0, 1)} | {when + after + d for d in (-1, 0, 1)}:
                want = oracle.utc_of_wall(name, oracle.wall_datetime(wall))
                got = zone.utc_of_wall(wall)
                if got != want:
                    failures.append(f"{name} utc_of_wall({oracle.wall_datetime(wall)}) = {got}, zoneinfo fold=0 {want}")
    assert checked > 10000
    assert not failures, f"{len(failures)} disagreements, first: " + "\n".join(failures[:20])


# --- Property 1: offsets and local fields at random instants --------------------------------

ALWAYS = Calendar(parse_hours("mon-sun 00:00-24:00"), Workweek(), {})


@FAST
@given(name=st.sampled_from(ZONES), epoch=st.integers(LO, HI), upper=st.booleans())
@example(name="America/Vancouver", epoch=_epoch(datetime(2026, 12, 1, 12)), upper=False)
@example(name="Africa/Monrovia", epoch=_epoch(datetime(1972, 1, 7, 12)), upper=False)
def test_offset_and_local_fields(name, epoch, upper):
    try:
        offset = oracle.utc_offset(name, epoch)
        want = oracle.local_fields(name, epoch)
    except SubMinuteOffset:
        assume(False)
    zone = resolve_zone(name.upper() if upper else name.lower())
    assert zone.name == name
    assert zone.utc_offset(epoch) == offset
    verdict = judge(ALWAYS, zone, epoch)
    assert (verdict.local_time, verdict.local_hour, verdict.local_wday) == want


# --- Property 4: wall time -> UTC, fold=0 --------------------------------------------------


@FAST
@given(data=st.data(), name=st.sampled_from(ZONES))
def test_utc_of_wall_is_fold_0(data, name):
    moments = transitions(name)
    if moments and data.draw(st.booleans(), label="near a transition"):
        when = data.draw(st.sampled_from(moments), label="transition")
        before, after = oracle.raw_utc_offset(name, when - 1), oracle.raw_utc_offset(name, when)
        reach = abs(after - before) + 7200
        wall = when + data.draw(st.sampled_from((before, after)), label="side") + data.draw(
            st.integers(-reach, reach), label="delta")
    else:
        wall = data.draw(st.integers(LO + DAY, HI - DAY), label="wall")
    try:
        want = oracle.utc_of_wall(name, oracle.wall_datetime(wall))
        assume(_whole_minutes(name, want - 2 * DAY, want + 2 * DAY))
    except SubMinuteOffset:
        assume(False)
    assert resolve_zone(name).utc_of_wall(wall) == want, oracle.wall_datetime(wall)


# --- Property 2: verdicts for random calendars ------------------------------------------------

minute = st.one_of(st.integers(0, 1439), st.sampled_from(range(0, 1440, 30)))
duration = st.one_of(st.sampled_from((30, 60, 240, 480, 600, 1440)), st.integers(1, 1440))


@st.composite
def interval(draw):
    """(start, end) minutes as written: an end at or before the start runs past midnight;
    midnight as an end is written 24:00 (1440) or 00:00 (0)."""
    start = draw(minute)
    end = (start + draw(duration)) % 1440
    if end == 0 and draw(st.booleans()):
        end = 1440
    return start, end


# a day token: one day, or a range a-b (b != a) that may wrap (sun-thu)
day_token = st.one_of(
    st.integers(0, 6).map(lambda d: (d, d)),
    st.tuples(st.integers(0, 6), st.integers(1, 6)).map(lambda p: (p[0], (p[0] + p[1]) % 7)),
)
days_part = st.one_of(st.none(), st.just("workdays"), st.lists(day_token, min_size=1, max_size=3))
entries = st.lists(st.tuples(days_part, st.lists(interval(), min_size=1, max_size=3)), min_size=1, max_size=3)
TERRITORIES = [None, None, "US", "IR", "IN", "EG", "AF", "BN", "BD", "SA", "AE", "UG"]


def token_days(token):
    first, last = token
    days, day = [first], first
    while day != last:
        day = (day + 1) % 7
        days.append(day)
    return days


def render(entries_value):
    """The ``hours`` spec and the oracle's entries, from one drawn structure."""
    texts, table = [], []
    for days, intervals in entries_value:
        times = ", ".join(
            oracle.clock(s) + "-" + ("24:00" if e == 1440 else oracle.clock(e)) for s, e in intervals
        )
        if days is None:
            texts.append(times)
            table.append(Entry(None, intervals))
        elif days == "workdays":
            texts.append("workdays " + times)
            table.append(Entry(None, intervals))
        else:
            words = [
                oracle.DAY_NAMES[a] if a == b else f"{oracle.DAY_NAMES[a]}-{oracle.DAY_NAMES[b]}"
                for a, b in days
            ]
            texts.append(",".join(words) + " " + times)
            table.append(Entry({d for token in days for d in token_days(token)}, intervals))
    return "; ".join(texts), table


@st.composite
def scenarios(draw):
    """(zone, epoch, spec, oracle entries, territory, closures {date: [(name, minutes)]})."""
    spec, table = render(draw(entries))
    if draw(st.integers(0, 9)) == 0:
        minutes = draw(st.integers(-14 * 60, 14 * 60))
        name = oracle.format_offset(minutes * 60)
    else:
        name = draw(st.one_of(st.sampled_from(NOTABLE), st.sampled_from(ZONES)))
    moments = [t for t in transitions(name) if LO + 20 * DAY < t < HI_AHEAD] if "/" in name else []
    mode = draw(st.integers(0, 3))
    if mode == 1 and moments:  # near a DST or offset change
        epoch = draw(st.sampled_from(moments)) + draw(st.integers(-2 * DAY, 2 * DAY))
    elif mode >= 2:  # near an interval boundary, in wall time, maybe on a transition day
        if moments and mode == 3:
            base = draw(st.sampled_from(moments)) + draw(st.integers(-DAY, DAY))
        else:
            base = draw(st.integers(LO + 20 * DAY, HI_AHEAD))
        day = oracle.local(name, base).date()
        marks = [m for entry in table for s, e in entry.intervals for m in (s, e)]
        mark = draw(st.sampled_from(marks))
        wall = datetime(day.year, day.month, day.day) + timedelta(
            minutes=mark, seconds=draw(st.sampled_from((0, 0, -1, 1)) | st.integers(-5400, 5400)))
        try:
            epoch = oracle.utc_of_wall(name, wall)
        except SubMinuteOffset:
            epoch = base  # local mean time there: the example is skipped anyway
        epoch += draw(st.sampled_from((0, 0, 0, -3600, 3600)))
    else:
        epoch = draw(st.integers(LO + 20 * DAY, HI_AHEAD))
    epoch = min(max(epoch, LO + 20 * DAY), HI_AHEAD)
    territory = draw(st.sampled_from(TERRITORIES))
    closures = {}
    today = oracle.local(name, epoch).date()
    if draw(st.booleans()):  # a few closures, all day or from a time, often today
        plain = Oracle(table, oracle.weekend_of(territory))
        for number in range(draw(st.integers(1, 4))):
            when = today + timedelta(days=draw(st.one_of(st.just(0), st.integers(-3, 16))))
            # times at (or just before) that day's interval starts are the interesting ones
            starts = [s // 60 for s, _ in plain.intervals(when)] or [0]
            closes = draw(st.one_of(st.just(0), st.integers(0, 1439), st.sampled_from(starts),
                                    st.sampled_from(starts).map(lambda m: max(0, m - 1))))
            closures.setdefault(when, []).append((f"Closure {number}", closes))
    if draw(st.integers(0, 3)) == 0:  # a long shutdown: the nearest interval is days away
        # often about two weeks each side: the 14-day horizon of minutes_outside
        first = draw(st.one_of(st.integers(-16, 0), st.integers(-16, -12)))
        for k in range(first, first + draw(st.one_of(st.integers(1, 30), st.integers(24, 31)))):
            closures.setdefault(today + timedelta(days=k), []).append((f"Shutdown {k}", 0))
    return name, epoch, spec, table, territory, closures


def engine_calendar(spec, territory, closures):
    return Calendar(
        parse_hours(spec),
        Workweek(territory),
        {day_number(day): [Closure(n, m * 60) for n, m in items] for day, items in closures.items()},
    )


def compare(name, epoch, spec, table, territory, closures):
    """(oracle, engine) verdict dicts, or None when the example is outside the contract's reach."""
    try:
        want = Oracle(table, oracle.weekend_of(territory), closures).verdict(name, epoch)
    except SubMinuteOffset:
        event("skipped: local mean time (offset with seconds)")
        return None
    v = judge(engine_calendar(spec, territory, closures), resolve_zone(name), epoch)
    got = {key: getattr(v, key) for key in want}
    return want, got


@settings(deadline=None, max_examples=int(2000 * SCALE),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenario=scenarios())
def test_verdict_matches_oracle(scenario):
    name, epoch, spec, _, territory, closures = scenario
    pair = compare(*scenario)
    assume(pair is not None)
    want, got = pair
    event(f"reason {want['reason']}")
    assert got == want, (name, epoch, oracle.local(name, epoch).isoformat(), spec, territory, closures)


# --- Deterministic cases the random search reaches too rarely ------------------------------

# Around the contract's date-effective weekends: Saudi Arabia Thursday-Friday before
# 2013-06-29, United Arab Emirates Friday-Saturday before 2022-01-01 (then the CLDR weekend).
WEEKEND_DATES = [
    ("SA", date(2013, 6, 20)), ("SA", date(2013, 6, 22)), ("SA", date(2013, 6, 27)),
    ("SA", date(2013, 6, 28)), ("SA", date(2013, 6, 29)), ("SA", date(2013, 6, 30)),
    ("AE", date(1990, 6, 7)), ("AE", date(2006, 8, 31)), ("AE", date(2006, 9, 1)),
    ("AE", date(2006, 9, 2)), ("AE", date(2021, 12, 30)), ("AE", date(2021, 12, 31)),
    ("AE", date(2022, 1, 1)), ("AE", date(2022, 1, 2)), ("AE", date(2022, 1, 6)),
    ("BN", date(2024, 5, 3)), ("BN", date(2024, 5, 4)), ("BN", date(2024, 5, 5)),
    ("BD", date(2024, 5, 3)), ("BD", date(2024, 5, 4)), ("BD", date(2024, 5, 5)),
    ("IR", date(2024, 5, 3)), ("IR", date(2024, 5, 4)), ("AF", date(2024, 5, 2)),
    ("IN", date(2024, 5, 4)), ("IN", date(2024, 5, 5)),
]


@pytest.mark.parametrize("territory, day", WEEKEND_DATES, ids=[f"{t}-{d}" for t, d in WEEKEND_DATES])
def test_date_effective_weekends(territory, day):
    """``workdays 09:00-17:00`` at noon: business hours on a workday, weekend otherwise."""
    name = "Asia/Dubai" if territory == "AE" else "Asia/Riyadh"
    epoch = oracle.utc_of_wall(name, datetime(day.year, day.month, day.day, 12))
    want, got = compare(name, epoch, "workdays 09:00-17:00", [Entry(None, [(540, 1020)])], territory, {})
    assert (got["reason"], got["minutes_outside"]) == (want["reason"], want["minutes_outside"]), (
        territory, day.strftime("%a %Y-%m-%d"))


# Only intervals within 14 days of *elapsed* time count. Across the date line jumps that
# skipped a whole local day (Apia and Fakaofo 2011-12-30, Kwajalein 1993-08-21), an interval
# that started 16 local days earlier can end less than 14 real days before the event. Weekly
# hours repeat, so closures clear the weeks in between.
JUMPS = [("Pacific/Apia", date(2011, 12, 30)), ("Pacific/Fakaofo", date(2011, 12, 30)),
         ("Pacific/Kwajalein", date(1993, 8, 21))]


@pytest.mark.parametrize("name, skipped", JUMPS, ids=[name for name, _ in JUMPS])
def test_horizon_is_elapsed_time_across_a_skipped_day(name, skipped):
    first = skipped - timedelta(days=10)                 # the interval's day
    today = first + timedelta(days=16)                   # the event's local day
    spec = f"{oracle.DAY_NAMES[first.weekday()]} 23:00-01:00"
    table = [Entry({first.weekday()}, [(23 * 60, 60)])]
    closures = {first + timedelta(days=7 * k): [(f"Closure {k}", 0)] for k in (1, 2, 3, 4)}
    epoch = oracle.utc_of_wall(name, datetime(today.year, today.month, today.day, 0, 30))
    want, got = compare(name, epoch, spec, table, None, closures)
    assert want["minutes_outside"] == str(14 * 24 * 60 - 30)  # the oracle's own sanity
    assert got == want, (oracle.local(name, epoch).isoformat(), spec, sorted(closures))


@FAST
@given(minutes=st.integers(-18 * 60, 18 * 60), epoch=st.integers(LO, HI), compact=st.booleans())
def test_fixed_offsets(minutes, epoch, compact):
    canonical = oracle.format_offset(minutes * 60)
    spelling = canonical.replace(":", "") if compact else canonical
    zone = resolve_zone(spelling)
    assert zone.name == canonical
    assert zone.utc_offset(epoch) == minutes * 60
    verdict = judge(ALWAYS, zone, epoch)
    assert (verdict.local_time, verdict.local_hour, verdict.local_wday) == oracle.local_fields(canonical, epoch)


# --- The command, end to end, under the interpreters Splunk ships ---------------------------

COMMAND_HOURS = "mon-fri 08:00-18:00"
COMMAND_ORACLE = Oracle([Entry({0, 1, 2, 3, 4}, [(8 * 60, 18 * 60)])], oracle.SAT_SUN, {})
COMPARED = ("local_time", "local_hour", "local_wday", "off_hours", "off_hours_reason", "minutes_outside")


def command_events(count=3000, seed=20260611):
    """(event, expected fields) with random instants 1901-12-14 to 2100 and random zones."""
    rng = random.Random(seed)
    events = []
    while len(events) < count:
        name = rng.choice(ZONES)
        epoch = rng.randint(LO, HI)
        try:
            verdict = COMMAND_ORACLE.verdict(name, epoch)
        except SubMinuteOffset:
            continue
        spelling = name if rng.random() < 0.9 else rng.choice((name.lower(), name.upper()))
        time_text, millis = str(epoch), rng.randrange(1000)
        if rng.random() < 0.5 and millis:  # a fraction within the second: floor gives epoch
            time_text = f"{epoch}.{millis:03d}" if epoch >= 0 else f"-{-epoch - 1}.{1000 - millis:03d}"
        expected = {
            "local_time": verdict["local_time"],
            "local_hour": verdict["local_hour"],
            "local_wday": verdict["local_wday"],
            "off_hours": verdict["off_hours"],
            "off_hours_reason": verdict["reason"],
            # 14 days ahead of 2100-12-15 leaves the compared range: compare only before that
            "minutes_outside": verdict["minutes_outside"] if epoch < HI_AHEAD else None,
            "bh_tz": name,
        }
        event = {"_time": time_text, "zone": spelling, "seq": str(len(events)), "host": f"h{rng.randrange(5)}"}
        events.append((event, expected))
    return events


def test_command_agrees_with_oracle(splunk_python):
    scpv2 = pytest.importorskip("harness.scpv2")
    events = command_events()
    rng = random.Random(7)
    sizes, left = [], len(events)
    while left:
        sizes.append(min(left, rng.choice((1, 7, 100, 1000))))
        left -= sizes[-1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["TZ"] = "Asia/Kathmandu"  # the command must never read the process's local time
    session = scpv2.run_command(
        splunk_python, ["tzfield=zone", f"hours={COMMAND_HOURS}"], [event for event, _ in events],
        chunk_size=sizes, env=env, cwd=REPO,
    )
    assert session.returncode == 0, session.stderr
    assert not [m for m in session.messages if m[0] in ("ERROR", "FATAL")], session.messages
    assert len(session.records) == len(events)
    failures = []
    for record, (original, expected) in zip(session.records, events):
        for key, value in original.items():  # every original field, unchanged, in order
            assert record.get(key) == value, (key, record, original)
        for key, value in expected.items():
            if value is not None and record.get(key, "") != value:
                failures.append(
                    f"{original['zone']} _time={original['_time']}: {key} = {record.get(key)!r}, oracle {value!r}"
                )
    assert not failures, f"{len(failures)} disagreements:\n" + "\n".join(failures[:20])
