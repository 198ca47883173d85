"""Did this iterative method really converge? (shared by every derivlib solver).

The conventions, so that no solver can report a result it has not earned:

* ``converged`` is decided by the method's **optimality conditions**, measured on the
  returned result (a KKT gap, a gradient norm, a duality gap; for EM, which has no
  certificate, the change of the log-likelihood), never by a third-party optimiser's own
  stopping flag and never by "the step was small".
* A low-level solver that stops without converging returns ``converged=False`` **and**
  issues a :class:`ConvergenceWarning` whose message says which condition failed, by how
  much, and what to try; :func:`report` does both.
* An estimator (a class with ``fit``) raises :class:`ConvergenceError` instead: a fitted
  object that is not a solution would be used as one.
* A result of valid input that float64 cannot represent raises :class:`NumericalError`
  (see :func:`derivlib._validation.check_finite_result`); no public function returns NaN.
"""

from __future__ import annotations

import math
import warnings

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "NumericalError",
    "SeparationWarning",
    "report",
]


class ConvergenceWarning(UserWarning):
    """An iterative method stopped before its optimality conditions held."""


class SeparationWarning(UserWarning):
    """The classes are linearly separable: the unpenalised maximum-likelihood weights are
    infinite, so a finite answer is only where the iterations stopped."""


class ConvergenceError(RuntimeError):
    """An estimator's solver did not reach its optimality conditions (``fit`` refuses to
    return a model that is not a solution)."""


class NumericalError(FloatingPointError, ValueError):
    """A result of valid input cannot be represented in float64 (overflow, an unbounded
    variance). It is a ``ValueError`` too, so code that catches bad input catches it."""


def report(method: str, *, measure: str, value: float, tol: float, n_iter: int,
           max_iter: int | None = None, advice: str = "", warn: bool = True,
           stacklevel: int = 3) -> bool:
    """Decide convergence from an optimality measure, and warn if it failed.

    Parameters
    ----------
    method : str
        What ran, e.g. ``"SMO"`` or ``"L-BFGS (fit_softmax)"``.
    measure : str
        The optimality measure, e.g. ``"KKT gap"`` or ``"max |gradient| / n"``.
    value : float
        Its value at the returned result. NaN or infinity never counts as converged.
    tol : float
        The tolerance the caller asked for.
    n_iter, max_iter : int
        Iterations used and allowed (for the message).
    advice : str
        What to try, appended to the warning.
    warn : bool
        Issue the :class:`ConvergenceWarning` (False for callers that raise instead).
    stacklevel : int
        Passed to :func:`warnings.warn` (3 points at the caller of the solver).

    Returns
    -------
    bool
        ``value <= tol`` and finite.
    """
    ok = math.isfinite(value) and value <= tol
    if not ok and warn:
        warnings.warn(message(method, measure=measure, value=value, tol=tol, n_iter=n_iter,
                              max_iter=max_iter, advice=advice),
                      ConvergenceWarning, stacklevel=stacklevel)
    return ok


def message(method: str, *, measure: str, value: float, tol: float, n_iter: int,
            max_iter: int | None = None, advice: str = "") -> str:
    """The text of a non-convergence warning or error."""
    budget = f" of max_iter={max_iter}" if max_iter is not None else ""
    text = (f"{method} did not converge: {measure} = {value:.3g} > tol = {tol:g} after "
            f"{n_iter} iteration(s){budget}")
    return f"{text}; {advice}" if advice else text
