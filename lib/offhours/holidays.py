"""Public holiday calendars shipped as CSV lookups, loaded lazily and once per process.

``lookups/ecrofhours_holiday_calendars.csv`` lists the calendar codes (``US``, ``DE-BY``)
so options can be checked cheaply; ``lookups/ecrofhours_public_holidays.csv`` holds the
dates (``calendar,date,name,closes_at``) and is read only when a search uses a calendar.
"""
import csv
import os
import re
from datetime import date

from .calendar import Closure, day_number

CALENDAR_INDEX = "ecrofhours_holiday_calendars.csv"
HOLIDAY_TABLE = "ecrofhours_public_holidays.csv"
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


class HolidayCatalog:
    """The holiday calendars in one ``lookups`` directory."""

    def __init__(self, lookups_dir):
        self.lookups_dir = lookups_dir
        self._codes = None
        self._loaded = {}

    def codes(self):
        """Known calendar codes, upper case; empty when no calendars are installed."""
        if self._codes is None:
            self._codes = frozenset(row["calendar"].upper() for row in self._rows(CALENDAR_INDEX))
        return self._codes

    def closures(self, codes):
        """``{day number: [Closure, ...]}`` for the given calendar codes."""
        missing = [code for code in codes if code not in self._loaded]
        if missing:
            wanted = set(missing)
            for code in missing:
                self._loaded[code] = {}
            for row in self._rows(HOLIDAY_TABLE):
                code = row["calendar"].upper()
                if code in wanted:
                    closure = Closure(row["name"], _closing_second(row.get("closes_at", "")))
                    number = day_number(_iso_date(row["date"]))
                    self._loaded[code].setdefault(number, []).append(closure)
        combined = {}
        for code in codes:
            for number, closures in self._loaded[code].items():
                combined.setdefault(number, []).extend(closures)
        return combined

    def _rows(self, name):
        path = os.path.join(self.lookups_dir, name)
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                return list(csv.DictReader(handle))
        except FileNotFoundError:
            return []


def _iso_date(text):
    year, month, day = text.split("-")
    return date(int(year), int(month), int(day))


def _closing_second(text):
    match = _CLOCK.match(text.strip())
    if not match:
        return 0
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60
