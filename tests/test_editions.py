"""The notebook edition (notebooks/): what Binder, Colab, a JupyterHub and the download button open.

- It is current: regenerated from book/, it equals what is committed (`make selfcheck` writes it).
- It holds no MyST (roles, label lines, fences, equation labels), no otter marker, no test, no hidden test.
- Its numbers, titles and links are the built site's: every equation number, exercise number and title, section
  title and page title agrees with the HTML, and every link into the published book names a page and an anchor
  the build has.
- Each solution sits under a collapsed heading with its code hidden; the self-check edition has the same Markdown.
- :func:`dlmath.editions.clean_markdown` fills glued values and refuses a reference the book does not define.
"""

from __future__ import annotations

import html as htmllib
import re
import sys
from pathlib import Path

import nbformat
import pytest

from dlmath import CHAPTERS, editions

ROOT = Path(__file__).resolve().parents[1]
EDITIONS = ROOT / editions.EDITION_DIR
IDS = [ch.stem for ch in CHAPTERS]
#: what only Jupyter Book understands, and what only otter does
RAW_MARKUP = re.compile(r"\{(eq|ref|doc|term|glue[:\w]*|numref|math|exercise-\w+|solution-\w+)\}`?|^\([\w-]+\)=\s*$|"
                        r"^:(label|class):|^\$\$ *\([\w-]+\)|# (BEGIN|END) (QUESTION|TESTS|SOLUTION)|# SOLUTION\b|"
                        r"hidden=True|import otter|\([a-z]+-(eq|ex)-[\w-]+\)|^```\{", re.M)


@pytest.fixture(scope="module")
def index():
    return editions.BookIndex.of_book(ROOT)


def _cells(nb):
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def _glues(chapter) -> bool:
    return "{glue" in (ROOT / chapter.notebook).read_text()


# A chapter that glues values needs the build (marker book: it runs with the built book's tests, not before them).
@pytest.mark.parametrize("chapter", [pytest.param(ch, marks=[pytest.mark.book] if _glues(ch) else [])
                                     for ch in CHAPTERS], ids=IDS)
def test_the_notebook_edition_is_current(chapter, index, tmp_path, request):
    committed = EDITIONS / f"{chapter.stem}.ipynb"
    assert committed.is_file(), f"no notebook edition of {chapter.stem}: run `make selfcheck`"
    build = None
    if _glues(chapter):  # its glued values come from the build
        build = request.getfixturevalue("built_site").parent
    fresh = editions.write_edition(chapter, tmp_path, ROOT, build, index)
    assert _cells(nbformat.read(committed, as_version=4)) == _cells(nbformat.read(fresh, as_version=4)), \
        f"{committed} is out of date: run `make selfcheck`"


@pytest.mark.parametrize("folder", [editions.EDITION_DIR, "selfcheck"])
@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_an_edition_holds_no_myst_no_otter_and_no_test(chapter, folder):
    nb = nbformat.read(ROOT / folder / f"{chapter.stem}.ipynb", as_version=4)
    found = [(i, m.group(0)) for i, c in enumerate(nb.cells) if c.cell_type != "raw"
             for m in RAW_MARKUP.finditer(c.source)]
    assert found == [], f"{folder}/{chapter.stem}: cells hold markup a reader should not see: {found[:8]}"
    assert not any(c.cell_type == "raw" for c in nb.cells)
    assert not any(re.search(r"\.test\(", c.source) for c in nb.cells if c.cell_type == "code")
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_each_exercise_is_a_heading_and_its_solution_opens_folded(chapter, index):
    nb = nbformat.read(EDITIONS / f"{chapter.stem}.ipynb", as_version=4)
    page = f"book/{chapter.stem}"
    expected = [(name, title) for label, (name, title) in index.exercises.items() if index.labels[label].page == page]
    headings = [re.match(r"### (Exercise [\d.]+): (.*)", c.source) for c in nb.cells if c.cell_type == "markdown"]
    assert [(m.group(1), m.group(2)) for m in headings if m] == expected
    solutions = [i for i, c in enumerate(nb.cells) if c.source.startswith("#### Solution to Exercise")]
    assert [nb.cells[i].source for i in solutions] == [f"#### Solution to {name}" for name, _ in expected]
    for i in solutions:
        head = nb.cells[i]
        assert head.metadata["jp-MarkdownHeadingCollapsed"] is True and head.metadata["id"] == head["id"]
        # everything up to the next heading is the solution: its code hidden and free of otter's markers
        body = []
        for cell in nb.cells[i + 1:]:
            if cell.cell_type == "markdown" and re.match(r"#{1,4} ", cell.source):
                break
            body.append(cell)
        code = [c for c in body if c.cell_type == "code"]
        assert code and all(c.metadata.get("jupyter", {}).get("source_hidden") for c in code)
    assert nb.metadata["colab"]["collapsed_sections"] == [nb.cells[i]["id"] for i in solutions]


def test_the_self_check_edition_has_the_notebook_editions_markdown():
    """Every Markdown cell of the self-check edition (its note apart) is one of the notebook edition's."""
    for chapter in CHAPTERS:
        notebook = {c.source for c in nbformat.read(EDITIONS / f"{chapter.stem}.ipynb", as_version=4).cells}
        selfcheck = nbformat.read(ROOT / "selfcheck" / f"{chapter.stem}.ipynb", as_version=4).cells
        extra = [c.source[:80] for c in selfcheck if c.cell_type == "markdown" and c.source not in notebook
                 and c.get("id") != "dlmath-selfcheck-note"]
        assert extra == [], f"selfcheck/{chapter.stem} has Markdown the notebook edition lacks: {extra}"


# -- clean_markdown on a page of its own -------------------------------------------------------------------------------
def _toy_index():
    index = editions.BookIndex(base_url="https://example.org/book/")
    index.add_page("book/03_toy", "# Toy\n\n(toy-sec)=\n## A section\n\n$$\nx = 1\n$$ (toy-eq)\n\n"
                   "## Another\n\n(toy-sub)=\n### Below it\n\n"
                   "```{exercise-start} Add two numbers\n:label: toy-ex\n```\n", 3)
    index.add_page("book/glossary", "# Glossary\n\n```{glossary}\nsoft max\n  A function.\n```\n", None)
    return index


def test_an_admonition_becomes_a_quote_and_a_dropdown_a_folded_details_block():
    source = ("```{admonition} Reading the symbols\n:class: tip\nSee {ref}`toy-sec`.\n\n| a | b |\n|---|---|\n```\n\n"
              "```{admonition} Show the algebra\n:class: dropdown\n$$\nx = 1\n$$\n```\n\n```{note}\nA detour.\n```\n")
    text = editions.clean_markdown(source, _toy_index(), "book/03_toy")
    assert text.startswith("> **Reading the symbols**\n>\n> See [A section](https://example.org/book/book/03_toy.html#toy-sec).\n>\n> | a | b |")
    assert "<details>\n<summary>Show the algebra</summary>\n\n$$\nx = 1\n$$\n\n</details>" in text
    assert "> **Note**\n>\n> A detour." in text
    assert not RAW_MARKUP.search(text)


@pytest.mark.parametrize("plain, spec", [("0.123456", ".3f"), ("'adam'", ""), ("12", "d"), ("0.5", ".1%"),
                                         ("'x'", ">4s"), ("1234567.0", ",.0f"), ("np.float64(0.5)", "")])
def test_a_glued_value_reads_as_myst_nb_formats_it(plain, spec):
    from myst_nb.core.variables import format_plain_text

    assert editions._glue_text({"text/plain": plain}, spec) == format_plain_text(plain, spec)


def test_the_glued_values_are_read_where_myst_nb_leaves_them(tmp_path):
    """myst-nb moves glued outputs into <stem>.glue.json beside the executed notebook, their MIME types prefixed."""
    import json

    folder = tmp_path / "jupyter_execute" / "book"
    folder.mkdir(parents=True)
    record = "application/papermill.record/"
    (folder / "00_introduction.glue.json").write_text(json.dumps({"n_train": {
        "output_type": "display_data", "metadata": {"scrapbook": {"name": "n_train", "mime_prefix": record}},
        "data": {f"{record}text/plain": "200"}}}))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("glue('loss', 0.5)", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/plain": "0.5"}, metadata={"scrapbook": {"name": "loss", "mime_prefix": ""}})])])
    nbformat.write(nb, folder / "00_introduction.ipynb")
    assert editions.build_glue(tmp_path, CHAPTERS[0]) == {"n_train": {"text/plain": "200"}, "loss": {"text/plain": "0.5"}}
    assert editions.build_glue(tmp_path / "nowhere", CHAPTERS[0]) == {}


def test_clean_markdown_resolves_each_role_as_the_site_does():
    index = _toy_index()
    text = editions.clean_markdown(
        "(toy-sec)=\n## A section\n\nBy {eq}`toy-eq`, see {ref}`toy-sec`, {ref}`that one <toy-sec>`, "
        "{numref}`toy-sec`, {numref}`part {number} <toy-sec>`, {numref}`toy-sub`, "
        "{ref}`toy-ex`, {doc}`glossary`, {term}`Soft max`, {term}`the function <soft max>`; "
        "the loss is {glue:text}`loss:.3f`, the name {glue}`name`.\n\n$$\nx = 1\n$$ (toy-eq)",
        index, "book/03_toy", glue={"loss": {"text/plain": "0.123456"}, "name": {"text/plain": "'adam'"}})
    assert text == (
        "## A section\n\nBy (3.1), see [A section](https://example.org/book/book/03_toy.html#toy-sec), "
        "[that one](https://example.org/book/book/03_toy.html#toy-sec), "
        "[Section 3.1](https://example.org/book/book/03_toy.html#toy-sec), "
        "[part 3.1](https://example.org/book/book/03_toy.html#toy-sec), "
        "[Section 3.2.1](https://example.org/book/book/03_toy.html#toy-sub), "
        "[Exercise 3.1](https://example.org/book/book/03_toy.html#toy-ex), "
        "[Glossary](https://example.org/book/book/glossary.html), "
        "[Soft max](https://example.org/book/book/glossary.html#term-soft-max), "
        "[the function](https://example.org/book/book/glossary.html#term-soft-max); "
        "the loss is 0.123, the name adam.\n\n$$\nx = 1\n\\tag{3.1}\n$$")


@pytest.mark.parametrize("source, message", [
    ("see {ref}`nowhere`", "book/03_toy: label 'nowhere' is not defined in the book"),
    ("see {numref}`toy-ex`", "book/03_toy: 'toy-ex' is not a numbered section of the book"),
    ("by {eq}`no-eq`", "book/03_toy: equation 'no-eq' is not defined in the book"),
    ("{glue:text}`loss`", "the glued value 'loss' is not in the executed chapter (build the book first"),
    ("{cite}`vaswani`", "the role {cite} has no plain-Markdown form"),
])
def test_clean_markdown_refuses_what_it_cannot_resolve(source, message):
    with pytest.raises(editions.Unresolved, match=re.escape(message)):
        editions.clean_markdown(source, _toy_index(), "book/03_toy")
    # a teacher's own notebook (dlmath assign) keeps the plain text instead
    assert "{" not in editions.clean_markdown(source, _toy_index(), "book/03_toy", strict=False)


def test_an_exercise_fence_becomes_its_numbered_heading_and_a_solution_fence_its_folded_heading():
    index = _toy_index()
    start = "```{exercise-start} Add two numbers\n:label: toy-ex\n```\n\nAdd them."
    assert editions.clean_markdown(start, index, "book/03_toy") == "### Exercise 3.1: Add two numbers\n\nAdd them."
    solution = "```{solution-start} toy-ex\n:class: dropdown\n```\n\nThey add."
    assert editions.clean_markdown(solution, index, "book/03_toy", solution_heading=True) == \
        "#### Solution to Exercise 3.1\n\nThey add."
    assert editions.clean_markdown(solution, index, "book/03_toy") == "They add."


# -- against the built site ----------------------------------------------------------------------------------------------
def _text(fragment: str) -> str:
    """The visible text of an HTML fragment, its math written back as $...$."""
    fragment = re.sub(r'<span class="math notranslate nohighlight">\\\((.*?)\\\)</span>', r"$\1$", fragment)
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()
    return text.translate(str.maketrans("‘’“”", "''\"\""))  # Sphinx's smart quotes


def test_numbers_titles_and_anchors_agree_with_the_built_site(built_site, index):
    pages = {page: (built_site / f"{page}.html").read_text() for page in index.titles}
    for page, html in pages.items():
        h1 = [h for h in re.findall(r"<h1>(.*?)</h1>", html, re.S) if 'class="headerlink"' in h]
        title = re.sub(r'<span class="section-number">[^<]*</span>', "", h1[0].split('<a class="headerlink"')[0])
        assert _text(title) == index.titles[page], page
    for label, target in index.equations.items():
        found = re.search(rf'<span class="eqno">(\([\d.]+\))<a class="headerlink" href="#equation-{label}"',
                          pages[target.page])
        assert found and found.group(1) == target.text, f"equation {label}: the site numbers it {found and found.group(1)}"
    for label, (name, title) in index.exercises.items():
        html = pages[index.labels[label].page]
        found = re.search(rf'id="{label}">\s*<p class="admonition-title"><span class="caption-number">([^<]*?) </span>'
                          r" \((.*?)\)</p>", html, re.S)
        assert found and (found.group(1), _text(found.group(2))) == (name, _text(title)), label
    for label, target in index.labels.items():
        if label.startswith("term:") or label in index.exercises:
            continue
        found = re.search(rf'id="{label}">(?:</span>)?\s*(?:<span id="[^"]*"></span>\s*)*<h\d>'
                          r'(?:<span class="section-number">([^<]*)</span>)?(.*?)<a class="headerlink"', pages[target.page], re.S)
        assert found, f"section {label}: not on {target.page}"
        assert _text(found.group(2)) == _text(target.text.replace("`", "")), label
        # {numref} reads "Section 2.4": the number the site prints before the heading, or none where it prints none
        assert index.sections.get(label) == (found.group(1).strip().rstrip(".") or None if found.group(1) else None), label


def test_every_link_of_an_edition_into_the_book_reaches_a_page_and_an_anchor(built_site, index):
    links = set()
    for chapter in CHAPTERS:
        text = (EDITIONS / f"{chapter.stem}.ipynb").read_text()
        links |= set(re.findall(r"\]\(" + re.escape(index.base_url) + r"([^)\s\"#]+)(?:#([^)\s\"]+))?\)", text))
    assert len(links) > 100
    for path, anchor in sorted(links):
        if not path.endswith(".html"):  # the PDF, which `make pdf` prints and the deployment puts beside the pages
            continue
        page = built_site / path
        assert page.is_file(), f"the edition links {path}, which the site lacks"
        if anchor:
            assert f'id="{anchor}"' in page.read_text(), f"the edition links {path}#{anchor}, which the page lacks"


# -- run as a learner runs it ----------------------------------------------------------------------------------------------
sys.path.insert(0, str(ROOT / "tools"))
import run_editions  # noqa: E402  (tools/run_editions.py)


def test_a_failing_solution_an_error_and_a_dead_explorer_are_each_reported():
    M, C = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    out = nbformat.v4.new_output
    nb = nbformat.v4.new_notebook(cells=[
        M("### Exercise 1.1: One"), C("x = ...", outputs=[out("stream", text="... Not answered yet\n")]),
        M("#### Solution to Exercise 1.1"), C("x = 2", outputs=[out("stream", text="Not yet (x): 2 is too small\n")]),
        M("### Exercise 1.2: Two"), C("y = 1"),
        M("#### Solution to Exercise 1.2"), C("y = 2", outputs=[out("stream", text="Correct (y).\n")]),
        M("## After"), C("1 / 0", outputs=[out("error", ename="ZeroDivisionError", evalue="division by zero")]),
        C("explorer", outputs=[out("display_data", data={"text/html": '<figure class="dlmath-explorer">'})]),
    ])
    found = run_editions.problems(nb)
    assert len(found) == 3
    assert found[0].startswith("Solution to Exercise 1.1: the check says 'Not yet (x)")
    assert found[1].startswith("a cell raises ZeroDivisionError") and found[2].startswith("an explorer shows no live")


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_notebook_edition_runs_top_to_bottom_and_every_solution_is_correct(chapter, index):
    nb, _ = run_editions.run(EDITIONS / f"{chapter.stem}.ipynb")
    assert run_editions.problems(nb) == []
    exercises = [label for label in index.exercises if index.labels[label].page == f"book/{chapter.stem}"]
    assert sum(c.source.startswith("#### Solution to") for c in nb.cells) == len(exercises)


def test_no_chapter_writes_exercise_before_a_reference_that_already_says_it():
    """A reference to an exercise reads "Exercise 4.6" on the site and in the editions: "exercise {ref}`...`" would
    read "exercise Exercise 4.6"."""
    for path in sorted((ROOT / "book").glob("*.ipynb")) + sorted((ROOT / "book").glob("*.md")):
        text = path.read_text()
        assert not re.findall(r"[Ee]xercises?\s+\{ref\}`[^`<]*-ex-[\w-]+`", text.replace("\\n", " ")), path.name
