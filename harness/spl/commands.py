"""The SPL commands the detections and the upstream searches use, each as Splunk runs it.

Each command is built from its argument text (a SplError for anything outside the supported
forms) and runs on a list of events (dicts of field name to text or list of texts), returning
the events it passes on. The app's own commands (``ecrofhours``, ``ecrofhoursinfo``) are not
emulated: the real ``bin/*.py`` runs over the Search Command Protocol v2 driver
(``harness/scpv2.py``).

Where a command runs (``distributable``): Splunk runs a distributable streaming command on each
search peer while every command before it is one too; from the first other command on,
everything runs on the search head (Splunk's Search Reference, "Command types"). Generating
commands (``rest``) run on the search head.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

from ..scpv2 import ProtocolError, run_command
from .evalexpr import parse_assignments, parse_expression, stored, truth
from .searchexpr import parse_search
from .syntax import SplError, Token, subsearch, tokens
from .timerange import relative_time
from .values import (Value, as_number, check_time_format, format_number, normalise, render_time, sort_key,
                     values_of)

Event = dict  # field name -> Value
SORT_LIMIT = 10000  # Splunk's sort keeps this many results unless told otherwise
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}  # streamstats' time_window spans
_TIME_MODIFIER = re.compile(r'(?<![^\s(])(earliest|latest)\s*=\s*("[^"]*"|[^\s()]+)')


class CommandFailed(SplError):
    """One of the app's commands stopped with an error, or could not start."""


@dataclass
class Context:
    """What a search runs with, where it runs: the searcher's zone, the app's lookups and
    commands, the clock, and how to run subsearches and ``rest``."""

    zone: Any
    """tzinfo of the user running the search (``strftime``, ``convert ctime``)."""
    lookups: Path | None = None
    commands: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """How to start each of the app's commands (interpreter and ``bin/<file>.py``), by name."""
    cwd: str | None = None
    now: float | None = None
    """The search's "now" in epoch seconds (``earliest=-5m``); None: time modifiers are an error."""
    server: str = "local"
    """The name of the Splunk instance the commands run on (``splunk_server``)."""
    on_peer: bool = False
    """True while a search peer runs the distributable part of a search."""
    subsearch: Callable[[list], list[Event]] | None = None
    """Runs the parsed commands of a subsearch; None: subsearches are an error."""
    rest: Callable[[str, str], list[Event]] | None = None
    """``(endpoint, splunk_server)`` to the rows ``| rest`` returns; None: ``rest`` is an error."""
    messages: list[tuple[str, str]] = field(default_factory=list)
    """Messages of the search (job inspector): ``(level, text)``, the server named in the text."""
    lookups_writable: bool = False
    """Whether ``outputlookup`` may write to ``lookups`` (an installed copy, never the repository)."""
    window: tuple[float, float] | None = None
    """The search's time range (earliest inclusive, latest exclusive, epoch seconds), as a
    scheduled search's dispatch.earliest_time/latest_time resolve; None: ``addinfo`` is an error."""


class Search:
    """``search <terms>``, also the first segment of every search. ``earliest=`` and ``latest=``
    at the top level select by ``_time``: a time modifier (``timerange.relative_time``: ``now``,
    epoch seconds, ``-<n><unit>@<unit>``) from the search's now, earliest inclusive, latest
    exclusive (``now`` when only earliest is given)."""

    distributable = True

    def __init__(self, arguments: str):
        self.window: dict[str, str] = {}
        for match in reversed(list(_TIME_MODIFIER.finditer(arguments))):
            before = arguments[: match.start()]
            if before.count("(") != before.count(")") or re.search(r"\b(OR|NOT)\s*\Z", before) or \
                    re.match(r"\s*OR\b", arguments[match.end():]):
                raise SplError(f"search: {match.group(1)}= is supported only as a top-level term")
            self.window[match.group(1)] = match.group(2).strip('"')
            arguments = before + arguments[match.end():]
        self.test = parse_search(arguments if arguments.strip() else "*")

    def run(self, events: list[Event], context: Context) -> list[Event]:
        low = _instant(self.window.get("earliest"), context)
        high = _instant(self.window.get("latest", "now" if self.window else None), context)  # Splunk's default
        found = []
        for event in events:
            if low is not None or high is not None:
                when = as_number(event["_time"]) if isinstance(event.get("_time"), str) else None
                if when is None:
                    raise SplError(f"search: an event has no numeric _time: {event.get('_time')!r}")
                if (low is not None and when < low) or (high is not None and when >= high):
                    continue
            if self.test(event):
                found.append(event)
        return found


def _instant(text: str | None, context: Context) -> float | None:
    if text is None:
        return None
    if context.now is None:
        raise SplError("search: earliest=/latest= need the search's now (a Deployment)")
    return relative_time(text, context.now, context.zone)


class Eval:
    """``eval name=expression, ...``: later assignments see earlier ones; null removes a field."""

    distributable = True

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

    distributable = True

    def __init__(self, arguments: str):
        self.expression = parse_expression(arguments)

    def run(self, events: list[Event], context: Context) -> list[Event]:
        return [event for event in events if truth(self.expression(event, context)) is True]


class Rename:
    """``rename a AS b, c* AS d*``: one ``*`` per name; a missing field is left alone."""

    distributable = True

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
        # Distributable streaming with a field list; without one it needs every result.
        self.distributable = bool(self.fields)

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
    ``_time``), ``dc`` (distinct values), ``sum`` (numbers only).
    """

    FUNCTIONS = ("count", "dc", "earliest", "max", "min", "sum", "values")
    distributable = False  # a transforming command

    def __init__(self, arguments: str):
        self.aggregates, self.by = _aggregations("stats", arguments)
        if not self.by:
            raise SplError(f"stats: only '<functions> BY <fields>' is supported: {arguments[:200]}")

    def run(self, events: list[Event], context: Context) -> list[Event]:
        groups = _groups(events, self.by)
        rows = []
        for key in sorted(groups, key=lambda key: [sort_key(value) for value in key]):
            row: Event = dict(zip(self.by, key))
            for function, argument, alias in self.aggregates:
                value = _aggregate(function, argument, groups[key])
                if value is not None:
                    row[alias] = value
            rows.append(row)
        return rows


class EventStats:
    """``eventstats <function>(<field>) [AS <name>] ... [BY <fields>]``: each event gets the
    aggregates of its group (of all events without BY), computed as ``stats`` does; an event
    without a by-field gets none. Overwriting a field an event has is not emulated: an error."""

    distributable = False

    def __init__(self, arguments: str):
        self.aggregates, self.by = _aggregations("eventstats", arguments)

    def run(self, events: list[Event], context: Context) -> list[Event]:
        _refuse_multivalue_by("eventstats", events, self.by)
        for members in _groups(events, self.by).values():
            values = {alias: _aggregate(function, argument, members) for function, argument, alias in self.aggregates}
            for event in members:
                _add_aggregates("eventstats", event, values)
        return events


class StreamStats:
    """``streamstats [current=<bool>] time_window=<n>s|m|h|d <function>(<field>) [AS <name>] ...
    [BY <fields>]``: each event gets the aggregates (as ``stats`` computes them) of the events
    before it in the same group whose ``_time`` is within the time window of its own, itself
    included unless ``current=f``. Only the time window form is emulated: the events must come
    sorted by ``_time``, ascending (an error otherwise), and a multivalue by-field or an
    aggregate overwriting a field the event has is an error, as in :class:`EventStats`."""

    distributable = False

    def __init__(self, arguments: str):
        self.current = True
        self.window: int | None = None
        options = re.compile(r"\s*(current|time_window)\s*=\s*(\S+)")
        while (found := options.match(arguments)):
            name, value = found.groups()
            if name == "current":
                if value.lower() not in ("t", "true", "f", "false"):
                    raise SplError(f"streamstats: current={value} is not a boolean")
                self.current = value.lower() in ("t", "true")
            else:
                span = re.fullmatch(r"(\d+)(s|m|h|d)", value)
                if not span or int(span.group(1)) == 0:
                    raise SplError(f"streamstats: time_window={value}: expected <n>s|m|h|d")
                self.window = int(span.group(1)) * _SECONDS[span.group(2)]
            arguments = arguments[found.end():]
        if self.window is None:
            raise SplError("streamstats: only the time_window=<span> form is emulated")
        self.aggregates, self.by = _aggregations("streamstats", arguments)

    def run(self, events: list[Event], context: Context) -> list[Event]:
        times = []
        for event in events:
            when = as_number(event.get("_time")) if isinstance(event.get("_time"), str) else None
            if when is None:
                raise SplError(f"streamstats: time_window needs a numeric _time on every event: {event.get('_time')!r}")
            if times and when < times[-1]:
                raise SplError("streamstats: time_window needs events sorted by _time (ascending is emulated)")
            times.append(when)
        _refuse_multivalue_by("streamstats", events, self.by)
        earlier: dict[tuple, list[tuple[float, Event]]] = {}
        computed = []
        for when, event in zip(times, events):
            if any(name not in event for name in self.by):
                computed.append({})
                continue
            key = tuple(event[name] for name in self.by)
            members = [member for moment, member in earlier.get(key, []) if moment > when - self.window]
            if self.current:
                members = members + [event]
            computed.append({alias: _aggregate(function, argument, members)
                             for function, argument, alias in self.aggregates})
            earlier.setdefault(key, []).append((when, dict(event)))
        for event, values in zip(events, computed):
            _add_aggregates("streamstats", event, values)
        return events


def _refuse_multivalue_by(command: str, events: list[Event], by: list[str]) -> None:
    """A multivalue by-field is not emulated: an error."""
    if any(isinstance(event.get(name), list) for event in events for name in by):
        raise SplError(f"{command}: a multivalue by-field is not supported")


def _add_aggregates(command: str, event: Event, values: dict[str, Any]) -> None:
    """An event's aggregates by name (a null adds nothing); overwriting a field it has is not
    emulated: an error."""
    for alias, value in values.items():
        if alias in event:
            raise SplError(f"{command}: {alias} exists already; overwriting is not emulated")
        if value is not None:
            event[alias] = value


class AddInfo:
    """``addinfo``: adds the search's ``info_min_time``, ``info_max_time`` (its time range),
    ``info_search_time`` (its now) and ``info_sid`` to every result; an error when the search
    has no time range (the evaluator was given no ``window``)."""

    distributable = True

    def __init__(self, arguments: str):
        if arguments.strip():
            raise SplError(f"addinfo takes no arguments: {arguments[:200]}")

    def run(self, events: list[Event], context: Context) -> list[Event]:
        if context.window is None or context.now is None:
            raise SplError("addinfo: the search has no time range and now (give the evaluator a window)")
        low, high = context.window
        info = {"info_min_time": format_number(float(low)), "info_max_time": format_number(float(high)),
                "info_search_time": format_number(float(context.now)), "info_sid": f"scheduler__{int(context.now)}"}
        for event in events:
            event.update(info)
        return events


def _aggregations(command: str, arguments: str) -> tuple[list[tuple[str, str | None, str]], list[str]]:
    """``([(function, field, alias), ...], by-fields)`` of stats-like arguments."""
    aggregates: list[tuple[str, str | None, str]] = []
    found = [token for token in tokens(arguments) if token.text != ","]
    while found and found[0].text.lower() != "by":
        function, found = found[0].text, found[1:]
        if function not in Stats.FUNCTIONS:
            raise SplError(f"{command}: function {function!r} is not supported")
        argument = None
        if found[:1] and found[0].text == "(":
            if len(found) < 3 or found[2].text != ")":
                raise SplError(f"{command}: expected {function}(<field>) in: {arguments[:200]}")
            argument, found = found[1].value, found[3:]
        elif function != "count":
            raise SplError(f"{command}: {function} needs a field")
        alias = function if argument is None else f"{function}({argument})"
        if found[:1] and found[0].text.lower() == "as":
            alias, found = found[1].value, found[2:]
        aggregates.append((function, argument, alias))
    if not aggregates:
        raise SplError(f"{command}: no function in: {arguments[:200]}")
    return aggregates, [token.value for token in found[1:]]


def _groups(events: list[Event], by: list[str]) -> dict[tuple[str, ...], list[Event]]:
    """Events by their by-field values; a multivalue puts an event in several groups."""
    groups: dict[tuple[str, ...], list[Event]] = {}
    for event in events:
        for key in product(*(values_of(event.get(name)) for name in by)):
            groups.setdefault(key, []).append(event)
    return groups


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
    if function == "dc":
        return str(len(set(values)))
    if function == "sum":
        numbers = [as_number(value) for value in values]
        if None in numbers:
            raise SplError(f"sum({name}): a value is not a number: {values[numbers.index(None)]!r}")
        return format_number(sum(numbers)) if numbers else None
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

    distributable = True

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

    distributable = False  # a transforming command

    def __init__(self, arguments: str):
        self.fields = [token.value for token in tokens(arguments) if token.text != ","]
        if not self.fields or any("*" in name for name in self.fields):
            raise SplError(f"table: expected field names without wildcards: {arguments[:200]}")

    def run(self, events: list[Event], context: Context) -> list[Event]:
        return [{name: event[name] for name in self.fields if name in event} for event in events]


class Sort:
    """``sort [<count>] [-|+]<field> ...``: numbers before text; keeps the first 10,000 results
    unless a count says otherwise (``0``: all), as Splunk."""

    distributable = False

    def __init__(self, arguments: str):
        self.keys: list[tuple[str, bool]] = []
        self.limit: int | None = SORT_LIMIT
        found = tokens(arguments)
        if found and found[0].kind == "word" and found[0].text.isdigit():
            self.limit = int(found[0].text) or None
            found = found[1:]
        sign = None
        for token in found:
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
        return events[: self.limit]


class Lookup:
    """``lookup <file>.csv <field> [AS <event field>] ... OUTPUT <field> [AS <event field>] ...``

    A CSV file of the app's ``lookups/``; matches are exact and case-sensitive (Splunk's
    default); several matching rows give a multivalue; no match removes the output fields.
    """

    distributable = True  # local=true (search head only) is not supported

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


class CustomCommand:
    """One of the app's commands (``commands.conf``), as splunkd runs it: arguments tokenised
    and unquoted (``hours="mon-fri 08:00-18:00"`` reaches it as ``hours=mon-fri 08:00-18:00``).

    An ERROR from the command, or a command that cannot start, raises :class:`CommandFailed`.
    Run on a search peer, the command must have declared itself distributable (``streaming``)."""

    distributable = True

    def __init__(self, name: str, arguments: str):
        self.name = name
        self.args = _command_args(tokens(arguments))

    def run(self, events: list[Event], context: Context) -> list[Event]:
        command = context.commands.get(self.name)
        if command is None:
            raise SplError(f"{self.name}: this evaluator has no command to run")
        described = f"{self.name} {' '.join(self.args)}".strip()
        try:
            session = run_command(command, self.args, events, cwd=context.cwd)
        except (ProtocolError, TimeoutError) as error:
            raise CommandFailed(f"{described}: {error}") from None
        errors = [text for level, text in session.messages if level in ("ERROR", "FATAL")]
        if errors or session.returncode != 0:
            detail = "; ".join(errors) or session.stderr.strip()[-2000:]
            raise CommandFailed(f"{described}: exit {session.returncode}: {detail}")
        kind = (session.getinfo or {}).get("type")
        if context.on_peer and kind != "streaming":
            raise SplError(f"{described}: type {kind!r} is not distributable; splunkd runs it on the search head")
        context.messages += [(level, f"[{context.server}] {text}") for level, text in session.messages]
        return [dict(record) for record in session.records]


class Fields:
    """``fields [+] <names>`` keeps those fields, ``fields - <names>`` removes them (``*`` is a
    wildcard); internal fields (``_time``...) stay unless named after ``-``."""

    distributable = True

    def __init__(self, arguments: str):
        found = [token for token in tokens(arguments) if token.text != ","]
        self.remove = bool(found) and found[0].text == "-"
        if found and found[0].text in ("-", "+"):
            found = found[1:]
        if not found or any(token.kind != "word" for token in found):
            raise SplError(f"fields: expected field names in: {arguments[:200]}")
        self.patterns = [re.compile(".*".join(map(re.escape, token.text.split("*"))) + r"\Z") for token in found]

    def run(self, events: list[Event], context: Context) -> list[Event]:
        def named(name: str) -> bool:
            return any(pattern.match(name) for pattern in self.patterns)
        if self.remove:
            return [{name: value for name, value in event.items() if not named(name)} for event in events]
        return [{name: value for name, value in event.items() if named(name) or name.startswith("_")}
                for event in events]


class Rest:
    """``| rest <endpoint> [splunk_server=<name|local|*>]``: a generating command on the search
    head; only the endpoints a Deployment serves (``/services/server/info``)."""

    distributable = False

    def __init__(self, arguments: str):
        found = tokens(arguments)
        self.endpoint, self.server = None, "*"
        while found:
            if len(found) >= 3 and found[0].text == "splunk_server" and found[1].text == "=":
                self.server, found = found[2].value, found[3:]
            elif found[0].kind == "word" and found[0].text.startswith("/") and self.endpoint is None:
                self.endpoint, found = found[0].text, found[1:]
            else:
                raise SplError(f"rest: only '<endpoint> [splunk_server=<name>]' is supported: {arguments[:200]}")
        if self.endpoint is None:
            raise SplError("rest: no endpoint")

    def run(self, events: list[Event], context: Context) -> list[Event]:
        if events:
            raise SplError("rest is a generating command: it must start a search")
        if context.rest is None:
            raise SplError("rest: this evaluator has no Splunk deployment to ask")
        return context.rest(self.endpoint, self.server)


class Append:
    """``append [<subsearch>]``: the subsearch's results after the current ones (no options)."""

    distributable = False

    def __init__(self, arguments: str, parse: Callable[[str], list]):
        inner = subsearch(arguments)
        if inner is None or not arguments.strip().startswith("["):
            raise SplError(f"append: only 'append [<subsearch>]' is supported: {arguments[:200]}")
        self.commands = parse(inner)

    def run(self, events: list[Event], context: Context) -> list[Event]:
        if context.subsearch is None:
            raise SplError("append: this evaluator cannot run subsearches")
        return events + context.subsearch(self.commands)


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


class Head:
    """``head <n>``: the first n results."""

    distributable = False

    def __init__(self, arguments: str):
        if not re.fullmatch(r"\s*\d+\s*", arguments):
            raise SplError(f"head: only 'head <count>' is supported: {arguments[:200]}")
        self.count = int(arguments)

    def run(self, events: list[Event], context: Context) -> list[Event]:
        return events[: self.count]


class InputLookup:
    """``| inputlookup [append=<bool>] [strict=<bool>] <file>.csv``: the rows of a CSV file of the
    app's ``lookups/``; with ``append=true`` after the current results, else it must start the
    search. A file that does not exist gives no rows and a warning (strict=false, the default)
    or stops the search (strict=true): "If the lookup does not exist, a warning message is
    displayed" and strict "forces the search to fail completely if inputlookup raises an error"
    (Search Reference, inputlookup). Lookup definitions (transforms.conf) are not supported."""

    distributable = False

    def __init__(self, arguments: str):
        found = tokens(arguments)
        options = {"append": False, "strict": False}
        while len(found) >= 3 and found[1].text == "=" and found[0].text in options:
            value = found[2].value.lower()
            if value not in ("t", "true", "f", "false", "1", "0"):
                raise SplError(f"inputlookup: {found[0].text}={found[2].value} is not a boolean")
            options[found[0].text] = value in ("t", "true", "1")
            found = found[3:]
        if len(found) != 1 or not found[0].value.endswith(".csv"):
            raise SplError(f"inputlookup: only '[append=<bool>] [strict=<bool>] <file>.csv' is supported: "
                           f"{arguments[:200]}")
        self.table, self.append, self.strict = found[0].value, options["append"], options["strict"]

    def run(self, events: list[Event], context: Context) -> list[Event]:
        if events and not self.append:
            raise SplError("inputlookup without append=true must start the search")
        path = None if context.lookups is None else context.lookups / self.table
        if path is None or not path.is_file():
            text = f"The lookup table '{self.table}' does not exist or is not available."
            if self.strict:
                raise SplError(f"inputlookup: {text}")
            context.messages.append(("WARN", f"[{context.server}] {text}"))
            return events
        with open(path, encoding="utf-8", newline="") as handle:
            rows = [{name: value for name, value in row.items() if value != ""} for row in csv.DictReader(handle)]
        return events + rows


class OutputLookup:
    """``outputlookup <file>.csv``: writes the results (every field any result has, ``_*``
    fields left out, multivalue fields refused) to the app's ``lookups/`` and passes them on.
    Writing with no results, or into the repository's own lookups, is refused, not emulated."""

    distributable = False

    def __init__(self, arguments: str):
        found = tokens(arguments)
        if len(found) != 1 or not found[0].value.endswith(".csv") or "/" in found[0].value:
            raise SplError(f"outputlookup: only 'outputlookup <file>.csv' is supported: {arguments[:200]}")
        self.table = found[0].value

    def run(self, events: list[Event], context: Context) -> list[Event]:
        if context.lookups is None or not context.lookups_writable:
            raise SplError(f"outputlookup: the lookups of this app are read-only here ({self.table})")
        if not events:
            raise SplError("outputlookup with no results is not emulated (override_if_empty)")
        columns = list(dict.fromkeys(name for event in events for name in event if not name.startswith("_")))
        for event in events:
            for name in columns:
                if isinstance(event.get(name), list):
                    raise SplError(f"outputlookup: multivalue {name} is not emulated; join it first (mvjoin)")
        target = context.lookups / self.table
        if target.is_symlink():
            raise SplError(f"outputlookup: {self.table} is a file the app ships")
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows({name: event.get(name, "") for name in columns} for event in events)
        return events
