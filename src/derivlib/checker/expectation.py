r"""The expectation operator and its expansion by linearity.

Inside :math:`\mathbb{E}[\cdot]` every free symbol must be declared: *random* (a symbol, an
``IndexedBase`` whose entries are random, or a ``MatrixSymbol``) or *constant*. Sizes and sum
limits count as constants, and the index of a sum is bound. An undeclared symbol raises
:class:`StepError`, because linearity pulls constants out and leaves random factors inside:
guessing which is which would let :math:`\mathbb{E}[x^2]` become :math:`x^2`.
"""

from __future__ import annotations

import sympy as sp
from sympy.tensor.indexed import Indexed, IndexedBase

from derivlib.checker.errors import StepError


class E(sp.Function):
    r"""The expectation operator :math:`\mathbb{E}[f]`, kept unevaluated for display.

    The checker expands it by linearity: sums and constant factors are pulled out; facts such
    as ``Eq(E(x[i]*x[j]), mu**2 + sigma**2*KroneckerDelta(i, j))`` then replace what is left.
    """

    nargs = 1

    def _latex(self, printer):
        return r"\mathbb{E}\left[" + printer._print(self.args[0]) + r"\right]"


from derivlib.checker import premises as _premises  # noqa: E402

_premises._E_CLASS.append(E)


class Declared:
    """Which symbols are random and which are constant, for :class:`E`."""

    def __init__(self, random=(), constants=()):
        self.random = tuple(random)
        self.constants = tuple(constants)
        for r in self.random:
            if not isinstance(r, sp.Symbol | IndexedBase | sp.MatrixSymbol | sp.Function):
                raise TypeError("random must hold symbols, IndexedBase or MatrixSymbol objects, "
                                f"got {r!r} ({type(r).__name__})")
        for c in self.constants:
            if not isinstance(c, sp.Symbol | IndexedBase | sp.MatrixSymbol):
                raise TypeError("constants must hold symbols, IndexedBase or MatrixSymbol "
                                f"objects, got {c!r} ({type(c).__name__})")
        self._rand_bases = {r for r in self.random if isinstance(r, IndexedBase)}
        self._rand_syms = {r for r in self.random if not isinstance(r, IndexedBase)}
        self._const_bases = {c for c in self.constants if isinstance(c, IndexedBase)}
        self._const_syms = {c for c in self.constants if not isinstance(c, IndexedBase)}

    def is_random(self, expr) -> bool:
        if any(i.base in self._rand_bases for i in expr.atoms(Indexed)):
            return True
        return any(expr.has(r) for r in self._rand_syms)

    def undeclared(self, arg) -> list[str]:
        """Free symbols inside ``E(arg)`` that are neither random nor constant."""
        bound, limits = set(), set()
        for s in arg.atoms(sp.Sum, sp.Product):
            for lim in s.limits:
                bound.add(lim[0])
                for b in lim[1:]:
                    limits |= sp.sympify(b).free_symbols
        sizes = set()
        for m in arg.atoms(sp.MatrixSymbol):
            for d in m.shape:
                sizes |= sp.sympify(d).free_symbols
        bad = set()
        for i in arg.atoms(Indexed):
            if i.base not in self._rand_bases and i.base not in self._const_bases:
                bad.add(str(i.base))
        index_syms = {s for i in arg.atoms(Indexed) for s in i.indices for s in
                      sp.sympify(s).free_symbols}
        for s in arg.free_symbols:
            if isinstance(s, Indexed):  # judged by its base, above
                continue
            if isinstance(s, sp.Wild | sp.Dummy) or s in bound or s in limits or s in sizes:
                continue
            if isinstance(s, IndexedBase) or s in index_syms:
                continue
            if s in self._rand_syms or s in self._const_syms:
                continue
            if isinstance(s, sp.Symbol) and any(s == getattr(b, "label", None)
                                                for b in self._rand_bases | self._const_bases):
                continue
            bad.add(str(s))
        for m in arg.atoms(sp.MatrixSymbol):
            if m not in self._rand_syms and m not in self._const_syms:
                bad.add(str(m))
        return sorted(bad)


def parse_declared(random, constants) -> tuple[Declared, dict]:
    """``random=`` and ``constants=`` as given to a chain or a check: the :class:`Declared`
    symbols, and ``{symbol: distribution}`` when ``random`` is a dict of sympy.stats variables."""
    distributions = {}
    if isinstance(random, dict):
        from sympy.stats.rv import RandomSymbol

        for k, v in random.items():
            if not isinstance(v, RandomSymbol):
                raise TypeError(f"random[{k}] must be a sympy.stats random variable, got {v!r}")
            distributions[k] = v
        random = list(random)
    if random is not None and not isinstance(random, list | tuple):
        raise TypeError(f"random must be a list of symbols or a dict, got {type(random).__name__}")
    if constants is not None and not isinstance(constants, list | tuple):
        raise TypeError(f"constants must be a list of symbols, got {type(constants).__name__}")
    return Declared(random or (), constants or ()), distributions


def check_declared(expr, declared: Declared) -> None:
    """Raise :class:`StepError` if some ``E(...)`` in ``expr`` holds an undeclared symbol."""
    for e in sorted(expr.atoms(E), key=sp.default_sort_key) if isinstance(expr, sp.Basic) else []:
        bad = declared.undeclared(e.args[0])
        if bad:
            raise StepError(
                f"{e} holds {', '.join(bad)}, which {'is' if len(bad) == 1 else 'are'} declared "
                "neither random nor constant: list it in random= or constants= of the derivation")


def expect(arg, declared: Declared):
    """E[arg] expanded by linearity."""
    arg = sp.expand(arg) if not arg.has(sp.Sum) else arg
    if isinstance(arg, sp.Add):
        return sp.Add(*(expect(t, declared) for t in arg.args))
    if isinstance(arg, sp.Sum):
        if any(declared.is_random(sp.sympify(b)) for lim in arg.limits for b in lim[1:]):
            return E(arg)  # a random number of terms: E does not pass through (Wald)
        return sp.Sum(expect(arg.function, declared), *arg.limits)
    if isinstance(arg, sp.Mul):
        const = [f for f in arg.args if not declared.is_random(f)]
        rand = [f for f in arg.args if declared.is_random(f)]
        if const:
            return sp.Mul(*const) * expect(sp.Mul(*rand), declared)
        sums = [f for f in rand if isinstance(f, sp.Sum)
                and not any(declared.is_random(sp.sympify(b)) for lim in f.limits
                            for b in lim[1:])]
        if sums:  # move the other factors inside the sum, then exchange E and the sum
            s = sums[0]
            rest = [f for f in rand if f is not s]
            bound = {lim[0] for lim in s.limits}
            if not any(f.free_symbols & bound for f in rest):
                return expect(sp.Sum(sp.Mul(*rest) * s.function, *s.limits), declared)
        return E(arg)
    if not declared.is_random(arg):
        return arg
    return E(arg)


def expand_expectations(expr, declared: Declared):
    if not isinstance(expr, sp.Basic) or not expr.has(E):
        return expr
    return expr.replace(lambda e: isinstance(e, E), lambda e: expect(e.args[0], declared))
