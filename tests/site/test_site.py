"""The built site in a real browser: math, figures, derivations, exercises, launch links.

Runs after ``make book`` (``make test`` builds first). Every page of the table of contents
is opened in headless Chromium; a screenshot of each lands in ``_build/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REPO = "derivations-that-run/book"
BRANCH = "main"


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                files.append(e["file"])
            walk(e.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return files


PAGES = _toc_files()
# the three widths every layout is tested at: laptop, tablet, phone
SIZES = {"laptop": (1366, 900), "tablet": (900, 1200), "phone": (390, 844)}
CHAPTERS = [p for p in PAGES if (ROOT / f"{p}.ipynb").is_file() and p.startswith("chapters/")]

WAIT_MATH = """async () => {
  if (!window.MathJax) { return 'none'; }
  for (let i = 0; i < 200 && !(MathJax.startup && MathJax.startup.promise); i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  await MathJax.startup.promise;
  return 'typeset';
}"""


def _open(page, site_url, name):
    url = f"{site_url}/{name}.html"
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    state = page.evaluate(WAIT_MATH)
    return state


RAW_TEX = ("$$", r"\begin{aligned}", r"\frac{", r"\mathbb{E}", r"\(", r"\[")


def render_problems(page, state) -> list[str]:
    """What is wrong with how the open page rendered: math, images, JavaScript."""
    problems = []
    # Prose and rendered outputs only: code listings (cells, derivlib's source with its
    # docstring equations) legitimately contain TeX.
    text = page.evaluate(
        """() => { const main = document.querySelector('main').cloneNode(true);
                   main.querySelectorAll('pre, code').forEach(e => e.remove());
                   document.body.appendChild(main);
                   const t = main.innerText; main.remove(); return t; }"""
    )
    has_tex = page.evaluate(
        "() => document.querySelectorAll('.math, .text_latex, mjx-container').length"
    )
    if has_tex and state != "typeset":
        problems.append("the page has math but MathJax did not load")
    elif has_tex and page.locator("mjx-container").count() == 0:
        problems.append("no typeset formula")
    if page.locator("mjx-merror").count():
        problems.append(f"MathJax reports {page.locator('mjx-merror').count()} TeX error(s)")
    problems += [f"raw TeX {raw!r} left in the page" for raw in RAW_TEX if raw in text]
    # Lazy images (the Explore frames) load when a reader scrolls to them: scroll there first.
    lazy = page.locator("img[loading=lazy]")
    for k in range(lazy.count()):
        lazy.nth(k).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=lazy.nth(k).element_handle(),
                               timeout=10_000)
    broken = page.evaluate(
        """() => Array.from(document.images)
             .filter(img => !(img.complete && img.naturalWidth > 0))
             .map(img => (img.getAttribute('src') || '').slice(0, 80))"""
    )
    if broken:
        problems.append(f"images that did not load: {broken}")
    if page.errors:
        problems.append(f"JavaScript errors: {page.errors}")
    if page.external:
        problems.append(f"requests outside the site (it must work offline): {page.external}")
    return problems


@pytest.mark.parametrize("name", PAGES)
def test_page_renders(page, site_url, screenshots, name):
    state = _open(page, site_url, name)
    shot = screenshots / (name.replace("/", "__") + ".png")
    page.screenshot(path=str(shot), full_page=True)
    problems = render_problems(page, state)
    assert problems == [], f"{name}: {problems}"


def test_render_checks_catch_a_broken_formula_and_a_missing_image(page, site_url):
    """The checks above are not vacuous: a page of the site with one TeX error, one formula
    left as raw text, one missing image and one script from a CDN fails each of them."""
    good = (ROOT / "_build" / "html" / "notation.html").read_text(encoding="utf-8")
    assert '<span class="math' in good
    bad = good.replace(
        "</main>",
        '<p><span class="math notranslate nohighlight">\\(\\frac{1}\\)</span></p>'
        "<p>a formula outside math delimiters, \\frac{1}{2}, is not typeset</p>"
        '<img src="_static/no-such-figure.png" alt="missing">'
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/startup.js"></script></main>',
        1,
    )
    assert bad != good
    page.route(f"{site_url}/selftest-broken.html",
               lambda route: route.fulfill(status=200, body=bad, content_type="text/html"))
    state = _open(page, site_url, "selftest-broken")
    problems = " | ".join(render_problems(page, state))
    assert "TeX error" in problems
    assert "raw TeX '\\\\frac{'" in problems
    assert "no-such-figure.png" in problems
    assert "requests outside the site" in problems and "cdn.jsdelivr.net" in problems
    # the same page unbroken has no problem
    page.errors.clear()
    page.external.clear()
    page.unroute(f"{site_url}/selftest-broken.html")
    assert render_problems(page, _open(page, site_url, "notation")) == []


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_derivations_and_exercises(page, site_url, name):
    _open(page, site_url, name)
    chains = page.locator(".derivlib-derivation mjx-container")
    assert chains.count() >= 1, f"{name}: no derivation chain rendered"
    # a chain wider than the column scrolls sideways: none is clipped (its reasons unreadable)
    clipped = page.evaluate(
        """() => { const main = document.querySelector('main').getBoundingClientRect();
             return Array.from(document.querySelectorAll(
                 '.cell_output mjx-container[display="true"]')).filter(c => {
               const box = c.getBoundingClientRect();
               const scrolls = ['auto', 'scroll'].includes(getComputedStyle(c).overflowX);
               return box.right > main.right + 1 || box.left < main.left - 1
                   || (c.scrollWidth > c.clientWidth + 1 && !scrolls);
             }).map(c => c.textContent.slice(0, 60)); }"""
    )
    assert clipped == [], f"{name}: formulas clipped by the page: {clipped}"
    solutions = page.locator(".solution.dropdown")
    assert solutions.count() >= 1, f"{name}: no exercise solution"
    first = solutions.first
    body = first.locator(":scope > :not(.admonition-title)").first
    assert not body.is_visible(), f"{name}: a solution is visible before it is clicked"
    # the title holds a link to its exercise, so click the toggle button that
    # sphinx-togglebutton puts at its right end, as a reader does
    first.locator(".admonition-title .toggle-button").click()
    body.wait_for(state="visible", timeout=5000)
    assert body.is_visible()
    assert page.errors == []


@pytest.mark.parametrize("name", CHAPTERS)
def test_launch_buttons(page, site_url, name):
    _open(page, site_url, name)
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a')).map(a => a.href)")
    binder = f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=tree/{name}.ipynb"
    colab = f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{name}.ipynb"
    assert binder in hrefs, f"{name}: no Binder link {binder}"
    assert colab in hrefs, f"{name}: no Colab link {colab}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_static_slider_changes_the_figure(page, site_url, name):
    frames = []
    page.on("request", lambda r: frames.append(r.url) if "/_explore/" in r.url else None)
    _open(page, site_url, name)
    sliders = page.locator(".derivlib-explore input[type=range]")
    assert sliders.count() >= 1, f"{name}: no static slider (derivlib.widgets.explore)"
    # the frames are image files fetched when the reader gets there, not with the page
    assert frames == [], f"{name}: Explore frames loaded before the reader scrolled to them"
    root = page.locator(".derivlib-explore").first
    img = root.locator("img")
    root.scroll_into_view_if_needed()
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle(),
                           timeout=10_000)
    assert len(frames) == 1, frames
    before = img.get_attribute("src")
    slider = root.locator("input[type=range]").first
    value = int(slider.get_attribute("value"))
    slider.fill(str(0 if value > 0 else 1))
    after = img.get_attribute("src")
    assert after != before, f"{name}: moving the slider did not change the figure"
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle(),
                           timeout=10_000)
    assert len(frames) == 2, frames  # one more frame, fetched on demand
    shown = root.locator("output").first.inner_text()
    assert slider.get_attribute("aria-valuetext") == shown
    assert shown in img.get_attribute("alt"), "the figure's alt text names the value shown"
    assert page.errors == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Bessel", "chapters/foundations/sample_variance"),
     ("cross-entropy", "chapters/foundations/mle_kl")],
)
def test_search_finds_a_chapter(page, site_url, word, expected):
    page.goto(f"{site_url}/search.html?q={word}", wait_until="load")
    page.wait_for_selector("#search-results ul li a", timeout=15000)
    links = page.evaluate(
        "() => Array.from(document.querySelectorAll('#search-results li a'))"
        ".map(a => a.getAttribute('href'))"
    )
    assert any(re.search(re.escape(expected), href or "") for href in links), links
    assert page.errors == []
