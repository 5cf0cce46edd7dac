"""Shared fixtures: the repository's chapters, and the book built once per test session."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from dlmath import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from pdf import LoopbackServer  # noqa: E402  (tools/pdf.py serves the book to Chromium the same way)
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
    """The chapter notebooks in reading order, from the chapter table (a test ties it to _toc.yml)."""
    return [ROOT / ch.notebook for ch in CHAPTERS]


@pytest.fixture(autouse=True)
def book_variant():
    """Every test starts, and leaves, with the book's own exercise inputs (a test may switch to a student's)."""
    from dlmath.exercise import use_variant

    use_variant()
    yield
    use_variant()


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


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site as a static host such as GitHub Pages does: text compressed with gzip
    when the browser accepts it (HTML, scripts, styles, JSON, SVG), images and fonts as they are."""

    protocol_version = "HTTP/1.1"  # keep-alive: a page's fifty requests share a few connections
    COMPRESSED = {".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".xml"}

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if (path.suffix not in self.COMPRESSED or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = _gzipped(path, path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Body(body)


@functools.lru_cache(maxsize=512)
def _gzipped(path: Path, mtime_ns: int) -> bytes:
    """The file compressed once (keyed on its modification time), not again on every request."""
    return gzip.compress(path.read_bytes(), compresslevel=6)


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, *args) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """The folder served on 127.0.0.1 (a free port) by :class:`SiteHandler`; yields the base URL."""
    httpd = LoopbackServer(("127.0.0.1", 0), functools.partial(SiteHandler, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
