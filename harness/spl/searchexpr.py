"""The terms of the ``search`` command (and of a search's first segment).

Supported: ``field=value``, ``field!=value``, ``field<value`` (and ``> <= >=``), ``field IN (a,
b)``, a lone ``*``, ``NOT``, ``OR``, ``AND``, parentheses. Values match case-insensitively and
``*`` is a wildcard, quoted or not; a field that is absent matches nothing (so ``NOT f=v``
matches it). ``<`` and friends compare numbers when both sides are numbers, else text. Inside
``search``, Splunk evaluates ``NOT`` first, then ``OR``, then ``AND`` (explicit or implied by a
blank): ``a b OR c`` is ``a AND (b OR c)``. Free-text terms are not supported (an error).

>>> matches = parse_search('sourcetype=aws:cloudtrail date_hour>=20 OR date_wday=saturday')
>>> matches({"sourcetype": "aws:cloudtrail", "date_hour": "9", "date_wday": "Saturday"})
True
>>> matches({"sourcetype": "aws:cloudtrail", "date_hour": "9", "date_wday": "monday"})
False
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Callable

from .syntax import SplError, Token, tokens
from .values import Value, as_number, glob_match, values_of

Test = Callable[[Mapping[str, Value]], bool]
_ORDER = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}
_KEYWORDS = {"AND", "OR", "NOT", "IN"}


def parse_search(text: str) -> Test:
    """A predicate on events for the terms of one ``search``."""
    parser = _Parser(tokens(text), text)
    test = parser.conjunction()
    if parser.position != len(parser.tokens):
        raise SplError(f"search: unexpected {parser.tokens[parser.position].text!r} in: {text[:200]}")
    return test


class _Parser:
    def __init__(self, found: list[Token], text: str):
        self.tokens = found
        self.text = text
        self.position = 0

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise SplError(f"search: unexpected end of: {self.text[:200]}")
        self.position += 1
        return token

    def is_next(self, text: str, kind: str = "word") -> bool:
        token = self.peek()
        return token is not None and token.kind == kind and token.text == text

    def conjunction(self) -> Test:
        parts = [self.disjunction()]
        while self.peek() is not None and not self.is_next(")", "punct"):
            if self.is_next("AND"):
                self.take()
            parts.append(self.disjunction())
        return parts[0] if len(parts) == 1 else (lambda event: all(part(event) for part in parts))

    def disjunction(self) -> Test:
        parts = [self.negation()]
        while self.is_next("OR"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda event: any(part(event) for part in parts))

    def negation(self) -> Test:
        if self.is_next("NOT"):
            self.take()
            inner = self.negation()
            return lambda event: not inner(event)
        return self.primary()

    def primary(self) -> Test:
        if self.is_next("(", "punct"):
            self.take()
            inner = self.conjunction()
            if not self.is_next(")", "punct"):
                raise SplError(f"search: missing ')' in: {self.text[:200]}")
            self.take()
            return inner
        token = self.take()
        if token.kind == "word" and token.text == "*":
            return lambda event: True
        if token.kind != "word" or token.text in _KEYWORDS:
            raise SplError(f"search: unexpected {token.text!r} in: {self.text[:200]}")
        field = token.text
        if self.is_next("IN"):
            self.take()
            return self.in_list(field)
        following = self.peek()
        if following is None or following.kind != "op":
            raise SplError(f"search: free-text terms are not supported: {field!r}")
        symbol = self.take().text
        value = self.take()
        if value.kind not in ("word", "string"):
            raise SplError(f"search: expected a value after {field}{symbol}, found {value.text!r}")
        return _term(field, symbol, value.value)

    def in_list(self, field: str) -> Test:
        if not self.is_next("(", "punct"):
            raise SplError(f"search: expected '(' after {field} IN")
        self.take()
        patterns = []
        while True:
            value = self.take()
            if value.kind not in ("word", "string"):
                raise SplError(f"search: unexpected {value.text!r} in {field} IN (...)")
            patterns.append(value.value)
            separator = self.take()
            if separator.text == ")":
                break
            if separator.text != ",":
                raise SplError(f"search: expected ',' or ')' in {field} IN (...), found {separator.text!r}")
        return lambda event: any(glob_match(p, v) for p in patterns for v in values_of(event.get(field)))


def _term(field: str, symbol: str, pattern: str) -> Test:
    if symbol == "=":
        return lambda event: any(glob_match(pattern, v) for v in values_of(event.get(field)))
    if symbol == "!=":
        return lambda event: bool(values_of(event.get(field))) and not any(
            glob_match(pattern, v) for v in values_of(event.get(field)))
    if "*" in pattern:
        raise SplError(f"search: a wildcard cannot be ordered: {field}{symbol}{pattern}")
    compare = _ORDER[symbol]

    def ordered(event):
        for value in values_of(event.get(field)):
            left, right = as_number(value), as_number(pattern)
            if left is not None and right is not None:
                if compare(left, right):
                    return True
            elif compare(value, pattern):
                return True
        return False

    return ordered
