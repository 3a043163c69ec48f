"""The app as Splunk sees it installed: its confs (``local/`` over ``default/``), lookups, command.

:meth:`App.with_local` makes what an admin makes: a copy of the app (symbolic links to the
repository's folders) with their own ``local/`` files and lookup files added, for instance a
policy macro in ``local/macros.conf`` or team profiles in ``local/ecrofhours.conf``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from offhours.conffile import read_layered_conf

from .macros import MacroLibrary
from .pipeline import Evaluator
from .syntax import SplError
from .timerange import time_range
from .values import Value, as_number, zone

APP_FOLDERS = ("bin", "default", "lib", "local", "lookups")
"""What the command and the evaluator read of an app; the rest of the repository is not the app."""


def splunk_python() -> str:
    """The interpreter Splunk would run the command with: Python 3.9 (harness.interpreters)."""
    from ..interpreters import splunk_python as interpreter

    return interpreter("3.9")


class App:
    """One installed copy of the app."""

    def __init__(self, root: Path, python: str | None = None, lookups_writable: bool = False):
        self.root = Path(root)
        self.lookups_writable = lookups_writable
        """Whether ``outputlookup`` may write here: only copies made by :meth:`with_local` that
        have a ``lookups/`` folder of their own (never the repository)."""
        self.python = python or splunk_python()
        self.macros = MacroLibrary(_values(read_layered_conf(str(self.root), "macros")))
        self.saved_searches = _values(read_layered_conf(str(self.root), "savedsearches"))
        self.commands_conf = _values(read_layered_conf(str(self.root), "commands"))

    @property
    def commands(self) -> dict[str, list[str]]:
        """How splunkd starts each command of this app's ``commands.conf``: ``{name: [python, bin/<file>]}``."""
        return {name: [self.python, str(self.root / "bin" / settings["filename"])]
                for name, settings in self.commands_conf.items() if "filename" in settings}

    def evaluator(self, searcher_tz: str = "UTC", now: float | None = None,
                  window: tuple[float, float] | None = None) -> Evaluator:
        """An evaluator with this app's macros, lookups and commands (``bin/*.py``); ``window``:
        the search's time range (what ``addinfo`` reports)."""
        return Evaluator(self.macros, commands=self.commands, cwd=str(self.root), lookups=self.root / "lookups",
                         searcher_tz=searcher_tz, now=now, lookups_writable=self.lookups_writable, window=window)

    def saved_search(self, name: str) -> str:
        """The ``search`` of a saved search, as written (macros not expanded)."""
        if name not in self.saved_searches:
            raise SplError(f"no saved search [{name}]")
        return self.saved_searches[name]["search"]

    def time_range(self, name: str, now: float, searcher_tz: str = "UTC") -> tuple[float, float]:
        """The time range of a saved search dispatched at ``now``: its own ``dispatch.earliest_time``
        and ``dispatch.latest_time`` resolved there (:mod:`.timerange`), snapping in ``searcher_tz``."""
        settings = self.saved_searches.get(name)
        if settings is None:
            raise SplError(f"no saved search [{name}]")
        missing = [key for key in ("dispatch.earliest_time", "dispatch.latest_time") if not settings.get(key)]
        if missing:
            raise SplError(f"[{name}] has no {' and no '.join(missing)}: Splunk's defaults are not emulated")
        return time_range(settings["dispatch.earliest_time"], settings["dispatch.latest_time"], now, zone(searcher_tz))

    def run_saved_search(self, name: str, events: Iterable[Mapping[str, Value]],
                         searcher_tz: str = "UTC", now: float | None = None,
                         window: tuple[float, float] | None = None) -> list[dict]:
        """The results of a saved search run at ``now`` (the search's now: ``now()``, ``addinfo``).

        Its time range is its own dispatch times resolved at ``now`` (:meth:`time_range`), as the
        scheduler dispatches it, or ``window`` when given (a time range chosen for the run, such as
        one that covers sample events); ``events`` stand for the index, and only those with
        ``_time`` in the range are searched. Without ``now`` and ``window`` the search has no time
        range: every event is searched, and ``addinfo`` (the rules' ecrofhours_reported_uploads)
        is an error."""
        if window is None and now is not None:
            window = self.time_range(name, now, searcher_tz)
        if window is not None:
            if now is None:
                raise SplError(f"[{name}]: a time range needs the search's now")
            events = in_range(events, window)
        return self.evaluator(searcher_tz, now, window).run(self.saved_search(name), events)

    def with_local(self, target: Path, files: Mapping[str, str], without: Iterable[str] = (),
                   python: str | None = None) -> App:
        """A copy of this app at ``target`` with ``files`` added, e.g. ``{"local/macros.conf": ...,
        "lookups/teams.csv": ...}``, and the paths ``without`` left out (``"lib"``, or a file such
        as ``"lookups/ecrofhours_public_holidays.csv"``: what a knowledge bundle may lack); the
        app's own folders and files are linked, never copied, so the repository is never changed.
        ``python``: the interpreter of that copy (another Splunk version's)."""
        target = Path(target)
        target.mkdir(parents=True)
        added: dict[str, dict[str, str | None]] = {}
        omitted = set()
        for path, text in [*files.items(), *((path, None) for path in without)]:
            folder, _, name = path.partition("/")
            if folder not in APP_FOLDERS or "/" in name or (not name and text is not None):
                raise ValueError(f"{path}: expected <folder>/<file> with a folder of {APP_FOLDERS}")
            if not name:
                omitted.add(folder)
            else:
                added.setdefault(folder, {})[name] = text
        for folder in APP_FOLDERS:
            source = self.root / folder
            if folder in omitted:
                continue
            if folder not in added:
                if source.exists():
                    (target / folder).symlink_to(source.resolve(), target_is_directory=True)
                continue
            (target / folder).mkdir()
            for entry in sorted(source.iterdir()) if source.is_dir() else ():
                if entry.name not in added[folder]:
                    (target / folder / entry.name).symlink_to(entry.resolve())
            for name, text in added[folder].items():
                if text is not None:
                    (target / folder / name).write_text(text, encoding="utf-8")
        lookups = target / "lookups"
        return App(target, python or self.python, lookups_writable=lookups.is_dir() and not lookups.is_symlink())


def _values(stanzas: Mapping) -> dict[str, dict[str, str]]:
    return {stanza: {key: setting.value for key, setting in settings.items()}
            for stanza, settings in stanzas.items()}


def in_range(events: Iterable[Mapping[str, Value]], window: tuple[float, float]) -> list:
    """The events a search with time range ``window`` reads: earliest <= ``_time`` < latest."""
    low, high = window
    found = []
    for event in events:
        when = as_number(event.get("_time")) if isinstance(event.get("_time"), str) else None
        if when is None:
            raise SplError(f"an event has no numeric _time for the search's time range: {event.get('_time')!r}")
        if low <= when < high:
            found.append(event)
    return found
