"""Execute notebooks in place, top to bottom in a fresh kernel: ``make execute``.

Each notebook is a pair (Jupytext): ``<name>.md``, the MyST Markdown source an author edits,
and ``<name>.ipynb``, which keeps the executed outputs (strict nbval, Binder, Colab, GitHub).
Given either file of a pair, this script

1. takes the cells (text, code, tags) from the ``.md`` and the outputs, cell ids and notebook
   metadata from the ``.ipynb`` (``jupytext.combine``: an unchanged cell keeps its id, so a
   typo fix is a one-line diff);
2. executes the notebook in a fresh kernel with its folder as the working directory;
3. writes the ``.ipynb`` reproducibly: no execution timestamps, no ipywidgets state, and
   widget model ids derived from the cell id instead of random ones. Re-executing an unchanged
   notebook therefore changes no byte of it (``tests/test_chapter_sources.py`` checks the
   pairs are in sync).

The ipywidgets state is not stored: the Explore controls (``derivlib.widgets.explore``, in
``derivlib.display``) are live only with a kernel, and each explore output keeps a PNG of its
figure for viewers without a kernel. The website shows a precomputed slider instead, whose
frames this script has the kernel write (``DERIVLIB_EXPLORE_FRAMES``) into
``<folder>/_explore/<name>/`` next to the notebook. The kernel writes them into a new folder,
which replaces the old one only when the whole notebook has executed: the folder holds exactly
the frames of the last successful execution (a failed one leaves the notebook and its frames
as they were), and they are committed with the notebook. The site
is then built from the stored outputs without executing anything (``make book``).

Static figures are stored at twice their display resolution, for sharp figures on high-density
screens and in print: the kernel runs with ``InlineBackend.figure_formats = {"retina"}``, which
saves each figure at 2x and records its display size in the output's metadata (the site shows
it at that size). Each such PNG is then reduced to a 256-colour palette when that makes it
smaller (as the Explore frames are), which keeps the notebooks light. Strict nbval does not
compare image bytes, so a reader's kernel at 1x checks the same notebook.

Usage: ``python -m tools.execute NOTEBOOK [NOTEBOOK ...]`` (``.md`` or ``.ipynb``, from the
repository root).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs
from nbclient import NotebookClient

from derivlib.display import FRAMES_ENV  # where the kernel writes the Explore frames

TIMEOUT = 120  # seconds per cell, as for nbval (--nbval-cell-timeout) and the book build
FORMAT = "md:myst"  # the text half of every pair
WIDGET = "application/vnd.jupyter.widget-view+json"
KERNEL_ARGUMENTS = ["--InlineBackend.figure_formats=retina"]  # static figures at 2x


def pair(name: str | Path) -> tuple[Path, Path]:
    """``(source .md, notebook .ipynb)`` of a notebook given by either file."""
    path = Path(name)
    if path.suffix not in (".md", ".ipynb"):
        raise ValueError(f"not a notebook (.md or .ipynb): {name}")
    return path.with_suffix(".md"), path.with_suffix(".ipynb")


def synced(md: Path, ipynb: Path) -> nbformat.NotebookNode:
    """The notebook with the cells of ``md`` and the outputs and ids of ``ipynb``."""
    if not md.is_file():  # a notebook without a text source (none in this book)
        return nbformat.read(ipynb, as_version=4)
    source = jupytext.read(md, fmt=FORMAT)
    if not ipynb.is_file():
        return source
    return combine_inputs_with_outputs(source, nbformat.read(ipynb, as_version=4), fmt=FORMAT)


def palette_png(data: bytes) -> bytes:
    """``data`` (a PNG) as a 256-colour palette PNG when that is smaller, else unchanged."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    if image.mode == "P" or (image.mode == "RGBA" and image.getextrema()[3][0] < 255):
        return data  # already a palette, or transparent where the palette would lose it
    rgb = image.convert("RGB")
    small = rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    small.save(buf, format="png", optimize=True)
    return buf.getvalue() if buf.tell() < len(data) else data


def lighter_figures(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Reduce every stored 2x figure (an ``image/png`` output with a display width) in place."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png and out.get("metadata", {}).get("image/png", {}).get("width"):
                reduced = palette_png(base64.b64decode(png))
                out["data"]["image/png"] = base64.b64encode(reduced).decode("ascii") + "\n"
    return nb


def reproducible(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run although nothing changed: timings, widget ids."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for k, out in enumerate(cell.get("outputs", [])):
            view = out.get("data", {}).get(WIDGET)
            if view and "model_id" in view:
                digest = hashlib.sha256(f"{cell.get('id')}:{k}".encode()).hexdigest()
                view["model_id"] = digest[:32]
    return nb


def frames_folder(ipynb: Path) -> Path:
    """Where the Explore frames of a notebook are kept: ``<folder>/_explore/<name>/``."""
    return ipynb.parent / "_explore" / ipynb.stem


def execute(name: str | Path) -> float:
    """Sync, execute and write the pair of ``name``; return the execution time in seconds."""
    md, ipynb = pair(name)
    nb = reproducible(synced(md, ipynb))
    frames = frames_folder(ipynb).resolve()
    fresh = frames.with_name(f".{frames.name}.executing")  # this execution's frames
    shutil.rmtree(fresh, ignore_errors=True)
    saved = os.environ.get(FRAMES_ENV)
    os.environ[FRAMES_ENV] = str(fresh)  # the kernel inherits the environment
    start = time.perf_counter()
    try:
        NotebookClient(
            nb,
            timeout=TIMEOUT,
            kernel_name="python3",
            store_widget_state=False,
            record_timing=False,
            resources={"metadata": {"path": str(ipynb.parent)}},
            extra_arguments=KERNEL_ARGUMENTS,
        ).execute()
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)  # the committed frames stay as they were
        _remove_if_empty(frames.parent)
        raise
    finally:
        if saved is None:
            os.environ.pop(FRAMES_ENV, None)
        else:
            os.environ[FRAMES_ENV] = saved
    elapsed = time.perf_counter() - start
    shutil.rmtree(frames, ignore_errors=True)
    if fresh.is_dir():
        fresh.rename(frames)
        _remove_if_empty(frames)
    _remove_if_empty(frames.parent)
    nbformat.write(reproducible(lighter_figures(nb)), ipynb)
    return elapsed


def _remove_if_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    for name in argv:
        md, ipynb = pair(name) if Path(name).suffix in (".md", ".ipynb") else (None, None)
        paired = md is not None and md.is_file() and "formats" in jupytext.read(
            md, fmt=FORMAT).metadata.get("jupytext", {})
        if md is None or not (paired or ipynb.is_file()):
            print(f"not a notebook (an .ipynb, or an .md paired with one by Jupytext): {name}",
                  file=sys.stderr)
            return 2
        print(f"== {ipynb}: executed in {execute(name):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
