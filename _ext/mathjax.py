"""MathJax shipped with the site instead of loaded from a CDN.

The pinned MathJax release is an npm package (``vendor/package.json`` and its lock file;
``make book`` runs ``npm ci --prefix vendor``). ``_config.yml`` sets ``mathjax_path`` to
``mathjax/tex-mml-chtml.js``, which Sphinx resolves inside ``_static/``; this extension copies
the files that this entry point loads, at once or on demand (the TeX input and its extensions,
the CommonHTML output and its fonts, the menu, the accessibility and speech components), into
``_static/mathjax/`` of the built site. Without them the build stops with an error that says
how to install them: a page must never fall back to raw TeX, nor to a request outside the
site (``tests/site`` fails on any request that leaves the site's origin).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

ENTRY = "tex-mml-chtml.js"
PARTS = [ENTRY, "a11y", "adaptors", "input", "output/chtml", "output/chtml.js", "sre", "ui"]


def _source(app) -> Path:
    return Path(app.srcdir) / "vendor" / "node_modules" / "mathjax" / "es5"


def _check(app) -> None:
    if app.builder.format != "html":
        return
    if app.config.mathjax_path != f"mathjax/{ENTRY}":
        raise ExtensionError(f"_config.yml must set mathjax_path to mathjax/{ENTRY} (the copy "
                             f"shipped with the site), not {app.config.mathjax_path!r}")
    if not (_source(app) / ENTRY).is_file():
        raise ExtensionError(f"MathJax is not installed in {_source(app).parent}: run "
                             "`npm ci --prefix vendor` (make book does)")


def _copy(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    src, dest = _source(app), Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        path = src / part
        if path.is_dir():
            shutil.copytree(path, dest / part, dirs_exist_ok=True)
        else:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / part)


def setup(app):
    app.connect("builder-inited", _check)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
