"""Field text as the command reads it.

Only ASCII white space around a time, zone or profile value is trimmed, as Splunk trims
it (contract rev. 3): ``str.strip()`` would also take a no-break space, U+2028 and the
separators U+001C-U+001F, so that a value Splunk keeps as written would be judged.

>>> trimmed(" \\t1629328650\\r\\n"), trimmed("\\u00a01629328650")
('1629328650', '\\xa01629328650')
"""
ASCII_SPACE = " \t\n\r\v\f"


def trimmed(text):
    """``text`` without the ASCII white space around it."""
    return text.strip(ASCII_SPACE)
