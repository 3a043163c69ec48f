"""ecrofhourspolicy: the business-hours policy as rows, to check it before a detection relies on it.

A thin adapter between splunklib's generating command and ``offhours.policy``.

    | ecrofhourspolicy
    | ecrofhourspolicy profile=berlin intervals=true

Without ``intervals`` it lists every profile: where it is defined (``default/``, ``local/``
or the profiles lookup), its zone, weekend, hours, holiday calendars, closures and whether
it can be used. With ``intervals=true`` it lists one profile's business intervals over the
search's time range (the time picker), never the machine's clock.
"""
import os
import sys

APP_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The app's lib/ goes first: Splunk's own site-packages may hold an older pytz.
sys.path.insert(0, os.path.join(APP_DIR, "lib"))

from chunked.sdk import CommandBase, serve  # noqa: E402
from offhours import OptionError, ProfileError, open_profiles  # noqa: E402
from offhours.options import PROFILE_OVERRIDES, parse_bool  # noqa: E402
from offhours.policy import (  # noqa: E402
    DEFAULT_LIMIT, default_warnings, interval_rows, parse_limit, parse_search_time, profile_rows,
)
from offhours.quoting import cut, quote  # noqa: E402
from splunklib.searchcommands import Configuration, GeneratingCommand, Option  # noqa: E402


@Configuration()
class EcrOffHoursPolicyCommand(CommandBase, GeneratingCommand):
    """Rows describing the profiles, or one profile's business intervals over the time range.

    Runs on the search head only (a generating command that is not distributed): the
    profiles are the same on every instance the bundle reaches.
    """

    COMMAND = "ecrofhourspolicy"
    OPTIONS = ("profile", "intervals", "limit") + tuple(PROFILE_OVERRIDES)
    USAGE = (
        "ecrofhourspolicy [profile=<name>] [intervals=<bool>] [limit=<rows>] [tz=<zone>] "
        "[locale=<ll_CC|CC>] [hours=\"<spec>\"] [holidays=\"<calendars>\"]"
    )

    profile = Option(doc="Only this profile (required with intervals=true)")
    intervals = Option(doc="List the profile's business intervals over the search's time range")
    limit = Option(doc=f"At most this many interval rows (default {DEFAULT_LIMIT})")
    tz = Option(doc="IANA time zone or ±HH:MM, overriding the profile's")
    locale = Option(doc="ll_CC or CC, overriding the profile's")
    hours = Option(doc="Business hours spec, overriding the profile's")
    holidays = Option(doc="Holiday calendars or none, overriding the profile's")

    def prepare(self):
        self.reject_arguments()
        searchinfo = self.metadata.searchinfo
        try:
            self._book = open_profiles(APP_DIR, self.username)
            self._overrides = {
                key: (getattr(self, option), f"Invalid {option}={cut(getattr(self, option))}")
                for option, key in PROFILE_OVERRIDES.items() if getattr(self, option) is not None
            }
            self._book.check_overrides(self._overrides)
            self._only = (self.profile or "").strip() or None
            if self._only is not None and not self._book.has(self._only):
                raise OptionError(f"Unknown profile {quote(self._only)}; known profiles: "
                                  f"{', '.join(self._book.names()) or 'none'}")
            self._intervals = parse_bool("intervals", self.intervals or "false")
            self._limit = parse_limit(self.limit) if self.limit is not None else DEFAULT_LIMIT
            if self._intervals:
                self._prepare_intervals(searchinfo)
        except (OptionError, ProfileError, ValueError) as error:
            self.fail(str(error))

    def _prepare_intervals(self, searchinfo):
        if self._only is None:
            raise OptionError("intervals=true needs profile=<name>")
        self._profile = self._book.compile(self._only, self._overrides)
        self._earliest = parse_search_time(getattr(searchinfo, "earliest_time", None))
        self._latest = parse_search_time(getattr(searchinfo, "latest_time", None))
        if self._earliest is None or self._latest is None:
            raise OptionError(
                "intervals=true lists the intervals of the search's time range, and this search has none: "
                "pick a range in the time picker (for example Date Range, or Advanced: earliest=@d latest=+7d@d)"
            )
        if self._latest <= self._earliest:
            raise OptionError("intervals=true needs a time range whose end is after its start")

    def generate(self):
        for warning in self._book.warnings():
            self.write_warning(warning)
        if not self._intervals:
            for warning in default_warnings(self._book):
                self.write_warning(warning)
            yield from profile_rows(self._book, self._overrides, self._only)
            return
        for note in self._profile.notes:
            self.write_warning(note)
        rows, stopped = interval_rows(self._profile, self._earliest, self._latest, self._limit)
        if stopped:
            self.write_warning(stopped)
        yield from rows


if __name__ == "__main__":
    serve(EcrOffHoursPolicyCommand, __name__)
