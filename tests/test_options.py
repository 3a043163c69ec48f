"""lib/offhours/options.py: option names, the keys they override, Splunk booleans."""
import pytest

from offhours.options import OPTIONS, PROFILE_OVERRIDES, OptionError, parse_bool
from offhours.profiles import PROFILE_KEYS


@pytest.mark.parametrize("text", ["1", "t", "TRUE", " yes ", "Y"])
def test_splunk_true(text):
    assert parse_bool("only", text) is True


@pytest.mark.parametrize("text", ["0", "f", "False", "no", "N"])
def test_splunk_false(text):
    assert parse_bool("only", text) is False


def test_anything_else_names_the_option_and_the_form():
    with pytest.raises(OptionError, match=r"^Invalid only=maybe: expected true or false$"):
        parse_bool("only", "maybe")


def test_overrides_are_options_naming_profile_keys():
    assert set(PROFILE_OVERRIDES) <= set(OPTIONS)
    assert set(PROFILE_OVERRIDES.values()) <= set(PROFILE_KEYS)
