"""Benchmark: derivlib's IRLS against scikit-learn's LogisticRegression, same data, one run.

Both minimise the same objective on the same data with the same ``C``: scikit-learn's
``C * sum(loss) + ||w||^2 / 2`` with an unpenalised intercept, which is eq. (logreg-obj) of
the chapter times ``C``. The stopping rules are as close as they can be: derivlib's IRLS stops
when ``max_j |dL/dtheta_j| / n <= tol``, which is exactly the ``gtol`` test of scikit-learn's
lbfgs solver (its objective is ours divided by ``n``); L-BFGS may in addition stop when the
objective stalls (``ftol``). Both final objectives are reported, and the run fails if they
disagree (relative 1e-6) or if the weights differ by more than 1e-3. derivlib's time includes
its input validation, as scikit-learn's does. Each time is the best of ``REPEATS`` runs,
alternating the two libraries so that both see the same machine load.

Run: ``.venv/bin/python benchmarks/bench_logistic.py`` (or ``make bench``); writes
``benchmarks/results/logistic.json``.
"""

from __future__ import annotations

import json
import os
import platform
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from derivlib.linear_models import logistic_regression as lr

REPEATS = 11
N, D, C = 100_000, 50, 1.0
TARGET = 1.5  # derivlib at most 1.5x scikit-learn's default (lbfgs) time
OUT = Path(__file__).resolve().parent / "results" / "logistic.json"


def machine() -> str:
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, NumPy {np.__version__}")


def best_times(fit_ours, fit_ref, repeats=REPEATS):
    """Best of ``repeats`` for each, the two alternating; returns times and last results."""
    t_ours, t_ref = [], []
    ours = ref = None
    for _ in range(repeats):
        start = time.perf_counter()
        ours = fit_ours()
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        ref = fit_ref()
        t_ref.append(time.perf_counter() - start)
    return min(t_ours), min(t_ref), ours, ref


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


def binary_row(X, y, tol, solver, target, optimum):
    def fit_ref():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a ConvergenceWarning would only add noise here
            return LogisticRegression(C=C, tol=tol, solver=solver, max_iter=10_000).fit(X, y)

    t_ours, t_ref, ours, ref = best_times(lambda: lr.irls(X, y, C=C, tol=tol), fit_ref)
    # validation: both solved the same problem, as accurately as their stopping rule asks
    # (objective gaps to the optimum, in scikit-learn's scaling C * sum(loss) + |w|^2 / 2)
    f_star = C * optimum.history[-1]
    f_ours = C * ours.history[-1]
    f_ref = C * lr.objective(ref.coef_[0], ref.intercept_[0], X, y, C=C)
    dw = float(max(np.max(np.abs(ours.w - ref.coef_[0])), abs(ours.b - ref.intercept_[0])))
    # the stopping rule max|grad|/n <= tol bounds the gap only loosely (about
    # |grad|^2 / (2 lambda_min(H))); tol * |f*| is well above that and far below any error
    allowed = tol * abs(f_star)
    if not (ours.converged and 0 <= f_ours - f_star <= allowed and -1e-9 * abs(f_star)
            <= f_ref - f_star <= allowed):
        raise RuntimeError(f"not the same solution: objectives {f_ours} (derivlib), {f_ref} "
                           f"(scikit-learn), optimum {f_star}")
    return {
        "benchmark": "binary logistic regression: IRLS (Newton, Cholesky)",
        "params": f"n={N}, d={D}, C={C:g}, tol={tol:g}",
        "reference": f"scikit-learn LogisticRegression(solver='{solver}')",
        "derivlib_s": round(t_ours, 4),
        "reference_s": round(t_ref, 4),
        "ratio": round(t_ours / t_ref, 2),
        "target": target,
        "notes": (f"{ours.n_iter} Newton steps after the least-squares start vs "
                  f"{int(ref.n_iter_[0])} {solver} iterations; final objective "
                  f"C*sum(loss)+|w|^2/2: derivlib {f_ours:.6f}, scikit-learn {f_ref:.6f}, "
                  f"optimum {f_star:.6f} (gaps {f_ours - f_star:.1e} and {f_ref - f_star:.1e}); "
                  f"max |w_derivlib - w_sklearn| {dw:.1e}"),
    }


def softmax_row(n, K, tol):
    X, labels = multiclass_data(n, K)

    def fit_ref():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return LogisticRegression(C=C, tol=tol, max_iter=10_000).fit(X, labels)

    t_ours, t_ref, ours, ref = best_times(
        lambda: lr.fit_softmax(X, labels, C=C, method="lbfgs", tol=tol), fit_ref)
    f_ours = C * lr.softmax_objective(ours.W, ours.b, X, labels, C=C)
    f_ref = C * lr.softmax_objective(ref.coef_.T, ref.intercept_, X, labels, C=C)
    dw = float(np.max(np.abs(ours.W.T - ref.coef_)))
    if not abs(f_ours - f_ref) <= 1e-6 * abs(f_ref):
        raise RuntimeError(f"softmax objectives disagree: {f_ours} vs {f_ref}")
    return {
        "benchmark": "softmax regression: L-BFGS with the analytic gradient",
        "params": f"n={n}, d={D}, K={K}, C={C:g}, tol={tol:g}",
        "reference": "scikit-learn LogisticRegression(solver='lbfgs'), multinomial",
        "derivlib_s": round(t_ours, 4),
        "reference_s": round(t_ref, 4),
        "ratio": round(t_ours / t_ref, 2),
        "target": None,
        "notes": (f"{ours.n_iter} vs {int(ref.n_iter_[0])} L-BFGS iterations; final objective: "
                  f"derivlib {f_ours:.6f}, scikit-learn {f_ref:.6f}; max |W diff| {dw:.1e}"),
    }


def main():
    load_before = os.getloadavg()  # the 1-minute load, before and after: a shared machine
    X, y = binary_data()
    optimum = lr.irls(X, y, C=C, tol=1e-13)  # the reference point for the objective gaps
    rows = [
        binary_row(X, y, 1e-4, "lbfgs", TARGET, optimum),  # scikit-learn's defaults
        binary_row(X, y, 1e-8, "lbfgs", TARGET, optimum),  # a tight tolerance for both
        binary_row(X, y, 1e-4, "newton-cholesky", None, optimum),  # its own Newton solver
        softmax_row(20_000, 5, 1e-4),
    ]
    load = os.getloadavg()
    result = {"topic": "logistic", "machine": machine(), "date": date.today().isoformat(),
              "load_average": [round(x, 2) for x in (load_before[0], load[0])],
              "rows": rows}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print(f"logistic regression benchmarks ({result['machine']}), best of {REPEATS}, "
          f"1-minute load average {result['load_average'][0]} before, "
          f"{result['load_average'][1]} after")
    print(f"{'benchmark':<55} {'params':<32} {'derivlib':>9} {'reference':>9} {'ratio':>6}"
          f" {'target':>6}")
    for r in rows:
        target = "" if r["target"] is None else f"{r['target']:g}x"
        verdict = "" if r["target"] is None else ("met" if r["ratio"] <= r["target"] else "MISSED")
        print(f"{r['benchmark'][:55]:<55} {r['params']:<32} {r['derivlib_s']:>9.4f}"
              f" {r['reference_s']:>9.4f} {r['ratio']:>5.2f}x {target:>6} {verdict}")
        print(f"    vs {r['reference']}: {r['notes']}")
    print(f"wrote {OUT.relative_to(OUT.parents[2])}")


if __name__ == "__main__":
    main()
