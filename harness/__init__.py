"""The test harness: what the tests, `make demo` and `make bench` import to drive the app as
Splunk would. Never part of the app package.

- ``scpv2``: a splunkd stand-in for the Search Command Protocol v2, checked against recordings;
- ``spl``: a strict evaluator of the saved searches' own SPL, with the real commands;
- ``interpreters``: the Pythons Splunk runs the commands with;
- ``sample_events``, ``organisation``: CloudTrail and Security Lake events, a sample week and a
  simulated organisation; ``previous_detections``: the rules before graded risk, for comparison.
"""
