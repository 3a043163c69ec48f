"""Splunk ``.conf`` files: read them, and layer ``local/`` over ``default/`` key by key.

Splunk's rules, as far as this app needs them: ``#`` starts a comment line, ``[name]``
opens a stanza (repeated stanzas merge), ``key = value`` with blanks trimmed, a trailing
backslash continues the value on the next line, a repeated key's last value wins, and
keys before any stanza belong to ``[default]``.

>>> read_conf_text("[settings]\\ndefault_profile = utc\\n", "default/x.conf")["settings"]
{'default_profile': Setting(value='utc', source='default/x.conf', line=2)}
"""
import os
from collections import namedtuple

#: A value with where it came from, so errors can name the file and line.
Setting = namedtuple("Setting", "value source line")
DEFAULT_STANZA = "default"
LAYERS = ("default", "local")  # Splunk's order: local/ wins


def read_conf_text(text, source):
    """``{stanza: {key: Setting}}`` from the text of one conf file named ``source``."""
    stanzas = {}
    current = stanzas.setdefault(DEFAULT_STANZA, {})
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number = index + 1
        line = lines[index]
        while line.endswith("\\") and index + 1 < len(lines):
            index += 1
            line = line[:-1] + "\n" + lines[index]
        index += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stanzas.setdefault(stripped[1:-1].strip(), {})
            continue
        key, equals, value = stripped.partition("=")
        if not equals:
            raise ValueError(f"{source}, line {number}: expected 'key = value' or '[stanza]'")
        current[key.strip()] = Setting(value.strip(), source, number)
    if not stanzas[DEFAULT_STANZA]:
        del stanzas[DEFAULT_STANZA]
    return stanzas


def read_layered_conf(app_dir, name):
    """``default/<name>.conf`` with ``local/<name>.conf`` laid over it, key by key.

    Missing files count as empty. Sources are named relative to the app directory
    (``local/ecrofhours.conf``), never as absolute paths.
    """
    return merge_layers(read_conf_layers(app_dir, name))


def merge_layers(layers):
    """One ``{stanza: {key: Setting}}`` from ``read_conf_layers``' layers, later keys winning."""
    merged = {}
    for stanzas in layers.values():
        for stanza, settings in stanzas.items():
            merged.setdefault(stanza, {}).update(settings)
    return merged


def read_conf_layers(app_dir, name):
    """``{"default": stanzas, "local": stanzas}`` of the app's ``<name>.conf`` files, unmerged.

    A missing file is an empty layer.
    """
    layers = {}
    for layer in LAYERS:
        source = f"{layer}/{name}.conf"
        path = os.path.join(app_dir, layer, f"{name}.conf")
        try:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
        except FileNotFoundError:
            layers[layer] = {}
            continue
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"{source}: cannot read: {error.__class__.__name__}") from None
        text = text[1:] if text.startswith("\ufeff") else text  # a BOM, as utf-8-sig reads it
        layers[layer] = read_conf_text(text, source)
    return layers
