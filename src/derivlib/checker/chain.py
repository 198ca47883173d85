r"""The chain: :class:`Derivation`, its :class:`Step` records, :class:`Audit`, cited results,
and their rendering.

A :class:`Derivation` holds a chain :math:`e_0 \;R_1\; e_1 \;R_2\; e_2 \cdots`; each new step is
checked by the engine (:func:`derivlib.checker.engine.check`) before it is appended, and is
recorded as a :class:`Step` with its mark (*symbolic*, *instance*, *numeric* or *cited*) and its
premises. :meth:`Derivation.audit` counts the marks, :meth:`Derivation.record` is the JSON-ready
description stored in the notebook's output metadata (key :data:`METADATA_KEY`), and the
``_repr_latex_``/``_repr_mimebundle_`` methods render the chain as an aligned LaTeX block with
the reason and mark of every step and its premises underneath. :func:`cite` wraps a result taken
from the literature (:class:`CitedResult`).

The public face of all of this is :mod:`derivlib.derivation`, whose docstring describes the
marks and premises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

import sympy as sp

from derivlib.checker.engine import (
    CHECKS,
    RELATIONS,
    TIME_LIMIT,
    Context,
    Verdict,
    as_expression,
    short,
    validate_domains,
    validate_rtol,
    validate_time_limit,
    verify_premises,
)
from derivlib.checker.engine import check as _check
from derivlib.checker.errors import NotCheckable, StepError
from derivlib.checker.expectation import parse_declared
from derivlib.checker.premises import Premise, Premises, parse_premises
from derivlib.checker.printing import latex as _latex

__all__ = ["MARKS", "METADATA_KEY", "Audit", "CitedResult", "Derivation", "Step", "cite"]

MARKS = ("symbolic", "instance", "numeric", "cited")
METADATA_KEY = "derivlib"


class Audit(NamedTuple):
    """How the steps of a derivation were verified."""

    symbolic: int
    instance: int
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
    method: str  # "symbolic", "instance", "numeric" or "cited"
    detail: str = ""
    cite: str | None = None
    premises: tuple = field(default=(), compare=False)
    check: str = "auto"
    rtol: float | None = None


def _validate_why(why) -> str:
    if not isinstance(why, str) or not why.strip():
        raise ValueError("why must be a non-empty string giving the reason for the step")
    return why


def _validate_cite(cite, required: bool) -> str | None:
    if cite is None:
        if required:
            raise ValueError("check='cite' needs cite='key', the references.bib key of the "
                             "result it takes from the literature")
        return None
    if not isinstance(cite, str) or not re.fullmatch(r"[A-Za-z][\w:.-]*", cite):
        raise ValueError(f"cite must be a references.bib key, got {cite!r}")
    return cite


_LEGACY = {"assumptions": "define= (definitions), assume= (hypotheses) or facts= (claims)",
           "using": "define=, assume= or facts= of the step"}


def _no_legacy(kwargs):
    for k in kwargs:
        if k in _LEGACY:
            raise TypeError(f"{k}= was replaced by {_LEGACY[k]}")
        raise TypeError(f"unexpected keyword argument {k!r}")


class Derivation:
    r"""A chain of expressions, each step checked against the previous one.

    Parameters
    ----------
    start : sympy expression, explicit Matrix or MatrixExpr
        The first expression of the chain.
    title : str, optional
        Shown above the chain and in the audit.
    define, assume, facts : optional
        Definitions, hypotheses and claims valid for every step (see
        :mod:`derivlib.derivation`).
    random : list or dict, optional
        Random symbols for :class:`E`, or ``{symbol: sympy.stats distribution}``.
    constants : list, optional
        Symbols that are constants inside :class:`E`.
    domains : dict, optional
        ``{symbol: (low, high)}`` closed sampling ranges (low < high).
    instance : str, optional
        The fixed size the chain is about (``"N = 2, K = 2"``): symbolic proofs are marked
        *instance* and the chain says so.
    time_limit : float or None, optional
        CPU seconds one step may take before it is reported as not checkable (default 20,
        :data:`derivlib.checker.engine.TIME_LIMIT`).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b")
    >>> d = Derivation((a + b)**2).step(a**2 + 2*a*b + b**2, "expand the square")
    >>> d.audit()
    Audit(symbolic=1, instance=0, numeric=0, cited=0, total=1)
    """

    def __init__(self, start, *, title=None, define=None, assume=None, facts=None, random=None,
                 constants=None, domains=None, instance=None, time_limit=TIME_LIMIT, **legacy):
        _no_legacy(legacy)
        self.start = as_expression(start, "start")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a string, got {type(title).__name__}")
        if instance is not None and (not isinstance(instance, str) or not instance.strip()):
            raise ValueError(f"instance must say the fixed size, e.g. 'N = 2', got {instance!r}")
        self.title = title
        self.instance = instance
        self.domains = validate_domains(domains)
        self.declared, self.distributions = parse_declared(random, constants)
        self.time_limit = validate_time_limit(time_limit)
        self.premises = parse_premises(define, assume, facts)
        verify_premises(self.premises.items, Premises(), self.declared, self.distributions,
                        self._context(self.premises, 0, None))
        self.steps: list[Step] = []

    def _context(self, premises: Premises, seed: int, rtol: float) -> Context:
        return Context(premises, self.declared, self.domains, rtol, seed, self.time_limit,
                       self.instance)

    @property
    def result(self):
        """The last expression of the chain."""
        return self.steps[-1].expr if self.steps else self.start

    # ------------------------------------------------------------------ steps
    def _verify(self, k: int, prev, expr, why, rel, define, assume, facts, check, cite, rtol):
        _validate_why(why)
        if rel not in RELATIONS:
            raise ValueError(f"rel must be one of {list(RELATIONS)}, got {rel!r}")
        if check not in CHECKS:
            raise ValueError(f"check must be one of {list(CHECKS)}, got {check!r}")
        cite = _validate_cite(cite, check == "cite")
        if cite is not None and check != "cite":
            raise ValueError("cite= goes with check='cite'; to cite a premise use "
                             "claim(statement, cite='key') in facts=")
        rtol = validate_rtol(rtol)
        expr = as_expression(expr, "expr")
        step_premises = parse_premises(define, assume, facts)
        if check == "cite":
            return expr, Verdict("cited", f"cited: {cite}"), cite, step_premises
        all_premises = self.premises + step_premises
        ctx = self._context(all_premises, 1000 * (k + 1), rtol)
        verify_premises(step_premises.items, self.premises, self.declared, self.distributions,
                        ctx)
        try:
            verdict = _check(prev, expr, rel, ctx, check=check)
        except StepError as err:
            where = f" in '{self.title}'" if self.title else ""
            kind = NotCheckable if isinstance(err, NotCheckable) else StepError
            verb = "could not be checked" if kind is NotCheckable else "does not hold"
            raise kind(f"step {k + 1}{where} {verb}:\n    {short(prev)}\n  {rel}\n"
                       f"    {short(expr)}\n  reason given: {why}\n  {err}") from None
        return expr, verdict, None, step_premises

    def step(self, expr, why: str, *, rel: str = "=", define=None, assume=None, facts=None,
             check: str = "auto", cite: str | None = None, rtol: float | None = None,
             **legacy) -> Derivation:
        """Check ``previous rel expr`` and append it to the chain.

        Parameters
        ----------
        expr : sympy expression
            The new expression.
        why : str
            The reason, shown beside the step; ``$...$`` is rendered as math.
        rel : {"=", "<=", ">=", "<", ">"}
            How the previous expression relates to ``expr``. For matrices, an inequality is
            in the positive semidefinite (Loewner) order.
        define, assume, facts : optional
            Definitions, hypotheses and claims for this step only.
        check : {"auto", "symbolic", "numeric", "cite"}
            ``"auto"`` tries a proof, then sample points; ``"symbolic"`` requires a proof;
            ``"numeric"`` samples only; ``"cite"`` accepts the step unchecked and needs
            ``cite``.
        cite : str, optional
            The ``references.bib`` key of a cited step.
        rtol : float, optional
            Relative tolerance of the numeric check, in (0, 0.1]. By default 1e-25 where
            both sides are exact (their values are known to 30 digits) and 1e-9 where a value
            is inexact (a derivative by finite differences, an integral by quadrature, a
            decimal number in the expression).

        Returns
        -------
        Derivation
            ``self``, so that steps chain.

        Raises
        ------
        StepError
            If the step does not hold (the message shows both sides, the reason and a failing
            point); :class:`NotCheckable` if it could not be decided.
        """
        _no_legacy(legacy)
        expr, verdict, cite, prem = self._verify(len(self.steps), self.result, expr, why, rel,
                                                 define, assume, facts, check, cite, rtol)
        self.steps.append(Step(expr, why, rel, verdict.method, verdict.detail, cite,
                               tuple(prem.items), check, rtol))
        return self

    def recheck(self, k: int, expr, *, rel: str | None = None) -> Verdict:
        """Check step ``k`` (0-based) again with ``expr`` in place of its expression.

        The step's own premises, relation, check mode and tolerance are used and the chain is
        not changed; for mutation testing. Raises :class:`StepError` if ``expr`` is rejected.
        """
        if not isinstance(k, int) or not 0 <= k < len(self.steps):
            raise ValueError(f"k must be a step index in 0..{len(self.steps) - 1}, got {k!r}")
        s = self.steps[k]
        if s.method == "cited":
            raise ValueError(f"step {k} is cited: it is not checked, so it cannot be rechecked")
        prev = self.start if k == 0 else self.steps[k - 1].expr
        prem = Premises(list(s.premises))
        ctx = self._context(self.premises + prem, 1000 * (k + 1), s.rtol)
        return _check(prev, as_expression(expr, "expr"), rel or s.rel, ctx, check=s.check)

    # ------------------------------------------------------------------ audit
    def audit(self) -> Audit:
        """Count the steps by how they were verified; a cited premise counts as a cited item.

        A step resting on a cited claim is still marked by how its inference was checked; the
        claim itself is one more cited item, so that the audit shows every use of a citation.
        """
        methods = [s.method for s in self.steps]
        methods += ["cited" for _, p in self.all_premises() if p.status == "cited"]
        return Audit(*(methods.count(m) for m in MARKS), len(methods))

    def all_premises(self) -> list[tuple[int | None, Premise]]:
        """(step number or None for the chain, premise), in order."""
        out: list[tuple[int | None, Premise]] = [(None, p) for p in self.premises.items]
        for i, s in enumerate(self.steps):
            out += [(i + 1, p) for p in s.premises]
        return out

    def record(self) -> dict:
        """A JSON-ready description of the chain: steps, marks, premises, cited keys."""
        return {
            "title": self.title,
            "instance": self.instance,
            "start": _latex(self.start),
            "steps": [{"rel": s.rel, "latex": _latex(s.expr), "why": s.why,
                       "method": s.method, "detail": s.detail, "cite": s.cite,
                       "rtol": s.rtol}
                      for s in self.steps],
            "premises": [dict(p.record(), step=i) for i, p in self.all_premises()],
            "audit": self.audit()._asdict(),
        }

    # ------------------------------------------------------------------ display
    def _repr_latex_(self) -> str:
        lines = []
        if self.title or self.instance:
            # a title may hold $...$ math, like a reason
            head = r"\textbf{" + _title_latex(self.title) + "}" if self.title else ""
            if self.instance:
                head += r"\ \text{(instance: " + _text(self.instance) + ")}"
            lines.append("&" + head + r"\\[2pt]")
        first = True
        for s in self.steps:
            lhs = _latex(self.start) if first else ""
            lines.append(f"{lhs} &{RELATIONS[s.rel]} {_latex(s.expr)} && "
                         + _reason_latex(s.why) + r"\quad" + _mark_latex(s) + r"\\")
            first = False
        if not self.steps:
            lines.append(_latex(self.start) + r" & \\")
        for label, latex in _premise_lines(self.all_premises()):
            lines.append(r"&\text{" + label + r"}\ " + latex + r"\\")
        return "$$\n\\begin{aligned}\n" + "\n".join(lines) + "\n\\end{aligned}\n$$"

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"text/plain": repr(self), "text/latex": self._repr_latex_()}
        return data, {METADATA_KEY: {"derivation": self.record()}}

    def summary(self) -> str:
        a = self.audit()
        name = f" '{self.title}'" if self.title else ""
        premises = a.total - len(self.steps)
        extra = f" + {premises} cited premise{'s' if premises > 1 else ''}" if premises else ""
        return (f"Derivation{name}: {len(self.steps)} steps{extra} (symbolic {a.symbolic}, "
                f"instance {a.instance}, numeric {a.numeric}, cited {a.cited})")

    def __repr__(self) -> str:
        lines = [self.summary(), f"    {self.start}"]
        for s in self.steps:
            mark = f"cited: {s.cite}" if s.method == "cited" else s.method
            lines.append(f"  {s.rel} {s.expr}    [{mark}: {s.why}]")
        for step, p in self.all_premises():
            where = "chain" if step is None else f"step {step}"
            lines.append(f"  {p.kind} ({where}, {p.status}): {p.statement}")
        return "\n".join(lines)


class CitedResult:
    """A result the chapter uses without proving it, shown with its reference.

    Counted by the audit as one cited step; the audit page lists it with its key.
    """

    def __init__(self, title: str, statement, key: str, *, note: str | None = None):
        if not isinstance(title, str) or not title.strip():
            raise ValueError("title must name the result, e.g. 'Strong duality'")
        self.key = _validate_cite(key, True)
        if isinstance(statement, str):
            self.latex = statement
        elif isinstance(statement, sp.Basic | sp.MatrixBase):
            self.latex = _latex(statement)
        else:
            raise TypeError("statement must be LaTeX (str) or a SymPy expression, got "
                            f"{type(statement).__name__}")
        if note is not None and not isinstance(note, str):
            raise TypeError("note must be a string")
        self.title, self.note = title, note

    def audit(self) -> Audit:
        return Audit(0, 0, 0, 1, 1)

    def record(self) -> dict:
        return {"title": self.title, "instance": None, "start": self.latex,
                "steps": [{"rel": "", "latex": self.latex, "why": self.note or "",
                           "method": "cited", "detail": f"cited: {self.key}",
                           "cite": self.key}],
                "premises": [], "audit": self.audit()._asdict(), "kind": "cited result"}

    def _repr_latex_(self) -> str:
        note = (r"\quad\text{" + _text(self.note) + "}") if self.note else ""
        return ("$$\n\\begin{aligned}\n&\\textbf{" + _title_latex(self.title) + r"}\\[2pt]" + "\n&"
                + self.latex + note + r"\quad" + _cite_mark(self.key) + "\\\\\n"
                + "\\end{aligned}\n$$")

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"text/plain": repr(self), "text/latex": self._repr_latex_()}
        return data, {METADATA_KEY: {"derivation": self.record()}}

    def __repr__(self) -> str:
        return f"Cited result '{self.title}' [{self.key}]: {self.latex}"


def cite(title: str, statement, key: str, *, note: str | None = None) -> CitedResult:
    """A theorem used without proof, with its ``references.bib`` key (counted as cited)."""
    return CitedResult(title, statement, key, note=note)


# --------------------------------------------------------------------------- rendering
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


def _title_latex(title: str) -> str:
    """A chain's title inside ``\\textbf{...}``: plain text, or text and ``$...$`` math."""
    return _reason_latex(title) if "$" in title else _text(title)


def _cite_mark(key: str) -> str:
    return r"\text{[cited: " + _text(key) + "]}"


def _mark_latex(s: Step) -> str:
    if s.method == "cited":
        return _cite_mark(s.cite or "")
    if s.rtol is not None and s.method == "numeric":  # a tolerance the author chose shows
        return r"\text{[" + s.method + f", rtol {s.rtol:g}" + "]}"
    return r"\text{[" + s.method + "]}"


def _premise_lines(items) -> list[tuple[str, str]]:
    """One line per kind of premise: where (definitions), assuming, facts."""
    groups: dict[str, list[str]] = {"definition": [], "hypothesis": [], "claim": []}
    for step, p in items:
        where = "" if step is None else r"\ (\text{step " + str(step) + "})"
        latex = p.latex() + where
        if p.kind == "claim":
            status = f"cited: {p.cite}" if p.status == "cited" else p.status
            if p.by is not None:
                status += f", by '{p.by.title or '(untitled)'}'"
            latex += r"\ \text{[" + _text(status) + "]}"
        elif p.kind == "hypothesis" and p.status == "symbolic":
            latex += r"\ \text{[checked with sympy.stats]}"
        groups[p.kind].append(latex)
    names = {"definition": "where", "hypothesis": "assuming", "claim": "facts:"}
    return [(names[k], r",\quad ".join(v)) for k, v in groups.items() if v]
