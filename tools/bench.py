"""`make bench`: measure the book and write _build/bench.json, then print a table.

- chapters: each chapter executed top to bottom in a fresh kernel: wall time and the kernel's peak RSS;
- chapters are executed as the book build executes them (``DLMATH_EXPLORER_FRAMES=all``: each explorer
  computes every frame of its static edition);
- explorers: the median time of one update (compute + redraw + PNG encode) over at least 20 parameter sets,
  and the static edition: its frames, their bytes, and the time to compute them;
- pages: the bytes a reader's browser loads for each page (headless Chromium on 127.0.0.1: HTML, scripts,
  styles, fonts, MathJax, images), and the bytes of the explorer frames it loads only when a reader moves
  a control;
- site: a clean build (fresh execution cache) and a rebuild after a one-line prose change.

Budgets (reported, not asserted): chapter <= 60 s and <= 1024 MB, explorer <= 50 ms, cached rebuild
<= 30 s, page <= 3 MB (the browser test asserts the page budget too).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import chapter_notebooks, toc_files  # noqa: E402

BUDGETS = {"exec_s": 60, "peak_rss_mb": 1024, "median_ms": 50, "bytes": 3 * 1024 * 1024,
           "clean_build_s": None, "cached_build_s": 30, "static_frames": None, "static_kb": None,
           "static_s": None, "frames_kb_on_use": None, "raw_bytes": None}

# Runs in a child process, so that RUSAGE_CHILDREN covers exactly one kernel: the chapter's.
_EXECUTE = r"""
import resource, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}})
start = time.perf_counter()
client.execute()
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def bench_chapter(path: Path) -> dict:
    import os

    from dlmath.explorers.static import FRAMES_ENV

    env = {**os.environ, FRAMES_ENV: "all"}
    out = subprocess.run([sys.executable, "-c", _EXECUTE, str(path), str(path.parent)],
                         capture_output=True, text=True, check=True, env=env).stdout.split()
    return {"exec_s": round(float(out[-2]), 2), "peak_rss_mb": round(float(out[-1]), 1)}


def bench_explorers() -> dict:
    import matplotlib

    matplotlib.use("Agg")
    from dlmath.explorers import REGISTRY

    results = {}
    for name, factory in sorted(REGISTRY.items()):
        explorer = factory()
        explorer.png()  # first draw: figure, layout and background
        times = []
        for params in explorer.sweep(21):
            start = time.perf_counter()
            explorer.png(**params)
            times.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        frames = explorer.static_frames()
        results[name] = {"median_ms": round(statistics.median(times), 2), "n": len(times),
                         "static_frames": len(frames),
                         "static_kb": round(sum(len(png) for _, png, _ in frames) / 1024, 1),
                         "static_s": round(time.perf_counter() - start, 2)}
    return results


def _raw_size(request, sizes: dict) -> None:
    """The decoded size of a finished request's body (what it is on disk)."""
    response = request.response()
    try:
        sizes[request.url] = len(response.body()) if response and response.ok else 0
    except Exception:  # a body the browser no longer holds
        pass


def bench_pages(html_dir: Path) -> dict:
    """What headless Chromium loads for each page, served on 127.0.0.1 (the browser tests' setup)."""
    from conftest import serve
    from playwright.sync_api import sync_playwright

    args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    results = {}
    with serve(html_dir) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=args)
        for doc in toc_files():
            page = browser.new_page()
            wire: dict[str, int] = {}
            raw: dict[str, int] = {}
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:")) else r.abort())
            page.on("requestfinished", lambda r, wire=wire: wire.__setitem__(r.url, r.sizes()["responseBodySize"]))
            page.on("requestfinished", lambda r, raw=raw: _raw_size(r, raw))
            page.goto(f"{base}/{doc}.html", wait_until="load")
            page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => true) : true")
            page.evaluate("() => document.fonts.ready.then(() => true)")
            frames = page.evaluate("""() => Array.from(document.querySelectorAll('script.dlmath-explorer-data'))
                                      .flatMap(s => JSON.parse(s.textContent).frames.map(f => f[0]))""")
            folder = (html_dir / doc).parent
            on_use = sum((folder / f).resolve().stat().st_size for f in set(frames) if not f.startswith("data:"))
            results[doc] = {"bytes": sum(wire.values()), "raw_bytes": sum(raw.values()),
                            "frames_kb_on_use": round(on_use / 1024, 1)}
            page.close()
        browser.close()
    return results


def _build(root: Path) -> float:
    jb = Path(sys.executable).with_name("jupyter-book")
    start = time.perf_counter()
    subprocess.run([str(jb), "build", str(root), "-W", "-n", "--keep-going"], cwd=root,
                   capture_output=True, text=True, check=True)
    return round(time.perf_counter() - start, 2)


def bench_site() -> tuple[dict, Path]:
    """A clean build in a scratch copy of the book, then a rebuild after a one-line prose change."""
    scratch = Path(tempfile.mkdtemp(prefix="dlmath-bench-"))
    shutil.copytree(ROOT, scratch / "book-copy",
                    ignore=shutil.ignore_patterns(".venv", "_build", ".git", ".pytest_cache", "__pycache__"))
    copy = scratch / "book-copy"
    clean = _build(copy)
    import nbformat

    path = copy / "book" / "01_linear_algebra.ipynb"
    nb = nbformat.read(path, as_version=4)
    prose = next(c for c in nb.cells if c.cell_type == "markdown")
    prose.source += "\n\nA one-line prose change for the benchmark."
    nbformat.write(nb, path)
    cached = _build(copy)
    return {"clean_build_s": clean, "cached_build_s": cached}, copy / "_build" / "html"


def main() -> int:
    report: dict = {"chapters": {}, "explorers": {}, "pages": {}, "site": {}}
    for path in chapter_notebooks():
        print(f"executing {path.name} in a fresh kernel ...", flush=True)
        report["chapters"][path.stem] = bench_chapter(path)
    print("timing explorer updates ...", flush=True)
    report["explorers"] = bench_explorers()
    print("building the site from scratch, then after a prose change ...", flush=True)
    report["site"], html_dir = bench_site()
    report["pages"] = bench_pages(html_dir)
    shutil.rmtree(html_dir.parents[1].parent, ignore_errors=True)

    out = ROOT / "_build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")

    rows = []
    for section, entries in report.items():
        if section == "site":
            entries = {"site": entries}
        for name, values in entries.items():
            for key, value in values.items():
                if key in BUDGETS:
                    budget = BUDGETS[key]
                    status = "" if budget is None else ("ok" if value <= budget else "OVER")
                    rows.append((section, name, key, value, "-" if budget is None else budget, status))
    width = max(len(r[1]) for r in rows)
    print(f"\n{'section':<10} {'name':<{width}} {'measure':<15} {'value':>12} {'budget':>10}  status")
    for section, name, key, value, budget, status in rows:
        print(f"{section:<10} {name:<{width}} {key:<15} {value:>12} {budget:>10}  {status}")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
