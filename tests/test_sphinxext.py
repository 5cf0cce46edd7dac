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
