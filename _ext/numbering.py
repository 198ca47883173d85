"""Numbers for teaching: chapters by the book's plan, equations, theorems and exercises per
chapter (20.3), so that writing a new chapter never renumbers an assignment.

Without a numbered table of contents, Sphinx counts equations (and every other numbered
thing: exercises, theorems, figures) once across the whole book, in reading order: the HMM
chapter's first equation was (70), and each new chapter before it would shift every number
after it. This extension

1. puts each planned chapter's number (``tools.book.chapter_numbers``: 1 to 26 in the order of
   the plan, written or not) in front of its title, as the page, the sidebar and the browser
   tab show it ("20. Hidden Markov models");
2. renumbers, after Sphinx has counted, every numbered element of a chapter as
   ``(chapter, k)`` with k counting that kind of element within the chapter, in document
   order; the other pages count from 1 on their own. Equation numbers, ``{eq}`` references,
   "Exercise 20.3", "Theorem 20.1" and references to them all read these numbers, since
   Sphinx and its extensions take them from the same table (``env.toc_fignumbers``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docutils import nodes


def _numbers(app) -> dict[str, int]:
    root = str(Path(app.srcdir))
    if root not in sys.path:
        sys.path.insert(0, root)
    from tools.book import chapter_numbers

    return chapter_numbers()


def _number_title(app, doctree) -> None:
    number = _numbers(app).get(app.env.docname)
    if number is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    title = section[0]
    prefix = f"{number}. "
    if not title.astext().startswith(prefix):
        title.insert(0, nodes.Text(prefix))


def _renumber(app, env) -> list[str]:
    numbers = _numbers(app)
    changed = []
    for docname, figtypes in env.toc_fignumbers.items():
        chapter = numbers.get(docname)
        for ids in figtypes.values():
            ordered = sorted(ids, key=lambda i: ids[i])  # Sphinx's numbers follow the page
            for k, node_id in enumerate(ordered, start=1):
                new = (chapter, k) if chapter is not None else (k,)
                if ids[node_id] != new:
                    ids[node_id] = new
                    changed.append(docname)
    return sorted(set(changed))


def setup(app):
    # before the title collector reads the titles (priority 500)
    app.connect("doctree-read", _number_title, priority=400)
    # after the toctree collector has assigned Sphinx's own numbers (priority 500)
    app.connect("env-get-updated", _renumber, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
