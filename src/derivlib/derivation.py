r"""The derivation checker: a chain of expressions in which every step is verified.

A derivation is a chain :math:`e_0 \;R_1\; e_1 \;R_2\; e_2 \cdots` where each relation
:math:`R_k` is one of ``=``, ``<=``, ``>=``, ``<``, ``>`` and each step carries the reason
for it. :meth:`Derivation.step` checks the new expression against the previous one before
it accepts it:

1. **symbolically**: the facts (``assumptions`` of the derivation and ``using`` of the
   step) are substituted, expectations are expanded by linearity, derivatives are carried
   out, and SymPy simplifies the difference of the two sides to zero (for an inequality,
   SymPy proves the difference has the right sign);
2. **numerically**, where SymPy cannot decide: both sides are evaluated at random points
   drawn from the symbols' domains (integers for sizes and sum limits, random matrices of
   random size for matrix symbols with symbolic dimensions) and compared to a relative
   tolerance; an inequality is checked at many sampled points;
3. **cited**: ``check="cite"`` accepts a definition or a theorem from the literature
   unchecked, and the rendered chain marks it visibly.

A step that fails raises :class:`StepError` with both sides, the reason and a failing
point, so a wrong derivation cannot execute. The chain renders as aligned LaTeX with the
reasons (``_repr_latex_``), and :meth:`Derivation.audit` counts how each step was verified;
the book's audit page collects these counts from every chapter (:func:`notebook_audit`).

=================  ====================================================================
name               meaning
=================  ====================================================================
``E(f)``           expectation operator :math:`\mathbb{E}[f]`, linear; expanded by the checker
``assumptions``    facts valid for the whole chain: ``sympy.Eq(lhs, rhs)`` substitutions
                   (``lhs`` may contain ``sympy.Wild``) and ``sympy.Q`` predicates
``using``          facts valid for one step (same forms, or a dict ``{lhs: rhs}``)
``domains``        ``{symbol: (low, high)}`` sampling ranges for the numeric check
``random``         symbols or ``IndexedBase`` objects that are random variables
=================  ====================================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import sympy as sp
from sympy.assumptions.assume import AppliedPredicate
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)
from sympy.tensor.indexed import Indexed, IndexedBase

from derivlib.notebook import show_source

__all__ = [
    "Audit",
    "AnswerCheck",
    "Derivation",
    "E",
    "Step",
    "StepError",
    "check_answer",
    "check_equal",
    "notebook_audit",
    "show_source",
]

RELATIONS = {"=": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">"}
CHECKS = ("auto", "symbolic", "numeric", "cite")
_N_POINTS_EQ = 6  # random points for an equality that SymPy could not decide
_N_POINTS_INEQ = 60  # sampled points for an inequality
_RTOL = 1e-9
_SIMPLIFY_MAX_OPS = 600  # larger differences go straight to the numeric check


class StepError(ValueError):
    """A step of a derivation does not follow from the previous expression."""


class Audit(NamedTuple):
    """How the steps of a derivation were verified."""

    symbolic: int
    numeric: int
    cited: int
    total: int

    def __add__(self, other):  # type: ignore[override]
        return Audit(*(a + b for a, b in zip(self, other, strict=True)))


@dataclass(frozen=True)
class Step:
    """One accepted step: ``previous rel expr`` because ``why``, verified by ``method``."""

    expr: object
    why: str
    rel: str
    method: str  # "symbolic", "numeric" or "cited"
    detail: str = ""


# --------------------------------------------------------------------------- expectation
class E(sp.Function):
    r"""The expectation operator :math:`\mathbb{E}[f]`, kept unevaluated for display.

    The checker expands it by linearity: sums and constant factors (anything that does not
    contain a ``random`` symbol of the derivation) are pulled out; facts such as
    ``Eq(E(x[i]*x[j]), mu**2 + sigma**2*KroneckerDelta(i, j))`` then replace what is left.
    """

    nargs = 1

    def _latex(self, printer):
        return r"\mathbb{E}\left[" + printer._print(self.args[0]) + r"\right]"


def _is_random(expr, random: tuple) -> bool:
    if not random:  # default: indexed quantities are the random variables
        return bool(expr.atoms(Indexed))
    for r in random:
        if isinstance(r, IndexedBase):
            if any(i.base == r for i in expr.atoms(Indexed)):
                return True
        elif expr.has(r):
            return True
    return False


def _expect(arg, random: tuple):
    """E[arg] expanded by linearity."""
    arg = sp.expand(arg) if not arg.has(sp.Sum) else arg
    if isinstance(arg, sp.Add):
        return sp.Add(*(_expect(t, random) for t in arg.args))
    if isinstance(arg, sp.Sum):
        return sp.Sum(_expect(arg.function, random), *arg.limits)
    if isinstance(arg, sp.Mul):
        const = [f for f in arg.args if not _is_random(f, random)]
        rand = [f for f in arg.args if _is_random(f, random)]
        if const:
            return sp.Mul(*const) * _expect(sp.Mul(*rand), random)
        sums = [f for f in rand if isinstance(f, sp.Sum)]
        if sums:  # move the other factors inside the sum, then exchange E and the sum
            s = sums[0]
            rest = [f for f in rand if f is not s]
            bound = {lim[0] for lim in s.limits}
            if not any(f.free_symbols & bound for f in rest):
                inner = sp.Sum(sp.Mul(*rest) * s.function, *s.limits)
                return _expect(inner, random)
        return E(arg)
    if not _is_random(arg, random):
        return arg
    return E(arg)


def _expand_expectations(expr, random: tuple):
    return expr.replace(lambda e: isinstance(e, E), lambda e: _expect(e.args[0], random))


# --------------------------------------------------------------------------- facts
def _as_facts(facts) -> tuple[list[tuple], list]:
    """Split facts into substitutions [(lhs, rhs)] and SymPy predicates."""
    subs, preds = [], []
    if facts is None:
        return subs, preds
    if isinstance(facts, Mapping):
        facts = [sp.Eq(k, v, evaluate=False) for k, v in facts.items()]
    elif isinstance(facts, sp.Basic):
        facts = [facts]
    for f in facts:
        if isinstance(f, sp.Equality):
            subs.append((f.lhs, f.rhs))
        elif isinstance(f, AppliedPredicate | sp.assumptions.relation.binrel.AppliedBinaryRelation):
            preds.append(f)
        elif isinstance(f, tuple) and len(f) == 2:
            subs.append((sp.sympify(f[0]), sp.sympify(f[1])))
        else:
            raise TypeError(
                "facts must be sympy.Eq(lhs, rhs), (lhs, rhs) pairs, a {lhs: rhs} dict or "
                f"sympy.Q predicates, got {f!r}"
            )
    return subs, preds


def _apply_subs(expr, subs):
    for _ in range(4):  # facts may enable each other; a few passes reach the fixed point
        new = expr
        for lhs, rhs in subs:
            if lhs.has(sp.Wild):
                new = new.replace(lhs, rhs)
            else:
                new = new.xreplace({lhs: rhs}) if not new.has(sp.Sum) else new.subs(lhs, rhs)
        if new == expr:
            break
        expr = new
    return expr


def _doit_derivatives(expr):
    """Carry out derivatives, including those of matrix expressions."""

    def go(d):
        target = d.expr
        for var, count in d.variable_count:
            for _ in range(int(count)):
                target = target.diff(var)
        return target

    return expr.replace(lambda e: isinstance(e, sp.Derivative), go)


def _canonical(expr, subs, random):
    expr = _apply_subs(expr, subs)
    expr = _expand_expectations(expr, random)
    expr = _apply_subs(expr, subs)
    if expr.has(sp.Derivative):
        expr = _doit_derivatives(expr)
    return expr


# --------------------------------------------------------------------------- symbolic check
def _is_zero_symbolic(diff, preds) -> bool:
    if isinstance(diff, MatrixExpr) or getattr(diff, "is_Matrix", False):
        d = diff.doit()
        if isinstance(d, sp.ZeroMatrix) or d == 0:
            return True
        if isinstance(d, MatrixExpr):
            d = d.expand().doit()
            if preds:
                d = sp.refine(d, sp.And(*preds)).expand().doit()
            if isinstance(d, sp.ZeroMatrix) or d == 0:
                return True
        if getattr(d, "is_Matrix", False) and not isinstance(d, MatrixExpr):
            return all(_is_zero_symbolic(entry, preds) for entry in d)
        d = sp.simplify(d) if sp.count_ops(d) < _SIMPLIFY_MAX_OPS else d
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
    if sp.count_ops(diff) > _SIMPLIFY_MAX_OPS:
        return False
    simp = sp.simplify(diff.doit() if diff.has(sp.Sum, sp.Integral) else diff)
    if preds:
        simp = sp.refine(simp, sp.And(*preds))
    return simp == 0


def _sign_symbolic(diff, rel, preds) -> bool:
    """True if SymPy proves ``diff = lhs - rhs`` has the sign ``rel`` requires."""
    if isinstance(diff, MatrixExpr) or getattr(diff, "is_Matrix", False):
        return False
    diff = sp.simplify(diff) if sp.count_ops(diff) < _SIMPLIFY_MAX_OPS else diff
    if preds:
        diff = sp.refine(diff, sp.And(*preds))
    return {
        "<=": diff.is_nonpositive,
        ">=": diff.is_nonnegative,
        "<": diff.is_negative,
        ">": diff.is_positive,
    }[rel] is True


# --------------------------------------------------------------------------- numeric check
def _symbol_range(sym, domains, is_dimension: bool):
    if sym in domains:
        return domains[sym]
    if is_dimension:
        return (2, 4)
    if sym.is_integer:
        if sym.is_positive:
            return (1, 6)
        if sym.is_nonnegative:
            return (0, 6)
        return (-5, 5)
    if sym.is_positive:
        return (0.1, 3.0)
    if sym.is_nonnegative:
        return (0.0, 3.0)
    if sym.is_negative:
        return (-3.0, -0.1)
    return (-3.0, 3.0)


def _random_matrix(shape, rng, preds, sym):
    m = rng.uniform(-2.0, 2.0, size=shape)
    names = {
        str(p.function)
        for p in preds
        if hasattr(p, "function") and any(getattr(a, "name", None) == sym.name for a in p.args)
    }
    if shape[0] == shape[1] and any(k in names for k in ("Q.symmetric", "Q.positive_definite")):
        m = (m + m.T) / 2
        if "Q.positive_definite" in names:
            m = m @ m.T + shape[0] * np.eye(shape[0])
    elif shape[0] == shape[1] and "Q.invertible" in names:
        m = m + 3 * shape[0] * np.eye(shape[0])
    return sp.ImmutableMatrix(m)


class _Evaluator:
    """Evaluate expressions at one random point, consistently across both sides."""

    def __init__(self, exprs, domains, preds, rng, random):
        self.rng = rng
        self.preds = preds
        self.random = random
        self.domains = domains
        self.values: dict = {}
        mats = set().union(*(e.atoms(sp.MatrixSymbol) for e in exprs))
        dims = {s for m in mats for d in m.shape for s in sp.sympify(d).free_symbols}
        ints = set()
        for e in exprs:
            ints |= {s for s in e.free_symbols if isinstance(s, sp.Symbol) and s.is_integer}
            for s in e.atoms(sp.Sum, sp.Product):
                for lim in s.limits:
                    for b in lim[1:]:
                        ints |= {x for x in sp.sympify(b).free_symbols if isinstance(x, sp.Symbol)}
        self.int_values = {}
        for s in sorted(ints | dims, key=str):
            lo, hi = _symbol_range(s, domains, s in dims)
            self.int_values[s] = int(rng.integers(int(lo), int(hi) + 1))

    def _value(self, atom):
        if atom not in self.values:
            if isinstance(atom, sp.MatrixSymbol):
                shape = tuple(int(d) for d in atom.shape)
                self.values[atom] = _random_matrix(shape, self.rng, self.preds, atom)
            else:
                sym = atom.base.label if isinstance(atom, Indexed) else atom
                lo, hi = _symbol_range(sym, self.domains, False)
                if getattr(sym, "is_integer", False):
                    self.values[atom] = sp.Integer(int(self.rng.integers(int(lo), int(hi) + 1)))
                else:
                    self.values[atom] = sp.Float(self.rng.uniform(lo, hi), 30)
        return self.values[atom]

    def __call__(self, expr, subs):
        # facts first, while they and the expression still share symbolic sizes and limits
        expr = _apply_subs(expr, subs)
        if self.int_values:
            expr = expr.xreplace(self.int_values)
            subs = [(lhs.xreplace(self.int_values), rhs.xreplace(self.int_values))
                    for lhs, rhs in subs]
        # MatrixSymbols whose shapes were symbolic are rebuilt with integer shapes
        expr = expr.replace(
            lambda e: isinstance(e, sp.MatrixSymbol),
            lambda e: sp.MatrixSymbol(e.name, *(sp.sympify(d).xreplace(self.int_values)
                                                 for d in e.shape)),
        )
        if expr.has(sp.Derivative):
            expr = _doit_derivatives(expr)
        expr = expr.doit()
        expr = _apply_subs(expr, subs)
        expr = _expand_expectations(expr, self.random)
        expr = _apply_subs(expr, subs).doit()
        if expr.has(sp.Derivative):
            expr = _doit_derivatives(expr).doit()
        if expr.has(E):
            left = sorted(str(e) for e in expr.atoms(E))[:3]
            raise _Unevaluable(f"expectations left after the stated facts: {', '.join(left)}")
        point = {}
        for m in expr.atoms(sp.MatrixSymbol):
            point[m] = self._value(m)
        for i in expr.atoms(Indexed):
            point[i] = self._value(i)
        for s in expr.free_symbols:
            if isinstance(s, sp.Symbol) and s not in point:
                point[s] = self._value(s)
        val = expr.xreplace(point)
        val = val.doit() if isinstance(val, sp.Basic) else val
        if isinstance(val, MatrixExpr):
            val = val.as_explicit()
        val = val.evalf(30) if isinstance(val, sp.Basic) else val
        return val, point

    def describe(self, point) -> str:
        parts = [f"{k} = {v}" for k, v in self.int_values.items()]
        for k, v in point.items():
            if isinstance(v, sp.MatrixBase):
                parts.append(f"{k} = {np.array2string(np.array(v, dtype=float), precision=3)}")
            else:
                parts.append(f"{k} = {float(v):.6g}")
        return ", ".join(parts) if parts else "(no free symbols)"


class _Unevaluable(Exception):
    pass


def _to_array(val):
    if isinstance(val, sp.MatrixBase):
        return np.array(val.evalf(30), dtype=complex)
    try:
        return np.array(complex(val))
    except TypeError as err:
        raise _Unevaluable(f"the expression does not evaluate to a number: {val}") from err


def _numeric_check(lhs, rhs, rel, subs, preds, domains, random, rng, rtol, n_points):
    """Return (ok, message). ``ok`` is None when the sides cannot be evaluated."""
    for _ in range(n_points):
        ev = _Evaluator([lhs, rhs], domains, preds, rng, random)
        try:
            a, pa = ev(lhs, subs)
            b, pb = ev(rhs, subs)
            a, b = _to_array(a), _to_array(b)
        except _Unevaluable as err:
            return None, str(err)
        except (sp.ShapeError, ValueError, TypeError) as err:
            return False, f"the two sides cannot be compared ({err})"
        point = {**pa, **pb}
        if a.shape != b.shape:
            return False, f"shapes differ: {a.shape} and {b.shape} at {ev.describe(point)}"
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            continue  # a pole of the expression: try another point
        scale = max(1.0, float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)))
        if rel == "=":
            err = float(np.max(np.abs(a - b), initial=0))
            if err > rtol * scale:
                return False, (f"at {ev.describe(point)}: left = {_fmt(a)}, right = {_fmt(b)}")
        else:
            if np.any(np.abs(a.imag) > rtol * scale) or np.any(np.abs(b.imag) > rtol * scale):
                return False, f"an inequality needs real values, got {_fmt(a)} and {_fmt(b)}"
            x, y, tol = a.real, b.real, rtol * scale
            ok = {
                "<=": np.all(x <= y + tol),
                ">=": np.all(x >= y - tol),
                "<": np.all(x < y + tol),
                ">": np.all(x > y - tol),
            }[rel]
            if not ok:
                return False, f"at {ev.describe(point)}: left = {_fmt(a)}, right = {_fmt(b)}"
    return True, f"{n_points} random points"


def _fmt(a) -> str:
    a = np.asarray(a)
    if np.all(np.abs(a.imag) < 1e-12):
        a = a.real
    if a.ndim == 0:
        return f"{complex(a).real:.10g}" if np.isrealobj(a) else f"{complex(a):.6g}"
    return np.array2string(a, precision=6)


def check_equal(lhs, rhs, *, rel="=", assumptions=None, using=None, domains=None, random=None,
                check="auto", rtol=_RTOL, seed=0) -> tuple[str, str]:
    """Check ``lhs rel rhs``; return ``(method, detail)`` or raise :class:`StepError`.

    ``method`` is ``"symbolic"`` or ``"numeric"``. This is the check behind
    :meth:`Derivation.step` and :func:`check_answer`.
    """
    if rel not in RELATIONS:
        raise ValueError(f"rel must be one of {list(RELATIONS)}, got {rel!r}")
    if check not in CHECKS or check == "cite":
        raise ValueError(f"check must be 'auto', 'symbolic' or 'numeric', got {check!r}")
    subs_a, preds_a = _as_facts(assumptions)
    subs_u, preds_u = _as_facts(using)
    subs, preds = subs_a + subs_u, preds_a + preds_u
    random = tuple(random or ())
    domains = dict(domains or {})
    lhs_c, rhs_c = _canonical(lhs, subs, random), _canonical(rhs, subs, random)
    shapes = [getattr(x, "shape", None) for x in (lhs_c, rhs_c)]
    if None not in shapes and shapes[0] != shapes[1]:
        if all(sp.sympify(d).is_number for s in shapes for d in s):
            raise StepError(f"the two sides have different shapes {shapes[0]} and {shapes[1]}")
    if shapes.count(None) == 1:
        raise StepError(f"one side is a matrix of shape {[s for s in shapes if s][0]}, "
                        "the other a scalar")
    why_symbolic = ""
    if check in ("auto", "symbolic"):
        try:
            if rel == "=":
                if _is_zero_symbolic(lhs_c - rhs_c, preds):
                    return "symbolic", "SymPy simplifies the difference to 0"
            elif _sign_symbolic(lhs_c - rhs_c, rel, preds):
                return "symbolic", "SymPy proves the sign of the difference"
        except (TypeError, NotImplementedError, AttributeError, sp.ShapeError) as err:
            why_symbolic = f" (SymPy could not simplify: {err})"
        if check == "symbolic":
            raise StepError(f"SymPy could not show this step symbolically{why_symbolic}")
    rng = np.random.default_rng(seed)
    n_points = _N_POINTS_EQ if rel == "=" else _N_POINTS_INEQ
    ok, detail = _numeric_check(lhs, rhs, rel, subs, preds, domains, random, rng, rtol, n_points)
    if ok is None:
        raise StepError(f"cannot be checked: {detail}; state the missing fact with `using=` or "
                        "mark a definition or cited result with check='cite'")
    if not ok:
        raise StepError(f"fails numerically {detail}")
    return "numeric", detail


# --------------------------------------------------------------------------- derivation
def _latex(expr) -> str:
    return sp.latex(expr)


_MATH = re.compile(r"\$(.+?)\$")
_TEXT_ESCAPE = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "%": r"\%",
                "&": r"\&", "_": r"\_", "^": r"\^{}", "~": r"\~{}", "$": r"\$"}


def _text(s: str) -> str:
    return "".join(_TEXT_ESCAPE.get(c, c) for c in s)


def _reason_latex(why: str) -> str:
    """Turn ``'by $E[x]=\\mu$, linearity'`` into LaTeX text with inline math."""
    out, pos = [], 0
    for m in _MATH.finditer(why):
        if m.start() > pos:
            out.append(r"\text{" + _text(why[pos:m.start()]) + "}")
        out.append(m.group(1))
        pos = m.end()
    if pos < len(why):
        out.append(r"\text{" + _text(why[pos:]) + "}")
    return "".join(out)


_MARK = {"symbolic": r"\checkmark", "numeric": r"\approx\!\checkmark", "cited": r"\dagger"}
_MARK_TEXT = {"symbolic": "symbolic", "numeric": "numeric", "cited": "cited"}


class Derivation:
    r"""A chain of expressions, each step checked against the previous one.

    Parameters
    ----------
    start : sympy expression, explicit Matrix or MatrixExpr
        The first expression of the chain.
    assumptions : list, optional
        Facts valid for every step: ``sympy.Eq(lhs, rhs)`` substitutions (``lhs`` may
        contain ``sympy.Wild``) and ``sympy.Q`` predicates (``Q.symmetric(A)``,
        ``Q.positive_definite(A)``), used for simplification and for sampling.
    title : str, optional
        Shown above the chain and in the audit.
    domains : dict, optional
        ``{symbol: (low, high)}`` sampling ranges for the numeric check. By default the
        ranges follow the symbols' assumptions (positive, integer, ...).
    random : iterable, optional
        Symbols or ``IndexedBase`` objects that are random variables, for :class:`E`.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b")
    >>> d = Derivation((a + b)**2).step(a**2 + 2*a*b + b**2, "expand the square")
    >>> d.audit()
    Audit(symbolic=1, numeric=0, cited=0, total=1)
    """

    def __init__(self, start, *, assumptions=None, title=None, domains=None, random=None):
        start = sp.sympify(start) if not isinstance(start, sp.MatrixBase | MatrixExpr) else start
        if not isinstance(start, sp.Basic | sp.MatrixBase):
            raise TypeError(f"start must be a SymPy expression, got {type(start).__name__}")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a string, got {type(title).__name__}")
        _as_facts(assumptions)  # validate early
        if domains is not None:
            for k, v in dict(domains).items():
                if not (isinstance(v, tuple | list) and len(v) == 2 and v[0] <= v[1]):
                    raise ValueError(f"domains[{k}] must be a (low, high) pair, got {v!r}")
        self.start = start
        self.assumptions = assumptions
        self.title = title
        self.domains = dict(domains or {})
        self.random = tuple(random or ())
        self.steps = []

    @property
    def result(self):
        """The last expression of the chain."""
        return self.steps[-1].expr if self.steps else self.start

    def step(self, expr, why: str, *, rel: str = "=", using=None, check: str = "auto",
             rtol: float = _RTOL) -> Derivation:
        """Check ``previous rel expr`` and append it to the chain.

        Parameters
        ----------
        expr : sympy expression
            The new expression.
        why : str
            The reason, shown beside the step; ``$...$`` is rendered as math.
        rel : {"=", "<=", ">=", "<", ">"}
            How the previous expression relates to ``expr``.
        using : list or dict, optional
            Facts for this step only (same forms as ``assumptions``).
        check : {"auto", "symbolic", "numeric", "cite"}
            ``"auto"`` tries SymPy first and then random points; ``"cite"`` accepts the
            step unchecked (a definition or a result from the literature) and marks it.
        rtol : float
            Relative tolerance of the numeric check.

        Returns
        -------
        Derivation
            ``self``, so that steps chain.

        Raises
        ------
        StepError
            If the step does not hold; the message shows both sides, the reason and a
            failing point.
        """
        if not isinstance(why, str) or not why.strip():
            raise ValueError("why must be a non-empty string giving the reason for the step")
        if rel not in RELATIONS:
            raise ValueError(f"rel must be one of {list(RELATIONS)}, got {rel!r}")
        if check not in CHECKS:
            raise ValueError(f"check must be one of {list(CHECKS)}, got {check!r}")
        if not isinstance(expr, sp.MatrixBase | MatrixExpr):
            expr = sp.sympify(expr)
        _as_facts(using)
        if check == "cite":
            self.steps.append(Step(expr, why, rel, "cited", "accepted as cited"))
            return self
        prev = self.result
        try:
            method, detail = check_equal(
                prev, expr, rel=rel, assumptions=self.assumptions, using=using,
                domains=self.domains, random=self.random, check=check, rtol=rtol,
                seed=len(self.steps),
            )
        except StepError as err:
            where = f" in '{self.title}'" if self.title else ""
            raise StepError(
                f"step {len(self.steps) + 1}{where} does not hold:\n"
                f"    {prev}\n  {rel}\n    {expr}\n"
                f"  reason given: {why}\n  {err}"
            ) from None
        self.steps.append(Step(expr, why, rel, method, detail))
        return self

    def audit(self) -> Audit:
        """Count the steps verified symbolically, numerically and accepted as cited."""
        methods = [s.method for s in self.steps]
        return Audit(methods.count("symbolic"), methods.count("numeric"),
                     methods.count("cited"), len(methods))

    # ------------------------------------------------------------------ display
    def _repr_latex_(self) -> str:
        lines = []
        if self.title:
            lines.append(r"&\textbf{" + _text(self.title) + r"}\\[2pt]")
        first = True
        for s in self.steps:
            lhs = _latex(self.start) if first else ""
            mark = _MARK[s.method]
            lines.append(
                f"{lhs} &{RELATIONS[s.rel]} {_latex(s.expr)} && "
                + _reason_latex(s.why)
                + r"\quad" + mark + r"\\"
            )
            first = False
        if not self.steps:
            lines.append(_latex(self.start) + r" & \\")
        body = "\n".join(lines)
        return "$$\n\\begin{aligned}\n" + body + "\n\\end{aligned}\n$$"

    def summary(self) -> str:
        a = self.audit()
        name = f" '{self.title}'" if self.title else ""
        return (f"Derivation{name}: {a.total} steps (symbolic {a.symbolic}, "
                f"numeric {a.numeric}, cited {a.cited})")

    def __repr__(self) -> str:
        lines = [self.summary(), f"    {self.start}"]
        for s in self.steps:
            lines.append(f"  {s.rel} {s.expr}    [{s.method}: {s.why}]")
        return "\n".join(lines)


# marks explained once, for pages that show derivations
LEGEND = (r"$\checkmark$ checked symbolically by SymPy; $\approx\!\checkmark$ checked "
          r"numerically at random points; $\dagger$ a definition or cited result.")

_SUMMARY = re.compile(
    r"^Derivation(?: '(?P<title>.*)')?: (?P<total>\d+) steps \(symbolic (?P<s>\d+), "
    r"numeric (?P<n>\d+), cited (?P<c>\d+)\)"
)


def notebook_audit(path) -> list[tuple[str, Audit]]:
    """Read the derivations displayed in a notebook's stored outputs.

    Parameters
    ----------
    path : str or Path
        An ``.ipynb`` file, executed and saved with its outputs.

    Returns
    -------
    list of (title, Audit)
        One entry per displayed :class:`Derivation`, in order.
    """
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            m = _SUMMARY.match(text)
            if m:
                audit = Audit(int(m["s"]), int(m["n"]), int(m["c"]), int(m["total"]))
                found.append((m["title"] or "(untitled)", audit))
    return found


# --------------------------------------------------------------------------- exercises
@dataclass(frozen=True)
class AnswerCheck:
    """The verdict on a reader's answer: ``correct`` and a ``message`` to show."""

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def _repr_markdown_(self) -> str:
        return ("**Correct.** " if self.correct else "**Not yet.** ") + self.message

    def __repr__(self) -> str:
        return ("Correct. " if self.correct else "Not yet. ") + self.message


_TRANSFORMS = standard_transformations + (convert_xor, implicit_multiplication_application)


def check_answer(answer, expected, *, symbols=None, hint=None, assumptions=None,
                 domains=None) -> AnswerCheck:
    """Say whether a reader's answer to a self-checking exercise is right.

    Parameters
    ----------
    answer : sympy expression or str
        The reader's answer; a string is parsed (``^`` is a power, ``2x`` is ``2*x``).
    expected : sympy expression
        The right answer.
    symbols : iterable of sympy.Symbol, optional
        The symbols the answer may use (default: those of ``expected``). A reader's
        symbol is matched to these by name, so ``sympy.Symbol('N')`` works even without
        the exercise's assumptions.
    hint : str, optional
        Shown when the answer is wrong.
    assumptions, domains
        As for :class:`Derivation`.

    Returns
    -------
    AnswerCheck
        Never raises for a malformed answer: the message says what is wrong instead.
    """
    expected = sp.sympify(expected)
    allowed = {s.name: s for s in (symbols or expected.free_symbols)}
    names = ", ".join(sorted(allowed)) or "no symbols"
    if isinstance(answer, str):
        local = dict(allowed)
        local.update({"E": E, "e": sp.E, "pi": sp.pi})
        try:
            answer = parse_expr(answer, local_dict=local, transformations=_TRANSFORMS)
        except (SyntaxError, TypeError, ValueError, AttributeError, NameError,
                sp.SympifyError, sp.parsing.sympy_parser.TokenError) as err:
            return AnswerCheck(False, f"Could not read your answer as an expression ({err}). "
                                      f"Write it with {names} in Python syntax, e.g. "
                                      "`2*a**2 + exp(-b)/3`.")
    elif not isinstance(answer, sp.Basic):
        try:
            answer = sp.sympify(answer, strict=True)
        except sp.SympifyError:
            return AnswerCheck(False, "Your answer must be a SymPy expression or a string, got "
                                      f"{type(answer).__name__}.")
    if not isinstance(answer, sp.Expr):
        return AnswerCheck(False, f"Your answer must be an expression, got {answer}.")
    by_name = {s: allowed[s.name] for s in answer.free_symbols if s.name in allowed}
    unknown = sorted(s.name for s in answer.free_symbols if s.name not in allowed)
    if unknown:
        return AnswerCheck(False, f"Your answer uses {', '.join(unknown)}, which this exercise "
                                  f"does not define; use {names}.")
    answer = answer.xreplace(by_name)
    try:
        check_equal(answer, expected, assumptions=assumptions, domains=domains)
    except StepError:
        return AnswerCheck(False, hint or "It differs from the expected expression.")
    return AnswerCheck(True, f"${sp.latex(answer)}$ is right.")
