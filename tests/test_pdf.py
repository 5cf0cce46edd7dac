"""`make pdf`: tools/pdf.py prints the whole book to one PDF that a reader can use.

The book is built once (the session's `built_site`, which fills the execution cache), then tools/pdf.py
runs as `make pdf` runs it, in the background while other tests run (tests/background_build.py): the
single-page build reuses that cache, so no chapter executes again.
The PDF is then read back with pypdf: its pages, text, bookmarks and links. Two small pages check
that the script fails loudly on a TeX error and on a request that leaves 127.0.0.1.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, run_folder, build_result, chapter_notebooks, toc_files

# one worker reads the PDF once (pytest-xdist's loadgroup)
pytestmark = [pytest.mark.pdf, pytest.mark.book, pytest.mark.browser, pytest.mark.xdist_group("pdf")]

sys.path.insert(0, str(ROOT / "tools"))
import pdf as pdftool  # noqa: E402  (tools/pdf.py)

A4 = (595.28, 841.89)  # points (210 mm x 297 mm)
SOLUTIONS = sum("{solution-start}" in c.source for p in chapter_notebooks()
                for c in nbformat.read(p, as_version=4).cells if c.cell_type == "markdown")


def chapter_title(path) -> str:
    """The chapter's title: the first `# ` heading of its notebook."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{path.name} has no `# ` title")


@pytest.fixture(scope="module")
def printed(built_site):
    """The PDF as `make pdf` prints it: tools/pdf.py, run in the background once the book built (conftest)."""
    result = build_result("pdf")
    log = Path(result["log"]).read_text()
    assert result["returncode"] == 0, f"tools/pdf.py failed:\n{log[-4000:]}"
    return run_folder() / "dlmath.pdf"


@pytest.fixture(scope="module")
def reader(printed):
    from pypdf import PdfReader

    return PdfReader(printed)


@pytest.fixture(scope="module")
def text(reader) -> str:
    """The whole text, whitespace collapsed (a title may break across lines)."""
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_pdf_is_a_book_of_a4_pages(reader):
    assert len(reader.pages) > 60
    for page in (reader.pages[0], reader.pages[-1]):  # Chromium rounds the paper to whole CSS pixels
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=2)
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=2)
    assert reader.metadata.title == pdftool.yaml.safe_load((ROOT / "_config.yml").read_text())["title"]


def test_every_page_is_numbered(reader, text):
    n = len(reader.pages)
    assert f"page 1 of {n}" in text and f"page {n} of {n}" in text


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.stem)
def test_every_chapter_is_in_the_pdf(text, path):
    assert chapter_title(path) in text


def test_the_book_is_printed_from_its_first_page_to_its_last(text):
    assert "A neural network is a function with many adjustable numbers inside it." in text  # introduction
    assert "Because the book executes the tests on every build, a test that the solution fails breaks the build." in text  # for instructors


def test_math_is_typeset_without_errors(text):
    assert "mjx-merror" not in text and "Math input error" not in text


def test_solutions_are_printed_open(text):
    """Each folded solution's body (its check says Correct) is on paper, not only its title."""
    assert SOLUTIONS > 0
    assert text.count("Solution to Exercise") >= SOLUTIONS
    assert text.count("Correct (") >= SOLUTIONS


def test_bookmarks_list_each_document_in_order_with_its_sections(reader):
    """One top-level bookmark per document of _toc.yml, in order; a chapter's sections nest under it."""
    outline = reader.outline
    top = [item for item in outline if not isinstance(item, list)]
    assert len(top) == len(toc_files())
    titles = [re.sub(r"^\d+\.\s*", "", item.title) for item in top]
    chapters = [chapter_title(p) for p in chapter_notebooks()]
    assert [t for t in titles if t in chapters] == chapters
    first = top[titles.index(chapters[1])]
    page = reader.pages[reader.get_destination_page_number(first)]
    assert chapters[1] in re.sub(r"\s+", " ", page.extract_text()), "the bookmark opens the chapter's first page"
    sections = outline[outline.index(first) + 1]
    assert isinstance(sections, list) and len(sections) >= 5
    assert all(re.match(r"1\.\d+\. \S", s.title) for s in sections if not isinstance(s, list))


def test_links_point_inside_the_pdf_or_at_the_web_never_at_the_print_server(reader):
    uris, internal = [], 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            if "/URI" in action:
                uris.append(str(action["/URI"]))
            elif "/Dest" in annot.get_object() or "/D" in action:
                internal += 1
    assert internal > 100, "cross-references (equations, exercises, chapters) should be links inside the PDF"
    assert [u for u in uris if "127.0.0.1" in u or "localhost" in u] == []
    assert all(u.startswith("https://") for u in uris), [u for u in uris if not u.startswith("https://")]


# The failures the script must not print through. A tiny page with the build's own MathJax.

def _tiny_site(tmp_path, built_site, body: str):
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "mathjax").symlink_to(built_site / "_static" / "mathjax")
    (tmp_path / "page.html").write_text(
        '<!doctype html><html><head><title>t</title>'
        '<script defer src="_static/mathjax/tex-chtml.js"></script></head>'
        f"<body>{body}</body></html>")
    return tmp_path


def test_a_tex_error_fails_the_print(built_site, tmp_path):
    site = _tiny_site(tmp_path, built_site, r"<p>\(\left( x \)</p>")
    with pytest.raises(pdftool.PdfError, match=r"MathJax could not typeset 1 equation.*missing \\\\right"):
        pdftool.print_pdf(site, "page.html", tmp_path / "out.pdf", "t")
    assert not (tmp_path / "out.pdf").exists()


def test_a_request_leaving_127_0_0_1_is_blocked_and_fails_the_print(built_site, tmp_path):
    site = _tiny_site(tmp_path, built_site, r'<p>\(x^2\)</p><img alt="far" src="https://example.org/x.png">')
    with pytest.raises(pdftool.PdfError, match=r"left 127\.0\.0\.1.*example\.org"):
        pdftool.print_pdf(site, "page.html", tmp_path / "out.pdf", "t")
    assert not (tmp_path / "out.pdf").exists()


WIDE_TABLE = ('<div class="pst-scrollable-table-container" style="overflow-x: auto"><table><tr>'
              + "".join(f'<td style="white-space: nowrap"><code>torch.autograd.functional.jvp_{i}(f, x, v)</code></td>'
                        for i in range(6)) + "</tr></table></div>")


def test_a_wide_table_wraps_to_the_page_and_a_wide_equation_shrinks_to_it(built_site, tmp_path):
    """The "where this lives in PyTorch" tables: on screen they scroll, on paper they wrap; a display equation
    wider than the page is set smaller until it fits."""
    long_sum = " + ".join(f"x_{{{i}}}^2" for i in range(60))
    site = _tiny_site(tmp_path, built_site, f"<article>{WIDE_TABLE}<div class='math'>\\[{long_sum}\\]</div></article>")
    result = pdftool.print_pdf(site, "page.html", tmp_path / "out.pdf", "t")
    assert result["shrunk_equations"] == 1
    from pypdf import PdfReader

    assert "jvp_5" in PdfReader(tmp_path / "out.pdf").pages[0].extract_text()


def test_content_wider_than_the_page_fails_the_print(built_site, tmp_path):
    site = _tiny_site(tmp_path, built_site, '<article><section><h2>Wide</h2><p>\\(x\\)</p><div style="width: 1200px">a'
                                            "</div></section></article>")
    with pytest.raises(pdftool.PdfError, match=r'1 block\(s\) wider than the page.*div in "Wide" reaches 5\d\d px past'):
        pdftool.print_pdf(site, "page.html", tmp_path / "out.pdf", "t")
    assert not (tmp_path / "out.pdf").exists()


def test_a_missing_chromium_fails_loudly(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "pdf.py"), "--no-build", "--out", str(tmp_path / "x.pdf")],
                          cwd=ROOT, capture_output=True, text=True, env={"CHROMIUM": "/nonexistent/chromium", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1
    assert "no Chromium at /nonexistent/chromium" in proc.stderr
    assert not (tmp_path / "x.pdf").exists()
