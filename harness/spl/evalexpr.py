"""``eval`` and ``where`` expressions: Splunk's operators and the functions these searches use.

Values: None (null), numbers, plain strings (literals, function results), :class:`FieldText`
(a field's value: a number where it looks like one) and lists (multivalue fields). Comparisons
and boolean operators are three-valued: a null operand gives null, which ``where`` and ``if``
treat as false. Anything else (an unknown function, a multivalue where one value is needed, a
number compared with text) is a SplError, never a guess.

Precedence, loosest first: ``OR``, ``AND``, ``NOT``, comparisons (``= == != < > <= >=``),
``+ - .`` (``.`` joins text), ``* / %``, unary minus. Field names with other characters than
letters, digits and ``_`` are single-quoted (``'actor.user.uid'``), as in Splunk.

>>> from harness.spl.values import zone
>>> class Context:
...     zone = zone("Europe/Berlin")
>>> expression = parse_expression('strftime(time/pow(10,3), "%H") . ":" . coalesce(x, "00")')
>>> expression({"time": "1779691800000"}, Context)
'08:00'
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Mapping
from typing import Any, Callable

from .syntax import SplError
from .values import FieldText, Value, as_number, format_number, render_time

Expr = Callable[[Mapping[str, Value], Any], Any]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<field>'[^']*')
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>==|!=|<=|>=|[-+*/%.=<>(),])
    )""",
    re.VERBOSE | re.DOTALL,
)
_KEYWORDS = {"AND", "OR", "NOT", "XOR", "LIKE"}
_COMPARISONS = {"=": operator.eq, "==": operator.eq, "!=": operator.ne, "<": operator.lt,
                ">": operator.gt, "<=": operator.le, ">=": operator.ge}


def parse_expression(text: str) -> Expr:
    """A function ``(event, context) -> value`` for one expression; ``context.zone`` is the
    searcher's time zone (``strftime``)."""
    parser = _Parser(text)
    expression = parser.expression()
    parser.expect_end()
    return expression


def parse_assignments(text: str) -> list[tuple[str, Expr]]:
    """``eval``'s ``name=expression, name=expression ...``."""
    parser = _Parser(text)
    assignments = []
    while True:
        kind, target = parser.take()
        if kind not in ("name", "field") or target in _KEYWORDS:
            raise SplError(f"eval: expected a field name, found {target!r} in: {text[:200]}")
        parser.expect("=")
        assignments.append((target.strip("'") if kind == "field" else target, parser.expression()))
        if parser.at_end():
            return assignments
        parser.expect(",")


def truth(value: Any) -> bool | None:
    """A condition's value (True, False, or None for null); anything else is an error."""
    if value is None or isinstance(value, bool):
        return value
    raise SplError(f"a condition must be true or false, not {value!r}")


def stored(value: Any) -> Value | None:
    """An expression's result as a field value (text), or None to remove the field."""
    if isinstance(value, bool):
        raise SplError("eval cannot store a boolean (Splunk rejects it): use if(...)")
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, list):
        return [stored(item) for item in value] if len(value) > 1 else (stored(value[0]) if value else None)
    return value if value is None else str(value)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        position, text = 0, text.rstrip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise SplError(f"eval: cannot read {text[position:position + 40]!r}")
            self.tokens.append((match.lastgroup, match.group(match.lastgroup)))
            position = match.end()
        self.position = 0

    def at_end(self) -> bool:
        return self.position == len(self.tokens)

    def peek(self) -> str | None:
        return None if self.at_end() else self.tokens[self.position][1]

    def take(self) -> tuple[str, str]:
        if self.at_end():
            raise SplError(f"eval: unexpected end of expression: {self.text[:200]}")
        self.position += 1
        return self.tokens[self.position - 1]

    def expect(self, text: str) -> None:
        found = self.take()[1]
        if found != text:
            raise SplError(f"eval: expected {text!r}, found {found!r} in: {self.text[:200]}")

    def expect_end(self) -> None:
        if not self.at_end():
            raise SplError(f"eval: unexpected {self.peek()!r} in: {self.text[:200]}")

    def expression(self) -> Expr:
        left = self.conjunction()
        while self.peek() == "OR":
            self.take()
            left = _or(left, self.conjunction())
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while self.peek() == "AND":
            self.take()
            left = _and(left, self.negation())
        return left

    def negation(self) -> Expr:
        if self.peek() == "NOT":
            self.take()
            inner = self.negation()
            return lambda event, context: _not(truth(inner(event, context)))
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        if self.peek() in _COMPARISONS:
            symbol = self.take()[1]
            right = self.additive()
            return lambda event, context: _compare(symbol, left(event, context), right(event, context))
        return left

    def additive(self) -> Expr:
        left = self.multiplicative()
        while self.peek() in ("+", "-", "."):
            symbol = self.take()[1]
            left = _binary(symbol, left, self.multiplicative())
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while self.peek() in ("*", "/", "%"):
            symbol = self.take()[1]
            left = _binary(symbol, left, self.unary())
        return left

    def unary(self) -> Expr:
        if self.peek() == "-":
            self.take()
            inner = self.unary()
            return lambda event, context: _arithmetic("-", 0, inner(event, context))
        return self.primary()

    def primary(self) -> Expr:
        kind, text = self.take()
        if kind == "number":
            number = as_number(text)
            return lambda event, context: number
        if kind == "string":
            literal = re.sub(r"\\([\"\\])", r"\1", text[1:-1])
            return lambda event, context: literal
        if kind == "field":
            return _field(text[1:-1])
        if kind == "name" and text not in _KEYWORDS:
            if self.peek() == "(":
                return self.call(text)
            return _field(text)
        if text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        raise SplError(f"eval: unexpected {text!r} in: {self.text[:200]}")

    def call(self, name: str) -> Expr:
        if name not in _FUNCTIONS:
            raise SplError(f"eval: function {name}() is not supported")
        low, high, function = _FUNCTIONS[name]
        self.expect("(")
        arguments: list[Expr] = []
        if self.peek() != ")":
            arguments.append(self.expression())
            while self.peek() == ",":
                self.take()
                arguments.append(self.expression())
        self.expect(")")
        if not low <= len(arguments) <= high:
            raise SplError(f"eval: {name}() takes {low} to {high} arguments, not {len(arguments)}")
        if name == "case" and len(arguments) % 2:
            raise SplError("eval: case() takes pairs of condition and value")
        if name in ("if", "coalesce", "case"):  # evaluated lazily
            return lambda event, context: function(event, context, *arguments)
        return lambda event, context: function(context, *(argument(event, context) for argument in arguments))


# --- operators -----------------------------------------------------------------------------


def _field(name: str) -> Expr:
    def read(event, context):
        value = event.get(name)
        if isinstance(value, list):
            return [FieldText(item) for item in value]
        return None if value is None else FieldText(value)
    return read


def _numeric(value: Any) -> int | float | None:
    """The number a value stands for, or None: numbers, and field values that spell one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    return as_number(value) if isinstance(value, FieldText) else None


def _single(value: Any, what: str) -> Any:
    if isinstance(value, list):
        raise SplError(f"{what} of a multivalue field is not supported: {value!r}")
    if isinstance(value, bool):
        raise SplError(f"{what} of a boolean is not supported")
    return value


def _compare(symbol: str, left: Any, right: Any) -> bool | None:
    left, right = _single(left, symbol), _single(right, symbol)
    if left is None or right is None:
        return None
    numbers = _numeric(left), _numeric(right)
    if None not in numbers:
        return _COMPARISONS[symbol](*numbers)
    if isinstance(left, str) and isinstance(right, str):
        return _COMPARISONS[symbol](str(left), str(right))
    raise SplError(f"cannot compare {left!r} with {right!r} ({symbol})")


def _binary(symbol: str, left: Expr, right: Expr) -> Expr:
    if symbol == ".":
        return lambda event, context: _concatenate(left(event, context), right(event, context))
    return lambda event, context: _arithmetic(symbol, left(event, context), right(event, context))


def _concatenate(left: Any, right: Any) -> str | None:
    parts = [_single(left, "."), _single(right, ".")]
    if None in parts:
        return None
    return "".join(format_number(part) if isinstance(part, (int, float)) else str(part) for part in parts)


def _arithmetic(symbol: str, left: Any, right: Any) -> Any:
    left, right = _single(left, symbol), _single(right, symbol)
    if left is None or right is None:
        return None
    numbers = _numeric(left), _numeric(right)
    if None in numbers:
        if symbol == "+" and isinstance(left, str) and isinstance(right, str):
            return str(left) + str(right)
        raise SplError(f"{symbol} needs numbers: {left!r}, {right!r}")
    a, b = numbers
    if symbol in ("/", "%") and b == 0:
        return None
    return {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
            "%": operator.mod}[symbol](a, b)


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _and(left: Expr, right: Expr) -> Expr:
    def evaluate(event, context):
        values = truth(left(event, context)), truth(right(event, context))
        if False in values:
            return False
        return None if None in values else True
    return evaluate


def _or(left: Expr, right: Expr) -> Expr:
    def evaluate(event, context):
        values = truth(left(event, context)), truth(right(event, context))
        if True in values:
            return True
        return None if None in values else False
    return evaluate


# --- functions -----------------------------------------------------------------------------


def _if(event, context, condition: Expr, then: Expr, otherwise: Expr) -> Any:
    return (then if truth(condition(event, context)) else otherwise)(event, context)


def _coalesce(event, context, *arguments: Expr) -> Any:
    for argument in arguments:
        value = argument(event, context)
        if value is not None:
            return value
    return None


def _case(event, context, *arguments: Expr) -> Any:
    """The value after the first true condition; null when none is true."""
    for condition, value in zip(arguments[::2], arguments[1::2]):
        if truth(condition(event, context)):
            return value(event, context)
    return None


def _like(context, value, pattern) -> bool | None:
    """SQL LIKE: ``%`` any text, ``_`` one character, case-sensitive."""
    value, pattern = _text(value, "like"), _text(pattern, "like")
    if value is None or pattern is None:
        return None
    regex = "".join(".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _replace(context, value, pattern, replacement) -> str | None:
    """Every match of a regular expression replaced; ``\\1`` refers to a group."""
    value, pattern, replacement = (_text(value, "replace"), _text(pattern, "replace"),
                                   _text(replacement, "replace"))
    if value is None:
        return None
    if re.search(r"\$\d|\\g<", replacement):
        raise SplError(f"replace(): only \\<n> group references are supported: {replacement!r}")
    return re.sub(pattern, replacement, value)


def _lower(context, value) -> str | None:
    value = _text(value, "lower")
    return None if value is None else value.lower()


def _now(context) -> int:
    if context.now is None:
        raise SplError("now(): this evaluator has no time of search")
    return int(context.now)


def _tostring(context, value) -> str | None:
    """A number or text as text (no format argument)."""
    value = _single(value, "tostring()")
    if value is None:
        return None
    return format_number(value) if isinstance(value, (int, float)) else str(value)


def _mvcount(context, values) -> int | None:
    if values is None:
        return None
    return len(values) if isinstance(values, list) else 1


def _text(value: Any, function: str) -> str | None:
    value = _single(value, function + "()")
    if value is not None and not isinstance(value, str):
        raise SplError(f"{function}() needs text, not {value!r}")
    return value


def _match(context, value, pattern) -> bool | None:
    value, pattern = _text(value, "match"), _text(pattern, "match")
    return None if value is None else re.search(pattern, value) is not None


def _split(context, value, separator) -> list[str] | None:
    value, separator = _text(value, "split"), _text(separator, "split")
    return None if value is None else value.split(separator)


def _mvindex(context, values, start, end=None) -> Any:
    if values is None:
        return None
    items = values if isinstance(values, list) else [values]
    first = _index(start, len(items))
    last = first if end is None else _index(end, len(items))
    if first is None or last is None or first > last:
        return None
    chosen = [str(item) for item in items[first : last + 1]]
    return chosen[0] if end is None else chosen


def _index(number: Any, length: int) -> int | None:
    if not isinstance(number, int) or isinstance(number, bool):
        raise SplError(f"mvindex() needs whole-number positions, not {number!r}")
    index = number + length if number < 0 else number
    return index if 0 <= index < length else None


def _spath(context, value, path) -> str | None:
    value, path = _text(value, "spath"), _text(path, "spath")
    if value is None:
        return None
    if "{" in path:
        raise SplError(f"spath(): array paths are not supported: {path!r}")
    try:
        node = json.loads(value)
    except ValueError:
        return None
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if isinstance(node, (dict, list)):
        raise SplError(f"spath(): {path!r} is an object or array; only values are supported")
    if isinstance(node, bool):
        return "true" if node else "false"
    return None if node is None else (format_number(node) if isinstance(node, (int, float)) else node)


def _strftime(context, when, pattern) -> str | None:
    pattern = _text(pattern, "strftime")
    seconds = _numeric(_single(when, "strftime()"))
    return None if seconds is None else render_time(seconds, pattern, context.zone)


def _pow(context, base, exponent) -> Any:
    if base is None or exponent is None:
        return None
    numbers = [_numeric(_single(value, "pow()")) for value in (base, exponent)]
    if None in numbers:
        raise SplError(f"pow() needs numbers: {base!r}, {exponent!r}")
    return numbers[0] ** numbers[1]


def _min(context, *values) -> Any:
    """The least of numbers (Search Reference 9.4, "Statistical eval functions": min takes
    numbers or strings). Only numbers here: a null, a string or a multivalue is an error, as
    nothing this app runs needs them."""
    numbers = [_numeric(_single(value, "min()")) if value is not None else None for value in values]
    if None in numbers:
        raise SplError(f"min() takes numbers here: {values!r}")
    return min(numbers)


def _substr(context, value, start, length=None) -> str | None:
    value = _text(value, "substr")
    if value is None:
        return None
    if not isinstance(start, int) or (length is not None and not isinstance(length, int)):
        raise SplError("substr() needs whole-number positions")
    begin = start - 1 if start > 0 else max(len(value) + start, 0)
    return value[begin:] if length is None else value[begin : begin + length]


def _mvappend(context, *values) -> list[str] | str | None:
    """Every value of every argument, in order; nulls are skipped; null when none is left."""
    items = [item for value in values if value is not None
             for item in (value if isinstance(value, list) else [value])]
    if any(isinstance(item, bool) for item in items):
        raise SplError("mvappend() of a boolean is not supported")
    return None if not items else (items[0] if len(items) == 1 else items)


def _mvjoin(context, values, delimiter) -> str | None:
    delimiter = _text(delimiter, "mvjoin")
    if values is None:
        return None
    items = values if isinstance(values, list) else [values]
    if any(isinstance(item, bool) for item in items):
        raise SplError("mvjoin() of a boolean is not supported")
    return delimiter.join(format_number(item) if isinstance(item, (int, float)) else str(item) for item in items)


def _null(context) -> None:
    return None


def _isnull(context, value) -> bool:
    return value is None


def _isnotnull(context, value) -> bool:
    return value is not None


_FUNCTIONS: dict[str, tuple[int, int, Callable]] = {
    "case": (2, 98, _case),
    "coalesce": (1, 99, _coalesce),
    "if": (3, 3, _if),
    "isnotnull": (1, 1, _isnotnull),
    "isnull": (1, 1, _isnull),
    "like": (2, 2, _like),
    "lower": (1, 1, _lower),
    "match": (2, 2, _match),
    "min": (1, 99, _min),
    "mvappend": (1, 99, _mvappend),
    "mvcount": (1, 1, _mvcount),
    "mvindex": (2, 3, _mvindex),
    "mvjoin": (2, 2, _mvjoin),
    "now": (0, 0, _now),
    "null": (0, 0, _null),
    "pow": (2, 2, _pow),
    "replace": (3, 3, _replace),
    "split": (2, 2, _split),
    "spath": (2, 2, _spath),
    "strftime": (2, 2, _strftime),
    "substr": (2, 3, _substr),
    "tostring": (1, 1, _tostring),
}
