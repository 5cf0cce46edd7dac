"""Run a student's notebook where it can harm nothing, and bring its answers out as data.

``dlmath grade`` runs each submission in a bubblewrap sandbox (Debian's ``bubblewrap``, ``bwrap``): new user, PID,
network, IPC and UTS namespaces; a file system that holds the Python environment read-only, an empty ``/tmp`` and
one folder with the submission's code and the plan of what to bring out; no network; a memory, file-size and CPU
limit; and a wall-clock limit after which the whole PID namespace is killed (bwrap is its init). Nothing of the
autograder, the hidden cases' seed, the other submissions or the grade file is visible inside.

Inside, :mod:`dlmath._sandbox_runner` runs the notebook's code cells one by one and then evaluates, for each
question, the expression its graded test passes (``posterior``, ``ex.value_exp_graphs(Value)``): values are written
as JSON, a function answer as its outputs on the cases the grader chose. The grader, a process student code never
touched, judges those data with the exercise's specification. A cell (or a question's function) that runs past the
per-cell limit is stopped: the sandbox is killed, and the notebook runs again with that cell skipped, so that one
loop costs the questions that need that cell, not the whole notebook.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

__all__ = ["SandboxError", "Run", "bwrap_available", "run_notebook", "encode", "decode"]

MEMORY_BYTES = 3 * 1024 ** 3
FILE_BYTES = 64 * 1024 ** 2
OUTPUT_BYTES = 8 * 1024 ** 2


class SandboxError(RuntimeError):
    """The sandbox cannot run here (no bubblewrap)."""


def bwrap_available() -> str | None:
    return shutil.which("bwrap")


def _binds() -> list[str]:
    """Read-only binds: the system's programs and libraries, this Python and its environment, and the dlmath
    package's own folder when it is installed in place (an editable install); nothing else of the host."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/lib", "/lib64", "/bin", "/sbin"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.exists():
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/fonts"):
        if Path(etc).exists():
            args += ["--ro-bind", etc, etc]
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.prefix).absolute()}
    package = Path(__file__).resolve().parent.parent            # src/ of an editable install, or site-packages
    roots.add(package)
    for root in sorted(roots, key=lambda p: len(p.parts)):
        args += ["--ro-bind", str(root), str(root)]
    return args


def _limits(memory: int, cpu_seconds: int):
    def apply() -> None:  # in the child, before bwrap starts: inherited by everything inside
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.setsid()
    return apply


@dataclass
class Run:
    """What a sandboxed run brought out: the answers by question (as decoded data), the cells and questions
    stopped at the per-cell limit, and whether the whole run ran out of time."""

    answers: dict = field(default_factory=dict)
    stopped: list[str] = field(default_factory=list)
    timed_out: bool = False
    seconds: float = 0.0


def run_notebook(nb: nbformat.NotebookNode, questions: list[dict], cell_limit: float, total_limit: float,
                 memory: int = MEMORY_BYTES) -> Run:
    """Run the code cells of ``nb`` in the sandbox, then bring out each question's answers.

    ``questions``: ``{"name", "args", "cases"}`` where ``args`` is the expression the graded test passes and
    ``cases`` (for a function answer) the argument tuples to call it on, encoded with :func:`encode`."""
    bwrap = bwrap_available()
    if bwrap is None:
        raise SandboxError("dlmath grade runs student code in a bubblewrap sandbox: install it "
                           "(Debian and Ubuntu: apt-get install bubblewrap)")
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    start = time.monotonic()
    result = Run()
    skip_cells: set[int] = set()
    skip_questions: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="dlmath-sandbox-") as tmp:
        work = Path(tmp) / "work"
        while True:
            if work.exists():
                shutil.rmtree(work)
            work.mkdir()
            plan = {"cells": cells, "skip_cells": sorted(skip_cells), "questions": questions,
                    "skip_questions": sorted(skip_questions)}
            (work / "plan.json").write_text(json.dumps(plan))
            remaining = total_limit - (time.monotonic() - start)
            if remaining <= 0:
                result.timed_out = True
                break
            stopped = _one_run(bwrap, work, cell_limit, remaining, memory)
            answers_file = work / "answers.jsonl"
            if answers_file.exists() and answers_file.stat().st_size <= OUTPUT_BYTES:
                for line in answers_file.read_text(errors="replace").splitlines():
                    try:
                        record = json.loads(line)
                        result.answers[record["name"]] = record
                    except (ValueError, KeyError, TypeError):
                        continue
            if stopped is None:
                break
            kind, what = stopped
            if kind == "total":
                result.timed_out = True
                break
            if kind == "cell":
                skip_cells.add(int(what))
                result.stopped.append(f"cell {int(what) + 1}")
            else:
                skip_questions.add(str(what))
                result.stopped.append(f"question {what}")
    result.seconds = time.monotonic() - start
    return result


def _one_run(bwrap: str, work: Path, cell_limit: float, remaining: float, memory: int) -> tuple[str, str] | None:
    """One run of the runner; returns what had to be stopped (("cell", index), ("question", name), ("total", ""))."""
    # The empty /tmp comes first: binds are applied in order, and the environment itself may live under /tmp
    # (a clone in /tmp/...), which a later tmpfs would hide.
    command = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--tmpfs", "/tmp", *_binds(),
               "--proc", "/proc", "--dev", "/dev", "--bind", str(work), "/sandbox",
               "--chdir", "/sandbox", "--clearenv", "--setenv", "HOME", "/sandbox", "--setenv", "PATH", "/usr/bin:/bin",
               "--setenv", "MPLCONFIGDIR", "/tmp", "--setenv", "MPLBACKEND", "Agg", "--setenv", "OMP_NUM_THREADS", "1",
               "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
               "--", sys.executable, "-m", "dlmath._sandbox_runner", "/sandbox/plan.json"]
    progress = work / "progress"
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            preexec_fn=_limits(memory, int(remaining) + 5))
    deadline = time.monotonic() + remaining
    step, step_started = None, time.monotonic()
    try:
        while proc.poll() is None:
            time.sleep(0.1)
            now = time.monotonic()
            current = _last_step(progress)
            if current != step:
                step, step_started = current, now
            if step is not None and step[0] in ("cell", "question") and now - step_started > cell_limit:
                return step
            if now > deadline:
                return ("total", "")
        return None
    finally:
        _kill(proc)


def _last_step(progress: Path) -> tuple[str, str] | None:
    try:
        lines = progress.read_text(errors="replace").splitlines()
    except OSError:
        return None
    if not lines:
        return None
    kind, _, what = lines[-1].partition(" ")
    return (kind, what)


def _kill(proc: subprocess.Popen) -> None:
    """Kill bwrap's whole session; bwrap is the init of the sandbox's PID namespace, so everything inside dies."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


# -- answers as data ------------------------------------------------------------------------------------------------
def encode(value):
    """A JSON-able form of an answer: numbers, strings, None, ``...``, arrays and tensors, tuples, lists, dicts."""
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return {"__float__": repr(float(value))} if isinstance(value, float) and not np.isfinite(value) else value
    if isinstance(value, np.generic):
        return encode(value.item())
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return {"__unsupported__": f"an array of {value.dtype}"}
        return {"__ndarray__": [encode(float(v)) for v in value.ravel()], "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if callable(value):
        return {"__callable__": getattr(value, "__name__", type(value).__name__)}
    return {"__unsupported__": type(value).__name__}


def decode(data):
    """The inverse of :func:`encode`; what cannot be an answer becomes a string naming its type."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__ellipsis__" in data:
        return Ellipsis
    if "__float__" in data:
        return float(data["__float__"])
    if "__ndarray__" in data:
        return np.array([decode(v) for v in data["__ndarray__"]], dtype=float).reshape(data["shape"])
    if "__tuple__" in data:
        return tuple(decode(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {decode(k): decode(v) for k, v in data["__dict__"]}
    if "__callable__" in data:
        return _Opaque(f"a function ({data['__callable__']})")
    return _Opaque(str(data.get("__unsupported__", "something that is not an answer")))


class _Opaque:
    """An answer that could not be brought out of the sandbox as data (a module, an open file, ...)."""

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return self.what
