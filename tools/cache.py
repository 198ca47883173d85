"""Execute the book's notebooks into Jupyter Book's execution cache, in parallel.

``make book`` builds the site with ``execute_notebooks: cache``: myst-nb takes each notebook's
outputs from the jupyter-cache in ``_build/.jupyter_cache`` when the notebook's code is
unchanged, and otherwise executes it, one notebook after the other, while Sphinx reads the
pages. This script runs first and fills that cache with jupyter-cache's ``local-parallel``
executor (one process per core), so that a cold build executes the notebooks side by side
and Sphinx then only reads cached outputs; a warm build finds everything cached and executes
nothing. The records are the ones myst-nb looks up (matched by the hash of the code cells),
and the environment (``DERIVLIB_STATIC_WIDGETS=1``, set by ``make book``) reaches the kernels.

Usage: ``python -m tools.cache [CACHE_DIR]`` from the repository root (default
``_build/.jupyter_cache``). Exits non-zero, naming the notebook, if one fails to execute.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

from tools import book

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120  # seconds per cell, as _config.yml's execute.timeout


def book_notebooks(root: Path = ROOT) -> list[Path]:
    """The ``.ipynb`` pages of the table of contents, in its order."""
    paths = [(root / name).with_suffix(".ipynb") for name in book.toc_files(root)]
    return [p for p in paths if p.is_file()]


def main(argv: list[str]) -> int:
    cache_dir = Path(argv[0]) if argv else ROOT / "_build" / ".jupyter_cache"
    cache = get_cache(str(cache_dir))
    notebooks = book_notebooks()
    todo = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        try:
            cache.match_cache_notebook(nb)  # already cached for this code: nothing to do
        except KeyError:
            todo.append(path)
            cache.add_nb_to_project(str(path))
    if not todo:
        print(f"execution cache: all {len(notebooks)} notebooks cached")
        return 0
    logger = logging.getLogger("cache_notebooks")
    logger.setLevel(logging.WARNING)
    start = time.perf_counter()
    result = load_executor("local-parallel", cache, logger=logger).run_and_cache(
        filter_uris=[str(p) for p in todo], timeout=TIMEOUT)
    failed = sorted(set(result.excepted) | set(result.errored))
    took = time.perf_counter() - start
    if failed:
        for uri in failed:
            record = cache.get_project_record(uri)
            print(f"execution failed: {uri}\n{record.traceback or ''}", file=sys.stderr)
        return 1
    print(f"execution cache: {len(todo)} notebook(s) executed in parallel in {took:.0f} s, "
          f"{len(notebooks) - len(todo)} already cached")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
