"""Profiles from Splunk Web: the lookup ``lookups/ecrofhours_profiles.csv``, its precedence
against ``ecrofhours.conf``, its reader, and the warnings about what it cannot use."""
import pytest

from conftest import REPO
from offhours import Annotator, OptionError, ProfileError, open_profiles
from offhours.calendar import day_number
from offhours.profile_lookup import parse_profile_lookup, read_profile_lookup

SHIPPED = """
[settings]
default_profile = utc

[profile:utc]
timezone = UTC
hours = workdays 08:00-20:00
holidays = none

[profile:berlin]
timezone = Europe/Berlin
locale = de_DE
hours = workdays 08:00-18:00
closures = 2030-01-02
"""
HEADER = "profile,timezone,locale,hours,holidays,closures,default\n"


@pytest.fixture
def app(tmp_path):
    """An app at ``etc/apps/ecrofhours`` (so a user's private space can sit beside it)."""
    root = tmp_path / "etc" / "apps" / "ecrofhours"
    for folder in ("default", "local", "lookups"):
        (root / folder).mkdir(parents=True)
    (root / "default" / "ecrofhours.conf").write_text(SHIPPED)
    for name in ("ecrofhours_holiday_calendars.csv", "ecrofhours_public_holidays.csv"):
        (root / "lookups" / name).symlink_to(REPO / "lookups" / name)
    return root


def write_lookup(app, text, name="ecrofhours_profiles.csv", encoding="utf-8"):
    (app / "lookups" / name).write_bytes(text.encode(encoding))


def book(app, local=None):
    if local is not None:
        (app / "local" / "ecrofhours.conf").write_text(local)
    return open_profiles(str(app))


def day(text):
    year, month, date = map(int, text.split("-"))
    from datetime import date as make_date

    return day_number(make_date(year, month, date))


# --- The reader -----------------------------------------------------------------------------


def test_no_file_is_no_error(app):
    lookup = read_profile_lookup(str(app / "lookups"))
    assert (lookup.stanzas, lookup.errors, lookup.warnings, lookup.default) == ({}, {}, [], None)
    assert book(app).names() == ["berlin", "utc"]


@pytest.mark.parametrize("text", [
    "\ufeffprofile,timezone,hours\r\nops,Asia/Tokyo,mon-fri 09:00-17:00\r\n",   # Excel "CSV UTF-8"
    "profile,timezone,hours\rops,Asia/Tokyo,mon-fri 09:00-17:00\r",              # old Mac line ends
    "Profile , TimeZone ,hours\nops , Asia/Tokyo , mon-fri 09:00-17:00 \n\n,,\n",  # case, blanks, empty rows
])
def test_byte_order_mark_line_ends_and_blanks(app, text):
    write_lookup(app, text)
    profiles = book(app)
    ops = profiles.compile("ops")
    assert (ops.zone.name, ops.calendar.hours.intervals(0, True)) == ("Asia/Tokyo", ((9 * 3600, 17 * 3600),))
    assert profiles.warnings() == []


@pytest.mark.parametrize("delimiter, called", [(";", "semicolons"), ("\t", "tabs")])
def test_a_wrong_delimiter_is_named_and_stops_only_the_profiles_in_the_file(app, delimiter, called):
    write_lookup(app, delimiter.join(["profile", "timezone"]) + "\r\n" + delimiter.join(["ops", "Asia/Tokyo"]) + "\r\n")
    profiles = book(app)
    with pytest.raises(ProfileError, match=rf"^lookups/ecrofhours_profiles.csv line 1: the columns are separated "
                                           rf"by {called}, not commas"):
        profiles.compile("ops")
    assert profiles.compile("utc").zone.name == "UTC"


def test_a_file_without_a_profile_column_is_a_warning_and_named_for_unknown_profiles(app):
    write_lookup(app, "name,timezone\nops,Asia/Tokyo\n")
    profiles = book(app)
    assert profiles.warnings() == [
        "lookups/ecrofhours_profiles.csv line 1: no column 'profile' "
        "(columns: profile, timezone, locale, hours, holidays, closures, default); its profiles are ignored"]
    with pytest.raises(OptionError, match=r"Unknown profile 'ops' \(profile option\); known profiles: berlin, utc; "
                                          r"lookups/ecrofhours_profiles.csv line 1: no column 'profile'"):
        Annotator(profiles, {"profile": "ops"})
    annotator = Annotator(profiles, {})
    assert "no column 'profile'" in annotator.take_warnings()[0]


def test_text_that_is_not_utf8_is_named(app):
    write_lookup(app, "profile,timezone\nmünchen,Europe/Berlin\n", encoding="latin-1")
    assert book(app).warnings() == [
        'lookups/ecrofhours_profiles.csv: not UTF-8 text (byte 19); its profiles are ignored. Save it as "CSV UTF-8"']


def test_an_unknown_column_stops_every_profile_of_the_file(app):
    write_lookup(app, "profile,timezon\nops,Asia/Tokyo\n")
    profiles = book(app)
    message = r"^lookups/ecrofhours_profiles.csv line 1: unknown column 'timezon' \(allowed: profile, timezone, "
    with pytest.raises(ProfileError, match=message + "locale, hours, holidays, closures, default\\)"):
        profiles.compile("ops")
    assert profiles.compile("berlin").zone.name == "Europe/Berlin"


def test_splunk_internal_columns_are_ignored(app):
    write_lookup(app, "_time,profile,timezone\n1700000000,ops,Asia/Tokyo\n")
    assert book(app).compile("ops").zone.name == "Asia/Tokyo"


def test_a_profile_on_two_rows_is_an_error_naming_both(app):
    write_lookup(app, HEADER + "ops,Asia/Tokyo,,,,,\nops,Asia/Seoul,,,,,\n")
    with pytest.raises(ProfileError, match=r"^lookups/ecrofhours_profiles.csv lines 2 and 3 both define profile 'ops'"):
        book(app).compile("ops")


def test_a_row_without_a_name_is_a_warning(app):
    write_lookup(app, HEADER + ",Asia/Tokyo,,,,,\n")
    assert book(app).warnings() == ["lookups/ecrofhours_profiles.csv line 2: no profile name; the row is ignored"]


def test_a_row_with_more_cells_than_columns(app):
    write_lookup(app, "profile,hours\nops,mon-fri 08:00-12:00, 13:00-17:00\n")
    with pytest.raises(ProfileError, match=r"line 2: 3 cells but 2 columns \(an unquoted comma\?\)"):
        book(app).compile("ops")


# --- Validation: a broken entry stops only its own profile ------------------------------------


@pytest.mark.parametrize("row, message", [
    ("ops,Europe/Pariss,,,,,", "timezone: unknown time zone 'Europe/Pariss'"),
    ("ops,,german,,,,", "locale: invalid locale 'german'"),
    ("ops,,,mon-fri 8-18,,,", "hours: invalid time '8'"),
    ("ops,,,,Narnia,,", "holidays: unknown holiday calendar 'NARNIA'"),
    ("ops,,,,,2024-13-01,", "closures: invalid closure '2024-13-01'"),
])
def test_a_bad_value_names_the_lookup_line_and_profile(app, row, message):
    write_lookup(app, HEADER + "fine,Asia/Tokyo,,,,,\n" + row + "\n")
    profiles = book(app)
    with pytest.raises(ProfileError) as error:
        profiles.compile("ops")
    assert str(error.value).startswith(f"lookups/ecrofhours_profiles.csv line 3, profile 'ops', {message}")
    assert profiles.compile("fine").zone.name == "Asia/Tokyo"
    assert profiles.compile("utc").zone.name == "UTC"


# --- Precedence -------------------------------------------------------------------------------


def test_the_lookup_replaces_a_default_profile_whole(app):
    write_lookup(app, HEADER + "berlin,Europe/Paris,,,,,\n")
    profiles = book(app)
    berlin = profiles.compile("berlin")
    assert profiles.sources("berlin") == ["lookup", "default"]
    assert berlin.zone.name == "Europe/Paris"
    assert berlin.calendar.hours.intervals(0, True) == ((8 * 3600, 20 * 3600),)  # the default hours, not default/'s
    assert berlin.locale is None and berlin.holiday_codes == ()


def test_local_replaces_the_lookups_profile_whole(app):
    write_lookup(app, HEADER + "berlin,Europe/Paris,,mon-fri 06:00-07:00,,,\n")
    profiles = book(app, "[profile:berlin]\nhours = mon-fri 09:00-17:00\n")
    berlin = profiles.compile("berlin")
    assert profiles.sources("berlin") == ["local", "lookup", "default"]
    assert berlin.zone.name == "Europe/Berlin"  # local/ over default/, key by key, as before
    assert berlin.calendar.hours.intervals(0, True) == ((9 * 3600, 17 * 3600),)


def test_closures_are_the_union_of_every_source(app):
    write_lookup(app, HEADER + "berlin,Europe/Berlin,,,,2030-01-03 12:00,\n")
    write_lookup(app, "profile,date,closes_at,name\nberlin,2030-01-04,,Team day\n", "ecrofhours_company_closures.csv")
    berlin = book(app, "[profile:berlin]\nclosures = 2030-01-01\n").compile("berlin")
    closures = berlin.company_closures
    assert sorted(closures) == [day("2030-01-01"), day("2030-01-02"), day("2030-01-03"), day("2030-01-04")]
    assert [(c.name, c.closes_at) for c in closures[day("2030-01-03")]] == [("Company closure", 12 * 3600)]
    assert [c.name for c in closures[day("2030-01-04")]] == ["Team day"]


def test_a_broken_row_stops_its_profile_even_where_local_wins(app):
    """The row's closures would count: a broken row is never silently skipped."""
    write_lookup(app, HEADER + "berlin,,,,,2030-02-30,\n")
    with pytest.raises(ProfileError, match="line 2, profile 'berlin', closures: invalid closure '2030-02-30'"):
        book(app, "[profile:berlin]\nhours = mon-fri 09:00-17:00\n").compile("berlin")


def test_a_profile_only_in_the_lookup_is_used_by_profile_and_profilefield(app):
    write_lookup(app, HEADER + "tokyo_ops,Asia/Tokyo,ja_JP,workdays 09:00-18:00,,,\n")
    profiles = book(app)
    assert "tokyo_ops" in profiles.names() and profiles.sources("tokyo_ops") == ["lookup"]
    by_option = Annotator(profiles, {"profile": "tokyo_ops"}).annotate("1629328650")
    by_field = Annotator(profiles, {"profilefield": "team"}).annotate("1629328650", None, "tokyo_ops")
    assert by_option == by_field
    assert (by_field["local_time"], by_field["off_hours_reason"]) == ("2021-08-19T08:17:30+09:00", "before_hours")


# --- The default profile ----------------------------------------------------------------------


def test_the_lookup_chooses_the_default_profile(app):
    write_lookup(app, HEADER + "ops,Asia/Tokyo,,,,,true\n")
    profiles = book(app)
    assert profiles.default_choice() == ("ops", "lookups/ecrofhours_profiles.csv")
    assert Annotator(profiles, {}).profile.name == "ops"


def test_local_settings_win_over_the_lookups_default_with_a_warning(app):
    write_lookup(app, HEADER + "ops,Asia/Tokyo,,,,,yes\n")
    profiles = book(app, "[settings]\ndefault_profile = berlin\n")
    assert profiles.default_choice() == ("berlin", "local/ecrofhours.conf")
    assert profiles.warnings() == [
        "lookups/ecrofhours_profiles.csv marks 'ops' as default, but local/ecrofhours.conf [settings] "
        "default_profile = berlin takes precedence"]


def test_the_lookups_default_wins_over_default_settings(app):
    write_lookup(app, HEADER + "ops,Asia/Tokyo,,,,,1\nother,UTC,,,,,false\n")
    assert book(app).default_name() == "ops"


@pytest.mark.parametrize("rows, message", [
    ("a,UTC,,,,,true\nb,UTC,,,,,true\n", "profiles 'a' and 'b' are both marked default: mark one"),
    ("a,UTC,,,,,maybe\n", "line 2: default 'maybe' for profile 'a': expected true or false"),
])
def test_a_broken_default_choice_stops_searches_without_a_profile_only(app, rows, message):
    write_lookup(app, HEADER + rows)
    profiles = book(app)
    with pytest.raises(ProfileError, match=message):
        Annotator(profiles, {})
    assert Annotator(profiles, {"profile": "a"}).profile.name == "a"


# --- A private copy ---------------------------------------------------------------------------


def test_a_private_copy_is_ignored_with_a_warning(app):
    private = app.parents[1] / "users" / "alice" / "ecrofhours" / "lookups"
    private.mkdir(parents=True)
    (private / "ecrofhours_profiles.csv").write_text(HEADER + "ops,Asia/Tokyo,,,,,\n")
    (private / "ecrofhours_company_closures.csv").write_text("profile,date\n*,2030-01-01\n")
    profiles = open_profiles(str(app), "alice")
    assert not profiles.has("ops")
    assert profiles.warnings() == [
        f"lookups/{name} is private to 'alice' and ignored until shared to the app: Settings > Lookups > "
        'Lookup table files, Permissions, share with "This app" or "All apps"'
        for name in ("ecrofhours_profiles.csv", "ecrofhours_company_closures.csv")]
    assert open_profiles(str(app), "bob").warnings() == []
    assert open_profiles(str(app), "../alice").warnings() == []  # a name is never a path
    write_lookup(app, HEADER + "ops,UTC,,,,,\n")  # shared: the app's copy is read, no warning
    assert len(open_profiles(str(app), "alice").warnings()) == 1


# --- Overrides that change nothing (issue 11, 6.1) --------------------------------------------


@pytest.mark.parametrize("profile, options, note", [
    ("berlin", {"tz": "europe/berlin"}, "tz=europe/berlin overrides nothing in profile 'berlin': "
                                        "its time zone is Europe/Berlin"),
    ("berlin", {"locale": "de-DE"}, "locale=de-DE overrides nothing in profile 'berlin': "
                                    "its locale's territory is DE"),
    ("berlin", {"hours": "mon-fri 08:00-18:00"}, "hours=mon-fri 08:00-18:00 overrides nothing in profile "
                                                 "'berlin': it has these hours"),
    ("named", {"locale": "ar_SA"}, "locale=ar_SA overrides nothing in profile 'named': its hours name their "
                                   "days (not workdays) and its holidays are set"),
    ("named", {"holidays": "none"}, "holidays=none overrides nothing in profile 'named': "
                                    "it uses these holiday calendars"),
])
def test_an_override_that_changes_nothing_is_a_warning(app, profile, options, note):
    profiles = book(app, "[profile:named]\nhours = mon-fri 08:00-20:00\nholidays = none\n")
    warnings = Annotator(profiles, {"profile": profile, **options}).take_warnings()
    assert len(warnings) == 1 and warnings[0].startswith(note)


@pytest.mark.parametrize("profile, options", [
    ("utc", {"locale": "ar_SA"}),           # workdays move
    ("berlin", {"tz": "Europe/Paris"}),
    ("berlin", {"locale": "en_US"}),        # holidays follow the locale
    ("named", {"hours": "mon-fri 09:00-17:00"}),
])
def test_an_override_that_changes_something_is_silent(app, profile, options):
    profiles = book(app, "[profile:named]\nhours = mon-fri 08:00-20:00\nholidays = none\n")
    assert Annotator(profiles, {"profile": profile, **options}).take_warnings() == []


def test_the_profilefield_profiles_get_the_warning_too(app):
    annotator = Annotator(book(app), {"profilefield": "team", "tz": "UTC"})
    assert annotator.take_warnings() == ["tz=UTC overrides nothing in profile 'utc': its time zone is UTC"]
    annotator.annotate("1629328650", None, "berlin")
    assert annotator.take_warnings() == []
    annotator = Annotator(book(app), {"profilefield": "team", "tz": "Europe/Berlin"})
    annotator.annotate("1629328650", None, "berlin")
    assert annotator.take_warnings() == [
        "tz=Europe/Berlin overrides nothing in profile 'berlin': its time zone is Europe/Berlin"]


def test_the_parser_doctest_shape():
    lookup = parse_profile_lookup("profile,hours\nops,workdays 09:00-17:00\n")
    assert lookup.names() == ["ops"] and lookup.stanzas["profile:ops"]["hours"].line == 2


# --- Through the real protocol, as splunkd runs the command (Python 3.9 and 3.13) -------------


@pytest.fixture
def installed(splunk_python, app):
    """``etc/apps/ecrofhours`` with the real bin/, default/ and lib/, and the command prefix."""
    import shutil

    shutil.copytree(REPO / "bin", app / "bin", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "default" / "ecrofhours.conf", app / "default" / "ecrofhours.conf")
    (app / "lib").symlink_to(REPO / "lib", target_is_directory=True)
    return [splunk_python[0], str(app / "bin" / "ecrofhours.py")]


T = 1629328650  # 2021-08-18T23:17:30Z, a Wednesday; 08:17:30 on Thursday in Tokyo


def test_protocol_a_lookup_profile_is_used_by_profile_and_profilefield(installed, app):
    from harness.scpv2 import run_command

    write_lookup(app, "\ufeffprofile,timezone,locale,hours\r\ntokyo_ops,Asia/Tokyo,ja_JP,workdays 08:00-17:00\r\n")
    by_option = run_command(installed, ["profile=tokyo_ops"], [{"_time": str(T)}])
    by_field = run_command(installed, ["profilefield=team"], [{"_time": str(T), "team": "tokyo_ops"}])
    for session in (by_option, by_field):
        assert session.returncode == 0 and session.messages == []
        record = session.records[0]
        assert (record["bh_profile"], record["bh_tz"], record["local_time"], record["off_hours_reason"]) == (
            "tokyo_ops", "Asia/Tokyo", "2021-08-19T08:17:30+09:00", "business_hours")


def test_protocol_a_broken_entry_stops_only_its_own_profile(installed, app):
    from harness.scpv2 import run_command

    write_lookup(app, HEADER + "tokyo_ops,Asia/Tokio,,,,,\nseoul_ops,Asia/Seoul,,,,,\n")
    broken = run_command(installed, ["profile=tokyo_ops"], [{"_time": str(T)}])
    assert broken.returncode != 0 and broken.records == []
    assert broken.messages == [("ERROR", "lookups/ecrofhours_profiles.csv line 2, profile 'tokyo_ops', timezone: "
                                         + broken.messages[0][1].split("timezone: ", 1)[1])]
    assert "unknown time zone 'Asia/Tokio'" in broken.messages[0][1] and str(app) not in broken.messages[0][1]
    for args in (["profile=seoul_ops"], ["profile=utc"], []):
        fine = run_command(installed, args, [{"_time": str(T)}])
        assert fine.returncode == 0 and fine.messages == [] and fine.records[0]["off_hours"] in ("0", "1"), args
    per_event = run_command(installed, ["profilefield=team"],
                            [{"_time": str(T), "team": "tokyo_ops"}, {"_time": str(T), "team": "seoul_ops"}])
    assert per_event.returncode == 0
    assert [r["off_hours_reason"] for r in per_event.records] == ["unknown_profile", "business_hours"]
    assert per_event.records[0]["bh_error"].startswith("lookups/ecrofhours_profiles.csv line 2, profile 'tokyo_ops'")
    assert [level for level, _ in per_event.messages] == ["WARN"]


def test_protocol_a_private_copy_is_reported_to_its_owner(installed, app):
    from harness.scpv2 import run_command

    private = app.parents[1] / "users" / "alice" / "ecrofhours" / "lookups"
    private.mkdir(parents=True)
    (private / "ecrofhours_profiles.csv").write_text(HEADER + "tokyo_ops,Asia/Tokyo,,,,,\n")
    session = run_command(installed, [], [{"_time": str(T)}], searchinfo={"username": "alice"})
    assert session.returncode == 0 and session.records[0]["bh_profile"] == "utc"
    assert session.messages == [("WARN", "lookups/ecrofhours_profiles.csv is private to 'alice' and ignored until "
                                         'shared to the app: Settings > Lookups > Lookup table files, Permissions, '
                                         'share with "This app" or "All apps"')]
    assert run_command(installed, [], [{"_time": str(T)}], searchinfo={"username": "bob"}).messages == []


def test_protocol_an_override_that_changes_nothing_is_a_warning(installed):
    from harness.scpv2 import run_command

    session = run_command(installed, ["profile=berlin", "tz=Europe/Berlin"], [{"_time": str(T)}])
    assert session.returncode == 0 and session.records[0]["bh_tz"] == "Europe/Berlin"
    assert session.messages == [
        ("WARN", "tz=Europe/Berlin overrides nothing in profile 'berlin': its time zone is Europe/Berlin")]


def test_a_settings_typo_stops_only_searches_without_a_profile(app):
    profiles = book(app, "[settings]\ndefault_profle = berlin\n")
    with pytest.raises(ProfileError, match=r"local/ecrofhours.conf \[settings\]: unknown key 'default_profle'"):
        Annotator(profiles, {})
    assert Annotator(profiles, {"profile": "berlin"}).profile.name == "berlin"
