"""Bench fixture: a splunklib StreamingCommand that passes every record on unchanged.

The baseline of ``make bench`` (tools/run/bench.py): what splunklib's record handling costs
by itself. Set up as bin/ecrofhours.py is: the app's lib/ first on sys.path, no argv.
"""
import os
import sys

APP_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))  # from tools/run/bench_commands/
sys.path.insert(0, os.path.join(APP_DIR, "lib"))

from splunklib.searchcommands import Configuration, StreamingCommand, dispatch  # noqa: E402


@Configuration()
class NoopCommand(StreamingCommand):
    def stream(self, records):
        yield from records


if __name__ == "__main__":
    dispatch(NoopCommand, sys.argv, sys.stdin, sys.stdout, __name__, allow_empty_input=True)
