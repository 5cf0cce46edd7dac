"""`make check CHAPTER=05`: the chapter an author is working on, executed from top to bottom in a fresh kernel
(not from the build's cache, which a change in src/dlmath does not invalidate), every cell without error and
every exercise's solution answered Correct by its check.

Collected only with ``--chapter`` (``pytest --chapter 05``; a number, a name or ``all``): `make test` executes every
chapter once, in the build, and test_book checks the same things on the build's cache.
"""

from __future__ import annotations

import nbformat
import pytest

from conftest import ROOT
from test_book import solution_problems


def test_chapter_runs_top_to_bottom_and_every_solution_is_correct(chapter_to_run):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = ROOT / chapter_to_run.notebook
    nb = nbformat.read(path, as_version=4)
    source = nbformat.read(path, as_version=4)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} stops with an error:\n{exc}", pytrace=False)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "cells did not run in order, each once"
    assert solution_problems(source, code) == []
