"""A copy of the app with its own local/ecrofhours.conf: each way the conf can be broken gives the
exact message the user sees, naming the conf file (relative to the app) and the stanza; no
traceback and no path into the Python code. The real bin/ecrofhours.py under the interpreters
Splunk ships, over the SCP v2 driver."""
import re
import shutil

import pytest

from conftest import REPO
from sessions import EVENTS, assert_user_safe, clean_env, errors
from offhours import OUTPUT_FIELDS
from harness.scpv2 import (
    run_command,
)


# --- A copy of the app with its own local/ecrofhours.conf -----------------------------------


@pytest.fixture
def app(tmp_path):
    """A copy of the app (bin/, default/; lib/ and lookups/ linked) to add local/ to.

    The command finds its confs from its own ``__file__``, so it reads this copy's."""
    root = tmp_path / "apps" / "ecrofhours"
    root.mkdir(parents=True)
    shutil.copytree(REPO / "bin", root / "bin", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "default", root / "default")
    (root / "lib").symlink_to(REPO / "lib", target_is_directory=True)
    (root / "lookups").symlink_to(REPO / "lookups", target_is_directory=True)
    (root / "local").mkdir()
    return root


def run_app(python, app, args, records, local=None, chunk_size=50000, **kwargs):
    if local is not None:
        conf = app / "local" / "ecrofhours.conf"
        conf.write_bytes(local if isinstance(local, bytes) else local.encode("utf-8"))
    return run_command([python[0], str(app / "bin" / "ecrofhours.py")], args, records,
                       chunk_size=chunk_size, env=clean_env(), **kwargs)


UNKNOWN_KEY_HINT = "(allowed: closures, holidays, hours, locale, timezone)"
HOURS_FORM = ("expected [<days>] HH:MM-HH:MM[, HH:MM-HH:MM...][; ...] with days mon..sun, a range "
              'such as mon-fri, a comma list or workdays; e.g. "mon-fri 08:00-18:00"')
ZONE_FORM = "use an IANA name such as Europe/Berlin or a UTC offset such as +05:30"


@pytest.mark.parametrize("local, args, message", [
    pytest.param("[profile:utc]\ntmezone = UTC\n", [],
                 f"local/ecrofhours.conf [profile:utc]: unknown key 'tmezone' {UNKNOWN_KEY_HINT}",
                 id="unknown-key"),
    pytest.param("[profile:utc]\nTimezone = UTC\n", [],
                 f"local/ecrofhours.conf [profile:utc]: unknown key 'Timezone' {UNKNOWN_KEY_HINT}",
                 id="keys-are-case-sensitive"),
    pytest.param("[profile:utc]\ntimezone = Mars/Base\n", [],
                 f"local/ecrofhours.conf [profile:utc] timezone: unknown time zone 'Mars/Base': {ZONE_FORM}",
                 id="bad-timezone"),
    pytest.param("[profile:utc]\ntimezone =\n", [],
                 f"local/ecrofhours.conf [profile:utc] timezone: unknown time zone '': {ZONE_FORM}",
                 id="empty-timezone"),
    pytest.param("[profile:utc]\nhours = always\n", [],
                 f"local/ecrofhours.conf [profile:utc] hours: no time interval in 'always': {HOURS_FORM}",
                 id="bad-hours"),
    pytest.param("[profile:utc]\nlocale = german\n", [],
                 "local/ecrofhours.conf [profile:utc] locale: invalid locale 'german': expected ll_CC, ll-CC or "
                 "CC with an ISO 3166 territory, e.g. de_DE or SA", id="bad-locale"),
    pytest.param("[profile:utc]\nholidays =\n", [],
                 "local/ecrofhours.conf [profile:utc] holidays: empty holidays: name calendars such as US, "
                 "DE-BY, or none", id="empty-holidays"),
    pytest.param("[profile:utc]\nclosures = 2024-13-01\n", [],
                 "local/ecrofhours.conf [profile:utc] closures: invalid closure '2024-13-01': expected "
                 'YYYY-MM-DD[ HH:MM][, ...], e.g. "2025-12-24 12:00, 2025-12-31"', id="bad-closure"),
    pytest.param("[profile:berlin]\ntimezone = Europe/Berln\n", ["profile=berlin"],
                 f"local/ecrofhours.conf [profile:berlin] timezone: unknown time zone 'Europe/Berln': {ZONE_FORM}",
                 id="named-profile"),
    pytest.param("[settings]\ndefault_profile = ops\n", [],
                 "Unknown profile 'ops' (default_profile); known profiles: berlin, us_eastern, utc",
                 id="missing-stanza-for-default"),
    pytest.param("", ["profile=ops"],
                 "Unknown profile 'ops' (profile option); known profiles: berlin, us_eastern, utc",
                 id="missing-stanza-for-option"),
    pytest.param("[settings]\ndefault_profle = berlin\n", [],
                 "local/ecrofhours.conf [settings]: unknown key 'default_profle' (allowed: default_profile)",
                 id="settings-typo"),
    pytest.param("stray = 1\n[profile:utc]\n", [],
                 "local/ecrofhours.conf [default]: keys outside a [profile:<name>] stanza are not supported; "
                 "set them in each profile", id="key-outside-a-stanza"),
    pytest.param("[profile:utc]\nhours = mon-fri 08:00-20:00\ngarbage line\n", [],
                 "local/ecrofhours.conf, line 3: expected 'key = value' or '[stanza]'", id="syntax"),
    pytest.param(b"[profile:utc]\ntimezone = Europe/Z\xfcrich\n", [],
                 "local/ecrofhours.conf: cannot read: UnicodeDecodeError", id="not-utf-8"),
    pytest.param("[profile:utc]\nhours = mon-fri 08:00-20:00\nhours = bogus\n", [],
                 f"local/ecrofhours.conf [profile:utc] hours: no time interval in 'bogus': {HOURS_FORM}",
                 id="duplicate-key-last-wins-bad"),
])
def test_a_broken_conf_stops_the_search_with_one_clear_message(splunk_python, app, local, args, message):
    session = run_app(splunk_python, app, args, EVENTS, local)
    assert errors(session) == [message]
    assert session.returncode == 1 and session.records == []
    assert_user_safe(message, app)


def test_a_local_conf_that_is_not_a_file(splunk_python, app):
    (app / "local" / "ecrofhours.conf").mkdir()
    session = run_app(splunk_python, app, [], EVENTS)
    assert errors(session) == ["local/ecrofhours.conf: cannot read: IsADirectoryError"]
    assert session.returncode == 1


def test_no_conf_at_all_names_the_missing_default(splunk_python, app):
    """An indexer that did not get the custom conf (distsearch.conf not replicating it)."""
    (app / "default" / "ecrofhours.conf").unlink()
    session = run_app(splunk_python, app, [], EVENTS)
    assert errors(session) == ["Unknown profile 'utc' (default_profile); known profiles: none"]


def verdicts(session):
    return [(r.get("off_hours", ""), r.get("off_hours_reason"), r.get("local_time"), r.get("bh_profile"))
            for r in session.records]


@pytest.mark.parametrize("local", [
    "[profile:utc]\nhours = bogus\nhours = mon-fri 09:00-10:00\n",                        # last one wins
    "[profile:utc]\nhours = mon-fri 09:00-10:00\n[profile:utc]\ntimezone = UTC\n",        # stanzas merge
    "\ufeff[profile:utc]\r\nhours = mon-fri 09:00-10:00\r\n",                            # BOM, CRLF
    "[profile:utc]\nhours = mon-fri \\\n 09:00-10:00\n",                                  # continued line
    "# comment\n[ profile:utc ]\n  hours   =   mon-fri 09:00-10:00  \n[profile:typo]\ntmezone = x\n",
])
def test_conf_syntax_splunk_accepts(splunk_python, app, local):
    session = run_app(splunk_python, app, [], EVENTS, local)
    assert session.returncode == 0 and not errors(session)
    # Only 09:00-10:00 UTC on weekdays is inside; the other keys stay as shipped (UTC).
    assert verdicts(session) == [
        ("1", "after_hours", "2021-08-18T23:17:30+00:00", "utc"),
        ("0", "business_hours", "2021-08-19T09:17:30+00:00", "utc"),
        ("1", "after_hours", "2021-08-19T13:17:30+00:00", "utc"),
    ]


def test_local_overrides_one_key_of_the_shipped_profile(splunk_python, app):
    session = run_app(splunk_python, app, [], EVENTS, "[profile:utc]\ntimezone = Asia/Tokyo\n")
    # Shipped hours (mon-fri 08:00-20:00) in Tokyo: 08:17 Thu is inside, 22:17 Thu is not.
    assert [v[:3] for v in verdicts(session)] == [
        ("0", "business_hours", "2021-08-19T08:17:30+09:00"),
        ("0", "business_hours", "2021-08-19T18:17:30+09:00"),
        ("1", "after_hours", "2021-08-19T22:17:30+09:00"),
    ]


def test_a_broken_profile_stops_only_the_searches_that_use_it(splunk_python, app):
    local = "[profile:berlin]\ntmezone = Europe/Paris\n"
    fine = run_app(splunk_python, app, [], EVENTS, local)
    assert fine.returncode == 0 and not fine.messages and len(fine.records) == 3
    broken = run_app(splunk_python, app, ["profile=berlin"], EVENTS, local)
    assert errors(broken) == [
        f"local/ecrofhours.conf [profile:berlin]: unknown key 'tmezone' {UNKNOWN_KEY_HINT}"]


def test_per_event_unknown_and_broken_profiles_are_data_with_one_warning(splunk_python, app):
    local = "[profile:typo]\ntmezone = UTC\n"
    events = EVENTS * 4  # the broken profile comes back in later chunks
    session = run_app(splunk_python, app, ["profilefield=team"], events, local, chunk_size=[2, 0, 3, 7])
    assert session.returncode == 0 and not errors(session)
    broken = f"local/ecrofhours.conf [profile:typo]: unknown key 'tmezone' {UNKNOWN_KEY_HINT}"
    assert session.messages == [("WARN", f"Profile 'typo' cannot be used: {broken}")]  # once per search
    assert len(session.records) == len(events)
    for record in session.records:
        team = record.get("team", "")
        fields = {name: record.get(name, "") for name in OUTPUT_FIELDS}
        if team == "typo":
            assert fields == {**dict.fromkeys(OUTPUT_FIELDS, ""), "off_hours_reason": "unknown_profile",
                              "bh_profile": "typo", "bh_error": broken}
        elif team == "nope":
            assert fields == {**dict.fromkeys(OUTPUT_FIELDS, ""), "off_hours_reason": "unknown_profile",
                              "bh_profile": "nope", "bh_error": "unknown profile 'nope'"}
        else:
            assert (fields["off_hours"], fields["bh_profile"], fields["bh_tz"]) == ("0", "utc", "UTC")


def test_the_user_never_sees_where_the_app_is_installed(splunk_python, app):
    """Every message of every broken case above, collected from one place: no absolute path."""
    for local in ("[profile:utc]\nhours = always\n", "garbage\n", b"\xff\xfe"):
        session = run_app(splunk_python, app, [], EVENTS, local)
        for _, text in session.messages:
            assert_user_safe(text, app, app.resolve())
            assert not re.search(r"(^|[\s'\"])/[\w.-]+/", text), text
