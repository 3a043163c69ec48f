"""Search macros as ``macros.conf`` defines them, and their expansion in a search.

A stanza ``[name]`` defines a macro without arguments, ``[name(N)]`` one with N arguments named
by ``args``; a search calls them as ``` `name` ``` and ``` `name(a, b)` ```, and ``$arg$`` in
the definition is replaced by the argument as written. Expansion repeats until no backtick is
left, as Splunk expands macros inside macros.

>>> library = MacroLibrary({"ctime(1)": {"args": "field", "definition": "convert ctime($field$)"}})
>>> library.expand("stats min(_time) as t | `ctime(t)`")
'stats min(_time) as t | convert ctime(t)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .syntax import SplError

_STANZA = re.compile(r"([A-Za-z0-9_.:-]+)(?:\((\d+)\))?\Z")
_CALL = re.compile(r"`([^`]*)`")
_KEYS = {"args", "definition", "description"}
_MAX_DEPTH = 50


@dataclass(frozen=True)
class Macro:
    name: str
    args: tuple[str, ...]
    definition: str
    description: str


class MacroLibrary:
    """The macros of one or more ``macros.conf`` files, by stanza name (``name`` or ``name(N)``)."""

    def __init__(self, stanzas: Mapping[str, Mapping[str, str]]):
        self.macros: dict[str, Macro] = {}
        for stanza, settings in stanzas.items():
            match = _STANZA.match(stanza)
            if match is None:
                raise SplError(f"macros.conf [{stanza}]: not a macro name")
            unknown = set(settings) - _KEYS
            if unknown:  # iseval, validation, errormsg: not used here, so not emulated
                raise SplError(f"macros.conf [{stanza}]: unsupported keys {sorted(unknown)}")
            args = tuple(arg.strip() for arg in settings.get("args", "").split(",") if arg.strip())
            if len(args) != int(match.group(2) or 0):
                raise SplError(f"macros.conf [{stanza}]: args = {settings.get('args', '')!r} does not match")
            if "definition" not in settings:
                raise SplError(f"macros.conf [{stanza}]: no definition")
            self.macros[stanza] = Macro(match.group(1), args, settings["definition"],
                                        settings.get("description", ""))

    def __contains__(self, stanza: str) -> bool:
        return stanza in self.macros

    def __getitem__(self, stanza: str) -> Macro:
        return self.macros[stanza]

    def expand(self, spl: str) -> str:
        """The search with every macro call replaced by its definition, recursively."""
        for _ in range(_MAX_DEPTH):
            if "`" not in spl:
                return spl
            if spl.count("`") % 2:
                raise SplError(f"unbalanced backtick in: {spl[:200]}")
            spl = _CALL.sub(lambda match: self._expand_call(match.group(1)), spl)
        raise SplError(f"macros nested more than {_MAX_DEPTH} deep (a macro calls itself?)")

    def _expand_call(self, call: str) -> str:
        name, arguments = parse_call(call)
        stanza = f"{name}({len(arguments)})" if arguments else name
        macro = self.macros.get(stanza)
        if macro is None:
            raise SplError(f"no macro [{stanza}] (called as `{call}`)")
        definition = macro.definition
        for arg, value in zip(macro.args, arguments):
            definition = definition.replace(f"${arg}$", value)
        return definition


def parse_call(call: str) -> tuple[str, list[str]]:
    """``name`` and arguments of a macro call (the text between backticks)."""
    match = re.match(r"\s*([A-Za-z0-9_.:-]+)\s*(?:\((.*)\))?\s*\Z", call, re.DOTALL)
    if match is None:
        raise SplError(f"not a macro call: `{call}`")
    name, inside = match.groups()
    if inside is None:
        return name, []
    arguments, current, quote = [], [], False
    for char in inside:
        if char == '"':
            quote = not quote
        if char == "," and not quote:
            arguments.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    arguments.append("".join(current).strip())
    if not all(arguments):
        raise SplError(f"empty argument in `{call}`")
    return name, arguments
