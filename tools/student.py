"""Write the student version of the chapter notebooks (``make student``).

For every chapter notebook in the table of contents this writes a copy, at the same relative
path under the output folder (default ``_build/student``), in which

- every solution is removed and replaced by a one-line note: the MyST ``{solution}`` blocks
  (backtick or colon fences, with nested fences inside them) and the gated
  ``{solution-start}`` ... ``{solution-end}`` solutions, including the cells between the two;
- the pre-filled answer of every self-checking exercise (``answer = ...`` in a cell that
  calls ``check_answer(answer, ...)``) is replaced by the placeholder ``"___"``, which
  ``derivlib.derivation.check_answer`` answers with "Not yet." and the names the exercise
  expects, without raising;
- every output and execution count is cleared: the students execute the notebooks.

Everything else (the exercises, every other markdown line and code cell) is copied verbatim.
The notebooks need only ``derivlib`` and the book's requirements, as on Binder or Colab; the
notation page that the chapters link to is copied beside them, with a README.

    .venv/bin/python -m tools.student [--out _build/student]    # from the repository root
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import shutil
from pathlib import Path

import nbformat

from tools import book

ROOT = Path(__file__).resolve().parents[1]

SOLUTION_NOTE = "*Solution removed in the student version.*"
PLACEHOLDER = '"___"'
ANSWER_LINE = f"answer = {PLACEHOLDER}  # <- your answer here (a string or a SymPy expression)"
PAGES = ("notation.md",)  # pages the chapters link to, copied beside them
# A link to any other page of the book (the benchmarks, the audit) points at the repository
_LINK = re.compile(r"\]\((?P<target>[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")

_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
_SOLUTION = re.compile(r"^\{(?P<name>solution(?:-start|-end)?)\}")

README = """# Student notebooks

The chapters of *Machine-learning derivations that run* with the solutions removed and the
outputs cleared. Open a chapter in Jupyter and run it from the top: every derivation is
checked as it runs, and the self-checking exercises answer "Correct." or give a hint.
Replace each `"___"` placeholder by your answer.

The notebooks need `derivlib`, the book's library, and its requirements:

    pip install "derivlib @ git+https://github.com/derivations-that-run/book"
    pip install -r requirements.txt   # from the book's repository

On Google Colab the first cell of each chapter installs `derivlib` by itself.
"""


def _block_end(lines: list[str], start: int, fence: str) -> int | None:
    """Index of the line that closes the fenced block opened at ``lines[start]``.

    As in CommonMark (and MyST's colon fences), the block is closed by the first line that
    is only a run of the same fence character, at least as long as the opening run; a nested
    fence inside it (```` ```python ```` in a ```` ```` ```` block) is therefore shorter
    and does not close it. None if nothing closes it (the block runs to the end of the cell).
    """
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if len(stripped) >= len(fence) and set(stripped) == {fence[0]}:
            return i
    return None


def strip_solutions(cells: list) -> tuple[list, int]:
    """Remove the solutions from a notebook's cells.

    Parameters
    ----------
    cells : list of nbformat cells
        The notebook's cells (not modified).

    Returns
    -------
    cells : list
        New cells: each ``{solution}`` block of a markdown cell, and each gated solution from
        its ``{solution-start}`` block to its ``{solution-end}`` block (across cells, code
        cells included), replaced by :data:`SOLUTION_NOTE`. Other fenced blocks (exercises,
        code, math) are copied whole, so a solution directive quoted inside one is left
        alone. A cell left empty is dropped.
    removed : int
        How many solutions were removed.

    Raises
    ------
    ValueError
        If a solution block is not closed, or a ``{solution-end}`` has no start (or a
        ``{solution-start}`` no end).
    """
    out = []
    removed = 0
    gated = False  # inside a solution-start ... solution-end pair
    for cell in cells:
        if cell.cell_type != "markdown":
            if not gated:
                out.append(copy.deepcopy(cell))
            continue
        lines = cell.source.split("\n")
        kept: list[str] = []
        i = 0
        while i < len(lines):
            match = _FENCE.match(lines[i])
            if match is None:
                if not gated:
                    kept.append(lines[i])
                i += 1
                continue
            fence = match.group("fence")
            end = _block_end(lines, i, fence)
            directive = _SOLUTION.match(match.group("info").strip())
            name = directive.group("name") if directive else None
            if name is not None and end is None:
                raise ValueError(f"unclosed {{{name}}} block: {lines[i]!r}")
            end = len(lines) - 1 if end is None else end
            if name is None:  # any other fenced block: copied (or skipped) whole
                if not gated:
                    kept.extend(lines[i : end + 1])
            elif name == "solution":
                if not gated:
                    kept.append(SOLUTION_NOTE)
                    removed += 1
            elif name == "solution-start":
                if gated:
                    raise ValueError(f"nested {{solution-start}}: {lines[i]!r}")
                gated = True
                kept.append(SOLUTION_NOTE)
                removed += 1
            else:  # solution-end
                if not gated:
                    raise ValueError(f"{{solution-end}} without a {{solution-start}}: "
                                     f"{lines[i]!r}")
                gated = False
                if end + 1 < len(lines) and not lines[end + 1].strip():
                    end += 1  # the blank line after the closing fence goes with it
            i = end + 1
        source = "\n".join(kept)
        if source.strip():
            new = copy.deepcopy(cell)
            new.source = source.strip("\n")
            out.append(new)
    if gated:
        raise ValueError("a {solution-start} has no {solution-end}")
    return out, removed


def _answer_assignment(tree: ast.Module) -> ast.Assign | None:
    """The top-level ``answer = ...`` of a cell that calls ``check_answer(answer, ...)``."""
    calls = any(
        isinstance(node, ast.Call)
        and (getattr(node.func, "attr", None) == "check_answer"
             or getattr(node.func, "id", None) == "check_answer")
        and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "answer"
        for node in ast.walk(tree)
    )
    if not calls:
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "answer" for t in node.targets):
            return node
    return None


def blank_answer(source: str) -> str | None:
    """A self-checking exercise cell with its pre-filled answer replaced by the placeholder.

    Parameters
    ----------
    source : str
        A code cell's source.

    Returns
    -------
    str or None
        The source with the lines of ``answer = ...`` replaced by :data:`ANSWER_LINE`, or None
        if the cell is not a self-checking exercise (no ``check_answer(answer, ...)`` call).

    Raises
    ------
    ValueError
        If the cell calls ``check_answer(answer, ...)`` but cannot be parsed, or does not
        assign ``answer`` itself: its answer could not be removed.
    """
    if "check_answer" not in source:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        if re.search(r"check_answer\(\s*answer\b", source):
            raise ValueError(f"cannot parse a check_answer cell to remove its answer: {err}"
                             ) from None
        return None
    node = _answer_assignment(tree)
    if node is None:
        if re.search(r"check_answer\(\s*answer\b", source):
            raise ValueError("a check_answer(answer, ...) cell does not assign answer itself:\n"
                             + source)
        return None
    lines = source.split("\n")
    lines[node.lineno - 1 : node.end_lineno] = [ANSWER_LINE]
    return "\n".join(lines)


def student_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict]:
    """The student version of a chapter notebook.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The chapter (not modified).

    Returns
    -------
    notebook : nbformat.NotebookNode
        Solutions removed, pre-filled answers blanked, outputs cleared.
    report : dict
        ``{"solutions": n, "answers": m}``: how many of each were removed.
    """
    if not isinstance(nb, nbformat.NotebookNode):
        raise TypeError(f"nb must be an nbformat notebook, got {type(nb).__name__}")
    student = copy.deepcopy(nb)
    student.cells, solutions = strip_solutions(nb.cells)
    answers = 0
    for cell in student.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        cell.execution_count = None
        blanked = blank_answer(cell.source)
        if blanked is not None:
            cell.source = blanked
            answers += 1
    student.metadata.pop("widgets", None)
    student.metadata.pop("jupytext", None)  # no pairing: a student notebook stands alone
    return student, {"solutions": solutions, "answers": answers}


def _repository(root: Path) -> str:
    """``<repository url>/blob/<branch>`` from _config.yml, where the book's pages are readable."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    repo = config.get("repository", {})
    if not repo.get("url"):
        raise ValueError("_config.yml has no repository.url to link the pages that the student "
                         "version does not ship")
    return f"{repo['url'].rstrip('/')}/blob/{repo.get('branch', 'main')}"


def link_outside(nb, path: str, shipped: set[str], base_url: str) -> int:
    """Point markdown links to pages that the student folder lacks at the repository.

    ``path`` is the notebook's path in the book (``chapters/sequences/hmm.ipynb``); a relative
    link whose target is not in ``shipped`` (paths relative to the book's root) becomes
    ``<base_url>/<target>``. Returns how many links were rewritten.
    """
    folder = Path(path).parent
    count = 0

    def rewrite(match):
        nonlocal count
        target = match.group("target")
        if "://" in target or target.startswith(("mailto:", "/")):
            return match.group(0)
        resolved = (folder / target).as_posix()
        parts = []
        for part in resolved.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part != ".":
                parts.append(part)
        resolved = "/".join(parts)
        if resolved in shipped:
            return match.group(0)
        count += 1
        return f"]({base_url}/{resolved}{match.group('anchor') or ''})"

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _LINK.sub(rewrite, cell.source)
    return count


def make_student(root=ROOT, out=None) -> list[Path]:
    """Write the student version of every chapter of the book.

    Parameters
    ----------
    root : str or Path
        The book's folder (with ``_toc.yml``).
    out : str or Path, optional
        Where to write (default ``<root>/_build/student``). Chapters keep their relative paths
        (``<out>/chapters/sequences/hmm.ipynb``); the pages they link to and a README are
        copied beside them. Files of an earlier run are replaced, and a student notebook
        of a chapter that no longer exists is removed.

    Returns
    -------
    list of Path
        The student notebooks written, in the order of the table of contents.
    """
    if not isinstance(root, str | Path):
        raise TypeError(f"root must be a str or Path, got {type(root).__name__}")
    if out is not None and not isinstance(out, str | Path):
        raise TypeError(f"out must be a str or Path, got {type(out).__name__}")
    root = Path(root)
    out = root / "_build" / "student" if out is None else Path(out)
    resolved, sources = out.resolve(), root.resolve()
    if resolved == sources or resolved in sources.parents or (
            resolved.is_relative_to(sources) and not resolved.is_relative_to(sources / "_build")):
        raise ValueError("out must be outside the book's sources (or under its _build folder), "
                         f"got {str(out)!r}")
    written = []
    chapters = book.chapters(root)
    shipped = {c.path for c in chapters} | set(PAGES)
    base_url = _repository(root)
    for chapter in chapters:
        nb = nbformat.read(root / chapter.path, as_version=4)
        student, report = student_notebook(nb)
        link_outside(student, chapter.path, shipped, base_url)
        if report["solutions"] == 0:
            raise ValueError(f"{chapter.path}: no solution found to remove (is the "
                             "{solution} syntax one this script knows?)")
        target = out / chapter.path
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.validate(student)
        nbformat.write(student, target)
        written.append(target)
    # A student notebook of an earlier run whose chapter is gone would mislead: remove it.
    for stale in sorted((out / "chapters").rglob("*.ipynb")):
        if stale not in written:
            stale.unlink()
    for page in PAGES:
        shutil.copyfile(root / page, out / page)
    (out / "README.md").write_text(README, encoding="utf-8")
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the student version of the chapters.")
    parser.add_argument("--out", default=None, help="output folder (default: _build/student)")
    args = parser.parse_args(argv)
    out = ROOT / "_build" / "student" if args.out is None else Path(args.out)
    written = make_student(ROOT, out)
    for path in written:
        print(f"  {path.relative_to(out)}")
    print(f"{len(written)} student notebooks in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
