"""Event times: epoch numbers in any unit and ISO 8601 strings, to whole epoch seconds.

>>> parse_event_time("1629328650.999")
1629328650
>>> parse_event_time("1629328650123", "auto")           # milliseconds, by magnitude
1629328650
>>> parse_event_time("2021-08-18T16:17:30-07:00")
1629328650

Fractions are floored, so ``-0.5`` is second ``-1``. Numbers are read exactly
(``Decimal``), so nanosecond epochs never round into the next second.
"""
import re
from datetime import datetime, timedelta

from .quoting import quote
from .text import trimmed

TIME_UNITS = ("auto", "s", "ms", "us", "ns")
_SCALE = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
# timeunit=auto: |v| < 1e11 is seconds, < 1e14 ms, < 1e17 us, else ns.
_AUTO_LIMITS = ((10**11, 1), (10**14, 10**3), (10**17, 10**6))

# Instants whose local date, give or take the 15 days minutes_outside looks at, is a
# valid Python date (years 1..9999).
MIN_EPOCH = -62135596800 + 20 * 86400
MAX_EPOCH = 253402300799 - 20 * 86400

# Longer than any epoch number or ISO 8601 time this module reads.
_LONGEST_TIME = 100
_INTEGER = r"^[+-]?\d+$"
# Patterns are compiled on first use (re's cache): start-up stays cheap.
_ISO_8601 = (
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$"
)
_EPOCH = datetime(1970, 1, 1)
_EPOCH_DIGITS = 11  # at most, of a time read as whole epoch seconds without parsing


def is_epoch_seconds(text):
    """Whether ``text`` is at most 11 ASCII digits: epoch seconds below 1e11, which ``auto`` and
    ``s`` read as whole seconds, with no parsing (Splunk's ``_time``)."""
    return len(text) <= _EPOCH_DIGITS and text.isdecimal() and text.isascii()


def all_epoch_seconds(texts):
    """Whether every one of ``texts`` is epoch seconds as :func:`is_epoch_seconds` says, with
    one pass over them per test rather than a Python call per text."""
    return (bool(texts) and max(map(len, texts)) <= _EPOCH_DIGITS and all(map(str.isdecimal, texts))
            and all(map(str.isascii, texts)))


class BadTime(ValueError):
    """The value is not a time this module can read; the message says why."""


def parse_event_time(text, unit="auto"):
    """Epoch seconds (int) of ``text``, an epoch number in ``unit`` or an ISO 8601 string.

    Raises :class:`BadTime`. An empty ``text`` is the caller's ``no_time`` case.
    """
    text = trimmed(text)
    if unit == "auto" or unit == "s":
        # Splunk's _time: whole seconds, or seconds with a fraction ("1629328650.000").
        # At most 11 digits, so below 1e11 (seconds under "auto") and MAX_EPOCH; the floor
        # of a non-negative number is its integer part; at most 40 characters, so the exact
        # path below would not round either.
        whole, dot, fraction = text.partition(".")
        if is_epoch_seconds(whole) and len(text) <= 40 and (not dot or (fraction.isdecimal() and fraction.isascii())):
            return int(whole)
    if len(text) > _LONGEST_TIME:  # also keeps int() below Python's 4,300-digit limit
        raise BadTime(f"time {quote(text)} is too long to be a time")
    if not (text.isascii() and text.isprintable()) or "_" in text:
        # Python's int(), Decimal() and \d read other scripts' digits, 1_000 and (Decimal)
        # control characters around the number; Splunk does not.
        raise _unreadable(text)
    if re.match(_INTEGER, text):
        seconds = _scale_integer(int(text), unit)
    elif text[:1].isdigit() and len(text) >= 10 and text[4:5] == "-":
        seconds = _parse_iso_8601(text)
    else:
        seconds = _scale_decimal(text, unit)
    if not MIN_EPOCH <= seconds <= MAX_EPOCH:
        raise BadTime(f"time {quote(text)} is outside the years 0001-9999")
    return seconds


def _divisor(magnitude, unit):
    if unit != "auto":
        return _SCALE[unit]
    for limit, divisor in _AUTO_LIMITS:
        if magnitude < limit:
            return divisor
    return 10**9


def _scale_integer(value, unit):
    return value // _divisor(abs(value), unit)


def _scale_decimal(text, unit):
    from decimal import ROUND_FLOOR, Decimal, InvalidOperation, localcontext  # rare: imported when needed

    try:
        with localcontext() as context:
            context.prec = 60
            value = Decimal(text)
            if not value.is_finite():
                raise BadTime(f"time {quote(text)} is not a finite number")
            if value.adjusted() > 40:  # 1e400: no integer of that size is built
                raise BadTime(f"time {quote(text)} is outside the years 0001-9999")
            if value.adjusted() < 0:  # |value| < 1 (dividing 1e-1000100 would underflow to -0)
                return -1 if value < 0 else 0
            scaled = value / _divisor(abs(value), unit)
            return int(scaled.to_integral_value(rounding=ROUND_FLOOR))
    except InvalidOperation:
        raise _unreadable(text) from None


def _unreadable(text):
    return BadTime(
        f"cannot read time {quote(text)}: expected epoch seconds (or ms, us, ns) "
        "or ISO 8601 such as 2021-08-18T23:17:30Z"
    )


def _parse_iso_8601(text):
    match = re.match(_ISO_8601, text)
    if not match:
        raise BadTime(f"cannot read time {quote(text)} as ISO 8601 (2021-08-18T23:17:30Z)")
    year, month, day, hour, minute, second, zulu, sign, off_h, off_m = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError as error:
        raise BadTime(f"invalid date or time in {quote(text)}: {error}") from None
    offset = 0
    if sign:
        if int(off_m) >= 60 or int(off_h) > 18:
            raise BadTime(f"invalid UTC offset in {quote(text)}")
        offset = (int(off_h) * 60 + int(off_m)) * (-60 if sign == "-" else 60)
    return (moment - _EPOCH) // timedelta(seconds=1) - offset
