"""The chapters: committed clean, executed top to bottom (from the build's cache), built without warnings."""

from __future__ import annotations

import html as htmllib
import json
import re
import sys
from pathlib import Path
from html.parser import HTMLParser

import nbformat
import pytest
import yaml
from jupyter_cache import get_cache

from conftest import CACHE, ROOT, chapter_notebooks, toc_files
import dlmath
from dlmath import CHAPTERS
from dlmath.notebooks import dirty_cells, setup_cell, write_setup_cells

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"]["branch"]
NOTEBOOKS = chapter_notebooks()
IDS = [p.stem for p in NOTEBOOKS]


def test_toc_lists_the_chapter_table_in_order_and_every_document_exists():
    stems = [f.split("/")[-1] for f in toc_files() if re.match(r"\d\d_", f.split("/")[-1])]
    assert stems == [ch.stem for ch in CHAPTERS], "_toc.yml and dlmath.CHAPTERS list different chapters"
    for f in toc_files():
        assert (ROOT / f"{f}.ipynb").exists() or (ROOT / f"{f}.md").exists(), f"{f} is in _toc.yml but missing"
    on_disk = {p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb")}
    assert on_disk == set(stems), f"notebooks in book/ but not in dlmath.CHAPTERS: {on_disk - set(stems)}"


#: The numbered chapters: the seven pillars (01-07) and, beyond them, 08. Each has a full set of exercises and explorers.
NUMBERED = [ROOT / ch.notebook for ch in CHAPTERS if ch.number >= 1]


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.stem)
def test_chapter_number_in_the_book_matches_its_file(built_site, path):
    """Chapter NN is numbered N in the built book, so "Exercise N.k" and "(N.k)" point at the file NN_; the
    numbering runs on from the pillars into the part beyond them."""
    page = (built_site / path.relative_to(ROOT).with_suffix(".html")).read_text()
    number = int(path.name[:2])
    assert f'<span class="section-number">{number}. </span>' in page
    exercises = re.findall(r"Exercise (\d+)\.\d+", page)
    assert exercises and set(exercises) == {str(number)}


def test_no_committed_notebook_holds_outputs():
    for path in sorted(ROOT.rglob("*.ipynb")):
        if any(part in {".venv", "_build", ".ipynb_checkpoints"} for part in path.parts):
            continue
        assert dirty_cells(path) == [], f"{path.relative_to(ROOT)} holds outputs: run `dlmath strip {path.relative_to(ROOT)}`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_is_the_generated_one_for_this_release_and_is_hidden(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "code" and "remove-cell" in first.metadata.get("tags", [])
    assert first.source == setup_cell(dlmath.__version__, REPO), \
        "the setup cell is not the one dlmath generates for this version: run `make selfcheck`"


def _run_setup_cell(source, versions, monkeypatch, capsys):
    """Run a setup cell with pip and the installed dlmath faked: ``versions`` is what
    importlib.metadata.version("dlmath") answers, call by call (None: not installed)."""
    import importlib.metadata
    import subprocess

    answers, calls = list(versions), []

    def version(name):
        assert name == "dlmath"
        answer = answers.pop(0)
        if answer is None:
            raise importlib.metadata.PackageNotFoundError(name)
        return answer

    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(subprocess, "run", lambda args, check: calls.append(args))
    exec(compile(source, "setup-cell", "exec"), {})
    return calls, capsys.readouterr().out


def test_setup_cell_installs_the_release_it_was_written_for_only_where_dlmath_is_missing(monkeypatch, capsys):
    """Colab: not installed, so it installs this version's release tag (never a moving branch: last month's
    notebook gets last month's package); a clone or Binder: the version is there, so nothing happens; an older
    or newer install: the reader is told how to get the one the notebook was written for."""
    source = setup_cell("0.2.0", REPO)
    pinned = f"dlmath @ git+{REPO}@v0.2.0"
    calls, out = _run_setup_cell(source, [None, "0.2.0"], monkeypatch, capsys)
    assert calls == [[sys.executable, "-m", "pip", "install", "--quiet", pinned]] and out == ""
    calls, out = _run_setup_cell(source, ["0.2.0"], monkeypatch, capsys)
    assert calls == [] and out == ""
    calls, out = _run_setup_cell(source, ["0.1.0"], monkeypatch, capsys)
    assert calls == [] and "written for dlmath 0.2.0, but 0.1.0 is installed" in out
    assert f'pip install --upgrade "{pinned}"' in out
    assert setup_cell("0.3.1", REPO) != source and "@v0.3.1" in setup_cell("0.3.1", REPO)


def test_setup_cells_are_written_in_one_place(tmp_path):
    """`dlmath setup-cells` (make selfcheck) replaces an outdated setup cell and adds a missing one."""
    old = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('BOOK_DLMATH = "0.0.1"'),
                                          nbformat.v4.new_markdown_cell("# Title")])
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
    nbformat.write(old, tmp_path / "old.ipynb")
    nbformat.write(bare, tmp_path / "bare.ipynb")
    paths = [tmp_path / "old.ipynb", tmp_path / "bare.ipynb"]
    assert write_setup_cells(paths, "0.2.0", REPO) == paths
    for path in paths:
        cells = nbformat.read(path, as_version=4).cells
        assert cells[0].source == setup_cell("0.2.0", REPO) and cells[0].metadata["tags"] == ["remove-cell"]
        assert cells[1].source == "# Title" and len(cells) == 2
    assert write_setup_cells(paths, "0.2.0", REPO) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_chapter_seeds_its_random_draws_in_plain_sight(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    if "random" in code or "torch" in code:
        assert "np.random.default_rng(0)" in code
    if "torch" in code:
        assert "torch.manual_seed(0)" in code


#: A figure takes its alt text from code (`dlmath.publish.show`), as the prose takes computed numbers from glue
#: (CONTRIBUTING.md, "Numbers in the text").
_SHOWN = re.compile(r"\bshow\(\w+, alt=")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_chapter_figures_have_alt_text_built_in_code(path):
    """Every cell that draws shows its figure by `show(fig, alt=...)`, with alt text built from the plotted values;
    none types it into the cell's metadata, where it would go stale when the computation changes."""
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        typed = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert not typed, f"cell {i} of {path.name} types its alt text into metadata: show(fig, alt=...) instead"
        if cell.cell_type == "code" and re.search(r"plt\.subplots|plt\.figure|\.imshow\(", cell.source):
            assert _SHOWN.search(cell.source), f"cell {i} of {path.name} draws without show(fig, alt=...)"


_BARE_REF = re.compile(r"\{ref\}`([\w-]+)`")
_NUMREF = re.compile(r"\{numref\}`([\w-]+)`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_sentence_cites_a_numbered_section_by_its_number(path):
    """A bare {ref} shows the section's title, which reads as a broken sentence ("the neuron of The chain rule on a
    computational graph, written with Value"); {numref} shows "Section 2.4" (CONTRIBUTING.md, "The notebook")."""
    from dlmath.editions import BookIndex

    sections = BookIndex.of_book().sections
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "markdown":
            bare = [label for label in _BARE_REF.findall(cell.source) if label in sections]
            assert not bare, f"cell {i} of {path.name} cites {bare} by title: {{numref}}`label` reads 'Section 2.4'"


def test_no_reference_shows_a_title_with_math_as_raw_latex():
    """{ref} shows a section's title as plain text, so a title with math reads "Why divide by \\sqrt{d_k}": such a
    section is cited by number ({numref}) or with a text of its own, in the chapters and the appendices alike."""
    from dlmath.editions import BookIndex

    index = BookIndex.of_book()
    with_math = {label for label, target in index.labels.items() if "$" in target.text}
    assert "tf-scaling" in with_math                              # the title "Why divide by $\\sqrt{d_k}$"
    for path in sorted((ROOT / "book").glob("*.md")) + NOTEBOOKS:
        text = path.read_text() if path.suffix == ".md" else "\n".join(
            c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        raw = sorted(set(_BARE_REF.findall(text)) & with_math)
        assert not raw, f"{path.name} cites {raw} with {{ref}}, which shows the title's LaTeX raw: {{numref}} instead"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_numbered_section_reference_reads_as_the_site_numbers_it(built_site, path):
    """Each {numref} of the chapter is a link on the page whose text is "Section " and the number the site gives
    the heading it points at, the number the notebook edition writes too (dlmath.editions)."""
    from dlmath.editions import BookIndex

    sections = BookIndex.of_book().sections
    labels = {label for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"
              for label in _NUMREF.findall(cell.source)}
    page = (built_site / path.relative_to(ROOT).with_suffix(".html")).read_text()
    for label in labels:
        shown = re.findall(rf'<a class="reference internal" href="[^"]*#{label}"><span class="std std-numref">'
                           r"([^<]*)</span></a>", page)
        assert shown and set(shown) == {f"Section {sections[label]}"}, (label, shown)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_alt_text_built_in_code_is_the_pages(built_site, path):
    """show(fig, alt=...) writes the alt text into the output; the book's renderer puts it on the page's image."""
    alts = [o["metadata"]["image/png"]["alt"] for c in executed(path).cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "alt" in o.get("metadata", {}).get("image/png", {})]
    assert len(alts) == sum(bool(_SHOWN.search(c.source)) for c in nbformat.read(path, as_version=4).cells)
    page = htmllib.unescape((built_site / path.relative_to(ROOT).with_suffix(".html")).read_text())
    shown = re.findall(r'<img alt="([^"]*)"', page)
    assert all(alt in shown for alt in alts), [alt[:60] for alt in alts if alt not in shown]


def executed(path):
    """The executed notebook from the build's jupyter-cache (the build ran it; tests do not run it again)."""
    cache = get_cache(CACHE)
    try:
        record = cache.match_cache_notebook(nbformat.read(path, as_version=4))
    except KeyError:
        pytest.fail(f"{path.name} has no successful execution in the build cache for its current code")
    return cache.get_cache_bundle(record.pk).nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_chapter_executes_top_to_bottom(built_site, path):
    nb = executed(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "cells did not run in order, each once"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []


def solution_problems(source, ran) -> list[str]:
    """What is wrong with the exercises of an executed chapter: an exercise without a folded solution, or a
    solution whose check (its last output) does not say Correct. `source` is the chapter as committed, `ran` its
    executed code cells in order."""
    ran = iter(ran)
    inside, solutions = False, []
    for cell in source.cells:
        if cell.cell_type == "markdown" and "{solution-start}" in cell.source:
            inside = True
            solutions.append("")
        elif cell.cell_type == "markdown" and "{solution-end}" in cell.source:
            inside = False
        elif cell.cell_type == "code":
            outputs = next(ran).outputs
            if inside:
                solutions[-1] += "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in outputs)
    exercises = sum("{exercise-start}" in c.source for c in source.cells if c.cell_type == "markdown")
    problems = [] if len(solutions) == exercises else [f"{exercises} exercises but {len(solutions)} folded solutions"]
    return problems + [f"a solution's check says: {text[-300:]}" for text in solutions
                       if "Correct (" not in text or "Not yet (" in text]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_solution_passes_its_check(built_site, path):
    """Each exercise's folded solution ends with its check; the check must say Correct, never Not yet."""
    source = nbformat.read(path, as_version=4)
    assert solution_problems(source, [c for c in executed(path).cells if c.cell_type == "code"]) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_folded_solutions_show_no_otter_block_markers(built_site, path):
    page = (built_site / path.relative_to(ROOT).with_suffix(".html")).read_text()
    assert "BEGIN SOLUTION" not in page and "END SOLUTION" not in page and "# SOLUTION" not in page


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_page_cites_equations_by_number_not_by_label(built_site, path):
    """A code comment's "# equation (la-eq-dense)" is for the author; the reader sees "(1.5)" (dlmath.sphinxext).
    No printed output names a label either."""
    page = (built_site / path.relative_to(ROOT).with_suffix(".html")).read_text()
    body = re.sub(r"<script.*?</script>", "", page.split('<main', 1)[-1], flags=re.S)
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", body))
    assert not re.findall(r"\([a-z]+-(?:eq|ex)-[\w-]+\)", text)


@pytest.mark.parametrize("path", NUMBERED, ids=[p.stem for p in NUMBERED])
def test_numbered_chapter_has_six_exercises_with_checks_and_folded_solutions(built_site, path):
    nb = nbformat.read(path, as_version=4)
    starts = [c.source for c in nb.cells if c.cell_type == "markdown" and "{exercise-start}" in c.source]
    solutions = [c.source for c in nb.cells if c.cell_type == "markdown" and "{solution-start}" in c.source]
    assert len(starts) >= 6 and len(solutions) == len(starts)
    assert all(":class: dropdown" in s for s in solutions)
    page = (built_site / path.relative_to(ROOT).with_suffix(".html")).read_text()
    assert page.count('class="exercise admonition"') >= 6
    assert len(re.findall(r'class="solution[^"]*dropdown', page)) >= 6


def test_build_has_zero_warnings(built_site):
    log = (ROOT / "_build" / "test-build.log").read_text()
    assert "build succeeded" in log
    # Sphinx's own format ("file: WARNING: ..."); a kernel's log lines ("[IPKernelApp] WARNING | ...") are not build warnings.
    warnings = [line for line in log.splitlines() if re.search(r"(^|: )(\x1b\[\d+m)?(WARNING|ERROR|CRITICAL): ", line)]
    assert warnings == []


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.links, self.scripts = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.imgs.append(attrs)
        elif tag == "a":
            self.links.append(attrs.get("href", ""))
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])


def parse(path):
    tags = _Tags()
    tags.feed(path.read_text())
    return tags


@pytest.mark.parametrize("doc", toc_files())
def test_page_images_have_alt_text_and_scripts_are_local(built_site, doc):
    tags = parse(built_site / f"{doc}.html")
    for img in tags.imgs:
        alt, src = img.get("alt", "").strip(), img.get("src", "")
        # Without alt text docutils writes the image's address as its alt: that says nothing to a reader.
        assert alt and not re.search(r"\.(png|jpe?g|svg|gif)$", alt, re.I) and src.split("/")[-1] not in alt, \
            f"an image on {doc} has no alt text of its own: {src[:80]} (alt {alt[:60]!r})"
        if "_static/" not in src:  # the theme's icons ("Binder logo") sit beside their own label
            assert len(alt.split()) >= 4, f"a figure on {doc} has an alt text that does not say what it shows: {alt!r}"
    assert [s for s in tags.scripts if re.match(r"(https?:)?//", s)] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_launch_buttons_open_this_chapter_in_this_repository(built_site, path):
    """Binder and Colab open the chapter's notebook edition (notebooks/), never its source in book/."""
    rel = path.relative_to(ROOT).as_posix()
    links = parse(built_site / rel.replace(".ipynb", ".html")).links
    owner_repo = REPO.removeprefix("https://github.com/")
    edition = f"notebooks/{path.name}"
    assert (ROOT / edition).is_file()
    assert f"https://mybinder.org/v2/gh/{owner_repo}/{BRANCH}?urlpath=lab/tree/{edition}" in links
    assert f"https://colab.research.google.com/github/{owner_repo}/blob/{BRANCH}/{edition}" in links
    assert not [link for link in links if link.startswith("http") and link.endswith(rel)], "a button opens the source"


def _explorer_figures(page: Path) -> list[str]:
    """The explorers on a built page that a reader can move without a kernel: each has controls and
    more than one frame, and every frame it names is a picture file of the site."""
    text = page.read_text()
    names = []
    for name, frames, body in re.findall(r'<figure class="dlmath-explorer" data-explorer="([a-z_]+)" '
                                         r'id="[^"]+" data-frames="(\d+)">(.*?)</figure>', text, re.S):
        data = json.loads(re.search(r'<script type="application/json" class="dlmath-explorer-data">(.*?)</script>',
                                    body, re.S).group(1))
        files = {f for f, _ in data["frames"]}
        assert int(frames) == len(data["frames"]) > 1 and 'data-control="' in body, name
        assert all((page.parent / f).resolve().is_file() and not f.startswith("data:") for f in files), name
        names.append(name)
    return names


@pytest.mark.parametrize("path", NUMBERED, ids=[p.stem for p in NUMBERED])
def test_numbered_chapter_shows_two_explorers_in_the_book(built_site, path):
    page = built_site / path.relative_to(ROOT).with_suffix(".html")
    assert len(set(_explorer_figures(page))) >= 2
    assert "application/vnd.jupyter.widget-view+json" not in page.read_text()
    assert "widget-state+json" not in page.read_text()


def test_every_explorer_appears_in_the_book(built_site):
    from dlmath.explorers import REGISTRY

    shown = {name for path in NOTEBOOKS for name in _explorer_figures(built_site / path.relative_to(ROOT).with_suffix(".html"))}
    assert set(REGISTRY) <= shown, f"explorers no chapter shows: {sorted(set(REGISTRY) - shown)}"


def test_mathjax_is_served_from_the_site(built_site):
    page = (built_site / "book" / "01_linear_algebra.html").read_text()
    assert re.search(r'<script defer="defer" src="\.\./_static/mathjax/tex-chtml\.js(\?v=\w+)?"></script>', page)
    assert (built_site / "_static" / "mathjax" / "tex-chtml.js").exists()


def test_a_failing_cell_fails_the_build(tmp_path):
    """The book's own configuration turns a wrong formula (a failing assertion) into a failed build."""
    import shutil
    import subprocess
    import sys

    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: wrong\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A wrong formula"),
                nbformat.v4.new_code_cell("import numpy as np\nassert np.isclose(np.sqrt(2) ** 2, 3), 'wrong formula'")]
    nbformat.write(nb, tmp_path / "wrong.ipynb")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(tmp_path), "-W", "-n", "--keep-going"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "wrong formula" in proc.stdout + proc.stderr
