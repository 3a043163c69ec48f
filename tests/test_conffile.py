"""The .conf reader: Splunk's comment, continuation, repetition and layering rules."""
import pytest

from offhours.conffile import Setting, read_conf_text, read_layered_conf


def test_rules():
    text = (
        "# comment\n"
        "top = level\n"
        "[profile:a]\n"
        "  hours =  mon-fri 08:00-18:00  \n"
        "   # indented comment\n"
        "timezone = UTC\n"
        "timezone = Europe/Berlin\n"     # last one wins
        "closures = 2024-12-24, \\\n"
        "  2024-12-31\n"
        "[profile:a]\n"                  # repeated stanzas merge
        "locale = de_DE\n"
    )
    stanzas = read_conf_text(text, "local/x.conf")
    assert stanzas["default"] == {"top": Setting("level", "local/x.conf", 2)}
    profile = stanzas["profile:a"]
    assert profile["hours"].value == "mon-fri 08:00-18:00"
    assert profile["timezone"] == Setting("Europe/Berlin", "local/x.conf", 7)
    assert profile["closures"].value == "2024-12-24, \n  2024-12-31"
    assert profile["locale"].line == 11


def test_a_line_that_is_neither_stanza_nor_setting():
    with pytest.raises(ValueError, match=r"local/x.conf, line 2: expected 'key = value'"):
        read_conf_text("[a]\njust words\n", "local/x.conf")


def test_local_overrides_default_key_by_key(tmp_path):
    (tmp_path / "default").mkdir()
    (tmp_path / "local").mkdir()
    (tmp_path / "default" / "app.conf").write_text("[s]\na = 1\nb = 2\n")
    (tmp_path / "local" / "app.conf").write_text("[s]\nb = 3\n[t]\nc = 4\n")
    merged = read_layered_conf(str(tmp_path), "app")
    assert {s: {k: (v.value, v.source) for k, v in kv.items()} for s, kv in merged.items()} == {
        "s": {"a": ("1", "default/app.conf"), "b": ("3", "local/app.conf")},
        "t": {"c": ("4", "local/app.conf")},
    }


def test_missing_files_are_empty(tmp_path):
    assert read_layered_conf(str(tmp_path), "app") == {}
