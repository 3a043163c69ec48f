"""The commands' options: their names, the profile keys they override, and their values.

>>> parse_bool("only", "Yes"), parse_bool("only", "0")
(True, False)
"""
from .quoting import cut

OPTIONS = (
    "profile", "tz", "locale", "hours", "holidays", "tzfield", "profilefield",
    "timefield", "timeunit", "only",
)
# Options that override one key of the profile.
PROFILE_OVERRIDES = {"tz": "timezone", "locale": "locale", "hours": "hours", "holidays": "holidays"}
# Splunk's booleans.
_TRUE = ("1", "t", "true", "y", "yes")
_FALSE = ("0", "f", "false", "n", "no")


class OptionError(ValueError):
    """A command option the search cannot run with; the message names it."""


def parse_bool(name, text):
    """A Splunk boolean; raises :class:`OptionError` naming option ``name`` otherwise."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise OptionError(f"Invalid {name}={cut(text)}: expected true or false")
