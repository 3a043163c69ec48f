"""SPL text: splitting a search into commands, and the tokens of search terms and arguments.

>>> split_pipeline('sourcetype=x "a|b" | stats count')
['sourcetype=x "a|b"', 'stats count']
>>> [token.text for token in tokens('user = "a b" OR date_hour>=20')]
['user', '=', '"a b"', 'OR', 'date_hour', '>=', '20']
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class SplError(Exception):
    """SPL that the evaluator does not support, or that Splunk would reject."""


@dataclass(frozen=True)
class Token:
    """One token of search terms or command arguments."""

    kind: str
    """``word``, ``string`` (double-quoted, quotes kept in ``text``), ``op`` or ``punct``."""
    text: str

    @property
    def value(self) -> str:
        """The text, a string without its quotes and escapes."""
        return unquote(self.text) if self.kind == "string" else self.text


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[^\s"(),=<>!]+)
    )""",
    re.VERBOSE | re.DOTALL,
)


def split_pipeline(spl: str) -> list[str]:
    """The commands of a search, split at each ``|`` outside quotes and subsearches (``[...]``);
    the first is the base search, empty when the search starts with a generating command
    (``| rest ...``).

    Raises SplError on an unterminated quote or subsearch, or an empty command.
    """
    parts: list[str] = []
    current: list[str] = []
    quote = None
    depth = 0
    index = 0
    while index < len(spl):
        char = spl[index]
        if quote:
            if char == "\\" and quote == '"' and index + 1 < len(spl):
                current.append(spl[index : index + 2])
                index += 2
                continue
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "|" and not depth:
            parts.append("".join(current))
            current = []
            index += 1
            continue
        elif char == "[":
            depth += 1
        elif char == "]":
            if not depth:
                raise SplError(f"']' without '[' in: {spl.strip()[:200]}")
            depth -= 1
        current.append(char)
        index += 1
    if quote:
        raise SplError(f"unterminated {quote}-quoted string in: {spl.strip()[:200]}")
    if depth:
        raise SplError(f"unterminated subsearch ('[' without ']') in: {spl.strip()[:200]}")
    parts.append("".join(current))
    commands = [part.strip() for part in parts]
    if not all(commands[1:]) or not any(commands):
        raise SplError("empty command between two pipes")
    if not commands[0] and len(commands) == 1:
        raise SplError("an empty search")
    return commands


def subsearch(text: str) -> str | None:
    """The search inside a ``[...]`` that ``text`` ends with, or None when it has none."""
    text = text.strip()
    if not text.endswith("]"):
        return None
    depth, quote = 0, None
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            quote = None if quote else char
        elif not quote and char == "]":
            depth += 1
        elif not quote and char == "[":
            depth -= 1
            if not depth:
                return text[index + 1 : -1].strip()
    return None


def has_subsearch(text: str) -> bool:
    """Whether ``[`` occurs outside double quotes."""
    quote = False
    previous = ""
    for char in text:
        if char == '"' and previous != "\\":
            quote = not quote
        elif char == "[" and not quote:
            return True
        previous = char
    return False


def tokens(text: str) -> list[Token]:
    """Search terms or command arguments as tokens; raises SplError on text it cannot read."""
    found = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise SplError(f"cannot read {text[position:position + 40]!r}")
        kind = match.lastgroup
        found.append(Token(kind, match.group(kind)))
        position = match.end()
    return found


def unquote(text: str) -> str:
    """A double-quoted SPL string's value: quotes removed, ``\\"`` and ``\\\\`` unescaped."""
    return re.sub(r"\\([\"\\])", r"\1", text[1:-1])


def command_name(command: str) -> tuple[str, str]:
    """``(name, arguments)`` of one command of a pipeline."""
    name, rest = re.match(r"(\S+)\s*(.*)", command, re.DOTALL).groups()
    return name, rest
