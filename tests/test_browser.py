"""The built site in a real browser: headless Debian Chromium driven by Playwright, served on 127.0.0.1.

On every page: no JavaScript error, no request leaving 127.0.0.1, the math typeset by MathJax,
every image loaded, no serious or critical accessibility violation (axe), in light and dark mode, and the
page with everything it loads within 3 MB. On every chapter page: each explorer's controls change its
picture, from the keyboard, also when the page is opened from the folder (file://) with no server.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest

import dlmath
from conftest import serve, toc_files

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"  # as tools/pdf.py
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = [f"{doc}.html" for doc in toc_files()] + ["index.html", "search.html", "genindex.html"]


@pytest.fixture(scope="module")
def server(built_site):
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    scheme = getattr(request, "param", "light")
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.context_scheme = scheme
    page.errors, page.outside = [], []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(f"console: {msg.text}"))
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))

    def route(r):
        if urlparse(r.request.url).hostname in ("127.0.0.1", None) or r.request.url.startswith("data:"):
            r.continue_()
        else:
            page.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    yield page
    context.close()


def _open(page, url):
    """Go to `url` and wait for its load event; a page that redirects (index.html, by a meta refresh) is
    followed to the page it names, which is then the one loaded."""
    from playwright.sync_api import Error

    page.goto(url, wait_until="load")
    try:
        refresh = page.evaluate("() => document.querySelector('meta[http-equiv=\"refresh\"]') !== null")
    except Error as exc:  # the redirect already destroyed the page being asked
        if "context was destroyed" not in str(exc):
            raise
        refresh = True
    if refresh:
        page.wait_for_url(lambda now: now != url, wait_until="load")


def _settled(page):
    """Wait for the signals a reader waits for, not for "network idle" (Playwright advises against it:
    one slow request on a busy machine holds it past any timeout): the load event (HTML, scripts,
    styles, images), the math typeset with its fonts, every image decoded, and every finite CSS transition
    or animation finished (the theme fades its colours in when it sets light or dark mode; on a busy machine
    axe once measured a colour half-way). Returns the images that did not load."""
    _typeset(page)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.evaluate("""() => Promise.all(document.getAnimations()
        .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
        .map(a => a.finished.catch(() => null))).then(() => true)""")
    return page.evaluate(
        """() => Promise.all(Array.from(document.images).map(img => {
               img.loading = 'eager';
               return img.decode().then(() => img.naturalWidth > 0 ? null : img.src, () => img.src);
           })).then(r => r.filter(x => x))"""
    )


def _track(page) -> dict:
    """The requests of `page` in flight, kept up to date: request -> URL."""
    pending = {}
    page.on("request", lambda r: pending.__setitem__(r, r.url))
    page.on("requestfinished", lambda r: pending.pop(r, None))
    page.on("requestfailed", lambda r: pending.pop(r, None))
    return pending


def _finished(page, pending, loaded, wanted, timeout=60.0):
    """Wait until every URL in `wanted` has finished loading and no request is in flight (a definite condition,
    not a pause): each wait ends at Playwright's next "requestfinished" event, or after a second, since the
    last request may fail instead (a frame the page stopped loading). On timeout, fail naming the requests
    still pending and the frames never loaded."""
    import time

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout
    while pending or not wanted <= loaded.keys():
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"after {timeout:.0f} s, requests in flight: {sorted(pending.values())[:5]}; "
                        f"frames never loaded: {sorted(wanted - loaded.keys())[:5]}")
        try:
            page.wait_for_event("requestfinished", timeout=min(left, 1.0) * 1000)
        except PlaywrightTimeout:
            pass


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_with_math_and_images(server, page, path):
    _open(page, f"{server}/{path}")
    broken = _settled(page)
    if page.evaluate("() => document.querySelectorAll('.math').length") > 0:
        typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
        assert typeset > 0, "MathJax typeset nothing"
        assert page.evaluate("() => document.querySelectorAll('mjx-merror').length") == 0, "MathJax reported a TeX error"
    assert broken == [], f"images that did not load: {[b[:80] for b in broken]}"
    assert page.errors == []
    assert page.outside == [], f"requests left the site: {page.outside}"


def test_chapter_pages_have_typeset_equations(server, page):
    page.goto(f"{server}/book/01_linear_algebra.html", wait_until="load")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    assert page.evaluate("() => document.querySelectorAll('mjx-container[display=\"true\"]').length") >= 3


PAGE_BUDGET = 3 * 1024 * 1024
CHAPTERS = [f"book/{ch.stem}.html" for ch in dlmath.CHAPTERS]


def _typeset(page):
    if page.evaluate("() => document.querySelectorAll('.math').length") > 0:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")


@pytest.mark.parametrize("path", PAGES)
def test_page_with_everything_it_loads_stays_within_3_mb(server, page, path):
    """HTML, scripts, styles, fonts, MathJax, the images, and every frame of every explorer (as a reader
    who moves them all loads them), as a reader downloads them from a host that compresses text, as
    GitHub Pages does."""
    loaded = {}  # the bytes that crossed the wire (compressed where the server compressed them)
    page.on("requestfinished", lambda r: loaded.__setitem__(r.url, r.sizes()["responseBodySize"]))
    pending = _track(page)
    _open(page, f"{server}/{path}")
    _settled(page)
    frames = page.evaluate("""() => { const panels = document.querySelectorAll('.dlmath-explorer-controls');
        panels.forEach(panel => panel.dispatchEvent(new FocusEvent('focusin')));  // as a reader reaching for one
        return panels.length; }""")
    wanted = set(page.evaluate("""() => Array.from(new Set(Array.from(document.querySelectorAll('script.dlmath-explorer-data'))
        .flatMap(s => JSON.parse(s.textContent).frames.map(f => new URL(f[0], document.baseURI).href))))"""))
    assert bool(frames) == bool(wanted)
    _finished(page, pending, loaded, wanted)
    assert {url for url in loaded if "/_images/explorers/" in url} == wanted, "not every frame was loaded"
    total = sum(loaded.values())
    biggest = sorted(loaded.items(), key=lambda kv: -kv[1])[:5]
    assert total <= PAGE_BUDGET, f"{path} loads {total / 1e6:.2f} MB; the largest: {biggest}"


@pytest.mark.parametrize("page", ["light", "dark"], indirect=True)
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(server, page, path):
    from axe_playwright_python.sync_playwright import Axe

    _open(page, f"{server}/{path}")
    _settled(page)
    scheme = page.evaluate("() => document.documentElement.dataset.theme")
    assert scheme == page.context_scheme, f"asked for {page.context_scheme} mode, the page shows {scheme}"
    violations = Axe().run(page).response["violations"]
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in violations
           if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{path} ({scheme} mode): {bad}"


def _wired_figures(page):
    """The page's explorers, once the script has wired every one of them."""
    page.wait_for_function("() => Array.from(document.querySelectorAll('figure.dlmath-explorer'))"
                           ".every(f => f.dataset.wired === 'true')")
    return page.locator("figure.dlmath-explorer")


def _explorer_moves(page):
    """Move every control of every explorer on the page, from the keyboard where it is a slider;
    return one line per control: explorer, control, whether the picture changed, the value announced."""
    figures = _wired_figures(page)
    report = []
    for i in range(figures.count()):
        figure = figures.nth(i)
        name = figure.get_attribute("data-explorer")
        img = figure.locator("img")
        controls = figure.locator("[data-control]")
        assert controls.count() >= 1, f"{name}: no control on the page"
        assert figure.locator(".dlmath-explorer-controls").is_visible()
        for j in range(controls.count()):
            control = controls.nth(j)
            key = control.get_attribute("data-control")
            label = figure.locator(f'label[for="{control.get_attribute("id")}"]')
            assert label.count() == 1 and label.inner_text().strip(), f"{name}.{key} has no label"
            before = (img.get_attribute("src"), img.get_attribute("alt"))
            if control.evaluate("el => el.type") == "range":
                was = control.get_attribute("aria-valuetext")
                control.focus()
                at_end = control.evaluate("el => el.value === el.max")
                page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
                said = control.get_attribute("aria-valuetext")
            else:
                options = control.locator("option")
                now = int(control.input_value())
                was = control.locator("option:checked").inner_text()
                control.select_option(str((now + 1) % options.count()))
                said = control.locator("option:checked").inner_text()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
            after = (img.get_attribute("src"), img.get_attribute("alt"))
            assert said and said != was, f"{name}.{key}: the new value is not announced ({was!r} -> {said!r})"
            assert after[1] and after[1] != before[1], f"{name}.{key}: the new picture's alt text does not say what changed"
            report.append((name, key, before[0] != after[0], said))
            # restore, so that the next control starts from the defaults
            if control.evaluate("el => el.type") == "range":
                page.keyboard.press("ArrowRight" if at_end else "ArrowLeft")
            else:
                control.select_option(str(now))
    return report


def _press_presets(page):
    """On every explorer of the page, press each preset from the keyboard (focus, Enter); return one line per press:
    explorer, preset, and whether the picture, its alt text, the pressed button, the controls and the status line
    are the preset's. Then move a control away from the last preset: the picture must stay one the page holds."""
    import json

    figures = _wired_figures(page)
    report = []
    for i in range(figures.count()):
        figure = figures.nth(i)
        name = figure.get_attribute("data-explorer")
        data = json.loads(figure.locator("script.dlmath-explorer-data").text_content())
        img, status = figure.locator("img"), figure.locator(".dlmath-explorer-status")
        buttons = figure.locator("button[data-preset]")
        assert buttons.count() == len(data["presets"]) >= 2, f"{name}: fewer than two preset buttons"
        for j, preset in enumerate(data["presets"]):
            button = buttons.nth(j)
            assert button.evaluate("b => b.tagName") == "BUTTON" and button.inner_text() == preset["name"]
            before = (img.get_attribute("src"), img.get_attribute("alt"))
            button.focus()
            page.keyboard.press("Enter")
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
            src, alt = data["frames"][preset["frame"]]
            shown = (img.get_attribute("src").endswith(src.split("/")[-1]), img.get_attribute("alt") == alt)
            pressed = [buttons.nth(k).get_attribute("aria-pressed") == "true" for k in range(buttons.count())]
            controls = [int(c.input_value()) for c in figure.locator("[data-control]").all()]
            point = [at for at, c in zip(data["points"][preset["frame"]], data["controls"])
                     if figure.locator(f'[data-control="{c["name"]}"]').count()]
            said = (status.text_content().startswith(f"Preset {preset['name']}. ")
                    and figure.locator(".dlmath-explorer-note").text_content() == f"Preset shown: {preset['name']}.")
            report.append((name, preset["name"], all(shown), pressed == [k == j for k in range(len(pressed))],
                           controls == point, said,
                           (img.get_attribute("src"), img.get_attribute("alt")) != before or j == 0))
        control = figure.locator("[data-control]").first
        if control.evaluate("el => el.type") == "range":
            control.focus()
            page.keyboard.press("ArrowLeft" if control.evaluate("el => el.value !== '0'") else "ArrowRight")
        else:
            control.select_option(str((int(control.input_value()) + 1) % control.locator("option").count()))
        held = {f[1] for f in data["frames"]}
        assert img.get_attribute("alt") in held, f"{name}: after a preset, a move shows a picture the page lacks"
        now = [int(c.input_value()) for c in figure.locator("[data-control]").all()]
        frame = data["frames"].index(next(f for f in data["frames"] if f[1] == img.get_attribute("alt")))
        shown = [at for at, c in zip(data["points"][frame], data["controls"])
                 if figure.locator(f'[data-control="{c["name"]}"]').count()]
        assert now == shown, f"{name}: the controls do not name the picture shown"
    return report


@pytest.mark.parametrize("path", [p for p in CHAPTERS if not p.startswith("book/00")])
def test_every_preset_button_shows_its_picture_and_says_so(server, page, path):
    """Issue 20: every setting the text names is one button away; a press moves every control to it and shows its
    picture and alt text, the button reads as pressed, and the status line names the preset."""
    _open(page, f"{server}/{path}")
    report = _press_presets(page)
    assert report, f"{path} has no explorer with presets"
    bad = [r for r in report if not all(r[2:])]
    assert not bad, f"presses that did not show their preset (picture, pressed, controls, status, changed): {bad}"
    assert page.errors == [] and page.outside == []


@pytest.mark.parametrize("path", CHAPTERS)
def test_every_explorer_responds_to_its_controls(server, page, path):
    _open(page, f"{server}/{path}")
    n = page.locator("figure.dlmath-explorer").count()
    if n == 0:
        pytest.skip(f"{path} has no explorer")
    moves = _explorer_moves(page)
    assert moves and all(picture for _, _, picture, _ in moves), \
        f"controls that did not change the picture: {[(n, k) for n, k, p, _ in moves if not p]}"
    assert page.errors == [] and page.outside == []


def test_explorers_respond_with_the_network_cut_from_the_folder(built_site, browser):
    """The book read from a folder or a USB stick: file:// URLs, every request outside the folder refused."""
    context = browser.new_context(offline=True)
    page = context.new_page()
    outside = []

    def route(r):
        if r.request.url.startswith(("file://", "data:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        for path in CHAPTERS:
            page.goto((built_site / path).as_uri(), wait_until="load")
            if page.locator("figure.dlmath-explorer").count():
                moves = _explorer_moves(page)
                assert all(picture for _, _, picture, _ in moves), f"{path}: {moves}"
        assert outside == []
    finally:
        context.close()
