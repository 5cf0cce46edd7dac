"""Shared fixtures: the repository's chapters, and the book built once per test session."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml

from dlmath import CHAPTERS
from dlmath.chapters import chapter

# One thread per process for OpenMP and BLAS (as the grading sandbox sets): the tests run several processes at
# once on every core (xdist's workers, the build in the background, kernels), and threads that spin-wait for
# each other across oversubscribed cores made one chapter's run 20 times slower. Inherited by every kernel.
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

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


# The builds run in the background (tests/background_build.py), started as soon as the session has collected a
# test that needs them; the tests that need the book run last, so the build overlaps everything else. One run
# folder per test run, shared by pytest-xdist's workers (they get the controller's run id); the first worker
# (or the only process) starts the builds, every test that needs one waits for its result file.
RUNS = BUILD / "test-runs"
_RUN_ID = uuid.uuid4().hex


def run_folder() -> Path:
    return RUNS / os.environ.get("PYTEST_XDIST_TESTRUNUID", _RUN_ID)


def pytest_addoption(parser):
    parser.addoption("--chapter", action="append", default=[], metavar="NN",
                     help="also execute this chapter in a fresh kernel (a number, a name, or all): `make check CHAPTER=05`")


def pytest_generate_tests(metafunc):
    if "chapter_to_run" in metafunc.fixturenames:
        wanted = metafunc.config.getoption("chapter")
        if "all" in wanted:
            chosen = list(CHAPTERS)
        else:
            try:
                chosen = [chapter(key) for key in wanted]
            except (KeyError, ValueError) as exc:
                raise pytest.UsageError(f"--chapter: {exc}") from None
        metafunc.parametrize("chapter_to_run", chosen, ids=[ch.stem for ch in chosen])


def pytest_configure(config):
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        # pytest-xdist's controller: hand the workers this run's id, so that they share one run folder
        config.option.testrunuid = config.option.testrunuid or _RUN_ID
        os.environ["PYTEST_XDIST_TESTRUNUID"] = config.option.testrunuid


def _needs(item, fixture: str) -> bool:
    return fixture in getattr(item, "fixturenames", ())


def _needs_book(item) -> bool:
    """A test of the built book: it uses `built_site`, or is marked `book` because it asks for it as it runs."""
    return _needs(item, "built_site") or item.get_closest_marker("book") is not None


@pytest.hookimpl(tryfirst=True)  # before -m deselects: a test that needs the book is marked `book`
def pytest_collection_modifyitems(session, config, items):
    # without --chapter, the chapter run is not a test (deselected, not skipped)
    runs = [item for item in items if _needs(item, "chapter_to_run")]
    if runs and not config.getoption("chapter"):
        config.hook.pytest_deselected(items=runs)
        items[:] = [item for item in items if not _needs(item, "chapter_to_run")]
    for item in items:
        if _needs(item, "built_site"):
            item.add_marker(pytest.mark.book)
    items.sort(key=_rank)  # stable: within a rank, the order of the files


def _rank(item) -> int:
    """The order the tests run in (pytest-xdist keeps it with --no-loadscope-reorder): a chapter run asked for, then
    the slow tests (the longest first keeps both workers busy to the end), the rest, and the tests of the built book
    last, so that the background build overlaps everything before them; the PDF's, which waits longest, at the end."""
    if _needs(item, "chapter_to_run"):
        return 0
    if item.get_closest_marker("pdf"):
        return 4
    if _needs_book(item):
        return 3
    return 1 if item.get_closest_marker("slow") else 2


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's worker reports its collection and tests can start
def pytest_collection_finish(session):
    """Once the selection is final: start the builds if a selected test needs them (the first worker does)."""
    if getattr(session.config.option, "loadgroup", False):
        ungrouped = [item.nodeid for item in session.items
                     if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
        if ungrouped:  # xdist could not mark the group: its tests would each set up the group's fixture again
            raise pytest.UsageError(f"pytest-xdist's --dist loadgroup did not take ({ungrouped[0]} has no @group): "
                                    "use the pytest and pytest-xdist versions pyproject.toml names")
    book = [item for item in session.items if _needs_book(item)]
    if book and os.environ.get("PYTEST_XDIST_WORKER", "gw0") == "gw0" and not session.config.option.collectonly:
        _start_builds(pdf=any(_needs(item, "printed") for item in book))


def _start_builds(pdf: bool) -> None:
    run = run_folder()
    if run.exists():
        return
    if RUNS.exists():  # the folders of earlier runs
        shutil.rmtree(RUNS, ignore_errors=True)
    run.mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "background_build.py"), str(run)]
                            + (["--pdf"] if pdf else []), cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=(run / "background.log").open("w"))
    (run / ".pid").write_text(str(proc.pid))
    (run / ".pid").rename(run / "pid")


def pytest_sessionfinish(session, exitstatus):
    """The process that ends last (xdist's controller, or the only one) stops builds nobody waits for any more
    (an interrupted run, a failure with -x)."""
    if hasattr(session.config, "workerinput"):
        return
    pid_file = run_folder() / "pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)


def build_result(name: str, timeout: float = 3600) -> dict:
    """Wait for the background build ``name`` ("book" or "pdf") of this run; its exit status and log."""
    run = run_folder()
    if not run.exists():  # a fixture requested dynamically, which collection did not see
        _start_builds(pdf=True)
    result, deadline = run / f"{name}.json", time.monotonic() + timeout
    while not result.exists():
        pid = int((run / "pid").read_text()) if (run / "pid").exists() else None
        if pid is not None and not _alive(pid) and not result.exists():
            log = (run / "background.log").read_text()[-4000:]
            pytest.fail(f"the background build stopped before writing {result.name}:\n{log}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {result.name} after {timeout:.0f} s")
        time.sleep(1)
    return json.loads(result.read_text())


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reaps it when this process started it
        return waited == 0
    except ChildProcessError:  # another worker's child
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"  # not a zombie


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The book built once per test run, exactly as `make book` builds it (warnings as errors), with ``--all`` so
    that warnings are reported even over a previous build. Chapter execution comes from the shared jupyter-cache,
    so no chapter runs twice. The log is kept in _build/test-build.log for the tests that read it."""
    result = build_result("book")
    if result["returncode"] != 0:
        log = Path(result["log"]).read_text()
        pytest.fail(f"the book did not build (exit {result['returncode']}):\n{log[-4000:]}")
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
