"""The course guide's prerequisite graph, drawn as an SVG whose chapters are links.

The graph (:func:`tools.book.prerequisite_graph`) is drawn top to bottom by layer
(:func:`tools.book.layers`, the longest chain of prerequisites above a chapter), so that every
arrow points down and reading the rows from the top meets a chapter after its prerequisites.
It is drawn as SVG rather than a picture of it, so that

- the text stays sharp and is real text (a screen reader reads it, the browser finds it);
- each chapter is a link (``<a href="chapters/<part>/<topic>.html">``, relative to the
  course guide at the site's root) that a reader can click, or reach with the keyboard;
- it keeps its size: its natural width fits the text column of a laptop, and on a phone it
  scrolls sideways inside its own box (:class:`PrerequisiteGraph` wraps it in a
  ``<div style="overflow-x: auto">``) instead of shrinking to an unreadable size.

The layout is the layered (Sugiyama) method in its simplest form: an arrow that skips rows
passes through a narrow lane in each row it crosses (a "dummy node"), so no arrow crosses a
chapter's box; the order within each row is found by moving every item to the mean position
of its neighbours in the row above (then below), keeping the order with the fewest crossings.

Colours are the book's parts (the matplotlib "tab10" colours in the order of
:data:`tools.book.PLAN`); box text is dark on a light fill, and the arrows and the legend use
the page's text colour (``currentColor``), so the drawing reads in a light and a dark theme.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Callable, Mapping, Sequence

from tools import book

__all__ = ["PrerequisiteGraph", "layout", "prerequisite_svg", "transitive_reduction"]

#: matplotlib's "tab10" colours, one per part of the plan, in the plan's order.
TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
         "#7f7f7f", "#bcbd22", "#17becf")

BOX_WIDTH = 260      # a chapter's box, in px (CSS pixels: the SVG is shown at its own size)
WRAP = 28            # characters per line of a title (14 px text: at most 8.5 px a character)
FONT_SIZE = 14
LINE_HEIGHT = 18
PAD = 10             # inside a box, around the text
LANE = 14            # the width of a lane an arrow passes a row in
GAP = 28             # between the items of a row
ROW_GAP = 56         # between rows: room for the arrows' curves
MARGIN = 12
ARROW = 9            # the arrowhead's length
PER_ROW = 2          # chapters in a row at most: with the lanes, a row fits a laptop's column


class _Lane(tuple):
    """A dummy node: where the arrow from ``source`` to ``target`` crosses row ``row``."""

    __slots__ = ()

    def __new__(cls, source: str, target: str, row: int):
        return super().__new__(cls, (source, target, row))


def _mix(colour: str, weight: float) -> str:
    """``colour`` (#rrggbb) mixed with white: ``weight`` of the colour."""
    rgb = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(weight * c + (1 - weight) * 255):02x}" for c in rgb)


def _crossings(upper: Sequence, lower: Sequence, edges: Sequence[tuple]) -> int:
    """How many of the edges between two adjacent rows cross each other."""
    at_u = {item: i for i, item in enumerate(upper)}
    at_l = {item: i for i, item in enumerate(lower)}
    spans = [(at_u[a], at_l[b]) for a, b in edges if a in at_u and b in at_l]
    return sum(1 for i, (a1, b1) in enumerate(spans) for a2, b2 in spans[i + 1:]
               if (a1 - a2) * (b1 - b2) < 0)


def transitive_reduction(graph: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """The graph without the arrows that a path of other arrows already implies.

    Almost every chapter builds on *MLE as KL minimisation*; drawn from it to each of them,
    the arrows filled every row with lanes and made the drawing wider than a laptop's column.
    A prerequisite that is reached through another prerequisite is left out (it is still
    before the chapter, by the path); the table under the graph lists every prerequisite.

    >>> transitive_reduction({"a": (), "b": ("a",), "c": ("a", "b")})
    {'a': (), 'b': ('a',), 'c': ('b',)}
    """
    book.layers(graph)  # raises on an unknown prerequisite or a cycle
    above: dict[str, set] = {}

    def ancestors(name):
        if name not in above:
            above[name] = set()
            for p in graph[name]:
                above[name] |= {p} | ancestors(p)
        return above[name]

    return {name: tuple(p for p in prereqs
                        if not any(p in ancestors(q) for q in prereqs if q != p))
            for name, prereqs in graph.items()}


def layout(graph: Mapping[str, Sequence[str]], widths: Mapping[str, float] | None = None,
           *, sweeps: int = 8, per_row: int | None = None) -> tuple[list[list], list[tuple], dict]:
    """The rows of a layered drawing of a prerequisite graph, and the x of every item.

    Parameters
    ----------
    graph : mapping
        Name -> names of its prerequisites (:func:`tools.book.prerequisite_graph`).
    widths : mapping, optional
        The width of each name's box (default :data:`BOX_WIDTH`); a lane is :data:`LANE`.
    sweeps : int
        Rounds of reordering (each: top to bottom, then bottom to top).
    per_row : int, optional
        At most this many chapters in a row (default :data:`PER_ROW`): a layer with more
        is drawn over several consecutive rows, in the graph's order. The chapters of one
        layer do not build on each other, so every arrow still points down.

    Returns
    -------
    rows : list of lists
        Each row holds the names of one layer (all of it, or :data:`PER_ROW` of them) and the
        lanes (:class:`_Lane`) of the arrows that cross it, left to right; the rows of a
        layer come after those of every layer above it.
    edges : list of (item, item)
        Every arrow as its segments between adjacent rows (prerequisite first).
    x : dict
        The horizontal centre of every item; each row is centred on 0.
    """
    layer = book.layers(graph)
    per_row = PER_ROW if per_row is None else per_row
    if per_row < 1:
        raise ValueError(f"per_row must be at least 1, got {per_row}")
    widths = dict(widths or {})
    row_of: dict[str, int] = {}
    depth = 0
    for k in range(max(layer.values(), default=-1) + 1):
        names = [n for n in graph if layer[n] == k]
        for i, name in enumerate(names):
            row_of[name] = depth + i // per_row
        depth += -(-len(names) // per_row)
    rows: list[list] = [[] for _ in range(depth)]
    for name in graph:
        rows[row_of[name]].append(name)
    edges: list[tuple] = []
    for name, prereqs in graph.items():
        for p in prereqs:
            chain = [p, *(_Lane(p, name, r) for r in range(row_of[p] + 1, row_of[name])), name]
            for item in chain[1:-1]:
                rows[item[2]].append(item)
            edges += list(zip(chain, chain[1:], strict=False))
    above = {item: [a for a, b in edges if b == item] for row in rows for item in row}
    below = {item: [b for a, b in edges if a == item] for row in rows for item in row}

    def width(item) -> float:
        return LANE if isinstance(item, _Lane) else widths.get(item, BOX_WIDTH)

    def place(row) -> dict:
        total = sum(width(i) for i in row) + GAP * (len(row) - 1)
        left, at = -total / 2, {}
        for item in row:
            at[item] = left + width(item) / 2
            left += width(item) + GAP
        return at

    def total_crossings(rs) -> int:
        return sum(_crossings(rs[k], rs[k + 1], edges) for k in range(len(rs) - 1))

    x = {item: v for row in rows for item, v in place(row).items()}
    best, fewest = [list(r) for r in rows], total_crossings(rows)
    for _ in range(sweeps):
        for order, neighbours in ((range(1, depth), above), (range(depth - 2, -1, -1), below)):
            for k in order:
                def key(item, nb=neighbours):
                    return (sum(x[n] for n in nb[item]) / len(nb[item]) if nb[item]
                            else x[item])
                rows[k].sort(key=key)  # stable: ties keep their order
                x.update(place(rows[k]))
        if (n := total_crossings(rows)) < fewest:
            best, fewest = [list(r) for r in rows], n
    x = {item: v for row in best for item, v in place(row).items()}
    return best, edges, x


def _title_lines(number: int | None, title: str) -> list[str]:
    """The title wrapped into lines that join back into it: each line but the last keeps the
    space it was broken at (none after a hyphen), so the link's text, which a screen reader
    reads, is the title itself."""
    text = f"{number}. {title}" if number is not None else title
    lines = textwrap.wrap(text, WRAP)
    joined = [line if line.endswith("-") else line + " " for line in lines[:-1]] + lines[-1:]
    return joined


def prerequisite_svg(chapters: Sequence[book.Chapter], *,
                     href: Callable[[str], str | None] | None = None) -> str:
    """The prerequisite graph of ``chapters`` as an SVG document (a string).

    Parameters
    ----------
    chapters : sequence of Chapter
        The written chapters (:func:`tools.book.chapters`), in the book's order.
    href : callable, optional
        The link of a chapter's box from its docname, or None for no link. By default
        ``<docname>.html``: the chapter's page, relative to a page at the site's root (the
        course guide).

    Returns
    -------
    str
        ``<svg class="derivlib-prerequisites" ...>``: one box per chapter with its number in
        the plan and its title, a link to its page; an arrow from each prerequisite; a legend
        of the parts. Its width and height are its natural size in CSS pixels.
    """
    if href is None:
        def href(docname):
            return f"{docname}.html"
    graph = transitive_reduction(book.prerequisite_graph(list(chapters)))
    by_name = {c.docname: c for c in chapters}
    numbers = book.chapter_numbers()
    colour = dict(zip(book.PLAN, TAB10, strict=False))
    lines = {c.docname: _title_lines(numbers.get(c.docname), c.title) for c in chapters}
    heights = {name: len(ls) * LINE_HEIGHT + 2 * PAD for name, ls in lines.items()}
    rows, edges, x = layout(graph)

    # legend: one swatch per part present, wrapped to the drawing's width
    parts = list(dict.fromkeys(c.part for c in chapters))
    row_widths = [sum(BOX_WIDTH if isinstance(i, str) else LANE for i in r) + GAP * (len(r) - 1)
                  for r in rows]
    inner = max([*row_widths, BOX_WIDTH])
    legend, lx, ly = [], 0.0, 0.0
    for part in parts:
        label = book.PLAN[part][0]
        w = 18 + 6 + 8 * len(label)
        if lx and lx + w > inner:
            lx, ly = 0.0, ly + LINE_HEIGHT + 6
        legend.append((part, label, lx, ly))
        lx += w + 20
    legend_height = ly + LINE_HEIGHT + 16
    width = inner + 2 * MARGIN
    shift = MARGIN + inner / 2  # x of the rows' centre

    # rows, top to bottom
    top, band = MARGIN + legend_height, []
    for r in rows:
        h = max([heights[i] for i in r if isinstance(i, str)] + [0])
        band.append((top, top + h))
        top += h + ROW_GAP
    height = top - ROW_GAP + MARGIN
    row_of = {item: k for k, r in enumerate(rows) for item in r}

    def box(item):  # (top, bottom) of an item: a box centred in its row's band, a lane all of it
        t, b = band[row_of[item]]
        if isinstance(item, _Lane):
            return t, b
        mid = (t + b) / 2
        return mid - heights[item] / 2, mid + heights[item] / 2

    # where the arrows leave and enter each box: spread along its edge, in the order of the
    # other ends, so that arrows do not cross at the box
    attach: dict[tuple, float] = {}
    for item in x:
        for side, ends in (("out", [b for a, b in edges if a == item]),
                           ("in", [a for a, b in edges if b == item])):
            ends.sort(key=lambda e: x[e])
            n = len(ends)
            step = 0 if n < 2 or isinstance(item, _Lane) else min(24, (BOX_WIDTH - 60) / (n - 1))
            for k, e in enumerate(ends):
                attach[(side, item, e)] = x[item] + (k - (n - 1) / 2) * step

    paths = []
    for name, prereqs in graph.items():
        for p in prereqs:
            chain = [p] + sorted((i for i in x if isinstance(i, _Lane) and i[:2] == (p, name)),
                                 key=lambda i: i[2]) + [name]
            d = []
            for k, (a, b) in enumerate(zip(chain, chain[1:], strict=False)):
                x0, y0 = shift + attach[("out", a, b)], box(a)[1]
                x1, y1 = shift + attach[("in", b, a)], box(b)[0]
                if b == name:
                    y1 -= ARROW  # the arrowhead (marker) fills the rest, its tip on the box
                if k == 0:
                    d.append(f"M{x0:.1f},{y0:.1f}")
                elif isinstance(a, _Lane):
                    d.append(f"L{x0:.1f},{y0:.1f}")
                ym = (y0 + y1) / 2
                d.append(f"C{x0:.1f},{ym:.1f} {x1:.1f},{ym:.1f} {x1:.1f},{y1:.1f}")
            source, target = by_name[p].title, by_name[name].title
            paths.append(f'<path d="{" ".join(d)}" marker-end="url(#derivlib-prereq-arrow)">'
                         f"<title>{html.escape(source)}, before {html.escape(target)}</title>"
                         "</path>")

    nodes = []
    for c in chapters:
        cx, (t, b) = shift + x[c.docname], box(c.docname)
        fill, stroke = _mix(colour[c.part], 0.3), colour[c.part]
        first = (t + b) / 2 - (len(lines[c.docname]) - 1) * LINE_HEIGHT / 2
        tspans = "".join(
            f'<tspan x="{cx:.1f}" y="{first + k * LINE_HEIGHT:.1f}">{html.escape(line)}</tspan>'
            for k, line in enumerate(lines[c.docname]))
        shape = (f'<rect x="{cx - BOX_WIDTH / 2:.1f}" y="{t:.1f}" width="{BOX_WIDTH}" '
                 f'height="{b - t:.1f}" rx="8" fill="{fill}" stroke="{stroke}"/>'
                 f'<text x="{cx:.1f}" y="{first:.1f}" dominant-baseline="central">{tspans}</text>')
        link = href(c.docname)
        nodes.append(f'<a href="{html.escape(link)}">{shape}</a>' if link
                     else f'<g class="planned">{shape}</g>')

    keys = []
    for part, label, px, py in legend:
        keys.append(f'<rect x="{MARGIN + px:.1f}" y="{MARGIN + py + 2:.1f}" width="18" '
                    f'height="14" rx="3" fill="{_mix(colour[part], 0.3)}" '
                    f'stroke="{colour[part]}"/>'
                    f'<text x="{MARGIN + px + 24:.1f}" y="{MARGIN + py + 9:.1f}" '
                    f'dominant-baseline="central">{html.escape(label)}</text>')

    name = (f"The prerequisites between the book's {len(chapters)} written chapters, drawn "
            "as a graph: an arrow goes from a chapter to each chapter that builds on it "
            "directly (a prerequisite reached through another is not drawn again), and each "
            "chapter is a link to its page.")
    style = (
        ".derivlib-prerequisites{font-size:14px;max-width:none}"
        ".derivlib-prerequisites .arrows{fill:none;stroke:currentColor;stroke-width:1.4;"
        "opacity:.75}"
        ".derivlib-prerequisites .nodes text{fill:#1a1a1a;text-anchor:middle}"
        ".derivlib-prerequisites .legend text{fill:currentColor}"
        ".derivlib-prerequisites a,.derivlib-prerequisites a text{text-decoration:none}"
        ".derivlib-prerequisites a:hover text,.derivlib-prerequisites a:focus text"
        "{text-decoration:underline}"
        ".derivlib-prerequisites a:focus{outline:none}"
        ".derivlib-prerequisites a:focus rect,.derivlib-prerequisites a:hover rect"
        "{stroke-width:3}"
        ".derivlib-prerequisites .planned rect{stroke-dasharray:4 3}"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="derivlib-prerequisites" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="group" aria-label="{html.escape(name)}">'
        f"<title>{html.escape(name)}</title><style>{style}</style>"
        '<defs><marker id="derivlib-prereq-arrow" viewBox="0 0 10 10" refX="0" refY="5" '
        f'markerWidth="{ARROW}" markerHeight="{ARROW}" markerUnits="userSpaceOnUse" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>'
        f'<g class="legend">{"".join(keys)}</g>'
        f'<g class="arrows">{"".join(paths)}</g>'
        f'<g class="nodes">{"".join(nodes)}</g>'
        "</svg>"
    )


class PrerequisiteGraph:
    """The prerequisite graph for a notebook: SVG with links, scrolling sideways if too wide.

    Displays as HTML (the SVG inline, so its links work, in a box that scrolls sideways on a
    narrow screen), as ``image/svg+xml`` for viewers that show no HTML, and as text (each
    chapter with its prerequisites) for a viewer without either.

    Parameters
    ----------
    chapters : sequence of Chapter
        The written chapters (:func:`tools.book.chapters`).
    """

    def __init__(self, chapters: Sequence[book.Chapter]):
        self.chapters = list(chapters)
        self.svg = prerequisite_svg(self.chapters)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/html": ('<div class="derivlib-prerequisites-box" style="overflow-x: auto; '
                          f'max-width: 100%">{self.svg}</div>'),
            "image/svg+xml": self.svg,
            "text/plain": repr(self),
        }

    def __repr__(self) -> str:
        numbers = book.chapter_numbers()
        title = {c.docname: f"{numbers.get(c.docname, '?')}. {c.title}" for c in self.chapters}
        order = {c.docname: k for k, c in enumerate(self.chapters)}
        lines = ["The chapters and their prerequisites (read these first):"]
        lines += [f"{title[c.docname]}: "
                  + ("; ".join(title[p] for p in sorted(c.prerequisites, key=order.get))
                     or "none")
                  for c in self.chapters]
        return "\n".join(lines)
