"""Stored figures: at twice their display size, light, and as `make execute` writes them.

The site shows each figure from the PNG stored in the notebook (nothing is executed at build
time), so a figure is as sharp as that PNG. ``make execute`` has the kernel save figures at
2x (``InlineBackend.figure_formats = {"retina"}``), which records the display size in the
output's metadata, and reduces them to a 256-colour palette when that is smaller
(``tools.execute.lighter_figures``). The site test ``tests/site/test_figures.py`` checks the
result in the browser; this test checks the stored notebooks, without a browser.
"""

from __future__ import annotations

import base64
import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tools.execute import KERNEL_ARGUMENTS, palette_png

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*/*.ipynb"))
EXPLORE = "application/vnd.derivlib.explore+json"


def figures(ipynb: Path):
    """``(cell index, png bytes, display width)`` of each static figure of a notebook (the PNG
    an Explore output keeps for viewers without a kernel is not shown by the site)."""
    for k, cell in enumerate(json.loads(ipynb.read_text(encoding="utf-8"))["cells"]):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data and EXPLORE not in data:
                width = out.get("metadata", {}).get("image/png", {}).get("width")
                yield k, base64.b64decode(data["image/png"]), width


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_static_figures_are_stored_at_twice_their_display_size(ipynb):
    found = list(figures(ipynb))
    problems = []
    for k, png, width in found:
        pixels = struct.unpack(">I", png[16:20])[0]
        if not width or pixels < 2 * width - 1:
            problems.append(f"cell {k}: {pixels} px for a display width of {width}")
    assert not problems, f"{ipynb.name}: figures below 2x (run make execute): {problems}"


def test_the_kernel_is_asked_for_2x_figures():
    assert "--InlineBackend.figure_formats=retina" in KERNEL_ARGUMENTS


def test_palette_reduction_is_exact_for_a_plot_and_keeps_transparency():
    rng = np.random.default_rng(0)
    colours = rng.integers(0, 256, size=(40, 3), dtype=np.uint8)
    pixels = colours[rng.integers(0, 40, size=(60, 80))]  # 40 colours: a palette holds them all
    image = Image.fromarray(np.dstack([pixels, np.full((60, 80), 255, np.uint8)]), "RGBA")
    buf = io.BytesIO()
    image.save(buf, format="png")
    reduced = Image.open(io.BytesIO(palette_png(buf.getvalue())))
    assert reduced.mode == "P"
    assert np.array_equal(np.asarray(reduced.convert("RGB")), pixels)
    image.putpixel((0, 0), (0, 0, 0, 0))  # a transparent pixel: left as it is
    buf = io.BytesIO()
    image.save(buf, format="png")
    assert palette_png(buf.getvalue()) == buf.getvalue()
