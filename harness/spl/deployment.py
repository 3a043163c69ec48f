"""A distributed Splunk deployment to run searches on: a search head and its search peers.

Each :class:`Server` has its own copy of the app (on an indexer: what the knowledge bundle
brought, so it may lack a lookup, or ``lib/``, or run another Python) and its own indexed events.
:meth:`Deployment.search` runs a search as Splunk distributes it (Search Reference, "Command
types"): the base search and every distributable streaming command after it run on each server
that holds events, each with its own copy of the app's commands; from the first other command
on, everything runs on the search head. Generating commands (``| rest``) and subsearches
(``append [...]``) are searches of their own, dispatched the same way.

Failures, as far as this emulates them (not checked against a live Splunk): a command that
stops with an error or cannot start on a search peer leaves that peer without results and puts
an ERROR naming it among the messages; the rest of the search goes on. On the search head an
error stops the whole search (a :class:`SplError`).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from .app import App
from .commands import CommandFailed, Context, Event, Rest
from .syntax import SplError
from .values import zone

SERVER_INFO = "/services/server/info"


@dataclass
class Server:
    """One Splunk instance: its ``serverName``, its copy of the app, what its indexes hold."""

    name: str
    app: App
    events: list[Event] = field(default_factory=list)
    """Indexed events (with ``index`` and ``_time``); searches see them with ``splunk_server``."""
    version: str = "9.4.0"
    """What ``/services/server/info`` reports as ``version``."""

    def context(self, searcher_tz: str, now: float, on_peer: bool) -> Context:
        return Context(zone(searcher_tz), self.app.root / "lookups", self.app.commands, str(self.app.root), now,
                       server=self.name, on_peer=on_peer)

    def server_info(self) -> Event:
        """The row ``| rest /services/server/info`` returns for this server."""
        return {"splunk_server": self.name, "serverName": self.name, "version": self.version,
                "title": "server-info"}


@dataclass
class Outcome:
    """What a search gives: its results and its messages (``(level, text)``)."""

    results: list[Event]
    messages: list[tuple[str, str]]


class Deployment:
    """A search head and its search peers; searches run as one user at one instant (``now``)."""

    def __init__(self, search_head: Server, peers: list[Server], *, now: float, searcher_tz: str = "UTC"):
        names = [search_head.name] + [peer.name for peer in peers]
        if len(set(names)) != len(names):
            raise ValueError(f"server names must be unique: {names}")
        self.search_head, self.peers = search_head, list(peers)
        self.now, self.searcher_tz = now, searcher_tz

    def search(self, spl: str) -> Outcome:
        """Run a search from the search head (its macros and commands decide what the SPL is)."""
        messages: list[tuple[str, str]] = []
        commands = self.search_head.app.evaluator(self.searcher_tz, self.now).parse(spl)
        return Outcome(self._dispatch(commands, messages), messages)

    def _dispatch(self, commands: list, messages: list[tuple[str, str]]) -> list[Event]:
        if isinstance(commands[0], Rest):
            return self._on_search_head(commands, [], messages)
        split = next((index for index, command in enumerate(commands) if not command.distributable), len(commands))
        results: list[Event] = []
        for server in [self.search_head, *self.peers]:
            if not server.events:
                continue  # nothing to search there
            events = [dict(event, splunk_server=server.name) for event in server.events]
            context = server.context(self.searcher_tz, self.now, on_peer=server is not self.search_head)
            try:
                for command in commands[:split]:
                    events = command.run(events, context)
            except CommandFailed as error:
                if server is self.search_head:
                    raise
                messages.append(("ERROR", f"[{server.name}] {error}"))
                continue
            finally:
                messages += context.messages
            results += events
        return self._on_search_head(commands[split:], results, messages)

    def _on_search_head(self, commands: list, events: list[Event], messages: list[tuple[str, str]]) -> list[Event]:
        context = self.search_head.context(self.searcher_tz, self.now, on_peer=False)
        context.subsearch = lambda inner: self._dispatch(inner, messages)
        context.rest = self._rest
        try:
            for command in commands:
                events = command.run(events, context)
        finally:
            messages += context.messages
        return events

    def _rest(self, endpoint: str, server: str) -> list[Event]:
        if endpoint.rstrip("/") != SERVER_INFO:
            raise SplError(f"rest: endpoint {endpoint!r} is not emulated (only {SERVER_INFO})")
        everyone = [self.search_head, *self.peers]
        if server == "local":
            chosen = [self.search_head]
        else:  # unverified offline: whether splunk_server=* includes the search head itself
            chosen = [each for each in everyone if fnmatch.fnmatchcase(each.name, server)]
        return [each.server_info() for each in chosen]
