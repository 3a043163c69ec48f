"""What the user sees when a value is huge, through the real protocol on each Splunk Python:
every echoed value is cut (its first characters and its length), a field over splunklib's
CSV limit stops the search with a message that names the field, never a path or a traceback
(those go to search.log), and a value with braces cannot break a message."""
import csv
import io
import re
import subprocess

import pytest

from conftest import REPO
from offhours import OUTPUT_FIELDS
from offhours.quoting import ECHO_LIMIT, quote
from harness.scpv2 import probe_getinfo, read_chunk, run_command

T = 1629328650  # 2021-08-18T23:17:30Z, a Wednesday
HUGE = 240_000  # the size of the reported hours= value
CSV_LIMIT = 10 * 1024 * 1024  # splunklib.searchcommands.internals sets csv.field_size_limit to 10 MiB
# A message may hold a few echoed values (an option and the part of it that is wrong) and its
# fixed text (the accepted form, the known profiles): far below the size of one huge value.
MESSAGE_LIMIT = 2000


@pytest.fixture(autouse=True)
def driver_reads_long_fields():
    """The test driver reads replies with Python's default CSV limit (128 KiB); a 240 KB
    value the command passes back (bh_profile) needs splunklib's 10 MiB, as splunkd reads it."""
    before = csv.field_size_limit(CSV_LIMIT)
    yield
    csv.field_size_limit(before)


def messages(session):
    return [text for _, text in session.messages]


def assert_bounded(text):
    """Short, and says how long the cut value was."""
    assert len(text) <= MESSAGE_LIMIT, f"{len(text)} characters: {text[:300]}..."
    assert re.search(rf"\.\.\.'? \({HUGE // 1000}\d\d\d characters\)", text), text[:300]


def assert_user_safe(text):
    for hint in ("Traceback", 'File "', ".py", str(REPO)):
        assert hint not in text, text[:500]


def huge_hours_entries():
    """A 240 KB hours= of many good entries and one bad one."""
    entries = "mon-fri 08:00-18:00; " * (HUGE // 21)
    return entries + "mon-fri 25:00-26:00"


def huge_hours_entry():
    """A 240 KB hours= that is one entry with one bad interval at its end."""
    return "mon-fri " + "08:00-09:00, " * (HUGE // 13) + "25:00-26:00"


BAD_OPTIONS = {
    "profile": "p" * HUGE,
    "tz": "Mars/" + "x" * HUGE,
    "locale": "de_" + "D" * HUGE,
    "hours-entries": huge_hours_entries(),
    "hours-entry": huge_hours_entry(),
    "holidays": "DE, " + "X" * HUGE,
    "timeunit": "s" * HUGE,
    "only": "y" * HUGE,
}


@pytest.mark.parametrize("option", sorted(BAD_OPTIONS))
def test_a_huge_bad_option_value_is_echoed_cut(splunk_python, option):
    name = option.partition("-")[0]
    session = probe_getinfo(splunk_python, [f"{name}={BAD_OPTIONS[option]}"])
    assert session.returncode != 0
    (error,) = [text for level, text in session.messages if level == "ERROR"]
    assert_bounded(error)
    assert_user_safe(error)
    assert error.startswith((f"Invalid {name}=", "Unknown profile"))


@pytest.mark.parametrize("text", ["x" * HUGE + "=1", "y" * HUGE], ids=["unknown-option", "positional"])
def test_a_huge_unknown_argument_is_echoed_cut(splunk_python, text):
    session = probe_getinfo(splunk_python, [text])
    (error,) = [text for level, text in session.messages if level == "ERROR"]
    assert_bounded(error)
    assert error.startswith(("Unknown option", "Unexpected argument"))


@pytest.mark.parametrize("args", [["hours=" + huge_hours_entry()], ["tz=Mars/" + "x" * HUGE], ["x" * HUGE + "=1"],
                                  ["profile=" + "p" * HUGE], ["limit=" + "9" * HUGE], ["intervals=" + "y" * HUGE]],
                         ids=["hours", "tz", "unknown-option", "profile", "limit", "intervals"])
def test_the_policy_view_echoes_huge_values_cut(splunk_python, args):
    session = probe_getinfo([splunk_python[0], str(REPO / "bin" / "ecrofhourspolicy.py")], args)
    (error,) = [text for level, text in session.messages if level == "ERROR"]
    assert_bounded(error)
    assert_user_safe(error)


def test_huge_field_values_give_a_cut_bh_error(splunk_python):
    records = [
        {"_time": "9" * HUGE},                      # digits: the epoch path
        {"_time": "2021-08-18T" + "1" * HUGE},      # the ISO 8601 path
        {"_time": str(T), "zone": "Mars/" + "z" * HUGE},
        {"_time": str(T), "team": "t" * HUGE},
    ]
    session = run_command(splunk_python, ["tzfield=zone", "profilefield=team"], records)
    assert session.returncode == 0, messages(session)
    assert [r["off_hours_reason"] for r in session.records] == [
        "bad_time", "bad_time", "bad_timezone", "unknown_profile"]
    for record in session.records:
        assert_bounded(record["bh_error"])
    for text in messages(session):
        assert len(text) <= MESSAGE_LIMIT, text[:300]
    # bh_profile is the analyst's own value, kept whole as the README says (not a message).
    assert session.records[3]["bh_profile"] == "t" * HUGE


def test_a_huge_time_field_name_is_echoed_cut(splunk_python):
    name = "f" * HUGE
    session = run_command(splunk_python, [f"timefield={name}"], [{"_time": str(T)}])
    assert session.returncode == 0
    (record,) = session.records
    assert record["off_hours_reason"] == "no_time"
    assert_bounded(record["bh_error"])


def test_quote_cuts_to_the_echo_limit_and_gives_the_length():
    text = "é" * (ECHO_LIMIT + 1)
    assert quote(text) == f"'{'é' * ECHO_LIMIT}...' ({ECHO_LIMIT + 1} characters)"
    assert quote("é" * ECHO_LIMIT) == f"'{'é' * ECHO_LIMIT}'"


# --- a field over splunklib's CSV limit -------------------------------------------------------


@pytest.mark.parametrize("honour", [True, False], ids=["fast-path", "all-fields"])
def test_a_field_over_the_csv_limit_stops_with_a_message_naming_it(splunk_python, honour):
    field = "_time" if honour else "requestParameters"
    big = {"_time": str(T), field: "x" * (CSV_LIMIT + 1)} if not honour else {"_time": "1" * (CSV_LIMIT + 1)}
    session = run_command(splunk_python, [], [{"_time": str(T)}, big], honour_required_fields=honour)
    assert session.returncode == 1
    (error,) = [text for level, text in session.messages if level in ("ERROR", "FATAL")]
    assert_user_safe(error)
    assert f"field {quote(field)} holds {CSV_LIMIT + 1:,} characters" in error, error
    assert "10 MiB" in error and "ecrofhours stopped" in error
    assert "Traceback" in session.stderr  # the details go to search.log


def test_a_multivalue_field_over_the_csv_limit_is_named_without_its_internal_column(splunk_python):
    big = {"_time": str(T), "tags": ["a", "x" * (CSV_LIMIT + 1)]}
    session = run_command(splunk_python, [], [big], honour_required_fields=False)
    (error,) = [text for level, text in session.messages if level in ("ERROR", "FATAL")]
    assert "field 'tags' holds" in error, error
    assert_user_safe(error)


def test_any_other_failure_shows_the_user_no_path_and_logs_the_traceback(splunk_python):
    """A request that is no chunk (splunklib's RuntimeError) stands for any unexpected error."""
    done = subprocess.run(splunk_python, input=b"hello\n", capture_output=True, timeout=60, check=False)
    assert done.returncode == 1
    metadata, _ = read_chunk(io.BytesIO(done.stdout))
    ((level, text),) = metadata["inspector"]["messages"]
    assert level == "ERROR" and "internal error (RuntimeError)" in text and "search.log" in text
    assert_user_safe(text)
    log = done.stderr.decode()
    assert "Failed to parse transport header" in log and "Traceback" in log and "search_command.py" in log


# --- braces ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["{0}", "{}", "{x}", "{"])
def test_a_value_with_braces_gets_its_message(splunk_python, value):
    """splunklib str.format()s messages; a brace in a value used to lose the message."""
    session = probe_getinfo(splunk_python, [f"hours={value}"])
    (error,) = [text for level, text in session.messages if level == "ERROR"]
    assert error.startswith(f"Invalid hours={value}: ")
    assert_user_safe(error)


def test_output_fields_are_unchanged_by_cutting(splunk_python):
    """Cutting is for messages: a decidable event's fields are whole."""
    session = run_command(splunk_python, ["tz=Europe/Berlin"], [{"_time": str(T)}])
    ((_, (reply,)),) = session.replies[:1]
    assert set(OUTPUT_FIELDS) <= set(reply) and reply["local_time"] == "2021-08-19T01:17:30+02:00"
