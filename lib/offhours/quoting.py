"""Values echoed in user-facing messages: cut to a bounded size, the same on every Python
Splunk ships.

Every message that repeats a value the user or the data supplied (an option, a field value,
a conf or lookup value) goes through ``quote`` or ``cut``, so that a 240 KB value costs a
message ``ECHO_LIMIT`` characters and its length, never its whole size.

``repr()`` escapes characters by the Unicode version of the running Python, so 3.9 and
3.13 would write one event's ``bh_error`` differently. ``quote`` escapes only what is
stable: the backslash, the quote and control characters.

>>> quote("Mars/Base"), quote("a'b\\n"), quote("1" * 100, limit=8)
("'Mars/Base'", "'a\\\\'b\\\\n'", "'11111111...' (100 characters)")
>>> cut("mon-fri 08:00-18:00"), cut("x" * 300, limit=4)
('mon-fri 08:00-18:00', 'xxxx... (300 characters)')
"""
ECHO_LIMIT = 200
"""How many characters of a value a message repeats."""

_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char):
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    return char


def quote(text, limit=ECHO_LIMIT):
    """``'text'`` with stable escapes, cut after ``limit`` characters."""
    shown = "".join(_escape(char) for char in text[:limit])
    if len(text) > limit:
        return f"'{shown}...' ({len(text)} characters)"
    return f"'{shown}'"


def cut(text, limit=ECHO_LIMIT):
    """``text`` as written (for ``option=value`` echoes), cut after ``limit`` characters."""
    if len(text) > limit:
        return f"{text[:limit]}... ({len(text)} characters)"
    return text
