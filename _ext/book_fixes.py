"""Two fixes to the Jupyter Book 1 page template, each removing a console error.

1. sphinx-thebe and sphinx-togglebutton add their inline configuration scripts once per
   read of the environment; Jupyter Book reads it twice, so every page declared
   ``const THEBE_JS_URL`` twice, which is a JavaScript error. Duplicate scripts are dropped.
2. pydata-sphinx-theme starts from ``localStorage.mode || default_mode``; with an empty
   ``default_mode`` a first-time visitor gets "Got invalid theme mode". It is set to ``auto``.

The browser tests (tests/site) fail on any console error, so they guard both.
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


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
