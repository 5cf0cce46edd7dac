"""dlmath.sphinxext drops Thebe's duplicate loader and the dead widget state, and keeps everything else."""

import re
from pathlib import Path
from types import SimpleNamespace

from dlmath.sphinxext import _clean_scripts


def script(filename=None, **attributes):
    return SimpleNamespace(filename=filename, attributes=attributes)


def test_clean_scripts():
    keep = [script("_static/doctools.js"), script("mathjax/tex-chtml.js"), script(None, body="var x = 1")]
    drop = [script(None, body='const THEBE_JS_URL = "https://unpkg.com/thebe"'),
            script(None, body='const THEBE_JS_URL = "https://unpkg.com/thebe"'),
            script("_static/sphinx-thebe.js"),
            script(None, type="application/vnd.jupyter.widget-state+json", body="{}")]
    context = {"script_files": keep[:1] + drop + keep[1:]}
    _clean_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] == keep


def test_code_cells_show_no_otter_marker_and_cite_equations_by_number():
    from docutils import nodes

    from dlmath.sphinxext import _clean_code

    root = Path(__file__).resolve().parents[1]
    source = ("w = inputs()\n# BEGIN SOLUTION NO PROMPT\nanswer = w + 1\n    # END SOLUTION\ncheck(answer)  # SOLUTION\n"
              "note = '# SOLUTION here'\nC = A @ B  # equation (la-eq-matmul), as in (la-ex-dense); (la-eq-nowhere)")
    cell = nodes.container(classes=["cell_input"])
    cell += nodes.literal_block(source, source)
    prose = nodes.literal_block("# BEGIN SOLUTION (la-eq-matmul)", "# BEGIN SOLUTION (la-eq-matmul)")  # text: kept
    doctree = nodes.document(None, None)
    doctree += [cell, prose]
    _clean_code(SimpleNamespace(srcdir=str(root)), doctree)
    assert cell.children[0].astext() == ("w = inputs()\nanswer = w + 1\ncheck(answer)\nnote = '# SOLUTION here'\n"
                                         "C = A @ B  # equation (1.2), as in (Exercise 1.1); (la-eq-nowhere)")
    assert prose.astext() == "# BEGIN SOLUTION (la-eq-matmul)"


def test_theme_fontawesome_script_is_dropped_and_its_font_kept():
    from dlmath.sphinxext import _unwanted

    assert _unwanted(script("_static/scripts/fontawesome.js?digest=55c26ed414f5f8a31ebb"))
    assert not _unwanted(script("_static/scripts/pydata-sphinx-theme.js?digest=55c26ed414f5f8a31ebb"))


def test_explorer_frames_move_to_files_named_by_content(tmp_path):
    import base64
    import json

    from dlmath.sphinxext import FRAME_DIR, frames_to_files

    one, two = b"\x89PNG first", b"\x89PNG second"
    uri = lambda b: "data:image/png;base64," + base64.b64encode(b).decode()  # noqa: E731
    data = json.dumps({"frames": [[uri(one), "a"], [uri(two), "b"], [uri(one), "c"]]})
    figure = (f'<figure class="dlmath-explorer" data-frames="3"><img src="{uri(one)}" alt="a">'
              f'<script type="application/json" class="dlmath-explorer-data">{data}</script></figure>')
    other = f'<img src="{uri(two)}" alt="an ordinary figure stays inline">'
    body = frames_to_files(f"<p>text</p>{figure}{other}", tmp_path, "book/02_calculus")
    files = sorted((tmp_path / FRAME_DIR).iterdir())
    assert sorted(f.read_bytes() for f in files) == sorted([one, two])  # one file per distinct picture
    assert body.count("data:image/png") == 1 and other in body  # only explorer pictures move
    urls = re.findall(r"\.\./_images/explorers/[0-9a-f]{20}\.png", body)
    assert len(urls) == 4 and len(set(urls)) == 2  # the img and the three frames
    assert (tmp_path / FRAME_DIR / urls[0].split("/")[-1]).read_bytes() == one
    top = frames_to_files(figure, tmp_path, "index")
    assert '<img src="_images/explorers/' in top  # relative to a page at the root


def test_the_theme_template_fontawesome_script_tag_is_removed():
    from dlmath.sphinxext import drop_fontawesome_script

    head = ('  <link href="../_static/styles/theme.css?digest=1" rel="stylesheet" />\n'
            '  <script defer src="../_static/scripts/fontawesome.js?digest=55c26ed414f5f8a31ebb"></script>\n'
            '  <script src="../_static/doctools.js?v=9a2dae69"></script>\n')
    assert drop_fontawesome_script(head) == ('  <link href="../_static/styles/theme.css?digest=1" rel="stylesheet" />\n'
                                             '  <script src="../_static/doctools.js?v=9a2dae69"></script>\n')
