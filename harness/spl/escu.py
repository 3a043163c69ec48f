"""Splunk's own detections (ESCU), read from the shared reference folder: the negative control.

``upstream-detections/`` holds the detections' YAML (several versions), their macros as YAML
(the current definitions) and a rendered ``macros.conf``. Nothing is copied into the app: the
demo and the tests read these files when the folder is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from offhours.conffile import read_conf_text

from .macros import MacroLibrary
from .pipeline import Evaluator

FOLDER = "upstream-detections"


@dataclass(frozen=True)
class UpstreamDetection:
    name: str
    version: int
    search: str


def upstream_detections(reference: Path) -> dict[str, UpstreamDetection]:
    """The current (highest) version of each detection, by name."""
    import yaml  # PyYAML: only the demo and the tests read the upstream YAML

    latest: dict[str, UpstreamDetection] = {}
    for path in sorted((reference / FOLDER).glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "search" not in document:
            continue  # a macro
        detection = UpstreamDetection(document["name"], int(document["version"]), document["search"])
        if detection.name not in latest or latest[detection.name].version < detection.version:
            latest[detection.name] = detection
    return latest


def escu_macros(reference: Path) -> MacroLibrary:
    """ESCU's macros: the rendered ``macros.conf``, with the current definitions of the YAML macros."""
    import yaml

    folder = reference / FOLDER
    conf = read_conf_text((folder / "escu_rendered_macros.conf").read_text(encoding="utf-8"),
                          "escu_rendered_macros.conf")
    stanzas = {stanza: {key: setting.value for key, setting in settings.items()}
               for stanza, settings in conf.items()}
    for path in sorted(folder.glob("macro_*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        arguments = document.get("arguments") or []
        stanza = f"{document['name']}({len(arguments)})" if arguments else document["name"]
        stanzas[stanza] = {"definition": document["definition"], "description": document["description"]}
        if arguments:
            stanzas[stanza]["args"] = ", ".join(arguments)
    return MacroLibrary(stanzas)


def escu_evaluator(reference: Path, searcher_tz: str) -> Evaluator:
    """An evaluator for the upstream searches, run as a user in ``searcher_tz``."""
    return Evaluator(escu_macros(reference), searcher_tz=searcher_tz)
