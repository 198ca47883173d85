"""The requirements, split by who needs them.

``requirements.txt`` is the reader's set: what the chapters need to run, and what Binder
installs (repo2docker reads the root files, then installs the package; tests/test_binder.py).
``requirements-dev.txt`` is what development, the site and the tests need on top of it: the
Sphinx stack, Jupytext, the reference libraries, pytest, nbval, ruff, Playwright.
``constraints.txt`` locks both. The rule (CONTRIBUTING.md): the reference libraries are test
and benchmark dependencies, never something a reader must install to run a chapter, so a
chapter imports a reference library only inside a guard that checks it is installed.

These tests read files and the installed distributions' metadata (the development
environment has both sets installed); the slow test in tests/test_binder.py installs the
reader's set alone and executes the chapters with the guarded comparisons.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
READER = ROOT / "requirements.txt"
DEV = ROOT / "requirements-dev.txt"
LOCK = ROOT / "constraints.txt"
JUPYTER_BOOK_PIN = "jupyter-book==1.0.4.post1"
# Libraries the tests and benchmarks compare derivlib against, and nothing else uses.
REFERENCES = {"hmmlearn", "pykalman", "filterpy", "statsmodels", "pgmpy"}


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _requirements(path: Path) -> dict[str, str]:
    """name -> version for every requirement line; each must be an exact ``==`` pin."""
    pins = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        assert not line.startswith("-"), f"{path.name}: unexpected option line {raw!r}"
        name, sep, version = line.partition("==")
        assert sep and version and re.fullmatch(r"[\w.+!]+", version.strip()), (
            f"{path.name}: {raw!r} is not pinned exactly with =="
        )
        assert _name(name) not in pins, f"{path.name}: {name.strip()} is listed twice"
        pins[_name(name)] = version.strip()
    return pins


def test_jupyter_book_is_pinned_to_the_1x_line():
    lines = DEV.read_text(encoding="utf-8").splitlines()
    assert JUPYTER_BOOK_PIN in [line.split("#", 1)[0].strip() for line in lines]


def test_the_reader_and_development_sets_are_disjoint():
    both = _requirements(READER).keys() & _requirements(DEV).keys()
    assert not both, f"in both requirements.txt and requirements-dev.txt: {sorted(both)}"


def test_every_requirement_is_pinned_in_the_lock():
    lock = _requirements(LOCK)
    assert "derivlib" not in lock, "constraints.txt must not pin derivlib itself"
    for path in (READER, DEV):
        for name, version in _requirements(path).items():
            assert name in lock, f"{name} is in {path.name} but not in constraints.txt"
            assert lock[name] == version, (
                f"{name}: {path.name} pins {version}, constraints.txt pins {lock[name]}"
            )


def test_the_makefile_installs_both_sets_with_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-c constraints.txt -r requirements.txt -r requirements-dev.txt -e ." in makefile
    inputs = re.search(r"^INSTALL_INPUTS\s*:=(.*)$", makefile, re.M)
    assert inputs and {"requirements.txt", "requirements-dev.txt", "constraints.txt",
                       "pyproject.toml"} <= set(inputs.group(1).split())


# -- what the reader's set provides --------------------------------------------------------------


def _closure(requirements: list[Requirement]) -> set[str]:
    """The distributions that installing ``requirements`` brings (no extras), read from the
    metadata of the installed distributions."""
    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        req = todo.pop()
        name = _name(req.name)
        if name in seen or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        try:
            requires = metadata.requires(req.name) or []
        except metadata.PackageNotFoundError:
            pytest.fail(f"{req.name} (needed by the reader's set) is not installed in .venv")
        todo.extend(Requirement(r) for r in requires)
    return seen


def _reader_distributions() -> set[str]:
    """What Binder installs: requirements.txt, then the package with its dependencies."""
    reader = [Requirement(f"{name}=={version}") for name, version in _requirements(READER).items()]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reader += [Requirement(r) for r in pyproject["project"]["dependencies"]]
    return _closure(reader)


READER_DISTRIBUTIONS = _reader_distributions()
MODULE_DISTRIBUTIONS = {module: {_name(d) for d in dists}
                        for module, dists in metadata.packages_distributions().items()}


def test_no_reference_library_is_a_readers_requirement():
    assert not (REFERENCES & READER_DISTRIBUTIONS), (
        f"the reader's set installs {sorted(REFERENCES & READER_DISTRIBUTIONS)}; reference "
        "libraries belong in requirements-dev.txt"
    )
    assert REFERENCES <= _requirements(DEV).keys()


def _imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """(top-level module, guarded) for every import; guarded: inside an ``if``/``else``."""
    found = []

    def visit(node, guarded):
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], guarded) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append((node.module.split(".")[0], guarded))
        for child in ast.iter_child_nodes(node):
            visit(child, guarded or isinstance(node, ast.If))

    visit(tree, False)
    return found


def _chapter_imports(path: Path) -> list[tuple[str, bool, str]]:
    """(module, guarded, cell source) of every import in the chapter's code cells."""
    found = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        # IPython syntax (%magic, !shell) is not Python: a `pass` at the same indentation.
        source = "\n".join(
            line[: len(line) - len(line.lstrip())] + "pass"
            if line.lstrip().startswith(("%", "!")) else line
            for line in cell.source.splitlines()
        )
        found += [(m, g, cell.source) for m, g in _imports(ast.parse(source))]
    return found


CHAPTERS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def test_the_chapters_are_listed():
    assert CHAPTERS


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.relative_to(ROOT).as_posix() for p in CHAPTERS])
def test_the_readers_set_runs_the_chapter(path):
    """Every import is the standard library, derivlib, or provided by the reader's set; or it
    is a library of requirements-dev.txt imported inside a guard that checks it is installed
    (``importlib.util.find_spec("<name>")`` in the same cell), so that the cell says the
    comparison needs the test requirements instead of failing."""
    rel = path.relative_to(ROOT).as_posix()
    imports = _chapter_imports(path)
    assert any(m == "derivlib" for m, _, _ in imports), f"{rel} imports no derivlib"
    for module, guarded, source in imports:
        if module in sys.stdlib_module_names or module == "derivlib":
            continue
        dists = MODULE_DISTRIBUTIONS.get(module)
        assert dists, f"{rel}: no installed distribution provides the module {module!r}"
        if dists & READER_DISTRIBUTIONS:
            continue
        assert guarded and "find_spec" in source and f'"{module}"' in source, (
            f"{rel} imports {module} ({', '.join(sorted(dists))}), which the reader's set "
            "(requirements.txt, what Binder installs) does not provide: add it to "
            "requirements.txt, or import it inside `if importlib.util.find_spec(...)` and say "
            "that the comparison needs the test requirements (see chapters/sequences/hmm.md)"
        )
        assert dists & _requirements(DEV).keys(), (
            f"{rel}: the guarded {module} is not in requirements-dev.txt"
        )
