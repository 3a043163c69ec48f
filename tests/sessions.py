"""What the command tests share about a session with the real command: the sample instant, the
messages a user sees, a clean environment for the bare interpreters."""
import json
import os
import subprocess
import threading

from conftest import INTERPRETERS, REPO
from harness.scpv2 import encode_chunk, getinfo_metadata, make_searchinfo, read_chunk

T = 1629328650  # 2021-08-18T23:17:30Z, a Wednesday
PATH_HINTS = ("Traceback", 'File "', ".py")


def errors(session):
    return [text for level, text in session.messages if level in ("ERROR", "FATAL")]


def clean_env(**extra):
    """The test's environment without PYTHON* variables (the venv's must not leak into the
    bare interpreters), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


def assert_user_safe(text, *paths):
    """A message for the user: no traceback, no Python file, no directory of the installation."""
    for hint in PATH_HINTS:
        assert hint not in text, text
    for path in (REPO, *paths):
        assert str(path) not in text, text


def interpreter_id(command):
    return next(version for version, path in INTERPRETERS.items() if path == command[0])


EVENTS = [{"_time": str(T), "team": "typo", "n": "0"}, {"_time": str(T + 36000), "team": "nope", "n": "1"},
          {"_time": str(T + 50400), "n": "2"}]  # 23:17 Wed, 09:17 Thu, 13:17 Thu (UTC)


def spawned(command, **env):
    """The command as splunkd starts it: no argv, three pipes."""
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=clean_env(**env))


def started(command, args=(), **env):
    """The command after a getinfo exchange, with its pipes."""
    process = spawned(command, **env)
    process.stdin.write(encode_chunk(getinfo_metadata(make_searchinfo(list(args), "ecrofhours"))))
    process.stdin.flush()
    watchdog = threading.Timer(60, process.kill)  # a command that never replies fails, not hangs
    watchdog.start()
    try:
        reply = read_chunk(process.stdout)
    finally:
        watchdog.cancel()
    assert reply is not None and reply[0]["type"] == "streaming", process.stderr.read()[-3000:]
    return process


def canonical(session):
    """The reply rows, bytes for comparison: every column, in the command's order, ``""`` kept,
    without splunkd's ``_chunked_idx`` (a row number within each chunk)."""
    rows = [{k: v for k, v in row.items() if k != "_chunked_idx"} for _, chunk in session.replies for row in chunk]
    return "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode("utf-8")
