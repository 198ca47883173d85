"""Numbers for teaching, read from the built pages (issue 12, item 6).

Each chapter's title carries its number in the book's plan, and its equations, exercises and
theorems are numbered ``<chapter>.<k>`` with k = 1, 2, ... in page order, so that a new
chapter never renumbers them; every page says which edition it is and has a favicon.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from test_site import CHAPTERS, PAGES

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT))
from tools.book import chapter_numbers  # noqa: E402

NUMBERS = chapter_numbers()


def _page(name: str) -> str:
    return (HTML / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CHAPTERS)
def test_a_chapter_numbers_its_title_equations_exercises_and_theorems(name):
    n = NUMBERS[name]
    page = _page(name)
    title = re.search(r"<h1>(.*?)<a class=\"headerlink\"", page, re.S)[1]
    assert title.startswith(f"{n}. "), f"{name}: title {title!r} lacks its number {n}"
    # the book's own numbers: equation numbers, and the caption numbers of exercises and
    # theorems (not "Theorem 2.6.2" of a cited book, which a reason may mention)
    caption = r'<span class="caption-number">(?:Exercise|Theorem|Lemma|Proposition|Corollary|' \
              r'Definition|Algorithm) (\d+)\.(\d+) </span>'
    for kind, pattern in [("equation", r'class="eqno">\((\d+)\.(\d+)\)'),
                          ("exercise or theorem", caption)]:
        found = [(int(a), int(b)) for a, b in re.findall(pattern, page)]
        assert all(a == n for a, _ in found), f"{name}: a {kind} numbered outside chapter {n}"
        assert found, f"{name}: no numbered {kind}"
        if kind == "equation":
            ks = [b for _, b in found]
            assert ks == list(range(1, len(ks) + 1)), f"{name}: equations not 1, 2, ...: {ks}"
    assert not re.search(r'class="eqno">\(\d+\)', page), f"{name}: an equation without chapter"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_names_its_edition_and_has_a_favicon(name):
    page = _page(name)
    edition = re.search(r'class="derivlib-edition">derivlib (\S+), built (\d{4}-\d\d-\d\d) '
                        r'\(UTC\) from commit (\w+)', page)
    assert edition, f"{name}: no version and build date in the footer"
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert icon and (HTML / name).parent.joinpath(icon[1]).resolve().is_file()
