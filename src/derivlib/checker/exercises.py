"""The exercise checker: :func:`check_answer` says whether a reader's answer is right.

A self-checking exercise cell calls :func:`check_answer` with the reader's answer (a SymPy
expression or a string, parsed with ``^`` as a power and implicit multiplication) and the
expected expression; the two are compared by :func:`derivlib.checker.engine.check_equal`, and
the verdict is an :class:`AnswerCheck` ("Correct." or "Not yet." with a hint), never an
exception for a malformed answer. The public face is :mod:`derivlib.derivation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from derivlib.checker.engine import check_equal
from derivlib.checker.errors import StepError
from derivlib.checker.expectation import E

__all__ = ["AnswerCheck", "check_answer"]


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


def check_answer(answer, expected, *, symbols=None, hint=None, define=None, assume=None,
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
    define, assume, domains
        As for :class:`~derivlib.checker.chain.Derivation`.

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
        check_equal(answer, expected, define=define, assume=assume, domains=domains)
    except StepError:
        return AnswerCheck(False, hint or "It differs from the expected expression.")
    return AnswerCheck(True, f"${sp.latex(answer)}$ is right.")
