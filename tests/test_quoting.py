"""lib/offhours/quoting.py: values echoed to the user, bounded and the same on every Python."""
from offhours.quoting import ECHO_LIMIT, cut, quote


def test_a_short_value_is_quoted_as_it_is():
    assert quote("Europe/Berln") == "'Europe/Berln'"


def test_a_long_value_is_cut_and_its_length_given():
    assert quote("x" * 240_000) == "'" + "x" * ECHO_LIMIT + "...' (240000 characters)"


def test_control_characters_are_escaped():
    assert quote("UTC\x00") == "'UTC\\x00'"


def test_cut_keeps_short_text_and_bounds_long_text():
    assert cut("mon-fri 08:00-18:00") == "mon-fri 08:00-18:00"
    assert cut("h" * 10**6) == "h" * ECHO_LIMIT + "... (1000000 characters)"
