"""Tests of tools.graph: the course guide's prerequisite graph as an SVG with links.

(The built page is checked in a browser by ``tests/site/test_accessibility.py``: the links
resolve, and the graph keeps its size on a laptop and scrolls on a phone.)
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given
from test_tools_book import dags

from tools import book, graph

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def _segments_and_rows(g):
    rows, edges, x = graph.layout(g)
    row_of = {item: k for k, row in enumerate(rows) for item in row}
    return rows, edges, x, row_of


@given(dags())
def test_layout_rows_are_layers_and_arrows_go_one_row_down(g):
    rows, edges, x, row_of = _segments_and_rows(g)
    layer = book.layers(g)
    assert sorted(i for r in rows for i in r if isinstance(i, str)) == sorted(g)
    # the rows of a layer come after those of the layers above, and hold at most PER_ROW
    # chapters; a layer that fits in one row is not split
    for a, b in zip(rows, rows[1:], strict=False):
        la = {layer[i] for i in a if isinstance(i, str)}
        lb = {layer[i] for i in b if isinstance(i, str)}
        assert len(la) <= 1 and len(lb) <= 1 and (not la or not lb or max(la) <= min(lb))
    for row in rows:
        assert sum(isinstance(i, str) for i in row) <= graph.PER_ROW
    for k in set(layer.values()):
        n = sum(1 for v in layer.values() if v == k)
        assert len({row_of[name] for name in g if layer[name] == k}) == -(-n // graph.PER_ROW)
    assert all(row_of[b] == row_of[a] + 1 for a, b in edges)
    # every arrow is one chain of segments from the prerequisite to the chapter
    arrows = sum(len(p) for p in g.values())
    assert sum(1 for a, _b in edges if isinstance(a, str)) == arrows
    assert sum(1 for _a, b in edges if isinstance(b, str)) == arrows
    # the items of a row do not overlap
    for row in rows:
        def half(i):
            return (graph.LANE if isinstance(i, tuple) else graph.BOX_WIDTH) / 2
        for a, b in zip(row, row[1:], strict=False):
            assert x[b] - half(b) - (x[a] + half(a)) >= graph.GAP - 1e-9


@given(dags())
def test_the_reduction_keeps_every_prerequisite_reachable_and_drops_only_implied_arrows(g):
    reduced = graph.transitive_reduction(g)

    def reach(h, name):
        out = set()
        for p in h[name]:
            out |= {p} | reach(h, p)
        return out

    for name in g:
        assert reach(reduced, name) == reach(g, name)
        assert set(reduced[name]) <= set(g[name])
        for p in set(g[name]) - set(reduced[name]):  # a dropped arrow is implied by another
            assert any(p in reach(g, q) for q in g[name] if q != p)


def test_a_skipping_arrow_passes_a_lane_in_each_row_between():
    g = {"a": (), "b": ("a",), "c": ("b",), "d": ("a", "c")}
    rows, edges, _x, _row_of = _segments_and_rows(g)
    assert [[i for i in r if isinstance(i, str)] for r in rows] == [["a"], ["b"], ["c"], ["d"]]
    lanes = [i for r in rows for i in r if not isinstance(i, str)]
    assert [tuple(i) for i in lanes] == [("a", "d", 1), ("a", "d", 2)]
    assert ("a", lanes[0]) in edges and (lanes[1], "d") in edges and ("a", "d") not in edges


def test_the_order_within_rows_avoids_crossings():
    # drawn in the given order, the arrows a->d and b->c would cross
    g = {"a": (), "b": (), "c": ("b",), "d": ("a",)}
    rows, edges, _x, _row_of = _segments_and_rows(g)
    assert graph._crossings(rows[0], rows[1], edges) == 0


def test_the_real_book_as_svg():
    chapters = book.chapters(ROOT)
    svg = graph.prerequisite_svg(chapters)
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("class") == "derivlib-prerequisites"
    assert root.get("aria-label") and root.find(f"{SVG}title").text == root.get("aria-label")
    links = {a.get("href"): "".join(a.itertext()) for a in root.iter(f"{SVG}a")}
    assert set(links) == {f"{c.docname}.html" for c in chapters}
    numbers = book.chapter_numbers()
    for c in chapters:  # the link's text, which a screen reader reads, is number and title
        assert links[f"{c.docname}.html"] == f"{numbers[c.docname]}. {c.title}"
    arrows = [p for p in root.iter(f"{SVG}path") if p.get("marker-end")]
    reduced = graph.transitive_reduction(book.prerequisite_graph(chapters))
    assert len(arrows) == sum(len(p) for p in reduced.values())
    # drawn at its own size, it fits the text column of a laptop (820 px at 1366 px, measured
    # in Chromium; tests/site checks the page): with every arrow from "MLE as KL minimisation"
    # drawn, and a row per layer, it was 1400 px once Part III was written
    assert int(root.get("width")) <= 820
    assert int(root.get("width")) > 0 and root.get("viewBox").endswith(
        f"{root.get('width')} {root.get('height')}")


def test_a_chapter_without_a_page_is_not_a_link():
    chapters = book.chapters(ROOT)
    first = chapters[0].docname
    svg = graph.prerequisite_svg(chapters, href=lambda d: None if d == first else f"{d}.html")
    root = ET.fromstring(svg)
    hrefs = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert f"{first}.html" not in hrefs and len(hrefs) == len(chapters) - 1
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "planned"]) == 1


def test_the_notebook_output_scrolls_and_has_a_text_version():
    chapters = book.chapters(ROOT)
    bundle = graph.PrerequisiteGraph(chapters)._repr_mimebundle_()
    assert bundle["text/html"].startswith('<div class="derivlib-prerequisites-box" '
                                          'style="overflow-x: auto;')
    assert bundle["image/svg+xml"] in bundle["text/html"]
    text = bundle["text/plain"]
    for c in chapters:
        assert c.title in text
    assert "none" in text.splitlines()[1]  # the first chapter needs nothing
