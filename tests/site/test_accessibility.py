"""What a reader who cannot see the figures, or reads on a phone, gets (issue 12, item 8).

Every page of the site is opened in Chromium and checked for:

- **figures**: every ``<img>`` in the article (a stored figure, an Explore frame) has an
  ``alt`` text that says what it shows: not empty, not a file name or a hash (what Sphinx
  writes when a notebook cell gives no ``alt``: the image's path), not the Explore slider's
  generic "Figure (...)", and a few words long (the parameter list of an Explore frame
  aside). A chapter gives the text in the cell's metadata (``mystnb: image: alt:``) and in
  ``widgets.explore(description=...)``;
- **Explore sliders**: every range input has a visible label that is a reader's name for the
  parameter (``log10 λ``), not a Python identifier with underscores (``log10_lam``), and an
  ``aria-valuetext`` equal to the value shown next to it, before and after it moves;
- **the course guide's prerequisite graph**: drawn as SVG with an accessible name, and each
  written chapter a link in it that resolves on the site.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from test_site import CHAPTERS, PAGES, WAIT_MATH

IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|svg|webp)\b", re.I)
HASH = re.compile(r"\b[0-9a-f]{16,}\b", re.I)
PARAMETERS = re.compile(r"\s*\([^()]*\)\s*$")  # the "(label = value, ...)" of an Explore frame
WORD = re.compile(r"[^\W\d_]{2,}")
MIN_WORDS = 5
IDENTIFIER_WITH_UNDERSCORE = re.compile(r"^[A-Za-z_][A-Za-z0-9]*(_[A-Za-z0-9]*)+$")


def alt_problem(alt: str | None) -> str | None:
    """What is wrong with an image's alt text as a description of a figure, or None."""
    if alt is None or not alt.strip():
        return "no alt text"
    alt = alt.strip()
    if IMAGE_FILE.search(alt) or "/" in alt and " " not in alt:
        return f"alt is a file name: {alt[:80]!r}"
    if HASH.search(alt):
        return f"alt holds a hash: {alt[:80]!r}"
    lead = PARAMETERS.sub("", alt)
    if lead.lower() in ("", "figure", "image", "plot", "graph"):
        return f"alt names no content: {alt[:80]!r}"
    if len(WORD.findall(lead)) < MIN_WORDS:
        return f"alt has fewer than {MIN_WORDS} words: {alt[:80]!r}"
    return None


def test_alt_problem_tells_a_description_from_a_placeholder():
    """The check is not vacuous: what Sphinx and the Explore slider write without a text
    fails, a sentence passes."""
    assert alt_problem(None) == "no alt text"
    assert alt_problem(" ") == "no alt text"
    assert "file name" in alt_problem("../../_images/45340b97c6c3188ef0f404d6cfbd8d53285dffe1"
                                      "1424c14367f1f1dd1259d654.png")
    assert "hash" in alt_problem("figure 45340b97c6c3188ef0f404d6cfbd8d53")
    assert "no content" in alt_problem("Figure (log10_lam_ridge = 2, log10_lam_lasso = 0)")
    assert "fewer than" in alt_problem("Binder logo")
    assert alt_problem("Average of each estimator against N: the ML variance lies below the "
                       "truth by a factor (N - 1)/N.") is None
    assert alt_problem("Ridge and lasso coefficient paths against λ (log10 λ (ridge) = 2, "
                       "log10 λ (lasso) = 0)") is None


@pytest.fixture
def opened(page, site_url):
    def open_page(name):
        response = page.goto(f"{site_url}/{name}.html", wait_until="load")
        assert response is not None and response.ok
        page.evaluate(WAIT_MATH)
        return page
    return open_page


IMAGES = """() => Array.from(document.querySelectorAll('article.bd-article img')).map(img => ({
  src: (img.getAttribute('src') || '').split('/').pop().slice(0, 40),
  alt: img.getAttribute('alt'),
}))"""


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_says_what_it_shows(opened, name):
    page = opened(name)
    problems = [f"{img['src']}: {problem}" for img in page.evaluate(IMAGES)
                if (problem := alt_problem(img["alt"]))]
    assert problems == [], f"{name}: {len(problems)} image(s) without a useful alt text: " \
                           f"{problems}"


SLIDERS = """() => Array.from(document.querySelectorAll(
    'article.bd-article .derivlib-explore input[type=range]')).map(input => {
  const label = input.closest('label');
  const text = label && label.querySelector('.derivlib-explore-label');
  const box = text ? text.getBoundingClientRect() : null;
  const output = input.parentElement.querySelector('output');
  return {label: text ? text.textContent.trim() : null,
          visible: !!box && box.width > 0 && box.height > 0
                   && getComputedStyle(text).visibility !== 'hidden',
          valuetext: input.getAttribute('aria-valuetext'),
          shown: output ? output.textContent.trim() : null,
          max: input.max};
})"""


def slider_problems(sliders: list[dict]) -> list[str]:
    problems = []
    for k, s in enumerate(sliders, start=1):
        label = s["label"]
        if not label:
            problems.append(f"slider {k}: no label")
            continue
        if not s["visible"]:
            problems.append(f"slider {k} ({label}): the label is not visible")
        if IDENTIFIER_WITH_UNDERSCORE.match(label):
            problems.append(f"slider {k}: the label {label!r} is a Python identifier")
        if s["valuetext"] != s["shown"]:
            problems.append(f"slider {k} ({label}): aria-valuetext {s['valuetext']!r} is not "
                            f"the value shown, {s['shown']!r}")
    return problems


@pytest.mark.parametrize("name", PAGES)
def test_every_explore_slider_is_labelled_and_speaks_its_value(opened, name):
    page = opened(name)
    before = page.evaluate(SLIDERS)
    problems = slider_problems(before)
    # moved to its first value, a slider still says the value it shows
    inputs = page.locator("article.bd-article .derivlib-explore input[type=range]")
    for k in range(inputs.count()):
        inputs.nth(k).scroll_into_view_if_needed()
        inputs.nth(k).fill("0")
    after = page.evaluate(SLIDERS)
    problems += [f"after moving: {p}" for p in slider_problems(after)
                 if p not in problems]
    assert problems == [], f"{name}: {problems}"


EXPLORERS = """() => Array.from(document.querySelectorAll('article.bd-article .derivlib-explore'))
  .map(root => {
    const name = root.getAttribute('aria-label') || '';
    const repeated = Array.from(root.querySelectorAll('*')).filter(e =>
      e.children.length === 0 && e.offsetParent !== null && name
      && e.textContent.trim() === name.trim()).length;
    return {role: root.getAttribute('role'), name, repeated};
  })"""


@pytest.mark.parametrize("name", PAGES)
def test_an_explore_slider_is_named_by_its_description_without_repeating_it(opened, name):
    """The description names the slider for a screen reader (and starts its frame's alt
    text); printed above the slider it only repeated the chapter's prose to the eye."""
    explorers = opened(name).evaluate(EXPLORERS)
    problems = [f"slider {k}: {e}" for k, e in enumerate(explorers, start=1)
                if e["role"] != "group" or not e["name"] or e["repeated"]]
    assert problems == [], f"{name}: {problems}"


GRAPH = """() => {
  const svg = document.querySelector('article.bd-article svg.derivlib-prerequisites');
  if (!svg) { return null; }
  const titled = svg.querySelector(':scope > title');
  return {
    name: svg.getAttribute('aria-label') || (titled ? titled.textContent : ''),
    links: Array.from(svg.querySelectorAll('a')).map(a => {
      const box = a.getBoundingClientRect();
      return {href: a.getAttribute('href') || a.getAttribute('xlink:href'),
              text: a.textContent.replace(/\\s+/g, ' ').trim(),
              size: [box.width, box.height]};
    }),
  };
}"""


def test_the_course_guide_graph_links_every_written_chapter(opened, site_url):
    page = opened("course_guide")
    graph = page.evaluate(GRAPH)
    assert graph is not None, "course_guide: no SVG prerequisite graph " \
                              "(svg.derivlib-prerequisites) in the article"
    assert len(WORD.findall(graph["name"])) >= MIN_WORDS, \
        f"the graph has no accessible name: {graph['name']!r}"
    base = f"{site_url}/course_guide.html"
    targets = {urljoin(base, link["href"]): link for link in graph["links"]}
    expected = {f"{site_url}/{name}.html" for name in CHAPTERS}
    assert set(targets) == expected, f"missing: {sorted(expected - set(targets))}; " \
                                     f"not a chapter: {sorted(set(targets) - expected)}"
    for url, link in targets.items():
        assert link["text"], f"the link to {url} has no text"
        assert min(link["size"]) > 20, f"the link to {url} is not a box a reader can click"
        response = page.request.get(url)
        assert response.status == 200, f"{url} (from the graph) answered {response.status}"


SIZES = {"laptop": (1366, 900), "phone": (390, 844)}
GRAPH_SIZE = """() => {
  const svg = document.querySelector('article.bd-article svg.derivlib-prerequisites');
  if (!svg) { return null; }
  const box = svg.getBoundingClientRect(), col = document.querySelector('article.bd-article')
    .getBoundingClientRect(), wrap = svg.parentElement;
  return {drawn: box.width, natural: parseFloat(svg.getAttribute('width')),
          inside: box.left >= col.left - 1 && box.right <= col.right + 1,
          scrolls: wrap.scrollWidth > wrap.clientWidth + 1
                   && ['auto', 'scroll'].includes(getComputedStyle(wrap).overflowX),
          page: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("size", list(SIZES))
def test_the_course_guide_graph_keeps_a_readable_size(browser, site_url, size):
    """The graph is drawn at its own size, never shrunk (its text stays 14 px): within the
    text column on a laptop; on a phone, in a box that scrolls sideways while the page stays
    as wide as the screen."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(f"{site_url}/course_guide.html", wait_until="load")
        graph = page.evaluate(GRAPH_SIZE)
        assert graph is not None, "course_guide: no SVG prerequisite graph"
        assert abs(graph["drawn"] - graph["natural"]) < 1, f"{size}: drawn at {graph}"
        if size == "laptop":
            assert graph["inside"], f"the graph sticks out of the text column: {graph}"
        else:
            assert graph["scrolls"], f"the graph does not scroll in its box: {graph}"
            assert graph["page"] <= width, f"the page is wider than the phone: {graph}"
    finally:
        context.close()
