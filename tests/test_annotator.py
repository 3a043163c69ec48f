"""Options and per-event values to output fields: validation, precedence, per-event zones."""
import pytest

from conftest import REPO
from offhours import OUTPUT_FIELDS, Annotator, OptionError, ProfileError, open_profiles
from offhours.conffile import read_conf_text
from offhours.holidays import HolidayCatalog
from offhours.profiles import ProfileBook

SAMPLE = "1629328650"  # 2021-08-18T23:17:30Z


@pytest.fixture(scope="module")
def shipped():
    """The profiles of the repository's own default/ecrofhours.conf."""
    return open_profiles(str(REPO))


def annotate(shipped, options, time=SAMPLE, tz=None, profile=None):
    return Annotator(shipped, options).annotate(time, tz, profile)


def test_default_profile_is_upstream_utc(shipped):
    fields = annotate(shipped, {})
    assert tuple(fields) == OUTPUT_FIELDS
    assert fields == {
        "off_hours": "1", "off_hours_reason": "after_hours", "local_time": "2021-08-18T23:17:30+00:00",
        "local_hour": "23", "local_wday": "wednesday", "holiday_name": "", "minutes_outside": "198",
        "bh_profile": "utc", "bh_tz": "UTC", "bh_error": "",
    }


def test_tz_and_hours_override_the_profile(shipped):
    fields = annotate(shipped, {"tz": "america/los_angeles", "hours": "mon-fri 08:00-18:00"})
    assert (fields["off_hours"], fields["local_time"], fields["bh_tz"]) == (
        "0", "2021-08-18T16:17:30-07:00", "America/Los_Angeles")


def test_required_fields_are_exactly_what_is_read(shipped):
    assert Annotator(shipped, {}).required_fields == ["_time"]
    assert Annotator(shipped, {"timefield": "eventTime", "tzfield": "zone", "profilefield": "p"}
                     ).required_fields == ["eventTime", "zone", "p"]


@pytest.mark.parametrize("options, message", [
    ({"profile": "nope"}, "Unknown profile 'nope' (profile option); known profiles: berlin, us_eastern, utc"),
    ({"tz": "Mars/Base"}, "Invalid tz=Mars/Base: unknown time zone 'Mars/Base': use an IANA name"),
    ({"hours": "mon-fri 8-18"}, "Invalid hours=mon-fri 8-18: invalid time '8' in 'mon-fri 8-18': expected HH:MM"),
    ({"holidays": "XX"}, "Invalid holidays=XX: unknown holiday calendar 'XX'"),
    ({"locale": "klingon"}, "Invalid locale=klingon: invalid locale 'klingon': expected ll_CC, ll-CC or CC"),
    ({"timeunit": "days"}, "Invalid timeunit=days: expected one of auto, s, ms, us, ns"),
    ({"only": "maybe"}, "Invalid only=maybe: expected true or false"),
    ({"tzfield": " "}, "Invalid tzfield=: expected a field name"),
])
def test_option_errors_name_the_option_and_form(shipped, options, message):
    with pytest.raises(OptionError) as error:
        Annotator(shipped, options)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("value, expected", [("true", True), ("T", True), ("1", True), ("yes", True),
                                             ("false", False), ("f", False), ("0", False), ("No", False)])
def test_only_takes_splunk_booleans(shipped, value, expected):
    assert Annotator(shipped, {"only": value}).only is expected


class TestPerEvent:
    def test_zone_from_a_field(self, shipped):
        fields = annotate(shipped, {"tzfield": "zone"}, tz="Asia/Tokyo")
        assert (fields["local_time"], fields["bh_tz"]) == ("2021-08-19T08:17:30+09:00", "Asia/Tokyo")

    def test_offset_from_a_field(self, shipped):
        assert annotate(shipped, {"tzfield": "zone"}, tz="-0700")["bh_tz"] == "-07:00"

    def test_empty_zone_field_uses_the_profile_zone(self, shipped):
        assert annotate(shipped, {"tzfield": "zone"}, tz="")["bh_tz"] == "UTC"
        assert annotate(shipped, {"tzfield": "zone"}, tz=None)["bh_tz"] == "UTC"

    def test_multivalue_uses_the_first_value(self, shipped):
        fields = annotate(shipped, {"tzfield": "zone"}, time=["1629328650", "0"], tz=["Asia/Tokyo", "UTC"])
        assert fields["local_time"] == "2021-08-19T08:17:30+09:00"

    def test_profile_from_a_field(self, shipped):
        fields = annotate(shipped, {"profilefield": "p"}, profile="berlin")
        assert (fields["bh_profile"], fields["local_time"], fields["off_hours_reason"]) == (
            "berlin", "2021-08-19T01:17:30+02:00", "before_hours")

    def test_unknown_profile_in_a_field(self, shipped):
        fields = annotate(shipped, {"profilefield": "p"}, profile="../../etc")
        assert (fields["off_hours"], fields["off_hours_reason"], fields["bh_profile"], fields["bh_tz"],
                fields["bh_error"]) == ("", "unknown_profile", "../../etc", "", "unknown profile '../../etc'")

    def test_any_stanza_name_works_per_event_as_with_the_option(self):
        """One rule for profile= and profilefield: the name of a ``[profile:<name>]`` stanza,
        whatever its characters (up to commit 5ed6ac0 a field value had to match
        ``[A-Za-z0-9_.-]{1,64}`` and ``Team A`` was unknown per event only)."""
        book = ProfileBook(read_conf_text(
            "[profile:utc]\n[profile:Team A (Berlin)]\ntimezone = Europe/Berlin\n", "local/ecrofhours.conf"),
            HolidayCatalog("/nonexistent"))
        by_option = Annotator(book, {"profile": "Team A (Berlin)"}).annotate(SAMPLE, None, None)
        by_field = Annotator(book, {"profilefield": "p"}).annotate(SAMPLE, None, "Team A (Berlin)")
        assert by_field == by_option
        assert (by_field["bh_profile"], by_field["bh_tz"]) == ("Team A (Berlin)", "Europe/Berlin")

    @pytest.mark.parametrize("time, tz, profile, reason", [
        ("", "Bad/Zone", "nope", "unknown_profile"),
        ("", "Bad/Zone", "", "bad_timezone"),
        ("garbage", "Bad/Zone", "", "bad_timezone"),
        ("", "", "", "no_time"),
        (None, "", "", "no_time"),
        ("garbage", "", "", "bad_time"),
    ])
    def test_undecidable_precedence(self, shipped, time, tz, profile, reason):
        fields = annotate(shipped, {"tzfield": "zone", "profilefield": "p"}, time, tz, profile)
        assert (fields["off_hours"], fields["off_hours_reason"]) == ("", reason)
        assert fields["bh_error"]
        assert tuple(fields) == OUTPUT_FIELDS

    def test_bad_zone_keeps_profile_and_empties_zone(self, shipped):
        fields = annotate(shipped, {"tzfield": "zone"}, tz="Bad/Zone")
        assert (fields["bh_profile"], fields["bh_tz"]) == ("utc", "")
        assert fields["bh_error"].startswith("unknown time zone 'Bad/Zone'")

    def test_no_time_keeps_the_zone(self, shipped):
        fields = annotate(shipped, {}, time="")
        assert (fields["bh_tz"], fields["bh_error"]) == ("UTC", "no value in field _time")


def test_broken_profile_named_by_an_event_is_undecidable_with_a_warning(tmp_path):
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "ecrofhours.conf").write_text(
        "[profile:utc]\n[profile:typo]\ntmezone = UTC\n")
    annotator = Annotator(open_profiles(str(tmp_path)), {"profilefield": "p"})
    fields = annotator.annotate(SAMPLE, None, "typo")
    assert (fields["off_hours_reason"], fields["bh_profile"]) == ("unknown_profile", "typo")
    assert fields["bh_error"].startswith("default/ecrofhours.conf [profile:typo]: unknown key 'tmezone'")
    annotator.annotate(SAMPLE, None, "typo")
    assert annotator.take_warnings() == [f"Profile 'typo' cannot be used: {fields['bh_error']}"]
    assert annotator.take_warnings() == []


def test_a_broken_default_profile_stops_the_search(tmp_path):
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "ecrofhours.conf").write_text("[profile:utc]\nhours = always\n")
    with pytest.raises(ProfileError, match=r"^local/ecrofhours.conf \[profile:utc\] hours: no time interval"):
        Annotator(open_profiles(str(tmp_path)), {})


def test_missing_default_profile(tmp_path):
    with pytest.raises(OptionError, match="Unknown profile 'utc' \\(default_profile\\); known profiles: none"):
        Annotator(open_profiles(str(tmp_path)), {})


# --- Readings of rev. 3: only ASCII white space is trimmed; only ASCII digits are read ---------


@pytest.mark.parametrize("time, reason", [
    (" \t1629328650\r\n", "after_hours"),      # ASCII white space: trimmed
    ("\u00a01629328650", "bad_time"),          # a no-break space is part of the value
    ("1629328650\u2028", "bad_time"),
    ("\u30001629328650", "bad_time"),          # ideographic space
    ("\x1c1629328650", "bad_time"),            # str.strip() takes the separators U+001C-U+001F
    ("\u0661\u0666\u0662\u0669\u0663\u0662\u0668\u0666\u0665\u0660", "bad_time"),  # Arabic-Indic digits
    ("\uff11\uff16\uff12\uff19\uff13\uff12\uff18\uff16\uff15\uff10", "bad_time"),  # full-width digits
])
def test_time_values_are_trimmed_of_ascii_space_only(shipped, time, reason):
    fields = annotate(shipped, {}, time=time)
    assert fields["off_hours_reason"] == reason, fields
    values = Annotator(shipped, {}).values(time)  # the path chunk rows take
    assert dict(zip(OUTPUT_FIELDS, values))["off_hours_reason"] == reason


@pytest.mark.parametrize("zone, reason, bh_tz", [
    (" Europe/Berlin\t", "before_hours", "Europe/Berlin"),   # 01:17 in Berlin
    ("\u00a0Europe/Berlin", "bad_timezone", ""),
    ("+\u0660\u0665:\u0663\u0660", "bad_timezone", ""),      # +05:30 in Arabic-Indic digits
    ("+05:30\n", "before_hours", "+05:30"),
    ("+05:30\u2028", "bad_timezone", ""),
    ("Europe/\u212ayiv", "bad_timezone", ""),                 # a Kelvin sign lowers to "k"
])
def test_zone_values_are_ascii(shipped, zone, reason, bh_tz):
    fields = annotate(shipped, {"tzfield": "zone"}, tz=zone)
    assert (fields["off_hours_reason"], fields["bh_tz"]) == (reason, bh_tz), fields


@pytest.mark.parametrize("profile, reason", [(" utc ", "after_hours"), ("\u00a0utc", "unknown_profile")])
def test_profile_values_are_trimmed_of_ascii_space_only(shipped, profile, reason):
    fields = annotate(shipped, {"profilefield": "team"}, profile=profile)
    assert fields["off_hours_reason"] == reason


# --- Warnings: valid options that most likely do not say what the user meant ------------------


@pytest.mark.parametrize("zone, meant", [
    ("EST", "America/New_York"), ("MST", "America/Denver"), ("HST", "Pacific/Honolulu"),
    ("EST5EDT", "America/New_York"), ("CST6CDT", "America/Chicago"), ("MST7MDT", "America/Denver"),
    ("PST8PDT", "America/Los_Angeles"), ("CET", "Europe/Berlin"), ("EET", "Europe/Helsinki"),
    ("MET", "Europe/Berlin"), ("WET", "Europe/Lisbon"), ("Etc/GMT+2", "-02:00"), ("Etc/GMT-5", "+05:00"),
])
def test_legacy_zone_names_warn_and_name_the_likely_zone(shipped, zone, meant):
    annotator = Annotator(shipped, {"tz": zone})
    [warning] = annotator.take_warnings()
    assert zone in warning and meant in warning
    assert annotator.take_warnings() == []


def test_a_legacy_zone_in_a_field_warns_once_per_search(shipped):
    annotator = Annotator(shipped, {"tzfield": "zone"})
    for spelling in ("EST", "est", " EST", "Europe/Berlin", "EST"):
        annotator.values(SAMPLE, spelling)
    warnings = annotator.take_warnings()
    assert len(warnings) == 1 and "'EST'" in warnings[0]


def test_city_zones_and_offsets_do_not_warn(shipped):
    for zone in ("America/New_York", "Europe/Berlin", "+05:30", "UTC", "Etc/GMT", "Etc/UTC"):
        annotator = Annotator(shipped, {"tzfield": "zone"})
        annotator.values(SAMPLE, zone)
        assert annotator.take_warnings() == [], zone


def test_an_interval_that_ends_where_it_starts_warns(shipped):
    assert "runs 24 hours" in Annotator(shipped, {"hours": "mon-fri 08:00-08:00"}).take_warnings()[0]
    assert Annotator(shipped, {"hours": "00:00-24:00"}).take_warnings() == []


def test_a_time_field_no_event_has_warns_once(shipped):
    annotator = Annotator(shipped, {"timefield": "eventTime"})
    for _ in range(3):
        assert dict(zip(OUTPUT_FIELDS, annotator.values(None)))["off_hours_reason"] == "no_time"
    [warning] = annotator.take_warnings()
    assert "'eventTime'" in warning and "every one is no_time" in warning
    annotator.values(None)
    assert annotator.take_warnings() == []


@pytest.mark.parametrize("later", ["1629328650", "not a time"])
def test_a_time_field_some_event_has_does_not_warn(shipped, later):
    annotator = Annotator(shipped, {"timefield": "eventTime"})
    annotator.values(later)
    annotator.values(None)
    assert annotator.take_warnings() == []


# --- Many events at once (values_of_many) ----------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TIMES = st.sampled_from(["", " ", "1629328650", "1629328650.5", "2021-08-18T23:17:30Z", "x", "99999999999",
                         "٠", "-5"]) | st.integers(1600000000, 1700000000).map(str)
ZONES = st.sampled_from(["", "UTC", "Europe/Berlin", "europe/berlin", "Asia/Kathmandu", "+05:30", "Mars/Base",
                         " Asia/Tokyo ", "US/Eastern", "EST", "GB"])


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(times=st.lists(TIMES, max_size=40), zones=st.lists(ZONES, min_size=40, max_size=40),
       options=st.sampled_from([{}, {"tzfield": "zone"}, {"tzfield": "zone", "profile": "berlin"},
                                {"timeunit": "ms"}]))
def test_many_events_at_once_get_each_event_s_values(shipped, times, zones, options):
    """Any mix of times and zones, bad ones included: each event gets what values() gives it."""
    zones = zones[:len(times)] if "tzfield" in options else None
    together, alone = Annotator(shipped, options), Annotator(shipped, options)
    assert together.values_of_many(times, zones) == [
        alone.values(t, z if zones is not None else None) for t, z in zip(times, zones or [None] * len(times))]
    assert together.take_warnings() == alone.take_warnings()


def test_many_events_warn_as_one_by_one_and_in_the_same_order(shipped):
    """Legacy zone names warn once each, in the order the events bring them, whatever the
    order of a set of them would be (it changes with PYTHONHASHSEED)."""
    zones = ["US/Eastern", "Etc/GMT+2", "GB", "EST", "Etc/GMT-4", "Europe/Berlin"] * 4
    times = [str(1763769599 - 3 * 3600 * k) for k in range(len(zones))]
    together, alone = Annotator(shipped, {"tzfield": "zone"}), Annotator(shipped, {"tzfield": "zone"})
    assert together.values_of_many(times, zones) == list(map(alone.values, times, zones))
    warnings = alone.take_warnings()
    assert len(warnings) >= 3 and together.take_warnings() == warnings


@pytest.mark.parametrize("spacing", [7, 3 * 3600], ids=["many a day: by zone, together", "thin: one by one"])
def test_many_events_of_many_zones_in_both_regimes(shipped, spacing):
    """Newest first over five zones (a bad one among them): dense enough for a zone's events to
    go together, and too thin for it."""
    zones = ["Europe/Berlin", "Asia/Kathmandu", "Mars/Base", "Australia/Lord_Howe", ""] * 200
    times = [str(1763769599 - spacing * k) for k in range(len(zones))]
    options = {"tzfield": "zone", "profile": "berlin"}
    together, alone = Annotator(shipped, options), Annotator(shipped, options)
    assert together.values_of_many(times, zones) == list(map(alone.values, times, zones))
