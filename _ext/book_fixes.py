"""Three fixes to the Jupyter Book 1 page template: two console errors, and the navigation.

1. sphinx-thebe and sphinx-togglebutton add their inline configuration scripts once per
   read of the environment; Jupyter Book reads it twice, so every page declared
   ``const THEBE_JS_URL`` twice, which is a JavaScript error. Duplicate scripts are dropped.
2. pydata-sphinx-theme starts from ``localStorage.mode || default_mode``; with an empty
   ``default_mode`` a first-time visitor gets "Got invalid theme mode". It is set to ``auto``.
3. The sidebar buttons did nothing at any width, and a second search field sat in a band
   above the page. pydata-sphinx-theme 0.17.1 (``update_config``, run at builder-inited)
   sets ``navbar_persistent = ["search-button-field"]`` whenever the user's
   ``html_theme_options`` do not name it, overriding the empty ``navbar_persistent`` of
   sphinx-book-theme's theme.conf (theme.conf defaults rank below user options). The
   header of pydata's ``sections/header.html`` is then rendered: the search band, plus a
   hidden second set of sidebar buttons placed *before* the book theme's article-header
   buttons. Both themes' scripts bind their click handlers to the first match only,
   ``document.querySelector(".primary-toggle")`` / ``(".secondary-toggle")`` (pydata's
   ``setupMobileSidebarKeyboardHandlers``, the book theme's ``fixSidebarToggle`` and
   ``addBlurToButtons``), i.e. to the hidden header buttons, so the buttons a reader
   clicks have no handler. Setting ``navbar_persistent`` to ``[]`` (what the book theme
   means) removes that header: one search control per width, and the handlers bind to the
   visible buttons. Upstream: executablebooks/sphinx-book-theme issues 917, 986, 988, 999.
   Newer pins do not help (sphinx-book-theme 1.4.0 requires pydata 0.20.0, which injects
   the same header, and Sphinx >= 8.2, which jupyter-book 1.0.4 excludes); the older pair
   sphinx-book-theme 1.2.0 + pydata 0.16.1 (navbar_persistent still in pydata's
   theme.conf) avoids it, at the cost of downgrading both. This setting is harmless with
   any of them, and a ``navbar_persistent`` given in ``html_theme_options`` is kept.
   _static/navigation.js closes a sidebar panel when a link in it is followed.

The browser tests (tests/site) fail on any console error, so they guard 1 and 2;
tests/site/test_navigation.py guards 3.
"""

from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        # The same script added at two priorities is still the same script: the key is what
        # the page would contain (file name and attributes, inline body included).
        filename = getattr(js, "filename", js)
        attributes = getattr(js, "attributes", None) or {}
        key = (str(filename or ""), tuple(sorted(attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        kept.append(js)
    scripts[:] = kept
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def _no_header_navbar(app, config):
    # An explicit value, even the one the book theme's theme.conf already gives, stops
    # pydata-sphinx-theme from injecting its search-button-field header (see 3. above).
    options = config.html_theme_options
    if "navbar_persistent" not in options:
        options["navbar_persistent"] = []


def setup(app):
    app.connect("config-inited", _no_header_navbar)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
