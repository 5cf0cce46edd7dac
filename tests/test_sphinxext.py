"""dlmath.sphinxext drops Thebe's duplicate loader and the dead widget state, and keeps everything else."""

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


def test_otter_block_markers_are_hidden_from_code_cells_only():
    from docutils import nodes

    from dlmath.sphinxext import _hide_otter_markers

    source = "w = inputs()\n# BEGIN SOLUTION NO PROMPT\nanswer = w + 1\n    # END SOLUTION\ncheck(answer)  # SOLUTION"
    cell = nodes.container(classes=["cell_input"])
    cell += nodes.literal_block(source, source)
    prose = nodes.literal_block("# BEGIN SOLUTION", "# BEGIN SOLUTION")  # a code example in the text: kept
    doctree = nodes.document(None, None)
    doctree += [cell, prose]
    _hide_otter_markers(None, doctree)
    assert cell.children[0].astext() == "w = inputs()\nanswer = w + 1\ncheck(answer)  # SOLUTION"
    assert prose.astext() == "# BEGIN SOLUTION"
