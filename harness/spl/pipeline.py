"""A search as a pipeline of commands: expand its macros, parse every command, run them in turn."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .commands import (AddInfo, Append, Context, Convert, CustomCommand, Eval, EventStats, Fields, FillNull, Head,
                       InputLookup, Lookup, OutputLookup, Rename, Rest, Search, Sort, Stats, StreamStats, Table, Where)
from .macros import MacroLibrary
from .syntax import SplError, command_name, has_subsearch, split_pipeline
from .values import Value, zone

COMMANDS = {
    "addinfo": AddInfo,
    "convert": Convert,
    "eval": Eval,
    "eventstats": EventStats,
    "fields": Fields,
    "fillnull": FillNull,
    "head": Head,
    "inputlookup": InputLookup,
    "lookup": Lookup,
    "outputlookup": OutputLookup,
    "rename": Rename,
    "search": Search,
    "sort": Sort,
    "stats": Stats,
    "streamstats": StreamStats,
    "table": Table,
    "where": Where,
}
GENERATING = {"inputlookup": InputLookup, "rest": Rest}
"""Commands that start a search (``| rest ...``, ``| inputlookup ...``)."""


class Evaluator:
    """Runs searches over events with one set of macros, as one user in one time zone, on one
    Splunk instance (``harness/spl/deployment.py`` runs them over search peers).

    ``searcher_tz`` is the zone of the user the search runs as: ``strftime`` and ``convert
    ctime`` render in it, as Splunk renders them in the user's (or the search owner's) zone.
    ``commands`` maps the app's command names to how to start them (interpreter, script).
    """

    def __init__(self, macros: MacroLibrary, *, commands: Mapping[str, Sequence[str]] | None = None,
                 cwd: str | None = None, lookups: Path | None = None, searcher_tz: str = "UTC",
                 now: float | None = None, lookups_writable: bool = False,
                 window: tuple[float, float] | None = None):
        self.macros = macros
        self.context = Context(zone(searcher_tz), lookups, dict(commands or {}), cwd, now,
                               lookups_writable=lookups_writable, window=window)

    def parse(self, spl: str) -> list:
        """The commands of a search, after macro expansion; a SplError for anything unsupported."""
        return self._parse(self.macros.expand(spl))

    def _parse(self, spl: str) -> list:
        parts = split_pipeline(spl)
        if parts[0]:
            name, arguments = command_name(parts[0])
            commands = [self._command("search", arguments if name == "search" else parts[0])]
        else:
            name, arguments = command_name(parts[1])
            if name not in GENERATING:
                raise SplError(f"generating command {name!r} is not supported (only {sorted(GENERATING)})")
            commands = [GENERATING[name](arguments)]
            parts = parts[1:]
        for part in parts[1:]:
            name, arguments = command_name(part)
            commands.append(self._command(name, arguments))
        return commands

    def _command(self, name: str, arguments: str):
        if name == "append":
            return Append(arguments, self._parse)
        if has_subsearch(arguments):
            raise SplError(f"{name}: subsearches ([...]) are supported only in append")
        if name in COMMANDS:
            return COMMANDS[name](arguments)
        if name in self.context.commands:
            return CustomCommand(name, arguments)
        raise SplError(f"command {name!r} is not supported")

    def run(self, spl: str, events: Iterable[Mapping[str, Value]]) -> list[dict]:
        """The results of a search over events (the events are not changed); a subsearch runs
        over the same events."""
        events = [dict(event) for event in events]
        context = Context(**{**vars(self.context), "messages": []})
        context.subsearch = lambda commands: self._execute(commands, events, context)
        results = self._execute(self.parse(spl), events, context)
        self.context.messages = context.messages
        return results

    def execute(self, commands: Sequence, events: Iterable[Mapping[str, Value]]) -> list[dict]:
        """The results of parsed commands (a whole search or a prefix of one) over events."""
        return self._execute(commands, [dict(event) for event in events], self.context)

    @staticmethod
    def _execute(commands: Sequence, events: list[dict], context: Context) -> list[dict]:
        results = [] if isinstance(commands[0], (Rest, InputLookup)) else [dict(event) for event in events]
        for command in commands:
            results = command.run(results, context)
        return results
