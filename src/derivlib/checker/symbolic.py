"""Symbolic proofs, and where SymPy is not trusted.

SymPy 1.14 differentiates with respect to matrix symbols wrongly in several cases (it returns
0 for ``d/dX log det X``, for ``(det X)^2`` and for anything written through ``[0, 0]``), so a
derivative with respect to a matrix or vector symbol, or of an expression that holds matrix
symbols, is *never* carried out by SymPy here: :func:`matrix_derivatives` finds such nodes and
the numeric check evaluates them by finite differences. Scalar derivatives are carried out by
SymPy, and a derivative that SymPy leaves unevaluated (other than of an undefined function,
which is a legitimate symbol of a proof) means the step has no symbolic proof.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

SIMPLIFY_MAX_OPS = 600  # larger differences go straight to the numeric check


def _has_matrix(expr) -> bool:
    return bool(expr.atoms(sp.MatrixSymbol)) or isinstance(expr, MatrixExpr) \
        or bool(expr.atoms(MatrixElement))


def is_matrix_derivative(d) -> bool:
    """True for a derivative that SymPy's matrix calculus would compute."""
    if not isinstance(d, sp.Derivative):
        return False
    if any(isinstance(v, sp.MatrixSymbol | MatrixElement | MatrixExpr) for v in d.variables):
        return True
    return _has_matrix(d.expr)


def matrix_derivatives(expr) -> list:
    """The outermost matrix-calculus derivatives in ``expr``, in canonical order."""
    found = []

    def walk(e):
        if is_matrix_derivative(e):
            found.append(e)
            return
        for a in getattr(e, "args", ()):
            if isinstance(a, sp.Basic):
                walk(a)

    if isinstance(expr, sp.Basic):
        walk(expr)
    out, seen = [], set()
    for d in found:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def doit_scalar_derivatives(expr):
    """Carry out derivatives that are not matrix calculus; leave the others as they are."""
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Derivative):
        return expr

    def go(d):
        if is_matrix_derivative(d):
            return d
        target = d.expr
        for var, count in d.variable_count:
            for _ in range(int(count)):
                target = sp.diff(target, var)
        return target

    return expr.replace(lambda e: isinstance(e, sp.Derivative) and not is_matrix_derivative(e), go)


def unproved_derivatives(expr) -> bool:
    """True if a derivative is left that is not of an undefined function (SymPy gave up)."""
    if not isinstance(expr, sp.Basic):
        return False
    for d in expr.atoms(sp.Derivative):
        if is_matrix_derivative(d) or not isinstance(d.expr, AppliedUndef):
            return True
    return False


def is_zero(diff, preds) -> bool:
    """True if SymPy shows that ``diff`` is identically zero."""
    if isinstance(diff, MatrixExpr) or getattr(diff, "is_Matrix", False):
        d = diff.doit()
        if isinstance(d, sp.MatrixBase):  # explicit entries (also a MatrixExpr in SymPy)
            return all(is_zero(entry, preds) for entry in d)
        if isinstance(d, sp.ZeroMatrix) or d == 0:
            return True
        if isinstance(d, MatrixExpr):
            d = d.expand().doit()
            if preds:
                d = sp.refine(d, sp.And(*preds)).expand().doit()
            if isinstance(d, sp.ZeroMatrix) or d == 0:
                return True
        if getattr(d, "is_Matrix", False) and not isinstance(d, MatrixExpr):
            return all(is_zero(entry, preds) for entry in d)
        d = sp.simplify(d) if sp.count_ops(d) < SIMPLIFY_MAX_OPS else d
        return isinstance(d, sp.ZeroMatrix) or d == 0
    diff = sp.sympify(diff)
    if diff == 0:
        return True
    for attempt in (sp.expand, sp.cancel):
        try:
            if attempt(diff) == 0:
                return True
        except (sp.PolynomialError, TypeError, NotImplementedError):
            pass
    if sp.count_ops(diff) > SIMPLIFY_MAX_OPS:
        return False
    simp = sp.simplify(diff.doit() if diff.has(sp.Sum, sp.Integral) else diff)
    if preds:
        simp = sp.refine(simp, sp.And(*preds))
    return simp == 0


def has_sign(diff, rel, preds) -> bool:
    """True if SymPy proves that ``diff = lhs - rhs`` has the sign that ``rel`` requires."""
    if isinstance(diff, MatrixExpr) or getattr(diff, "is_Matrix", False):
        return False  # matrix inequalities are checked in the PSD order, numerically
    diff = sp.simplify(diff) if sp.count_ops(diff) < SIMPLIFY_MAX_OPS else diff
    if preds:
        diff = sp.refine(diff, sp.And(*preds))
    return {
        "<=": diff.is_nonpositive,
        ">=": diff.is_nonnegative,
        "<": diff.is_negative,
        ">": diff.is_positive,
    }[rel] is True
