"""The student version of the chapters (``tools/student.py``, ``make student``).

The tests write the student notebooks into a temporary folder themselves (they do not depend
on ``make student`` having run), then check them against the source chapters, which they read
with their own, simpler parser of solution blocks:

- no solution survives: every solution's distinctive lines are gone, no ``{solution}``
  directive remains, and every pre-filled answer of a self-checking exercise is replaced;
- everything else survives verbatim: every markdown paragraph outside the solutions, every
  code cell outside the solutions (the answer line aside), every exercise;
- the student notebooks still execute from a clean kernel, and each self-checking exercise
  answers "Not yet." for the placeholder instead of raising.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tools import book
from tools import student as ms

ROOT = Path(__file__).resolve().parents[1]


CHAPTERS = book.chapters(ROOT)
IDS = [c.docname for c in CHAPTERS]

# The tests' own reading of the solutions: the notebook flattened to one string, with a marker
# before each cell, so that a gated solution may span cells.
MD, CODE = "\n<<<markdown>>>\n", "\n<<<code>>>\n"
SOLUTION = re.compile(r"^(`{3,}|:{3,})\{solution\}[^\n]*\n(?P<body>.*?)^\1[ \t]*$", re.M | re.S)
GATED = re.compile(
    r"^(`{3,}|:{3,})\{solution-start\}[^\n]*\n(?:[^\n]*\n)*?\1[ \t]*\n"
    r"(?P<body>.*?)"
    r"^(`{3,}|:{3,})\{solution-end\}[^\n]*\n\3[ \t]*$",
    re.M | re.S,
)
ANSWER = re.compile(r"^answer\s*=\s*(?P<value>.*?)\s*(#.*)?$", re.M)


def _flat(nb) -> str:
    return "".join((MD if c.cell_type == "markdown" else CODE) + c.source for c in nb.cells)


def _solutions(nb) -> list[str]:
    flat = _flat(nb)
    return [m["body"] for m in SOLUTION.finditer(flat)] + [m["body"] for m in GATED.finditer(flat)]


def _outside(nb) -> list[tuple[str, str]]:
    """The notebook without its solutions, as (cell type, text) chunks."""
    flat = GATED.sub("\n\n", SOLUTION.sub("\n\n", _flat(nb)))
    pieces = re.split(r"(\n<<<markdown>>>\n|\n<<<code>>>\n)", flat)
    chunks, kind = [], None
    for piece in pieces:
        if piece in (MD, CODE):
            kind = "markdown" if piece == MD else "code"
        elif kind is not None:
            chunks.append((kind, piece))
    return chunks


def _text(nb) -> str:
    return "\n".join(c.source for c in nb.cells)


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """(output folder, {docname: (source notebook, student notebook)})."""
    out = tmp_path_factory.mktemp("student")
    written = ms.make_student(ROOT, out)
    assert written == [out / c.path for c in CHAPTERS]
    pairs = {
        c.docname: (nbformat.read(ROOT / c.path, as_version=4),
                    nbformat.read(out / c.path, as_version=4))
        for c in CHAPTERS
    }
    return out, pairs


# -- the folder --------------------------------------------------------------------------------


def test_one_student_notebook_per_chapter_and_the_pages_they_link(student):
    out, _pairs = student
    found = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.ipynb"))
    assert found == sorted(c.path for c in CHAPTERS)
    assert (out / "notation.md").read_text("utf-8") == (ROOT / "notation.md").read_text("utf-8")
    assert "pip install" in (out / "README.md").read_text("utf-8")


def test_links_between_student_notebooks_resolve(student):
    out, pairs = student
    for docname, (_src, nb) in pairs.items():
        folder = (out / docname).parent
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", cell.source):
                if "://" not in target:
                    assert (folder / target).resolve().is_file(), f"{docname}: broken {target}"


def test_links_to_pages_not_shipped_point_at_the_repository():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "See [the benchmarks](../../benchmarks.ipynb#summary), [HMMs](hmm.ipynb), "
        "[notation](../../notation.md) and [a site](https://example.org/x.ipynb).")])
    shipped = {"chapters/sequences/hmm.ipynb", "notation.md"}
    base = "https://github.com/o/r/blob/main"
    assert ms.link_outside(nb, "chapters/sequences/kalman.ipynb", shipped, base) == 1
    assert nb.cells[0].source == (
        "See [the benchmarks](https://github.com/o/r/blob/main/benchmarks.ipynb#summary), "
        "[HMMs](hmm.ipynb), [notation](../../notation.md) and "
        "[a site](https://example.org/x.ipynb).")


# -- nothing of the solutions survives ---------------------------------------------------------


@pytest.mark.parametrize("docname", IDS)
def test_no_solution_text_survives(student, docname):
    source, nb = student[1][docname]
    solutions = _solutions(source)
    assert solutions, f"{docname}: the test finds no solution in the source chapter"
    outside = "".join(text for _kind, text in _outside(source))
    text = _text(nb)
    for body in solutions:
        distinctive = [line.strip() for line in body.splitlines()
                       if len(line.strip()) >= 30 and line.strip() not in outside]
        assert distinctive, f"{docname}: a solution with no line of its own:\n{body}"
        for line in distinctive:
            assert line not in text, f"{docname}: solution text survives: {line!r}"


@pytest.mark.parametrize("docname", IDS)
def test_no_solution_directive_remains_and_each_leaves_a_note(student, docname):
    source, nb = student[1][docname]
    assert not re.search(r"\{solution(-start|-end)?\}", _text(nb))
    assert _text(nb).count(ms.SOLUTION_NOTE) == len(_solutions(source))


@pytest.mark.parametrize("docname", IDS)
def test_no_prefilled_answer_remains(student, docname):
    source, nb = student[1][docname]
    exercises = [c for c in source.cells
                 if c.cell_type == "code" and re.search(r"check_answer\(\s*answer\b", c.source)]
    assert exercises, f"{docname}: no self-checking exercise in the source chapter"
    answer_lines = [line for c in nb.cells if c.cell_type == "code"
                    for line in c.source.splitlines() if ANSWER.match(line)]
    assert answer_lines == [ms.ANSWER_LINE] * len(exercises)
    # An answer that the stored output marks as right is nowhere in the student notebook.
    for cell in exercises:
        verdicts = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        if verdicts.startswith("Correct."):
            prefilled = ANSWER.search(cell.source)["value"]
            assert len(prefilled) > 4 and prefilled not in _text(nb), (docname, prefilled)


# -- everything else survives ------------------------------------------------------------------


@pytest.mark.parametrize("docname", IDS)
def test_every_other_markdown_paragraph_survives_verbatim(student, docname):
    source, nb = student[1][docname]

    def unlinked(text):  # link targets may point at the repository instead (tested apart)
        return re.sub(r"\]\([^)\s]*\)", "](...)", text)

    markdown = unlinked("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    paragraphs = [unlinked(p.strip()) for kind, text in _outside(source) if kind == "markdown"
                  for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    assert len(paragraphs) > 20
    missing = [p for p in paragraphs if p not in markdown]
    assert not missing, f"{docname}: paragraphs lost in the student version: {missing[:3]}"


@pytest.mark.parametrize("docname", IDS)
def test_every_other_code_cell_survives_but_the_answer_line(student, docname):
    source, nb = student[1][docname]
    expected = [ANSWER.sub(ms.ANSWER_LINE, text) if "check_answer(answer" in text else text
                for kind, text in _outside(source) if kind == "code"]
    got = [c.source for c in nb.cells if c.cell_type == "code"]
    assert got == expected
    assert got[0] == next(c.source for c in source.cells if c.cell_type == "code")  # Colab cell


@pytest.mark.parametrize("docname", IDS)
def test_exercises_survive(student, docname):
    source, nb = student[1][docname]

    def labels(notebook):
        return re.findall(r"^[`:]{3,}\{exercise\}[^\n]*\n:label: (\S+)", _text(notebook), re.M)

    assert labels(source) and labels(nb) == labels(source)


@pytest.mark.parametrize("docname", IDS)
def test_outputs_are_cleared_and_metadata_kept(student, docname):
    source, nb = student[1][docname]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "execution" not in cell.metadata
    assert nb.metadata.kernelspec == source.metadata.kernelspec
    # the chapter is a Jupytext pair; the student notebook stands alone (a Jupyter with
    # Jupytext would otherwise write a .md beside it on every save)
    assert "jupytext" in source.metadata and "jupytext" not in nb.metadata
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "hide-input" in first.metadata.get("tags", [])


# -- the transformations on small inputs -------------------------------------------------------


def _md(*sources):
    return [nbformat.v4.new_markdown_cell(s) for s in sources]


def test_colon_fences_and_nested_fences_are_removed_whole():
    cells = _md(
        ":::{exercise}\n:label: e1\nQuestion one.\n:::\n\n"
        ":::{solution} e1\n:class: dropdown\nAnswer one, secret.\n:::\n\nAfter.",
        "````{solution} e2\n:class: dropdown\nAnswer two, in code:\n\n```python\nsecret = 2\n"
        "```\nStill the solution.\n````\nLast line.",
    )
    out, removed = ms.strip_solutions(cells)
    assert removed == 2
    text = "\n".join(c.source for c in out)
    for gone in ("secret", "Answer", "Still the solution", "{solution}"):
        assert gone not in text
    for kept in (":::{exercise}", "Question one.", "After.", "Last line."):
        assert kept in text
    assert text.count(ms.SOLUTION_NOTE) == 2


def test_a_gated_solution_takes_its_code_cells_with_it():
    cells = [
        *_md("Before.\n\n```{solution-start} e\n:class: dropdown\n```\n\nThe secret proof:"),
        nbformat.v4.new_code_cell("secret_check()"),
        *_md("```{solution-end}\n```\n\nAfter."),
        nbformat.v4.new_code_cell("kept()"),
    ]
    out, removed = ms.strip_solutions(cells)
    assert removed == 1
    assert [(c.cell_type, c.source) for c in out] == [
        ("markdown", f"Before.\n\n{ms.SOLUTION_NOTE}"),
        ("markdown", "After."),
        ("code", "kept()"),
    ]


def test_a_solution_directive_quoted_in_a_code_block_is_kept():
    quoted = "````md\n```{solution} e\nnot a solution here\n```\n````"
    out, removed = ms.strip_solutions(_md(quoted))
    assert removed == 0 and out[0].source == quoted


@pytest.mark.parametrize("source", [
    "```{solution} e\nnever closed",
    "```{solution-end}\n```",
    "```{solution-start} e\n```\nopen at the end",
])
def test_malformed_solutions_raise(source):
    with pytest.raises(ValueError, match="solution"):
        ms.strip_solutions(_md(source))


def test_blank_answer_replaces_a_multiline_assignment_only():
    source = 'x = 1\nanswer = (\n    "a + b"\n)  # mine\ndv.check_answer(answer, a + b)\n'
    assert ms.blank_answer(source) == f"x = 1\n{ms.ANSWER_LINE}\ndv.check_answer(answer, a + b)\n"
    assert ms.blank_answer('print(dv.check_answer("a", a))') is None  # not an exercise cell
    assert ms.blank_answer("y = 2") is None


def test_blank_answer_refuses_what_it_cannot_blank():
    with pytest.raises(ValueError, match="parse"):
        ms.blank_answer("%time x = 1\nanswer = 'a'\ndv.check_answer(answer, a)")
    with pytest.raises(ValueError, match="assign"):
        ms.blank_answer("dv.check_answer(answer, a)")


def test_the_placeholder_gets_a_clear_answer_not_an_exception():
    import sympy as sp

    from derivlib import derivation as dv

    N, sigma = sp.symbols("N sigma", positive=True)
    answer = eval(ms.PLACEHOLDER)  # the string the student notebooks hold
    verdict = dv.check_answer(answer, (N - 1) / N * sigma**2, symbols=[N, sigma])
    assert not verdict.correct
    assert "___" in verdict.message and "N, sigma" in verdict.message


def test_bad_arguments_are_rejected(tmp_path):
    with pytest.raises(TypeError, match="nb"):
        ms.student_notebook({"cells": []})
    with pytest.raises(ValueError, match="out"):
        ms.make_student(ROOT, ROOT / "chapters")
    with pytest.raises(ValueError, match="out"):
        ms.make_student(ROOT, ROOT)
    with pytest.raises(TypeError, match="root"):
        ms.make_student(42, tmp_path)
    with pytest.raises(TypeError, match="out"):
        ms.make_student(ROOT, 42)


def test_a_stale_student_notebook_is_removed(tmp_path):
    stale = tmp_path / "chapters" / "gone" / "old.ipynb"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    written = ms.make_student(ROOT, tmp_path)
    assert not stale.exists() and all(p.exists() for p in written)


# -- the student notebooks run -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.docname for c in CHAPTERS])
def test_student_notebook_executes(student, chapter, tmp_path):
    """Each student notebook runs top to bottom in a fresh python3 kernel (half a minute).

    It runs from a copy in a temporary folder, with the notebook's folder as the working
    directory, like a student's copy; a self-checking exercise must answer "Not yet." for the
    placeholder. One test per chapter, so that `make test`'s two workers share them.
    """
    out, _pairs = student
    target = tmp_path / chapter.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((out / chapter.path).read_bytes())
    nb = nbformat.read(target, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, startup_timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(target.parent)}}).execute()
    verdicts = [
        "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        for cell in nb.cells
        if cell.cell_type == "code" and ms.ANSWER_LINE in cell.source
    ]
    assert verdicts, chapter.docname
    for verdict in verdicts:
        assert verdict.startswith("Not yet.") and "___" in verdict, (chapter.docname, verdict)
    print(f"student notebook {chapter.docname} executed in {time.perf_counter() - start:.1f} s")
