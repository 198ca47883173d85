"""Fixtures for the browser tests of the built site (``_build/html``).

The site is served on 127.0.0.1 by a thread of this process and opened in Debian's
Chromium driven by Playwright (``/usr/bin/chromium``; Playwright's own browser download is
not used). Every request that leaves the site's origin is refused and recorded in
``page.external``: the site ships everything it needs (MathJax included), so a page works
offline, and a test fails on any such request.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site as a static host does (GitHub Pages, Netlify): text gzip-compressed
    when the browser accepts it, so the weights the tests measure are what a reader's
    browser would transfer."""

    COMPRESS = (".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".map")
    _cache: dict = {}

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if (not os.path.isfile(path) or not path.endswith(self.COMPRESS)
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        key = (path, os.stat(path).st_mtime_ns)
        if key not in self._cache:
            with open(path, "rb") as f:
                self._cache[key] = gzip.compress(f.read(), compresslevel=6, mtime=0)
        body = self._cache[key]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@pytest.fixture(scope="session")
def site_url():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built site in {HTML}: run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file() and shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install chromium`, or set "
                    "CHROMIUM to a Chromium/Chrome binary (see README)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _local_only(page, origin):
    """Refuse (and record) every request outside the site's origin."""
    def handle(route):
        url = route.request.url
        if url.startswith(origin + "/") or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            page.external.append(url)
            route.abort()
    return handle


@pytest.fixture
def page(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.errors = []  # console errors and uncaught exceptions, checked by the tests
    pg.external = []  # requests outside the site, refused
    context.route("**/*", _local_only(pg, site_url))
    pg.on("console", lambda msg: pg.errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    context.close()


@pytest.fixture(scope="session")
def screenshots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture
def reader(browser, site_url, request):
    """A page at the given size and colour scheme, refusing requests outside the site."""
    from test_site import SIZES, WAIT_MATH  # the site tests' shared constants

    contexts = []

    def open_page(name, size, scheme="light"):
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height},
                                      color_scheme=scheme)
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(site_url) else route.abort())
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{site_url}/{name}.html", wait_until="load")
        page.evaluate(WAIT_MATH)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def plain_reader(browser, site_url):
    """Like ``reader``, but MathJax is not loaded: for checks that do not depend on typeset
    math (figures, code toggles, citations), which then need not wait for it. The page's
    own scripts still run; nothing outside the site is requested."""
    from test_site import SIZES

    contexts = []

    def open_page(name, size="laptop", scheme="light"):
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height},
                                      color_scheme=scheme)
        context.route("**/*", lambda route: route.abort()
                      if not route.request.url.startswith(site_url)
                      or "/_static/mathjax/" in route.request.url else route.continue_())
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{site_url}/{name}.html", wait_until="load")
        return page

    yield open_page
    for context in contexts:
        context.close()
