"""The SPL commands the detections and the upstream searches use, each as Splunk runs it.

Each command is built from its argument text (a SplError for anything outside the supported
forms) and runs on a list of events (dicts of field name to text or list of texts), returning
the events it passes on. ``ecrofhours`` is not emulated: the real command runs over the
Search Command Protocol v2 driver (``tools/scpv2.py``).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

from ..scpv2 import ProtocolError, run_command
from .evalexpr import parse_assignments, parse_expression, stored, truth
from .searchexpr import parse_search
from .syntax import SplError, Token, tokens
from .values import Value, as_number, check_time_format, normalise, render_time, sort_key, values_of

Event = dict  # field name -> Value
SORT_LIMIT = 10000  # Splunk's sort keeps this many results unless told otherwise


@dataclass
class Context:
    """What a search runs with: the searcher's zone, the app's lookups, the ecrofhours command."""

    zone: Any
    """tzinfo of the user running the search (``strftime``, ``convert ctime``)."""
    lookups: Path | None = None
    command: Sequence[str] | None = None
    """How to start ``bin/ecrofhours.py`` (interpreter and path); None: not available."""
    cwd: str | None = None


class Search:
    """``search <terms>``, also the first segment of every search."""

    def __init__(self, arguments: str):
        self.test = parse_search(arguments)

    def run(self, events: list[Event], context: Context) -> list[Event]:
        return [event for event in events if self.test(event)]


class Eval:
    """``eval name=expression, ...``: later assignments see earlier ones; null removes a field."""

    def __init__(self, arguments: str):
        self.assignments = parse_assignments(arguments)

    def run(self, events: list[Event], context: Context) -> list[Event]:
        for event in events:
            for name, expression in self.assignments:
                value = stored(expression(event, context))
                if value is None:
                    event.pop(name, None)
                else:
                    event[name] = value
        return events


class Where:
    """``where <expression>``: keeps events for which it is true (not false, not null)."""

    def __init__(self, arguments: str):
        self.expression = parse_expression(arguments)

    def run(self, events: list[Event], context: Context) -> list[Event]:
        return [event for event in events if truth(self.expression(event, context)) is True]


class Rename:
    """``rename a AS b, c* AS d*``: one ``*`` per name; a missing field is left alone."""

    def __init__(self, arguments: str):
        self.pairs = []
        found = tokens(arguments)
        while found:
            if len(found) < 3 or found[1].text.lower() != "as":
                raise SplError(f"rename: expected '<field> AS <field>' in: {arguments[:200]}")
            source, target = found[0].value, found[2].value
            if source.count("*") > 1 or target.count("*") > int("*" in source):
                raise SplError(f"rename: unsupported wildcards in {source} AS {target}")
            self.pairs.append((source, target))
            found = found[4:] if len(found) > 3 and found[3].text == "," else found[3:]

    def run(self, events: list[Event], context: Context) -> list[Event]:
        for event in events:
            for source, target in self.pairs:
                if "*" not in source:
                    if source in event:
                        event[target] = event.pop(source)
                    continue
                prefix, suffix = source.split("*")
                moves = [(name, target.replace("*", name[len(prefix) : len(name) - len(suffix)]))
                         for name in event
                         if name.startswith(prefix) and name.endswith(suffix)
                         and len(name) >= len(prefix) + len(suffix)]
                values = {name: event.pop(name) for name, _ in moves}
                event.update((new, values[name]) for name, new in moves)
        return events


class FillNull:
    """``fillnull [value=<v>] [fields]``: without fields, every field some result has (Splunk
    cannot know of others), so a field no event has stays absent."""

    def __init__(self, arguments: str):
        found = tokens(arguments)
        self.value = "0"
        if len(found) >= 3 and found[0].text == "value" and found[1].text == "=":
            self.value = found[2].value
            found = found[3:]
        if any(token.kind != "word" for token in found):
            raise SplError(f"fillnull: expected field names in: {arguments[:200]}")
        self.fields = [token.text for token in found]

    def run(self, events: list[Event], context: Context) -> list[Event]:
        names = self.fields or list(dict.fromkeys(name for event in events for name in event))
        for event in events:
            for name in names:
                if event.get(name) in (None, "", []):
                    event[name] = self.value
        return events


class Stats:
    """``stats <function>(<field>) [AS <name>] ... BY <fields>``.

    An event without a value for a by-field is left out (as in Splunk); a multivalue by-field
    puts the event in one group per value. Groups come out ordered by their by-field values.
    Functions: ``count``, ``min``, ``max`` (numbers if all values are numbers, else text),
    ``values`` (distinct, sorted as text), ``earliest`` (the value of the event with the least
    ``_time``).
    """

    FUNCTIONS = ("count", "earliest", "max", "min", "values")

    def __init__(self, arguments: str):
        self.aggregates: list[tuple[str, str | None, str]] = []
        found = [token for token in tokens(arguments) if token.text != ","]
        while found and found[0].text.lower() != "by":
            function, found = found[0].text, found[1:]
            if function not in self.FUNCTIONS:
                raise SplError(f"stats: function {function!r} is not supported")
            argument = None
            if found[:1] and found[0].text == "(":
                if len(found) < 3 or found[2].text != ")":
                    raise SplError(f"stats: expected {function}(<field>) in: {arguments[:200]}")
                argument, found = found[1].value, found[3:]
            elif function != "count":
                raise SplError(f"stats: {function} needs a field")
            alias = function if argument is None else f"{function}({argument})"
            if found[:1] and found[0].text.lower() == "as":
                alias, found = found[1].value, found[2:]
            self.aggregates.append((function, argument, alias))
        self.by = [token.value for token in found[1:]]
        if not self.aggregates or not self.by:
            raise SplError(f"stats: only '<functions> BY <fields>' is supported: {arguments[:200]}")

    def run(self, events: list[Event], context: Context) -> list[Event]:
        groups: dict[tuple[str, ...], list[Event]] = {}
        for event in events:
            for key in product(*(values_of(event.get(name)) for name in self.by)):
                groups.setdefault(key, []).append(event)
        rows = []
        for key in sorted(groups, key=lambda key: [sort_key(value) for value in key]):
            row: Event = dict(zip(self.by, key))
            for function, argument, alias in self.aggregates:
                value = _aggregate(function, argument, groups[key])
                if value is not None:
                    row[alias] = value
            rows.append(row)
        return rows


def _aggregate(function: str, name: str | None, events: list[Event]) -> Value | None:
    if function == "count":
        return str(len(events) if name is None else sum(name in event for event in events))
    if function == "earliest":
        having = [event for event in events if name in event]
        if not having:
            return None
        return min(having, key=lambda event: _seconds(event.get("_time"))).get(name)
    values = [value for event in events for value in values_of(event.get(name))]
    if function == "values":
        return normalise(sorted(set(values)))
    if not values:
        return None
    numbers = [as_number(value) for value in values]
    if None in numbers:
        return (min if function == "min" else max)(values)
    chosen = (min if function == "min" else max)(range(len(values)), key=numbers.__getitem__)
    return values[chosen]


def _seconds(value: Value | None) -> float:
    number = as_number(value) if isinstance(value, str) else None
    if number is None:
        raise SplError(f"earliest(): an event has no numeric _time: {value!r}")
    return number


class Convert:
    """``convert timeformat="<format>" ctime(<field>) [AS <name>]``: epoch to text, in the
    searcher's zone; a value that is not a number is left as it is."""

    def __init__(self, arguments: str):
        found = tokens(arguments)
        self.format = "%m/%d/%Y %H:%M:%S"
        if len(found) >= 3 and found[0].text == "timeformat" and found[1].text == "=":
            self.format, found = found[2].value, found[3:]
        check_time_format(self.format)
        self.conversions = []
        while found:
            if len(found) < 4 or found[0].text != "ctime" or found[1].text != "(" or found[3].text != ")":
                raise SplError(f"convert: only ctime(<field>) is supported: {arguments[:200]}")
            name, found = found[2].value, found[4:]
            alias = name
            if found[:1] and found[0].text.lower() == "as":
                alias, found = found[1].value, found[2:]
            self.conversions.append((name, alias))

    def run(self, events: list[Event], context: Context) -> list[Event]:
        for event in events:
            for name, alias in self.conversions:
                value = event.get(name)
                if isinstance(value, list):
                    raise SplError(f"convert: multivalue {name} is not supported")
                seconds = None if value is None else as_number(value)
                if seconds is not None:
                    event[alias] = render_time(seconds, self.format, context.zone)
        return events


class Table:
    """``table <fields>``: those fields, in that order (no wildcards)."""

    def __init__(self, arguments: str):
        self.fields = [token.value for token in tokens(arguments) if token.text != ","]
        if not self.fields or any("*" in name for name in self.fields):
            raise SplError(f"table: expected field names without wildcards: {arguments[:200]}")

    def run(self, events: list[Event], context: Context) -> list[Event]:
        return [{name: event[name] for name in self.fields if name in event} for event in events]


class Sort:
    """``sort [-|+]<field> ...``: numbers before text; keeps the first 10,000 results, as Splunk."""

    def __init__(self, arguments: str):
        self.keys: list[tuple[str, bool]] = []
        sign = None
        for token in tokens(arguments):
            text = token.value
            if text in ("-", "+"):
                sign = text
                continue
            if text[0] in "-+":
                sign, text = text[0], text[1:]
            if token.kind != "word" or not text or as_number(text) is not None:
                raise SplError(f"sort: expected [-|+]<field>, found {token.text!r}")
            self.keys.append((text, sign == "-"))
            sign = None
        if not self.keys:
            raise SplError("sort: no field")

    def run(self, events: list[Event], context: Context) -> list[Event]:
        for name, descending in reversed(self.keys):
            if any(isinstance(event.get(name, ""), list) or name not in event for event in events):
                raise SplError(f"sort: every result needs a single value for {name}")
            events = sorted(events, key=lambda event: sort_key(event[name]), reverse=descending)
        return events[:SORT_LIMIT]


class Lookup:
    """``lookup <file>.csv <field> [AS <event field>] ... OUTPUT <field> [AS <event field>] ...``

    A CSV file of the app's ``lookups/``; matches are exact and case-sensitive (Splunk's
    default); several matching rows give a multivalue; no match removes the output fields.
    """

    def __init__(self, arguments: str):
        found = [token for token in tokens(arguments) if token.text != ","]
        if not found or not found[0].text.endswith(".csv"):
            raise SplError(f"lookup: only CSV files of lookups/ are supported: {arguments[:200]}")
        self.table = found[0].text
        words = [token.value for token in found[1:]]
        if "OUTPUT" not in words:
            raise SplError("lookup: OUTPUT is required (OUTPUTNEW is not supported)")
        split = words.index("OUTPUT")
        self.inputs = _field_pairs(words[:split], arguments)
        self.outputs = _field_pairs(words[split + 1 :], arguments)

    def run(self, events: list[Event], context: Context) -> list[Event]:
        if context.lookups is None or not (context.lookups / self.table).is_file():
            raise SplError(f"lookup: no lookup file {self.table} in {context.lookups}")
        with open(context.lookups / self.table, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for column, _ in self.inputs + self.outputs:
            if rows and column not in rows[0]:
                raise SplError(f"lookup: {self.table} has no column {column}")
        for event in events:
            key = [event.get(name) for _, name in self.inputs]
            if any(isinstance(value, list) for value in key):
                raise SplError("lookup: multivalue input fields are not supported")
            matches = [row for row in rows if [row[column] for column, _ in self.inputs] == key]
            for column, name in self.outputs:
                value = normalise([row[column] for row in matches if row[column]])
                if value is None:
                    event.pop(name, None)
                else:
                    event[name] = value
        return events


def _field_pairs(words: list[str], arguments: str) -> list[tuple[str, str]]:
    pairs = []
    while words:
        if len(words) >= 3 and words[1].lower() == "as":
            pairs.append((words[0], words[2]))
            words = words[3:]
        else:
            pairs.append((words[0], words[0]))
            words = words[1:]
    if not pairs:
        raise SplError(f"lookup: expected fields in: {arguments[:200]}")
    return pairs


class Ecrofhours:
    """``ecrofhours <options>``: the real command, as splunkd runs it (arguments tokenised and
    unquoted: ``hours="mon-fri 08:00-18:00"`` reaches it as ``hours=mon-fri 08:00-18:00``)."""

    def __init__(self, arguments: str):
        self.args = _command_args(tokens(arguments))

    def run(self, events: list[Event], context: Context) -> list[Event]:
        if context.command is None:
            raise SplError("ecrofhours: this evaluator has no command to run")
        try:
            session = run_command(context.command, self.args, events, cwd=context.cwd)
        except (ProtocolError, TimeoutError) as error:
            raise SplError(f"ecrofhours {' '.join(self.args)}: {error}") from None
        errors = [text for level, text in session.messages if level in ("ERROR", "FATAL")]
        if errors or session.returncode != 0:
            detail = "; ".join(errors) or session.stderr.strip()[-2000:]
            raise SplError(f"ecrofhours {' '.join(self.args)}: exit {session.returncode}: {detail}")
        return [dict(record) for record in session.records]


def _command_args(found: list[Token]) -> list[str]:
    args = []
    while found:
        if len(found) >= 3 and found[0].kind == "word" and found[1].text == "=":
            args.append(f"{found[0].text}={found[2].value}")
            found = found[3:]
        elif found[0].kind in ("word", "string"):
            args.append(found[0].value)
            found = found[1:]
        else:
            raise SplError(f"unexpected {found[0].text!r} in command arguments")
    return args
