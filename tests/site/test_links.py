"""No broken internal links in the built site (``_build/html``).

Sphinx's nitpicky mode (``make book`` builds with ``-n -W``) catches a cross-reference that
does not resolve; this test reads the HTML that was actually written and checks every
``href`` and ``src`` that points inside the site: the file exists and, for ``page#anchor``,
the page has an element with that id. No browser is needed, so it checks every page, not only
those of the table of contents (the index, the search page, the bibliography ...).
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
EXTERNAL = ("http:", "https:", "mailto:", "data:", "javascript:", "tel:")


class _Page(HTMLParser):
    """The ids of a page and the (tag, attribute, value) of its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if name in ("href", "src"):
                self.links.append((tag, name, value))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def internal_link_problems(html_root: Path) -> list[str]:
    """Every internal href/src of every page under ``html_root`` that points nowhere."""
    # _static/ holds the theme's assets, among them Jinja macro files named *.html: not pages
    pages = {p.resolve(): _parse(p) for p in sorted(html_root.rglob("*.html"))
             if "_static" not in p.relative_to(html_root).parts}
    problems = []
    for path, page in pages.items():
        for tag, attr, value in page.links:
            value = value.strip()
            if not value or value.startswith(EXTERNAL) or value.startswith("//"):
                continue
            parts = urlsplit(value)
            if parts.scheme:  # another scheme (e.g. a launch button's custom protocol)
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(html_root.resolve())}: <{tag} {attr}={value!r}>"
            if html_root.resolve() not in (target, *target.parents):
                problems.append(f"{where} points outside the site")
                continue
            if not target.is_file():
                problems.append(f"{where}: no such file")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{where}: no element with id {parts.fragment!r}")
    return problems


def test_every_internal_link_and_source_resolves():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built site in {HTML}: run `make book` first")
    problems = internal_link_problems(HTML)
    assert problems == [], f"{len(problems)} broken internal links:\n" + "\n".join(problems[:50])


def test_the_link_check_finds_a_broken_link_and_a_missing_anchor(tmp_path):
    (tmp_path / "index.html").write_text(
        '<html><body><h1 id="top">t</h1><a href="#top">ok</a><a href="other.html#there">ok</a>'
        '<a href="missing.html">bad</a><a href="other.html#nowhere">bad</a>'
        '<img src="_static/figure.png"><a href="https://example.org/x">external</a></body></html>',
        encoding="utf-8",
    )
    (tmp_path / "other.html").write_text('<p id="there">x</p><a href="index.html">up</a>',
                                         encoding="utf-8")
    problems = internal_link_problems(tmp_path)
    assert len(problems) == 3, problems
    assert any("missing.html" in p and "no such file" in p for p in problems)
    assert any("nowhere" in p for p in problems)
    assert any("figure.png" in p for p in problems)
