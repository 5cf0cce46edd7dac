"""A small Sphinx extension that keeps the book's pages self-contained and free of console errors.

- The book disables Thebe (``launch_buttons.thebe: false``), but sphinx-thebe still adds its loader and,
  on some builds twice, an inline script declaring ``const THEBE_JS_URL``, which logs
  "Identifier 'THEBE_JS_URL' has already been declared" and points at a CDN. Both are dropped.
- Executed notebooks carry the ipywidgets state of their explorers (including each explorer's picture).
  The HTML book shows every explorer's own HTML edition instead of the widget and loads no widget
  renderer (``nb_ipywidgets_js: {}``), so that state is dead weight on the page: it is dropped.
- A code comment cites an equation by its label, ``# equation (la-eq-matmul)``, which stays right when equations
  move; the page shows the equation's number, ``(1.2)``, as the notebook edition does.
- A folded solution holds otter's markers (its answer lines end with ``# SOLUTION``; a block may sit between
  ``# BEGIN SOLUTION NO PROMPT`` and ``# END SOLUTION``), which mean something to ``dlmath assign`` and nothing
  to a reader: the book's code cells, on the site and in the PDF, show them not.
- A learner opens the notebook edition (:mod:`dlmath.editions`, committed in ``notebooks/``), not the author's
  source: the Binder, Colab and JupyterHub buttons and the ``.ipynb`` download of a chapter point at it, and the
  build copies it to ``notebooks/`` on the site.
- A figure shown with :func:`dlmath.publish.show` carries its alt text, built from the values it plots, in its
  output's metadata; :class:`AltTextRenderer` (myst-nb's renderer, chosen by ``nb_render_plugin: dlmath``) puts
  it on the page's ``<img>``, where myst-nb alone reads alt text only from the cell's metadata, typed by hand.
- Explorers work without a kernel. The extension sets ``DLMATH_EXPLORER_FRAMES=all`` for the kernels
  the build starts, so each explorer's HTML edition carries its controls and every frame of its static
  grid (:meth:`dlmath.explorers.Explorer.static_html`); it adds the script that swaps the frames
  (``static/dlmath-explorers.js``) and the book's stylesheet; and it moves every frame out of the page
  into a file of its own under ``_images/explorers/`` (named by its content), so a page loads one
  picture per explorer and the rest only when a reader reaches for a control.
- Figures are PNGs with few colours (flat fills, lines, text, a 256-entry colour map): after the build,
  each is re-encoded with a palette of at most 256 colours when that saves a quarter of its bytes and
  changes no pixel by more than a rounding (:func:`palette_figure`). Pages load about half the bytes.
- The theme loads Font Awesome twice: as a web font through its stylesheet, and as a 1.5 MB script that
  redraws the same icons as SVG. The script is dropped; the icons still come from the font.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from myst_nb.core.render import NbElementRenderer

from .editions import EDITION_DIR, BookIndex, code_with_numbers, without_otter_markers
from .explorers.static import FRAMES_ENV

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
STATIC = Path(__file__).with_name("static")
FRAME_DIR = "_images/explorers"


class AltTextRenderer(NbElementRenderer):
    """myst-nb's renderer, with the alt text that an image output carries in its metadata
    (``{"image/png": {"alt": ...}}``, written by :func:`dlmath.publish.show`) put on its image."""

    def render_image(self, data) -> list:
        images = super().render_image(data)
        alt = data.output_metadata.get(data.mime_type, {}).get("alt")
        if alt:
            for image in images:
                image["alt"] = str(alt)
        return images


def _unwanted(script: Any) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    attributes = getattr(script, "attributes", {}) or {}
    body = str(attributes.get("body", ""))
    return (
        filename.endswith("sphinx-thebe.js")
        or "scripts/fontawesome.js" in filename
        or "THEBE_JS_URL" in body
        or attributes.get("type") == WIDGET_STATE
    )


def _clean_scripts(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _unwanted(s)]


_EXPLORER = re.compile(r'<figure class="dlmath-explorer".*?</figure>', re.S)
_DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


def frames_to_files(body: str, outdir: str | Path, pagename: str) -> str:
    """Write each explorer picture embedded in ``body`` to ``outdir/_images/explorers/<hash>.png`` and
    point the page at the file instead (a URL relative to the page ``pagename``)."""
    target = Path(outdir) / FRAME_DIR
    prefix = "../" * pagename.count("/")

    def to_file(match: re.Match) -> str:
        data = base64.b64decode(match.group(1))
        name = hashlib.sha256(data).hexdigest()[:20] + ".png"
        path = target / name
        if not path.exists():
            target.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return f"{prefix}{FRAME_DIR}/{name}"

    return _EXPLORER.sub(lambda m: _DATA_URI.sub(to_file, m.group(0)), body)


def _explorer_frames(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body")
    if body and "dlmath-explorer" in body:
        context["body"] = frames_to_files(body, app.outdir, pagename)


_FONTAWESOME_JS = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')


def drop_fontawesome_script(html: str) -> str:
    """The page without the theme's Font Awesome script (its template adds it, not ``script_files``)."""
    return _FONTAWESOME_JS.sub("", html)


def palette_figure(path: Path, mean_error: float = 1.0, far: float = 0.005, saving: float = 0.25) -> bool:
    """Re-encode the PNG at ``path`` with a palette of at most 256 colours (median cut, no dithering) if
    that makes it at least ``saving`` smaller, moves the pixel channels by at most ``mean_error`` (of 255)
    on average, and moves at most a fraction ``far`` of the pixels by more than 16 (antialiased edges).
    A photograph fails the test and is kept as it is. Return whether the file was rewritten."""
    import io

    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        if image.mode == "P":
            return False
        rgb = image.convert("RGB")
    palette = rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    error = np.abs(np.asarray(palette.convert("RGB"), dtype=np.int16) - np.asarray(rgb, dtype=np.int16))
    if error.mean() > mean_error or (error.max(axis=2) > 16).mean() > far:
        return False
    out = io.BytesIO()
    palette.save(out, format="png", optimize=True)
    if out.tell() > (1 - saving) * path.stat().st_size:
        return False
    path.write_bytes(out.getvalue())
    return True


def _edition_of(app, pagename: str) -> str | None:
    """The notebook edition of the page ``pagename`` (``notebooks/<stem>.ipynb``), if it has one."""
    stem = pagename.rsplit("/", 1)[-1]
    return f"{EDITION_DIR}/{stem}.ipynb" if (Path(app.srcdir) / EDITION_DIR / f"{stem}.ipynb").is_file() else None


def _point_at_editions(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    edition = _edition_of(app, pagename)
    if edition is None:
        return
    source = f"{pagename}.ipynb"
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            url = button.get("url", "")
            if group.get("label") == "launch-buttons" and source in url:
                button["url"] = url.replace(source, edition)
            elif button.get("label") == "download-source-button" and url.endswith(f"_sources/{source}"):
                button["url"] = context["pathto"](edition, 1)
                button["tooltip"] = "Download the notebook"


def _copy_editions(app) -> None:
    import shutil

    source = Path(app.srcdir) / EDITION_DIR
    if source.is_dir():
        target = Path(app.outdir) / EDITION_DIR
        target.mkdir(parents=True, exist_ok=True)
        for notebook in source.glob("*.ipynb"):
            shutil.copyfile(notebook, target / notebook.name)


def _finish_html(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    _copy_editions(app)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "fontawesome.js" in text:
            page.write_text(drop_fontawesome_script(text), encoding="utf-8")
    for figure in (out / "_images").glob("*.png"):
        palette_figure(figure)


def _add_static(app, config) -> None:
    config.html_static_path.append(str(STATIC))


_INDEX: dict[str, tuple[float, BookIndex]] = {}


def _book_index(srcdir: str) -> BookIndex:
    """The book's labels and numbers (:class:`dlmath.editions.BookIndex`), read once per process and build."""
    stamp = max((p.stat().st_mtime for p in Path(srcdir, "book").glob("*")), default=0.0)
    if srcdir not in _INDEX or _INDEX[srcdir][0] != stamp:
        _INDEX[srcdir] = (stamp, BookIndex.of_book(Path(srcdir)))
    return _INDEX[srcdir][1]


def _clean_code(app, doctree) -> None:
    """The book's code cells as a reader sees them: without otter's markers, and citing equations by number."""
    index = None
    for block in doctree.findall(nodes.literal_block):
        if "cell_input" not in getattr(block.parent, "get", lambda *_: [])("classes", []):
            continue
        text = block.astext()
        shown = without_otter_markers(text)
        if "-eq-" in shown or "-ex-" in shown:
            index = index or _book_index(app.srcdir)
            shown = code_with_numbers(shown, index)
        if shown != text.rstrip("\n"):
            block.children = [nodes.Text(shown)]
            block.rawsource = shown


def setup(app) -> dict:
    # The kernels that execute the chapters inherit this: explorers emit their frames for the page.
    os.environ[FRAMES_ENV] = "all"
    app.connect("config-inited", _add_static)
    app.add_js_file("dlmath-explorers.js", loading_method="defer")
    app.add_css_file("dlmath.css")
    # After myst-nb (which adds each page's scripts at the default priority 500).
    app.connect("html-page-context", _clean_scripts, priority=900)
    app.connect("html-page-context", _explorer_frames, priority=900)
    # After sphinx-book-theme builds its launch and download buttons (priority 501).
    app.connect("html-page-context", _point_at_editions, priority=900)
    app.connect("doctree-read", _clean_code)
    app.connect("build-finished", _finish_html)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
