"""Benchmark: derivlib's IRLS against scikit-learn's LogisticRegression, same data, one run.

Both minimise the same objective on the same data with the same ``C``: scikit-learn's
``C * sum(loss) + ||w||^2 / 2`` with an unpenalised intercept, which is eq. (logreg-obj) of
the chapter times ``C``. The stopping rules are as close as they can be: derivlib's IRLS stops
when ``max_j |dL/dtheta_j| / n <= tol``, which is exactly the ``gtol`` test of scikit-learn's
lbfgs solver (its objective is ours divided by ``n``); L-BFGS may in addition stop when the
objective stalls (``ftol``). Both final objectives are reported, and the run fails unless they
solved the same problem: in the binary rows, derivlib converged and both objectives are within
``tol * |f*|`` above the optimum ``f*`` (IRLS at ``tol=1e-13``); in the softmax row, the two
objectives agree to a relative 1e-6. The largest difference of the weights is reported.
derivlib's time includes its input validation, as scikit-learn's does. Each time is the best
of ``REPEATS`` runs, the two libraries back to back in each (alternating which goes first,
``_common.race``) so that both see the same machine load. Target (issue ``logistic``): IRLS
at most 1.5x the time of scikit-learn's default solver (lbfgs) at n = 1e5, d = 50; the row
against its own Newton solver and the softmax row have none. The BLAS keeps its default
threads (both libraries use it); the machine line of the result says how many.

Run: ``.venv/bin/python benchmarks/bench_logistic.py`` (or ``make bench``); writes
``benchmarks/results/logistic.json``.
"""

from __future__ import annotations

import warnings

import numpy as np
import sklearn
from _common import Run, race
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from derivlib.linear_models import logistic_regression as logreg

REPEATS = 11
N, D, C = 100_000, 50, 1.0
TARGET = 1.5  # derivlib at most 1.5x scikit-learn's default (lbfgs) time
SKLEARN = f"scikit-learn {sklearn.__version__}"


def binary_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    w = rng.standard_normal(D) * 2.0 / np.sqrt(D)
    y = (rng.random(N) < expit(X @ w + 0.3)).astype(float)
    return X, y


def multiclass_data(n: int, K: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, D))
    W = rng.standard_normal((D, K)) * 2.0 / np.sqrt(D)
    P = np.exp(X @ W)
    P /= P.sum(axis=1, keepdims=True)
    labels = (rng.random(n)[:, None] > np.cumsum(P, axis=1)).sum(axis=1)
    return X, np.minimum(labels, K - 1)


def binary_row(run, X, y, tol, solver, target, optimum):
    def fit_ref():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a ConvergenceWarning would only add noise here
            return LogisticRegression(C=C, tol=tol, solver=solver, max_iter=10_000).fit(X, y)

    timed_ours, timed_ref = race(lambda: logreg.irls(X, y, C=C, tol=tol), fit_ref, REPEATS)
    ours, ref = timed_ours.result, timed_ref.result
    # validation: both solved the same problem, as accurately as their stopping rule asks
    # (objective gaps to the optimum, in scikit-learn's scaling C * sum(loss) + |w|^2 / 2)
    f_star = C * optimum.history[-1]
    f_ours = C * ours.history[-1]
    f_ref = C * logreg.objective(ref.coef_[0], ref.intercept_[0], X, y, C=C)
    dw = float(max(np.max(np.abs(ours.w - ref.coef_[0])), abs(ours.b - ref.intercept_[0])))
    # the stopping rule max|grad|/n <= tol bounds the gap only loosely (about
    # |grad|^2 / (2 lambda_min(H))); tol * |f*| is well above that and far below any error
    allowed = tol * abs(f_star)
    if not (ours.converged and 0 <= f_ours - f_star <= allowed and -1e-9 * abs(f_star)
            <= f_ref - f_star <= allowed):
        raise RuntimeError(f"not the same solution: objectives {f_ours} (derivlib), {f_ref} "
                           f"(scikit-learn), optimum {f_star}")
    run.add("binary logistic regression: IRLS (Newton, Cholesky)",
            f"n={N}, d={D}, C={C:g}, tol={tol:g}",
            f"{SKLEARN} LogisticRegression(solver='{solver}').fit",
            timed_ours.seconds, timed_ref.seconds, target=target, repeats=timed_ours.repeats,
            notes=f"{ours.n_iter} Newton steps after the least-squares start vs "
                  f"{int(ref.n_iter_[0])} {solver} iterations; final objective "
                  f"C*sum(loss)+|w|^2/2: derivlib {f_ours:.6f}, scikit-learn {f_ref:.6f}, "
                  f"optimum {f_star:.6f} (gaps {f_ours - f_star:.1e} and {f_ref - f_star:.1e}); "
                  f"max |w_derivlib - w_sklearn| {dw:.1e}")


def softmax_row(run, n, K, tol):
    X, labels = multiclass_data(n, K)

    def fit_ref():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return LogisticRegression(C=C, tol=tol, max_iter=10_000).fit(X, labels)

    timed_ours, timed_ref = race(
        lambda: logreg.fit_softmax(X, labels, C=C, method="lbfgs", tol=tol), fit_ref, REPEATS)
    ours, ref = timed_ours.result, timed_ref.result
    f_ours = C * logreg.softmax_objective(ours.W, ours.b, X, labels, C=C)
    f_ref = C * logreg.softmax_objective(ref.coef_.T, ref.intercept_, X, labels, C=C)
    dw = float(np.max(np.abs(ours.W.T - ref.coef_)))
    if not abs(f_ours - f_ref) <= 1e-6 * abs(f_ref):
        raise RuntimeError(f"softmax objectives disagree: {f_ours} vs {f_ref}")
    run.add("softmax regression: L-BFGS with the analytic gradient",
            f"n={n}, d={D}, K={K}, C={C:g}, tol={tol:g}",
            f"{SKLEARN} LogisticRegression(solver='lbfgs').fit, multinomial",
            timed_ours.seconds, timed_ref.seconds, repeats=timed_ours.repeats,
            notes=f"{ours.n_iter} vs {int(ref.n_iter_[0])} L-BFGS iterations; final objective: "
                  f"derivlib {f_ours:.6f}, scikit-learn {f_ref:.6f}; max |W diff| {dw:.1e}")


def main():
    run = Run("logistic", "Logistic and softmax regression: IRLS and L-BFGS")
    X, y = binary_data()
    optimum = logreg.irls(X, y, C=C, tol=1e-13)  # the reference point for the objective gaps
    binary_row(run, X, y, 1e-4, "lbfgs", TARGET, optimum)  # scikit-learn's defaults
    binary_row(run, X, y, 1e-8, "lbfgs", TARGET, optimum)  # a tight tolerance for both
    binary_row(run, X, y, 1e-4, "newton-cholesky", None, optimum)  # its own Newton solver
    softmax_row(run, 20_000, 5, 1e-4)
    run.finish()


if __name__ == "__main__":
    main()
