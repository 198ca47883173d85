"""The library a reader installs is the library the book is about.

``derivlib`` (``src/derivlib``) is what Colab and Binder readers install; the book's tooling
(table of contents, prerequisite graph, launch links, the audit scraper, notebook execution,
the student version, mutation testing) is the repository's ``tools`` package, which is not
installed. These tests keep the two apart:

- no module of ``src/derivlib`` imports ``tools`` (read from the source, so a lazy import
  inside a function counts too);
- the package has no book tooling: ``derivlib.book`` and ``derivlib.notebook`` do not exist,
  and ``derivlib.derivation`` no longer offers the notebook scraper;
- the package that setuptools installs from ``src`` is ``derivlib`` alone, and ``tools`` is
  not under ``src``.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

import derivlib

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "derivlib"


def _imports(path: Path) -> list[str]:
    """Every module that a file imports, at any depth (absolute names)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_derivlib_imports_nothing_from_tools():
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 10, "src/derivlib looks empty: is the layout still src/derivlib?"
    offending = [(f.relative_to(ROOT).as_posix(), name) for f in files for name in _imports(f)
                 if name == "tools" or name.startswith("tools.")]
    assert not offending, f"derivlib must not import the book's tooling: {offending}"


def test_the_import_check_sees_lazy_imports(tmp_path):
    # the check above reads function bodies too
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from tools import book\n    import tools.audit\n")
    assert _imports(module) == ["tools", "tools.audit"]


@pytest.mark.parametrize("name", ["derivlib.book", "derivlib.notebook", "derivlib.tools"])
def test_the_book_tooling_is_not_in_derivlib(name):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(name)


def test_no_derivlib_module_is_book_tooling():
    modules = {m.name for m in pkgutil.walk_packages(derivlib.__path__, "derivlib.")}
    assert "derivlib.derivation" in modules and "derivlib.display" in modules
    assert not {"derivlib.book", "derivlib.notebook", "derivlib.audit"} & modules
    from derivlib import derivation as dv

    for name in ("notebook_records", "notebook_audit"):
        assert not hasattr(dv, name), f"derivlib.derivation.{name} belongs to tools.audit"


def test_the_chapter_helpers_keep_their_names():
    # the chapters import these; derivlib.display is the one module they live in
    from derivlib import derivation as dv
    from derivlib import display, widgets

    assert dv.show_source is display.show_source
    assert widgets.explore is display.explore and widgets.Explorer is display.Explorer


def test_only_derivlib_is_installed_from_src():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["setuptools"]["packages"]["find"]["where"] == ["src"]
    assert [p.name for p in (ROOT / "src").iterdir()
            if (p / "__init__.py").is_file()] == ["derivlib"]
    assert (ROOT / "tools" / "__init__.py").is_file()
    assert "yaml" not in str(config["project"]["dependencies"]).lower(), (
        "PyYAML was derivlib's dependency for reading _toc.yml, which is tools.book's job")
