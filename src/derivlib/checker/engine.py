r"""The checking engine: does ``lhs rel rhs`` follow from the premises?

:func:`check` tries, in order:

1. **a symbolic proof**: the premises are substituted, expectations expanded by linearity,
   scalar derivatives carried out, and SymPy simplifies the difference to zero (or proves
   its sign), within a time limit. A step whose sides contain a derivative with respect to a
   matrix or vector symbol never gets a symbolic proof (see :mod:`.symbolic`). A symbolic
   proof is then confirmed at two sample points, so that a wrong simplification by SymPy
   cannot pass unnoticed. It is marked *symbolic*, or *instance* when the chain fixes a size
   (``instance=``) or the expressions are explicit matrices.
2. **a numeric check**: both sides are evaluated at sample points (:mod:`.sampling`) with
   exact rational values, so their difference is known to 30 significant digits whatever
   cancels (a power of such values too large to compute exactly, like a sampled rational to
   a sampled exponent, is held for ``evalf``, which computes it at the precision it needs);
   matrix derivatives are evaluated by central differences at 80 digits. A point
   where a side is not finite is skipped, and too few finite points make the step
   :class:`NotCheckable`. Equality is relative: ``|a - b| <= rtol * max(|a|, |b|)``, with no
   absolute floor except ``1e-20`` of the size of a finite-difference derivative, the only
   inexact value. A strict inequality needs a difference that is positive to all the digits
   computed, so equality never passes it. Matrix inequalities are in the positive
   semidefinite (Loewner) order: the smallest eigenvalue of the symmetric difference. Every
   branch of ``Abs``, ``Max``, ``Min``, ``sign``, ``Heaviside`` and ``Piecewise`` on the
   scalar symbols must be reached by some point, and a scalar inequality is also attacked by
   local minimisation of its margin from the worst sample points. It is marked *numeric*.

:func:`check_equal` is the same check of one relation on its own, from the arguments a chain
takes (``define=``, ``assume=``, ``facts=``, ``random=``, ``constants=``, ``domains=``); it is
public as ``derivlib.derivation.check_equal``, and the exercise checker uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from sympy.assumptions.assume import AppliedPredicate
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr
from sympy.tensor.indexed import Indexed, IndexedBase

from derivlib.checker.errors import NotCheckable, StepError, _EvalfTimeUp, _TimeUp, time_limit
from derivlib.checker.expectation import (
    Declared,
    E,
    check_declared,
    expand_expectations,
    parse_declared,
)
from derivlib.checker.premises import Premise, Premises, parse_premises
from derivlib.checker.sampling import Sampler, exact
from derivlib.checker.symbolic import (
    doit_scalar_derivatives,
    has_sign,
    is_matrix_derivative,
    is_zero,
    matrix_derivatives,
    unproved_derivatives,
)

RELATIONS = {"=": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">"}
CHECKS = ("auto", "symbolic", "numeric", "cite")
RTOL = 1e-9  # relative tolerance where a value is inexact (finite differences, quadrature)
FLOAT_RTOL = 1e-14  # where a side holds a decimal (binary 53-bit) number
EXACT_RTOL = 1e-25  # where both sides are exact: their values are known to 30 digits
N_POINTS_EQ = 8  # sample points for an equality without a symbolic proof
N_POINTS_INEQ = 40  # ... for an inequality
N_CONFIRM = 2  # points that confirm a symbolic proof
DIGITS = 30  # significant digits of every numeric value compared
FD_DIGITS = 80  # working digits of a finite difference
INEXACT_FLOOR = 1e-20  # relative to a finite-difference derivative's size
TIME_LIMIT = 20.0  # CPU seconds for one check, symbolic and numeric together (not wall time)
SYMBOLIC_TIME = 10.0  # CPU seconds SymPy may spend on a proof before sampling takes over
BRANCH_SEARCH = 200  # extra candidate points tried to reach an unvisited branch
_NONFINITE = (sp.nan, sp.zoo, sp.oo, -sp.oo)


@dataclass(frozen=True)
class Verdict:
    """How a step was verified: ``method`` is symbolic, instance or numeric."""

    method: str
    detail: str

    def __iter__(self):  # ``method, detail = check_equal(...)``
        return iter((self.method, self.detail))


class _Unevaluable(Exception):
    pass


class _NonFinite(Exception):
    pass


class _Unresolved(_NonFinite):
    """SymPy could not compute the value to the digits needed: the point is skipped."""


# --------------------------------------------------------------------------- input checks
def as_expression(expr, what: str):
    """Validate a side of a step: a SymPy expression, a matrix, or a Python number."""
    statement = (bool, sp.logic.boolalg.BooleanAtom, sp.logic.boolalg.BooleanFunction,
                 sp.core.relational.Relational, AppliedPredicate)
    if isinstance(expr, statement):
        raise TypeError(f"{what} must be an expression, got the statement {expr!r}; write the "
                        "two sides as consecutive steps and the relation as rel=")
    if isinstance(expr, sp.MatrixBase):
        return sp.ImmutableMatrix(expr)
    if isinstance(expr, MatrixExpr | sp.Expr):
        return expr
    if isinstance(expr, int | float) and not isinstance(expr, bool):
        return sp.sympify(expr)
    if isinstance(expr, sp.Basic):
        raise TypeError(f"{what} must be an expression, got {expr!r} ({type(expr).__name__})")
    raise TypeError(f"{what} must be a SymPy expression (or a number), got "
                    f"{type(expr).__name__}: {expr!r}")


def short(expr, limit: int = 400) -> str:
    """``str(expr)`` for a message: cut to ``limit`` characters, never failing."""
    if isinstance(expr, sp.Basic):
        count, stack = 0, [expr]
        while stack and count <= 3000:  # printing a huge expression can take seconds
            count += 1
            stack.extend(a for a in stack.pop().args if isinstance(a, sp.Basic))
        if count > 3000:
            return f"<a {type(expr).__name__} of more than 3000 nodes>"
    try:
        text = str(expr)
    except (ValueError, RecursionError):  # integers too long to print, or too deep
        return f"<a {type(expr).__name__} too large to print>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def non_finite_atoms(expr) -> list:
    """nan, zoo or an infinity in ``expr``, except as the point of a limit or a bound of a
    sum, product or integral (``Limit(f, t, oo)``, ``Sum(f, (k, 1, oo))`` are fine)."""
    if not isinstance(expr, sp.Basic):
        return []
    found = []

    def walk(e):
        if e in _NONFINITE:
            found.append(e)
            return
        if isinstance(e, sp.Limit):
            walk(e.args[0])
            return
        if isinstance(e, sp.Sum | sp.Product | sp.Integral):
            walk(e.function)
            return
        for a in e.args:
            if isinstance(a, sp.Basic):
                walk(a)

    walk(expr)
    return found


def validate_rtol(rtol) -> float | None:
    if rtol is None:
        return None  # automatic: EXACT_RTOL for exact values, RTOL for inexact ones
    if isinstance(rtol, bool) or not isinstance(rtol, int | float):
        raise TypeError(f"rtol must be a float, got {type(rtol).__name__}: {rtol!r}")
    if not (0 < rtol <= 0.1) or not np.isfinite(rtol):
        raise ValueError(f"rtol must be in (0, 0.1], got {rtol!r}")
    return float(rtol)


def validate_domains(domains) -> dict:
    out = {}
    for k, v in dict(domains or {}).items():
        if not isinstance(k, sp.Symbol | IndexedBase):
            raise TypeError(f"domains keys must be symbols or IndexedBase, got {k!r}")
        if not (isinstance(v, tuple | list) and len(v) == 2):
            raise ValueError(f"domains[{k}] must be a (low, high) pair, got {v!r}")
        try:
            lo, hi = float(v[0]), float(v[1])
        except (TypeError, ValueError) as err:
            raise TypeError(f"domains[{k}] must hold two numbers, got {v!r}") from err
        if not (np.isfinite(lo) and np.isfinite(hi)) or not lo < hi:
            raise ValueError(f"domains[{k}] must satisfy low < high with finite ends, got {v!r}")
        out[k.label if isinstance(k, IndexedBase) else k] = (v[0], v[1])
    return out


def validate_time_limit(t):
    if t is None:
        return None
    if isinstance(t, bool) or not isinstance(t, int | float) or not t > 0:
        raise ValueError(f"time_limit must be a positive number of seconds or None, got {t!r}")
    return float(t)


# --------------------------------------------------------------------------- preparation
def apply_subs(expr, subs):
    if not isinstance(expr, sp.Basic):
        return expr
    for _ in range(6):  # facts may enable each other; a few passes reach the fixed point
        new = expr
        for lhs, rhs in subs:
            if isinstance(lhs, sp.Symbol) and any(lhs == lim.args[1]
                                                  for lim in new.atoms(sp.Limit)):
                raise StepError(f"{lhs} is the variable of a limit in {short(new, 120)}: a "
                                f"premise {lhs} = {short(rhs, 80)} cannot be substituted there")
            if lhs.has(sp.Wild):
                # f(a, b, c) = ... must also apply where an argument is 0 (SymPy's default
                # "exact" matching skips those); other patterns keep the default
                new = new.replace(lhs, rhs, exact=False if isinstance(lhs, sp.Function) else None)
            elif lhs in _bound_names(new) or (new.has(sp.Sum, sp.Product)
                                              and not isinstance(lhs, sp.Symbol | Indexed)):
                # a name bound in the expression (a sum index, an integration or
                # differentiation variable): subs respects the binding (and evaluates a
                # derivative at the value); a compound left side matches better with subs
                new = new.subs(lhs, rhs)
            else:
                new = new.xreplace({lhs: rhs})
        if new == expr:
            break
        expr = new
    return expr


def _bound_names(expr) -> set:
    """Names bound in ``expr``: sum, product and integral variables, derivative variables."""
    out = set()
    for node in expr.atoms(sp.Sum, sp.Product, sp.Integral):
        out |= {lim[0] for lim in node.limits}
    for node in expr.atoms(sp.Derivative):
        out |= set(node.variables)
    return out


def canonical(expr, subs, declared: Declared):
    """The expression with premises substituted, expectations and scalar derivatives done."""
    expr = apply_subs(expr, subs)
    expr = expand_expectations(expr, declared)
    expr = apply_subs(expr, subs)
    return doit_scalar_derivatives(expr)


def _resize(expr, ints):
    """Give matrix symbols with symbolic sizes the integer sizes of this point."""
    if not isinstance(expr, sp.Basic) or not ints:
        return expr
    expr = expr.xreplace(ints)
    return expr.replace(
        lambda e: isinstance(e, sp.MatrixSymbol),
        lambda e: sp.MatrixSymbol(e.name, *(sp.sympify(d).xreplace(ints) for d in e.shape)))


def _shape_of(expr):
    """The shape of an expression, derivatives by matrices included; None for a scalar."""
    if isinstance(expr, sp.Derivative) and is_matrix_derivative(expr):
        return _derivative_shape(expr)
    shape = getattr(expr, "shape", None)
    return tuple(shape) if shape is not None else None


def _peel(node):
    """``Derivative(f, x1, ..., xk)`` as (``Derivative(f, x1, ..., x(k-1))`` or ``f``, xk).

    SymPy merges nested derivatives into one, so the order of the variables is the nesting.
    """
    occurrences = [v for v, c in node.variable_count for _ in range(int(c))]
    if len(occurrences) == 1:
        return node.expr, occurrences[0]
    return sp.Derivative(node.expr, *occurrences[:-1]), occurrences[-1]


def _derivative_shape(node):
    """The shape of a matrix-calculus derivative (SymPy's layout), or None for a scalar."""
    inner, var = _peel(node)
    f_shape = _shape_of(inner)
    if isinstance(var, sp.MatrixSymbol):
        if f_shape is None or tuple(f_shape) == (1, 1):
            return tuple(var.shape)
        if f_shape[1] == 1 and var.shape[1] == 1:
            return (var.shape[0], f_shape[0])  # d f / d x with f, x columns: (len x, len f)
        raise _Unevaluable(f"the derivative of a {f_shape[0]}x{f_shape[1]} matrix by a "
                           f"{var.shape[0]}x{var.shape[1]} matrix is a 4-way array")
    if f_shape is None or tuple(f_shape) == (1, 1):
        return None
    return tuple(f_shape)


def _hold(expr):
    """``expr`` with matrix-calculus derivatives replaced by placeholders of their shape."""
    nodes = matrix_derivatives(expr)
    hold = {}
    for i, node in enumerate(nodes):
        shape = _derivative_shape(node)  # the shape of the whole, for nested derivatives too
        hold[node] = (sp.MatrixSymbol(f"_held{i}", *shape) if shape else sp.Dummy(f"held{i}"))
    return expr.xreplace(hold) if hold else expr, hold


def _doit_protected(expr):
    """``doit`` everything except matrix-calculus derivatives and integrals, which SymPy
    gets wrong in known cases (they are evaluated numerically at the point instead)."""
    if not isinstance(expr, sp.Basic):
        return expr
    for s in expr.atoms(sp.Sum, sp.Product):
        for lim in s.limits:
            lo, hi = (sp.sympify(b) for b in lim[1:])
            if lo.is_number and hi.is_number and lo > hi + 1:
                # SymPy's (Karr) convention gives such a sum a nonzero value; textbooks read
                # it as empty: the point decides nothing
                raise _Unresolved()
    held, hold = _hold(expr)
    integrals = {node: sp.Dummy(f"integral{i}") for i, node in enumerate(
        sorted(held.atoms(sp.Integral), key=sp.default_sort_key))}
    if integrals:
        held = held.xreplace(integrals)
        hold.update(integrals)
    if not hold:
        return expr.doit()
    back = {v: k for k, v in hold.items()}
    return held.doit().xreplace(back)


def prepare(expr, subs, declared: Declared, ints: dict):
    """The side of a step at this point's sizes, ready for values."""
    expr = apply_subs(expr, subs)
    if ints:
        expr = _resize(expr, ints)
        subs = [(_resize(lhs, ints), _resize(rhs, ints)) for lhs, rhs in subs]
    for _ in range(2):
        expr = expand_expectations(expr, declared)
        expr = apply_subs(expr, subs)
        expr = doit_scalar_derivatives(expr)
        expr = _doit_protected(expr)
    if isinstance(expr, sp.Basic):
        if expr.has(E):
            left = sorted(str(e) for e in expr.atoms(E))[:3]
            raise _Unevaluable(f"expectations left after the stated facts: {', '.join(left)}")
        if any(isinstance(s, sp.Wild) for s in expr.free_symbols):
            raise _Unevaluable("a sympy.Wild pattern is left in the expression")
    return expr


# --------------------------------------------------------------------------- evaluation
def _atoms(expr) -> list:
    """The atoms that need values, in canonical order."""
    if not isinstance(expr, sp.Basic):
        return []
    found = set(expr.atoms(sp.MatrixSymbol)) | set(expr.atoms(Indexed))
    for s in expr.free_symbols:
        if isinstance(s, sp.Symbol) and not s.name.startswith("_held"):
            found.add(s)
    found = {a for a in found if not (isinstance(a, sp.Symbol) and any(
        isinstance(i, Indexed) and a == i.base.label for i in found))}
    return sorted(found, key=sp.default_sort_key)


def _draw(atoms, k, sampler: Sampler, ints: dict) -> dict:
    values = {}
    for a in atoms:
        if a in ints:
            continue
        if isinstance(a, sp.MatrixSymbol):
            shape = tuple(sp.sympify(d) for d in a.shape)
            if not all(d.is_Integer for d in shape):
                raise _Unevaluable(f"the size of {a} is not known: {a.shape}")
            values[a] = sampler.matrix(k, a, (int(shape[0]), int(shape[1])))
        else:
            # an entry x[i] takes its kind and domain from its base x, and its own value
            # (its generator is seeded by the entry, not the base: x[1] and x[2] differ)
            sym = a.base.label if isinstance(a, Indexed) else a
            if getattr(sym, "is_integer", False):
                values[a] = sp.Integer(sampler.integer(k, sym, False, seed_atom=a))
            else:
                values[a] = sampler.real(k, sym, seed_atom=a)
    return values


EVALF_TIME = 0.5  # CPU seconds one evaluation may take before the point counts as unresolved
MAXN = (None, 400, 3000)  # working precision (digits) tried in turn by evalf(strict=True)


def _evalf_strict(v):
    """``v`` to DIGITS correct significant digits, or None if SymPy cannot resolve it.

    ``evalf`` without ``strict`` can return garbage with full claimed precision after a
    cancellation deeper than its working precision (``log(1 - sigmoid(47541))`` came out as
    -332.7 instead of -47541), so every value is evaluated strictly, with more working
    digits on each retry.
    """
    for maxn in MAXN:
        try:
            kw = {"strict": True} if maxn is None else {"strict": True, "maxn": maxn}
            with time_limit(EVALF_TIME, _EvalfTimeUp):
                lo = v.evalf(DIGITS, **kw)
                hi = v.evalf(DIGITS + 20, **kw)
        except sp.core.evalf.PrecisionExhausted:
            continue
        except _EvalfTimeUp:  # SymPy's evalf can loop on exp(-1e20) beside exact cancellation
            return None
        # a function that evaluates itself (_eval_evalf) at a fixed precision defeats SymPy's
        # precision tracking: the digits are believed only if a finer evaluation agrees
        try:
            diff = abs(complex(sp.N(lo - hi, 5)))
            size = abs(complex(sp.N(hi, 5)))
        except (TypeError, ValueError):
            return None
        if diff > 10.0 ** (3 - DIGITS) * size:
            return None
        return lo
    return None


def _fast(v):
    """``v`` by mpmath at 45 and 90 digits, if both agree to 32 digits; otherwise None.

    Much faster than SymPy's ``evalf``; agreement across the two working precisions is
    what shows that no cancellation ate the digits (where it did, SymPy's strict evalf
    decides, or the point is unresolved). A zero is never taken from here: a cancellation
    can be total at both precisions.
    """
    if v.has(sp.Derivative, sp.Integral, sp.Sum, sp.Product, sp.Limit, E) or v.free_symbols:
        return None
    if any(not (type(f).__module__ or "").startswith("sympy") for f in v.atoms(sp.Function)):
        # a function class of the book's own would get a 15-digit number from lambdify and
        # answer the same at both precisions: agreement would prove nothing
        return None
    try:
        f = sp.lambdify((), v, modules="mpmath")
        with mpmath.workdps(45):
            lo = f()
        with mpmath.workdps(90):
            hi = f()
    except Exception:  # noqa: BLE001 - anything mpmath cannot do goes to SymPy's evalf
        return None
    if not all(isinstance(t, mpmath.mpf | mpmath.mpc) for t in (lo, hi)):
        return None
    if not (mpmath.isfinite(lo) and mpmath.isfinite(hi)):
        return None
    with mpmath.workdps(90):
        if hi == 0 or lo == 0:  # 1 - sigmoid(5e7) is 0 at both precisions: no evidence
            return None
        if abs(lo - hi) > mpmath.mpf(10) ** -32 * abs(hi):
            return None
        return mpmath.mpc(hi)


def _mp(v, *, zero_ok: bool = False) -> mpmath.mpc:
    """A SymPy number as an mpmath complex, correct to DIGITS significant digits.

    Raises _NonFinite for a pole and _Unresolved if the value cannot be certified. A zero is
    certified only when the expression itself is 0 (exact rational values make algebraic
    zeros exact): SymPy's strict evalf returns 0 for ``log(1 - 1/(1 + exp(195.6)))``, whose
    value is -1.2e-85, so no computed zero is believed. With ``zero_ok`` (a difference of two
    certified sides), a value SymPy cannot resolve counts as zero.
    """
    if not isinstance(v, sp.Basic):
        v = sp.sympify(v)
    if v == 0:
        return mpmath.mpc(0)
    if any(v.has(a) for a in _NONFINITE):
        raise _NonFinite()
    if not v.is_Float and not zero_ok:
        fast = _fast(v)
        if fast is not None:
            return fast
    n = v if v.is_Float else _evalf_strict(v)
    if n is None:
        if zero_ok:
            return mpmath.mpc(0)
        raise _Unresolved()
    if not n.is_number:
        raise _Unevaluable(f"the expression does not evaluate to a number: {short(v)}")
    out = []
    for part in n.as_real_imag():
        if any(part.has(a) for a in _NONFINITE):
            raise _NonFinite()
        if not part.is_Float and part != 0:
            part = _evalf_strict(part)
        if part is None or part == 0 or (part.is_Float and part._prec < 12):
            if zero_ok or (part is not None and part == 0 and len(out) == 1 and out[0] != 0):
                out.append(mpmath.mpf(0))  # a zero imaginary part beside a real value
                continue
            if part is not None and part == 0 and not out and n.as_real_imag()[1] != 0:
                out.append(mpmath.mpf(0))  # a zero real part beside an imaginary value
                continue
            raise _Unresolved()
        if not part.is_Float:
            raise _Unevaluable(f"the expression does not evaluate to a number: {short(v)}")
        with mpmath.workprec(part._prec + 10):  # mpf() rounds to the working precision
            out.append(mpmath.mpf(part._mpf_))
    with mpmath.workprec(400):  # mpc() rounds to the working precision too
        return mpmath.mpc(out[0], out[1])


def _fd(node, values: dict):
    """A matrix-calculus derivative at ``values``, by central differences at 80 digits."""
    f, var = _peel(node)
    nested = isinstance(f, sp.Derivative) or bool(matrix_derivatives(f))
    h = sp.Rational(1, 10**12) if nested else sp.Rational(1, 10**20)
    base = values.get(var) if not isinstance(var, MatrixElement) else values.get(var.parent)
    if base is None:
        raise _Unevaluable(f"no value for the variable {var} of {node}")

    def f_at(shifted):
        v = dict(values)
        v.update(shifted)
        val, _, _ = evaluate(f, v)
        if isinstance(val, sp.MatrixBase):
            return sp.ImmutableMatrix(val.shape[0], val.shape[1],
                                      [x.evalf(FD_DIGITS) for x in val])
        return val.evalf(FD_DIGITS)

    def diff_at(shift_plus, shift_minus):
        fp, fm = f_at(shift_plus), f_at(shift_minus)
        return (fp - fm) / (2 * h)

    if isinstance(var, sp.MatrixSymbol):
        rows, cols = base.shape
        entries = {}
        for i in range(rows):
            for j in range(cols):
                e = sp.zeros(rows, cols)
                e[i, j] = h
                e = sp.ImmutableMatrix(e)
                entries[i, j] = diff_at({var: base + e}, {var: base - e})
        first = entries[0, 0]
        if isinstance(first, sp.MatrixBase) and first.shape != (1, 1):
            m = first.shape[0]  # f is a column of length m; result[i, j] = d f_j / d x_i
            return sp.ImmutableMatrix(rows, m, lambda i, j: entries[i, 0][j, 0])
        scal = {k: (v[0, 0] if isinstance(v, sp.MatrixBase) else v) for k, v in entries.items()}
        return sp.ImmutableMatrix(rows, cols, lambda i, j: scal[i, j])
    if isinstance(var, MatrixElement):
        parent = var.parent
        i, j = int(var.i), int(var.j)
        e = sp.zeros(*base.shape)
        e[i, j] = h
        e = sp.ImmutableMatrix(e)
        out = diff_at({parent: base + e}, {parent: base - e})
    else:
        out = diff_at({var: base + h}, {var: base - h})
    if isinstance(out, sp.MatrixBase) and out.shape == (1, 1) and _shape_of(f) is None:
        return out[0, 0]
    return out


EXACT_POWER_BITS = 1 << 14  # exact powers of numbers beyond about this many bits are held


def _bits(x) -> int | None:
    """Bits of a number built exactly from rationals (a rational, or a rational power of
    one), or None for any other number."""
    if isinstance(x, sp.Rational):
        return max(int(x.p).bit_length(), int(x.q).bit_length())
    if isinstance(x, sp.Pow) and isinstance(x.exp, sp.Rational):
        inner = _bits(x.base)
        return None if inner is None else inner * max(abs(int(x.exp.p)), int(x.exp.q))
    return None


class _HeldPower(sp.Function):
    """``base**exp`` for two numbers whose exact power SymPy would compute with huge
    integers: held as a function SymPy neither evaluates nor combines with other powers, and
    that :meth:`_eval_evalf` computes at the precision SymPy's ``evalf`` asks for. So the
    value keeps the precision tracking of ``evalf`` (a cancellation makes it work harder or
    refuse, never return wrong digits), and ``_fast`` leaves it to ``evalf`` (its class is not
    SymPy's)."""

    nargs = 2

    @classmethod
    def eval(cls, base, exp):
        return None  # never evaluated on construction

    def _eval_evalf(self, prec):
        base, exp = self.args  # a rational (or a rational power of one), and a rational
        with mpmath.workprec(prec + 20):
            value = mpmath.power(base._to_mpmath(prec + 20), exp._to_mpmath(prec + 20))
        if isinstance(value, mpmath.mpc):
            return sp.Float(value.real, precision=prec) + sp.I * sp.Float(value.imag,
                                                                           precision=prec)
        return sp.Float(value, precision=prec)

    def _latex(self, printer):
        return printer._print(sp.Pow(*self.args, evaluate=False))

    def _sympystr(self, printer):
        return printer._print(sp.Pow(*self.args, evaluate=False))


def _power(base, exp):
    """``base**exp``, held (:class:`_HeldPower`) where SymPy would compute it exactly with
    huge integers.

    SymPy's exact power of a rational extracts perfect roots with integers of about
    ``bits(base) * max(|p|, q)`` bits for the exponent ``p/q``: with a sampled exponent (a
    binary fraction, q = 2^21) that takes minutes (``theta**(n + alpha - 1)`` at moderate
    values), and with a wide one (1e8) it cannot end.
    """
    size = _bits(base) if isinstance(exp, sp.Rational) else None
    if (size is not None and base not in (sp.S.Zero, sp.S.One, sp.S.NegativeOne)
            and size * max(abs(int(exp.p)), int(exp.q)) > EXACT_POWER_BITS):
        return _HeldPower(base, exp)
    return sp.Pow(base, exp)


def _substitute(expr, values: dict):
    """``expr.xreplace(values)`` (the same rebuilding, bottom up), with every power built by
    :func:`_power`: an exact value wherever that is cheap, as before."""
    if expr in values:
        return values[expr]
    if not isinstance(expr, sp.Basic) or not expr.args:
        return expr
    args = tuple(_substitute(a, values) if isinstance(a, sp.Basic) else a for a in expr.args)
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    if isinstance(expr, sp.Pow):
        return _power(*args)
    return expr.func(*args)


def evaluate(expr, values: dict):
    """``expr`` at ``values``: (explicit value, inexact?, size of the inexact parts)."""
    if not isinstance(expr, sp.Basic):
        return sp.sympify(expr), False, 0.0
    nodes = matrix_derivatives(expr)
    inexact, fd_scale = False, 0.0
    if nodes:
        repl = {}
        for node in nodes:
            val = _fd(node, values)
            repl[node] = val
            inexact = True
            entries = list(val) if isinstance(val, sp.MatrixBase) else [val]
            for x in entries:
                try:
                    fd_scale = max(fd_scale, float(abs(_mp(x))))
                except (_NonFinite, _Unevaluable, OverflowError):
                    pass
        expr = expr.xreplace(repl)
    val = _substitute(expr, values)
    if isinstance(val, sp.Basic) and val.has(sp.Integral):
        # never SymPy's integration here (it is wrong in known cases): quadrature instead
        ints = {}
        for node in sorted(val.atoms(sp.Integral), key=sp.default_sort_key):
            inner = node.function.doit() if isinstance(node.function, sp.Basic) else node.function
            q = sp.Integral(inner, *node.limits).evalf(DIGITS)
            if not q.is_number:
                raise _Unevaluable(f"the integral does not evaluate to a number: {short(node)}")
            ints[node] = q
            inexact = True
            try:
                fd_scale = max(fd_scale, float(abs(sp.N(q))) * 1e8)  # quadrature: ~1e-12 rel.
            except (TypeError, ValueError):
                pass
        val = val.xreplace(ints)
    if isinstance(val, sp.Basic):
        for s in val.atoms(sp.Sum, sp.Product):
            for lim in s.limits:
                if any(sp.sympify(b).is_number and not sp.sympify(b).is_integer
                       for b in lim[1:]):
                    raise _Unevaluable(f"a bound of {short(s)} is not an integer")
                lo, hi = (sp.sympify(b) for b in lim[1:])
                if lo.is_number and hi.is_number and lo > hi + 1:
                    # SymPy's (Karr) convention gives such a sum a nonzero value; textbooks
                    # read it as empty: the point decides nothing
                    raise _Unresolved()
    val = val.doit() if isinstance(val, sp.Basic) else val
    if isinstance(val, MatrixExpr) and not isinstance(val, sp.MatrixBase):
        val = val.as_explicit()
    if isinstance(val, sp.MatrixBase):
        val = sp.ImmutableMatrix(val)
    return val, inexact, fd_scale


# --------------------------------------------------------------------------- comparisons
def _shape(v):
    return tuple(v.shape) if isinstance(v, sp.MatrixBase) else None


def _entries(v):
    return list(v) if isinstance(v, sp.MatrixBase) else [v]


def _compare_point(a, b, rel, rtol, floor) -> str | None:
    """None if ``a rel b`` holds at this point, otherwise why not. Raises _NonFinite."""
    sa, sb = _shape(a), _shape(b)
    if sa != sb and (sa == (1, 1) and sb is None or sb == (1, 1) and sa is None):
        a, b = (a[0, 0] if sa else a), (b[0, 0] if sb else b)  # x^T A x is a scalar
        sa = sb = None
    if sa != sb and (sa is None and a == 0 or sb is None and b == 0):
        shape = sa or sb
        a, b = (sp.zeros(*shape) if sa is None else a), (sp.zeros(*shape) if sb is None else b)
        sa = sb = shape  # "M >= 0" with a scalar 0 means the zero matrix
    if sa != sb:
        raise StepError(f"the two sides have different shapes at this point: {sa} and {sb}")
    if rel == "=":
        for x, y in zip(_entries(a), _entries(b), strict=True):
            xm, ym = _mp(x), _mp(y)  # each correct to DIGITS significant digits
            d = abs(xm - ym)
            tol = rtol * max(abs(xm), abs(ym)) + floor
            if d > tol:
                return f"left = {_fmt(xm)}, right = {_fmt(ym)}"
        return None
    sign = 1 if rel in ("<=", "<") else -1
    strict = rel in ("<", ">")
    if sa is None:
        xm, ym = _mp(a), _mp(b)
        if abs(xm.imag) > 0 or abs(ym.imag) > 0:
            raise StepError(f"an inequality needs real values, got {_fmt(xm)} and {_fmt(ym)}")
        d = (ym - xm).real if sign == 1 else (xm - ym).real
        if abs(d) <= mpmath.mpf(10) ** -25 * max(abs(xm), abs(ym)) and not floor:
            # too close for the side values' digits: the exact difference decides, and if it
            # cannot be resolved (log(1 + e^x) - x at x = 1e10) the point is skipped
            d = _mp((b - a) if sign == 1 else (a - b)).real
        ok = d > floor if strict else d >= -floor
        if ok:
            return None
        what = "equal, so the strict inequality fails" if d == 0 else "in the wrong order"
        return f"left = {_fmt(xm)}, right = {_fmt(ym)} ({what})"
    # matrices: the positive semidefinite (Loewner) order
    if sa[0] != sa[1]:
        raise StepError(f"a matrix inequality needs square matrices, got shape {sa}")
    n = sa[0]
    dm = mpmath.matrix(n, n)
    for i in range(n):
        for j in range(n):
            z = _mp(b[i, j]) - _mp(a[i, j]) if sign == 1 else _mp(a[i, j]) - _mp(b[i, j])
            if z.imag != 0:
                raise StepError("a matrix inequality needs real matrices")
            dm[i, j] = z.real
    size = max((abs(dm[i, j]) for i in range(n) for j in range(n)), default=mpmath.mpf(0))
    tol = mpmath.mpf(10) ** (-20) * size + floor
    for i in range(n):
        for j in range(i + 1, n):
            if abs(dm[i, j] - dm[j, i]) > tol:
                raise StepError("a matrix inequality is checked in the positive semidefinite "
                                "order, which needs a symmetric difference of the two sides; "
                                f"this one is not symmetric (entries {i},{j})")
    with mpmath.workdps(DIGITS + 10):
        eig = min(mpmath.eigsy(dm, eigvals_only=True)) if n else mpmath.mpf(0)
    ok = eig > tol if strict else eig >= -tol
    if ok:
        return None
    return (f"the smallest eigenvalue of the difference is {_fmt(eig)} "
            f"({'not positive definite' if strict else 'not positive semidefinite'})")


def _fmt(x) -> str:
    if isinstance(x, mpmath.mpc):
        if x.imag == 0:
            x = x.real
        else:
            return mpmath.nstr(x, 8)
    return mpmath.nstr(x, 10)


def _describe(ints, values) -> str:
    parts = [f"{k} = {v}" for k, v in ints.items()]
    for k, v in values.items():
        if isinstance(v, sp.MatrixBase):
            arr = np.array(v.evalf(8).tolist(), dtype=float)
            parts.append(f"{k} = {np.array2string(arr, precision=3)}")
        else:
            parts.append(f"{k} = {float(v):.6g}")
    return ", ".join(parts) if parts else "(no free symbols)"


# --------------------------------------------------------------------------- branches
_BRANCHY = (sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.Heaviside, sp.sign, sp.KroneckerDelta)


def _branch_nodes(exprs) -> list:
    nodes = set()
    for e in exprs:
        if isinstance(e, sp.Basic):
            for n in e.atoms(*_BRANCHY):
                syms = n.free_symbols
                if n.atoms(Indexed, sp.MatrixSymbol, MatrixElement) or not syms:
                    continue
                if any(not isinstance(s, sp.Symbol) or isinstance(s, sp.Wild) for s in syms):
                    continue
                nodes.add(n)
    return sorted(nodes, key=sp.default_sort_key)


def _required(node) -> set:
    if isinstance(node, sp.Piecewise):
        last_true = node.args[-1].cond == sp.true
        return set(range(len(node.args) - (1 if last_true else 0)))
    if isinstance(node, sp.Max | sp.Min):
        return set(range(len(node.args))) if len(node.args) <= 6 else set()
    return {0, 1}


def _branch_of(node, values) -> int | None:
    try:
        if isinstance(node, sp.Piecewise):
            for i, (_, cond) in enumerate(node.args):
                c = _substitute(cond, values)
                if c == sp.true or bool(c):
                    return i
            return None
        if isinstance(node, sp.Max | sp.Min):
            vals = [float(sp.re(_substitute(a, values).evalf(20))) for a in node.args]
            best = max(vals) if isinstance(node, sp.Max) else min(vals)
            if vals.count(best) > 1:
                return None  # a tie reaches no branch strictly
            return vals.index(best)
        if isinstance(node, sp.KroneckerDelta):  # equal indices, or not
            i, j = (a.xreplace(values) for a in node.args)
            return 0 if sp.simplify(i - j) == 0 else 1
        v = float(sp.re(_substitute(node.args[0], values).evalf(20)))
        return 0 if v > 0 else 1 if v < 0 else None
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- the check
@dataclass
class Context:
    """Everything a check needs besides the two sides."""

    premises: Premises
    declared: Declared
    domains: dict
    rtol: float | None = None
    seed: int = 0
    time_limit: float | None = TIME_LIMIT
    instance: str | None = None


def _sampler(ctx: Context) -> Sampler:
    mats, scal = {}, {}
    for p in ctx.premises.sampling_predicates:
        if not isinstance(p, AppliedPredicate) or not p.arguments:
            continue
        arg = p.arguments[0]
        name = str(p.function).removeprefix("Q.")
        if isinstance(arg, sp.MatrixSymbol):
            mats.setdefault(arg.name, set()).add(name)
        elif isinstance(arg, sp.Symbol):
            scal.setdefault(arg, set()).add(name)
    return Sampler(ctx.seed, ctx.domains, mats, scal)


def _int_symbols(exprs) -> tuple[set, set]:
    ints, dims = set(), set()
    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for m in e.atoms(sp.MatrixSymbol):
            for d in m.shape:
                dims |= {s for s in sp.sympify(d).free_symbols if isinstance(s, sp.Symbol)}
        ints |= {s for s in e.free_symbols if isinstance(s, sp.Symbol) and s.is_integer}
        for s in e.atoms(sp.Sum, sp.Product):
            for lim in s.limits:
                for b in lim[1:]:
                    ints |= {x for x in sp.sympify(b).free_symbols if isinstance(x, sp.Symbol)}
        for i in e.atoms(Indexed):
            for idx in i.indices:
                ints |= {x for x in sp.sympify(idx).free_symbols if isinstance(x, sp.Symbol)}
    ints -= {s for e in exprs if isinstance(e, sp.Basic) for s in _bound(e)}
    ints = {s for s in ints if not isinstance(s, sp.Wild)}
    dims = {s for s in dims if not isinstance(s, sp.Wild)}
    return ints | dims, dims


def _limit_symbols(exprs) -> set:
    """Symbols in the limits of nested sums and products (a point costs N^2 terms or more)."""
    out = set()
    for e in exprs:
        if isinstance(e, sp.Basic):
            for s in e.atoms(sp.Sum, sp.Product):
                if len(s.limits) < 2 and not s.function.has(sp.Sum, sp.Product):
                    continue
                for lim in s.limits:
                    for b in lim[1:]:
                        out |= {x for x in sp.sympify(b).free_symbols if isinstance(x, sp.Symbol)}
    return out


def _bound(expr) -> set:
    out = set()
    for s in expr.atoms(sp.Sum, sp.Product):
        out |= {lim[0] for lim in s.limits}
    return out


class _Numeric:
    """The numeric check of one step over a sequence of points."""

    def __init__(self, lhs, rhs, rel, ctx: Context):
        self.lhs, self.rhs, self.rel, self.ctx = lhs, rhs, rel, ctx
        self.subs = ctx.premises.numeric_substitutions
        self.sampler = _sampler(ctx)
        self.int_syms, self.dims = _int_symbols(
            [lhs, rhs] + [x for pair in self.subs for x in pair])
        random_syms = set(ctx.declared._rand_syms)
        self.int_syms = sorted((s for s in self.int_syms if s not in random_syms),
                               key=sp.default_sort_key)
        self.limits = _limit_symbols([lhs, rhs] + [x for pair in self.subs for x in pair])
        free = set()
        for e in (lhs, rhs):
            if isinstance(e, sp.Basic):
                free |= {s for s in canonical(e, self.subs, ctx.declared).free_symbols
                         if isinstance(s, sp.Symbol) and not s.is_integer
                         and s not in ctx.domains and self.sampler._sign_class(s) == "real"}
        for bit, s in enumerate(sorted(free, key=sp.default_sort_key)[:4]):
            self.sampler.orthant[s] = bit
        self.sizes_seen: dict = {}
        self.branch_nodes = _branch_nodes([canonical(x, self.subs, ctx.declared)
                                           for x in (lhs, rhs)])
        self.branches_seen = {n: set() for n in self.branch_nodes}
        self.inexact = False
        self.worst: list = []  # (margin, values) for the counterexample search

    def point(self, k: int, ints: dict | None = None):
        """Check point ``k``: None (holds), "nonfinite", or a failure message."""
        if ints is None:
            ints = {}
            for s in self.int_syms:
                ints[s] = sp.Integer(self.sampler.integer(k, s, s in self.dims,
                                                          s in self.limits))
        for s in self.dims & set(ints):
            self.sizes_seen.setdefault(str(s), set()).add(int(ints[s]))
        try:
            a = prepare(self.lhs, self.subs, self.ctx.declared, ints)
            b = prepare(self.rhs, self.subs, self.ctx.declared, ints)
        except _NonFinite:
            return "nonfinite"
        atoms = sorted(set(_atoms(a)) | set(_atoms(b)), key=sp.default_sort_key)
        values = _draw(atoms, k, self.sampler, ints)
        for n in self.branch_nodes:
            br = _branch_of(n, {**values, **ints})
            if br is not None:
                self.branches_seen[n].add(br)
        try:
            va, ia, fa = evaluate(a, values)
            vb, ib, fb = evaluate(b, values)
            floor = INEXACT_FLOOR * max(fa, fb) if (ia or ib) else 0.0
            self.inexact |= ia or ib
            rtol = self.ctx.rtol
            if rtol is None:
                floats = any(isinstance(x, sp.Basic) and x.has(sp.Float) for x in (a, b))
                rtol = RTOL if (ia or ib) else FLOAT_RTOL if floats else EXACT_RTOL
            why = _compare_point(va, vb, self.rel, rtol, floor)
        except _NonFinite:
            return "nonfinite"
        except (ZeroDivisionError, OverflowError, ValueError) as err:
            if isinstance(err, StepError):
                raise
            return "nonfinite"
        if why is not None:
            return f"at {_describe(ints, values)}: {why}"
        if self.rel != "=" and _shape(va) is None and not ints and not (ia or ib):
            try:
                margin = float(_mp(vb - va).real if self.rel in ("<=", "<")
                               else _mp(va - vb).real)
                scale = max(float(abs(_mp(va))), float(abs(_mp(vb))), 1e-300)
                self.worst.append((margin / scale, values))
            except (_NonFinite, _Unevaluable, OverflowError):
                pass
        return None

    def missing_branches(self) -> list:
        out = []
        for n in self.branch_nodes:
            missing = _required(n) - self.branches_seen[n]
            if missing:
                out.append((n, missing))
        return out

    def find_branch_points(self, start: int) -> list[int]:
        """Candidate point numbers that reach branches not visited yet."""
        extra = []
        for k in range(start, start + BRANCH_SEARCH):
            if not self.missing_branches():
                break
            syms = sorted({s for n in self.branch_nodes for s in n.free_symbols},
                          key=sp.default_sort_key)
            ints = {s: sp.Integer(self.sampler.integer(k, s, False))
                    for s in syms if s in set(self.int_syms) or s.is_integer}
            values = _draw([s for s in syms if s not in ints], k, self.sampler, ints)
            hit = False
            for n, missing in self.missing_branches():
                br = _branch_of(n, {**values, **ints})
                if br in missing:
                    self.branches_seen[n].add(br)
                    hit = True
            if hit:
                extra.append(k)
        return extra

    def counterexample(self) -> str | None:
        """Minimise the margin of a scalar inequality from the worst sample points."""
        from scipy.optimize import minimize

        if not self.worst:
            return None
        syms = sorted(set().union(*(set(v) for _, v in self.worst)), key=sp.default_sort_key)
        if not syms or any(not isinstance(s, sp.Symbol) or s.is_integer for s in syms):
            return None
        sign = 1 if self.rel in ("<=", "<") else -1
        a = prepare(self.lhs, self.subs, self.ctx.declared, {})
        b = prepare(self.rhs, self.subs, self.ctx.declared, {})
        margin = sign * (b - a)
        try:
            f = sp.lambdify(syms, margin, modules=["numpy", "scipy"])
        except Exception:  # noqa: BLE001 - lambdify fails on exotic functions: no search then
            return None
        kinds = [self.sampler._sign_class(s) if s not in self.ctx.domains else "domain"
                 for s in syms]

        def to_x(u):
            out = []
            for s, kind, ui in zip(syms, kinds, u, strict=True):
                if kind == "domain":
                    lo, hi = (float(t) for t in self.ctx.domains[s])
                    out.append(lo + (hi - lo) / (1 + np.exp(-ui)))
                elif kind in ("positive", "nonnegative"):
                    out.append(np.exp(np.clip(ui, -700, 700)))
                elif kind in ("negative", "nonpositive"):
                    out.append(-np.exp(np.clip(ui, -700, 700)))
                else:
                    out.append(ui)
            return out

        def to_u(vals):
            out = []
            for s, kind in zip(syms, kinds, strict=True):
                x = float(vals[s])
                if kind == "domain":
                    lo, hi = (float(t) for t in self.ctx.domains[s])
                    p = min(max((x - lo) / (hi - lo), 1e-12), 1 - 1e-12)
                    out.append(np.log(p / (1 - p)))
                elif kind in ("positive", "nonnegative", "negative", "nonpositive"):
                    out.append(np.log(max(abs(x), 1e-300)))
                else:
                    out.append(x)
            return np.array(out)

        def objective(u):
            with np.errstate(all="ignore"):
                try:
                    v = complex(f(*to_x(u)))
                except (ValueError, TypeError, ZeroDivisionError, OverflowError):
                    return 1e300
            if not np.isfinite(v.real) or abs(v.imag) > 1e-12 * max(1.0, abs(v.real)):
                return 1e300
            return v.real

        starts = sorted(self.worst, key=lambda t: t[0])[:3]
        for _, vals in starts:
            try:
                res = minimize(objective, to_u(vals), method="Nelder-Mead",
                               options={"maxiter": 200 * len(syms), "xatol": 1e-10,
                                        "fatol": 1e-14})
            except (ValueError, OverflowError):
                continue
            strict = self.rel in ("<", ">")
            if res.fun < 0 or (strict and res.fun <= 1e-8):
                xs = to_x(res.x)
                # the minimiser itself, and nearby simple rationals (where an equality that
                # breaks a strict inequality sits exactly: x^2 + 4 > 4x at x = 2)
                tries = [{s: exact(float(x)) for s, x in zip(syms, xs, strict=True)}]
                for den in (1, 2, 3, 4, 6, 10, 100, 1000):
                    tries.append({s: sp.Rational(round(float(x) * den), den)
                                  for s, x in zip(syms, xs, strict=True)})
                for cand in tries:
                    try:
                        va, _, _ = evaluate(a, cand)
                        vb, _, _ = evaluate(b, cand)
                        why = _compare_point(va, vb, self.rel, self.ctx.rtol or EXACT_RTOL, 0.0)
                    except (_NonFinite, _Unevaluable, ZeroDivisionError, OverflowError,
                            StepError):
                        continue
                    if why is not None:
                        return (f"at {_describe({}, cand)} (found by minimising the margin): "
                                f"{why}")
        return None


def numeric(lhs, rhs, rel, ctx: Context, *, n_points: int, min_finite: int,
            search: bool = True) -> str:
    """Run the numeric check; return its detail or raise StepError / NotCheckable."""
    run = _Numeric(lhs, rhs, rel, ctx)
    finite = nonfinite = 0
    # points are drawn until n_points gave finite, resolved values on both sides (at most
    # 3 n_points), then points that reach branches not visited yet
    ks = list(range(n_points))
    done = 0
    while done < len(ks):
        k = ks[done]
        done += 1
        try:
            res = run.point(k)
        except _Unevaluable as err:
            raise NotCheckable(f"cannot be evaluated numerically: {err}") from None
        if res == "nonfinite":
            nonfinite += 1
            if len(ks) < 3 * n_points and ks[-1] < 3 * n_points - 1:
                ks.append(ks[-1] + 1)
            continue
        if res is not None:
            raise StepError(f"fails numerically {res}")
        finite += 1
        if done == len(ks) and search and run.missing_branches():
            ks += run.find_branch_points(10_000)
    swept = _sweep_integers(run, lhs, rhs, rel) if search else ""
    missing = run.missing_branches() if search else []
    if finite < min_finite:
        raise NotCheckable(f"only {finite} of {finite + nonfinite} sample points gave finite, "
                           f"resolvable values on both sides (at least {min_finite} needed); "
                           "give domains= where the expressions are finite")
    if missing:
        n, br = missing[0]
        raise NotCheckable(f"the sample points never reached branch {sorted(br)} of {n}; give "
                           "domains= that reach every branch")
    extra = ""
    if search and rel != "=" and not run.inexact:
        found = run.counterexample()
        if found:
            raise StepError(f"fails numerically {found}")
        if run.worst:
            extra = "; no counterexample found by minimising the margin"
    parts = [f"{finite} sample points" + (f" ({nonfinite} non-finite or unresolvable skipped)"
                                          if nonfinite else "")]
    if run.sizes_seen:
        parts.append("sizes " + ", ".join(f"{k} in {{{', '.join(map(str, sorted(v)))}}}"
                                          for k, v in sorted(run.sizes_seen.items())))
    if run.inexact:
        parts.append("matrix derivatives by central differences")
    if any(_required(n) for n in run.branch_nodes):
        parts.append("every branch reached")
    if swept:
        parts.append(swept)
    return ", ".join(parts) + extra


SWEEP = 120  # an inequality in one integer symbol is checked at every value 1..SWEEP


def _sweep_integers(run: _Numeric, lhs, rhs, rel) -> str:
    """Check an inequality in a single integer symbol at every integer up to SWEEP."""
    if len(run.int_syms) != 1 or run.dims or run.limits:
        return ""
    if any(_shape_attr(e) is not None for e in (lhs, rhs)):
        return ""
    sym = run.int_syms[0]
    free = set()
    for e in (lhs, rhs):
        if isinstance(e, sp.Basic):
            free |= {x for x in e.free_symbols if x != sym}
    if free:
        return ""
    lo, hi = 1 if sym.is_positive else 0 if sym.is_nonnegative else -SWEEP, SWEEP
    if sym in run.ctx.domains:
        d = run.ctx.domains[sym]
        lo, hi = max(lo, int(np.ceil(float(d[0])))), min(hi, int(np.floor(float(d[1]))))
    for v in range(lo, hi + 1):
        try:
            res = run.point(0, {sym: sp.Integer(v)})
        except _Unevaluable:
            return ""
        if res not in (None, "nonfinite"):
            raise StepError(f"fails numerically {res}")
    return f"every {sym} in {lo}..{hi}"


def _explicit_sizes(*exprs) -> str | None:
    for e in exprs:
        if isinstance(e, sp.Basic):
            fixed = sorted((m for m in e.atoms(sp.MatrixSymbol)
                            if all(sp.sympify(d).is_number for d in m.shape)
                            and tuple(m.shape) != (1, 1)), key=sp.default_sort_key)
            if fixed:
                m = fixed[0]
                return f"{m.shape[0]}x{m.shape[1]} matrices ({m.name})"
    for e in exprs:
        if isinstance(e, sp.MatrixBase):
            return f"explicit {e.shape[0]}x{e.shape[1]} matrices"
        if isinstance(e, sp.Basic):
            mats = [m for m in e.atoms(sp.ImmutableMatrix, sp.MutableDenseMatrix)]
            if mats:
                return f"explicit {mats[0].shape[0]}x{mats[0].shape[1]} matrices"
    return None


def _shape_attr(x):
    try:
        return getattr(x, "shape", None)
    except Exception:  # noqa: BLE001 - an Indexed without a shape raises IndexException
        return None


def _shape_mismatch(lhs, rhs) -> str | None:
    sa, sb = _shape_attr(lhs), _shape_attr(rhs)
    if (sa is None) != (sb is None):
        s = sa if sa is not None else sb
        if tuple(s) == (1, 1) or (lhs if sa is None else rhs) == 0:
            return None
        return f"one side is a matrix of shape {tuple(s)}, the other a scalar"
    if sa is None:
        return None
    for x, y in zip(sa, sb, strict=True):
        diff = sp.simplify(sp.sympify(x) - sp.sympify(y))
        if diff != 0:
            return f"the two sides have different shapes {tuple(sa)} and {tuple(sb)}"
    return None


def _bad_bound(expr) -> str | None:
    """A sum or product bound that is not an integer (SymPy sums 1..3/2 to 3/2)."""
    if not isinstance(expr, sp.Basic):
        return None
    for s in expr.atoms(sp.Sum, sp.Product):
        for lim in s.limits:
            for b in lim[1:]:
                b = sp.sympify(b)
                if b in (sp.oo, -sp.oo):
                    continue
                if b.is_integer is False or (b.is_integer is None and any(
                        r.q != 1 for r in b.atoms(sp.Rational))):
                    return f"the bound {b} of {short(s, 120)} is not an integer"
    return None


def check(lhs, rhs, rel: str, ctx: Context, *, check: str = "auto") -> Verdict:
    """Check ``lhs rel rhs`` under ``ctx``; return the verdict or raise StepError."""
    try:
        with time_limit(ctx.time_limit):
            for side in (lhs, rhs):
                if isinstance(side, sp.Basic) and any(
                        isinstance(s, sp.Symbol) and not s.is_commutative
                        for s in side.free_symbols):
                    raise NotCheckable("noncommuting symbols cannot be checked: use matrix "
                                       "symbols (sympy.MatrixSymbol) for quantities that do "
                                       "not commute")
                why = _bad_bound(side)
                if why:
                    raise NotCheckable(why)
                bad = non_finite_atoms(side)
                if bad:
                    raise StepError(f"a side holds {bad[0]}, which is not a finite value: "
                                    f"{short(side)}")
                check_declared(side, ctx.declared)
            return _check(lhs, rhs, rel, ctx, check)
    except _TimeUp:
        raise NotCheckable(f"could not be decided within the time limit of {ctx.time_limit} s "
                           "(time_limit=)") from None
    except RecursionError:
        raise NotCheckable("the expression is nested too deeply for SymPy") from None
    except NotImplementedError as err:  # SymPy cannot build or evaluate some matrix forms
        raise NotCheckable(f"SymPy cannot handle this expression: {err}") from None
    except TypeError as err:
        # SymPy refuses some forms it builds itself while evaluating, e.g. "Mix of Matrix and
        # Scalar symbols" for a sum of two matrix derivatives: the step is not decided (never
        # accepted), and the author reads why instead of SymPy's traceback
        raise NotCheckable(f"SymPy could not evaluate this expression ({err}); state the "
                           "step at a fixed size (instance=) or cite it") from None


_check_with_limits = check  # check_equal's argument check= hides the function's name


def check_equal(lhs, rhs, *, rel="=", define=None, assume=None, facts=None, random=None,
                constants=None, domains=None, check="auto", rtol=None, seed=0,
                time_limit=TIME_LIMIT, instance=None) -> Verdict:
    """Check ``lhs rel rhs``; return the :class:`Verdict` or raise :class:`StepError`.

    This is the check behind :meth:`Derivation.step <derivlib.checker.chain.Derivation.step>`
    and :func:`~derivlib.checker.exercises.check_answer`, from the same arguments as a chain
    (public as ``derivlib.derivation.check_equal``).
    """
    if rel not in RELATIONS:
        raise ValueError(f"rel must be one of {list(RELATIONS)}, got {rel!r}")
    if check not in CHECKS or check == "cite":
        raise ValueError(f"check must be 'auto', 'symbolic' or 'numeric', got {check!r}")
    lhs, rhs = as_expression(lhs, "lhs"), as_expression(rhs, "rhs")
    declared, distributions = parse_declared(random, constants)
    premises = parse_premises(define, assume, facts)
    ctx = Context(premises, declared, validate_domains(domains), validate_rtol(rtol), int(seed),
                  validate_time_limit(time_limit), instance)
    verify_premises(premises.items, Premises(), declared, distributions, ctx)
    return _check_with_limits(lhs, rhs, rel, ctx, check=check)


def _check(lhs, rhs, rel, ctx: Context, check_mode: str) -> Verdict:
    subs = ctx.premises.substitutions
    lhs_c = canonical(lhs, subs, ctx.declared)
    rhs_c = canonical(rhs, subs, ctx.declared)
    try:
        mismatch = _shape_mismatch(_hold(lhs_c)[0] if isinstance(lhs_c, sp.Basic) else lhs_c,
                                   _hold(rhs_c)[0] if isinstance(rhs_c, sp.Basic) else rhs_c)
    except _Unevaluable as err:
        raise NotCheckable(str(err)) from None
    if mismatch:
        raise StepError(mismatch)
    matrix_rel = getattr(lhs_c, "shape", None) is not None and rel != "="
    why_not = ""
    if check_mode in ("auto", "symbolic"):
        if matrix_derivatives(lhs_c) or matrix_derivatives(rhs_c):
            why_not = " (derivatives by matrices are never taken from SymPy)"
        elif unproved_derivatives(lhs_c) or unproved_derivatives(rhs_c):
            why_not = " (SymPy left a derivative unevaluated)"
        elif matrix_rel:
            why_not = " (matrix inequalities are checked numerically, in the PSD order)"
        else:
            proved, weakest = False, None
            try:
                with time_limit(SYMBOLIC_TIME):
                    attempts = [(ctx.premises.without_checked_claims(), None)]
                    proven = ctx.premises.without_checked_claims(keep=("symbolic", "instance"))
                    if len(proven.items) > len(attempts[0][0].items):
                        # a claim only sampled cannot carry a proof: the step is then sampled
                        attempts.append((proven, _weakest_claim(proven)))
                    for prem, mark in attempts:
                        lc = canonical(lhs, prem.substitutions, ctx.declared)
                        rc = canonical(rhs, prem.substitutions, ctx.declared)
                        pr = prem.predicates
                        proved = is_zero(lc - rc, pr) if rel == "=" else has_sign(lc - rc, rel, pr)
                        if proved:
                            weakest = mark
                            break
            except _TimeUp:
                why_not = f" (SymPy did not finish within {SYMBOLIC_TIME:g} s)"
            except Exception as err:  # noqa: BLE001 - any SymPy failure means: no proof, sample
                why_not = f" (SymPy could not simplify: {type(err).__name__})"
            if proved:
                _confirm(lhs, rhs, rel, ctx)
                size = ctx.instance or _explicit_sizes(lhs, rhs)
                if size:
                    verdict = Verdict("instance", f"SymPy proves it for {size}")
                else:
                    verdict = Verdict("symbolic", "SymPy simplifies the difference to 0"
                                      if rel == "=" else "SymPy proves the sign of the difference")
                if weakest is not None and _RANK[weakest] < _RANK[verdict.method]:
                    return Verdict(weakest, verdict.detail + f", given facts marked {weakest}")
                return verdict
        if check_mode == "symbolic":
            raise StepError(f"SymPy could not show this step symbolically{why_not}")
    n_points = N_POINTS_EQ if rel == "=" else N_POINTS_INEQ
    min_finite = max(3, n_points // 2)
    detail = numeric(lhs, rhs, rel, ctx, n_points=n_points, min_finite=min_finite)
    return Verdict("numeric", detail)


def _confirm(lhs, rhs, rel, ctx: Context) -> None:
    """Evaluate a symbolically proved step at a few points: SymPy can be wrong."""
    try:
        numeric(lhs, rhs, rel, ctx, n_points=N_CONFIRM, min_finite=0, search=False)
    except NotCheckable:
        return
    except StepError as err:
        raise StepError(f"SymPy simplified the difference to zero, but {err}") from None


# --------------------------------------------------------------------------- claims
def _with_dummies(stmt):
    wilds = sorted(stmt.atoms(sp.Wild), key=sp.default_sort_key)
    return stmt.xreplace({w: sp.Dummy(w.name, real=True) for w in wilds}), wilds


def _stats_check(stmt, distributions: dict) -> str | None:
    """Check a moment statement with sympy.stats; None if it cannot be done."""
    import sympy.stats as st
    from sympy.stats.rv import pspace

    stmt_syms = stmt.free_symbols | {i.base for i in stmt.atoms(Indexed)}
    if not any(r in stmt_syms or getattr(r, "label", None) in stmt_syms for r in distributions):
        return None
    wilds = sorted(stmt.atoms(sp.Wild), key=sp.default_sort_key)
    index_syms = sorted({s for i in stmt.atoms(Indexed) for idx in i.indices
                         for s in sp.sympify(idx).free_symbols if not isinstance(s, sp.Wild)},
                        key=sp.default_sort_key)
    free_idx = wilds + index_syms
    if len(free_idx) > 3:
        return None
    import itertools

    assignments = list(itertools.product([1, 2, 3], repeat=len(free_idx))) or [()]
    for assign in assignments:
        s = stmt.xreplace(dict(zip(free_idx, map(sp.Integer, assign), strict=True)))
        copies = {}
        for i in sorted(s.atoms(Indexed), key=sp.default_sort_key):
            if i.base in distributions:
                rv = distributions[i.base]
                ps = pspace(rv)
                copies[i] = type(ps)(sp.Symbol(f"{i.base}_{'_'.join(map(str, i.indices))}"),
                                     ps.distribution).value
        for r, rv in distributions.items():
            if isinstance(r, sp.Symbol):
                copies[r] = rv
        if any(isinstance(i, Indexed) and i not in copies for i in s.atoms(Indexed)):
            return None

        def ex(e, copies=copies):
            return st.E(e.args[0].xreplace(copies))

        side = [x.replace(lambda e: isinstance(e, E), ex).xreplace(copies) for x in (s.lhs, s.rhs)]
        if any(x.has(E) for x in side):
            return None
        diff = sp.simplify(side[0] - side[1])
        if diff != 0:
            return f"false for {dict(zip(map(str, free_idx), assign, strict=True))}: the " \
                   f"difference of the two sides is {diff}"
    return ""


def verify_premises(items: list[Premise], context: Premises, declared: Declared,
                    distributions: dict, ctx: Context) -> None:
    """Check the claims among ``items`` (and moment hypotheses, when a distribution says)."""
    known = Premises(list(context.items))
    for p in items:
        if p.kind == "definition":
            known.items.append(p)
            continue
        stmt = p.statement
        has_e = isinstance(stmt, sp.Basic) and stmt.has(E)
        if p.kind == "hypothesis":
            if has_e and distributions:
                res = _stats_check(stmt, distributions)
                if res:
                    raise StepError(f"the hypothesis {stmt} contradicts the stated distribution: "
                                    f"{res}")
                if res == "":
                    p.status, p.detail = "symbolic", "checked with sympy.stats"
            known.items.append(p)
            continue
        # a claim
        try:
            if p.by is not None:
                p.status, p.detail = _proved_by(stmt, p.by, known.substitutions, known.items)
            elif isinstance(stmt, AppliedPredicate):
                p.status, p.detail = _check_predicate(stmt, known, declared, ctx)
            elif has_e:
                res = _stats_check(stmt, distributions) if distributions else None
                if res:
                    raise StepError(f"false: {res}")
                if res is None:
                    raise NotCheckable("a moment statement needs a distribution in random= to be "
                                       "checked")
                p.status, p.detail = "symbolic", "checked with sympy.stats"
            else:
                s, _ = _with_dummies(stmt)
                if s == sp.true:
                    p.status, p.detail = "symbolic", "true by SymPy's evaluation"
                    known.items.append(p)
                    continue
                if s == sp.false:
                    raise StepError("SymPy evaluates it to False")
                sub = Context(known, declared, ctx.domains, ctx.rtol, ctx.seed + 7919,
                              ctx.time_limit, ctx.instance)
                v = check(s.lhs, s.rhs, "=", sub)
                p.status, p.detail = v.method, v.detail
        except NotCheckable as err:
            if not p.cite:
                raise NotCheckable(f"the fact {stmt} cannot be checked ({err}); give the "
                                   "distribution in random=, or cite it: "
                                   "claim(statement, cite='key')") from None
            p.status, p.detail = "cited", f"cited: {p.cite}"
        except StepError as err:
            raise StepError(f"the fact {stmt} is false: {err}") from None
        known.items.append(p)


_RANK = {"cited": 0, "numeric": 1, "instance": 2, "symbolic": 3}


def _weakest_claim(premises: Premises) -> str:
    marks = [p.status for p in premises.checked_claims()] or ["symbolic"]
    return min(marks, key=lambda m: _RANK.get(m, 0))


def _proved_by(stmt, chain, subs=(), known_items=()) -> tuple[str, str]:
    """A claim proved by an earlier chain: its ends must be the claim's two sides (up to the
    definitions in force)."""
    steps = getattr(chain, "steps", None)
    if steps is None or not hasattr(chain, "start"):
        raise TypeError(f"claim(..., by=) takes a Derivation, got {type(chain).__name__}")
    if not steps:
        raise StepError(f"the chain {chain.title!r} has no steps, so it proves nothing")
    if isinstance(stmt, AppliedPredicate):
        raise TypeError("claim(..., by=) takes an equation proved by the chain")
    if any(s.rel != "=" for s in steps):
        raise StepError(f"the chain {chain.title!r} has inequalities: it proves no equation")
    ends = [apply_subs(e, subs) for e in (chain.start, chain.result)]
    lhs, rhs = apply_subs(stmt.lhs, subs), apply_subs(stmt.rhs, subs)
    if not any(_same(ends[0], a) and _same(ends[1], b) for a, b in ((lhs, rhs), (rhs, lhs))):
        raise StepError(f"the chain {chain.title!r} goes from {short(chain.start)} to "
                        f"{short(chain.result)}; it does not prove {short(stmt)}")
    in_force = {sp.srepr(p.statement) for p in known_items}
    missing = [p.statement for _, p in chain.all_premises()
               if p.kind != "definition" and sp.srepr(p.statement) not in in_force]
    missing += [p.statement for _, p in chain.all_premises()
                if p.kind == "definition" and sp.srepr(p.statement) not in in_force
                and (stmt.has(p.statement.lhs) or chain.start.has(p.statement.lhs))]
    if missing:
        raise StepError(f"the chain {chain.title!r} rests on premises that are not in force "
                        f"here: {', '.join(short(m, 120) for m in missing[:3])}")
    weakest = min((s.method for s in steps), key=_RANK.__getitem__)
    return weakest, f"proved by the chain '{chain.title or '(untitled)'}'"


def _same(a, b) -> bool:
    try:
        d = a - b
        return d == 0 or sp.simplify(d) == 0 or getattr(sp.simplify(d), "is_zero_matrix", False)
    except (TypeError, sp.ShapeError):
        return False


def _check_predicate(pred, known: Premises, declared: Declared, ctx: Context):
    """A predicate claim on an expression, checked on sampled values."""
    arg = pred.arguments[0]
    name = str(pred.function).removeprefix("Q.")
    # SymPy's assumption system is not trusted here: ask(Q.symmetric(A*B)) is True for
    # symmetric A and B in SymPy 1.14. Predicate claims are checked on sampled matrices.
    tests = {
        "symmetric": lambda m: (m, m.T, "="),
        "positive_definite": lambda m: (m, sp.zeros(*m.shape), ">"),
        "positive_semidefinite": lambda m: (m, sp.zeros(*m.shape), ">="),
        "positive": lambda x: (x, sp.Integer(0), ">"),
        "nonnegative": lambda x: (x, sp.Integer(0), ">="),
        "negative": lambda x: (x, sp.Integer(0), "<"),
        "nonpositive": lambda x: (x, sp.Integer(0), "<="),
    }
    if name not in tests:
        raise NotCheckable(f"Q.{name} claims are not checked numerically")
    run = _Numeric(arg, arg, "=", Context(known, declared, ctx.domains, ctx.rtol, ctx.seed,
                                          ctx.time_limit, ctx.instance))
    for k in range(N_POINTS_EQ):
        ints = {s: sp.Integer(run.sampler.integer(k, s, s in run.dims, s in run.limits))
                for s in run.int_syms}
        a = prepare(arg, run.subs, declared, ints)
        values = _draw(_atoms(a), k, run.sampler, ints)
        try:
            val, _, floor = evaluate(a, values)
        except (_NonFinite, ZeroDivisionError):
            continue
        if isinstance(arg, MatrixExpr) and not isinstance(val, sp.MatrixBase):
            val = sp.ImmutableMatrix([[val]])
        x, y, rel = tests[name](val)
        if name == "positive_definite" or name == "positive_semidefinite":
            sym_why = _compare_point(val, val.T, "=", ctx.rtol or EXACT_RTOL, 0.0)
            if sym_why:
                raise StepError(f"{arg} is not symmetric at {_describe(ints, values)}")
        why = _compare_point(x, y, rel, ctx.rtol or EXACT_RTOL, 0.0)
        if why:
            raise StepError(f"at {_describe(ints, values)}: {why}")
    return "numeric", f"{N_POINTS_EQ} sample points"
