"""Navigation that works at every width (issue 12, item 2), as a reader sees it.

At a laptop, a tablet and a phone width, each in the light and the dark colour scheme:

* the table of contents (the primary sidebar) is on screen at laptop width, and at tablet
  and phone width it is hidden at first and opens with the menu button the reader sees;
  its links are on screen and clickable, a chapter link leads to that chapter, and the
  table of contents closes again;
* the page's own contents (the secondary sidebar) is on screen at laptop width, and where
  its button is shown it opens the contents, a link in it goes to that section (the
  contents closing so the section can be read), and it closes again;
* exactly one search control is on screen, and it leads to search results.

The checks are on what a person sees: bounding boxes inside the viewport, visibility, and
Playwright's actionability check for clicks (the element is the one hit at its centre, not
covered by anything), never on class names. Buttons and landmarks are found by their
accessible role and name.
"""

from __future__ import annotations

import re
import time

import pytest

# A page of the book (Part I's opening page: the template of a chapter, quicker to load), a
# chapter link of the table of contents and the chapter it leads to, where the table of
# contents is checked again, and a section link of that chapter's contents.
PAGE = "chapters/foundations/index"
CHAPTER = ("Why the maximum-likelihood variance is biased", "chapters/foundations/sample_variance")
TOC_LINKS = ["Notation", "Course guide", "Bibliography"]
SECTION = ("Derivation", "derivation")

VIEWPORTS = {"laptop": (1366, 900), "tablet": (900, 1200), "phone": (390, 844)}
SCHEMES = ("light", "dark")

# The menu button (the theme's "Toggle primary sidebar"; pydata's "Site navigation"), the
# contents button ("Toggle secondary sidebar"; "On this page"), and search.
TOC_BUTTON = re.compile(r"primary sidebar|site navigation", re.I)
CONTENTS_BUTTON = re.compile(r"secondary sidebar|on this page", re.I)
SEARCH = re.compile(r"search", re.I)


class Reader:
    """The ``page`` fixture at one viewport and colour scheme, with what a reader checks."""

    def __init__(self, page, site_url, device, scheme):
        self.page, self.site_url, self.device, self.scheme = page, site_url, device, scheme
        self.width, self.height = VIEWPORTS[device]
        self.narrow = device != "laptop"

    def open(self, name):
        response = self.page.goto(f"{self.site_url}/{name}.html", wait_until="load")
        assert response is not None and response.ok
        # the colour scheme really is the one under test (pydata resolves "auto" on load)
        theme = self.page.evaluate("() => document.documentElement.dataset.theme")
        assert theme == self.scheme, f"the page is in {theme} mode, not {self.scheme}"
        return self.page

    def shown(self, locator):
        """The elements of the locator that are on screen: rendered and not hidden (nor
        transparent), inside the viewport from left to right, with some of their height in
        view. One snapshot, without Playwright's waiting for an element to appear."""
        flags = locator.evaluate_all(
            """(elements, [width, height]) => elements.map(e => {
                 const r = e.getBoundingClientRect();
                 return e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true,
                                         opacityProperty: true, visibilityProperty: true})
                     && r.width > 0 && r.height > 0 && r.left >= -1 && r.right <= width + 1
                     && r.top < height && r.bottom > 0; })""",
            [self.width, self.height],
        )
        return [locator.nth(k) for k, flag in enumerate(flags) if flag]

    def on_screen(self, locator) -> bool:
        return bool(self.shown(locator))

    def the_one_shown(self, locator, what):
        shown = self.shown(locator)
        assert len(shown) == 1, f"{self.device}: {len(shown)} {what} on screen, expected one"
        return shown[0]

    def until(self, condition, what, timeout=5.0):
        """Wait (for a transition, a dialog) until the condition holds."""
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                pytest.fail(f"{self.device}/{self.scheme}: {what} (after {timeout} s)")
            self.page.wait_for_timeout(50)

    def toc(self):
        return self.page.get_by_role("navigation", name="Main")

    def contents(self):
        return self.page.get_by_role("navigation", name="Contents")

    def tap_outside(self, locator):
        """Click the dimmed page beside an open side panel, near the other edge."""
        box = locator.bounding_box()
        on_the_left = box["x"] + box["width"] / 2 < self.width / 2
        self.page.mouse.click(self.width - 12 if on_the_left else 12, self.height / 2)

    def links_usable(self, nav, names):
        for name in names:
            link = nav.get_by_role("link", name=name).first
            link.scroll_into_view_if_needed(timeout=3000)  # a long list scrolls in its panel
            assert self.on_screen(link), f"{self.device}: the link {name!r} is not on screen"
            # Playwright's actionability checks: visible, stable, enabled, and the element
            # that a click at its centre reaches (nothing covers it)
            link.click(trial=True, timeout=3000)

    def clean(self):
        assert self.page.errors == [], self.page.errors
        assert self.page.external == [], self.page.external


@pytest.fixture(params=[(d, s) for d in VIEWPORTS for s in SCHEMES],
                ids=lambda p: f"{p[0]}-{p[1]}")
def reader(request, page, site_url):
    device, scheme = request.param
    width, height = VIEWPORTS[device]
    page.set_viewport_size({"width": width, "height": height})
    # both ways a page gets its mode: the reader's system setting (prefers-color-scheme)
    # and the mode stored by the theme's switch (localStorage "mode", read by pydata)
    page.emulate_media(color_scheme=scheme)
    page.add_init_script(f"localStorage.setItem('mode', '{scheme}')")
    return Reader(page, site_url, device, scheme)


def _toc_button(reader):
    return reader.the_one_shown(reader.page.get_by_role("button", name=TOC_BUTTON),
                                "table-of-contents buttons")


def _open_toc(reader):
    """The table of contents on screen, as a reader gets it at this width."""
    toc = reader.toc()
    if reader.narrow:
        assert not reader.on_screen(toc), "the table of contents covers the page at first"
        _toc_button(reader).click()
        reader.until(lambda: reader.on_screen(toc), "the menu button did not open the toc")
    else:
        assert reader.on_screen(toc), "the table of contents is not on screen at laptop width"
    reader.links_usable(toc, TOC_LINKS + [CHAPTER[0]])
    return toc


def _close_panel(reader, panel, button, how):
    """Close an open side panel (narrow widths) by a tap beside it or by Escape."""
    if how == "Escape":
        reader.page.keyboard.press("Escape")
    else:
        reader.tap_outside(panel)
    reader.until(lambda: not reader.on_screen(panel), f"the panel did not close ({how})")
    button.click(trial=True, timeout=3000)  # the page is usable again: nothing covers it


def test_table_of_contents_opens_and_closes(reader):
    reader.open(PAGE)
    button = _toc_button(reader)
    toc = _open_toc(reader)
    if reader.narrow:
        _close_panel(reader, toc, button, "tap outside")
        _open_toc(reader)
        _close_panel(reader, toc, button, "Escape")
    else:
        button.click()  # hides it, for a wider page ...
        reader.until(lambda: not reader.on_screen(toc), "the menu button did not hide the toc")
        button.click()  # ... and shows it again
        reader.until(lambda: reader.on_screen(toc), "the menu button did not show the toc again")
        reader.links_usable(toc, TOC_LINKS)
    reader.clean()


def test_a_chapter_link_in_the_table_of_contents_opens_the_chapter(reader):
    page = reader.open(PAGE)
    title, target = CHAPTER
    _open_toc(reader).get_by_role("link", name=title).first.click()
    page.wait_for_url(f"**/{target}.html", timeout=10_000)
    heading = page.get_by_role("heading", level=1).first
    assert reader.on_screen(heading), "the chapter's title is not on screen"
    assert title in heading.inner_text()  # after the chapter number of the plan ("2. ")
    # and on the chapter, the table of contents works as well
    toc = _open_toc(reader)
    if reader.narrow:
        _close_panel(reader, toc, _toc_button(reader), "tap outside")
    reader.clean()


def test_page_contents_opens_goes_to_a_section_and_closes(reader):
    page = reader.open(CHAPTER[1])
    contents = reader.contents()
    buttons = reader.shown(page.get_by_role("button", name=CONTENTS_BUTTON))
    title, anchor = SECTION
    section = page.locator(f"#{anchor} > h2")
    if not reader.narrow:
        # the contents sits beside the page: no button needed, none shown
        assert buttons == [], f"{len(buttons)} contents buttons on screen at laptop width"
        assert reader.on_screen(contents), "the page contents is not on screen at laptop width"
        reader.links_usable(contents, [title, "Exercises"])
        contents.get_by_role("link", name=title, exact=True).click()
    else:
        assert len(buttons) == 1, f"{len(buttons)} contents buttons on screen, expected one"
        button = buttons[0]
        assert not reader.on_screen(contents), "the page contents covers the page at first"
        for close in (True, False):  # (Escape closes it too: the same dialog as the toc's)
            button.click()
            reader.until(lambda: reader.on_screen(contents),
                         "the contents button did not open the page contents")
            reader.links_usable(contents, [title, "Exercises"])
            if close:
                _close_panel(reader, contents, button, "tap outside")
        contents.get_by_role("link", name=title, exact=True).click()
        # following a link closes the panel, so that the section can be read
        reader.until(lambda: not reader.on_screen(contents),
                     "the page contents stays over the page after a link in it was followed")
    reader.until(lambda: page.url.endswith(f"#{anchor}"), f"the URL did not become #{anchor}")
    reader.until(lambda: reader.on_screen(section), f"the section {title!r} is not on screen")
    section.click(trial=True, timeout=3000)  # in view, and no panel covers it
    reader.clean()


def test_one_search_control_and_it_finds_a_chapter(reader):
    page = reader.open(PAGE)
    controls = page.get_by_role("button", name=SEARCH).or_(page.get_by_role("searchbox"))
    shown = reader.shown(controls)
    boxes = [c.bounding_box() for c in shown]
    assert len(shown) == 1, f"{reader.device}: {len(shown)} search controls on screen {boxes}"
    shown[0].click()
    fields = page.get_by_role("searchbox")
    reader.until(lambda: len(reader.shown(fields)) == 1, "no search field on screen to type in")
    field = reader.shown(fields)[0]
    field.click(trial=True, timeout=3000)
    field.fill("Bessel")
    field.press("Enter")
    page.wait_for_url("**/search.html?q=Bessel*", timeout=10_000)
    page.wait_for_selector("#search-results ul li a", timeout=15_000)
    result = page.locator("#search-results li a", has_text=CHAPTER[0]).first
    assert reader.on_screen(result), "the chapter is not among the results on screen"
    assert CHAPTER[1] in (result.get_attribute("href") or "")
    reader.clean()
