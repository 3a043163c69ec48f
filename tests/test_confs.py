"""Conf files are code: they parse, are sorted, and agree with bin/, the spec and the README."""
import importlib.util
import re

import pytest

from conftest import REPO
from offhours import OPTIONS
from offhours.conffile import read_conf_text
from offhours.profiles import PROFILE_KEYS, SETTINGS_KEYS, ProfileBook

DEFAULT = REPO / "default"
CONFS = sorted(DEFAULT.glob("*.conf"))
SORTED_CONFS = (
    "app.conf", "commands.conf", "distsearch.conf", "ecrofhours.conf", "macros.conf", "savedsearches.conf",
    "server.conf", "transforms.conf",
)


def conf(name):
    return read_conf_text((DEFAULT / name).read_text(encoding="utf-8"), f"default/{name}")


def values(name):
    return {stanza: {k: s.value for k, s in settings.items()} for stanza, settings in conf(name).items()}


@pytest.fixture(scope="module")
def command_class():
    spec = importlib.util.spec_from_file_location("ecrofhours_command", REPO / "bin" / "ecrofhours.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EcrOffHoursCommand


@pytest.mark.parametrize("path", CONFS, ids=lambda p: p.name)
def test_every_conf_parses_without_a_default_stanza(path):
    stanzas = read_conf_text(path.read_text(encoding="utf-8"), path.name)
    assert stanzas and "default" not in stanzas


@pytest.mark.parametrize("name", SORTED_CONFS)
def test_stanzas_and_keys_are_sorted(name):
    stanzas = conf(name)
    assert list(stanzas) == sorted(stanzas)
    for settings in stanzas.values():
        assert list(settings) == sorted(settings)


def test_commands_conf_runs_bin_over_protocol_v2():
    command = values("commands.conf")["ecrofhours"]
    assert (REPO / "bin" / command["filename"]).is_file()
    assert command["chunked"] == "true"
    assert command["python.version"] == "python3"
    assert command["python.required"] == "3.9, 3.13"
    assert not [key for key in command if key.startswith("command.arg")]  # argv forces protocol v1


def test_the_command_declares_exactly_the_contract_options(command_class):
    declared = {name for name, value in vars(command_class).items() if type(value).__name__ == "Option"}
    # @Configuration adds splunklib's own record= and show_configuration=; the command
    # refuses both (tests/test_command.py), so users see only the contract's options.
    assert declared - {"record", "show_configuration"} == set(OPTIONS)


def test_searchbnf_documents_every_option():
    stanza = values("searchbnf.conf")["ecrofhours-command"]
    for option in OPTIONS:
        assert f"({option}=" in stanza["syntax"], option
        assert option in stanza["description"], option
    examples = [v for k, v in stanza.items() if k.startswith("example")]
    assert examples and all("| ecrofhours " in example for example in examples)


def test_readme_documents_every_option_and_output_field():
    from offhours import OUTPUT_FIELDS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in OPTIONS + OUTPUT_FIELDS:
        assert f"`{name}" in readme, name


def test_spec_documents_every_key():
    spec = (REPO / "README" / "ecrofhours.conf.spec").read_text(encoding="utf-8")
    for key in PROFILE_KEYS + SETTINGS_KEYS:
        assert re.search(rf"^{key} = ", spec, re.M), key
    assert "[profile:<name>]" in spec and "[settings]" in spec


def test_shipped_profiles_all_compile_and_utc_is_upstream(tmp_path):
    from offhours.holidays import HolidayCatalog

    book = ProfileBook(conf("ecrofhours.conf"), HolidayCatalog(str(REPO / "lookups")))
    assert book.default_name() == "utc"
    for name in book.names():
        book.compile(name)
    assert values("ecrofhours.conf")["profile:utc"] == {
        "timezone": "UTC", "hours": "workdays 08:00-20:00", "holidays": "none"}
    utc = book.compile("utc")  # no locale: workdays are Monday to Friday, as upstream
    assert [utc.calendar.day(number).intervals for number in range(4, 11)] == (
        [((8 * 3600, 20 * 3600),)] * 5 + [()] * 2)  # day 4 is Monday 1970-01-05


def test_shipped_profiles_follow_their_locales_workweek():
    """A locale= override moves the workweek of every shipped profile (issue 11, 6.1)."""
    from offhours.holidays import HolidayCatalog

    book = ProfileBook(conf("ecrofhours.conf"), HolidayCatalog(str(REPO / "lookups")))
    for name in book.names():
        assert values("ecrofhours.conf")[f"profile:{name}"]["hours"].startswith("workdays "), name
        saudi = book.compile(name, {"locale": ("ar_SA", "Invalid locale=ar_SA")})
        friday, sunday = 8, 10  # 1970-01-09 and 1970-01-11
        assert saudi.calendar.day(friday).intervals == (), name
        assert saudi.calendar.day(sunday).intervals != (), name


def test_distsearch_replicates_lib_and_the_custom_conf():
    dist = values("distsearch.conf")
    assert "apps/ecrofhours/lib/..." in dist["replicationAllowlist"].values()
    assert dist["replicationSettings:refineConf"] == {"replicate.ecrofhours": "true"}


def test_app_conf_reloads_the_custom_conf():
    assert values("app.conf")["triggers"]["reload.ecrofhours"] == "simple"


# --- Lookups in scope (issue 11, 4): definitions, exports, and what the README tells users to query


# Lookups the app defines but never ships: admins' own, and what the baseline searches write.
ADMIN_LOOKUPS = ("ecrofhours_profiles.csv", "ecrofhours_company_closures.csv", "ecrofhours_service_principals.csv",
                 "ecrofhours_ecr_upload_baseline_cloudtrail.csv", "ecrofhours_ecr_upload_baseline_security_lake.csv")


def meta():
    return {stanza: {k: s.value for k, s in settings.items()}
            for stanza, settings in read_conf_text((REPO / "metadata" / "default.meta").read_text(encoding="utf-8"),
                                                   "metadata/default.meta").items()}


def test_every_lookup_has_a_definition_named_after_its_file():
    """Shipped calendars and the admins' own lookups (which the package never holds)."""
    definitions = {name: stanza["filename"] for name, stanza in values("transforms.conf").items()}
    files = sorted(path.name for path in (REPO / "lookups").glob("*.csv")) + list(ADMIN_LOOKUPS)
    assert definitions == {name[:-len(".csv")]: name for name in files}


def test_lookup_files_and_definitions_are_exported_to_every_app():
    exported = meta()
    assert exported["lookups"] == {"export": "system"}     # | inputlookup <file>.csv from Search and ES
    assert exported["transforms"] == {"export": "system"}  # | inputlookup / outputlookup <definition>
    assert "write : [ admin, sc_admin ]" in exported[""]["access"]


def test_every_lookup_the_readme_queries_is_defined():
    from test_readme import documentation_text  # README.md and docs/*.md

    readme = documentation_text()
    queried = set(re.findall(r"(?:inputlookup|outputlookup)(?:\s+\w+=\S+)*\s+([A-Za-z_][\w.]*)\b(?!=)", readme))
    assert queried, "the README shows how to read the lookups"
    definitions = values("transforms.conf")
    for name in queried:
        stem = name[:-len(".csv")] if name.endswith(".csv") else name
        assert stem in definitions, name
        assert (REPO / "lookups" / f"{stem}.csv").is_file() or f"{stem}.csv" in ADMIN_LOOKUPS, name


def test_the_profile_lookup_definition_names_the_file_the_command_reads():
    from offhours.holidays import COMPANY_CLOSURES
    from offhours.profile_lookup import PROFILE_LOOKUP

    assert values("transforms.conf")["ecrofhours_profiles"]["filename"] == PROFILE_LOOKUP
    assert values("transforms.conf")["ecrofhours_company_closures"]["filename"] == COMPANY_CLOSURES


def test_the_policy_command_has_its_stanza_and_syntax():
    spec = importlib.util.spec_from_file_location("ecrofhourspolicy_command", REPO / "bin" / "ecrofhourspolicy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    command = values("commands.conf")["ecrofhourspolicy"]
    assert (REPO / "bin" / command["filename"]).is_file() and command["chunked"] == "true"
    assert not [key for key in command if key.startswith("command.arg")]
    declared = {name for name, value in vars(module.EcrOffHoursPolicyCommand).items()
                if type(value).__name__ == "Option"}
    assert declared - {"record", "show_configuration"} == set(module.EcrOffHoursPolicyCommand.OPTIONS)
    bnf = values("searchbnf.conf")["ecrofhourspolicy-command"]
    for option in module.EcrOffHoursPolicyCommand.OPTIONS:
        assert f"({option}=" in bnf["syntax"], option
    assert bnf["category"] == "generating"
    assert all(v.startswith("| ecrofhourspolicy") for k, v in bnf.items() if k.startswith("example"))
