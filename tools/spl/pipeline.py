"""A search as a pipeline of commands: expand its macros, parse every command, run them in turn."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .commands import (Context, Convert, Ecrofhours, Eval, FillNull, Lookup, Rename, Search, Sort,
                       Stats, Table, Where)
from .macros import MacroLibrary
from .syntax import SplError, command_name, split_pipeline
from .values import Value, zone

COMMANDS = {
    "convert": Convert,
    "ecrofhours": Ecrofhours,
    "eval": Eval,
    "fillnull": FillNull,
    "lookup": Lookup,
    "rename": Rename,
    "search": Search,
    "sort": Sort,
    "stats": Stats,
    "table": Table,
    "where": Where,
}


class Evaluator:
    """Runs searches over events with one set of macros, as one user in one time zone.

    ``searcher_tz`` is the zone of the user the search runs as: ``strftime`` and ``convert
    ctime`` render in it, as Splunk renders them in the user's (or the search owner's) zone.
    """

    def __init__(self, macros: MacroLibrary, *, command: Sequence[str] | None = None,
                 cwd: str | None = None, lookups: Path | None = None, searcher_tz: str = "UTC"):
        self.macros = macros
        self.context = Context(zone(searcher_tz), lookups, command, cwd)

    def parse(self, spl: str) -> list:
        """The commands of a search, after macro expansion; a SplError for anything unsupported."""
        parts = split_pipeline(self.macros.expand(spl))
        name, arguments = command_name(parts[0])
        commands = [Search(arguments if name == "search" else parts[0])]
        for part in parts[1:]:
            name, arguments = command_name(part)
            if name not in COMMANDS:
                raise SplError(f"command {name!r} is not supported")
            commands.append(COMMANDS[name](arguments))
        return commands

    def run(self, spl: str, events: Iterable[Mapping[str, Value]]) -> list[dict]:
        """The results of a search over events (the events are not changed)."""
        return self.execute(self.parse(spl), events)

    def execute(self, commands: Sequence, events: Iterable[Mapping[str, Value]]) -> list[dict]:
        """The results of parsed commands (a whole search or a prefix of one) over events."""
        results = [dict(event) for event in events]
        for command in commands:
            results = command.run(results, self.context)
        return results
