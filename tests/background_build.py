"""The book's builds for one test run, in the background: `python tests/background_build.py RUN [--pdf]`.

The test session starts this as soon as it has collected a test that needs the built book (conftest.py), so the
builds run while the tests that need no book run. It writes, into the folder RUN:

- ``book.json``: the exit status of `jupyter-book build . --all -W -n --keep-going` (exactly `make book`'s build,
  every page re-read so that warnings are reported even over a previous build); its log is
  ``_build/test-build.log``, which test_book reads;
- with ``--pdf``, once the book built: ``pdf.json``, the exit status of `tools/pdf.py --out RUN/dlmath.pdf` (the
  single-page build reuses the execution cache the first build filled, so no chapter executes twice).

Each result file appears whole (written beside, then renamed): a test waits for its file, a definite signal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def record(run: Path, name: str, proc: subprocess.CompletedProcess, log: Path) -> None:
    log.write_text(proc.stdout + proc.stderr)
    partial = run / f".{name}.json"
    partial.write_text(json.dumps({"returncode": proc.returncode, "log": str(log)}))
    partial.rename(run / f"{name}.json")


def main(argv: list[str]) -> int:
    run, pdf = Path(argv[0]), "--pdf" in argv[1:]
    (ROOT / "_build").mkdir(exist_ok=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    book = subprocess.run([str(jb), "build", str(ROOT), "--all", "-W", "-n", "--keep-going"],
                          cwd=ROOT, capture_output=True, text=True)
    record(run, "book", book, ROOT / "_build" / "test-build.log")
    if pdf and book.returncode == 0:
        printed = subprocess.run([sys.executable, str(ROOT / "tools" / "pdf.py"), "--out", str(run / "dlmath.pdf")],
                                 cwd=ROOT, capture_output=True, text=True)
        record(run, "pdf", printed, run / "pdf.log")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
