"""The Explore sliders on the website, drawn from the notebooks' stored outputs.

A chapter's ``derivlib.widgets.explore(...)`` cell stores, besides the live ipywidgets
control, an output of type ``application/vnd.derivlib.explore+json``: the parameters with
their labels and values, and one frame file name per combination of values. ``make execute``
has the kernel write those frames into ``<folder>/_explore/<notebook>/`` (see
``derivlib.display`` and ``tools/execute.py``), and they are committed with the notebook, so
the site is built without executing a notebook.

This extension

1. renders that output type on HTML pages (it comes first in the HTML priority list, set in
   ``_config.yml``; myst-nb 1.x has no other hook for an output type without an installed
   entry point, hence the wrapper around ``NbElementRenderer.render_mime_type``) as one range
   input per parameter, with the parameter's label, the value as text and as
   ``aria-valuetext``, and an ``<img>`` of the initial frame, with its size, ``loading=lazy``
   and an ``alt`` text naming what the figure shows at the current values;
2. copies the frames the pages use into the built site next to the page; a frame file that is
   missing is a build warning (an error with ``-W``), naming the notebook and the file.

``_static/derivlib-explore.js`` swaps the frame when a slider moves (each frame is a separate
image file, fetched only when the reader moves to it).
"""

from __future__ import annotations

import html
import json
import shutil
import struct
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

MIME = "application/vnd.derivlib.explore+json"
logger = logging.getLogger(__name__)


def frames_folder(source: Path) -> Path:
    """``<folder>/_explore/<name>/`` for the notebook ``<folder>/<name>.ipynb``."""
    return source.parent / "_explore" / source.stem


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels of a PNG file (from its IHDR chunk)."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"not a PNG file: {path}")
    return struct.unpack(">II", head[16:24])


def frame_index(params: list[dict], positions: list[int]) -> int:
    """The frame of the given slider positions, in C order (the last parameter fastest)."""
    k = 0
    for p, pos in zip(params, positions, strict=True):
        k = k * len(p["values"]) + pos
    return k


def explore_html(content: dict, folder_url: str, size: tuple[int, int]) -> str:
    """The slider's HTML for the content of one explore output."""
    params = content["params"]
    initial = [p["initial"] for p in params]
    frames = content["frames"]
    first = frames[frame_index(params, initial)]
    scale = int(content.get("scale", 1))
    width, height = size[0] // scale, size[1] // scale
    description = content.get("description", "")
    rows = []
    for p in params:
        label, values, m = p["label"], p["values"], p["initial"]
        rows.append(
            '<label class="derivlib-explore-control">'
            f'<span class="derivlib-explore-label">{html.escape(label)}</span> '
            f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{m}" '
            f'aria-valuetext="{html.escape(values[m])}"> '
            f'<output>{html.escape(values[m])}</output></label>'
        )
    meta = {"folder": folder_url, "frames": frames, "description": description,
            "params": [{"label": p["label"], "values": p["values"]} for p in params]}
    alt = alt_text(description, params, initial)
    # The description is the group's accessible name and starts the frame's alt text; it is
    # not printed above the slider, where it would repeat the chapter's prose to the eye.
    name = f' aria-label="{html.escape(description)}"' if description else ""
    return (
        f'<div class="derivlib-explore" role="group"{name}>'
        + '<div class="derivlib-explore-controls">' + "".join(rows) + "</div>"
        + f'<img class="derivlib-explore-frame" src="{html.escape(folder_url + first)}" '
        f'width="{width}" height="{height}" loading="lazy" decoding="async" '
        f'alt="{html.escape(alt)}">'
        + '<script type="application/json" class="derivlib-explore-meta">'
        + json.dumps(meta).replace("</", "<\\/")
        + "</script></div>"
    )


def alt_text(description: str, params: list[dict], positions: list[int]) -> str:
    """What the frame shows: the description and the value of each parameter."""
    values = ", ".join(f"{p['label']} = {p['values'][k]}"
                       for p, k in zip(params, positions, strict=True))
    lead = description.rstrip(". ") if description else "Figure"
    return f"{lead} ({values})"


def _check_content(content) -> str | None:
    """What is wrong with an explore output, or None."""
    if not isinstance(content, dict):
        return f"expected a JSON object, got {type(content).__name__}"
    for key in ("params", "frames"):
        if key not in content:
            return f"missing {key!r}"
    n = 1
    for p in content["params"]:
        if not {"label", "values", "initial"} <= set(p) or not 0 <= p["initial"] < len(p["values"]):
            return f"malformed parameter {p!r}"
        n *= len(p["values"])
    if len(content["frames"]) != n:
        return f"{len(content['frames'])} frames for {n} combinations of values"
    return None


def _render_explore(element_renderer, data) -> list[nodes.Element]:
    env = element_renderer.renderer.sphinx_env
    source = Path(element_renderer.source)
    content = data.content
    if isinstance(content, str):
        content = json.loads(content)
    problem = _check_content(content)
    if problem:
        logger.warning(f"explore output of {source.name}: {problem}",
                       location=(env.docname, data.line), type="derivlib", subtype="explore")
        return []
    folder = frames_folder(source)
    missing = [f for f in content["frames"] if not (folder / f).is_file()]
    if missing:
        logger.warning(
            f"explore output of {source.name}: {len(missing)} frame file(s) missing in "
            f"{folder} (first: {missing[0]}); run `make execute NB={source.with_suffix('.md')}`",
            location=(env.docname, data.line), type="derivlib", subtype="explore")
        return []
    first = content["frames"][frame_index(content["params"],
                                          [p["initial"] for p in content["params"]])]
    if not hasattr(env, "derivlib_explore_frames"):
        env.derivlib_explore_frames = {}
    env.derivlib_explore_frames.setdefault(env.docname, set()).update(
        str(folder / f) for f in content["frames"])
    url = f"_explore/{source.stem}/"
    return [nodes.raw("", explore_html(content, url, png_size(folder / first)), format="html",
                      classes=["output", "derivlib-explore-output"])]


def _patch_renderer() -> None:
    from myst_nb.core.render import NbElementRenderer

    if getattr(NbElementRenderer.render_mime_type, "_derivlib_explore", False):
        return
    original = NbElementRenderer.render_mime_type

    def render_mime_type(self, data):
        if data.mime_type == MIME:
            return _render_explore(self, data)
        return original(self, data)

    render_mime_type._derivlib_explore = True
    NbElementRenderer.render_mime_type = render_mime_type


def _purge(app, env, docname) -> None:
    getattr(env, "derivlib_explore_frames", {}).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    mine = env.__dict__.setdefault("derivlib_explore_frames", {})
    for docname in docnames:
        if docname in getattr(other, "derivlib_explore_frames", {}):
            mine[docname] = other.derivlib_explore_frames[docname]


def _copy_frames(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    src, out = Path(app.srcdir), Path(app.outdir)
    for files in getattr(app.env, "derivlib_explore_frames", {}).values():
        for name in files:
            path = Path(name)
            target = out / path.relative_to(src)
            if target.is_file() and target.stat().st_size == path.stat().st_size \
                    and target.read_bytes() == path.read_bytes():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def setup(app):
    _patch_renderer()
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("build-finished", _copy_frames)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
