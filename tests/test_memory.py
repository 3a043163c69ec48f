"""Hostile field values cannot grow the command: every per-value cache is bounded.

One million events, each with a distinct zone, profile and time value (other scripts' digits
that look like valid offsets, long garbage up to 64 KiB, unknown names), are judged by the
engine in a bare interpreter Splunk ships, with only lib/; its peak RSS must stay within
20 MiB of the same number of events with ordinary values.
"""
import json
import subprocess

import pytest

from conftest import INTERPRETERS, LIB, REPO

EVENTS = 1_000_000
ALLOWANCE_KIB = 20 * 1024

# Runs in the bare interpreter: judge EVENTS events, print the peak RSS in KiB.
SCRIPT = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from offhours import Annotator, open_profiles

hostile = sys.argv[3] == "hostile"
annotator = Annotator(open_profiles(sys.argv[2]), {"tzfield": "zone", "profilefield": "team"})
values = annotator.values
# Digits of other scripts: Arabic-Indic, Devanagari, Bengali, full-width, Thai, Mongolian...
SCRIPTS = [0x660, 0x966, 0x9E6, 0xFF10, 0xE50, 0x1810, 0x6F0, 0xAE6, 0xBE6, 0xCE6]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "+05:30", "UTC", "Australia/Lord_Howe"]


def digits(number, width, salt):
    text = str(number).zfill(width)
    return "".join(chr(SCRIPTS[(salt >> (3 * k)) % len(SCRIPTS)] + int(d)) for k, d in enumerate(text))


judged = 0
for i in range(int(sys.argv[4])):
    zone, team, time = ZONES[i % len(ZONES)], "utc", str(1629328650 + i)
    if hostile and i % 1000 == 0:  # about 64 KiB of garbage in one of the three fields
        garbage = ("x%d" % i) * 8192
        zone, team, time = [(garbage[:65536], team, time), (zone, garbage[:65536], time),
                            (zone, team, garbage[:65536])][i // 1000 % 3]
    elif hostile and i % 3 == 0:  # a valid-looking offset in other scripts' digits
        zone = "+" + digits(i % 14, 2, i) + ":" + digits((i // 14) % 60, 2, i // 7)
    elif hostile and i % 3 == 1:
        team = "team-%d-%s" % (i, "y" * (i % 300))
    elif hostile:
        time = digits(1629328650 + i, 10, i)
    values(time, zone, team)
    judged += 1
print(json.dumps({"peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "judged": judged}))
"""


def peak_rss(python, kind):
    result = subprocess.run([python, "-c", SCRIPT, str(LIB), str(REPO), kind, str(EVENTS)],
                            capture_output=True, text=True, timeout=600, env={})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["judged"] == EVENTS
    return report["peak_kib"]


@pytest.mark.parametrize("version", sorted(INTERPRETERS))
def test_a_million_hostile_values_stay_within_20_mib_of_benign_data(version):
    python = INTERPRETERS[version]
    benign, hostile = peak_rss(python, "benign"), peak_rss(python, "hostile")
    assert hostile - benign <= ALLOWANCE_KIB, f"peak RSS {hostile} KiB hostile vs {benign} KiB benign"
