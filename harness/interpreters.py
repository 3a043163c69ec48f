"""The Pythons Splunk runs the app's commands with, found once for tests, the demo and the bench.

Each is a bare interpreter (no venv, only the app's ``lib/``): ``$PY39``, ``$PY313`` and
``$PY37`` when set (the Makefile exports the first two), else pyenv's builds of this machine type.
3.7: indexers of Splunk 9.0-9.2 ignore ``python.required`` and run ``python.version = python3``
as 3.7 (docs/INSTALL.md).
"""
import os
import shutil
import subprocess
import sys

VERSIONS = {"3.9": ("PY39", "3.9.18"), "3.13": ("PY313", "3.13.0"), "3.7": ("PY37", "3.7.16")}


def pyenv_root():
    """``pyenv root``, else ``~/.pyenv``."""
    if shutil.which("pyenv"):
        found = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        if found.stdout.strip():
            return found.stdout.strip()
    return os.path.expanduser("~/.pyenv")


def interpreters():
    """``{"3.9": path, "3.13": path, "3.7": path}``, whether or not each exists."""
    root = None
    found = {}
    for version, (variable, release) in VERSIONS.items():
        path = os.environ.get(variable)
        if not path:
            root = root or pyenv_root()
            path = os.path.join(root, "versions", release, "bin", f"python{version}")
        found[version] = path
    return found


def splunk_python(version="3.9"):
    """The interpreter of ``version`` if it exists, else this one (a machine without pyenv)."""
    path = interpreters()[version]
    return path if os.access(path, os.X_OK) else sys.executable
