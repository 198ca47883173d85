"""Lighter pages: no 1.5 MB icon script, content images fetched when a reader gets to them.

1. pydata-sphinx-theme adds ``scripts/fontawesome.js`` (1.5 MB, the Font Awesome SVG
   framework, "so that users can add custom icons") to every page, although its own
   stylesheet already draws the same icons from the Font Awesome web fonts: the header's
   icons look the same without the script (this book adds no custom icon), so the template
   macro that loads it is overridden without it (``_templates/static/webpack-macros.html``;
   ``tests/test_book.py`` checks that the override is the installed theme's file minus that
   line, so a theme upgrade cannot slip past it).
2. Every image of a page's content gets ``loading="lazy"``: a figure far down a chapter is
   fetched when the reader scrolls near it, not with the page.

3. Every script file a page loads is deferred: it no longer holds up the first paint (on a
   throttled phone each blocking script cost a round trip before any text showed). Deferred
   scripts still run in document order, after the inline configuration scripts they read.

``tests/site/test_weight.py`` measures what a page transfers before the reader scrolls, and
its first screen on a throttled phone profile.
"""

from __future__ import annotations

from docutils import nodes


def _defer_scripts(app, pagename, templatename, context, doctree):
    for js in context.get("script_files") or []:
        attributes = getattr(js, "attributes", None)
        if getattr(js, "filename", None) and attributes is not None \
                and not {"async", "defer"} & set(attributes) \
                and attributes.get("type", "text/javascript") == "text/javascript":
            attributes["defer"] = "defer"


def _lazy_images(app, doctree, docname):
    for image in doctree.findall(nodes.image):
        image.setdefault("loading", "lazy")


def setup(app):
    app.connect("doctree-resolved", _lazy_images)
    app.connect("html-page-context", _defer_scripts, priority=1000)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
