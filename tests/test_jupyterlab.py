"""The notebook edition in a real JupyterLab, driven by Chromium, as a learner on Binder meets it.

JupyterLab runs on 127.0.0.1 with what binder/postBuild configures (HOME of its own). Chromium opens chapter 01's
notebook edition, runs all cells, and then:
- no cell shows an error, and MathJax typeset every formula (no ``mjx-merror``);
- the rendered Markdown shows no raw markup: no MyST role, label line, option line or otter marker;
- each solution's heading is collapsed and the solution's code is out of sight;
- an explorer renders live: its slider track is at least 250 px, its picture has alt text, and dragging the slider
  changes the picture and its alt text;
- closing the tab shuts the kernel down (postBuild's ``kernelShutdown``), so chapters do not pile up in Binder's 2 GB.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from binder_session import lab_server  # noqa: E402
from test_browser import ARGS, CHROMIUM  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHAPTER = "notebooks/01_linear_algebra.ipynb"
RAW = re.compile(r"\{(eq|ref|doc|term|glue[:\w]*|exercise-\w+|solution-\w+)\}|^\([\w-]+\)=$|^:(label|class):|"
                 r"# (BEGIN|END) |# SOLUTION", re.M)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    settings = home / ".jupyter/lab/user-settings/@jupyterlab/notebook-extension"
    settings.mkdir(parents=True)
    shutil.copy(ROOT / "binder/jupyter_server_config.py", home / ".jupyter")
    # postBuild's setting, and every cell rendered (JupyterLab draws only the cells in view by default)
    postbuild = json.loads(re.sub(r"^\s*//.*$", "", (ROOT / "binder/tracker.jupyterlab-settings").read_text(), flags=re.M))
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({**postbuild, "windowingMode": "none"}))
    news = home / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension"  # no news toast over the explorer
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    served = tmp_path_factory.mktemp("served")  # a copy: JupyterLab may save what it runs (autosave)
    (served / "notebooks").mkdir()
    shutil.copy(ROOT / CHAPTER, served / CHAPTER)
    with lab_server(str(Path(sys.executable).with_name("jupyter")), home / "runtime",
                    "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
                    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", home=home,
                    root=served) as (base, token, _):
        yield base, token


def _sessions(base: str, token: str) -> list:
    request = urllib.request.Request(f"{base}/api/sessions", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


NOTEBOOK = "window.jupyterapp.shell.currentWidget"


def test_a_learner_runs_the_notebook_edition_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/lab/tree/{CHAPTER}?token={token}")
        page.wait_for_function(f"window.jupyterapp && {NOTEBOOK} && {NOTEBOOK}.context && {NOTEBOOK}.context.isReady "
                               f"&& {NOTEBOOK}.sessionContext.session && {NOTEBOOK}.sessionContext.session.kernel",
                               timeout=120_000)
        page.wait_for_function(f"{NOTEBOOK}.sessionContext.session.kernel.status === 'idle'", timeout=120_000)
        start = time.perf_counter()
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # done: every code cell has an execution count and the kernel is idle
        page.wait_for_function(f"""() => {{
            const nb = {NOTEBOOK};
            const cells = nb.content.widgets.filter(c => c.model.type === 'code');
            return nb.sessionContext.session.kernel.status === 'idle'
                && cells.every(c => c.model.executionCount !== null);
        }}""", timeout=600_000, polling=500)
        seconds = time.perf_counter() - start
        errors = page.evaluate(f"""() => {{
            const out = [];
            for (const cell of {NOTEBOOK}.content.widgets) {{
                if (cell.model.type !== 'code') continue;
                for (const o of cell.model.outputs.toJSON())
                    if (o.output_type === 'error') out.push(o.ename + ': ' + o.evalue);
            }}
            return out;
        }}""")
        assert errors == [], errors
        page.wait_for_function("document.querySelectorAll('.jp-MarkdownOutput mjx-container').length > 20")
        assert page.locator("mjx-merror").count() == 0, "MathJax could not typeset a formula"
        markdown = page.evaluate("""() => [...document.querySelectorAll('.jp-MarkdownCell .jp-MarkdownOutput')]
                                      .map(e => e.innerText)""")
        assert len(markdown) > 30
        raw = [m.group(0) for text in markdown for m in RAW.finditer(text)]
        assert raw == [], f"the learner sees raw markup: {raw[:10]}"
        exercises = [t for t in markdown if t.startswith("Exercise 1.")]
        assert len(exercises) >= 6, markdown[:3]

        # what the learner sees, kept for the record: the first exercise, its solution folded, and an explorer
        shots = ROOT / "_build" / "jupyterlab"
        shots.mkdir(parents=True, exist_ok=True)
        first = page.locator(".jp-MarkdownCell:has(h3:text-matches('^Exercise 1\\.1'))").first
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "exercise.png"))

        # the solutions: headings collapsed, their code out of sight
        headings = page.locator(".jp-MarkdownCell:has(h4:text-matches('^Solution to Exercise 1\\\\.'))")
        assert headings.count() == len(exercises)
        hidden = page.evaluate(f"""() => {{
            const cells = {NOTEBOOK}.content.widgets;
            const i = cells.findIndex(c => c.model.sharedModel.getSource().startsWith('#### Solution to'));
            return [cells[i].headingCollapsed, cells[i + 1].isHidden || !cells[i + 1].node.offsetParent];
        }}""")
        assert hidden == [True, True], "the first solution is not folded"

        # an explorer, live
        picture = page.locator("img.dlmath-explorer-picture").first
        picture.scroll_into_view_if_needed()
        assert picture.get_attribute("alt"), "the live picture has no alt text"
        panel = page.locator(".jp-OutputArea-output:has(img.dlmath-explorer-picture)").first
        track = panel.locator(".widget-slider .slider-container, .widget-slider .ui-slider").first
        assert track.bounding_box()["width"] >= 250, f"slider track {track.bounding_box()['width']:.0f} px"
        panel.screenshot(path=str(shots / "explorer.png"))
        before = (picture.get_attribute("src"), picture.get_attribute("alt"))
        handle = panel.locator(".widget-slider .noUi-handle, .widget-slider .ui-slider-handle").first
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 60, y, steps=6)  # a learner drags the slider to the right
        page.mouse.up()
        page.wait_for_function("([img, src]) => img.getAttribute('src') !== src",
                               arg=[picture.element_handle(), before[0]], timeout=30_000)
        assert picture.get_attribute("alt") != before[1], "the alt text did not follow the picture"

        # closing the tab shuts its kernel down
        assert len(_sessions(base, token)) == 1
        page.evaluate(f"{NOTEBOOK}.close()")
        page.get_by_role("button", name="Discard").click()  # JupyterLab asks about the unsaved outputs
        deadline = time.monotonic() + 30
        while _sessions(base, token) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _sessions(base, token) == [], "closing the notebook left its kernel running"
        browser.close()
    print(f"chapter 01's notebook edition ran in JupyterLab in {seconds:.1f} s")
