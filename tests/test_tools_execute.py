"""``tools.execute`` (``make execute``): the Explore frames of a notebook are those of its last
successful execution.

Each test executes a two-cell notebook in a real kernel (a few seconds), in a temporary
folder, with stale frames already in its ``_explore/<name>/`` folder.
"""

from __future__ import annotations

import textwrap

import pytest
from nbclient.exceptions import CellExecutionError

from tools.execute import execute, frames_folder

HEADER = """\
---
jupytext:
  formats: ipynb,md:myst
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A notebook
"""

EXPLORE = """
```{code-cell} ipython3
import matplotlib
matplotlib.use("Agg")
from derivlib.widgets import explore

explore(lambda a: __import__("matplotlib.pyplot").pyplot.plot([0, 1], [0, a]), a=[1, 2])
```
"""

FAILING = """
```{code-cell} ipython3
raise RuntimeError("this cell fails")
```
"""


def _notebook(tmp_path, cells: str):
    md = tmp_path / "note.md"
    md.write_text(HEADER + textwrap.dedent(cells), encoding="utf-8")
    stale = frames_folder(md.with_suffix(".ipynb"))
    stale.mkdir(parents=True)
    (stale / "explore-1-00.png").write_bytes(b"the committed frame")
    return md, stale


def test_a_failed_execution_keeps_the_committed_frames(tmp_path):
    """It used to empty the frames folder first: a notebook that failed halfway (an error in
    a cell, a time-out, Ctrl-C) lost its committed frames from the working tree."""
    md, frames = _notebook(tmp_path, EXPLORE + FAILING)
    with pytest.raises(CellExecutionError, match="this cell fails"):
        execute(md)
    assert (frames / "explore-1-00.png").read_bytes() == b"the committed frame"
    assert sorted(p.name for p in frames.parent.iterdir()) == ["note"]  # nothing half-written
    assert not md.with_suffix(".ipynb").exists()


def test_a_successful_execution_replaces_the_frames(tmp_path):
    md, frames = _notebook(tmp_path, EXPLORE)
    execute(md)
    written = sorted(p.name for p in frames.iterdir())
    assert written == ["explore-1-00.png", "explore-1-01.png"]
    assert (frames / "explore-1-00.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in frames.parent.iterdir()) == ["note"]
    assert md.with_suffix(".ipynb").is_file()
