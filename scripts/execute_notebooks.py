"""Execute notebooks in place, top to bottom in a fresh kernel: ``make execute``.

What ``jupyter execute --inplace`` does, with one difference: the ipywidgets state is not
stored in the notebook. The Explore controls (``derivlib.widgets.explore``) are live only with
a kernel, and the website shows precomputed frames instead, so a stored widget state would
only make the site load the ipywidgets JavaScript (from a CDN) for nothing. Each explore
output keeps a PNG of its figure for viewers without a kernel.

Usage: ``python scripts/execute_notebooks.py NOTEBOOK [NOTEBOOK ...]`` (from the repository
root; each notebook runs with its own folder as the working directory).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TIMEOUT = 120  # seconds per cell, as for nbval (--nbval-cell-timeout) and the book build


def execute(path: Path) -> float:
    """Execute ``path`` in place and return the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_name="python3",
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    elapsed = time.perf_counter() - start
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    for name in argv:
        path = Path(name)
        if not path.is_file() or path.suffix != ".ipynb":
            print(f"not a notebook: {name}", file=sys.stderr)
            return 2
        print(f"== {name}: executed in {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
