"""A chapter shows its derivations and figures, with their code one click away.

Every code cell of a chapter whose stored output is a checked derivation chain, a figure or
an Explore slider is tagged ``hide-input`` (myst-nb collapses its source behind "Show code
cell source"; Jupyter and Colab show the tag's cell collapsed too), or ``remove-input`` when the
code is of no interest to a reader. The site test ``tests/site/test_code_collapsed.py`` checks
what the browser shows; this one checks the notebooks, quickly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*/*.ipynb"))
SHOWN = ("image/png", "application/vnd.derivlib.explore+json")


def shows_a_result(cell: dict) -> bool:
    for out in cell.get("outputs", []):
        if "derivlib" in out.get("metadata", {}) or any(k in out.get("data", {}) for k in SHOWN):
            return True
    return False


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_derivation_and_figure_cells_collapse_their_code(ipynb):
    cells = json.loads(ipynb.read_text(encoding="utf-8"))["cells"]
    results = [(k, c) for k, c in enumerate(cells)
               if c["cell_type"] == "code" and shows_a_result(c)]
    assert results, f"{ipynb.name}: no derivation or figure found"
    shown = [f"cell {k}: {''.join(c['source'])[:50]!r}" for k, c in results
             if not {"hide-input", "remove-input"} & set(c.get("metadata", {}).get("tags", []))]
    assert not shown, f"{ipynb.name}: derivation/figure cells whose code is not collapsed: {shown}"
