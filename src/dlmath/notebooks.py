"""Notebook hygiene: the book's notebooks are committed without outputs, and open with one setup cell.

Used by the ``dlmath strip``, ``dlmath check-clean`` and ``dlmath setup-cells`` commands and by the test suite.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

__all__ = ["dirty_cells", "strip_outputs", "release_tag", "setup_cell", "write_setup_cells"]

SETUP_CELL = '''# Setup: install the book's helper package where it is missing (Colab). Hidden in the book.
import importlib.metadata
import subprocess
import sys

BOOK_DLMATH = "{version}"  # the dlmath release this notebook was written for
SOURCE = "dlmath @ git+{repository}@{tag}"
try:
    installed = importlib.metadata.version("dlmath")
except importlib.metadata.PackageNotFoundError:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", SOURCE], check=True)
    installed = importlib.metadata.version("dlmath")
if installed != BOOK_DLMATH:
    print(f"This notebook was written for dlmath {{BOOK_DLMATH}}, but {{installed}} is installed: run\\n"
          f\'  pip install --upgrade "{{SOURCE}}"\\nand restart the kernel.\')'''


def release_tag(version: str) -> str:
    """The git tag of a dlmath release: ``v0.2.0`` (``.github/workflows/release.yml`` creates it)."""
    return f"v{version}"


def setup_cell(version: str, repository: str) -> str:
    """The first cell of every chapter: where ``dlmath`` is missing (Colab), it installs the release
    ``version`` from ``repository`` (its tag, :func:`release_tag`), never a moving branch; where another version
    is installed, it says how to get this one."""
    return SETUP_CELL.format(version=version, repository=repository.rstrip("/"), tag=release_tag(version))


def write_setup_cells(paths: list[str | Path], version: str, repository: str) -> list[Path]:
    """Make the first cell of each notebook :func:`setup_cell` (a hidden ``remove-cell``); return those changed."""
    source = setup_cell(version, repository)
    changed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        first = nb.cells[0] if nb.cells else None
        if first is None or first.cell_type != "code" or "BOOK_DLMATH" not in first.source:
            first = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]})
            first["id"] = "dlmath-setup"
            nb.cells.insert(0, first)
        elif first.source == source and "remove-cell" in first.metadata.get("tags", []):
            continue
        first.source = source
        first.metadata.setdefault("tags", [])
        if "remove-cell" not in first.metadata["tags"]:
            first.metadata["tags"].append("remove-cell")
        nbformat.write(nb, path)
        changed.append(Path(path))
    return changed


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
