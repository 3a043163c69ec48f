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
from .values import Value

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

    def run_saved_search(self, name: str, events: Iterable[Mapping[str, Value]],
                         searcher_tz: str = "UTC", now: float | None = None) -> list[dict]:
        """The results of a saved search over events (``now``: the search's now, for ``now()``)."""
        return self.evaluator(searcher_tz, now).run(self.saved_search(name), events)

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
