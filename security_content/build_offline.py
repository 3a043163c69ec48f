"""Validate and build this content with contentctl, offline, in a copy of the folder.

Usage (with the Python of the venv that has contentctl, see requirements-contentctl.txt):

    .venv-contentctl/bin/python security_content/build_offline.py [--output build/contentctl]

The content folder holds only content. This script copies it to ``--output`` (emptied first),
adds what ``contentctl init`` would have created beside it, taken from the installed contentctl's
own templates (``deployments/``: the stock "ESCU Default Configuration" schedules and alert
actions per detection type; ``app_template/``: the static files of the app it builds; and the
empty content folders contentctl insists on), then runs ``contentctl validate`` and
``contentctl build`` there. The repository is never written to.

Offline: contentctl.yml turns enrichments off (they clone MITRE ATT&CK and Atomic Red Team) and
configures no test data cache; the commands run in a network namespace of their own
(``unshare -rn``) where the kernel allows it, so a download would fail instead of passing
unnoticed. Where it does not, the proxies point at a closed local port, and the script says so.

Prints the path of the built app folder (``<output>/dist/<appid>``) on its last line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FROM_TEMPLATES = ("deployments", "app_template")
# Folders contentctl reads (an empty one must exist all the same).
CONTENT_FOLDERS = ("baselines", "dashboards", "data_sources", "deployments", "detections", "investigations",
                   "lookups", "macros", "playbooks", "removed", "stories")
LEFT_OUT = ("build_offline.py", "README.md", "__pycache__", "dist")


def stage(output: Path) -> None:
    """Copy the content and contentctl's stock files to ``output``."""
    import contentctl  # the installed, pinned one

    templates = Path(contentctl.__file__).parent / "templates"
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(HERE, output, ignore=shutil.ignore_patterns(*LEFT_OUT))
    for name in FROM_TEMPLATES:
        if (output / name).exists():
            raise SystemExit(f"build_offline: {name}/ comes from contentctl's templates; remove it from {HERE.name}/")
        shutil.copytree(templates / name, output / name)
    for name in CONTENT_FOLDERS:
        (output / name).mkdir(exist_ok=True)


def offline_prefix() -> tuple[list[str], dict[str, str]]:
    """How to run a command without network: a network namespace, else dead proxies."""
    unshare = shutil.which("unshare")
    probe = [unshare, "-rn", "true"] if unshare else None
    if probe and subprocess.run(probe, capture_output=True, check=False).returncode == 0:  # noqa: S603 (fixed argv)
        return [unshare, "-rn"], {}
    print("build_offline: no network namespace here (unshare -rn failed): proxies set to a closed port instead")
    dead = "http://127.0.0.1:9"
    return [], {"HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead, "NO_PROXY": ""}


def run(output: Path) -> Path:
    """Stage, validate and build; return the built app folder."""
    stage(output)
    contentctl = Path(sys.executable).parent / "contentctl"
    prefix, proxies = offline_prefix()
    env = {**os.environ, **proxies, "PYTHONDONTWRITEBYTECODE": "1"}
    for action in ("validate", "build"):
        done = subprocess.run([*prefix, str(contentctl), action], cwd=output, env=env,  # noqa: S603 (fixed argv)
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stdout.write(done.stdout[-20000:])
            sys.stderr.write(done.stderr[-20000:])
            raise SystemExit(f"build_offline: contentctl {action} failed (exit {done.returncode})")
        print(f"build_offline: contentctl {action}: ok")
    built = [path for path in (output / "dist").iterdir() if path.is_dir()]
    if len(built) != 1:
        raise SystemExit(f"build_offline: expected one app folder in {output / 'dist'}, found {built}")
    return built[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=HERE.parent / "build" / "contentctl",
                        help="folder to stage and build in (emptied first)")
    args = parser.parse_args(argv)
    print(run(args.output.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
