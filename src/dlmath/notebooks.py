"""Notebook hygiene: the book's notebooks are committed without outputs.

Used by the ``dlmath strip`` and ``dlmath check-clean`` commands and by the test suite.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

__all__ = ["dirty_cells", "strip_outputs"]


def dirty_cells(path: str | Path) -> list[int]:
    """Indices of the code cells of the notebook at ``path`` that hold outputs or an execution count."""
    nb = nbformat.read(path, as_version=4)
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]


def strip_outputs(path: str | Path) -> bool:
    """Remove every output and execution count from the notebook at ``path``, in place.

    Also drops the widget state that a kernel leaves in the notebook's metadata. Returns whether the
    file changed.
    """
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.get("outputs") or cell.get("execution_count") is not None:
                changed = True
            cell["outputs"] = []
            cell["execution_count"] = None
    if "widgets" in nb.metadata:
        del nb.metadata["widgets"]
        changed = True
    if changed:
        nbformat.write(nb, path)
    return changed
