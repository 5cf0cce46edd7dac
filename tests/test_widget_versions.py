"""The explorers with the ipywidgets a reader's front end has: 7.7.1, which Colab ships and pins (its widget manager
breaks with 8), and the 8.x of the book's requirements. For each, a fresh virtual environment holds that ipywidgets
over the book's own environment (a .pth file), and a kernel of that environment shows every explorer: the output
names a live widget view whose model the kernel holds, pressing a preset moves every control to it with one picture and
names it, and moving the first control redraws the picture."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

#: ipywidgets 7.7.1 and what it needs that ipywidgets 8 replaced (pip resolves them from the package index).
VERSIONS = {"7.7.1": ["ipywidgets==7.7.1", "widgetsnbextension~=3.6.0", "jupyterlab-widgets<2", "ipython-genutils~=0.2.0"],
            "8": []}

SHOW_EVERY_EXPLORER = '''
import html, json, ipywidgets
from IPython.core.formatters import DisplayFormatter
from dlmath.explorers.registry import REGISTRY
from dlmath.explorers.base import WIDGET_VIEW

def live(model_id):
    widgets = getattr(ipywidgets.Widget, "widgets", None) or ipywidgets.widgets.widget._instances
    return widgets[model_id]

report = {"version": ipywidgets.__version__, "explorers": {}}
for name in sorted(REGISTRY):
    explorer = REGISTRY[name]()
    drawn = []  # the pictures the live panel asked for, in order
    draw = explorer.frame
    object.__setattr__(explorer, "frame", lambda **params: drawn.append(draw(**params)[0]) or (drawn[-1], ""))
    data, _ = DisplayFormatter().format(explorer)
    panel = live(data[WIDGET_VIEW]["model_id"])
    grid = next(c for c in panel.children if type(c).__name__ == "GridBox")
    control = grid.children[0]
    buttons = [b for row in panel.children if type(row).__name__ == "HBox" for b in row.children
               if type(b).__name__ == "Button"]
    before = len(drawn)
    buttons[-1].click()  # the last preset: every control moves, one picture is drawn, the status names it
    pressed = {"buttons": [b.description for b in buttons], "pictures": len(drawn) - before,
               "at": all(c.value == v for c, v in zip(grid.children, explorer.preset(buttons[-1].description).values())),
               "status": html.escape(buttons[-1].description) in panel.children[-1].value}
    shown = len(drawn)
    options = getattr(control, "options", None)
    if options:
        control.value = options[-1] if control.value != options[-1] else options[0]
    else:
        control.value = control.max if control.value != control.max else control.min
    report["explorers"][name] = {"view": sorted(data), "pictures": len(drawn), "pressed": pressed,
                                 "redrawn": shown >= 1 and len(drawn) > shown and drawn[-1] != drawn[shown - 1]}
print("REPORT " + json.dumps(report))
'''


def _environment(tmp_path: Path, packages: list[str]) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # after the venv's own packages, the book's, with their own .pth files (dlmath is installed editable there)
    (site / "book-environment.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    if packages:
        proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", *packages],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-3000:]
    return python


@pytest.mark.parametrize("version", VERSIONS)
def test_every_explorer_is_a_live_widget_with_this_ipywidgets(version, tmp_path):
    python = _environment(tmp_path, VERSIONS[version])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SHOW_EVERY_EXPLORER)])
    nbformat.write(nb, tmp_path / "explorers.ipynb")
    run = ("import nbformat, sys\nfrom nbclient import NotebookClient\n"
           f"nb = nbformat.read({str(tmp_path / 'explorers.ipynb')!r}, as_version=4)\n"
           "NotebookClient(nb, timeout=600, kernel_name='python3').execute()\n"
           "print(''.join(o.get('text', '') for o in nb.cells[0].outputs))\n")
    proc = subprocess.run([str(python), "-c", run], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    report = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("REPORT "))[7:])
    assert report["version"].startswith(version)
    from dlmath.explorers.registry import REGISTRY

    assert set(report["explorers"]) == set(REGISTRY)
    for name, seen in report["explorers"].items():
        assert "application/vnd.jupyter.widget-view+json" in seen["view"] and "text/html" in seen["view"], name
        assert seen["redrawn"], f"{name}: moving its first control did not redraw the picture ({seen})"
        pressed = seen["pressed"]
        assert pressed["buttons"] == list(REGISTRY[name]().presets), name
        assert pressed["pictures"] == 1 and pressed["at"] and pressed["status"], f"{name}: a preset press ({pressed})"
