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
    "server.conf",
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
        "timezone": "UTC", "hours": "mon-fri 08:00-20:00", "holidays": "none"}


def test_distsearch_replicates_lib_and_the_custom_conf():
    dist = values("distsearch.conf")
    assert "apps/ecrofhours/lib/..." in dist["replicationAllowlist"].values()
    assert dist["replicationSettings:refineConf"] == {"replicate.ecrofhours": "true"}


def test_app_conf_reloads_the_custom_conf():
    assert values("app.conf")["triggers"]["reload.ecrofhours"] == "simple"
