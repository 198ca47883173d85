"""Printing a chapter (issue 12, item 7): a handout or a PDF a lecturer can use.

Each chapter is printed as Chromium prints it (print media, A4 width): no derivation,
formula or code block is cut at the page's edge (a formula too wide is scaled to fit), no
empty "show code" bar or slider control is printed, headings stay with their text, and a
solution is printed only if the reader opened it (print with the solutions closed for a
handout without them). Chromium's PDF of the page is written to _build/print/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_site import CHAPTERS, WAIT_MATH

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "_build" / "print"

PRINTED = """() => {
  const shown = e => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden';
  const cut = Array.from(document.querySelectorAll(
      '.derivation-start, .derivation-expr, .derivation-premise, div.math, pre'))
    .filter(e => shown(e) && e.scrollWidth > e.clientWidth + 2)
    .map(e => e.className + ': ' + e.textContent.slice(0, 50));
  const bars = Array.from(document.querySelectorAll(
      'details > summary, .toggle-button, .derivlib-explore-controls')).filter(shown).length;
  const solutions = Array.from(document.querySelectorAll('.solution.admonition')).filter(shown);
  const headings = Array.from(document.querySelectorAll('article h2, article h3'))
    .filter(h => !['avoid', 'avoid-page'].includes(getComputedStyle(h).breakAfter)).length;
  return {cut, bars, solutions: solutions.length, headings};
}"""


@pytest.mark.parametrize("name", CHAPTERS)
def test_a_chapter_prints_whole_and_without_closed_solutions(browser, site_url, name):
    context = browser.new_context(viewport={"width": 794, "height": 1123})
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(site_url) else route.abort())
    page = context.new_page()
    page.goto(f"{site_url}/{name}.html", wait_until="load")
    page.evaluate(WAIT_MATH)
    total = page.locator(".solution.admonition").count()
    assert total >= 1, f"{name}: no solution to check"
    # open one solution, as a lecturer printing the answer to one exercise would
    page.locator(".solution.admonition .toggle-button").first.click()
    page.emulate_media(media="print")
    # what a browser does before it prints (the page fits its widest formulas then)
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    printed = page.evaluate(PRINTED)
    OUT.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(OUT / (name.replace("/", "__") + ".pdf")), format="A4")
    context.close()
    assert printed["cut"] == [], f"{name}: cut in print: {printed['cut'][:4]}"
    assert printed["bars"] == 0, f"{name}: {printed['bars']} toggle bars or controls printed"
    assert printed["headings"] == 0, f"{name}: headings that may end a page"
    assert printed["solutions"] == 1, (
        f"{name}: {printed['solutions']} solutions printed; only the one opened should be")
