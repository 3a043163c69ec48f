"""The strict SPL evaluator (tools/spl): Splunk's semantics for what the detections use, errors for the rest."""

from __future__ import annotations

import pytest

from conftest import REPO
from tools.spl import App, Evaluator, MacroLibrary, SplError
from tools.spl.escu import escu_macros, upstream_detections

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
    ("| makeresults", "generating commands are not supported"),
    ("user=anna [search user=ben]", "subsearches"),
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
    ("* | eval x=lower(user)", r"lower\(\) is not supported"),
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
    ("* | stats dc(user) by team", "'dc' is not supported"),
    ("* | convert ctime(_time) dur2sec(x)", "only ctime"),
    ("* | table user*", "without wildcards"),
    ("* | sort 5 user", "expected"),
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
    with pytest.raises(SplError, match="no command"):
        run("* | ecrofhours")


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
