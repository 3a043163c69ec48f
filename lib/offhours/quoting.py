"""Values quoted in user-facing messages, the same on every Python Splunk ships.

``repr()`` escapes characters by the Unicode version of the running Python, so 3.9 and
3.13 would write one event's ``bh_error`` differently. ``quote`` escapes only what is
stable: the backslash, the quote and control characters; long values are cut.

>>> quote("Mars/Base"), quote("a'b\\n"), quote("1" * 100, limit=8)
("'Mars/Base'", "'a\\\\'b\\\\n'", "'11111111...' (100 characters)")
"""
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char):
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    return char


def quote(text, limit=80):
    """``'text'`` with stable escapes, cut after ``limit`` characters."""
    shown = "".join(_escape(char) for char in text[:limit])
    if len(text) > limit:
        return f"'{shown}...' ({len(text)} characters)"
    return f"'{shown}'"
