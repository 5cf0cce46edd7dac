"""`make bench`: measure the book and write _build/bench.json, then print a table.

- chapters: each chapter executed top to bottom in a fresh kernel: wall time and the kernel's peak RSS;
- explorers: the median time of one update (compute + redraw + PNG encode) over at least 20 parameter sets;
- pages: the bytes a reader downloads for each page: its HTML plus the images it loads;
- site: a clean build (fresh execution cache) and a rebuild after a one-line prose change.

Budgets (reported, not asserted): chapter <= 60 s and <= 1024 MB, explorer <= 50 ms, cached rebuild
<= 30 s, page <= 3 MB.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import chapter_notebooks, toc_files  # noqa: E402

BUDGETS = {"exec_s": 60, "peak_rss_mb": 1024, "median_ms": 50, "bytes": 3 * 1024 * 1024,
           "clean_build_s": None, "cached_build_s": 30}

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
    out = subprocess.run([sys.executable, "-c", _EXECUTE, str(path), str(path.parent)],
                         capture_output=True, text=True, check=True).stdout.split()
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
        results[name] = {"median_ms": round(statistics.median(times), 2), "n": len(times)}
    return results


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.srcs.append(dict(attrs).get("src", ""))


def bench_pages(html_dir: Path) -> dict:
    results = {}
    for doc in toc_files():
        page = html_dir / f"{doc}.html"
        parser = _Images()
        parser.feed(page.read_text())
        total = page.stat().st_size
        for src in parser.srcs:
            if src and not src.startswith("data:") and not re.match(r"(https?:)?//", src):
                total += (page.parent / src.split("?")[0]).resolve().stat().st_size
        results[doc] = {"bytes": total}
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
