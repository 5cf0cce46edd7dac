"""Shared fixtures: the repository's chapters, and the book built once per test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
CACHE = BUILD / ".jupyter_cache"


def toc_files() -> list[str]:
    """The documents of _toc.yml in reading order, as paths relative to the root without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files += [s["file"] for s in chapter.get("sections", [])]
    return files


def chapter_notebooks() -> list[Path]:
    return [ROOT / f"{f}.ipynb" for f in toc_files() if (ROOT / f"{f}.ipynb").exists()]


@pytest.fixture(scope="session")
def built_site() -> Path:
    """Build the book once per session, exactly as `make book` does (warnings as errors).

    ``--all`` re-reads every page so that warnings are reported even when a previous build is
    present; chapter execution comes from the shared jupyter-cache, so no chapter runs twice.
    The log is kept in _build/test-build.log for the tests that read it.
    """
    BUILD.mkdir(exist_ok=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(ROOT), "--all", "-W", "-n", "--keep-going"],
                          cwd=ROOT, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    (BUILD / "test-build.log").write_text(log)
    if proc.returncode != 0:
        pytest.fail(f"the book did not build (exit {proc.returncode}):\n{log[-4000:]}")
    return HTML
