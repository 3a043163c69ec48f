"""Profiles kept in a lookup: ``lookups/ecrofhours_profiles.csv``, maintained from Splunk Web.

One row per profile, the columns of a ``[profile:<name>]`` stanza plus ``default``::

    profile,timezone,locale,hours,holidays,closures,default
    ops,America/Chicago,en_US,workdays 07:00-19:00,,2025-12-24 12:00,true

An empty cell leaves the key unset, as a key missing from a stanza does. ``default``
(``true``/``false``, empty = false) marks the default profile. Columns whose name starts
with ``_`` (fields Splunk adds, such as ``_time``) are ignored. The reader accepts what
Splunk Web and spreadsheets write (a byte-order mark, CRLF or CR line ends) and names a
wrong delimiter. Problems are kept per profile, so a broken row stops only the searches
that use its profile; a file it cannot read at all is reported once, as a warning.

>>> lookup = parse_profile_lookup("\\ufeffprofile,timezone\\r\\nops,Asia/Tokyo\\r\\n")
>>> lookup.stanzas["profile:ops"]["timezone"]
Setting(value='Asia/Tokyo', source='lookups/ecrofhours_profiles.csv line 2', line=2)
"""
import csv
import io
import os
import re

from .conffile import Setting
from .quoting import quote

PROFILE_LOOKUP = "ecrofhours_profiles.csv"
SOURCE = f"lookups/{PROFILE_LOOKUP}"
NAME_COLUMN = "profile"
DEFAULT_COLUMN = "default"
KEY_COLUMNS = ("timezone", "locale", "hours", "holidays", "closures")
COLUMNS = (NAME_COLUMN,) + KEY_COLUMNS + (DEFAULT_COLUMN,)
_OTHER_DELIMITERS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))
_TRUE = ("1", "t", "true", "y", "yes")
_FALSE = ("", "0", "f", "false", "n", "no")


class ProfileLookup:
    """What the profiles lookup says.

    ``stanzas``: ``{"profile:<name>": {key: Setting}}`` for the usable rows; ``errors``:
    ``{name: message}`` for profiles that must not be used; ``default``: the name marked
    default, or None; ``default_error``: why the default cannot be chosen here, or None;
    ``warnings``: problems that belong to no profile (a row without a name, an unreadable file).
    """

    def __init__(self):
        self.stanzas = {}
        self.errors = {}
        self.default = None
        self.default_error = None
        self.warnings = []
        self.unreadable = None  # why no profile of the file could be read, if so
        self._names = None

    def names(self):
        return sorted(self.name_set())

    def name_set(self):
        """Every profile name the file defines, usable or not (computed once, after parsing)."""
        if self._names is None:
            self._names = frozenset({stanza[len("profile:"):] for stanza in self.stanzas} | set(self.errors))
        return self._names


def read_profile_lookup(lookups_dir):
    """The :class:`ProfileLookup` of ``lookups_dir``; an empty one when there is no file."""
    path = os.path.join(lookups_dir, PROFILE_LOOKUP)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return ProfileLookup()
    except OSError as error:
        return _unreadable(f"{SOURCE}: cannot be read ({error.__class__.__name__}); its profiles are ignored")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return _unreadable(
            f"{SOURCE}: not UTF-8 text (byte {error.start + 1}); its profiles are ignored. "
            "Save it as \"CSV UTF-8\""
        )
    return parse_profile_lookup(text)


def parse_profile_lookup(text):
    """The :class:`ProfileLookup` of the file's text (a leading BOM is dropped)."""
    lookup = ProfileLookup()
    text = text[1:] if text.startswith("\ufeff") else text
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=False))
    if not rows or not any(cell.strip() for cell in rows[0]):
        if any(any(cell.strip() for cell in row) for row in rows):
            return _unreadable(f"{SOURCE} line 1: no header; its profiles are ignored")
        return lookup
    header = [cell.strip().lower() for cell in rows[0]]
    if NAME_COLUMN not in header:
        _no_name_column(lookup, text, rows[0])
        return lookup
    unknown = [name for name in header if name not in COLUMNS and not name.startswith("_")]
    repeated = sorted({name for name in header if header.count(name) > 1 and name in COLUMNS})
    file_problem = None
    if unknown:
        file_problem = (
            f"{SOURCE} line 1: unknown column {quote(unknown[0])} (allowed: {', '.join(COLUMNS)}); "
            "a misspelt column must not silently change policy"
        )
    elif repeated:
        file_problem = f"{SOURCE} line 1: column {quote(repeated[0])} appears twice"
    seen = {}
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, (cell.strip() for cell in row)))
        name = cells.get(NAME_COLUMN, "")
        where = f"{SOURCE} line {number}"
        if not name:
            lookup.warnings.append(f"{where}: no profile name; the row is ignored")
            continue
        if name in seen:
            lookup.errors[name] = (
                f"{SOURCE} lines {seen[name]} and {number} both define profile {quote(name)}: keep one row"
            )
            continue
        seen[name] = number
        if file_problem:
            lookup.errors[name] = file_problem
        elif len(row) > len(header):
            lookup.errors[name] = f"{where}: {len(row)} cells but {len(header)} columns (an unquoted comma?)"
        else:
            lookup.stanzas["profile:" + name] = {
                key: Setting(cells[key], where, number) for key in KEY_COLUMNS if cells.get(key)
            }
        _mark_default(lookup, name, cells.get(DEFAULT_COLUMN, ""), where)
    for name in lookup.errors:
        lookup.stanzas.pop("profile:" + name, None)
    return lookup


def _unreadable(message):
    lookup = ProfileLookup()
    lookup.unreadable = message
    lookup.warnings.append(message)
    return lookup


def _mark_default(lookup, name, flag, where):
    lowered = flag.lower()
    if lowered in _FALSE:
        return
    if lowered not in _TRUE:
        lookup.default_error = f"{where}: default {quote(flag)} for profile {quote(name)}: expected true or false"
    elif lookup.default is not None and lookup.default != name:
        lookup.default_error = (
            f"{SOURCE}: profiles {quote(lookup.default)} and {quote(name)} are both marked default: mark one"
        )
    else:
        lookup.default = name


def _no_name_column(lookup, text, header):
    """A header without ``profile``: name the delimiter if another one was used, and hold the
    error against the profiles the file names, so only their searches stop."""
    first_line = text.splitlines()[0] if text else ""
    for delimiter, called in _OTHER_DELIMITERS:
        cells = [cell.strip().lower() for cell in first_line.split(delimiter)]
        if delimiter in first_line and NAME_COLUMN in cells:
            message = (
                f"{SOURCE} line 1: the columns are separated by {called}, not commas "
                "(as a spreadsheet set to some languages saves CSV): save the file with commas"
            )
            column = cells.index(NAME_COLUMN)
            for row in list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))[1:]:
                name = row[column].strip() if column < len(row) else ""
                if name:
                    lookup.errors[name] = message
            if not lookup.errors:
                lookup.unreadable = message
                lookup.warnings.append(message)
            return
    lookup.unreadable = (
        f"{SOURCE} line 1: no column {NAME_COLUMN!r} (columns: {', '.join(COLUMNS)}); its profiles are ignored"
    )
    lookup.warnings.append(lookup.unreadable)


def private_copies(app_dir, app_name, username, names):
    """Warnings for lookups in ``names`` that exist only in ``username``'s private space.

    Splunk Web keeps a file uploaded as private in ``etc/users/<user>/<app>/lookups/``
    until it is shared to the app, which moves it into the app's ``lookups/``; the
    command reads only the app's. Only the searching user's space is checked, and only
    whether the file exists: nothing there is read.
    """
    if not username or username in (".", "..") or re.search(r"[/\\\0]", username):
        return []
    warnings = []
    users = os.path.join(os.path.dirname(os.path.dirname(app_dir)), "users")
    for name in names:
        if os.path.isfile(os.path.join(app_dir, "lookups", name)):
            continue
        if os.path.isfile(os.path.join(users, username, app_name, "lookups", name)):
            warnings.append(
                f"lookups/{name} is private to {quote(username)} and ignored until shared to the app: "
                "Settings > Lookups > Lookup table files, Permissions, share with \"This app\" or \"All apps\""
            )
    return warnings
