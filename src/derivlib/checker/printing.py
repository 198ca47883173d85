"""LaTeX for the chapters' expressions, in the order a person writes them.

SymPy prints a sum in its canonical order, which often starts with a negative term:
``x_n - mu`` prints as ``- \\mu + x_{n}``. :func:`latex` prints exactly the same expression
but starts each sum with a term that carries no minus sign when it has one (``x_{n} - \\mu``,
``1 + x - \\mu``); everything else is SymPy's printing. Only the printed order changes:
the checker always works on the expressions themselves.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

__all__ = ["latex"]


def _negated_as_written(term):
    """``-term`` without evaluating a held product: ``MatMul(-1, A, Q, Q**-1)`` gives
    ``MatMul(A, Q, Q**-1)`` (``-term`` would cancel ``Q Q**-1`` and print ``A``)."""
    if isinstance(term, (sp.MatMul, sp.Mul)) and term.args and term.args[0].is_number \
            and term.args[0].is_negative:
        coeff, rest = -term.args[0], list(term.args[1:])
        args = rest if coeff == 1 else [coeff, *rest]
        if len(args) == 1:
            return args[0]
        return type(term)(*args, evaluate=False)
    return -term


class _Printer(LatexPrinter):
    def _print_Add(self, expr, order=None):
        # SymPy's, with the minus sign taken off a term without re-evaluating the term
        terms = self._as_ordered_terms(expr, order=order)
        tex = ""
        for i, term in enumerate(terms):
            if i == 0:
                pass
            elif term.could_extract_minus_sign():
                tex += " - "
                term = _negated_as_written(term)
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex

    def _as_ordered_terms(self, expr, order=None):
        terms = list(super()._as_ordered_terms(expr, order=order))
        if isinstance(expr, sp.Add) and terms and terms[0].could_extract_minus_sign():
            first = next((k for k, t in enumerate(terms) if not t.could_extract_minus_sign()),
                         None)
            if first is not None:
                terms.insert(0, terms.pop(first))
        return terms


def latex(expr, **settings) -> str:
    """``sympy.latex(expr)``, but a sum starts with a term without a minus sign if it has one."""
    return _Printer(settings).doprint(expr)
