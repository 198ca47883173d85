"""The mutation-testing tool (``tools/mutate.py``, ``make mutate``).

- every mutation operator makes mathematically different expressions from a simple input,
  the same ones on every call and under any ``PYTHONHASHSEED``;
- the equivalence filter discards a mutant that changed nothing (a symmetric swap) and keeps
  one it cannot decide, marked "undecided";
- the verdicts: ``StepError`` kills a mutant, acceptance makes a survivor, a timeout is
  undecided, and ``Derivation.recheck`` is preferred when it exists;
- end to end on a small synthetic notebook: the JSON is written, the checker kills the
  mutants, the same run gives the same file, ``--sample`` checks only that many, and a weak
  checker that accepts every step (a fake ``derivlib`` first on ``PYTHONPATH``) is caught:
  its mutants survive.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import nbformat
import pytest
import sympy as sp

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools/mutate.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("mutate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate"] = module
    spec.loader.exec_module(module)
    return module


mt = _load_script()

a, b, c = sp.symbols("a b c", real=True)
p = sp.Symbol("p", positive=True)
N, n = sp.symbols("N n", integer=True, positive=True)
x = sp.IndexedBase("x")
A, B = sp.MatrixSymbol("A", 3, 3), sp.MatrixSymbol("B", 3, 3)
v = sp.MatrixSymbol("v", 3, 1)

# one simple input per operator, on which the operator has something to do
INPUTS = {
    "coefficient": a**2 + 2 * a * b + b**2 / 2,
    "sign": a**2 + 2 * a * b + b**2,
    "drop_term": a**2 + 2 * a * b + b**2,
    "exponent": a**2 + 1 / b,
    "index": sp.Sum(x[n], (n, 1, N)) / (N - 1),
    "swap": a**2 + 2 * b + c**3,
    "transpose": A * B.T + A,
    "function": sp.exp(p) + sp.log(p + 1),
    "drop_factor": a * b * c + a,
}


def _srepr_all(mutants):
    return [sp.srepr(sp.ImmutableMatrix(m) if isinstance(m, sp.MatrixBase) else m)
            for m in mutants]


def test_every_operator_has_an_input():
    assert set(INPUTS) == set(mt.OPERATORS)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_operator_makes_different_expressions(name):
    expr = INPUTS[name]
    mutants = mt.OPERATORS[name](expr, random.Random(0))
    assert mutants, f"{name} made no mutant of {expr}"
    for m in mutants:
        assert mt.equivalence(expr, m) == "different", f"{name}: {expr} -> {m}"


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_operator_is_deterministic(name):
    first = mt.OPERATORS[name](INPUTS[name], random.Random(7))
    second = mt.OPERATORS[name](INPUTS[name], random.Random(7))
    assert _srepr_all(first) == _srepr_all(second)


def test_operators_make_the_documented_mutants():
    def strs(name, expr):
        return {str(m) for m in mt.OPERATORS[name](expr, random.Random(0))}

    assert {"a/3 + 2*b", "a/2 + 3*b"} <= strs("coefficient", a / 2 + 2 * b)
    assert strs("coefficient", sp.Integer(0)) == {"1", "-1"}  # a chain that ends in 0
    assert "a**3 + b" in strs("exponent", a**2 + b)
    assert "a + b**(-2)" in strs("exponent", a + 1 / b)
    assert {"Sum(x[n], (n, 1, N - 1))", "Sum(x[n], (n, 0, N))", "Sum(x[n + 1], (n, 1, N))"} <= (
        strs("index", sp.Sum(x[n], (n, 1, N))))
    assert "N*c" in strs("index", c * (N - 1))  # N - 1 -> N
    assert "b + log(p)" in strs("function", sp.exp(p) + b)
    quadratic = strs("transpose", v.T * A * v)
    assert quadratic == {"v.T*A.T*v"}  # never v*A*v or v.T*A*v.T: the shapes must match
    assert "A" in strs("drop_term", A + B) and "-a + b" in strs("sign", a + b)


def test_shape_changing_factor_drop_is_counted_as_shape():
    mutants = mt.op_drop_factor(v.T * A * v, random.Random(0))
    assert any(mt._shape(m) != (1, 1) for m in mutants)  # A*v: the run counts it as "shape"


def test_generate_mutants_caps_mixes_and_is_deterministic():
    expr = INPUTS["coefficient"] + sp.exp(c)
    chosen = mt.generate_mutants(expr, random.Random(3), k=4)
    assert len(chosen) == 4
    assert len({name for name, _ in chosen}) == 4  # the operators take turns
    again = mt.generate_mutants(expr, random.Random(3), k=4)
    assert [(k, sp.srepr(m)) for k, m in chosen] == [(k, sp.srepr(m)) for k, m in again]
    assert all(sp.srepr(m) != sp.srepr(expr) for _, m in chosen)


_HASHSEED_PROBE = textwrap.dedent("""
    import importlib.util, json, random, sys
    import sympy as sp
    spec = importlib.util.spec_from_file_location("mutate", sys.argv[1])
    mt = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mt)
    s = sp.symbols("a b c d e f g h", real=True)
    N, n, m = sp.symbols("N n m", integer=True, positive=True)
    x = sp.IndexedBase("x")
    A, B, C = (sp.MatrixSymbol(k, 3, 3) for k in "ABC")
    exprs = [sum(sym**(i + 1) * s[(i + 3) % 8] for i, sym in enumerate(s)),
             sp.Sum(x[n] * x[m] - s[0], (n, 1, N), (m, 1, N - 1)) / N + sp.exp(s[1] / N),
             A * B.T * C + C.T * A - B]
    out = [[(k, sp.srepr(e)) for k, e in mt.generate_mutants(expr, random.Random(5), k=30)]
           for expr in exprs]
    print(json.dumps(out))
""")


def test_mutants_do_not_depend_on_pythonhashseed():
    runs = []
    for hashseed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        proc = subprocess.run([sys.executable, "-c", _HASHSEED_PROBE, str(SCRIPT)], env=env,
                              capture_output=True, text=True, check=True, timeout=120)
        runs.append(json.loads(proc.stdout))
    assert runs[0] == runs[1]
    assert all(len(r) > 10 for r in runs[0])


# ------------------------------------------------------------------------- equivalence
def test_symmetric_swap_is_discarded_as_equivalent():
    expr = a**2 + b**2 + c
    verdicts = {str(m): mt.equivalence(expr, m) for m in mt.op_swap(expr, random.Random(0))}
    assert verdicts[str(expr.xreplace({a: b, b: a}))] == "equivalent"
    assert "different" in verdicts.values()  # swapping a and c changes it


def test_matrix_equivalence_uses_the_predicates():
    S = sp.MatrixSymbol("S", 3, 3)
    assert mt.equivalence(S * A, S.T * A) == "different"
    assert mt.equivalence(S * A, S.T * A, mt.Context([[sp.Q.symmetric(S)]])) == "equivalent"
    assert mt.equivalence(v.T * A * v, v.T * A.T * v) == "equivalent"  # a quadratic form
    assert mt.equivalence(sp.Matrix([[a, b]]), sp.Matrix([[a, a]])) == "different"
    assert mt.equivalence(sp.Matrix([[a * (a + b)]]), sp.Matrix([[a**2 + a * b]])) == (
        "equivalent")


def test_equivalence_under_the_facts_and_expectations():
    i = sp.Wild("i")
    mu = sp.Symbol("mu", real=True)
    E = sp.Function("E")
    moments = [sp.Eq(E(x[i]), mu)]
    original = E(sp.Sum(x[n], (n, 1, N)) / N)
    shifted = E(sp.Sum(x[n + 1], (n, 1, N)) / N)  # identically distributed: same expectation
    assert mt.equivalence(original, shifted) == "different"
    assert mt.equivalence(original, shifted, mt.Context([moments])) == "equivalent"


def test_undecidable_equivalence_is_kept_as_undecided():
    f = sp.Function("f")
    assert mt.equivalence(f(A), f(B)) == "undecided"  # a function of a matrix: no number
    # a function without a formula is evaluated as one random function, the same on both sides
    assert mt.equivalence(f(a), f(b)) == "different"
    assert mt.equivalence(f(a) * (b + 1), f(a) * b + f(a)) == "equivalent"


def test_ill_shaped_mutants_are_not_made():
    n, d = sp.symbols("n d", integer=True, positive=True)
    X, w = sp.MatrixSymbol("X", n, d), sp.MatrixSymbol("w", d, 1)
    expr = w.T * X.T * X * w
    assert not mt.well_shaped(w.T * X * X * w)  # SymPy builds it: its sizes are symbols
    mutants = [m for _, m in mt.generate_mutants(expr, random.Random(0), k=50)]
    assert mutants and all(mt.well_shaped(m) for m in mutants)


# ------------------------------------------------------------------------- verdicts
class _StepError(ValueError):
    pass


class _NotCheckable(_StepError):
    pass


_DV = types.SimpleNamespace(StepError=_StepError, NotCheckable=_NotCheckable)


class _Chain:
    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.steps = []

    def recheck(self, k, expr):
        if self.behaviour == "reject":
            raise _StepError("no")
        if self.behaviour == "not checkable":
            raise _NotCheckable("cannot")
        if self.behaviour == "slow":
            time.sleep(5)
        if self.behaviour == "crash":
            raise RuntimeError("boom")
        return ("numeric", "6 random points")


def test_check_mutant_verdicts_through_recheck():
    rec = types.SimpleNamespace(dv=_DV)
    assert mt.check_mutant(rec, _Chain("reject"), 0, a) == ("killed", "rejected")
    assert mt.check_mutant(rec, _Chain("not checkable"), 0, a) == ("killed", "not checkable")
    assert mt.check_mutant(rec, _Chain("accept"), 0, a) == ("survived", "numeric")
    assert mt.check_mutant(rec, _Chain("crash"), 0, a)[0] == "error"
    t0 = time.perf_counter()
    assert mt.check_mutant(rec, _Chain("slow"), 0, a, timeout=0.3)[0] == "undecided"
    assert time.perf_counter() - t0 < 3


# ------------------------------------------------------------------------- end to end
def _notebook(folder: Path) -> Path:
    cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport sympy as sp\n"
                                  "if False:\n    %pip install nothing\n!echo skipped"),
        nbformat.v4.new_code_cell(textwrap.dedent("""
            from derivlib import derivation as dv
            a, b = sp.symbols("a b", real=True)
            d = dv.Derivation((a + b)**2, title="square of a sum")
            d.step(a**2 + 2*a*b + b**2, "expand the square")
            d.step(a*(a + 2*b) + b**2, "factor $a$ out of two terms")
            import inspect
            cite = {"cite": "bishop2006"} if "cite" in inspect.signature(d.step).parameters else {}
            d.step(sp.Symbol("s"), "call it s", check="cite", **cite)
            display(d)
            print("printed output is not mixed into the result")
        """)),
    ]
    path = folder / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


_WEAK_CHECKER = textwrap.dedent('''
    """A checker that accepts every step: the mutation tool must catch it."""
    from dataclasses import dataclass

    import sympy as sp


    class StepError(ValueError):
        pass


    class E(sp.Function):
        nargs = 1


    @dataclass(frozen=True)
    class Step:
        expr: object
        why: str
        rel: str
        method: str


    class Derivation:
        def __init__(self, start, *, assumptions=None, title=None, domains=None, random=None):
            self.start, self.assumptions, self.title = start, assumptions, title
            self.domains, self.random, self.steps = dict(domains or {}), random, []

        def step(self, expr, why, *, rel="=", check="auto", cite=None, **premises):
            method = "cited" if check == "cite" else "symbolic"
            self.steps.append(Step(expr, why, rel, method))
            return self
''')


def _run(args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    proc = subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.slow
def test_end_to_end_kills_mutants_and_catches_a_weak_checker(tmp_path):
    nb = _notebook(tmp_path)
    out = tmp_path / "results.json"
    proc = _run(["--chapters", nb, "--out", out, "--max-mutants-per-step", 5])
    results = json.loads(out.read_text())
    chapter = results["chapters"][0]
    assert chapter["error"] is None
    assert chapter["derivations"] == 1 and chapter["steps_mutated"] == 2  # the cited step: no
    assert chapter["mutants"] == 10
    assert chapter["killed"] > 0 and chapter["survived"] == 0, chapter["survivors"]
    assert chapter["killed"] + chapter["equivalent_discarded"] + chapter["shape_discarded"] + (
        chapter["undecided"] + chapter["errors"]) == chapter["mutants"]
    assert chapter["score"] == 1.0 and results["total"]["killed"] == chapter["killed"]
    assert "TOTAL" in proc.stdout and "tiny.ipynb" in proc.stdout
    assert "printed output" not in proc.stdout

    fake = tmp_path / "fake" / "derivlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "derivation.py").write_text(_WEAK_CHECKER)
    weak = tmp_path / "weak.json"
    _run(["--chapters", nb, "--out", weak, "--max-mutants-per-step", 5],
         {"PYTHONPATH": str(tmp_path / "fake")})
    chapter = json.loads(weak.read_text())["chapters"][0]
    assert chapter["checker_interface"] == "rebuild"
    assert chapter["killed"] == 0 and chapter["survived"] > 0 and chapter["score"] == 0.0
    s = chapter["survivors"][0]
    assert {"derivation", "step", "why", "original", "mutant", "operator"} <= set(s)
    assert s["derivation"] == "square of a sum" and s["operator"] in mt.OPERATORS

    # no timestamps, nothing left to chance: the same run gives the same file (the fake checker
    # answers instantly, so no time limit of the real one can make a difference here)
    again = tmp_path / "again.json"
    _run(["--chapters", nb, "--out", again, "--max-mutants-per-step", 5],
         {"PYTHONPATH": str(tmp_path / "fake")})
    assert again.read_bytes() == weak.read_bytes()

    sample = tmp_path / "sample.json"
    _run(["--chapters", nb, "--out", sample, "--sample", 3],
         {"PYTHONPATH": str(tmp_path / "fake")})
    chapter = json.loads(sample.read_text())["chapters"][0]
    assert chapter["survived"] + chapter["killed"] + chapter["undecided"] == 3


@pytest.mark.slow
def test_sampled_mutants_of_real_chapters_are_all_rejected(tmp_path):
    """The sampled version of `make mutate` in `make test`: wrong steps of two chapters (one
    with expectations and sums, one with matrix calculus) must all be rejected."""
    out = tmp_path / "results.json"
    chapters = ["chapters/foundations/sample_variance.ipynb",
                "chapters/linear_models/linear_regression.ipynb"]
    proc = subprocess.run([sys.executable, str(SCRIPT), "--sample", "12", "--jobs", "2",
                           "--out", str(out), "--chapters", *chapters],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(out.read_text())
    for ch in data["chapters"]:
        assert ch["error"] is None, ch["error"]
        assert ch["killed"] >= 8, f"{ch['notebook']}: only {ch['killed']} mutants killed"
        assert ch["survived"] == 0, f"{ch['notebook']}: survivors {ch['survivors']}"
        assert ch["errors"] == 0, f"{ch['notebook']}: checker errors {ch['checker_errors']}"
