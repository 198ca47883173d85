"""Light pages: what a page transfers before the reader scrolls.

Each page is opened at 390x844 from the test server, which compresses text as a static host
does (conftest.py). Budget (issue 12): at most 2.5 MB transferred until the page has loaded
and typeset its math, without scrolling (the Explore frames and figures further down are
fetched lazily, when the reader gets there). Each page's bytes are printed (run with -s) and
written to _build/page-weights.json. The time to the first paint on a throttled phone is a
timing, so it is measured, not tested: ``python -m tools.measure_pages`` (see its docstring).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_site import PAGES, WAIT_MATH

ROOT = Path(__file__).resolve().parents[2]
BUDGET_BYTES = 2_500_000
RESULTS = ROOT / "_build" / "page-weights.json"


def _record(name: str, **values) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data.setdefault(name, {}).update(values)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=1, sort_keys=True))


def _open_phone(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(site_url) else route.abort())
    return context, context.new_page()


@pytest.mark.parametrize("name", PAGES)
def test_a_page_transfers_at_most_the_budget_before_the_reader_scrolls(browser, site_url,
                                                                        name):
    context, page = _open_phone(browser, site_url)
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
