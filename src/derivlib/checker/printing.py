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


class _Printer(LatexPrinter):
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
