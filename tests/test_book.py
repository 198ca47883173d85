"""The book's structure: table of contents, chapter anatomy, notebooks, pins.

These tests read files only (no kernel); they run in a second or two and fail with a
message that says which chapter breaks which rule of the book (CONTRIBUTING.md, "The chapter
anatomy"). Re-executing the notebooks and comparing their outputs is strict nbval's job
(`make nbval`), and the site build is `make book`.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from tools import audit as book_audit

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

ANATOMY = (
    "Goal",
    "Model",
    "Derivation",
    "From derivation to code",
    "Experiments",
    "Explore",
    "Check against a library",
    "Exercises",
    "References",
)
REPOSITORY = "https://github.com/derivations-that-run/book"


# -- helpers -----------------------------------------------------------------------------------


def _toc_files(entries):
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        for key in ("parts", "chapters", "sections"):
            yield from _toc_files(entry.get(key, []))


def toc_entries() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"], *_toc_files(toc.get("parts", []) + toc.get("chapters", []))]


def chapter_notebooks() -> list[Path]:
    return sorted(p for p in CHAPTERS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _markdown_lines(nb):
    """Lines of the markdown cells that are not inside a fenced block (``` ~~~ :::)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        fence = None
        for line in cell.source.splitlines():
            stripped = line.strip()
            match = re.match(r"^(`{3,}|~{3,}|:{3,})", stripped)
            if fence is None:
                if match:
                    fence = match.group(1)
                    continue
                yield line
            elif match and stripped == match.group(1) and match.group(1)[0] == fence[0]:
                if len(match.group(1)) >= len(fence):
                    fence = None


def _headings(nb, level: int) -> list[str]:
    prefix = "#" * level + " "
    return [line[len(prefix) :].strip() for line in _markdown_lines(nb) if line.startswith(prefix)]


def _markdown_source(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _code_source(nb) -> str:
    return "\n".join(c.source for c in _code_cells(nb))


def _outputs(nb):
    for cell in _code_cells(nb):
        yield from cell.get("outputs", [])


CHAPTER_NOTEBOOKS = chapter_notebooks()
chapter = pytest.mark.parametrize(
    "path", CHAPTER_NOTEBOOKS, ids=[_rel(p) for p in CHAPTER_NOTEBOOKS]
)


# -- table of contents -------------------------------------------------------------------------


def test_the_book_has_chapters():
    assert CHAPTER_NOTEBOOKS, "no chapter notebooks under chapters/"


def test_every_toc_entry_exists():
    missing = [
        name
        for name in toc_entries()
        if not any((ROOT / f"{name}{ext}").exists() for ext in (".md", ".ipynb"))
    ]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_toc_entries_are_unique():
    entries = toc_entries()
    duplicates = sorted({e for e in entries if entries.count(e) > 1})
    assert not duplicates, f"_toc.yml lists these files more than once: {duplicates}"


def test_every_chapter_notebook_is_in_the_toc():
    listed = set(toc_entries())
    unlisted = [_rel(p) for p in CHAPTER_NOTEBOOKS if _rel(p.with_suffix("")) not in listed]
    assert not unlisted, f"chapter notebooks missing from _toc.yml (never built): {unlisted}"


def test_every_part_has_a_landing_page_in_the_toc():
    listed = set(toc_entries())
    parts = sorted({p.parent for p in CHAPTER_NOTEBOOKS})
    missing = [_rel(part / "index.md") for part in parts if _rel(part / "index") not in listed]
    assert not missing, f"parts without a landing page in _toc.yml: {missing}"


@chapter
def test_chapter_has_its_module_and_its_tests(path):
    part, topic = path.parent.name, path.stem
    module = ROOT / "src" / "derivlib" / part / f"{topic}.py"
    tests = ROOT / "tests" / part / f"test_{topic}.py"
    rule = "(one topic, one name)"
    assert module.exists(), f"{_rel(path)}: its code belongs in {_rel(module)} {rule}"
    assert tests.exists(), f"{_rel(path)}: its tests belong in {_rel(tests)} {rule}"


# -- chapter anatomy ---------------------------------------------------------------------------


@chapter
def test_chapter_has_one_title(path):
    titles = _headings(_read(path), 1)
    assert len(titles) == 1, f"{_rel(path)}: expected exactly one '# Title' heading, found {titles}"


@chapter
def test_chapter_sections_follow_the_anatomy(path):
    h2 = _headings(_read(path), 2)
    expected = " / ".join(ANATOMY)
    assert len(h2) == len(ANATOMY), (
        f"{_rel(path)}: the level-2 headings must be, in order: {expected}\n(found: {h2})"
    )
    for found, name in zip(h2, ANATOMY, strict=True):
        assert found.startswith(name), (
            f"{_rel(path)}: heading '## {found}' should start with '{name}' "
            f"(anatomy: {expected}; a ': topic' suffix is allowed)"
        )


@chapter
def test_kernelspec_is_python3(path):
    kernelspec = _read(path).metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"{_rel(path)}: kernelspec {kernelspec}"


@chapter
def test_first_code_cell_installs_derivlib_on_colab_only(path):
    first = _code_cells(_read(path))[0]
    source = first.source
    assert '"google.colab" in sys.modules' in source, (
        f"{_rel(path)}: the first code cell must be the Colab install cell, got:\n{source}"
    )
    assert "%pip install" in source and f"derivlib @ git+{REPOSITORY}" in source, (
        f"{_rel(path)}: the Colab cell must %pip install derivlib from {REPOSITORY}"
    )
    assert "hide-input" in first.metadata.get("tags", []), (
        f"{_rel(path)}: tag the Colab install cell 'hide-input'"
    )


@chapter
def test_chapter_imports_derivlib(path):
    code = _code_source(_read(path))
    assert re.search(r"^\s*(from derivlib[\w.]* import|import derivlib)", code, re.M), (
        f"{_rel(path)}: a chapter imports the derivlib code it derives"
    )


@chapter
def test_chapter_displays_a_checked_derivation(path):
    nb = _read(path)
    assert "Derivation(" in _code_source(nb), f"{_rel(path)}: no dv.Derivation(...) in the code"
    latex = [o for o in _outputs(nb) if "text/latex" in o.get("data", {})]
    assert latex, f"{_rel(path)}: no derivation displayed (no text/latex output is stored)"
    derivations = book_audit.notebook_audit(path)
    assert derivations, f"{_rel(path)}: notebook_audit finds no displayed derivation"
    checked = 0
    for title, audit in derivations:
        assert audit.total > 0, f"{_rel(path)}: derivation {title!r} has no steps"
        checked += audit.symbolic + audit.instance + audit.numeric
    assert checked > 0, f"{_rel(path)}: only cited results, nothing was checked"


@chapter
def test_every_cited_key_is_in_the_bibliography(path):
    keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))
    for rec in book_audit.notebook_records(path):
        cited = [s["cite"] for s in rec["steps"] if s["method"] == "cited"]
        cited += [p["cite"] for p in rec["premises"] if p["status"] == "cited"]
        for key in cited:
            assert key in keys, (
                f"{_rel(path)}: derivation {rec.get('title')!r} cites {key!r}, which is not in "
                "references.bib"
            )


@chapter
def test_chapter_has_exercises_with_hidden_solutions(path):
    md = _markdown_source(_read(path))
    exercises = re.findall(r"^[`:]{3,}\{exercise\}", md, re.M)
    solutions = re.findall(r"^([`:]{3,})\{solution\}[^\n]*\n((?::[^\n]*\n)*)", md + "\n", re.M)
    assert exercises, f"{_rel(path)}: no {{exercise}} block"
    assert solutions, f"{_rel(path)}: no {{solution}} block"
    for _fence, options in solutions:
        assert re.search(r"^:class:\s*dropdown\s*$", options, re.M), (
            f"{_rel(path)}: every {{solution}} needs ':class: dropdown' (hidden until clicked)"
        )


@chapter
def test_chapter_has_a_self_checking_exercise(path):
    assert "check_answer(" in _code_source(_read(path)), (
        f"{_rel(path)}: no self-checking exercise (dv.check_answer)"
    )


def _section_cells(nb, heading: str):
    """The cells from the level-2 heading that starts with ``heading`` to the next one."""
    inside = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    inside = line[3:].strip().startswith(heading)
        if inside:
            yield cell


@chapter
def test_chapter_has_a_widget_and_a_figure(path):
    """The Explore section uses derivlib.widgets.explore: a live ipywidgets control in a kernel,
    precomputed frames on the website, and a stored figure for viewers without either."""
    nb = _read(path)
    assert re.search(r"^from derivlib import widgets$", _code_source(nb), re.M), (
        f"{_rel(path)}: the chapter needs `from derivlib import widgets` (derivlib.widgets.explore)"
    )
    explore = [c for c in _section_cells(nb, "Explore")
               if c.cell_type == "code" and "widgets.explore(" in c.source]
    assert explore, f"{_rel(path)}: the Explore section has no widgets.explore(...) cell"
    shown = [o.get("data", {}) for c in explore for o in c.get("outputs", [])]
    assert any("application/vnd.jupyter.widget-view+json" in d and "image/png" in d
               for d in shown), (
        f"{_rel(path)}: the explore cell's stored output needs the live widget and its figure; "
        f"run `make execute NB={_rel(path)}`"
    )
    figures = [o for o in _outputs(nb) if "image/png" in o.get("data", {})]
    assert len(figures) >= 2, f"{_rel(path)}: no stored figure besides the Explore one"


@chapter
def test_chapter_stores_no_widget_state(path):
    """The site shows explore's precomputed frames; a stored ipywidgets state would only make
    every page load the ipywidgets JavaScript from a CDN (see tools/execute.py)."""
    assert "widgets" not in _read(path).metadata, (
        f"{_rel(path)}: stored ipywidgets state; run `make execute NB={_rel(path)}`"
    )


@chapter
def test_chapter_was_executed_top_to_bottom_without_errors(path):
    nb = _read(path)
    counts = [cell.execution_count for cell in _code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{_rel(path)}: code cells must be executed once, top to bottom, from a fresh kernel "
        f"(execution counts {counts}); run `make execute NB={_rel(path)}`"
    )
    errors = [o for o in _outputs(nb) if o.get("output_type") == "error"]
    assert not errors, f"{_rel(path)}: stored error outputs: {[e.get('ename') for e in errors]}"
    assert any(True for _ in _outputs(nb)), f"{_rel(path)}: no stored outputs"


@chapter
def test_chapter_cites_known_references(path):
    keys = set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text("utf-8"), re.M))
    cited = set()
    for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", _markdown_source(_read(path))):
        cited.update(k.strip() for k in group.split(","))
    assert cited, f"{_rel(path)}: the chapter cites nothing from references.bib"
    unknown = sorted(cited - keys)
    assert not unknown, f"{_rel(path)}: citation keys missing from references.bib: {unknown}"
    assert "{bibliography}" in _markdown_source(_read(path)), (
        f"{_rel(path)}: the References section needs a {{bibliography}} block"
    )


# -- audit page --------------------------------------------------------------------------------


def test_audit_page_matches_the_chapters():
    """The stored audit table agrees with the chapters' stored derivations.

    Strict nbval re-executes audit.ipynb and compares the whole table; this test says
    which chapter is out of date without starting a kernel.
    """
    nb = _read(ROOT / "audit.ipynb")
    tables = [
        o["data"]["text/markdown"]
        for o in _outputs(nb)
        if "text/markdown" in o.get("data", {})
        and "| Chapter | Derivations |" in o["data"]["text/markdown"]
    ]
    assert len(tables) == 1, "audit.ipynb should store exactly one audit table; re-execute it"
    table = tables[0]
    listed = set(toc_entries())
    for path in CHAPTER_NOTEBOOKS:
        if _rel(path.with_suffix("")) not in listed:
            continue
        audits = [a for _t, a in book_audit.notebook_audit(path)]
        cells = [
            len(audits),
            sum(a.symbolic for a in audits),
            sum(a.instance for a in audits),
            sum(a.numeric for a in audits),
            sum(a.cited for a in audits),
            sum(a.total for a in audits),
        ]
        row = f"]({_rel(path)}) | " + " | ".join(str(c) for c in cells) + " |"
        assert row in table, (
            f"audit.ipynb is out of date for {_rel(path)} (expected a row ending '{row}'); "
            "re-execute audit.ipynb"
        )


# -- pins --------------------------------------------------------------------------------------


# The requirements (requirements.txt, the reader's; requirements-dev.txt; the lock) are
# checked in tests/test_requirements.py.


def test_binder_reads_python_3_11():
    assert (ROOT / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"


def test_book_configuration():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    # built from the stored outputs (strict nbval proves them current): nothing is executed
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["sphinx"]["local_extensions"] == {"book_fixes": "_ext", "explore": "_ext",
                                                   "mathjax": "_ext", "derivation": "_ext",
                                                   "lean_pages": "_ext", "numbering": "_ext",
                                                   "edition": "_ext", "citations": "_ext"}
    assert config["sphinx"]["config"]["bibtex_default_style"] == "authoryear"
    assert config["only_build_toc_files"] is True
    assert config["bibtex_bibfiles"] == ["references.bib"]
    assert config["repository"]["url"] == REPOSITORY
    assert config["repository"]["branch"] == "main"
    extensions = config["sphinx"]["extra_extensions"]
    assert {"sphinx_proof", "sphinx_exercise"} <= set(extensions)


def test_bibliography_keys_are_unique():
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{([^,\s]+),", text, re.M)
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"references.bib has duplicate keys: {duplicates}"


EXECUTED_PAGES = [*CHAPTER_NOTEBOOKS, ROOT / "course_guide.ipynb", ROOT / "benchmarks.ipynb"]


@pytest.mark.parametrize("path", EXECUTED_PAGES, ids=[_rel(p) for p in EXECUTED_PAGES])
def test_figures_do_not_depend_on_the_runners_matplotlib_backend(path):
    # With MPLBACKEND=Agg in the environment a kernel would not display figures, and strict
    # nbval would fail on every figure: a notebook that plots selects the inline backend itself
    # (nbval passes with MPLBACKEND=Agg set or unset, and under any PYTHONHASHSEED)
    nb = nbformat.read(path, as_version=4)
    source = _code_source(nb)
    if "matplotlib" in source:
        first = next(c.source for c in _code_cells(nb) if "matplotlib" in c.source)
        assert re.search(r"^%matplotlib inline$", first, re.M), (
            f"{_rel(path)}: put `%matplotlib inline` in the cell that imports matplotlib")


def test_web_assets_are_pinned_and_shipped_not_loaded_from_a_cdn():
    import json

    package = json.loads((ROOT / "vendor" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "vendor" / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly"
        entry = lock["packages"][f"node_modules/{name}"]
        assert entry["version"] == version and entry["integrity"].startswith("sha512-")
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    path = config["sphinx"]["config"]["mathjax_path"]
    assert not re.match(r"https?://", path), "MathJax must come from the site, not a CDN"


def test_the_theme_macro_override_only_drops_the_icon_script():
    import pydata_sphinx_theme

    theme = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    original = (theme / "static" / "webpack-macros.html").read_text(encoding="utf-8")
    ours = (ROOT / "_templates" / "static" / "webpack-macros.html").read_text(encoding="utf-8")

    def code(text):
        body = text.split("-->", 1)[1]  # after the header comment
        return [line for line in body.splitlines()
                if "fontawesome.js" not in line and "custom icons" not in line]

    assert "fontawesome.js" in original and "fontawesome.js" not in ours
    assert code(ours) == code(original), "the theme's macros changed: update the override"
