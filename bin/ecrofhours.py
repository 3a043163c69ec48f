"""ecrofhours: mark each event inside or outside business hours, with the reason.

A thin adapter: options go to the ``offhours`` engine's Annotator, records come back with its
fields (``lib/chunked`` holds everything protocol-specific).

    index=aws sourcetype=aws:cloudtrail eventSource=ecr.amazonaws.com eventName=PutImage
    | ecrofhours tz=Europe/Berlin hours="mon-fri 08:00-18:00" only=true
    | table _time userIdentity.arn off_hours_reason local_time bh_tz
"""
import os
import sys

APP_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The app's lib/ goes first: Splunk's own site-packages may hold an older pytz.
sys.path.insert(0, os.path.join(APP_DIR, "lib"))

from chunked.sdk import AnnotatingCommand, serve  # noqa: E402
from offhours import OPTIONS, Annotator, OptionError, ProfileError, open_profiles  # noqa: E402
from splunklib.searchcommands import Configuration, Option, StreamingCommand  # noqa: E402


@Configuration()
class EcrOffHoursCommand(AnnotatingCommand, StreamingCommand):
    """Adds off_hours, off_hours_reason, local_time and the other explanation fields.

    Options have no splunklib validators: ``prepare`` validates them all, so each error
    names the option and its accepted form.
    """

    COMMAND = "ecrofhours"
    OPTIONS = OPTIONS
    USAGE = (
        "ecrofhours [profile=<name>] [tz=<zone>] [locale=<ll_CC|CC>] [hours=\"<spec>\"] "
        "[holidays=\"<calendars>\"] [tzfield=<field>] [profilefield=<field>] [timefield=<field>] "
        "[timeunit=auto|s|ms|us|ns] [only=<bool>]"
    )

    profile = Option(doc="Profile name from ecrofhours.conf or the profiles lookup")
    tz = Option(doc="IANA time zone or ±HH:MM, overriding the profile's")
    locale = Option(doc="ll_CC or CC, overriding the profile's")
    hours = Option(doc="Business hours spec, overriding the profile's")
    holidays = Option(doc="Holiday calendars or none, overriding the profile's")
    tzfield = Option(doc="Field with a per-event time zone")
    profilefield = Option(doc="Field with a per-event profile name")
    timefield = Option(doc="Field with the event time (default _time)")
    timeunit = Option(doc="Epoch unit: auto, s, ms, us or ns")
    only = Option(doc="Pass on only off-hours (and undecidable) events")

    def prepare(self):
        self.reject_arguments()
        given = {name: getattr(self, name) for name in OPTIONS if getattr(self, name) is not None}
        try:
            self.annotator = Annotator(open_profiles(APP_DIR, self.username), given)
        except (OptionError, ProfileError) as error:
            self.fail(str(error))
        self.configuration.required_fields = self.annotator.required_fields

    def stream(self, records):
        return self.annotated_records(records)


if __name__ == "__main__":
    serve(EcrOffHoursCommand, __name__)
