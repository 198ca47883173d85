"""Tests of the derivation checker: it accepts true steps, rejects false ones, and counts."""

import json

import pytest
import sympy as sp

from derivlib import derivation as dv

a, b, c = sp.symbols("a b c", real=True)
x, y = sp.symbols("x y", positive=True)
N = sp.Symbol("N", integer=True, positive=True)
n, m = sp.symbols("n m", integer=True, positive=True)
A = sp.MatrixSymbol("A", N, N)
B = sp.MatrixSymbol("B", N, N)
v = sp.MatrixSymbol("v", N, 1)
X = sp.IndexedBase("x")
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
i, j = sp.Wild("i"), sp.Wild("j")
IID = [
    sp.Eq(dv.E(X[i] * X[j]), mu**2 + sigma**2 * sp.KroneckerDelta(i, j)),
    sp.Eq(dv.E(X[i] ** 2), mu**2 + sigma**2),
    sp.Eq(dv.E(X[i]), mu),
]


# ----------------------------------------------------------------------------- accepts
def test_accepts_algebra_symbolically():
    d = dv.Derivation((a + b) ** 2).step(a**2 + 2 * a * b + b**2, "expand the square")
    assert d.audit() == dv.Audit(symbolic=1, numeric=0, cited=0, total=1)
    assert d.result == a**2 + 2 * a * b + b**2


def test_accepts_transpose_of_product():
    d = dv.Derivation(sp.Transpose(A * B)).step(B.T * A.T, "$(AB)^T = B^T A^T$")
    assert d.audit().total == 1
    assert d.audit().cited == 0


def test_accepts_gradient_of_quadratic_form():
    d = dv.Derivation(sp.Derivative(v.T * A * v, v))
    d.step((A + A.T) * v, "matrix calculus")
    assert d.audit().symbolic + d.audit().numeric == 1


def test_symmetric_assumption_is_used_for_gradient():
    d = dv.Derivation(sp.Derivative(v.T * A * v, v), assumptions=[sp.Q.symmetric(A)])
    d.step(2 * A * v, "$A$ is symmetric")
    assert d.audit().total == 1


def test_numeric_fallback_is_reported_as_numeric():
    # SymPy leaves sums with a symbolic limit unevaluated; the checker draws N
    d = dv.Derivation(sp.Sum(2 * n - 1, (n, 1, N))).step(N**2, "sum of the first N odd numbers",
                                                          check="numeric")
    assert d.audit() == dv.Audit(symbolic=0, numeric=1, cited=0, total=1)


def test_inequality_jensen_accepted_by_sampling():
    d = dv.Derivation(sp.log((x + y) / 2)).step((sp.log(x) + sp.log(y)) / 2, "Jensen", rel=">=")
    assert d.audit().total == 1
    assert d.steps[0].rel == ">="


def test_cauchy_schwarz():
    lhs = (a * x + b * y) ** 2
    d = dv.Derivation(lhs).step((a**2 + b**2) * (x**2 + y**2), "Cauchy-Schwarz", rel="<=")
    assert d.audit().total == 1


def test_expectation_algebra_for_general_N():
    xbar = sp.Sum(X[n], (n, 1, N)) / N
    d = dv.Derivation(dv.E(xbar**2), assumptions=IID, random=[X])
    d.step(dv.E(sp.Sum(sp.Sum(X[n] * X[m], (m, 1, N)), (n, 1, N))) / N**2, "square of a sum")
    d.step(sp.Sum(sp.Sum(dv.E(X[n] * X[m]), (m, 1, N)), (n, 1, N)) / N**2, "linearity")
    d.step(sp.Sum(sp.Sum(mu**2 + sigma**2 * sp.KroneckerDelta(n, m), (m, 1, N)), (n, 1, N))
           / N**2, "independence")
    d.step(mu**2 + sigma**2 / N, "count the diagonal terms")
    assert d.audit().total == 4
    assert d.audit().cited == 0
    with pytest.raises(dv.StepError):
        d.step(mu**2 + sigma**2 / N**2, "a wrong count")


def test_using_applies_to_one_step_only():
    d = dv.Derivation(dv.E(X[n]), random=[X])
    d.step(mu, "$E[x_n] = \\mu$", using=[sp.Eq(dv.E(X[i]), mu)])
    d2 = dv.Derivation(dv.E(X[n]), random=[X])
    with pytest.raises(dv.StepError, match="cannot be checked"):
        d2.step(mu, "no fact given")


def test_definitions_are_substituted():
    s = sp.Symbol("s")
    d = dv.Derivation(s**2, assumptions=[sp.Eq(s, a + b)]).step(a**2 + 2 * a * b + b**2, "def")
    assert d.audit().total == 1


# ----------------------------------------------------------------------------- rejects
def test_rejects_sign_error():
    with pytest.raises(dv.StepError, match="does not hold") as err:
        dv.Derivation((a - b) ** 2).step(a**2 + 2 * a * b + b**2, "expand")
    text = str(err.value)
    assert "(a - b)**2" in text and "a**2 + 2*a*b + b**2" in text
    assert "reason given: expand" in text and "left =" in text


def test_rejects_dropped_factor_of_two():
    with pytest.raises(dv.StepError):
        dv.Derivation(sp.diff(a**2 * c, a)).step(a * c, "power rule")


def test_rejects_wrong_transpose():
    with pytest.raises(dv.StepError):
        dv.Derivation(sp.Transpose(A * B)).step(A.T * B.T, "wrong order")


def test_rejects_wrong_gradient_without_symmetry():
    with pytest.raises(dv.StepError):
        dv.Derivation(sp.Derivative(v.T * A * v, v)).step(2 * A * v, "forgot A is not symmetric")


def test_rejects_jensen_in_wrong_direction():
    with pytest.raises(dv.StepError, match="left ="):
        dv.Derivation(sp.log((x + y) / 2)).step((sp.log(x) + sp.log(y)) / 2, "Jensen", rel="<=")


def test_rejects_strict_inequality_that_is_false():
    with pytest.raises(dv.StepError):
        dv.Derivation(x**2 + 1).step(x**2 + 2, "bigger", rel=">")


def test_rejects_matrix_against_scalar():
    with pytest.raises(dv.StepError, match="scalar"):
        dv.Derivation(A * v).step(a, "nonsense")


def test_symbolic_only_check_refuses_numeric_steps():
    square = dv.E(sp.Sum(X[n], (n, 1, N)) ** 2)
    double = dv.E(sp.Sum(sp.Sum(X[n] * X[m], (m, 1, N)), (n, 1, N)))
    d = dv.Derivation(square, assumptions=IID, random=[X])
    with pytest.raises(dv.StepError, match="symbolically"):
        d.step(double, "square of a sum", check="symbolic")
    d.step(double, "square of a sum")
    assert d.audit().numeric == 1


def test_failed_step_leaves_chain_unchanged():
    d = dv.Derivation(a + a).step(2 * a, "collect")
    with pytest.raises(dv.StepError):
        d.step(3 * a, "wrong")
    assert d.result == 2 * a and d.audit().total == 1


# ----------------------------------------------------------------------------- cite, audit
def test_cite_is_counted_and_marked():
    d = dv.Derivation(a).step(b, "a definition", check="cite").step(b + 0, "same")
    assert d.audit() == dv.Audit(symbolic=1, numeric=0, cited=1, total=2)
    latex = d._repr_latex_()
    assert r"\dagger" in latex and r"\checkmark" in latex


def test_audit_counts_mixed_chain():
    d = dv.Derivation((a + b) ** 2, title="mixed")
    d.step(a**2 + 2 * a * b + b**2, "expand")
    d.step(a**2 + 2 * a * b + b**2 + (sp.sin(a) ** 2 + sp.cos(a) ** 2 - 1), "add zero",
           check="numeric")
    d.step(c, "define c", check="cite")
    assert d.audit() == dv.Audit(symbolic=1, numeric=1, cited=1, total=3)
    assert dv.Audit(1, 2, 3, 6) + dv.Audit(1, 1, 1, 3) == dv.Audit(2, 3, 4, 9)


def test_latex_rendering_has_aligned_chain_and_reasons():
    d = dv.Derivation(sp.log(x * y), title="Log of a product")
    d.step(sp.log(x) + sp.log(y), "since $x, y > 0$ & logs add", check="numeric")
    latex = d._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$")
    assert r"\begin{aligned}" in latex and r"\end{aligned}" in latex
    assert r"\text{since }x, y > 0\text{ \& logs add}" in latex
    assert r"\textbf{Log of a product}" in latex
    assert r"&= \log{\left(x \right)} + \log{\left(y \right)}" in latex


def test_notebook_audit_reads_stored_outputs(tmp_path):
    d1 = dv.Derivation(a + a, title="first").step(2 * a, "collect")
    d2 = dv.Derivation(a).step(b, "define", check="cite")
    cells = [
        {"cell_type": "code", "source": "", "metadata": {}, "execution_count": k + 1,
         "outputs": [{"output_type": "execute_result", "execution_count": k + 1, "metadata": {},
                      "data": {"text/plain": repr(d).splitlines(keepends=True),
                               "text/latex": d._repr_latex_()}}]}
        for k, d in enumerate([d1, d2])
    ]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps(nb))
    found = dv.notebook_audit(path)
    assert found == [("first", dv.Audit(1, 0, 0, 1)), ("(untitled)", dv.Audit(0, 0, 1, 1))]


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rel": "=="}, "rel must be one of"),
        ({"check": "maybe"}, "check must be one of"),
        ({"why": ""}, "why must be a non-empty string"),
        ({"using": [3]}, "facts must be"),
    ],
)
def test_step_validation(kwargs, match):
    args = {"expr": a, "why": "reason"} | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        dv.Derivation(a).step(**args)


def test_derivation_validation():
    with pytest.raises(TypeError, match="title must be a string"):
        dv.Derivation(a, title=3)
    with pytest.raises(ValueError, match="domains"):
        dv.Derivation(a, domains={a: (2, 1)})
    with pytest.raises(ValueError, match=".ipynb"):
        dv.notebook_audit("missing.txt")


# ----------------------------------------------------------------------------- exercises
def test_check_answer_right_and_wrong():
    expected = sigma**2 * (N - 1) / N
    assert dv.check_answer("sigma^2 (N - 1)/N", expected).correct
    assert dv.check_answer(sigma**2 - sigma**2 / N, expected).correct
    wrong = dv.check_answer("sigma^2 N/(N-1)", expected, hint="Smaller or larger than sigma^2?")
    assert not wrong.correct and "Smaller or larger" in wrong.message
    assert "Not yet" in wrong._repr_markdown_()


def test_check_answer_matches_symbols_by_name():
    plain = sp.Symbol("sigma") ** 2 * (sp.Symbol("N") - 1) / sp.Symbol("N")
    assert dv.check_answer(plain, sigma**2 * (N - 1) / N).correct


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ("sigma^2 (N - 1/N", "Could not read"),
        ("q * sigma", "uses q"),
        (object(), "must be a SymPy expression"),
        ("x = 3", "Could not read"),
    ],
)
def test_check_answer_malformed_input_gets_a_message(answer, match):
    result = dv.check_answer(answer, sigma**2 * (N - 1) / N)
    assert not result.correct
    assert match in result.message


def test_show_source():
    listing = dv.show_source(dv.check_answer)
    assert "def check_answer" in listing._repr_markdown_()
    with pytest.raises(TypeError, match="obj must be"):
        dv.show_source(3)


def test_facts_with_the_sum_limit_are_used_on_the_numeric_path():
    mean = sp.Symbol("mean", real=True)
    d = dv.Derivation(sp.Sum(X[n], (n, 1, N)),
                      assumptions=[sp.Eq(mean, sp.Sum(X[n], (n, 1, N)) / N)])
    d.step(N * mean, "definition of the mean", check="numeric")
    assert d.audit().numeric == 1
    with pytest.raises(dv.StepError):
        d.step((N + 1) * mean, "wrong", check="numeric")
