"""``make demo``: run the real ``ecrofhours`` command over a week of sample ECR pushes, twice.

The command runs as Splunk runs it, through the SCP v2 driver (``tools/scpv2.py``), under the
bare Python 3.9 Splunk ships (``$PY39`` or pyenv's 3.9.18; else this interpreter):

1. ``| ecrofhours``: the shipped default profile ``utc``, the upstream detection's hours
   (mon-fri 08:00-20:00 UTC);
2. ``| ecrofhours tzfield=team_tz hours="mon-fri 08:00-18:00"``: each team's own working day.

Prints one table per run and how many verdicts differ. Exits 1 if the command fails or reports
an ERROR.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.sample_events import TEAM_TZ_FIELD, putimage_events  # noqa: E402
from tools.scpv2 import ProtocolError, Session, run_command  # noqa: E402

COMMAND = REPO / "bin" / "ecrofhours.py"
RUNS = (
    ("shipped default profile utc: mon-fri 08:00-20:00 UTC, the upstream detection's hours", []),
    ("local business hours: mon-fri 08:00-18:00 in each event's team_tz",
     [f"tzfield={TEAM_TZ_FIELD}", "hours=mon-fri 08:00-18:00"]),
)
HEADER = ("", "principal", "UTC", "local time", "zone", "off", "reason")


def splunk_python() -> str:
    """The interpreter Splunk would run the command with: Python 3.9.18 if installed."""
    candidate = os.environ.get("PY39")
    if not candidate:
        root = os.path.expanduser("~/.pyenv")
        if shutil.which("pyenv"):
            found = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
            root = found.stdout.strip() or root
        candidate = os.path.join(root, "versions", "3.9.18", "bin", "python3.9")
    return candidate if os.access(candidate, os.X_OK) else sys.executable


def principal(event: dict) -> str:
    """The IAM user name, else the assumed role (session issuer), else the ARN."""
    return (event.get("userIdentity.userName")
            or event.get("userIdentity.sessionContext.sessionIssuer.userName")
            or event.get("userIdentity.arn", "?"))


def spl(args: list[str]) -> str:
    """The invocation as typed in a search."""
    quoted = [f'{name}="{value}"' if " " in value else arg
              for arg in args for name, _, value in [arg.partition("=")]]
    return " ".join(["| ecrofhours", *quoted])


def run(python: str, args: list[str], events: list[dict]) -> Session:
    """Run the command over the events; exit 1 on a failure or an ERROR message."""
    try:
        session = run_command([python, str(COMMAND)], args, events, cwd=str(REPO))
    except (ProtocolError, TimeoutError) as error:
        sys.exit(f"demo: {spl(args)} did not complete: {error}")
    errors = [text for level, text in session.messages if level in ("ERROR", "FATAL")]
    if session.returncode != 0 or errors or len(session.records) != len(events):
        detail = "; ".join(errors) or session.stderr.strip()[-2000:] or "no output"
        sys.exit(f"demo: {spl(args)} failed (exit {session.returncode}, "
                 f"{len(session.records)} of {len(events)} events): {detail}")
    return session


def rows(records: list[dict], marks: list[str]) -> list[tuple[str, ...]]:
    table = []
    for record, mark in zip(records, marks):
        utc = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        local = record.get("local_time", "")
        local = f"{record.get('local_wday', '')[:3].capitalize()} {local[11:]}" if local else "-"
        table.append((mark, principal(record), utc.strftime("%a %H:%M:%S"), local, record.get("bh_tz", "-"),
                      record.get("off_hours", "-"), record.get("off_hours_reason", "-")))
    return table


def print_table(table: list[tuple[str, ...]]) -> None:
    """Print the rows under HEADER, aligned; a column empty throughout is left out."""
    widths = [max(len(row[i]) for row in [HEADER, *table]) for i in range(len(HEADER))]
    for row in [HEADER, *table]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths) if width).rstrip())


def main() -> int:
    events = putimage_events()
    python = splunk_python()
    version = subprocess.run([python, "-V"], capture_output=True, text=True, check=False).stdout.strip()
    first, last = (datetime.fromtimestamp(int(events[i]["_time"]), timezone.utc) for i in (0, -1))
    print(f"ecrofhours demo: {len(events)} synthetic CloudTrail PutImage events, "
          f"{first:%a %Y-%m-%d} to {last:%a %Y-%m-%d} UTC")
    print(f"command: bin/ecrofhours.py on {version or python}, over the SCP v2 driver")

    verdicts = []
    for number, (title, args) in enumerate(RUNS, 1):
        session = run(python, args, events)
        verdicts.append([record.get("off_hours", "") for record in session.records])
        marks = ["*" if number > 1 and new != old else "" for new, old in zip(verdicts[-1], verdicts[0])]
        print(f"\n[{number}] {spl(args)}\n    {title}")
        print_table(rows(session.records, marks))
        for level, text in session.messages:
            print(f"    {level}: {text}")

    base, local = verdicts
    only_utc = sum(a == "1" and b == "0" for a, b in zip(base, local))
    only_local = sum(a == "0" and b == "1" for a, b in zip(base, local))
    differ = sum(a != b for a, b in zip(base, local))
    print(f"\n* {differ} of {len(events)} verdicts differ between the runs: {only_utc} pushes during the"
          f" team's working day\n  are off-hours only in UTC, {only_local} outside it are off-hours only in"
          " local time.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
