"""Every executed notebook is a Jupytext pair, and the two halves say the same thing.

``<name>.md`` (MyST Markdown notebook) is the source an author edits, in a text editor or in
JupyterLab/VS Code with Jupytext; ``<name>.ipynb`` keeps the executed outputs that strict
nbval compares, that Binder, Colab and GitHub show, and that the site is built from.
``make execute NB=<name>.md`` (or ``make chapter``) copies the cells of the ``.md`` into the
``.ipynb``, keeping the outputs and cell ids of unchanged cells, and executes it. This test
fails when the halves drift apart (an edit saved in one half only), when a pair is missing,
or when the site would see both halves (the ``.md`` must be excluded in ``_config.yml``).
Outputs are not compared here: strict nbval does that.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    [p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    + [ROOT / name for name in ("audit.ipynb", "course_guide.ipynb", "benchmarks.ipynb")])
IDS = [p.relative_to(ROOT).with_suffix("").as_posix() for p in NOTEBOOKS]
FORMAT = "md:myst"


def _cells(nb):
    """What an author writes: kinds, sources and metadata (tags), not outputs or ids."""
    return [(c.cell_type, c.source,
             {k: v for k, v in c.metadata.items() if k not in ("execution", "scrolled")})
            for c in nb.cells]


def _where(want, have) -> str:
    first = next((i for i, (a, b) in enumerate(zip(want, have, strict=False)) if a != b),
                 min(len(want), len(have)))
    return f"first difference at cell {first} ({len(want)} cells in the .md, {len(have)} in " \
           f"the .ipynb)"


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_notebook_is_paired_with_its_markdown_source(ipynb):
    md = ipynb.with_suffix(".md")
    assert md.is_file(), f"{ipynb.relative_to(ROOT)} has no MyST source {md.name}: create it " \
                         f"with `.venv/bin/jupytext --set-formats ipynb,{FORMAT} {ipynb.name}`"
    nb = nbformat.read(ipynb, as_version=4)
    assert nb.metadata.get("jupytext", {}).get("formats") == f"ipynb,{FORMAT}", (
        f"{ipynb.relative_to(ROOT)} is not paired (metadata jupytext.formats)")
    text = jupytext.read(md, fmt=FORMAT)
    assert text.metadata.get("jupytext", {}).get("formats") == f"ipynb,{FORMAT}"


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=IDS)
def test_the_two_halves_have_the_same_cells(ipynb):
    md = ipynb.with_suffix(".md")
    want = _cells(jupytext.read(md, fmt=FORMAT))
    have = _cells(nbformat.read(ipynb, as_version=4))
    assert want == have, (
        f"{md.relative_to(ROOT)} and {ipynb.name} differ, {_where(want, have)}: after editing "
        f"the .md run `make chapter NB={md.relative_to(ROOT)}` (or `make execute NB=...`); "
        f"after editing the .ipynb without Jupytext, `.venv/bin/jupytext --sync "
        f"{ipynb.relative_to(ROOT)}` brings the .md up to date")


def test_the_site_builds_one_half_of_each_pair():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    excluded = set(config["exclude_patterns"])
    missing = [p.with_suffix(".md").relative_to(ROOT).as_posix() for p in NOTEBOOKS
               if p.with_suffix(".md").relative_to(ROOT).as_posix() not in excluded]
    assert not missing, f"add to exclude_patterns in _config.yml: {missing}"
    stale = [e for e in excluded if e.endswith(".md") and e != "README.md"
             and not (ROOT / e).with_suffix(".ipynb").is_file()]
    assert not stale, f"exclude_patterns lists .md files that are not paired: {stale}"


def test_executed_notebooks_carry_no_run_to_run_noise():
    # make execute writes no timestamps and derives widget ids from cell ids, so that
    # re-executing an unchanged notebook changes no byte of it
    noisy = []
    for ipynb in NOTEBOOKS:
        nb = nbformat.read(ipynb, as_version=4)
        for cell in nb.cells:
            if "execution" in cell.metadata:
                noisy.append(f"{ipynb.relative_to(ROOT)}: execution timestamps")
                break
        if "widgets" in nb.metadata:
            noisy.append(f"{ipynb.relative_to(ROOT)}: stored widget state")
    assert not noisy, f"{noisy}: re-execute with `make execute`"


def test_no_chapter_is_generated_by_a_script():
    # the chapters' former generator scripts (scripts/build_<topic>.py) are gone: the .md is
    # the source
    assert not list((ROOT / "scripts").glob("build_*.py"))
    assert not (ROOT / "scripts" / "_chapter.py").exists()
