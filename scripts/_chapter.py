"""What every ``scripts/build_<topic>.py`` shares: collecting a chapter's cells and writing it.

A chapter script calls :func:`md` and :func:`code` in reading order, :func:`colab` for the
first code cell, then :func:`write` with the notebook's path. The notebook is written without
outputs; ``make execute NB=chapters/<part>/<topic>.ipynb`` executes it in place.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]

# The first code cell of every chapter (README, "Adding a chapter"): Colab has no derivlib.
COLAB_INSTALL = '''
import sys

if "google.colab" in sys.modules:  # Colab has no derivlib: install it from the repository
    %pip install -q "derivlib @ git+https://github.com/derivations-that-run/book"
'''

CELLS: list = []


def md(text: str) -> None:
    """Append a markdown cell (surrounding blank lines stripped)."""
    CELLS.append(new_markdown_cell(text.strip("\n")))


def code(text: str, *tags: str) -> None:
    """Append a code cell with the given cell tags (e.g. ``"hide-input"``)."""
    cell = new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    CELLS.append(cell)


def colab() -> None:
    """Append the Colab install cell, hidden on the site."""
    code(COLAB_INSTALL, "hide-input")


def write(path: Path) -> None:
    """Write the collected cells to ``path`` as a notebook with the ``python3`` kernel."""
    nb = new_notebook(cells=CELLS)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"wrote {shown} ({len(CELLS)} cells)")
