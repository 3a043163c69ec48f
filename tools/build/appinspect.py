"""Gate a package on Splunk AppInspect: precert mode, cloud checks, no new warnings.

Usage: python tools/build/appinspect.py dist/ecrofhours-<version>.tgz [--report FILE]

Runs ``splunk-appinspect inspect <tgz> --mode precert --included-tags cloud`` with a JSON report
(default: next to the package, ``dist/<name>.appinspect.json``; AppInspect's full text output goes
to ``dist/<name>.appinspect.log``), prints the counts per result and every failure, error,
future_failure, warning and manual_check with its check name and message.

Exit status: 0 when there is no failure, error or future_failure and every warning comes from a
check in ``ACCEPTED_WARNINGS``; 1 otherwise (a new warning must be fixed or accepted here, with
the reason); 2 when AppInspect could not run.

AppInspect runs with ``--skip-trusted-libraries-update``: the gate gives the same answer offline
and does not rewrite files inside the installed AppInspect package. AppInspect needs the libmagic
C library (python-magic loads it); on Debian/Ubuntu: ``apt-get install libmagic1``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

# Warnings we accept, by check name, with why. Anything else that warns fails the gate.
ACCEPTED_WARNINGS: dict[str, str] = {
    # A notice for every app that ships Python (Python 2/3 compatibility for Splunk 8.0); the app
    # targets Python 3.9-3.13 only (commands.conf python.required) and is tested on both.
    "check_for_python_script_existence": "generic notice for any app with Python files",
    # splunk-sdk 3.x requires Python >= 3.13 while Splunk 9.3/9.4, our floor, run Python 3.9:
    # lib/requirements.txt pins splunk-sdk 2.1.1 (reported for splunklib and its dist-info).
    "check_python_sdk_version": "splunk-sdk 3.x needs Python >= 3.13; Splunk 9.3 runs 3.9",
}
# fmt: off
INSPECT_OPTIONS = (
    "--mode", "precert",
    "--included-tags", "cloud",
    "--data-format", "json",
    "--max-messages", "all",  # every message, not the first 25
    "--skip-trusted-libraries-update",  # same answer offline; AppInspect's files stay untouched
)
# fmt: on
FAILING_RESULTS = ("failure", "error", "future_failure")
REPORTED_RESULTS = FAILING_RESULTS + ("warning", "manual_check")
LIBMAGIC_HINT = (
    "AppInspect needs the libmagic C library. Install it: Debian/Ubuntu `apt-get install libmagic1`, "
    "Fedora/RHEL `dnf install file-libs`, macOS `brew install libmagic`."
)


def find_appinspect() -> str | None:
    """The splunk-appinspect next to this Python (a venv's bin/), else the one on PATH."""
    beside = Path(sys.executable).parent / "splunk-appinspect"
    return str(beside) if beside.exists() else shutil.which("splunk-appinspect")


def run_appinspect(package: Path, report: Path, log: Path) -> None:
    """Run AppInspect, writing its JSON report and its text output."""
    executable = find_appinspect()
    if executable is None:
        raise RuntimeError("splunk-appinspect not found: run `make venv` (requirements-dev.txt)")
    command = [executable, "inspect", str(package), *INSPECT_OPTIONS, "--output-file", str(report)]
    report.unlink(missing_ok=True)
    with open(log, "w", encoding="utf-8") as out:
        status = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, check=False
        ).returncode
    # Exit status 2: the validation itself raised; a report, if any, is incomplete.
    if status == 2 or not report.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        hint = LIBMAGIC_HINT if "libmagic" in text else f"see {log}"
        raise RuntimeError(f"AppInspect exited with {status} without a complete report: {hint}")


def findings(report: dict) -> list[dict]:
    """Every check whose result is worth reporting: ``{name, result, messages}``."""
    found = []
    for app_report in report["reports"]:
        for group in app_report["groups"]:
            for check in group["checks"]:
                if check["result"] in REPORTED_RESULTS:
                    messages = [
                        m["message"]
                        for m in check["messages"]
                        if m.get("result") == check["result"]
                    ]
                    found.append(
                        {"name": check["name"], "result": check["result"], "messages": messages}
                    )
    return found


def gate(report: dict) -> int:
    """Print the summary and the findings; return the exit status (0 pass, 1 fail)."""
    summary = report["summary"]
    print(
        "appinspect: " + ", ".join(f"{result} {count}" for result, count in sorted(summary.items()))
    )
    failed = False
    reported = set()
    for check in findings(report):
        reported.add(check["name"])
        if check["result"] in FAILING_RESULTS:
            verdict, failed = "FAIL", True
        elif check["result"] == "warning" and check["name"] not in ACCEPTED_WARNINGS:
            verdict, failed = "NEW WARNING (fix it or add it to ACCEPTED_WARNINGS)", True
        elif check["result"] == "warning":
            verdict = "accepted: " + ACCEPTED_WARNINGS[check["name"]]
        else:
            verdict = "review by hand"
        print(f"  {check['result']}: {check['name']} [{verdict}]")
        for message in check["messages"]:
            print(f"      {' '.join(message.split())}")
    for name in sorted(set(ACCEPTED_WARNINGS) - reported):
        print(
            f"  note: accepted warning {name} no longer reported; remove it from ACCEPTED_WARNINGS"
        )
    print("appinspect: " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the .tgz built by tools/build/package.py")
    parser.add_argument(
        "--report", type=Path, help="JSON report to write (default: <package stem>.appinspect.json)"
    )
    args = parser.parse_args(argv)
    if not args.package.is_file():
        print(
            f"appinspect: error: no package at {args.package} (run `make package`)", file=sys.stderr
        )
        return 2
    report_path = args.report or args.package.with_name(args.package.stem + ".appinspect.json")
    log_path = report_path.with_suffix(".log")
    try:
        run_appinspect(args.package, report_path, log_path)
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (RuntimeError, OSError, ValueError) as exc:
        print(f"appinspect: error: {exc}", file=sys.stderr)
        return 2
    print(f"appinspect: {args.package} (report {report_path}, log {log_path})")
    return gate(report)


if __name__ == "__main__":
    sys.exit(main())
