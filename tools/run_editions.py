"""Run the notebook edition of each chapter (notebooks/) as a learner's "Run all" does, and say what went wrong.

    python tools/run_editions.py [NOTEBOOK ...]     default: every notebooks/*.ipynb

Each notebook runs top to bottom in a fresh kernel from its own folder. A notebook passes when no cell raises, every
solution (the code under a heading "Solution to Exercise N.K") is answered Correct by its check, and every explorer
shows both its live widget and its page edition, whatever ipywidgets is installed (Colab pins 7.7.1). The weekly
workflow runs it as Colab would (Python 3.13, ipywidgets 7.7.1); tests/test_editions.py runs it in `make test`.
Exits 1 if a notebook fails.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _text(cell) -> str:
    return "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in cell.get("outputs", []))


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What is wrong with an executed notebook edition (empty: nothing)."""
    found, solution = [], None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.match(r"#{1,4} ", cell.source):
            heading = cell.source.splitlines()[0]
            solution = heading[len("#### "):] if heading.startswith("#### Solution to") else None
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "error":
                found.append(f"a cell raises {output.ename}: {output.evalue}\n{cell.source[:200]}")
            data = output.get("data", {})
            if 'class="dlmath-explorer"' in str(data.get("text/html", "")) and WIDGET_VIEW not in data:
                found.append(f"an explorer shows no live widget:\n{cell.source[:200]}")
        if solution and ("Correct (" not in _text(cell) or "Not yet (" in _text(cell)):
            found.append(f"{solution}: the check says {_text(cell)[-300:]!r}")
    return found


def run(path: Path, timeout: float = 600) -> tuple[nbformat.NotebookNode, float]:
    """The notebook at ``path`` executed in a fresh kernel, and the seconds it took."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb, time.perf_counter() - start


def main(argv: list[str]) -> int:
    import ipywidgets

    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    print(f"Python {sys.version.split()[0]}, ipywidgets {ipywidgets.__version__}")
    status = 0
    for path in paths:
        nb, seconds = run(path)
        found = problems(nb)
        explorers = sum(WIDGET_VIEW in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        print(f"{path.name:30s} {seconds:6.1f} s  {explorers:2d} live explorers  "
              + ("ok" if not found else "FAILED:\n  " + "\n  ".join(found)), flush=True)
        status |= bool(found)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
