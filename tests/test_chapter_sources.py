"""Each chapter notebook is what its source script writes, so the two cannot drift apart.

A chapter's cells are written in ``scripts/build_<topic>.py`` (plain Python, reviewable as a
diff, with the helpers of ``scripts/_chapter.py``; the README's "Adding a chapter" says how)
and the notebook is generated from it, then executed with ``make execute``. Editing the
notebook by hand would leave the script stale and the next regeneration would silently undo
the edit; this test says so instead. Outputs are not compared here (strict nbval does that):
only the cells' kinds, sources and tags.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def _cells(nb):
    return [(c.cell_type, c.source, tuple(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_chapter_has_a_source_script():
    missing = [p.relative_to(ROOT).as_posix() for p in CHAPTERS
               if not (ROOT / "scripts" / f"build_{p.stem}.py").is_file()]
    assert not missing, f"chapters without scripts/build_<topic>.py: {missing}"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_notebook_matches_its_script(path, tmp_path):
    script = ROOT / "scripts" / f"build_{path.stem}.py"
    # The scripts write to <their folder>/../chapters/...: run a copy, so the repository's
    # notebook is not touched.
    (tmp_path / "scripts").mkdir()
    copy = tmp_path / "scripts" / script.name
    shutil.copy(script, copy)
    shutil.copy(ROOT / "scripts" / "_chapter.py", tmp_path / "scripts" / "_chapter.py")
    subprocess.run([sys.executable, str(copy)], check=True, capture_output=True, cwd=tmp_path)
    generated = nbformat.read(tmp_path / path.relative_to(ROOT), as_version=4)
    committed = nbformat.read(path, as_version=4)
    want, have = _cells(generated), _cells(committed)
    first = next((i for i, (a, b) in enumerate(zip(want, have, strict=False)) if a != b),
                 min(len(want), len(have)))
    assert want == have, (
        f"{path.relative_to(ROOT)} differs from what {script.relative_to(ROOT)} writes, first at "
        f"cell {first} ({len(have)} cells stored, {len(want)} generated): edit the script, then "
        f"`.venv/bin/python {script.relative_to(ROOT)}` and "
        f"`make execute NB={path.relative_to(ROOT)}`"
    )
