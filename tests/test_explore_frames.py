"""The Explore frames stored next to each notebook are exactly the ones its outputs name.

The site is built from the stored outputs without executing anything, so the frames of each
``derivlib.widgets.explore`` output must be in the repository: ``make execute`` writes them
into ``<folder>/_explore/<notebook>/`` (emptying it first). This test fails when a frame an
output names is missing (a notebook executed without ``make execute``, or frames not
committed), when a file is left that no output names (frames of an older execution), when a
frame is not a PNG of the size of its siblings, or when a notebook stores widget state.
Whether the frames are current is what ``make execute`` guarantees, like the figures: strict
nbval compares the text of every output, including the explore description, but no image.
"""

from __future__ import annotations

import struct
from pathlib import Path

import nbformat
import pytest

from derivlib.display import MIME

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    [p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    + [ROOT / name for name in ("audit.ipynb", "course_guide.ipynb", "benchmarks.ipynb")])
IDS = [p.relative_to(ROOT).with_suffix("").as_posix() for p in NOTEBOOKS]


def explore_outputs(nb) -> list[dict]:
    return [out["data"][MIME] for cell in nb.cells for out in cell.get("outputs", [])
            if MIME in out.get("data", {})]


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"not a PNG: {path}"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_frames_on_disk_are_the_frames_the_outputs_name(ipynb):
    nb = nbformat.read(ipynb, as_version=4)
    named = [f for content in explore_outputs(nb) for f in content["frames"]]
    folder = ipynb.parent / "_explore" / ipynb.stem
    on_disk = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    missing = sorted(set(named) - set(on_disk))
    stale = sorted(set(on_disk) - set(named))
    fix = f"run `make execute NB={ipynb.relative_to(ROOT).with_suffix('.md')}` and commit " \
          f"{folder.relative_to(ROOT)}"
    assert not missing, f"{len(missing)} frame(s) named by the outputs are missing: " \
                        f"{missing[:3]}; {fix}"
    assert not stale, f"{len(stale)} file(s) no output names: {stale[:3]}; {fix}"
    assert len(named) == len(set(named))
    for content in explore_outputs(nb):
        n = 1
        for p in content["params"]:
            assert 0 <= p["initial"] < len(p["values"])
            n *= len(p["values"])
        assert len(content["frames"]) == n, "one frame per combination of values"
        sizes = {png_size(folder / f) for f in content["frames"]}
        # frames of one slider differ by at most a few pixels (bbox_inches="tight")
        widths, heights = zip(*sizes, strict=True)
        assert max(widths) - min(widths) <= 0.1 * max(widths), sizes
        assert max(heights) - min(heights) <= 0.1 * max(heights), sizes


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_no_widget_state_is_stored(ipynb):
    nb = nbformat.read(ipynb, as_version=4)
    assert "widgets" not in nb.metadata, "widget state makes every execution a diff"


def test_only_notebooks_have_frame_folders():
    for folder in ROOT.rglob("_explore"):
        if ".venv" in folder.parts or "_build" in folder.parts:
            continue
        for sub in folder.iterdir():
            assert sub.is_dir() and (folder.parent / f"{sub.name}.ipynb").is_file(), (
                f"{sub.relative_to(ROOT)} is not the frame folder of a notebook")
