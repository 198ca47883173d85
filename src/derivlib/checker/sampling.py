"""Where the numeric check looks: sample points drawn canonically, wide, with edge values.

Every value is an exact rational number (a binary fraction), so that the two sides of a step
can be evaluated exactly and their difference computed to 30 significant digits whatever
cancellation occurs. A value depends only on the seed, the point's number and the symbol's
name (its own generator, seeded with a CRC of the name), never on the order in which Python
happens to iterate over a set of symbols: every run on every machine checks the same points.

Kinds of values, by the symbol's assumptions and the stated domain:

==================  ===================================================================
real                moderate ``U(-3, 3)``, wide ``±10^U(-8, 8)``, edges 0, ±1, ±1e-10, ±1e10
positive            moderate ``U(0.1, 3)``, wide ``10^U(-8, 8)``, edges 1e-10, 1, 1e10
integer (positive)  moderate 1..6, wide log-uniform in 7..30 (7..14 for the limit of a
                    nested sum, whose cost grows as its square), edges 1, 2
domain (lo, hi)     closed: moderate ``U(lo, hi)``, log-uniform when it spans decades,
                    edges lo and hi
matrix size         1..5 unless a domain is given
matrix              entries ``U(-2, 2)`` (sometimes scaled by ``10^U(-3, 3)``), shaped by the
                    hypotheses: symmetric, positive (semi)definite, invertible, orthogonal
                    (an exact Cayley transform), diagonal, triangular
==================  ===================================================================

The first 2^m points (m <= 4) give the m real symbols without a sign every pattern of
signs. Points 0-2 take moderate values for every symbol; from point 3 on, the points are in turn
wide for every symbol, at edge values for every symbol, and mixed (each symbol drawing its own
kind), so that an equality checked at 8 points has seen two wide and two edge points.
"""

from __future__ import annotations

import zlib

import numpy as np
import sympy as sp

EDGES_REAL = (0.0, 1.0, -1.0, 1e-10, -1e-10, 1e10, -1e10)
EDGES_POS = (1e-10, 1.0, 1e10)
MODERATE_POINTS = 3  # the first points use moderate values only
DEFAULT_INT_HIGH = 30
LIMIT_INT_HIGH = 14  # the limit of a nested sum: a point costs N^2 terms
DEFAULT_DIM = (1, 5)


def exact(v: float) -> sp.Rational:
    """The exact rational value of a float, with a short mantissa (20 bits)."""
    if v == 0:
        return sp.Integer(0)
    m, e = np.frexp(v)
    return sp.Rational(int(round(m * 2**20))) * sp.Rational(2) ** int(e - 20)


def _name_key(atom) -> int:
    return zlib.crc32(sp.srepr(atom).encode())


class Sampler:
    """Values for the symbols of a check, point by point."""

    def __init__(self, seed: int, domains: dict, matrix_predicates: dict, scalar_predicates: dict):
        self.orthant: dict = {}  # {symbol: bit}: point k's sign for it is bit of k (k < 2^m)
        self.seed = int(seed)
        self.domains = domains
        self.matrix_predicates = matrix_predicates  # {MatrixSymbol name: {"symmetric", ...}}
        self.scalar_predicates = scalar_predicates  # {Symbol: {"positive", ...}}

    def _rng(self, k: int, atom) -> np.random.Generator:
        return np.random.default_rng([self.seed, k, _name_key(atom)])

    def _mode(self, k: int, rng) -> str:
        """Points 0-2 moderate; then wide, edge and mixed in turn (mixed: each symbol's own)."""
        u = rng.random()  # drawn always, so that later draws do not depend on the schedule
        if k < MODERATE_POINTS:
            return "moderate"
        turn = (k - MODERATE_POINTS) % 3
        if turn == 0:
            return "wide"
        if turn == 1:
            return "edge"
        return "edge" if u < 0.25 else "wide" if u < 0.6 else "moderate"

    # ----------------------------------------------------------------- integers
    def integer(self, k: int, sym, is_dim: bool, is_limit: bool = False,
                seed_atom=None) -> int:
        """An integer for ``sym``; ``is_limit``: the limit of a nested sum (cost N^2);
        ``seed_atom``: the atom whose own value this is (an entry ``x[i]`` of ``x``)."""
        rng = self._rng(k, sym if seed_atom is None else seed_atom)
        mode = self._mode(k, rng)
        if sym in self.domains:
            lo, hi = (int(np.ceil(self.domains[sym][0])), int(np.floor(self.domains[sym][1])))
            if lo > hi:
                raise ValueError(f"domains[{sym}] holds no integer")
            if mode == "edge":
                return int(rng.choice([lo, hi]))
            if mode == "wide" and hi - lo > 20 and lo >= 1:
                return int(np.clip(round(np.exp(rng.uniform(np.log(lo), np.log(hi)))), lo, hi))
            return int(rng.integers(lo, hi + 1))
        if is_dim:
            lo, hi = DEFAULT_DIM
            return int(rng.choice([lo, hi])) if mode == "edge" else int(rng.integers(lo, hi + 1))
        if sym.is_nonnegative or sym.is_positive:
            lo = 1 if sym.is_positive else 0
            if mode == "edge":
                return int(rng.choice([lo, lo + 1]))
            if mode == "wide":  # beyond the moderate range: closed forms that fit 1..6 fail
                high = LIMIT_INT_HIGH if is_limit else DEFAULT_INT_HIGH
                return int(round(np.exp(rng.uniform(np.log(7), np.log(high)))))
            return int(rng.integers(lo, 7))
        if sym.is_negative or sym.is_nonpositive:
            return -self.integer(k, sp.Symbol(sym.name, integer=True, positive=sym.is_negative),
                                 False, seed_atom=seed_atom)
        if mode == "edge":
            return int(rng.choice([0, 1, -1]))
        if mode == "wide":
            return int(rng.choice([-1, 1]) * round(np.exp(rng.uniform(np.log(7),
                                                                     np.log(DEFAULT_INT_HIGH)))))
        return int(rng.integers(-5, 6))

    # ----------------------------------------------------------------- reals
    def _sign_class(self, sym) -> str:
        preds = self.scalar_predicates.get(sym, set())
        if sym.is_positive or "positive" in preds:
            return "positive"
        if sym.is_negative or "negative" in preds:
            return "negative"
        if sym.is_nonnegative or "nonnegative" in preds:
            return "nonnegative"
        if sym.is_nonpositive or "nonpositive" in preds:
            return "nonpositive"
        if sym.is_zero is False or "nonzero" in preds:
            return "nonzero"
        return "real"

    def real(self, k: int, sym, seed_atom=None) -> sp.Rational:
        rng = self._rng(k, sym if seed_atom is None else seed_atom)
        mode = self._mode(k, rng)
        if sym in self.domains:
            lo, hi = (float(v) for v in self.domains[sym])
            if mode == "edge":
                return exact(float(rng.choice([lo, hi])))
            if mode == "wide" and lo > 0 and hi / lo > 1e3:
                return exact(float(np.exp(rng.uniform(np.log(lo), np.log(hi)))))
            return exact(float(rng.uniform(lo, hi)))
        cls = self._sign_class(sym)
        flip = cls in ("negative", "nonpositive")
        if cls in ("positive", "negative", "nonnegative", "nonpositive"):
            if mode == "edge":
                edges = EDGES_POS + ((0.0,) if cls in ("nonnegative", "nonpositive") else ())
                v = float(rng.choice(edges))
            elif mode == "wide":
                v = 10 ** rng.uniform(-8, 8)
            else:
                v = rng.uniform(0.1, 3.0)
            return exact(-v if flip else v)
        if mode == "edge":
            edges = [e for e in EDGES_REAL if not (cls == "nonzero" and e == 0)]
            v = float(rng.choice(edges))
        elif mode == "wide":
            v = float(rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-8, 8))
        else:
            v = rng.uniform(-3.0, 3.0)
            if cls == "nonzero" and v == 0:
                v = 1.0
        bit = self.orthant.get(sym)
        if bit is not None and k < 2 ** (len(self.orthant)):
            # the first 2^m points visit every sign pattern of the m unconstrained symbols:
            # a statement false in one orthant only (log(xy) = log x + log y) is caught
            v = abs(v) * (-1.0 if (k >> bit) & 1 else 1.0)
        return exact(v)

    # ----------------------------------------------------------------- matrices
    def matrix(self, k: int, sym, shape: tuple[int, int]) -> sp.ImmutableMatrix:
        rng = self._rng(k, sym)
        mode = self._mode(k, rng)
        n, m = shape
        preds = self.matrix_predicates.get(sym.name, set())
        a = rng.uniform(-2.0, 2.0, size=shape)
        scale = 10 ** rng.uniform(-3, 3) if mode == "wide" else 1.0
        if n == m:
            if "orthogonal" in preds:
                s = np.triu(rng.uniform(-1, 1, size=shape), 1)
                skew = sp.ImmutableMatrix(n, n, [exact(v) for v in (s - s.T).ravel()])
                eye = sp.eye(n)
                cayley = (eye - skew) * (eye + skew).inv()  # exact, Q^T Q = I, but det = +1
                # odd points: a reflection (det -1); every fourth: -Q (eigenvalue -1 too)
                signs = [1] * n
                if k % 4 == 1:
                    signs[int(rng.integers(n))] = -1
                if k % 4 == 3:
                    signs = [-1] * n  # -Q: det (-1)^n, eigenvalues near -1
                return sp.ImmutableMatrix(sp.diag(*signs) * cayley)
            # invertible is not positive definite: odd points flip the sign of the shift
            flip = -1.0 if (k % 2 == 1 and "positive_definite" not in preds) else 1.0
            if "diagonal" in preds:
                d = a.diagonal()
                if preds & {"positive_definite", "invertible"}:
                    d = np.abs(d) + 0.5
                    if "positive_definite" not in preds:
                        d = d * rng.choice([-1.0, 1.0], size=n) * flip
                a = np.diag(d)
            elif "positive_definite" in preds:
                a = a @ a.T + n * rng.uniform(0.1, 1.0) * np.eye(n)
            elif "positive_semidefinite" in preds:
                b = a[:, : max(n - 1, 1)] if n > 1 and rng.random() < 0.5 else a
                a = b @ b.T
            elif "symmetric" in preds:
                a = (a + a.T) / 2
            elif "invertible" in preds:
                a = a + flip * 3 * n * np.eye(n)
            if "lower_triangular" in preds:
                a = np.tril(a) + (flip * 3 * n * np.eye(n) if "invertible" in preds else 0)
            if "upper_triangular" in preds:
                a = np.triu(a) + (flip * 3 * n * np.eye(n) if "invertible" in preds else 0)
        return sp.ImmutableMatrix(n, m, [exact(v * scale) for v in a.ravel()])
