"""Field values as Splunk handles them: text that is a number where it looks like one.

An event is a dict of field name to value: a string, or a list of strings for a multivalue
field. A missing field and a null are the same thing (Splunk cannot tell them apart either).
Numbers that eval computes are stored as text (:func:`format_number`).

>>> as_number("07"), as_number("1.5e3"), as_number("AWS Internal")
(7, 1500.0, None)
>>> sorted(["b", "10", "9", "A"], key=sort_key)
['9', '10', 'A', 'b']
"""

from __future__ import annotations

import importlib.resources
import re
import zoneinfo
from datetime import datetime, tzinfo
from functools import cache
from typing import Union

from .syntax import SplError

Value = Union[str, list[str]]
_TIME_DIRECTIVES = set("aAbBdHIjmMpSyYzZ%")
_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*\Z")


class FieldText(str):
    """A field's value as eval reads it: text, compared and computed as a number if it is one.

    Literal strings in an expression (``"10"``) stay plain ``str``: only field values are
    typed by their content, as in Splunk (``where date_hour>=20`` compares numbers).
    """


def as_number(text: str) -> int | float | None:
    """The number a text spells (``"07"`` is 7), or None."""
    if not _NUMBER.match(text):
        return None
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return float(text)


def format_number(number: int | float) -> str:
    """A computed number as Splunk prints it: integers without a fraction."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number) if isinstance(number, float) else str(number)


def values_of(value: Value | None) -> list[str]:
    """A field's values: none, one, or the items of a multivalue."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def normalise(values: list[str]) -> Value | None:
    """A list of values as a field value: None when empty, a string when single."""
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def sort_key(text: str) -> tuple:
    """Splunk's order of values: numbers first, numerically, then text by code point."""
    number = as_number(text)
    return (0, number, "") if number is not None else (1, 0, text)


def glob_match(pattern: str, text: str) -> bool:
    """A search-term value against a field value: ``*`` is a wildcard, case does not matter."""
    regex = ".*".join(re.escape(part) for part in pattern.lower().split("*"))
    return re.fullmatch(regex, text.lower(), re.DOTALL) is not None


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """An IANA zone, from the ``tzdata`` package when installed (the release pytz carries)."""
    try:
        package, _, leaf = f"tzdata.zoneinfo.{name.replace('/', '.')}".rpartition(".")
        with importlib.resources.files(package).joinpath(leaf).open("rb") as data:
            return zoneinfo.ZoneInfo.from_file(data, key=name)
    except (ModuleNotFoundError, FileNotFoundError):
        return zoneinfo.ZoneInfo(name)


def check_time_format(pattern: str) -> str:
    """A strftime format, if it uses only directives Python and Splunk agree on."""
    unsupported = set(re.findall(r"%(.?)", pattern, re.DOTALL)) - _TIME_DIRECTIVES
    if unsupported:
        raise SplError(f"time format {pattern!r}: unsupported directives {sorted(unsupported)}")
    return pattern


def render_time(seconds: int | float, pattern: str, where: tzinfo) -> str:
    """Epoch seconds as text in a zone, as ``strftime`` and ``convert ctime`` show them."""
    return datetime.fromtimestamp(seconds, where).strftime(check_time_format(pattern))
