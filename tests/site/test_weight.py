"""Light pages: what a chapter transfers before the reader scrolls, and its first screen on a
throttled phone.

Each chapter is opened at 390x844 from the test server, which compresses text as a static
host does (conftest.py). Budget (issue 12): at most 2.5 MB transferred until the page has
loaded and typeset its math, without scrolling (the Explore frames and figures further
down are fetched lazily, when the reader gets there); and the first screen painted in under
2 s on a mid-range phone profile (Lighthouse's mobile throttling: 150 ms round trip,
1.6 Mbit/s down, 750 kbit/s up, the CPU 4x slower). Each page's numbers are printed (run
with -s to see them) and written to _build/page-weights.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_site import CHAPTERS, PAGES, WAIT_MATH

ROOT = Path(__file__).resolve().parents[2]
BUDGET_BYTES = 2_500_000
BUDGET_FIRST_PAINT_MS = 2000
RESULTS = ROOT / "_build" / "page-weights.json"


def _record(name: str, **values) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data.setdefault(name, {}).update(values)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=1, sort_keys=True))


def _open_phone(browser, site_url, throttled: bool):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(site_url) else route.abort())
    page = context.new_page()
    if throttled:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 150,
            "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8})
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    return context, page


@pytest.mark.parametrize("name", PAGES)
def test_a_page_transfers_at_most_the_budget_before_the_reader_scrolls(browser, site_url,
                                                                        name):
    context, page = _open_phone(browser, site_url, throttled=False)
    sizes = {}
    page.on("requestfinished", lambda r: sizes.__setitem__(
        r.url, r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]))
    page.goto(f"{site_url}/{name}.html", wait_until="load")
    page.evaluate(WAIT_MATH)
    page.wait_for_timeout(500)
    total = sum(sizes.values())
    context.close()
    heaviest = sorted(sizes.items(), key=lambda kv: -kv[1])[:4]
    print(f"{name}: {total / 1e6:.2f} MB in {len(sizes)} requests")
    _record(name, transferred_bytes=total, requests=len(sizes))
    assert total <= BUDGET_BYTES, (
        f"{name}: {total / 1e6:.2f} MB transferred before scrolling (budget 2.5 MB); "
        f"heaviest: {[(u.rsplit('/', 1)[-1][:40], s) for u, s in heaviest]}")


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_first_screen_paints_in_under_two_seconds_on_a_throttled_phone(browser, site_url,
                                                                           name):
    context, page = _open_phone(browser, site_url, throttled=True)
    page.goto(f"{site_url}/{name}.html", wait_until="load", timeout=60_000)
    paint = page.evaluate("""() => new Promise(resolve => {
        const done = () => {
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          resolve(fcp ? fcp.startTime : null);
        };
        if (performance.getEntriesByName('first-contentful-paint').length) done();
        else new PerformanceObserver(done).observe({type: 'paint', buffered: true});
      })""")
    title = page.locator("article h1").first.bounding_box()
    context.close()
    print(f"{name}: first contentful paint {paint:.0f} ms (throttled)")
    _record(name, first_paint_ms_throttled=round(paint))
    assert title is not None and title["y"] < 844, f"{name}: the title is not on the first screen"
    assert paint is not None and paint < BUDGET_FIRST_PAINT_MS, (
        f"{name}: first contentful paint at {paint:.0f} ms on the throttled phone (budget 2 s)")
