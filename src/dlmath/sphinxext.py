"""A small Sphinx extension that keeps the book's pages self-contained and free of console errors.

- The book disables Thebe (``launch_buttons.thebe: false``), but sphinx-thebe still adds its loader and,
  on some builds twice, an inline script declaring ``const THEBE_JS_URL``, which logs
  "Identifier 'THEBE_JS_URL' has already been declared" and points at a CDN. Both are dropped.
- Executed notebooks carry the ipywidgets state of their explorers (including each explorer's picture).
  The HTML book shows every explorer's own HTML edition instead of the widget and loads no widget
  renderer (``nb_ipywidgets_js: {}``), so that state is dead weight on the page: it is dropped.
- A folded solution may hold otter's block markers (``# BEGIN SOLUTION NO PROMPT`` .. ``# END SOLUTION``),
  which mean something to ``dlmath assign`` and nothing to a reader: the book's code cells show them not.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _unwanted(script: Any) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    attributes = getattr(script, "attributes", {}) or {}
    body = str(attributes.get("body", ""))
    return (
        filename.endswith("sphinx-thebe.js")
        or "THEBE_JS_URL" in body
        or attributes.get("type") == WIDGET_STATE
    )


def _clean_scripts(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _unwanted(s)]


_OTTER_BLOCK = re.compile(r"^[ \t]*# (BEGIN|END) SOLUTION( NO PROMPT)?[ \t]*(\n|\Z)", re.M)


def _hide_otter_markers(app, doctree) -> None:
    for block in doctree.findall(nodes.literal_block):
        if "cell_input" not in getattr(block.parent, "get", lambda *_: [])("classes", []):
            continue
        text = block.astext()
        shown = _OTTER_BLOCK.sub("", text).rstrip("\n")
        if shown != text.rstrip("\n"):
            block.children = [nodes.Text(shown)]
            block.rawsource = shown


def setup(app) -> dict:
    # After myst-nb (which adds each page's scripts at the default priority 500).
    app.connect("html-page-context", _clean_scripts, priority=900)
    app.connect("doctree-read", _hide_otter_markers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
