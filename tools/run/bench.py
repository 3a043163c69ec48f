"""``make bench``: ecrofhours against the floor and splunklib commands, as splunkd would run them.

Every command runs under the same bare interpreter (Python 3.9 and 3.13 as Splunk ships them,
``--python``), over the same pre-encoded SCP v2 sessions (``harness/scpv2.py``): 200,000
CloudTrail-like events of 15 fields, newest first as a search returns them, in 50,000-row chunks.

Workloads (the events' times and zones):

- ``week``: evenly spread over 7 days, 5 team zones: the splunklib comparisons below;
- ``dense``: all within one hour (a minute holds about 55 events);
- ``spread``: uniform over two years (each event in a minute of its own: sparse detections,
  month-long searches);
- ``worst``: ``spread`` with ``profile=berlin`` (a zone and public holidays) and a per-event
  ``tzfield`` over 40 zones.

Commands (one process each, per run):

- ``floor``: a chunked command without splunklib that reads the session and appends the ten
  output fields as constants with the C csv module (``tools/run/bench_commands/floor.py``): the
  least any Python command that writes this output costs. ecrofhours's throughput on dense,
  spread and worst is reported as a fraction of the floor's on the very same session;
- ``noop``: a splunklib ``StreamingCommand`` that yields its records unchanged
  (``tools/run/bench_commands/noop.py``), what splunklib's record handling costs;
- ``const``: the same, adding the ten output fields as constants
  (``tools/run/bench_commands/constfields.py``): the cost of writing those fields through splunklib;
- ``ecrofhours``: ``bin/ecrofhours.py`` with the default profile, and with a profile that has a
  zone and public holidays plus a per-event ``tzfield`` (``profile=berlin tzfield=team_tz``).

Each command's getinfo reply is probed first; where it declares ``required_fields`` the
"required" session sends only those fields plus ``_chunked_idx``, as splunkd does; the "all"
session sends every field. The no-op and constant commands declare none, so they get every field
either way; the floor declares what ecrofhours declares for the same arguments. Rounds
interleave all runs (their order alternates); each figure is the median over the rounds.

Timed: the command process alone, from fork to exit (its start-up included), by a tiny launcher
that forks and execs it and reads ``wait4``; the bench only writes pre-encoded bytes and reads the
reply bytes, decoding nothing while a command runs. Peak RSS is the command process's
``ru_maxrss``. Start-up is a getinfo-only probe (splunkd's parse-time probes), several per round.
Commands run without the caller's ``PYTHON*`` variables: after its first run each interpreter
reuses cached bytecode, so the figures are steady-state. Replies of the first round are checked
(every event back, no error, finished) after the timing.

Targets (:func:`report`) are checked for each interpreter; the exit status is 1 when one is
missed. Peak RSS is held to the figures measured before the per-day cache
(:data:`PEAK_RSS_BEFORE_MIB`).

Usage: python tools/run/bench.py [--python 3.9|3.13|both|PATH] [--rounds N] [--events N]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from harness.scpv2 import (  # noqa: E402
    encode_chunk,
    execute_requests,
    getinfo_metadata,
    make_searchinfo,
    probe_getinfo,
    read_chunk,
)

BENCH_COMMANDS = REPO / "tools" / "run" / "bench_commands"
ECROFHOURS = REPO / "bin" / "ecrofhours.py"
OUTPUT_FIELDS = (
    "off_hours", "off_hours_reason", "local_time", "local_hour", "local_wday",
    "holiday_name", "minutes_outside", "bh_profile", "bh_tz", "bh_error",
)

# Forks and execs the command, then reports its elapsed time and peak RSS. It runs with -I -S,
# so the RSS the child inherits from it at fork is a few MiB, well under any command's.
LAUNCHER = """
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
with open(report, "w") as handle:
    handle.write("%r %d %d %r" % (elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
                                  usage.ru_utime + usage.ru_stime))
"""


@dataclass(frozen=True)
class Command:
    key: str
    label: str
    script: Path
    args: tuple[str, ...] = ()


BERLIN_TZFIELD = ("profile=berlin", "tzfield=team_tz")
NOOP = Command("noop", "no-op StreamingCommand", BENCH_COMMANDS / "noop.py")
CONST = Command("const", "10 constant fields", BENCH_COMMANDS / "constfields.py")
ECR = Command("ecr", "ecrofhours (default profile utc)", ECROFHOURS)
ECR_TZ = Command("ecr_tz", "ecrofhours profile=berlin tzfield=team_tz", ECROFHOURS, BERLIN_TZFIELD)
FLOOR = Command("floor", "floor: no splunklib, C csv, 10 constants", BENCH_COMMANDS / "floor.py")
FLOOR_TZ = Command("floor_tz", "floor (declares _time, team_tz)", BENCH_COMMANDS / "floor.py", BERLIN_TZFIELD)
COMMANDS = (NOOP, CONST, ECR, ECR_TZ, FLOOR, FLOOR_TZ)
# Start-up is compared with the no-op's: what splunkd waits for at each parse-time probe.
PROBED = (NOOP, CONST, ECR, ECR_TZ, FLOOR)


@dataclass(frozen=True)
class Case:
    """One command on one workload's session ("required" or "all" fields sent)."""

    key: str
    command: Command
    workload: str
    mode: str = "required"


CASES = (
    Case("noop", NOOP, "week", "all"),
    Case("const", CONST, "week", "all"),
    Case("ecr", ECR, "week", "required"),
    Case("ecr_all", ECR, "week", "all"),
    Case("ecr_tz", ECR_TZ, "week", "required"),
    Case("ecr_tz_all", ECR_TZ, "week", "all"),
    Case("floor_dense", FLOOR, "dense"),
    Case("ecr_dense", ECR, "dense"),
    Case("floor_spread", FLOOR, "spread"),
    Case("ecr_spread", ECR, "spread"),
    Case("floor_worst", FLOOR_TZ, "worst"),
    Case("ecr_worst", ECR_TZ, "worst"),
)
# ecrofhours's throughput as a fraction of the floor's on the same session, at least.
FLOOR_TARGETS = {"dense": 0.7, "spread": 0.5, "worst": 0.4}
# Peak RSS (MiB, medians) of ecrofhours before the per-day cache (the per-minute cache and its
# dict of 4,096 minute buckets): the highest of three runs of this bench, plus 0.1 MiB for the
# figures' rounding (peak RSS varies by about 0.2 MiB between runs). Held as ceilings.
PEAK_RSS_BEFORE_MIB = {
    "3.9": {"ecr": 62.2, "ecr_all": 312.0, "ecr_tz": 69.3, "ecr_tz_all": 318.2,
            "ecr_dense": 51.3, "ecr_spread": 61.1, "ecr_worst": 79.6},
    "3.13": {"ecr": 59.6, "ecr_all": 276.0, "ecr_tz": 69.8, "ecr_tz_all": 287.2,
             "ecr_dense": 54.5, "ecr_spread": 57.2, "ecr_worst": 75.9},
}


# --- Events ------------------------------------------------------------------------------------

TEAMS = (
    ("Europe/Berlin", "eu-central-1", "192.0.2."),
    ("America/New_York", "us-east-1", "198.51.100."),
    ("America/Los_Angeles", "us-west-2", "198.51.100."),
    ("Asia/Tokyo", "ap-northeast-1", "203.0.113."),
    ("Australia/Sydney", "ap-southeast-2", "203.0.113."),
)
# The worst workload's per-event zones: every continent, half-hour and 45-minute offsets,
# southern and northern daylight saving time, zones without it, Lord Howe's 30-minute DST.
WORLD_ZONES = (
    "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney",
    "Europe/London", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Europe/Warsaw",
    "Europe/Helsinki", "Europe/Moscow", "Europe/Istanbul", "Asia/Kolkata", "Asia/Kathmandu",
    "Asia/Shanghai", "Asia/Singapore", "Asia/Dubai", "Asia/Tehran", "Asia/Jerusalem",
    "Africa/Cairo", "Africa/Casablanca", "Africa/Johannesburg", "Africa/Lagos", "America/Chicago",
    "America/Denver", "America/Phoenix", "America/Sao_Paulo", "America/Santiago", "America/Mexico_City",
    "America/St_Johns", "America/Halifax", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Apia",
    "Australia/Lord_Howe", "Australia/Adelaide", "Pacific/Honolulu", "America/Anchorage", "Asia/Seoul",
)
AGENTS = (
    "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0-48-generic os/linux arch/amd64",
    "docker/27.2.0 go/go1.21.13 git-commit/3ab5c7d kernel/6.10.4-linuxkit os/linux arch/arm64",
    "buildkit/v0.17.2 containerd/v1.7.23",
)
ACCOUNT = "111122223333"
END = 1763769599  # 2025-11-21T23:59:59Z
TWO_YEARS = 730 * 86400


def workload_times(workload: str, count: int, seed: int = 20261130) -> list[int]:
    """Epoch seconds of ``count`` events, newest first."""
    if workload == "week":
        return [END - (i * 7 * 86400) // count for i in range(count)]
    rng = random.Random(seed)
    span = 3600 if workload == "dense" else TWO_YEARS
    return sorted((END - rng.randrange(span) for _ in range(count)), reverse=True)


def cloudtrail_events(times: list[int], zones: tuple[str, ...] | None = None,
                      seed: int = 20260611) -> list[dict[str, object]]:
    """ECR PutImage events as Splunk extracts them (15 fields) at ``times``. About 10% are
    pushes by digest (no imageTag), 5% name two resources (a multivalue field). ``team_tz`` is
    the team's zone, or one of ``zones`` when given."""
    rng = random.Random(seed)
    events = []
    for when in times:
        zone, region, net = TEAMS[rng.randrange(len(TEAMS))]
        if zones:
            zone = zones[rng.randrange(len(zones))]
        user = f"user{rng.randrange(40):02d}"
        repo = f"team{rng.randrange(8)}/service{rng.randrange(30)}"
        tag = None if rng.random() < 0.1 else f"1.{rng.randrange(50)}.{rng.randrange(20)}"
        arn = f"arn:aws:ecr:{region}:{ACCOUNT}:repository/{repo}"
        resources: object = [arn, arn.replace("repository/", "repository/mirror/")] if rng.random() < 0.05 else arn
        raw = {  # the gist of a CloudTrail record (a real one has ~3 KB: its manifest)
            "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)),
            "eventSource": "ecr.amazonaws.com", "eventName": "PutImage", "awsRegion": region,
            "sourceIPAddress": f"{net}{rng.randrange(1, 255)}",
            "userIdentity": {"arn": f"arn:aws:iam::{ACCOUNT}:user/{user}"},
            "requestParameters": {"repositoryName": repo, "imageTag": tag},
        }
        event: dict[str, object] = {
            "_time": str(when),
            "_raw": json.dumps(raw, separators=(",", ":")),
            "host": "cloudtrail-forwarder",
            "sourcetype": "aws:cloudtrail",
            "eventName": "PutImage",
            "eventSource": "ecr.amazonaws.com",
            "awsRegion": region,
            "sourceIPAddress": raw["sourceIPAddress"],
            "userAgent": AGENTS[rng.randrange(3)],
            "userIdentity.arn": raw["userIdentity"]["arn"],
            "userIdentity.type": "IAMUser",
            "requestParameters.repositoryName": repo,
            "requestParameters.imageTag": tag,
            "resources{}.ARN": resources,
            "team_tz": zone,
        }
        if tag is None:
            del event["requestParameters.imageTag"]
        events.append(event)
    return events


def workloads(count: int) -> dict[str, list[dict[str, object]]]:
    return {
        "week": cloudtrail_events(workload_times("week", count)),
        "dense": cloudtrail_events(workload_times("dense", count)),
        "spread": cloudtrail_events(workload_times("spread", count)),
        "worst": cloudtrail_events(workload_times("spread", count), WORLD_ZONES),
    }


# --- Running -----------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    max_rss_kib: int
    returncode: int
    cpu_seconds: float
    output: bytes = b""


def launch(python: str, script: Path, stdin: tuple[bytes, ...], env: dict[str, str], keep_output: bool = False) -> Run:
    """Run ``python script`` (no argv, as splunkd does) with the ``stdin`` parts, draining its stdout."""
    fd, report = tempfile.mkstemp(prefix="bench-", suffix=".txt")
    os.close(fd)
    try:
        process = subprocess.Popen(
            [python, "-I", "-S", "-c", LAUNCHER, report, python, str(script)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )

        def feed() -> None:
            with contextlib.suppress(OSError):
                for part in stdin:
                    view = memoryview(part)
                    for start in range(0, len(view), 1 << 20):
                        process.stdin.write(view[start:start + (1 << 20)])
            with contextlib.suppress(OSError):
                process.stdin.close()

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        parts = []
        read = process.stdout.read1
        while True:
            data = read(1 << 20)
            if not data:
                break
            if keep_output:
                parts.append(data)
        process.wait()
        writer.join()
        with open(report) as handle:
            text = handle.read().split()
        if len(text) != 4:
            raise RuntimeError(f"launcher failed for {script} (exit {process.returncode})")
        return Run(float(text[0]), int(text[1]), int(text[2]), float(text[3]), b"".join(parts))
    finally:
        os.unlink(report)


def check_replies(output: bytes, expected_rows: int, label: str) -> None:
    """Outside the timing: the replies end finished, carry no error and hold every event."""
    stream = io.BytesIO(output)
    replies = []
    while (chunk := read_chunk(stream)) is not None:
        replies.append(chunk)
    rows = 0
    for metadata, body in replies[1:]:
        messages = (metadata.get("inspector") or {}).get("messages") or []
        if any(level in ("ERROR", "FATAL") for level, _ in messages):
            raise SystemExit(f"{label}: {messages}")
        if body:
            rows += sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1
    if not replies or replies[-1][0].get("finished") is not True or rows != expected_rows:
        raise SystemExit(f"{label}: {len(replies)} replies, {rows} rows, expected {expected_rows} rows, finished")


@dataclass
class Series:
    seconds: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, run: Run) -> None:
        self.seconds.append(run.seconds)
        self.rss.append(run.max_rss_kib)
        self.cpu.append(run.cpu_seconds)


def interpreters(choice: str) -> list[tuple[str, str]]:
    from harness.interpreters import interpreters as splunk_interpreters

    known = splunk_interpreters()
    names = ["3.9", "3.13"] if choice == "both" else [choice]
    found = []
    for name in names:
        path = known.get(name, name)
        if not os.access(path, os.X_OK):
            raise SystemExit(f"no interpreter {name} at {path} (install it with pyenv, or set PY39/PY313)")
        version = subprocess.run([path, "-c", "import platform; print(platform.python_version())"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        found.append((version, path))
    return found


def session_bytes(command: Command, execute: bytes) -> tuple[bytes, bytes]:
    """A session's requests: the command's getinfo, then the execute requests."""
    name = command.script.stem
    return encode_chunk(getinfo_metadata(make_searchinfo(list(command.args), name))), execute


def bench(python: str, version: str, events: dict[str, list[dict]], chunk: int, rounds: int, probes: int, env,
          executes: dict) -> bool:
    """Run every case interleaved over ``rounds``; print the figures; True when every target is met."""
    print(f"\n== Python {version} ({python})")
    # What each command declares, from its own getinfo reply (not timed).
    required = {}
    for command in COMMANDS:
        session = probe_getinfo([python, str(command.script)], list(command.args), env=env)
        if session.returncode != 0 or session.getinfo is None:
            raise SystemExit(f"{command.key}: getinfo failed: {session.messages} {session.stderr}")
        required[command.key] = session.getinfo.get("required_fields") or None
        declared = required[command.key]
        print(f"   {command.key:8} required_fields: {declared if declared else 'none (all fields sent)'}")

    def execute(workload, fields):  # the execute requests, encoded once for all interpreters
        key = (workload, tuple(fields) if fields else None)
        if key not in executes:
            executes[key] = b"".join(
                frame for _, frame in execute_requests(
                    events[workload], chunk_size=chunk, fields=fields, chunked_idx=fields is not None))
        return executes[key]

    # Case -> stdin bytes; a command that declares nothing gets every field in both modes.
    plan = []
    for case in CASES:
        fields = required[case.command.key] if case.mode == "required" else None
        plan.append((case, session_bytes(case.command, execute(case.workload, fields))))
    for workload in FLOOR_TARGETS:
        floor, ecr = (case for case in CASES if case.workload == workload)
        if required[floor.command.key] != required[ecr.command.key]:
            raise SystemExit(f"{workload}: the floor declares {required[floor.command.key]}, "
                             f"ecrofhours {required[ecr.command.key]}: not the same session")

    series = {case.key: Series() for case in CASES}
    startup = {command.key: Series() for command in PROBED}
    probe_input = {c.key: session_bytes(c, b"")[:1] for c in PROBED}
    started = time.monotonic()
    for number in range(rounds):
        order = plan if number % 2 == 0 else plan[::-1]
        for case, stdin in order:
            run = launch(python, case.command.script, stdin, env, keep_output=number == 0)
            if run.returncode != 0:
                raise SystemExit(f"{case.key}: exit {run.returncode}")
            if number == 0:
                check_replies(run.output, len(events[case.workload]), case.key)
            series[case.key].add(run)
        for probe in range(probes):
            for command in PROBED if probe % 2 == 0 else PROBED[::-1]:  # none always first or last
                run = launch(python, command.script, probe_input[command.key], env)
                if run.returncode != 0:
                    raise SystemExit(f"{command.key} getinfo probe: exit {run.returncode}")
                startup[command.key].add(run)
        print(f"   round {number + 1}/{rounds} done ({time.monotonic() - started:.0f} s)", flush=True)
    return report(version, events, series, startup)


def median(values):
    return statistics.median(values)


def report(version, events, series, startup) -> bool:
    rate = {key: len(events[case.workload]) / median(series[key].seconds) for key, case in
            ((case.key, case) for case in CASES)}
    cpu_rate = {case.key: len(events[case.workload]) / median(series[case.key].cpu) for case in CASES}
    rss = {key: median(s.rss) / 1024 for key, s in series.items()}
    start = {key: median(s.seconds) * 1000 for key, s in startup.items()}
    start_rss = {key: median(s.rss) / 1024 for key, s in startup.items()}
    print(f"\n   {'workload':9} {'command':44} {'fields':9} {'events/s':>10} {'CPU ev/s':>10} {'peak RSS':>9}")
    for case in CASES:
        print(f"   {case.workload:9} {case.command.label:44} {case.mode:9} {rate[case.key]:10,.0f} "
              f"{cpu_rate[case.key]:10,.0f} {rss[case.key]:7.1f}Mi")
    print("\n   getinfo start-up (median wall): " + ", ".join(f"{k} {v:.1f} ms" for k, v in start.items()))
    print("\n   targets (ratios of medians):")
    results = []

    def target(text, value, ok):
        results.append(ok)
        print(f"   {'MET ' if ok else 'MISS'} {text:62} {value:7.2f}")

    for workload, least in FLOOR_TARGETS.items():
        floor, ecr = (case.key for case in CASES if case.workload == workload)
        ratio = rate[ecr] / rate[floor]
        target(f"{workload}: ecrofhours / floor >= {least} (floor {rate[floor]:,.0f} events/s)", ratio, ratio >= least)
    print("   (the same by CPU time, less sensitive to other work on the machine: " + ", ".join(
        f"{w} {cpu_rate[f'ecr_{w}'] / cpu_rate[f'floor_{w}']:.2f}" for w in FLOOR_TARGETS) + ")")
    for key in ("ecr", "ecr_tz"):
        target(f"{key} required fields: throughput / no-op >= 1.5", rate[key] / rate["noop"],
               rate[key] >= 1.5 * rate["noop"])
        target(f"{key} required fields: peak RSS / no-op <= 1.0", rss[key] / rss["noop"], rss[key] <= rss["noop"])
        target(f"{key} all fields: throughput / constant fields >= 0.9", rate[f"{key}_all"] / rate["const"],
               rate[f"{key}_all"] >= 0.9 * rate["const"])
        target(f"{key} getinfo start-up / no-op <= 1.10", start[key] / start["noop"],
               start[key] <= 1.10 * start["noop"])
    before = PEAK_RSS_BEFORE_MIB.get(".".join(version.split(".")[:2]), {})
    for key, ceiling in before.items():
        target(f"{key}: peak RSS / before the per-day cache ({ceiling:.1f} MiB) <= 1.0", rss[key] / ceiling,
               rss[key] <= ceiling)
    if not before:
        print(f"   (no peak RSS recorded before the change for Python {version}: not checked)")
    cpu = {key: median(s.cpu) * 1000 for key, s in startup.items()}
    print(f"   getinfo probes ({len(startup['noop'].seconds)} each), median wall / min wall / median CPU: " + ", ".join(
        f"{k} {start[k]:.1f} / {min(s.seconds) * 1000:.1f} / {cpu[k]:.1f} ms" for k, s in startup.items()))
    print("   start-up CPU / no-op: " + ", ".join(f"{k} {cpu[k] / cpu['noop']:.2f}" for k in ("ecr", "ecr_tz"))
          + "; peak RSS: " + ", ".join(f"{k} {v:.1f}Mi" for k, v in start_rss.items()))
    print(f"   {sum(results)}/{len(results)} targets met")
    return all(results)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default="both", help="3.9, 3.13, both (default) or an interpreter path")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--probes", type=int, default=16, help="getinfo-only probes per command and round")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    options = parser.parse_args(argv)
    if not (REPO / "lib" / "splunklib").is_dir():
        raise SystemExit("lib/ has no vendored splunklib: run `make lib`")
    found = interpreters(options.python)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    started = time.monotonic()
    events = workloads(options.events)
    print(f"ecrofhours bench: {options.events:,} CloudTrail-like events of 15 fields per workload, newest first, "
          f"{options.chunk:,}-row chunks, {options.rounds} interleaved rounds (medians)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs ({_cpu_model()}), Linux {platform.release()}")
    executes: dict = {}
    met = [bench(python, version, events, options.chunk, options.rounds, options.probes, env, executes)
           for version, python in found]
    print(f"\nbench took {time.monotonic() - started:.0f} s: " +
          ("every target met" if all(met) else "TARGETS MISSED (see MISS above)"))
    return 0 if all(met) else 1


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
