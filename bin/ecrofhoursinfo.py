"""ecrofhoursinfo: say which app version, Python and holiday tables the app's commands run with here.

A distributable streaming command for the app's self-test (the saved search
"ecrofhours - Self-test"): placed before any transforming command, it runs on every indexer
from the knowledge bundle, so each search peer reports what it actually has, which the search
head cannot see. It adds four fields to every event and changes nothing else:

    index=_internal earliest=-5m | ecrofhoursinfo
    | stats values(ecrofhours_app_version) values(ecrofhours_python_version) by splunk_server

- ``ecrofhours_app_version``: ``[id] version`` of the copy of the app this process runs from
  (``local/app.conf`` over ``default/app.conf``), ``unknown`` when unreadable;
- ``ecrofhours_python_version``: the interpreter splunkd started, e.g. ``3.9.18``;
- ``ecrofhours_holiday_table`` and ``ecrofhours_calendar_index``: ``sha256:<12 hex digits>``
  of ``lookups/ecrofhours_public_holidays.csv`` and ``lookups/ecrofhours_holiday_calendars.csv``
  as this process sees them, or ``missing`` (a lookup left out of the knowledge bundle).

It reads only the app's own files, found from ``__file__``; it never shows a path. It needs
splunklib but not the ``offhours`` engine, so that it still reports where the engine cannot
load (another Python, a damaged ``lib/offhours``): the self-test then shows what differs there.
"""
import hashlib
import os
import platform
import sys

APP_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The app's lib/ goes first, as for ecrofhours: the same splunklib.
sys.path.insert(0, os.path.join(APP_DIR, "lib"))

from chunked.sdk import CommandBase, serve  # noqa: E402
from splunklib.searchcommands import Configuration, StreamingCommand  # noqa: E402

FIELDS = ("ecrofhours_app_version", "ecrofhours_python_version", "ecrofhours_holiday_table",
          "ecrofhours_calendar_index")
# The engine's names for them (offhours.holidays; tests check that they agree).
HOLIDAY_TABLE = "ecrofhours_public_holidays.csv"
CALENDAR_INDEX = "ecrofhours_holiday_calendars.csv"
_HASH_CHUNK = 1 << 20


def app_version(app_dir):
    """The app's ``[id] version`` (``local/app.conf`` over ``default/app.conf``, a later line over
    an earlier one, as Splunk layers confs), ``unknown`` when no readable app.conf states one."""
    version = "unknown"
    for layer in ("default", "local"):
        try:
            with open(os.path.join(app_dir, layer, "app.conf"), encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        stanza = None
        for line in lines:
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                stanza = line[1:-1].strip()
            elif stanza == "id" and line.partition("=")[0].strip() == "version" and "=" in line:
                version = line.partition("=")[2].strip() or version
    return version


def fingerprint(path):
    """``sha256:<first 12 hex digits>`` of a file, or ``missing``."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(_HASH_CHUNK), b""):
                digest.update(block)
    except FileNotFoundError:
        return "missing"
    return "sha256:" + digest.hexdigest()[:12]


def facts(app_dir):
    """The four fields, as computed once per process."""
    lookups = os.path.join(app_dir, "lookups")
    return dict(zip(FIELDS, (app_version(app_dir), platform.python_version(),
                             fingerprint(os.path.join(lookups, HOLIDAY_TABLE)),
                             fingerprint(os.path.join(lookups, CALENDAR_INDEX)))))


@Configuration()
class EcrOffHoursInfoCommand(CommandBase, StreamingCommand):
    """Adds ecrofhours_app_version, ecrofhours_python_version, ecrofhours_holiday_table and
    ecrofhours_calendar_index to every event."""

    COMMAND = "ecrofhoursinfo"
    USAGE = "... | ecrofhoursinfo (no arguments)"
    _facts = None

    def prepare(self):
        self.reject_arguments()
        # splunkd then sends only this field (and its row index), and merges the reply back.
        self.configuration.required_fields = ["splunk_server"]

    def stream(self, records):
        if self._facts is None:  # at the first event: never during splunkd's getinfo probes
            self._facts = facts(APP_DIR)
        for record in records:
            record.update(self._facts)
            yield record


if __name__ == "__main__":
    serve(EcrOffHoursInfoCommand, __name__)
