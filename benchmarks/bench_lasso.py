"""Lasso by coordinate descent: derivlib against scikit-learn's ``Lasso``, same data, one run.

Both minimise ``||y - X w - b||^2 / (2n) + alpha ||w||_1`` with an unpenalised intercept
(centring), cyclic coordinate descent from w = 0, and the same stopping rule: the duality
gap at most ``tol * ||y_c||^2 / n`` (derivlib checks it after every sweep in its Gram form,
and after sweeps with small coefficient changes in its residual form, as scikit-learn
does). Each time is the best of ``REPEATS`` runs of the whole call, input validation and
centring included; the two calls alternate within each repeat (``_common.race``), so that
both see the same machine load. The final objective values of both solutions, evaluated by
the same function, are checked to differ by at most that gap bound (each is within it of the
optimum) and are recorded in the notes, with the numbers of sweeps. Target (issue
``lasso``): derivlib at most 2x scikit-learn's time, on every row.

Rows
----
* iid Gaussian design (few sweeps): derivlib ``method="auto"`` and ``"residual"`` against
  scikit-learn's default (``precompute=False``); derivlib ``"gram"`` against
  ``precompute=True`` (both form X^T X once).
* correlated design (many sweeps), where the covariance (Gram) updates pay: the same three
  comparisons.

The BLAS keeps its default threads (both libraries use it); the machine line of the result
says how many.

Usage: ``.venv/bin/python benchmarks/bench_lasso.py`` (writes benchmarks/results/lasso.json).
"""

from __future__ import annotations

import numpy as np
import sklearn
from _common import Run, race
from sklearn.linear_model import Lasso

from derivlib.linear_models import linear_regression as linreg

N, D, K_TRUE = 10_000, 500, 50
REPEATS = 7
TOL = 1e-4  # scikit-learn's default
MAX_ITER = 10_000
TARGET = 2.0  # derivlib at most twice scikit-learn's time


def make_data(kind: str, rng: np.random.Generator):
    """n x d design with a sparse true weight vector and unit noise."""
    X = rng.normal(size=(N, D))
    if kind == "correlated":
        # AR(1) columns: corr(x_j, x_k) = 0.9^|j - k|, a hard design for coordinate descent
        for j in range(1, D):
            X[:, j] = 0.9 * X[:, j - 1] + np.sqrt(1 - 0.9**2) * X[:, j]
    w = np.zeros(D)
    w[rng.choice(D, K_TRUE, replace=False)] = rng.normal(scale=2.0, size=K_TRUE)
    y = X @ w + 3.0 + rng.normal(size=N)
    return X, y


def calls(X, y, alpha, method, ref_kw):
    """The two timed calls on the same data: derivlib's lasso and scikit-learn's Lasso."""

    def ours():
        return linreg.lasso(X, y, alpha, tol=TOL, max_iter=MAX_ITER, method=method)

    def reference():
        return Lasso(alpha=alpha, tol=TOL, max_iter=MAX_ITER, **ref_kw).fit(X, y)

    return ours, reference


def main() -> None:
    run = Run("lasso", "Lasso by coordinate descent")
    for kind, frac in [("iid", 0.05), ("correlated", 0.02)]:
        rng = np.random.default_rng(0)
        X, y = make_data(kind, rng)
        alpha = frac * linreg.lasso_lam_max(X, y)
        gap_bound = TOL * float(np.sum((y - y.mean()) ** 2)) / N  # both stopping rules
        pairs = [
            ("auto", "Lasso()", {}),
            ("residual", "Lasso()", {}),
            ("gram", "Lasso(precompute=True)", {"precompute": True}),
        ]
        for method, ref_name, ref_kw in pairs:
            timed_ours, timed_ref = race(*calls(X, y, alpha, method, ref_kw), REPEATS)
            ours, ref = timed_ours.result, timed_ref.result
            f_ours = linreg.lasso_objective(ours.w, ours.b, X, y, alpha)
            f_ref = linreg.lasso_objective(ref.coef_, ref.intercept_, X, y, alpha)
            if not (ours.converged and ref.n_iter_ < MAX_ITER
                    and abs(f_ours - f_ref) <= gap_bound):
                raise RuntimeError(f"not the same solution ({kind}, {method}): objectives "
                                   f"{f_ours!r} (derivlib, converged={ours.converged}), "
                                   f"{f_ref!r} (scikit-learn, {ref.n_iter_} sweeps)")
            run.add(f"lasso CD, {kind} design, method={method!r}",
                    f"n={N}, d={D}, alpha={frac}*alpha_max={alpha:.4g}, tol={TOL:g}",
                    f"scikit-learn {sklearn.__version__} {ref_name}.fit",
                    timed_ours.seconds, timed_ref.seconds, target=TARGET,
                    repeats=timed_ours.repeats,
                    notes=f"{ours.n_iter} sweeps vs {ref.n_iter_}; final objective: derivlib "
                          f"{f_ours:.10g}, scikit-learn {f_ref:.10g} (relative difference "
                          f"{abs(f_ours - f_ref) / abs(f_ref):.1e})")
    run.finish()


if __name__ == "__main__":
    main()
