"""The strict SPL evaluator (harness/spl): Splunk's semantics for what the detections use, errors for the rest."""

from __future__ import annotations

import pytest

from conftest import REPO
from harness.spl import App, Evaluator, MacroLibrary, SplError
from harness.spl.escu import escu_macros, upstream_detections
from harness.spl.timerange import relative_time
from harness.spl.values import zone

EVENTS = [
    {"_time": "1779696600", "user": "anna", "date_hour": "8", "tag": "1.0", "team": "payments", "n": "07"},
    {"_time": "1779660000", "user": "Ben", "date_hour": "22", "team": "web", "n": "10", "mv": ["b", "a"]},
    {"_time": "1779750000", "user": "cara", "date_hour": "3", "tag": "2.0", "team": "web", "n": "x"},
]


def run(spl: str, events=EVENTS, macros=None, searcher_tz="UTC", **kwargs) -> list[dict]:
    return Evaluator(MacroLibrary(macros or {}), searcher_tz=searcher_tz, **kwargs).run(spl, events)


def users(results: list[dict]) -> list[str]:
    return [result["user"] for result in results]


# --- macros ------------------------------------------------------------------------------------


def test_macros_expand_with_arguments_and_inside_each_other():
    library = MacroLibrary({
        "src": {"definition": "sourcetype=x"},
        "pick(2)": {"args": "field, value", "definition": "`src` $field$=$value$"},
    })
    assert library.expand("`pick(user, \"a b\")` | table user") == 'sourcetype=x user="a b" | table user'


@pytest.mark.parametrize("spl, message", [
    ("`nope`", r"no macro \[nope\]"),
    ("`pick(a)`", r"no macro \[pick\(1\)\]"),
    ("`pick(a, b)", "unbalanced backtick"),
    ("`loop`", "nested more than"),
])
def test_macro_errors(spl, message):
    library = MacroLibrary({"pick(2)": {"args": "a, b", "definition": "$a$=$b$"},
                            "loop": {"definition": "`loop`"}})
    with pytest.raises(SplError, match=message):
        library.expand(spl)


def test_macro_stanzas_are_checked():
    with pytest.raises(SplError, match="does not match"):
        MacroLibrary({"m(2)": {"args": "a", "definition": "$a$"}})
    with pytest.raises(SplError, match="unsupported keys"):
        MacroLibrary({"m": {"definition": "x", "iseval": "1"}})


# --- pipeline ----------------------------------------------------------------------------------


@pytest.mark.parametrize("spl, message", [
    ("user=anna | dedup user", "command 'dedup' is not supported"),
    ("| makeresults", "generating command 'makeresults' is not supported"),
    ("user=anna [search user=ben]", r"subsearches \(\[...\]\) are supported only in append"),
    ("user=anna | append maxout=5 [search user=ben]", r"only 'append \[<subsearch>\]'"),
    ("user=anna | append [search user=ben", "unterminated subsearch"),
    ("user=anna | append [| makeresults]", "generating command 'makeresults'"),
    ("user=anna | append [search user=ben | dedup user]", "command 'dedup' is not supported"),
    ("| rest /services/server/info", "no Splunk deployment"),
    ("| rest /services/server/info count=1", "only '<endpoint> "),
    ("user=anna earliest=-5m", "need the search's now"),
    ("user=anna OR earliest=-5m", "top-level term"),
    ("* | fields", "expected field names"),
    ("* | eventstats avg(user)", "'avg' is not supported"),
    ("* | eventstats count AS user", "exists already"),
    ("user=anna | | table user", "empty command"),
    ('user="anna', "unterminated"),
])
def test_unsupported_spl_is_an_error(spl, message):
    with pytest.raises(SplError, match=message):
        run(spl)


def test_a_pipe_inside_quotes_is_text():
    assert run('user=anna | eval x="a|b" | table x') == [{"x": "a|b"}]


# --- search ------------------------------------------------------------------------------------


def test_search_or_binds_tighter_than_and():
    """Inside search, NOT > OR > AND: 'team=web user=ben OR user=cara' is team=web AND (...)."""
    assert users(run("team=web user=ben OR user=cara")) == ["Ben", "cara"]
    assert users(run("team=payments user=ben OR user=cara")) == []


def test_search_values_are_case_insensitive_wildcards_and_fields_may_be_absent():
    assert users(run("user=b*")) == ["Ben"]
    assert users(run('user="*A*"')) == ["anna", "cara"]
    assert users(run("NOT tag=*")) == ["Ben"]  # NOT matches a missing field
    assert users(run("tag!=1.0")) == ["cara"]  # != needs the field
    assert users(run('user IN ("ben", cara)')) == ["Ben", "cara"]
    assert len(run("*")) == 3


def test_search_compares_numbers_as_numbers():
    assert users(run("date_hour>=20 OR date_hour<8")) == ["Ben", "cara"]
    assert users(run("n<9")) == ["anna"]  # "x" is text: "x" < "9" is false


def test_search_free_text_is_not_supported():
    with pytest.raises(SplError, match="free-text"):
        run("anna")


# --- eval and where ----------------------------------------------------------------------------


def test_field_values_are_numbers_where_they_look_like_numbers():
    assert users(run("* | where n >= 7", EVENTS[:2])) == ["anna", "Ben"]
    assert run('user=anna | eval s=n . "", t=n + 1 | table s t') == [{"s": "07", "t": "8"}]


def test_null_propagates_and_where_drops_null():
    results = run('* | eval x=tag . "-" . user | where isnull(x) OR x!="1.0-anna" | table user x')
    assert results == [{"user": "Ben"}, {"user": "cara", "x": "2.0-cara"}]
    assert users(run("* | where tag > 1 OR user=\"Ben\"")) == ["Ben", "cara"]  # null OR true is true


def test_unquoted_dots_concatenate_as_in_splunk():
    """'a.b' names a field; a.b joins the fields a and b."""
    events = [{"a.b": "dotted", "a": "A", "b": "B"}]
    assert run("* | eval x='a.b', y=a.b | table x y", events) == [{"x": "dotted", "y": "AB"}]


def test_eval_functions():
    events = [{"arn": "arn:aws:iam::1:role/path/ci", "json": '{"image": {"tag": "1.0", "n": 3}}',
               "time": "1779696600000"}]
    results = run(
        'a=* OR arn=* | eval role=mvindex(split(arn, "/"), -1), parts=mvindex(split(arn, "/"), 0, 1), '
        'tag=spath(json, "image.tag"), n=spath(json, "image.n"), none=spath(json, "image.x"), '
        'first=coalesce(missing, null(), tag), pick=if(match(arn, "^arn:aws:iam::[0-9]+:role/"), "role", "other"), '
        'hour=strftime(time/pow(10,3), "%H %A"), day=substr("saturday", 1, 3), end=substr("saturday", -3), '
        'half=1/0', events)
    assert results[0] | {"json": None} == events[0] | {
        "json": None, "role": "ci", "parts": ["arn:aws:iam::1:role", "path"], "tag": "1.0", "n": "3",
        "first": "1.0", "pick": "role", "hour": "08 Monday", "day": "sat", "end": "day"}


def test_strftime_renders_in_the_searchers_zone():
    spl = '* | eval h=strftime(_time, "%Y-%m-%d %H:%M %z") | table h'
    assert run(spl, EVENTS[:1]) == [{"h": "2026-05-25 08:10 +0000"}]
    assert run(spl, EVENTS[:1], searcher_tz="America/Los_Angeles") == [{"h": "2026-05-25 01:10 -0700"}]


@pytest.mark.parametrize("spl, message", [
    ("* | eval x=upper(user)", r"upper\(\) is not supported"),
    ("* | eval x=(n > 1)", "cannot store a boolean"),
    ('* | where user > 1', "cannot compare"),
    ('* | where mv="a"', "multivalue"),
    ('* | eval x=strftime(_time, "%N")', "unsupported directives"),
    ("* | eval x=if(user, 1, 2)", "must be true or false"),
    ("* | eval 1=2", "expected a field name"),
])
def test_eval_errors(spl, message):
    with pytest.raises(SplError, match=message):
        run(spl)


# --- rename, fillnull, stats, convert, table, sort, lookup -------------------------------------


def test_rename_with_a_wildcard_moves_every_match_and_ignores_missing_fields():
    events = [{"requestParameters.repositoryName": "r", "requestParameters.imageTag": "t", "user": "u"}]
    results = run("* | rename requestParameters.* as *, missing AS user | rename repositoryName AS repository",
                  events)
    assert results == [{"repository": "r", "imageTag": "t", "user": "u"}]


def test_fillnull_without_fields_fills_only_fields_some_result_has():
    results = run("* | fillnull | table user tag mv nowhere")
    assert results[1] == {"user": "Ben", "tag": "0", "mv": ["b", "a"]}
    assert all("nowhere" not in result for result in results)
    assert run("* | fillnull value=unknown nowhere | table nowhere")[0] == {"nowhere": "unknown"}


def test_stats_drops_events_without_a_by_field_and_orders_groups():
    results = run("* | stats count min(n) as low values(user) as users earliest(user) as first by team tag")
    assert results == [{"team": "payments", "tag": "1.0", "count": "1", "low": "07", "users": "anna",
                        "first": "anna"},
                       {"team": "web", "tag": "2.0", "count": "1", "low": "x", "users": "cara", "first": "cara"}]


def test_stats_functions_over_a_group():
    results = run("* | stats count max(n) as high min(_time) as t values(user) as users earliest(user) as first "
                  "by sourcetype", [dict(event, sourcetype="s") for event in EVENTS])
    assert results == [{"sourcetype": "s", "count": "3", "high": "x", "t": "1779660000",
                        "users": ["Ben", "anna", "cara"], "first": "Ben"}]
    numeric = run("* | stats max(date_hour) as h by sourcetype", [dict(event, sourcetype="s") for event in EVENTS])
    assert numeric == [{"sourcetype": "s", "h": "22"}]  # numbers compare as numbers


def test_stats_splits_a_multivalue_by_field():
    assert [result["mv"] for result in run("* | stats count by mv")] == ["a", "b"]


@pytest.mark.parametrize("spl, message", [
    ("* | stats count", "BY"),
    ("* | stats avg(user) by team", "'avg' is not supported"),
    ("* | convert ctime(_time) dur2sec(x)", "only ctime"),
    ("* | table user*", "without wildcards"),
    ("* | sort -5 user", "expected"),
    ("* | sort tag", "single value"),
    ("* | lookup x user OUTPUT team", "only CSV"),
    ("* | lookup x.csv user OUTPUTNEW team", "OUTPUT is required"),
])
def test_command_errors(spl, message):
    with pytest.raises(SplError, match=message):
        run(spl)


def test_convert_ctime_renders_in_the_searchers_zone_and_leaves_text_alone():
    spl = ('* | eval when=_time, text="soon" | convert timeformat="%Y-%m-%dT%H:%M:%S%z" ctime(when) ctime(text)'
           " | table when text")
    assert run(spl, EVENTS[:1], searcher_tz="Asia/Tokyo") == [{"when": "2026-05-25T17:10:00+0900", "text": "soon"}]


def test_sort_descending_numbers_then_text():
    assert users(run("* | sort - n")) == ["cara", "Ben", "anna"]  # text after numbers; reversed
    assert users(run("* | sort team -date_hour")) == ["anna", "Ben", "cara"]


def test_lookup_matches_exactly_and_removes_outputs_without_a_match(tmp_path):
    (tmp_path / "teams.csv").write_text("user,profile\nanna,berlin\nanna,utc\nben,tokyo\n", encoding="utf-8")
    events = [{"user": "anna", "p": "old"}, {"user": "Ben", "p": "old"}]
    results = run("* | lookup teams.csv user OUTPUT profile AS p", events, lookups=tmp_path)
    assert results == [{"user": "anna", "p": ["berlin", "utc"]}, {"user": "Ben"}]


def test_fields_keeps_internal_fields_and_removes_with_a_minus():
    assert run("user=anna | fields user, t*") == [{"_time": "1779696600", "user": "anna", "tag": "1.0",
                                                  "team": "payments"}]
    assert run("user=anna | fields - _time, t* | table user n") == [{"user": "anna", "n": "07"}]


def test_eventstats_adds_each_groups_aggregates_to_its_events():
    results = run("* | eventstats count AS in_team values(user) AS members by team | eventstats max(n) AS top "
                  "| table user in_team members top")
    assert results == [{"user": "anna", "in_team": "1", "members": "anna", "top": "x"},
                       {"user": "Ben", "in_team": "2", "members": ["Ben", "cara"], "top": "x"},
                       {"user": "cara", "in_team": "2", "members": ["Ben", "cara"], "top": "x"}]


def test_append_adds_the_subsearchs_results_after_the_current_ones():
    results = run('user=anna | eval from="main" | append [search team=web | stats count by team] '
                  "| table user from team count")
    assert results == [{"user": "anna", "from": "main", "team": "payments"}, {"team": "web", "count": "2"}]


def test_earliest_and_latest_select_by_time_from_the_searchs_now():
    now = 1779696600 + 60
    found = Evaluator(MacroLibrary({}), now=now).run("team=* earliest=-11h latest=now | table user", EVENTS)
    assert found == [{"user": "anna"}, {"user": "Ben"}]  # cara is in the future, later than now
    assert Evaluator(MacroLibrary({}), now=now).run("earliest=-1m | table user", EVENTS) == [{"user": "anna"}]
    with pytest.raises(SplError, match="not supported"):
        Evaluator(MacroLibrary({}), now=now).run("* earliest=-1mon", EVENTS)


def test_mvappend_skips_nulls_and_mvjoin_joins():
    results = run('user=Ben | eval a=mvappend(missing, if(user="Ben", "x", null()), mv), b=mvjoin(a, "+"), '
                  'c=mvappend(missing, null()), d=coalesce(mvjoin(c, ";"), "none") | table a b c d')
    assert results == [{"a": ["x", "b", "a"], "b": "x+b+a", "d": "none"}]


# --- a deployment: search head and search peers ---------------------------------------------------


def test_a_deployment_runs_the_distributable_part_on_each_peer_and_the_rest_on_the_search_head(tmp_path):
    from harness.spl import Deployment, Server

    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    app = App(REPO)
    event = {"index": "main", "_time": "1779696600"}
    peers = [Server("idx1", app, [event]),
             Server("idx2", app.with_local(tmp_path / "idx2", {}, without=["lib"]), [event, event])]
    deployment = Deployment(Server("sh", app, []), peers, now=1779696660)
    outcome = deployment.search('index=main | ecrofhours tz=Europe/Berlin hours="mon-fri 08:00-18:00" '
                                "| stats count values(off_hours_reason) AS reason by splunk_server "
                                "| append [| rest splunk_server=* /services/server/info | fields splunk_server]")
    assert outcome.results == [{"splunk_server": "idx1", "count": "1", "reason": "business_hours"},
                               {"splunk_server": "sh"}, {"splunk_server": "idx1"}, {"splunk_server": "idx2"}]
    errors = [text for level, text in outcome.messages if level == "ERROR"]
    assert len(errors) == 1 and errors[0].startswith("[idx2] ecrofhours tz=Europe/Berlin ")  # the peer, once
    with pytest.raises(SplError, match="endpoint '/services/apps/local' is not emulated"):
        deployment.search("| rest /services/apps/local")


# --- ecrofhours: the real command --------------------------------------------------------------


@pytest.fixture(scope="module")
def app():
    if not (REPO / "lib" / "splunklib").is_dir():
        pytest.skip("lib/ has no vendored splunklib: run `make lib`")
    return App(REPO)


def test_ecrofhours_gets_its_arguments_as_splunkd_sends_them(app):
    spl = '* | ecrofhours tz=Europe/Berlin hours="mon-fri 09:00-17:00" | table user off_hours_reason local_time'
    results = app.evaluator().run(spl, EVENTS[:1])
    assert results == [{"user": "anna", "off_hours_reason": "business_hours",
                        "local_time": "2026-05-25T10:10:00+02:00"}]


def test_an_error_of_the_command_stops_the_search(app):
    with pytest.raises(SplError, match="tz=Mars/Olympus_Mons"):
        app.evaluator().run("* | ecrofhours tz=Mars/Olympus_Mons", EVENTS)
    with pytest.raises(SplError, match="command 'ecrofhours' is not supported"):
        run("* | ecrofhours")  # an evaluator without the app knows no such command


def test_local_files_override_default_key_by_key(app, tmp_path):
    tuned = app.with_local(tmp_path / "app", {"local/macros.conf": "[ecrofhours_business_hours(1)]\n"
                                                                   "definition = ecrofhours profile=berlin\n"})
    macro = tuned.macros["ecrofhours_business_hours(1)"]
    assert (macro.args, macro.definition) == (("timefield",), "ecrofhours profile=berlin")
    assert (tmp_path / "app" / "lookups" / "ecrofhours_public_holidays.csv").is_file()
    with pytest.raises(ValueError, match="expected <folder>/<file>"):
        app.with_local(tmp_path / "other", {"tools/x.py": ""})


# --- the upstream content ----------------------------------------------------------------------


def test_upstream_detections_and_macros_are_read_from_the_reference(shared_reference):
    detections = upstream_detections(shared_reference)
    assert {name: detection.version for name, detection in detections.items()} == {
        "AWS ECR Container Upload Outside Business Hours": 12,
        "ASL AWS ECR Container Upload Outside Business Hours": 11}
    macros = escu_macros(shared_reference)
    assert macros["amazon_security_lake"].definition == "sourcetype=aws:asl"  # the YAML's, not the rendered
    for detection in detections.values():
        Evaluator(macros).parse(detection.search)  # every command of upstream is supported


# --- lookups, head, sort count, the functions the graded rules use ------------------------------


def test_lookup_of_a_file_that_does_not_exist_stops_the_search_as_in_splunk(tmp_path):
    with pytest.raises(SplError, match="no lookup file baseline.csv"):
        run("search * | lookup baseline.csv user OUTPUT hours", lookups=tmp_path)


def test_inputlookup_of_a_file_that_does_not_exist_warns_and_adds_nothing(tmp_path):
    evaluator = Evaluator(MacroLibrary({}), lookups=tmp_path)
    assert users(evaluator.run("search * | inputlookup append=t baseline.csv", EVENTS)) == ["anna", "Ben", "cara"]
    assert evaluator.context.messages == [
        ("WARN", "[local] The lookup table 'baseline.csv' does not exist or is not available.")]
    with pytest.raises(SplError, match="does not exist"):
        evaluator.run("search * | inputlookup append=t strict=t baseline.csv", EVENTS)


def test_inputlookup_appends_rows_or_starts_a_search(tmp_path):
    (tmp_path / "people.csv").write_text("user,team\ndora,ops\neli,\n", encoding="utf-8")
    appended = run("search user=anna | inputlookup append=true people.csv", lookups=tmp_path)
    assert appended == [EVENTS[0], {"user": "dora", "team": "ops"}, {"user": "eli"}]
    assert run("| inputlookup people.csv | table user", lookups=tmp_path) == [{"user": "dora"}, {"user": "eli"}]
    with pytest.raises(SplError, match="must start the search"):
        run("search * | inputlookup people.csv", lookups=tmp_path)


def test_outputlookup_writes_only_where_allowed_and_never_multivalues(tmp_path):
    with pytest.raises(SplError, match="read-only"):
        run("search * | table user team | outputlookup out.csv", lookups=tmp_path)
    written = run("search * | table user team | outputlookup out.csv", lookups=tmp_path, lookups_writable=True)
    assert len(written) == 3
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines() == [
        "user,team", "anna,payments", "Ben,web", "cara,web"]
    with pytest.raises(SplError, match="multivalue mv"):
        run("search * | table user mv | outputlookup out.csv", lookups=tmp_path, lookups_writable=True)
    with pytest.raises(SplError, match="no results"):
        run("search user=nobody | outputlookup out.csv", lookups=tmp_path, lookups_writable=True)


def test_head_and_sort_with_a_count():
    assert users(run("search * | sort 0 - _time | head 2")) == ["cara", "anna"]
    assert users(run("search * | sort 1 user")) == ["Ben"]
    with pytest.raises(SplError, match="head"):
        run("search * | head limit=2")


def test_case_like_replace_lower_tostring_mvcount_and_now():
    rows = run('search user=anna | eval a=case(n > 10, "big", n > 5, "mid"), b=case(n > 10, "big"), '
               'c=if(like("|a|b|", "%|" . "b" . "|%"), 1, 0), d=if(like("abc", "a_c"), 1, 0), '
               'e=replace("10.20.30.40", "^([0-9]+[.][0-9]+)[.].*$", "\\1.0.0/16"), f=lower("BuildKit"), '
               'g=tostring(7 % 3) . "x", h=mvcount(mvappend("a", "b")), i=now()', now=1779700000)
    assert {key: rows[0].get(key) for key in "abcdefghi"} == {
        "a": "mid", "b": None, "c": "1", "d": "1", "e": "10.20.0.0/16", "f": "buildkit", "g": "1x", "h": "2",
        "i": "1779700000"}
    with pytest.raises(SplError, match="pairs"):
        run('search * | eval a=case(n > 1, "x", "y")')
    with pytest.raises(SplError, match="no time of search"):
        run("search * | eval a=now()")


def test_stats_dc_and_sum():
    rows = run("search * | stats dc(team) as teams sum(date_hour) as hours by sourcetype",
               events=[dict(event, sourcetype="x") for event in EVENTS])
    assert rows == [{"sourcetype": "x", "teams": "2", "hours": "33"}]


def test_streamstats_sums_the_earlier_events_of_its_group_within_the_time_window():
    evaluator = Evaluator(MacroLibrary({}))
    events = [{"_time": str(t), "user": u, "x": x} for t, u, x in
              [(0, "a", "5"), (100, "b", "7"), (3000, "a", "1"), (3700, "a", "2"), (7300, "a", "4")]]
    found = evaluator.run("search * | streamstats current=f time_window=1h sum(x) as before count as n by user", events)
    assert [(row.get("before"), row["n"]) for row in found] == [(None, "0"), (None, "0"), ("5", "1"), ("1", "1"),
                                                                  (None, "0")]
    found = evaluator.run("search * | streamstats time_window=2h sum(x) as upto by user", events)
    assert [row["upto"] for row in found] == ["5", "7", "6", "8", "7"]  # 7300: 1 + 2 + 4


@pytest.mark.parametrize("spl, message", [
    ("search * | streamstats sum(x) as s by user", "only the time_window"),
    ("search * | streamstats time_window=0h sum(x) as s", "expected <n>"),
    ("search * | streamstats current=maybe time_window=1h sum(x) as s", "not a boolean"),
    ("search * | sort 0 - _time | streamstats time_window=1h sum(x) as s", "sorted by _time"),
    ("search * | streamstats time_window=1h sum(x) as x", "overwriting"),
    ("search * | addinfo", "no time range"),
])
def test_streamstats_and_addinfo_refuse_what_is_not_emulated(spl, message):
    events = [{"_time": "0", "x": "1"}, {"_time": "60", "x": "2"}]
    with pytest.raises(SplError, match=message):
        Evaluator(MacroLibrary({})).run(spl, events)


def test_addinfo_gives_the_searchs_time_range():
    evaluator = Evaluator(MacroLibrary({}), now=7800, window=(1000.0, 7200.0))
    found = evaluator.run("search * | addinfo | where _time >= info_max_time - 3600",
                          [{"_time": "2000"}, {"_time": "4000"}])
    assert [(row["_time"], row["info_min_time"], row["info_max_time"], row["info_search_time"]) for row in found] == [
        ("4000", "1000", "7200", "7800")]


def at(text: str, zone_name: str = "UTC") -> str:
    """Local ISO text of ``relative_time(text)`` at Tuesday 2026-04-28 14:05:30 in the zone."""
    local = zone(zone_name)
    from datetime import datetime

    now = datetime(2026, 4, 28, 14, 5, 30, tzinfo=local).timestamp()
    return datetime.fromtimestamp(relative_time(text, now, local), local).isoformat()


def test_time_modifiers_offset_from_now_and_snap_down():
    """Splunk's examples (Search Manual, Specify time modifiers; SPL2 manual, Specifying relative
    time): -2d at 14:05 on April 28th is 14:05 on April 26th, -2d@d its midnight, -h@h at 3:45 is 2:00."""
    assert at("-2d") == "2026-04-26T14:05:30+00:00" and at("-2d@d") == "2026-04-26T00:00:00+00:00"
    assert at("-h@h") == "2026-04-28T13:00:00+00:00" and at("@h") == "2026-04-28T14:00:00+00:00"
    assert (at("-1510m@m"), at("-10m@m")) == ("2026-04-27T12:55:00+00:00", "2026-04-28T13:55:00+00:00")
    assert (at("-31d@d"), at("-1d@d"), at("now")) == (
        "2026-03-28T00:00:00+00:00", "2026-04-27T00:00:00+00:00", "2026-04-28T14:05:30+00:00")
    assert (at("@w1"), at("@w"), at("@w0"), at("@w7")) == ("2026-04-27T00:00:00+00:00",) + (
        "2026-04-26T00:00:00+00:00",) * 3  # Monday; Sunday
    assert at("+1w@d") == "2026-05-05T00:00:00+00:00" and at("-30s") == "2026-04-28T14:05:00+00:00"
    assert at("0") == "1970-01-01T00:00:00+00:00"


def test_day_offsets_and_snaps_keep_the_wall_clock_of_the_searchers_zone():
    assert at("@d", "Asia/Tokyo") == "2026-04-28T00:00:00+09:00"
    # Berlin changed to summer time on 2026-03-29: 31 days back is the same wall clock, one hour less
    assert at("-31d", "Europe/Berlin") == "2026-03-28T14:05:30+01:00"
    assert at("-31d@d", "Europe/Berlin") == "2026-03-28T00:00:00+01:00"


@pytest.mark.parametrize("text", ["-1mon", "-1y@y", "@q", "-1d-1h", "-1d@mon", "yesterday", "", "10/15/2019:20:00:00"])
def test_time_modifiers_not_emulated_are_refused(text):
    with pytest.raises(SplError, match="not supported"):
        relative_time(text, 1779696600, zone("UTC"))


def test_a_saved_search_runs_in_its_own_time_range(app):
    """At now, dispatch.earliest_time and dispatch.latest_time resolved; only events in that range
    are searched; an explicit window replaces them; a time range needs the search's now."""
    baseline = "ecrofhours - AWS ECR Container Upload Baseline"
    now = 1779696600  # Monday 2026-05-25 08:10 UTC
    assert app.time_range(baseline, now) == (now - 490 * 60 - 31 * 86400, now - 490 * 60 - 86400)
    # in Tokyo it is 17:10 on Monday: from midnight of 31 days before to Sunday's midnight there (15:00 UTC)
    assert app.time_range(baseline, now, "Asia/Tokyo") == (now - 490 * 60 - 31 * 86400 - 9 * 3600,
                                                           now - 490 * 60 - 86400 - 9 * 3600)
    with pytest.raises(SplError, match="needs the search's now"):
        app.run_saved_search(baseline, EVENTS, window=(0, 1))
    with pytest.raises(SplError, match="no numeric _time"):
        app.run_saved_search(baseline, [{"_time": "soon"}], now=now)
    with pytest.raises(SplError, match=r"no saved search \[nope\]"):
        app.time_range("nope", now)


def test_min_takes_numbers_only():
    """eval's min() (Search Reference 9.4, statistical eval functions), as the rules use it: the
    least of numbers; anything else is refused rather than guessed."""
    [row] = run("search * | eval low=min(a + 86400, b - 3600)", [{"a": "0", "b": "200000"}])
    assert float(row["low"]) == 86400
    [row] = run("search * | eval low=min(a + 86400, b - 3600)", [{"a": "0", "b": "7200"}])
    assert float(row["low"]) == 3600
    with pytest.raises(SplError, match="min"):
        run("search * | eval low=min(a, b)", [{"a": "1", "b": "text"}])
    with pytest.raises(SplError, match="min"):
        run("search * | eval low=min(a, missing)", [{"a": "1"}])
