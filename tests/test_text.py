"""lib/offhours/text.py: only ASCII white space around a value is trimmed (contract rev. 3)."""
import pytest

from offhours.text import ASCII_SPACE, trimmed


def test_ascii_white_space_is_exactly_what_splunk_trims():
    assert sorted(ASCII_SPACE) == sorted(" \t\n\r\x0b\x0c")


@pytest.mark.parametrize("space", ["\u00a0", "\u2028", "\u2029", "\u3000", "\u1680", "\x1c", "\x1d", "\x1e", "\x1f",
                                   "\x85", "\u200b", "\ufeff"])
def test_other_spaces_stay_part_of_the_value(space):
    assert trimmed(f"{space}UTC{space}") == f"{space}UTC{space}"


def test_ascii_spaces_go():
    assert trimmed(" \t\r\n\x0b\x0cEurope/Berlin \t\r\n\x0b\x0c") == "Europe/Berlin"
