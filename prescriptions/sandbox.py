"""Short-lived child processes for the code that reads hostile files.

Uploaded PDFs are parsed, unpacked and drawn by libraries that were not
written to withstand a file built to exhaust them: a small PDF can unpack to
gigabytes, and some of pypdf's decoders run in pure Python at a few seconds per
megabyte. So that work runs in a child process held to a memory, CPU and time
limit. A hostile file costs one short-lived process, never a web worker; the
child gets nothing of the app's environment (secret key, database and storage
credentials), and cannot write a core file that would hold the prescription.

A child runs ``python -I sandbox.py TASK MEMORY CPU``: it sets its limits,
then imports the task's module and hands its ``child`` function the file from
stdin; what that returns goes to stdout. This module imports nothing of
Django, and the checks run with nothing of it either.
"""

from __future__ import annotations

import importlib
import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
# Task name -> the module whose ``child(data: bytes) -> bytes`` does it.
TASKS = {"check-pdf": "prescriptions.pdfcheck", "render-pdf": "prescriptions.previews"}


@dataclass(frozen=True)
class Limits:
    memory_bytes: int
    cpu_seconds: int
    wall_seconds: float


class ChildFailed(Exception):
    """The child crashed, refused the file, or went over its limits."""


def run(task: str, data: bytes, limits: Limits) -> bytes:
    """What ``task`` answered for ``data``, done in a child process under ``limits``."""
    command = [sys.executable, "-I", __file__, task, str(limits.memory_bytes), str(limits.cpu_seconds)]
    try:
        done = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=limits.wall_seconds,
            env={key: os.environ[key] for key in ("LD_LIBRARY_PATH",) if key in os.environ},
            cwd="/",
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ChildFailed(f"took more than {limits.wall_seconds:g} s") from None
    if done.returncode < 0:
        raise ChildFailed(f"killed by {signal.Signals(-done.returncode).name}")
    if done.returncode > 0:
        raise ChildFailed(f"exited with {done.returncode}")
    return done.stdout


def _limit_this_process(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # nothing to write but the answer, to a pipe
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _child(task: str, memory_bytes: int, cpu_seconds: int) -> None:
    # Limits first: importing the task's libraries counts against them too.
    _limit_this_process(memory_bytes, cpu_seconds)
    # -I leaves the project off sys.path, whether or not it is installed.
    sys.path.insert(0, PROJECT_ROOT)
    module = importlib.import_module(TASKS[task])
    sys.stdout.buffer.write(module.child(sys.stdin.buffer.read()))


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
