"""Grading a class safely: hostile submissions score what their honest answers deserve, see nothing outside
themselves, change nothing outside themselves, and cannot hold the grader past its limits."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from dlmath import sandbox
from test_coursework import C, screening_chapter

pytestmark = pytest.mark.skipif(sandbox.bwrap_available() is None, reason="needs bubblewrap (make test installs it)")


def _gone(pattern: str, within: float = 10.0) -> bool:
    """Whether no process whose command line holds `pattern` is left, waiting up to `within` s for the kernel to
    finish killing a torn-down sandbox (its processes die with it; reaping them is not instant)."""
    deadline = time.monotonic() + within
    while subprocess.run(["pgrep", "-f", pattern], capture_output=True).returncode == 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _run(cells, args="found", limit=5.0, total=60.0):
    nb = nbformat.v4.new_notebook(cells=[C(c) for c in cells])
    run = sandbox.run_notebook(nb, [{"name": "q", "args": args, "cases": None}], cell_limit=limit, total_limit=total)
    record = run.answers.get("q", {})
    values = [sandbox.decode(v) for v in record.get("values", [])]
    return run, (values[0] if values else record.get("error"))


def test_the_sandbox_sees_no_file_of_the_host_but_the_environment(tmp_path):
    secret = tmp_path / "autograder" / "tests" / "hidden.py"
    secret.parent.mkdir(parents=True)
    secret.write_text("secret")
    home = os.path.expanduser("~")
    repo = Path(__file__).resolve().parents[1]
    probe = (f"import os\nfound = [p for p in [{str(secret)!r}, {str(tmp_path)!r}, {home + '/.bash_history'!r}, "
             f"{str(repo / 'book')!r}, {str(repo / '.git')!r}, '/root/.ssh', '/etc/passwd', '/etc/shadow'] "
             "if os.path.exists(p)]")
    run, found = _run([probe])
    assert found == [] and not run.timed_out
    _, pids = _run(["import os\nfound = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())"])
    assert max(pids) < 50, "the sandbox has its own PID namespace: the grader's processes are not in it"


def test_the_sandbox_has_no_network():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        _, found = _run([f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                         "    found = 'connected'\nexcept OSError as exc:\n    found = type(exc).__name__"])
    finally:
        server.close()
    assert found != "connected"


def test_a_cell_that_never_ends_is_stopped_and_the_rest_runs():
    start = time.monotonic()
    run, found = _run(["x = 1", "sum(range(10 ** 14))", "found = x + 1"], limit=3.0)
    assert found == 2 and run.stopped == ["cell 2"] and not run.timed_out
    assert time.monotonic() - start < 30


def test_a_forked_or_detached_child_dies_with_the_sandbox():
    marker = f"dlmath-sandbox-test-{os.getpid()}"
    start = time.monotonic()
    run, found = _run([f"import os, subprocess\nsubprocess.Popen(['sleep', '1000', '{marker}'], start_new_session=True)\n"
                       "if os.fork() == 0:\n    import time\n    time.sleep(1000)\nfound = 'parent'"], limit=5.0)
    assert found == "parent" and time.monotonic() - start < 30
    assert _gone(marker), "a child outlived the sandbox"


def test_memory_is_limited():
    _, found = _run(["try:\n    block = bytearray(8 * 1024 ** 3)\n    found = 'allocated'\nexcept MemoryError:\n"
                     "    found = 'MemoryError'"])
    assert found == "MemoryError"


def test_a_whole_run_past_its_limit_is_killed():
    start = time.monotonic()
    run, _ = _run([f"import time\ntime.sleep({i})" for i in (2, 2, 2, 2, 2, 2)], limit=10.0, total=6.0)
    assert run.timed_out and time.monotonic() - start < 20


def _grade(autograder, submissions, *options):
    proc = subprocess.run([sys.executable, "-m", "dlmath.cli", "grade", str(autograder), *map(str, submissions),
                           *options], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return {row["submission"].removesuffix(".ipynb"): row for row in csv.DictReader(io.StringIO(proc.stdout))}


@pytest.mark.slow
def test_hostile_submissions_score_only_what_their_honest_answers_deserve(tmp_path):
    """The review's attacks, each in a submission beside an honest one graded in the same run: patching otter's
    doctest runner or dlmath's judge, reading the autograder, overwriting a classmate's file and the grade file
    from a detached process. Each scores what its answer deserves; the classmate keeps full marks."""
    nbformat.write(screening_chapter(), tmp_path / "screening.ipynb")
    proc = subprocess.run([sys.executable, "-m", "dlmath.cli", "assign", str(tmp_path / "screening.ipynb"),
                           str(tmp_path / "a")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    solved = nbformat.read(tmp_path / "a" / "autograder" / "screening.ipynb", as_version=4)
    student = nbformat.read(tmp_path / "a" / "student" / "screening.ipynb", as_version=4)
    subs = tmp_path / "subs"
    subs.mkdir()
    victim = subs / "victim.ipynb"
    nbformat.write(solved, victim)
    victim_bytes = victim.read_bytes()
    grades_csv = tmp_path / "grades.csv"
    grades_csv.write_text("the teacher's file\n")
    attacks = {
        "otter_patch": "import otter.test_files.ok_test as _ok\n_ok.run_doctest = lambda *a, **k: (True, '')",
        "judge_patch": ("import dlmath.exercise as _e\n_e.Exercise.test = lambda *a, **k: None\n"
                        "_e.Exercise.judge = lambda *a, **k: True\n_e.Exercise.check = lambda *a, **k: True\n"
                        "posterior = 0.5"),
        "reader": (f"import glob\nposterior = float(len(glob.glob({str(tmp_path / 'a' / 'autograder' / '*')!r})))"),
        "vandal": (f"import subprocess\nfor path in ({str(victim)!r}, {str(grades_csv)!r}):\n    try:\n"
                   "        open(path, 'w').write('{}')\n    except OSError:\n        pass\n"
                   f"subprocess.Popen(['sh', '-c', 'sleep 2; echo vandal,9,9 >> {grades_csv}'], start_new_session=True)"),
    }
    for name, code in attacks.items():
        nb = student.copy()
        nb.cells = student.cells + [C(code)]
        nbformat.write(nb, subs / f"{name}.ipynb")
    order = ["victim", *attacks]
    grades = _grade(tmp_path / "a" / "autograder", [subs / f"{n}.ipynb" for n in order], "--jobs", "2",
                    "--cell-timeout", "20")
    assert list(grades) == order
    assert grades["victim"]["total"] == "2" and grades["victim"]["note"] == ""
    for name in attacks:
        assert grades[name]["total"] == "0", (name, grades[name]["note"])
    assert _gone("echo vandal,9,9"), "the vandal's detached process outlived its sandbox"
    assert victim.read_bytes() == victim_bytes, "a submission changed a classmate's file"
    assert grades_csv.read_text() == "the teacher's file\n", "a submission reached the grade file"
