"""Bench fixture: a splunklib StreamingCommand that adds the contract's ten output fields as
constants, the cost of writing those fields through splunklib with no decision at all.

Set up as bin/ecrofhours.py is: the app's lib/ first on sys.path, no argv.
"""
import os
import sys

APP_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))  # from tools/run/bench_commands/
sys.path.insert(0, os.path.join(APP_DIR, "lib"))

from splunklib.searchcommands import Configuration, StreamingCommand, dispatch  # noqa: E402

# Typical values of CONTRACT.md's output fields, in its order.
FIELDS = {
    "off_hours": "1",
    "off_hours_reason": "after_hours",
    "local_time": "2021-08-18T23:17:30+00:00",
    "local_hour": "23",
    "local_wday": "wednesday",
    "holiday_name": "",
    "minutes_outside": "198",
    "bh_profile": "utc",
    "bh_tz": "UTC",
    "bh_error": "",
}


@Configuration()
class ConstFieldsCommand(StreamingCommand):
    def stream(self, records):
        for record in records:
            record.update(FIELDS)
            yield record


if __name__ == "__main__":
    dispatch(ConstFieldsCommand, sys.argv, sys.stdin, sys.stdout, __name__, allow_empty_input=True)
