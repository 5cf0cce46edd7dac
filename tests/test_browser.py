"""The built site in a real browser: headless Debian Chromium driven by Playwright, served on 127.0.0.1.

On every page: no JavaScript error, no request leaving 127.0.0.1, the math typeset by MathJax,
every image loaded.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from urllib.parse import urlparse

import pytest

from conftest import toc_files

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = [f"{doc}.html" for doc in toc_files()] + ["index.html", "search.html", "genindex.html"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built_site):
    handler = functools.partial(_Quiet, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
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


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_with_math_and_images(server, page, path):
    page.goto(f"{server}/{path}", wait_until="load")
    page.wait_for_load_state("networkidle")
    has_math = page.evaluate("() => document.querySelectorAll('.math, span.math, div.math').length") > 0
    if has_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
        assert typeset > 0, "MathJax typeset nothing"
        assert page.evaluate("() => document.querySelectorAll('mjx-merror').length") == 0, "MathJax reported a TeX error"
    broken = page.evaluate(
        """() => Promise.all(Array.from(document.images).map(img => {
               img.loading = 'eager';
               return img.decode().then(() => img.naturalWidth > 0 ? null : img.src, () => img.src);
           })).then(r => r.filter(x => x))"""
    )
    assert broken == [], f"images that did not load: {[b[:80] for b in broken]}"
    assert page.errors == []
    assert page.outside == [], f"requests left the site: {page.outside}"


def test_chapter_pages_have_typeset_equations(server, page):
    page.goto(f"{server}/book/01_linear_algebra.html", wait_until="load")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    assert page.evaluate("() => document.querySelectorAll('mjx-container[display=\"true\"]').length") >= 3
