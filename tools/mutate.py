r"""Mutation testing of the derivation checker: does it reject derivation steps that are wrong?

For every chapter notebook, the tool executes the code cells (in a subprocess of its own, so
that chapters share no state and a crash is contained), records every
``derivlib.derivation.Derivation`` they build, and for each step that is not cited makes small
wrong versions of the step's expression, the *mutants*: a coefficient changed, a sign
flipped, a term or a factor dropped, an exponent or an index shifted, two symbols swapped, a
transpose added or removed, ``exp`` and ``log`` exchanged. Discarded before the checker sees
them, and counted apart:

* *equivalent* mutants, mathematically the same as the original (two symbols of a symmetric
  expression swapped, a transpose of a symmetric matrix). The test is the tool's own, not the
  checker's: random points (random matrices satisfying the ``Q`` predicates, ``E[.]`` read as
  a linear functional, a function without a formula as one random function), else
  ``sympy.simplify`` of the difference; then again with the step's equations substituted
  (``Eq`` premises, ``sympy.Wild`` patterns included, after expanding ``E`` by linearity).
  A mutant it cannot decide is kept and marked ``"equivalence": "undecided"``;
* *shape* mutants, of another shape than the original matrix (trivially rejected);
* *still valid* mutants of an inequality step (``rel`` is not ``=``), for which the
  inequality still held at 40 random points: a weaker bound is not an error.

Each remaining mutant replaces the step's expression, with the step's own premises and
relation, and the checker is asked whether ``previous -> mutant`` holds:

* it raises ``StepError``: the mutant is **killed** (``NotCheckable`` counts as killed, and
  is also counted apart as ``killed_not_checkable``);
* it accepts the mutant: a **survivor** (the checker was fooled, or the tool's equivalence
  test missed an equivalence: survivors are listed, with both expressions, for a human);
* no verdict within ``--timeout`` seconds: **undecided**; anything else the checker raises
  is an **error** (listed).

The score of a chapter is ``killed / (killed + survived)``.

Usage (from the repository root)::

    python -m tools.mutate                        # every chapter, in the order of _toc.yml
    python -m tools.mutate --chapters chapters/foundations/sample_variance.ipynb
    python -m tools.mutate --sample 20            # 20 mutants per chapter: quick, for CI

The results go to ``--out`` (default ``mutation/results.json``) with sorted keys and no
timestamps, so that the same checker gives the same file; a table goes to stdout.

The checker is asked through ``Derivation.recheck(k, expr)`` when it exists: re-check step
``k`` (0-based) with ``expr`` in place of its expression, with the step's own premises and
relation, without changing the chain; return if it holds, raise ``StepError`` if not.
Without it, the tool rebuilds the derivation up to step ``k`` from the recorded constructor
and step arguments and calls ``step`` again.

Determinism: the operators walk SymPy's argument order and sort every set with
``default_sort_key``; random choices come from ``random.Random`` seeded from ``--seed``, the
notebook, the derivation and the step (never from ``hash``); the children run with
``PYTHONHASHSEED=0`` so that the checker's own sampling is reproducible too.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.core.sorting import default_sort_key
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.tensor.indexed import Indexed, IndexedBase

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = "mutation/results.json"
DEFAULT_K = 6
DEFAULT_TIMEOUT = 20.0  # seconds per check of a mutant by the checker
DEFAULT_EQUIV_TIMEOUT = 10.0  # seconds per equivalence test
_RTOL = 1e-7
_N_EQUIV_POINTS = 4
_N_VALIDITY_POINTS = 40


# =========================================================================== expression walking
# A "site" is a position in the expression tree: (path, node, role, parent). The role says what
# the position means, so that each operator touches only the positions it is meant for:
#   None       an ordinary sub-expression
#   "entry"    an entry of an explicit matrix
#   "exponent" inside the exponent of a power
#   "limit"    inside a bound of a Sum or Product
#   "index"    inside an index (x[n], KroneckerDelta(n, m))
#   "bound"    a bound variable, a derivative's variable, an IndexedBase: never mutated
_FREE = (None, "entry")


def _is_explicit(e) -> bool:
    return isinstance(e, sp.MatrixBase)


def _is_matrix(e) -> bool:
    return _is_explicit(e) or isinstance(e, MatrixExpr)


def _shape(e):
    return tuple(sp.sympify(d) for d in e.shape) if _is_matrix(e) else None


def _child_roles(node, role):
    """[(index, child, role)] of a node's children."""
    if _is_explicit(node):
        return [(i, e, "entry") for i, e in enumerate(node)]
    if not isinstance(node, sp.Basic) or node.is_Atom:
        return []
    if isinstance(node, sp.MatrixSymbol | IndexedBase | sp.Identity | sp.ZeroMatrix):
        return []
    inner = None if role == "entry" else role
    args = node.args
    if isinstance(node, sp.Sum | sp.Product | sp.Integral):
        return [(0, args[0], inner)] + [(i, a, "limits") for i, a in enumerate(args[1:], 1)]
    if role == "limits":  # the Tuple (variable, low, high) of a Sum
        return [(0, args[0], "bound")] + [(i, a, "limit") for i, a in enumerate(args[1:], 1)]
    if isinstance(node, sp.Derivative | sp.Lambda | sp.Subs):
        return [(0, args[0], inner)] + [(i, a, "bound") for i, a in enumerate(args[1:], 1)]
    if isinstance(node, sp.Pow | sp.MatPow) and len(args) == 2:
        return [(0, args[0], inner), (1, args[1], "exponent")]
    if isinstance(node, Indexed):
        return [(0, args[0], "bound")] + [(i, a, "index") for i, a in enumerate(args[1:], 1)]
    if isinstance(node, sp.KroneckerDelta):
        return [(i, a, "index") for i, a in enumerate(args)]
    return [(i, a, inner) for i, a in enumerate(args)]


def _sites(expr):
    """Every position of ``expr``, in preorder: (path, node, role, parent)."""
    out = []

    def rec(node, path, role, parent):
        out.append((path, node, role, parent))
        if role == "bound":
            return
        for i, child, r in _child_roles(node, role):
            rec(child, path + (i,), r, node)

    rec(expr, (), None, None)
    return out


def _rebuild(node, args):
    if _is_explicit(node):
        return type(node)(node.rows, node.cols, list(args))
    return node.func(*args)


def _replace(expr, path, new):
    """``expr`` with the sub-expression at ``path`` replaced by ``new`` (re-evaluated)."""
    if not path:
        return new
    args = list(expr) if _is_explicit(expr) else list(expr.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return _rebuild(expr, args)


def _key(e) -> str:
    if _is_explicit(e):
        e = sp.ImmutableMatrix(e)
    return sp.srepr(e)


def _is_expectation(e) -> bool:
    return (isinstance(e, sp.Function) and getattr(e.func, "__name__", "") == "E"
            and len(e.args) == 1)


def _bad(e) -> bool:
    """A mutant that is not a usable expression (division by zero, nan)."""
    try:
        return bool(e.has(sp.zoo, sp.nan, sp.oo, -sp.oo)) if not _is_explicit(e) else any(
            _bad(x) for x in e)
    except Exception:  # a mutant that cannot even be inspected is unusable
        return True


def _build(make, out):
    """Append ``make()`` to ``out``; a mutant that raises while being built is skipped."""
    try:
        m = make()
    except Exception:  # SymPy raises many types for an ill-formed expression
        return
    if m is not None and not _bad(m):
        out.append(m)


# =========================================================================== mutation operators
# Each operator: op(expr, rng) -> list of mutants, deterministic given the state of rng.
def _bump_number(x):
    if x.is_Integer:
        return x + 1 if x > 0 else x - 1  # 2 -> 3, -1 -> -2
    if x.is_Rational:
        return sp.Rational(x.p, x.q + 1)  # 1/2 -> 1/3
    return x * sp.Rational(11, 10)  # a float


def op_coefficient(expr, rng):
    """A numeric coefficient changed: 2 -> 3, 1/2 -> 1/3; an implicit coefficient 1 -> 2;
    a chain that ends in 0 ends in 1 or -1 instead (a matrix of zeros: of ones)."""
    out = []
    if isinstance(expr, sp.ZeroMatrix):
        return [sp.OneMatrix(*expr.shape), -sp.OneMatrix(*expr.shape)]
    if expr == 0 and not _is_matrix(expr):
        return [sp.Integer(1), sp.Integer(-1)]
    for path, node, role, parent in _sites(expr):
        if role not in _FREE:
            continue
        if isinstance(node, sp.Number) and node != 0:
            _build(lambda p=path, n=node: _replace(expr, p, _bump_number(n)), out)
        elif isinstance(parent, sp.Add | sp.MatAdd) and not (
                isinstance(node, sp.Number) or _coeff(node) != 1):
            _build(lambda p=path, n=node: _replace(expr, p, 2 * n), out)
    return out


def _coeff(node):
    if isinstance(node, sp.MatMul | sp.Mul) and node.args and isinstance(node.args[0],
                                                                          sp.Number):
        return node.args[0]
    return 1


def op_sign(expr, rng):
    """A sign flipped: one term of a sum negated (or the whole expression, if not a sum)."""
    out = []
    for path, node, role, parent in _sites(expr):
        if role not in _FREE:
            continue
        if isinstance(parent, sp.Add | sp.MatAdd) or (role == "entry" and node != 0):
            _build(lambda p=path, n=node: _replace(expr, p, -n), out)
    if not isinstance(expr, sp.Add | sp.MatAdd) and not _is_explicit(expr):
        _build(lambda: -expr, out)
    return out


def op_drop_term(expr, rng):
    """A term dropped from a sum."""
    out = []
    for path, node, role, _ in _sites(expr):
        if role in _FREE and isinstance(node, sp.Add | sp.MatAdd) and len(node.args) >= 2:
            for i in range(len(node.args)):
                rest = node.args[:i] + node.args[i + 1:]
                _build(lambda p=path, n=node, r=rest: _replace(
                    expr, p, r[0] if len(r) == 1 else n.func(*r)), out)
    return out


def op_exponent(expr, rng):
    """An exponent shifted away from zero: x**2 -> x**3, x**-1 -> x**-2, sqrt(x) -> x**(3/2)."""
    out = []
    for path, node, role, _ in _sites(expr):
        if role not in _FREE or not isinstance(node, sp.Pow | sp.MatPow) or len(node.args) != 2:
            continue
        base, e = node.args
        new_e = e - 1 if (e.is_number and e.is_negative) else e + 1
        if isinstance(node, sp.MatPow):
            _build(lambda p=path, b=base, x=new_e: _replace(expr, p, sp.MatPow(b, x)), out)
        else:
            _build(lambda p=path, b=base, x=new_e: _replace(expr, p, sp.Pow(b, x)), out)
    return out


def op_index(expr, rng):
    """An index or integer shifted: sum 1..N -> 1..N-1 or 0..N, x[n] -> x[n+1], N-1 -> N,
    an integer symbol n -> n+1."""
    out = []
    for path, node, role, parent in _sites(expr):
        if role == "bound":
            continue
        if isinstance(node, sp.Sum | sp.Product):
            for i, lim in enumerate(node.args[1:], 1):
                if len(lim) != 3:
                    continue
                _build(lambda p=path + (i, 2), h=lim[2]: _replace(expr, p, h - 1), out)
                _build(lambda p=path + (i, 1), lo=lim[1]: _replace(expr, p, lo - 1), out)
        elif isinstance(node, Indexed):
            for i, idx in enumerate(node.indices, 1):
                _build(lambda p=path + (i,), x=idx: _replace(expr, p, x + 1), out)
        elif isinstance(node, sp.KroneckerDelta):
            _build(lambda p=path + (1,), x=node.args[1]: _replace(expr, p, x + 1), out)
        elif isinstance(node, sp.Add) and node.is_integer:
            const, rest = node.as_coeff_Add()
            if const != 0 and rest != 0:
                _build(lambda p=path, r=rest: _replace(expr, p, r), out)  # N - 1 -> N
        elif (isinstance(node, sp.Symbol) and node.is_integer and role in _FREE
              and not isinstance(parent, sp.Add)):
            _build(lambda p=path, s=node: _replace(expr, p, s + 1), out)  # N -> N + 1
    return out


def _dimension_symbols(expr):
    dims = set()
    for m in expr.atoms(sp.MatrixSymbol):
        for d in m.shape:
            dims |= sp.sympify(d).free_symbols
    return dims


def op_swap(expr, rng):
    """Two symbols swapped (scalars; matrix symbols of the same shape; indexed bases)."""
    atoms = expr.atoms(sp.Symbol, sp.MatrixSymbol, IndexedBase)
    labels = {a.label for a in atoms if isinstance(a, IndexedBase)}
    dims = _dimension_symbols(expr)
    groups: dict = {}
    for a in sorted(atoms, key=default_sort_key):
        if isinstance(a, sp.Wild) or a in labels or a in dims:
            continue
        if isinstance(a, sp.MatrixSymbol):
            kind = ("matrix", _key(sp.Tuple(*a.shape)))
        elif isinstance(a, IndexedBase):
            kind = ("indexed",)
        else:
            kind = ("scalar", bool(a.is_integer))
        groups.setdefault(kind, []).append(a)
    pairs = []
    for kind in sorted(groups, key=str):
        g = groups[kind]
        pairs += [(g[i], g[j]) for i in range(len(g)) for j in range(i + 1, len(g))]
    if len(pairs) > 12:
        pairs = sorted(rng.sample(pairs, 12), key=lambda p: default_sort_key(sp.Tuple(*p)))
    out = []
    for a, b in pairs:
        _build(lambda a=a, b=b: expr.xreplace({a: b, b: a}), out)
    return out


def op_transpose(expr, rng):
    """A transpose removed, or added to a matrix factor, where the shapes still match."""
    out = []
    shape = _shape(expr)
    for path, node, role, parent in _sites(expr):
        if role not in _FREE or not isinstance(node, MatrixExpr) or _is_explicit(node):
            continue
        if isinstance(node, sp.Transpose):
            new = node.arg
        elif isinstance(parent, sp.Transpose) or isinstance(node, sp.Identity | sp.ZeroMatrix):
            continue
        elif isinstance(node, sp.MatrixSymbol) or isinstance(parent, sp.MatMul):
            new = sp.Transpose(node)
        else:
            continue
        cand = []
        _build(lambda p=path, n=new: _replace(expr, p, n), cand)
        out += [m for m in cand if _shape(m) == shape]
    return out


_FUNCTION_SWAPS = {sp.exp: sp.log, sp.log: sp.exp, sp.sin: sp.cos, sp.cos: sp.sin}


def op_function(expr, rng):
    """A function replaced: exp <-> log (log only of something that may be positive),
    sin <-> cos."""
    out = []
    for path, node, role, _ in _sites(expr):
        if role not in _FREE or not isinstance(node, sp.Function) or len(node.args) != 1:
            continue
        new_f = _FUNCTION_SWAPS.get(node.func)
        if new_f is None:
            continue
        if new_f is sp.log and node.args[0].is_nonpositive:
            continue
        _build(lambda p=path, f=new_f, a=node.args[0]: _replace(expr, p, f(a)), out)
    return out


def op_drop_factor(expr, rng):
    """A factor dropped from a product (numeric coefficients are op_coefficient's)."""
    out = []
    for path, node, role, _ in _sites(expr):
        if role not in _FREE or not isinstance(node, sp.Mul | sp.MatMul):
            continue
        for i, f in enumerate(node.args):
            if isinstance(f, sp.Number):
                continue
            rest = node.args[:i] + node.args[i + 1:]
            if not rest:
                continue
            _build(lambda p=path, n=node, r=rest: _replace(
                expr, p, r[0] if len(r) == 1 else n.func(*r)), out)
    return out


OPERATORS = {
    "coefficient": op_coefficient,
    "sign": op_sign,
    "drop_term": op_drop_term,
    "exponent": op_exponent,
    "index": op_index,
    "swap": op_swap,
    "transpose": op_transpose,
    "function": op_function,
    "drop_factor": op_drop_factor,
}


def _same_dim(a, b) -> bool:
    a, b = sp.sympify(a), sp.sympify(b)
    return a == b or sp.expand(a - b) == 0


def _shaped_ok(expr) -> bool:
    try:
        return well_shaped(expr)
    except Exception:  # a shape SymPy cannot even compute
        return False


def well_shaped(expr) -> bool:
    """True unless a product, sum, inverse, trace or determinant in ``expr`` has operands of
    mismatched shapes. SymPy checks this only for integer sizes: ``X.T * v`` with ``X`` of
    shape (n, d) and ``v`` of shape (d, 1) is built without complaint."""
    if _is_explicit(expr):
        return True
    for node in sp.preorder_traversal(expr):
        if _is_explicit(node):
            continue
        if isinstance(node, sp.MatMul):
            mats = [a for a in node.args if _is_matrix(a)]
            if any(not _same_dim(mats[i].shape[1], mats[i + 1].shape[0])
                   for i in range(len(mats) - 1)):
                return False
        elif isinstance(node, sp.MatAdd | sp.HadamardProduct):
            shapes = [a.shape for a in node.args if _is_matrix(a)]
            if any(not (_same_dim(sh[0], shapes[0][0]) and _same_dim(sh[1], shapes[0][1]))
                   for sh in shapes):
                return False
        elif isinstance(node, sp.Inverse | sp.Trace | sp.Determinant | sp.MatPow):
            arg = node.args[0]
            if _is_matrix(arg) and not _same_dim(arg.shape[0], arg.shape[1]):
                return False
    return True


def generate_mutants(expr, rng, k=DEFAULT_K):
    """At most ``k`` distinct mutants of ``expr``: [(operator name, mutant)].

    Every operator contributes its mutants (duplicates, copies of ``expr`` and, if ``expr``
    itself is well shaped, ill-shaped mutants removed), each
    operator's list is shuffled by ``rng``, and the operators take turns, in a fixed order,
    until ``k`` are chosen: a step gets mutants of as many kinds as possible.
    """
    seen = {_key(expr)}
    lists = []
    check_shapes = _shaped_ok(expr)
    for name, op in OPERATORS.items():
        try:
            muts = op(expr, rng)
        except Exception:  # an operator that fails on an odd expression
            muts = []
        mine = []
        for m in muts:
            key = _key(m)
            if check_shapes and not _shaped_ok(m):
                continue  # ill-formed: SymPy did not refuse to build it, we do
            if key not in seen:
                seen.add(key)
                mine.append(m)
        rng.shuffle(mine)
        lists.append((name, mine))
    chosen = []
    depth = 0
    while len(chosen) < k and any(len(m) > depth for _, m in lists):
        for name, mine in lists:
            if depth < len(mine) and len(chosen) < k:
                chosen.append((name, mine[depth]))
        depth += 1
    return chosen


# =========================================================================== time limits
class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


@contextlib.contextmanager
def _time_limit(seconds):
    usable = (seconds and hasattr(signal, "SIGALRM")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# =========================================================================== equivalence
class _Unevaluable(Exception):
    pass


class Context:
    """What the equivalence test knows of a step: its facts, predicates and sampling domains."""

    def __init__(self, facts=(), domains=None, random=None):
        self.subs, self.preds = _split_facts(facts)
        self.domains = dict(domains or {})
        self.random = tuple(random or ())

    def matrix_predicates(self, sym) -> set:
        """The Q predicates on a matrix symbol (matched by name: sizes get substituted)."""
        names = set()
        for p in self.preds:
            args = getattr(p, "arguments", None) or p.args[1:]
            if any(isinstance(a, sp.MatrixSymbol) and a.name == sym.name for a in args):
                names.add(str(getattr(p, "function", "")))
        return names


def _split_facts(facts):
    subs, preds = [], []
    for group in facts:
        if group is None:
            continue
        if isinstance(group, dict):
            group = list(group.items())
        elif isinstance(group, sp.Basic):
            group = [group]
        for f in group:
            if isinstance(f, sp.Equality):
                subs.append((f.lhs, f.rhs))
            elif isinstance(f, tuple) and len(f) == 2:
                subs.append((sp.sympify(f[0]), sp.sympify(f[1])))
            elif isinstance(f, sp.Basic):
                preds.append(f)
    return subs, preds


def _is_random(expr, random) -> bool:
    if not random:  # by default the indexed quantities are the random variables
        return bool(expr.atoms(Indexed))
    for r in random:
        if isinstance(r, IndexedBase):
            if any(i.base == r for i in expr.atoms(Indexed)):
                return True
        elif expr.has(r):
            return True
    return False


def _linear(e, arg, random):
    """E[arg] expanded by linearity (sums, sums over an index, constant factors)."""
    arg = sp.expand(arg) if not arg.has(sp.Sum) else arg
    if isinstance(arg, sp.Add):
        return sp.Add(*(_linear(e, t, random) for t in arg.args))
    if isinstance(arg, sp.Sum):
        return sp.Sum(_linear(e, arg.function, random), *arg.limits)
    if isinstance(arg, sp.Mul):
        const = [f for f in arg.args if not _is_random(f, random)]
        if const:
            rand = [f for f in arg.args if _is_random(f, random)]
            return sp.Mul(*const) * _linear(e, sp.Mul(*rand), random)
    if not _is_random(arg, random):
        return arg
    return e.func(arg)


def _expand_expectations(expr, random):
    if _is_explicit(expr) or not expr.has(sp.Function):
        return expr
    return expr.replace(_is_expectation, lambda e: _linear(e, e.args[0], random))


def _apply_facts(expr, subs, random=()):
    expr = _expand_expectations(expr, random)
    for _ in range(3):
        new = expr
        for lhs, rhs in subs:
            try:
                new = new.replace(lhs, rhs) if lhs.has(sp.Wild) else new.subs(lhs, rhs)
            except Exception:  # a fact that does not apply to this expression
                continue
        if _key(new) == _key(expr):
            break
        expr = new
    return expr


def _range(sym, domains, integer):
    if sym in domains:
        lo, hi = domains[sym]
        if integer:
            return int(lo), int(min(hi, lo + 8))
        return float(lo), float(hi)
    if integer:
        if sym.is_positive:
            return 1, 5
        if sym.is_nonnegative:
            return 0, 5
        return -4, 4
    if sym.is_positive:
        return 0.1, 3.0
    if sym.is_nonnegative:
        return 0.0, 3.0
    if sym.is_negative:
        return -3.0, -0.1
    return -3.0, 3.0


def _random_matrix(shape, names, rng):
    """A random matrix satisfying the Q predicates ``names`` (e.g. 'Q.symmetric')."""
    m = rng.uniform(-2.0, 2.0, size=shape)
    if shape[0] == shape[1]:
        k = shape[0]
        if "Q.diagonal" in names:
            m = np.diag(np.diag(m))
        if "Q.lower_triangular" in names:
            m = np.tril(m)
        if "Q.upper_triangular" in names:
            m = np.triu(m)
        if "Q.orthogonal" in names:
            m = np.linalg.qr(m)[0]
        if names & {"Q.symmetric", "Q.positive_definite", "Q.positive_semidefinite"}:
            m = (m + m.T) / 2
        if names & {"Q.positive_definite", "Q.positive_semidefinite"}:
            m = m @ m.T + k * np.eye(k) if "Q.diagonal" not in names else np.abs(m) + np.eye(k)
        elif "Q.invertible" in names and "Q.orthogonal" not in names:
            m = m + 3 * k * np.eye(k)  # diagonally dominant
    return sp.ImmutableMatrix(m)


def _matrix_derivative(node):
    """d f / d W entrywise, for a scalar (or 1x1) f and a matrix symbol W of integer size."""
    (var, count), = node.variable_count
    rows, cols = (int(d) for d in var.shape)
    entries = [sp.Symbol(f"_mutate_{var.name}_{i}_{j}") for i in range(rows)
               for j in range(cols)]
    explicit = sp.ImmutableMatrix(rows, cols, entries)
    f = node.expr.xreplace({var: explicit}).doit()
    if _is_matrix(f):
        if tuple(f.shape) != (1, 1):
            raise _Unevaluable("derivative of a matrix with respect to a matrix")
        f = sp.ImmutableMatrix(f)[0, 0]
    grad = [f]
    for _ in range(int(count)):
        grad = [sp.diff(g, s) for g in grad for s in entries]
    if int(count) != 1:
        raise _Unevaluable("higher derivative with respect to a matrix")
    back = {s: var[i, j] for s, (i, j) in zip(entries, ((i, j) for i in range(rows)
                                                         for j in range(cols)), strict=True)}
    return sp.ImmutableMatrix(rows, cols, [g.xreplace(back) for g in grad])


def _explicit_matrix_derivatives(e):
    if _is_explicit(e) or not e.has(sp.Derivative):
        return e

    def is_matrix_derivative(x):
        return isinstance(x, sp.Derivative) and len(x.variable_count) == 1 and isinstance(
            x.variable_count[0][0], sp.MatrixSymbol)

    return e.replace(is_matrix_derivative, _matrix_derivative)


def _evaluate(exprs, ctx, rng):
    """The values of ``exprs`` at one random point (the same for all): numpy arrays."""
    ints = set()
    for e in exprs:
        ints |= {s for s in e.free_symbols if isinstance(s, sp.Symbol) and s.is_integer}
        ints |= _dimension_symbols(e)
        for s in e.atoms(sp.Sum, sp.Product):
            for lim in s.limits:
                for b in lim[1:]:
                    ints |= {x for x in sp.sympify(b).free_symbols if isinstance(x, sp.Symbol)}
    dims = set().union(*(_dimension_symbols(e) for e in exprs))
    values = {}
    for s in sorted(ints, key=default_sort_key):
        lo, hi = (2, 4) if s in dims and s not in ctx.domains else _range(s, ctx.domains, True)
        values[s] = sp.Integer(int(rng.integers(lo, hi + 1)))
    prepared = []
    for e in exprs:
        bound = set()
        for node in e.atoms(sp.Sum, sp.Product, sp.Integral):
            bound |= {lim[0] for lim in node.limits}
        e = e.xreplace({s: val for s, val in values.items() if s not in bound})
        # E[.] as the identity: a linear functional, so linearity-only rewritings agree
        e = e.replace(_is_expectation, lambda x: x.args[0])
        e = _explicit_matrix_derivatives(e)
        e = e.doit()
        prepared.append(e)
    point = {}
    atoms = set()
    for e in prepared:
        atoms |= e.atoms(sp.MatrixSymbol) | e.atoms(Indexed)
        atoms |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
    for a in sorted(atoms, key=default_sort_key):
        if isinstance(a, sp.MatrixSymbol):
            shape = tuple(int(d) for d in a.shape)
            point[a] = _random_matrix(shape, ctx.matrix_predicates(a), rng)
        else:
            lo, hi = _range(a, ctx.domains, bool(a.is_integer))
            if a.is_integer:
                point[a] = sp.Integer(int(rng.integers(lo, hi + 1)))
            else:
                point[a] = sp.Float(rng.uniform(lo, hi), 30)
    out = []
    for e in prepared:
        v = e.xreplace(point)
        v = v.doit() if isinstance(v, sp.Basic) else v
        if isinstance(v, MatrixExpr) and not _is_explicit(v):
            v = v.as_explicit()
        try:
            out.append(_to_array(v))
        except (TypeError, ValueError) as err:
            # functions the chapter declared without a formula (f(x), a density N(x|m, v)):
            # as for the symbols, one random instance of each, the same on both sides
            if not any(_is_declared_function(f) for f in _atoms_function(v)):
                raise _Unevaluable(str(err)) from err
            try:
                out.append(_to_array(v.replace(_is_declared_function, _random_function)))
            except (TypeError, ValueError) as err2:
                raise _Unevaluable(str(err2)) from err2
    return out


def _to_array(v):
    if _is_explicit(v):
        return np.array(v.evalf(30), dtype=complex)
    return np.array(complex(sp.N(v, 30)))


def _atoms_function(v):
    return v.atoms(sp.Function) if not _is_explicit(v) else set().union(
        *(x.atoms(sp.Function) for x in v))


def _is_declared_function(f) -> bool:
    """An application of a function with no formula: sympy.Function("f") or a subclass of
    sympy.Function defined outside SymPy (not a SymPy function such as exp)."""
    if not isinstance(f, sp.Function) or not f.args:
        return False
    from sympy.core.function import AppliedUndef

    return isinstance(f, AppliedUndef) or not type(f).__module__.startswith("sympy.")


def _random_function(f):
    """A fixed smooth positive function of the arguments, drawn from the function's name."""
    if not all(a.is_number for a in f.args):
        return f
    g = np.random.default_rng(zlib.crc32(type(f).__name__.encode()))
    w, u, phi = (g.uniform(0.2, 1.0, len(f.args)) for _ in range(3))
    total = sum(float(wi) * sp.sin(float(ui) * a + float(pi)) for wi, ui, pi, a in
                zip(w, u, phi, f.args, strict=True))
    return sp.exp(total)


def _numeric_compare(a, b, ctx, seed, rel="=", n_points=_N_EQUIV_POINTS):
    """'agree', 'differ' or None (cannot evaluate): ``a rel b`` at random points."""
    rng = np.random.default_rng(seed)
    finite = 0
    for _ in range(n_points):
        try:
            va, vb = _evaluate([a, b], ctx, rng)
        except _Timeout:
            raise
        except Exception:  # SymPy cannot evaluate it: undecided
            return None
        if va.shape != vb.shape:
            return "differ"
        if not (np.all(np.isfinite(va)) and np.all(np.isfinite(vb))):
            continue
        finite += 1
        scale = max(1.0, float(np.max(np.abs(va), initial=0)), float(np.max(np.abs(vb),
                                                                            initial=0)))
        tol = _RTOL * scale
        if rel == "=":
            if float(np.max(np.abs(va - vb), initial=0)) > tol:
                return "differ"
            continue
        if np.any(np.abs(va.imag) > tol) or np.any(np.abs(vb.imag) > tol):
            return None
        x, y = va.real, vb.real
        ok = {"<=": np.all(x <= y + tol), ">=": np.all(x >= y - tol),
              "<": np.all(x < y + tol), ">": np.all(x > y - tol)}[rel]
        if not ok:
            return "differ"
    return "agree" if finite else None


def _symbolic_zero(diff) -> bool:
    if _is_explicit(diff):
        return all(_symbolic_zero(x) for x in diff)
    if isinstance(diff, MatrixExpr):
        d = diff.doit()
        return isinstance(d, sp.ZeroMatrix) or d == 0 or (
            _is_explicit(d) and all(_symbolic_zero(x) for x in d))
    return diff == 0 or sp.expand(diff) == 0 or sp.simplify(diff) == 0


def equivalence(original, mutant, ctx=None, seed=0, timeout=DEFAULT_EQUIV_TIMEOUT) -> str:
    """'equivalent', 'different' or 'undecided': is ``mutant`` the same as ``original``?

    Random points first (explicit values for every symbol, random matrices respecting the
    ``Q`` predicates, ``E[.]`` read as a linear functional); where they cannot be evaluated,
    ``sympy.simplify`` of the difference (entrywise for explicit matrices). If the plain
    expressions differ, the step's facts (``assumptions`` and ``using``) are substituted in
    both and the test repeated: a mutant equal to the original under the facts is equivalent.
    """
    ctx = ctx or Context()
    if _key(original) == _key(mutant):
        return "equivalent"
    if _shape(original) != _shape(mutant):
        return "different"
    verdicts = []
    pairs = [(original, mutant)]
    if ctx.subs:
        pairs.append(None)  # the facts, substituted lazily
    for pair in pairs:
        try:
            with _time_limit(timeout):
                if pair is None:
                    pair = (_apply_facts(original, ctx.subs, ctx.random),
                            _apply_facts(mutant, ctx.subs, ctx.random))
                a, b = pair
                verdict = _numeric_compare(a, b, ctx, seed)
                if verdict is None:
                    verdict = "agree" if _symbolic_zero(b - a) else None
        except _Timeout:
            verdict = None
        except Exception:  # SymPy failed: undecided
            verdict = None
        if verdict == "agree":
            return "equivalent"
        verdicts.append(verdict)
    return "different" if "differ" in verdicts else "undecided"


# =========================================================================== the child: one chapter
def _neutralise_display():
    os.environ["MPLBACKEND"] = "Agg"
    try:
        import IPython.display as ipd

        def display(*args, **kwargs):
            return None

        ipd.display = display
        with contextlib.suppress(ImportError):
            import IPython.core.display_functions as idf
            idf.display = display
    except ImportError:
        pass
    warnings.filterwarnings("ignore", message=".*non-interactive.*")
    warnings.filterwarnings("ignore", message=".*FigureCanvasAgg.*")


def _cell_source(src: str) -> str | None:
    """The cell's Python code: IPython magics become ``pass`` (a cell magic skips the cell)."""
    if src.lstrip().startswith("%%"):
        return None
    lines = []
    for line in src.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines)


class Recorder:
    """Record every Derivation created, with its constructor and step arguments."""

    def __init__(self, dv):
        self.dv = dv
        self.derivations = []
        self.on = True
        cls = dv.Derivation
        init, step = cls.__init__, cls.step
        recorder = self

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            init(self, *args, **kwargs)
            self.__dict__["_mutate_init"] = (args, kwargs)
            self.__dict__["_mutate_steps"] = []
            if recorder.on:
                recorder.derivations.append(self)

        @functools.wraps(step)
        def step_(self, expr, why, *args, **kwargs):
            before = len(self.steps)
            out = step(self, expr, why, *args, **kwargs)
            if len(self.steps) == before + 1:
                self.__dict__.setdefault("_mutate_steps", []).append(
                    (self.steps[-1], why, args, kwargs))
            return out

        cls.__init__ = __init__
        cls.step = step_


def execute_notebook(path: Path):
    """Run the notebook's code cells; return (recorder, error message or None)."""
    import nbformat

    _neutralise_display()
    from derivlib import derivation as dv

    recorder = Recorder(dv)
    nb = nbformat.read(path, as_version=4)
    ns = {"__name__": "__main__", "display": lambda *a, **k: None}
    old_cwd = os.getcwd()
    os.chdir(path.parent)
    sys.path.insert(0, str(path.parent))
    error = None
    try:
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            src = _cell_source(cell.source)
            if src is None:
                continue
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(src, f"<{path.name} cell {i}>", "exec"), ns)
            except Exception as err:  # report it, mutate what was recorded
                error = f"cell {i}: {type(err).__name__}: {str(err).splitlines()[0][:300]}"
                break
            finally:
                if "matplotlib.pyplot" in sys.modules:
                    sys.modules["matplotlib.pyplot"].close("all")
    finally:
        os.chdir(old_cwd)
    recorder.on = False
    return recorder, error


def _rebuild_check(recorder, d, k, mutant):
    """Without ``recheck``: rebuild the chain up to step k and take the step with ``mutant``."""
    args, kwargs = d.__dict__["_mutate_init"]
    kwargs = {key: val for key, val in kwargs.items() if key != "start"}
    args = args or (d.start,)
    step_obj = d.steps[k]
    rec = next(r for r in d.__dict__["_mutate_steps"] if r[0] is step_obj)
    _, why, s_args, s_kwargs = rec
    new = type(d)(*args, **kwargs)
    try:
        new.steps = list(d.steps[:k])  # the previous expression, and the step's numeric seed
    except AttributeError:
        new = type(d)(d.steps[k - 1].expr if k else d.start, **kwargs)
    new.step(mutant, why, *s_args, **s_kwargs)
    return new.steps[-1]


def check_mutant(recorder, d, k, mutant, timeout=DEFAULT_TIMEOUT):
    """Ask the checker about step k with ``mutant``: (outcome, detail).

    outcome: "killed" (StepError), "survived" (accepted), "undecided" (timed out) or
    "error" (the checker raised something other than StepError).
    """
    dv = recorder.dv
    t0 = time.perf_counter()
    try:
        with _time_limit(timeout):
            if hasattr(d, "recheck"):
                res = d.recheck(k, mutant)
            else:
                res = _rebuild_check(recorder, d, k, mutant)
    except _Timeout:
        return "undecided", f"no verdict within {timeout:g} s"
    except dv.StepError as err:
        not_checkable = getattr(dv, "NotCheckable", None)
        message = str(err)
        if (isinstance(err, not_checkable) if not_checkable else
                "cannot be checked" in message or "could not be checked" in message):
            if timeout and time.perf_counter() - t0 >= 0.95 * timeout:
                # the checker's own time limit, cut short by ours: no verdict
                return "undecided", f"not checkable within {timeout:g} s"
            return "killed", "not checkable"
        return "killed", "rejected"
    except Exception as err:  # the checker crashed: reported separately
        first = str(err).splitlines()[0][:200] if str(err) else ""
        return "error", f"{type(err).__name__}: {first}"
    method = getattr(res, "method", None)
    if method is None and isinstance(res, tuple) and res and isinstance(res[0], str):
        method = res[0]
    return "survived", method if isinstance(method, str) else "accepted"


def _display_path(path: Path) -> str:
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def _stable_seed(*parts) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode())


def _step_facts(d, k):
    """The equations and predicates step k rests on, as lists of SymPy statements.

    Either checker interface: premises objects (``d.premises.items`` and the step's
    ``premises``, each with a ``statement``), or ``assumptions=`` of the chain and ``using=``
    of the step (read from the recorded arguments).
    """
    step_obj = d.steps[k]
    chain = getattr(d, "premises", None)
    if chain is not None and hasattr(chain, "items") and not callable(chain.items):
        own = getattr(step_obj, "premises", None) or ()
        return [[getattr(p, "statement", p) for p in list(chain.items) + list(own)]]
    using = None
    for rec in d.__dict__.get("_mutate_steps", []):
        if rec[0] is step_obj:
            using = rec[3].get("using")
    return [getattr(d, "assumptions", None), using]


def _random_symbols(d):
    declared = getattr(d, "declared", None)
    if declared is not None and hasattr(declared, "random"):
        return tuple(declared.random)
    r = getattr(d, "random", None)
    return tuple(r) if isinstance(r, list | tuple) else ()


def _s(e, limit=400) -> str:
    text = str(e)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_chapter(path, *, seed=0, k=DEFAULT_K, sample=None, timeout=DEFAULT_TIMEOUT,
                equiv_timeout=DEFAULT_EQUIV_TIMEOUT, verbose=False) -> dict:
    """Mutation-test one chapter in this process; the result as a JSON-ready dict."""
    path = Path(path).resolve()
    name = _display_path(path)
    t0 = time.perf_counter()
    recorder, error = execute_notebook(path)
    dv = recorder.dv
    if verbose:
        print(f"[{name}] executed in {time.perf_counter() - t0:.1f} s, "
              f"{len(recorder.derivations)} derivations", file=sys.stderr, flush=True)

    jobs = []  # (derivation index, step index, operator, mutant)
    for di, d in enumerate(recorder.derivations):
        for si, st in enumerate(d.steps):
            if getattr(st, "method", None) == "cited":
                continue
            rng = random.Random(_stable_seed(seed, name, di, si))
            for op_name, m in generate_mutants(st.expr, rng, k):
                jobs.append((di, si, op_name, m))
    if sample is not None:
        random.Random(_stable_seed(seed, name, "sample")).shuffle(jobs)

    counts = dict.fromkeys(_COUNT_KEYS, 0)
    survivors, undecided, errors, undecided_equivalence = [], [], [], []
    steps = set()
    checked = 0
    for j, (di, si, op_name, mutant) in enumerate(jobs):
        if sample is not None and checked >= sample:
            break
        d = recorder.derivations[di]
        st = d.steps[si]
        original = st.expr
        counts["mutants"] += 1
        steps.add((di, si))
        title = getattr(d, "title", None) or f"(untitled #{di})"
        entry = {"derivation": title, "derivation_index": di, "step": si,
                 "why": st.why, "rel": st.rel, "operator": op_name,
                 "original": _s(original), "mutant": _s(mutant)}
        if _shape(original) != _shape(mutant):
            counts["shape_discarded"] += 1
            continue
        ctx = Context(_step_facts(d, si), getattr(d, "domains", None), _random_symbols(d))
        eq = equivalence(original, mutant, ctx, seed=_stable_seed(seed, name, di, si, j),
                         timeout=equiv_timeout)
        if eq == "equivalent":
            counts["equivalent_discarded"] += 1
            continue
        if st.rel != "=":  # an inequality may still hold for a different right-hand side
            prev = d.steps[si - 1].expr if si else d.start
            try:
                with _time_limit(equiv_timeout):
                    holds = _numeric_compare(_apply_facts(prev, ctx.subs, ctx.random),
                                             _apply_facts(mutant, ctx.subs, ctx.random), ctx,
                                             _stable_seed(seed, name, j), rel=st.rel,
                                             n_points=_N_VALIDITY_POINTS)
            except _Timeout:
                holds = None
            if holds == "agree":
                counts["still_valid_discarded"] += 1
                continue
        if eq == "undecided":
            counts["equivalence_undecided"] += 1
            undecided_equivalence.append(dict(entry))
        entry["equivalence"] = eq
        outcome, detail = check_mutant(recorder, d, si, mutant, timeout)
        checked += 1
        if outcome == "killed":
            counts["killed"] += 1
            counts["killed_not_checkable"] += detail == "not checkable"
        elif outcome == "survived":
            counts["survived"] += 1
            survivors.append({**entry, "accepted_as": detail})
        elif outcome == "undecided":
            counts["undecided"] += 1
            undecided.append({**entry, "detail": detail})
        else:
            counts["errors"] += 1
            errors.append({**entry, "detail": detail})
        if verbose:
            print(f"[{name}] {title} step {si} {op_name}: {outcome} ({eq})", file=sys.stderr,
                  flush=True)
    result = {"notebook": name, "error": error,
              "derivations": len(recorder.derivations), "steps_mutated": len(steps),
              **counts, "survivors": survivors, "undecided_mutants": undecided,
              "checker_errors": errors, "equivalence_undecided_mutants": undecided_equivalence}
    result["score"] = _score(counts)
    result["checker_interface"] = ("recheck" if hasattr(dv.Derivation, "recheck")
                                   else "rebuild")
    return result


_COUNT_KEYS = ("mutants", "equivalent_discarded", "shape_discarded", "still_valid_discarded",
               "killed", "killed_not_checkable", "survived", "undecided", "errors",
               "equivalence_undecided")


def _score(c):
    n = c["killed"] + c["survived"]
    return round(c["killed"] / n, 4) if n else None


# =========================================================================== the parent
def toc_chapters(root: Path = ROOT) -> list[Path]:
    """Every chapters/*/*.ipynb, in the order of _toc.yml (others after, sorted)."""
    import yaml

    listed = []

    def walk(node):
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith("chapters/"):
                p = root / (f if f.endswith(".ipynb") else f + ".ipynb")
                if p.is_file() and p not in listed:
                    listed.append(p)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    toc = root / "_toc.yml"
    if toc.is_file():
        walk(yaml.safe_load(toc.read_text(encoding="utf-8")))
    rest = sorted(p for p in root.glob("chapters/*/*.ipynb") if p not in listed)
    return listed + rest


def _run_child(path: Path, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        out = Path(tmp) / "result.json"
        # -P: the folder of this file (tools/, whose modules have short names such as
        # cache and book) is not put on the child's sys.path, where a chapter could import it
        cmd = [sys.executable, "-P", str(Path(__file__).resolve()), "--child", str(path),
               "--child-out", str(out), "--seed", str(args.seed),
               "--max-mutants-per-step", str(args.max_mutants_per_step),
               "--timeout", str(args.timeout), "--equiv-timeout", str(args.equiv_timeout)]
        if args.sample is not None:
            cmd += ["--sample", str(args.sample)]
        if args.verbose:
            cmd.append("--verbose")
        env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                                  timeout=args.chapter_timeout, check=False)
            failure = None if proc.returncode == 0 else (
                f"the chapter's process exited with {proc.returncode}: "
                + (proc.stderr.strip().splitlines() or [""])[-1][:300])
            stderr = proc.stderr
        except subprocess.TimeoutExpired:
            failure, stderr = f"timed out after {args.chapter_timeout:g} s", ""
        seconds = time.perf_counter() - t0
        if args.verbose and stderr:
            sys.stderr.write(stderr)
        if out.is_file() and failure is None:
            result = json.loads(out.read_text(encoding="utf-8"))
        else:
            result = _empty_result(_display_path(path), failure or "no result written")
    return result, seconds


def _empty_result(name, error):
    counts = dict.fromkeys(_COUNT_KEYS, 0)
    return {"notebook": name, "error": error, "derivations": 0, "steps_mutated": 0, **counts,
            "score": None, "survivors": [], "undecided_mutants": [], "checker_errors": [],
            "equivalence_undecided_mutants": [], "checker_interface": None}


_TOTAL_KEYS = ("derivations", "steps_mutated", *_COUNT_KEYS)


def summarize(chapters: list[dict], config: dict) -> dict:
    total = {key: sum(c[key] for c in chapters) for key in _TOTAL_KEYS}
    total["score"] = _score(total)
    return {"config": config, "chapters": chapters, "total": total}


def table(results: dict) -> str:
    head = ("chapter", "steps", "mutants", "equiv", "shape", "valid", "killed", "(n/c)",
            "surv", "undec", "err", "score")
    rows = []
    for c in results["chapters"] + [dict(results["total"], notebook="TOTAL")]:
        score = "-" if c["score"] is None else f"{100 * c['score']:.1f}%"
        rows.append((c["notebook"], c["steps_mutated"], c["mutants"], c["equivalent_discarded"],
                     c["shape_discarded"], c["still_valid_discarded"], c["killed"],
                     c["killed_not_checkable"], c["survived"], c["undecided"], c["errors"],
                     score))
    width = max(len(str(r[0])) for r in rows + [head])
    fmt = f"{{:<{width}}} " + " ".join("{:>7}" for _ in head[1:])
    lines = [fmt.format(*head), "-" * (width + 8 * (len(head) - 1))]
    lines += [fmt.format(*map(str, r)) for r in rows]
    lines.append("equiv: equivalent to the original, discarded; shape: a matrix of another shape, "
                 "discarded; valid: an inequality that still holds, discarded; (n/c): of the "
                 "killed, those rejected as not checkable; undec: no verdict in time; err: the "
                 "checker raised something other than StepError")
    for c in results["chapters"]:
        if c.get("error"):
            lines.append(f"! {c['notebook']}: {c['error']}")
        for s in c["survivors"]:
            lines.append(f"survivor {c['notebook']} | {s['derivation']} step {s['step']} "
                         f"({s['operator']}, {s['why'][:50]}):\n    {s['original'][:150]}\n"
                         f"    -> {s['mutant'][:150]}  [accepted: {s['accepted_as']}]")
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chapters", nargs="+", type=Path,
                   help="chapter notebooks (default: every chapter, in _toc.yml order)")
    p.add_argument("--max-mutants-per-step", type=int, default=DEFAULT_K, metavar="K")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample", type=int, default=None, metavar="N",
                   help="check only N mutants per chapter (deterministic): a quick run")
    p.add_argument("--out", type=Path, default=Path(DEFAULT_OUT))
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds per check of a mutant (longer: undecided)")
    p.add_argument("--equiv-timeout", type=float, default=DEFAULT_EQUIV_TIMEOUT,
                   help="seconds per equivalence test (longer: undecided)")
    p.add_argument("--chapter-timeout", type=float, default=7200.0,
                   help="seconds per chapter process")
    p.add_argument("--jobs", type=int, default=1, help="chapters run in parallel")
    p.add_argument("--verbose", action="store_true", help="progress on stderr")
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.max_mutants_per_step < 1:
        p.error("--max-mutants-per-step must be at least 1")
    if args.sample is not None and args.sample < 1:
        p.error("--sample must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.child is not None:  # one chapter, in this process
        result = run_chapter(args.child, seed=args.seed, k=args.max_mutants_per_step,
                             sample=args.sample, timeout=args.timeout,
                             equiv_timeout=args.equiv_timeout, verbose=args.verbose)
        args.child_out.write_text(json.dumps(result, sort_keys=True), encoding="utf-8")
        return 0
    chapters = args.chapters or toc_chapters()
    for c in chapters:
        if not Path(c).is_file() or Path(c).suffix != ".ipynb":
            print(f"not a notebook: {c}", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    if args.jobs > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(args.jobs) as pool:
            done = list(pool.map(lambda c: _run_child(Path(c), args), chapters))
    else:
        done = [_run_child(Path(c), args) for c in chapters]
    for (r, seconds) in done:
        print(f"{r['notebook']}: {seconds:.1f} s", file=sys.stderr)
    config = {"max_mutants_per_step": args.max_mutants_per_step, "seed": args.seed,
              "sample": args.sample, "timeout": args.timeout,
              "equiv_timeout": args.equiv_timeout, "operators": list(OPERATORS)}
    results = summarize([r for r, _ in done], config)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\n{len(chapters)} chapter(s) in {time.perf_counter() - t0:.1f} s; "
          f"results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
