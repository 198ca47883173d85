"""What a step may rest on: definitions, hypotheses and claims.

- A **definition** (``define=``) names a value: its left side is a name (a symbol, an indexed
  entry, a matrix symbol or an application of an undefined function, possibly with
  ``sympy.Wild`` arguments) that its right side does not contain. It is substituted, never
  checked: it cannot make a false step true, only say what a name stands for.
- A **hypothesis** (``assume=``) is the *if* of the result: a predicate on a symbol
  (``Q.positive_definite(S)``, ``Q.positive(x)``), which the sampled values then satisfy, or an
  equation such as a moment assumption ``Eq(E(x[i]), mu)``. It is shown under the chain and
  not checked, except a moment assumption about a random variable whose distribution is
  stated (``random={x: Normal("x", mu, s)}``), which is then checked with ``sympy.stats``.
- A **claim** (``facts=``) is a statement the author says is true: an equation between
  expressions, or a predicate on an expression (``Q.symmetric(A*B)``). It is checked like a
  step (symbolically, on the sampled values, or with ``sympy.stats``); one that cannot be
  checked must come as ``claim(statement, cite="key")`` and is then counted as cited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp
from sympy.assumptions.assume import AppliedPredicate
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.tensor.indexed import Indexed

from derivlib.checker.printing import latex as _latex

_E_CLASS: list = []  # filled by derivlib.checker.expectation (avoids an import cycle)

# Predicates that a hypothesis may put on a matrix symbol, which sampling can satisfy.
MATRIX_PREDICATES = ("symmetric", "positive_definite", "invertible", "orthogonal", "diagonal",
                     "lower_triangular", "upper_triangular", "positive_semidefinite")
# ... and on a scalar symbol.
SCALAR_PREDICATES = ("positive", "negative", "nonnegative", "nonpositive", "nonzero", "real")


@dataclass(frozen=True)
class Claim:
    """A claimed fact: with the reference that proves it when the checker cannot (``cite``),
    or the chain of this chapter that proved it (``by``, a Derivation from start = lhs to
    result = rhs; the fact then carries that chain's weakest mark)."""

    statement: object
    cite: str | None = None
    by: object = None

    def __post_init__(self):
        if self.cite is not None and (not isinstance(self.cite, str) or not self.cite.strip()):
            raise ValueError(f"cite must be a non-empty references.bib key, got {self.cite!r}")
        if not isinstance(self.statement, sp.Equality | AppliedPredicate):
            raise TypeError("a claim must be sympy.Eq(lhs, rhs) or a sympy.Q predicate, got "
                            f"{self.statement!r} ({type(self.statement).__name__})")


def claim(statement, *, cite: str | None = None, by=None) -> Claim:
    """A fact for ``facts=``: ``cite`` names the reference that proves it (a bib key), ``by``
    the earlier chain (a Derivation) that proved it."""
    if cite is not None and by is not None:
        raise ValueError("give cite= or by=, not both")
    return Claim(statement, cite, by)


@dataclass
class Premise:
    """One premise of a chain or a step, and what became of it."""

    kind: str  # "definition", "hypothesis" or "claim"
    statement: object
    cite: str | None = None
    by: object = None
    status: str = ""  # definition: "defined"; hypothesis: "assumed" or "symbolic"; claim: a mark
    detail: str = ""

    @property
    def is_predicate(self) -> bool:
        return isinstance(self.statement, AppliedPredicate)

    def pair(self):
        return (self.statement.lhs, self.statement.rhs)

    def latex(self) -> str:
        s = self.statement
        if isinstance(s, AppliedPredicate):
            name = str(s.function).removeprefix("Q.").replace("_", " ")
            return _latex(s.arguments[0]) + r"\ \text{" + name + "}"
        return _latex(s.lhs) + " = " + _latex(s.rhs)

    def record(self) -> dict:
        return {"kind": self.kind, "statement": str(self.statement), "latex": self.latex(),
                "status": self.status, "cite": self.cite, "detail": self.detail}


def _items(value, what: str) -> list:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [sp.Eq(sp.sympify(k), sp.sympify(v), evaluate=False) for k, v in value.items()]
    if isinstance(value, sp.Basic | Claim):
        return [value]
    if isinstance(value, list | tuple):
        out = []
        for item in value:
            if isinstance(item, tuple) and len(item) == 2 and not isinstance(item, sp.Basic):
                out.append(sp.Eq(sp.sympify(item[0]), sp.sympify(item[1]), evaluate=False))
            else:
                out.append(item)
        return out
    raise TypeError(f"{what} must be a list of sympy.Eq / sympy.Q facts or a {{lhs: rhs}} dict, "
                    f"got {type(value).__name__}")


def _is_name(lhs) -> bool:
    if isinstance(lhs, sp.Wild):
        return False
    if isinstance(lhs, sp.Function) and not (type(lhs).__module__ or "").startswith("sympy"):
        return True  # an application of a function class of the book's (it does not evaluate)
    return isinstance(lhs, sp.Symbol | Indexed | sp.MatrixSymbol | MatrixElement | AppliedUndef)


def _is_bare_symbol(x) -> bool:
    return isinstance(x, sp.Symbol | sp.MatrixSymbol) and not isinstance(x, sp.Wild)


def parse_definitions(value) -> list[Premise]:
    out = []
    for item in _items(value, "define"):
        if isinstance(item, sp.logic.boolalg.BooleanAtom) or not isinstance(item, sp.Equality):
            raise TypeError("define= takes sympy.Eq(name, value) or {name: value}, got "
                            f"{item!r}; predicates are hypotheses (assume=) or claims (facts=)")
        lhs, rhs = item.lhs, item.rhs
        if not _is_name(lhs):
            raise ValueError(
                f"define= {lhs} = {rhs} is not a definition: its left side must be a name (a "
                "symbol, an indexed entry, a matrix symbol or f(args)); an equation between "
                "expressions is a claim (facts=) or a hypothesis (assume=)")
        if rhs.has(lhs):
            raise ValueError(f"define= {lhs} = {rhs} is circular: the name occurs on the right")
        out.append(Premise("definition", item, status="defined"))
    return out


def parse_hypotheses(value) -> list[Premise]:
    out = []
    for item in _items(value, "assume"):
        if isinstance(item, Claim):
            raise TypeError("assume= takes hypotheses; a cited claim belongs in facts=")
        if isinstance(item, sp.Equality):
            out.append(Premise("hypothesis", item, status="assumed"))
        elif isinstance(item, AppliedPredicate):
            arg = item.arguments[0] if item.arguments else None
            name = str(item.function).removeprefix("Q.")
            if not _is_bare_symbol(arg):
                raise ValueError(
                    f"assume= {item}: a hypothesis predicate must be on a symbol; a predicate "
                    "on an expression is a claim, to be checked: put it in facts=")
            allowed = MATRIX_PREDICATES if isinstance(arg, sp.MatrixSymbol) else SCALAR_PREDICATES
            if name not in allowed:
                raise ValueError(f"assume= {item}: the checker can sample values satisfying only "
                                 f"{', '.join('Q.' + a for a in allowed)} for {arg}")
            out.append(Premise("hypothesis", item, status="assumed"))
        else:
            raise TypeError("assume= takes sympy.Eq hypotheses and sympy.Q predicates on "
                            f"symbols, got {item!r} ({type(item).__name__})")
    return out


def parse_claims(value) -> list[Premise]:
    out = []
    for item in _items(value, "facts"):
        cite = by = None
        if isinstance(item, Claim):
            item, cite, by = item.statement, item.cite, item.by
        if not isinstance(item, sp.Equality | AppliedPredicate):
            raise TypeError("facts= takes sympy.Eq claims, sympy.Q predicates or "
                            f"derivation.claim(...), got {item!r} ({type(item).__name__})")
        out.append(Premise("claim", item, cite=cite, by=by))
    return out


@dataclass
class Premises:
    """The premises in force for one check: the chain's and the step's, in order."""

    items: list[Premise] = field(default_factory=list)

    def __add__(self, other: Premises) -> Premises:
        return Premises(self.items + other.items)

    @property
    def substitutions(self) -> list[tuple]:
        """Equations as rewrite rules: hypotheses and claims first, definitions last, so that
        a defined name never survives a pass (and is never sampled as a free symbol); then
        hypotheses between expressions solved for one of their symbols."""
        eqs = [p for p in self.items if not p.is_predicate]
        return [p.pair() for p in eqs if p.kind != "definition"] + \
            [p.pair() for p in eqs if p.kind == "definition"] + self._solved()

    def checked_claims(self) -> list[Premise]:
        """Claims the checker itself verified (not cited, not moment statements)."""
        return [p for p in self.items if p.kind == "claim" and p.status != "cited"
                and not p.statement.has(_E_CLASS[0])]

    def without_checked_claims(self, keep: tuple = ()) -> Premises:
        """These premises less the claims the checker verified (except those marked ``keep``)."""
        ids = {id(p) for p in self.checked_claims() if p.status not in keep}
        return Premises([p for p in self.items if id(p) not in ids])

    @property
    def numeric_substitutions(self) -> list[tuple]:
        """The rewrite rules of the numeric check: a claim the checker verified is not used,
        so that a claim which over-matches (a Wild pattern applied outside the values it was
        checked at) cannot hide a false step. A hypothesis between expressions (p + q = 1) is
        also solved for one of its symbols, so that the sampled values satisfy it."""
        return self.without_checked_claims().substitutions

    def _solved(self) -> list[tuple]:
        solved = []
        for p in self.items:
            if p.kind != "hypothesis" or p.is_predicate or p.statement.has(_E_CLASS[0]):
                continue
            lhs, rhs = p.statement.lhs, p.statement.rhs
            if _is_name(lhs) or lhs.has(sp.Wild, sp.Sum, sp.Product) or rhs.has(sp.Wild):
                continue
            for sym in sorted((lhs - rhs).free_symbols, key=sp.default_sort_key):
                if not isinstance(sym, sp.Symbol) or sym.is_integer:
                    continue
                try:
                    sol = sp.solve(sp.Eq(lhs, rhs), sym, dict=False)
                except (NotImplementedError, ValueError, TypeError):
                    continue
                if len(sol) == 1:
                    solved.append((sym, sol[0]))
                    break
        return solved

    @property
    def predicates(self) -> list:
        return [p.statement for p in self.items if p.is_predicate]

    @property
    def sampling_predicates(self) -> list:
        return [p.statement for p in self.items if p.is_predicate and p.kind == "hypothesis"]


def parse_premises(define, assume, facts) -> Premises:
    """``define=``, ``assume=`` and ``facts=`` as given to a chain, a step or a check."""
    return Premises(parse_definitions(define) + parse_hypotheses(assume) + parse_claims(facts))
