"""Benchmark derivlib.graphical_models.naive_bayes against scikit-learn, same data, one run.

For each of the four variants, ``fit`` and ``predict_proba`` are timed separately, best of
several repeats, derivlib and scikit-learn back to back on the same inputs (alternating which
goes first, ``_common.race``):

* ``GaussianNB`` (``var_smoothing=1e-9``) on n = 20 000 samples, D = 50 real features, K = 10
  classes;
* ``MultinomialNB`` (``alpha=1``) on n = 20 000 dense documents of D = 500 Poisson word counts;
* ``BernoulliNB`` (``alpha=1``, ``binarize=0``) on the same counts;
* ``CategoricalNB`` (``alpha=1``) on n = 20 000 samples of D = 20 features with 6 categories.

Both sides pay for their input validation (scikit-learn's ``validate_data``, derivlib's
``_validation``). The fitted parameters and the probabilities are checked to agree (1e-10)
before anything is timed. Target (issue 14): every ratio <= 1.0.

BLAS is limited to one thread (``_common.limit_blas_threads``), as in the other benchmarks.

Run from the repository root: ``.venv/bin/python benchmarks/bench_naive_bayes.py``; writes
``benchmarks/results/naive_bayes.json``.
"""

from __future__ import annotations

import numpy as np
import sklearn
import sklearn.naive_bayes as sk
from _common import Run, limit_blas_threads, race

from derivlib.graphical_models import naive_bayes as nb

N = 20_000
K = 10
TARGET = 1.0


def data(rng: np.random.Generator):
    y = rng.integers(0, K, size=N)
    centres = rng.normal(size=(K, 50))
    X_gauss = centres[y] + rng.normal(size=(N, 50)) * rng.uniform(0.5, 2.0, size=50)
    rates = rng.gamma(0.3, 1.0, size=(K, 500))
    X_counts = rng.poisson(rates[y] * 0.2).astype(float)
    probs = rng.dirichlet(np.ones(6), size=(K, 20))  # (K, D, C)
    cum = probs.cumsum(axis=2)[y]  # (N, D, C)
    X_cat = (rng.random((N, 20, 1)) > cum).sum(axis=2).astype(float)
    return y, X_gauss, X_counts, X_cat


def main() -> None:
    limit_blas_threads(1)
    run = Run("naive_bayes", "Naive Bayes: fit and predict_proba of the four variants")
    rng = np.random.default_rng(2026)
    y, X_gauss, X_counts, X_cat = data(rng)
    cases = [
        ("GaussianNB", f"n={N}, D=50, K={K}, var_smoothing=1e-9", X_gauss,
         lambda: nb.GaussianNB(var_smoothing=1e-9), lambda: sk.GaussianNB(var_smoothing=1e-9)),
        ("MultinomialNB", f"n={N}, D=500, K={K}, alpha=1", X_counts,
         lambda: nb.MultinomialNB(alpha=1.0), lambda: sk.MultinomialNB(alpha=1.0)),
        ("BernoulliNB", f"n={N}, D=500, K={K}, alpha=1, binarize=0", X_counts,
         lambda: nb.BernoulliNB(alpha=1.0, binarize=0.0),
         lambda: sk.BernoulliNB(alpha=1.0, binarize=0.0)),
        ("CategoricalNB", f"n={N}, D=20, C=6, K={K}, alpha=1", X_cat,
         lambda: nb.CategoricalNB(alpha=1.0), lambda: sk.CategoricalNB(alpha=1.0)),
    ]
    version = f"scikit-learn {sklearn.__version__}"
    for name, params, X, ours_new, ref_new in cases:
        ours, ref = ours_new().fit(X, y), ref_new().fit(X, y)
        p_ours, p_ref = ours.predict_proba(X), ref.predict_proba(X)
        assert np.allclose(p_ours, p_ref, rtol=0, atol=1e-10), np.abs(p_ours - p_ref).max()
        fit_o, fit_r = race(lambda X=X, f=ours_new: f().fit(X, y),
                            lambda X=X, f=ref_new: f().fit(X, y), 7)
        run.add(f"{name} fit", params, f"{version} {name}.fit", fit_o.seconds, fit_r.seconds,
                target=TARGET, repeats=fit_o.repeats)
        pred_o, pred_r = race(lambda X=X, m=ours: m.predict_proba(X),
                              lambda X=X, m=ref: m.predict_proba(X), 7)
        run.add(f"{name} predict_proba", params, f"{version} {name}.predict_proba",
                pred_o.seconds, pred_r.seconds, target=TARGET, repeats=pred_o.repeats,
                notes="probabilities agree to 1e-10")
    run.finish()


if __name__ == "__main__":
    main()
