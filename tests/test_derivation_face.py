"""``derivlib.derivation`` stays the public face after the split of the checker.

The chain and its rendering live in ``derivlib.checker.chain``, the exercise checker in
``derivlib.checker.exercises`` and the checking engine in ``derivlib.checker.engine`` (with
``errors``, ``expectation`` and ``premises``); ``show_source`` in ``derivlib.display``. Every
name that ``from derivlib.derivation import X`` gave before the split (the list below is taken
from the module as it was, ``__all__`` and its other public names) must still import, and be
the very object of its new home, so that chapters, notebooks and ``tools`` see no change.
"""

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from derivlib import derivation as dv

SRC = Path(__file__).resolve().parents[1] / "src" / "derivlib"

# __all__ of derivlib.derivation before the split, in its order
PUBLIC_ALL = ["Audit", "AnswerCheck", "Claim", "CitedResult", "Derivation", "E", "NotCheckable",
              "Step", "StepError", "Verdict", "check_answer", "check_equal", "cite", "claim",
              "show_source"]

# every public (non-underscore) name derivlib.derivation had before the split, with its home now
HOMES = {
    # the chain and its rendering
    "Audit": "derivlib.checker.chain",
    "CitedResult": "derivlib.checker.chain",
    "Derivation": "derivlib.checker.chain",
    "MARKS": "derivlib.checker.chain",
    "METADATA_KEY": "derivlib.checker.chain",
    "Step": "derivlib.checker.chain",
    "cite": "derivlib.checker.chain",
    # the exercise checker
    "AnswerCheck": "derivlib.checker.exercises",
    "check_answer": "derivlib.checker.exercises",
    # the engine
    "CHECKS": "derivlib.checker.engine",
    "Context": "derivlib.checker.engine",
    "RELATIONS": "derivlib.checker.engine",
    "TIME_LIMIT": "derivlib.checker.engine",
    "Verdict": "derivlib.checker.engine",
    "as_expression": "derivlib.checker.engine",
    "check_equal": "derivlib.checker.engine",
    "short": "derivlib.checker.engine",
    "validate_domains": "derivlib.checker.engine",
    "validate_rtol": "derivlib.checker.engine",
    "verify_premises": "derivlib.checker.engine",
    "NotCheckable": "derivlib.checker.errors",
    "StepError": "derivlib.checker.errors",
    "Declared": "derivlib.checker.expectation",
    "E": "derivlib.checker.expectation",
    "Claim": "derivlib.checker.premises",
    "Premise": "derivlib.checker.premises",
    "Premises": "derivlib.checker.premises",
    "claim": "derivlib.checker.premises",
    "parse_claims": "derivlib.checker.premises",
    "parse_definitions": "derivlib.checker.premises",
    "parse_hypotheses": "derivlib.checker.premises",
    # the chapters' display helper
    "show_source": "derivlib.display",
}


def test_all_is_unchanged():
    assert dv.__all__ == PUBLIC_ALL
    assert set(PUBLIC_ALL) <= set(HOMES)


@pytest.mark.parametrize("name", sorted(HOMES))
def test_name_imports_from_the_face_and_is_its_home_object(name):
    namespace: dict = {}
    exec(f"from derivlib.derivation import {name}", namespace)  # the form chapters and tools use
    home = importlib.import_module(HOMES[name])
    assert namespace[name] is getattr(home, name), f"derivlib.derivation.{name} is a copy"


def test_the_face_holds_no_code_of_its_own():
    tree = ast.parse((SRC / "derivation.py").read_text(encoding="utf-8"))
    defined = [n for n in tree.body
               if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    assert not defined, f"derivation.py defines {[n.name for n in defined]}: put them in checker/"


def test_the_chapters_names_are_on_the_face():
    # dv.<name> as the chapters, the audit page and the course guide use it
    root = SRC.parents[1]
    used = set()
    for path in [*root.glob("chapters/*/*.md"), root / "audit.md", root / "course_guide.md"]:
        used |= set(re.findall(r"\bdv\.([A-Za-z_]\w*)", path.read_text(encoding="utf-8")))
    assert used, "no dv.<name> found in the chapters: did the layout change?"
    assert used <= set(HOMES), f"chapters use names the face does not list: {used - set(HOMES)}"


ENGINE = ["errors", "expectation", "premises", "sampling", "symbolic", "engine"]


def _derivlib_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return {n for n in names if n.startswith("derivlib")}


@pytest.mark.parametrize("module", ENGINE)
def test_the_engine_does_not_import_what_is_built_on_it(module):
    imports = _derivlib_imports(SRC / "checker" / f"{module}.py")
    above = {"derivlib.derivation", "derivlib.checker.chain", "derivlib.checker.exercises",
             "derivlib.display"}
    assert not imports & above, f"checker/{module}.py imports {imports & above}"


@pytest.mark.parametrize("module", ["derivlib.checker.chain", "derivlib.checker.exercises",
                                    "derivlib.checker.engine", "derivlib.derivation"])
def test_each_module_imports_first_in_a_fresh_interpreter(module):
    # an import cycle shows only for some orders: import each module first, on its own
    run = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
