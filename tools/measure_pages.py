"""Measure the built site as a reader on a mid-range phone gets it: ``make measure``.

For every page of the table of contents, opened at 390x844 in Chromium from a local server
that compresses text like a static host (the browser tests' server, tests/site/conftest.py):

* the bytes transferred until the page has loaded and typeset its math, without scrolling
  (also a test, with the 2.5 MB budget: tests/site/test_weight.py);
* the time to the first contentful paint on Lighthouse's mobile profile (150 ms round trip,
  1.6 Mbit/s down, 750 kbit/s up, the CPU 4x slower), the median of three loads. A timing
  depends on the machine and its load, so it is measured and reported here (and in the
  closing notes), never asserted by a test; the budget is 2 s.

Writes ``_build/page-measurements.json`` and prints a table. Needs a built site
(``make book``) and Chromium (``CHROMIUM``, default /usr/bin/chromium).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
OUT = ROOT / "_build" / "page-measurements.json"
FCP = """() => new Promise(resolve => {
  const done = () => {
    const e = performance.getEntriesByName('first-contentful-paint')[0];
    resolve(e ? e.startTime : null);
  };
  if (performance.getEntriesByName('first-contentful-paint').length) done();
  else new PerformanceObserver(done).observe({type: 'paint', buffered: true});
})"""


def _server():
    sys.path.insert(0, str(ROOT / "tests" / "site"))
    from conftest import _QuietHandler  # the tests' compressing static server

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def measure(pages: list[str], runs: int = 3) -> dict:
    from playwright.sync_api import sync_playwright

    server, base = _server()
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM",
                                                                   "/usr/bin/chromium"),
                                    args=["--headless", "--no-sandbox"])
        for name in pages:
            paints, sizes = [], {}
            for run in range(runs):
                context = browser.new_context(viewport={"width": 390, "height": 844},
                                              is_mobile=True, device_scale_factor=2)
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", {
                    "offline": False, "latency": 150,
                    "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8})
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                if run == 0:
                    page.on("requestfinished", lambda r, sizes=sizes: sizes.__setitem__(
                        r.url, r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]))
                page.goto(f"{base}/{name}.html", wait_until="load", timeout=120_000)
                paints.append(page.evaluate(FCP))
                context.close()
            results[name] = {"first_contentful_paint_ms": round(statistics.median(paints)),
                             "paints_ms": [round(x) for x in paints],
                             "transferred_bytes_at_load": sum(sizes.values())}
            print(f"{name:50s} {results[name]['first_contentful_paint_ms']:6d} ms "
                  f"{results[name]['transferred_bytes_at_load'] / 1e6:6.2f} MB", flush=True)
        browser.close()
    server.shutdown()
    return results


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from tools.book import toc_files

    pages = argv or list(toc_files(ROOT))
    results = measure(pages)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"load_average": os.getloadavg(), "pages": results}, indent=1))
    over = [n for n, r in results.items() if r["first_contentful_paint_ms"] > 2000]
    print(f"first paint over 2 s on the throttled phone: {over or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
