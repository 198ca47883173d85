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

3. The script files that no inline script or synchronous script needs at parse time are
   deferred: they no longer hold up the first paint (on a throttled phone each blocking
   script cost a round trip before any text showed), and still run in document order, after
   the inline configuration scripts they read. Sphinx's own three stay synchronous: inline
   scripts of the page set ``DOCUMENTATION_OPTIONS`` and the search scripts at the end of
   the body call ``_ready`` (the browser tests fail on the console errors otherwise).

4. Stylesheets and scripts of features a page does not use are left out: sphinx-design's
   (no ``sd-`` element in the page) and sphinx-thebe's (no Thebe launch button is
   configured). On a throttled phone every stylesheet is a round trip before the first paint.

``tests/site/test_weight.py`` measures what a page transfers before the reader scrolls, and
its first screen on a throttled phone profile.
"""

from __future__ import annotations

from docutils import nodes

SYNCHRONOUS = ("documentation_options.js", "doctools.js", "sphinx_highlight.js")


def _defer_scripts(app, pagename, templatename, context, doctree):
    for js in context.get("script_files") or []:
        attributes = getattr(js, "attributes", None)
        filename = str(getattr(js, "filename", None) or "")
        if filename and not filename.endswith(SYNCHRONOUS) and attributes is not None \
                and not {"async", "defer"} & set(attributes) \
                and attributes.get("type", "text/javascript") == "text/javascript":
            attributes["defer"] = "defer"


DESIGN = ("sphinx-design.min.css", "design-tabs.js")
THEBE = ("sphinx-thebe.css", "sphinx-thebe.js")


def _drop_unused_assets(app, pagename, templatename, context, doctree):
    unused = ()
    body = context.get("body") or ""
    if 'class="sd-' not in body and " sd-" not in body:
        unused += DESIGN
    launch = (app.config.html_theme_options or {}).get("launch_buttons") or {}
    if not launch.get("thebe"):
        unused += THEBE
    for key in ("css_files", "script_files"):
        files = context.get(key)
        if files:
            files[:] = [f for f in files
                        if not str(getattr(f, "filename", f) or "").endswith(unused)]


def _lazy_images(app, doctree, docname):
    for image in doctree.findall(nodes.image):
        image.setdefault("loading", "lazy")


def setup(app):
    app.connect("doctree-resolved", _lazy_images)
    app.connect("html-page-context", _defer_scripts, priority=1000)
    app.connect("html-page-context", _drop_unused_assets, priority=1000)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
