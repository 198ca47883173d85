"""Benchmark derivlib.graphical_models.semi_naive_bayes against pgmpy on the same data, in one run.

TAN structure learning: ``snb.tan_structure(X, y, root=0)`` (the conditional mutual
informations of every pair of features, then Prim's maximum spanning tree) against pgmpy's
``TreeSearch(data, root_node="x0", n_jobs=1).estimate(estimator_type="tan", class_node="C")``
(the same weights with scikit-learn's ``mutual_info_score`` on pandas subsets, then
networkx's maximum spanning tree), for D in {10, 30} features with 3 values and N in
{1000, 10000} samples of two classes, with correlated features (so that the weights are
distinct and the tree unique). The two edge sets are checked to be equal before timing. The
issue sets no target: the rows are for the record. pgmpy runs with ``n_jobs=1`` (its default,
-1, starts worker processes); both sides on one core.

Run from the repository root: ``.venv/bin/python benchmarks/bench_semi_naive_bayes.py``;
writes ``benchmarks/results/semi_naive_bayes.json``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from _common import Run, limit_blas_threads, race

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # pgmpy's deprecation notices
    import pgmpy
    from pgmpy.estimators import TreeSearch

from derivlib.graphical_models import semi_naive_bayes as snb

SIZES = ((10, 1000), (10, 10_000), (30, 1000), (30, 10_000))


def data(D: int, N: int, rng: np.random.Generator):
    y = rng.integers(0, 2, size=N)
    X = (rng.integers(0, 3, size=(N, D)) + y[:, None]) % 3
    for j in range(1, D):
        copy = rng.random(N) < rng.uniform(0.2, 0.8)
        X[:, j] = np.where(copy, X[:, rng.integers(0, j)], X[:, j])
    return X, y


def main() -> None:
    limit_blas_threads(1)
    run = Run("semi_naive_bayes", "Semi-naive Bayes: TAN structure learning")
    rng = np.random.default_rng(2026)
    for D, N in SIZES:
        X, y = data(D, N, rng)
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(D)]).assign(C=y)

        def ours(X=X, y=y):
            return snb.tan_structure(X, y, root=0)

        def theirs(frame=frame):
            return TreeSearch(frame, root_node="x0", n_jobs=1).estimate(
                estimator_type="tan", class_node="C", show_progress=False)

        parents = ours()
        edges = {(f"x{p}", f"x{j}") for j, p in enumerate(parents) if p >= 0}
        assert set(theirs().edges()) == edges | {("C", f"x{j}") for j in range(D)}
        mine, ref = race(ours, theirs, 3 if N >= 10_000 else 5, max_seconds=120)
        run.add("TAN structure (conditional mutual information + maximum spanning tree)",
                f"D={D}, N={N}, 3 values, 2 classes",
                f"pgmpy {pgmpy.__version__} TreeSearch(n_jobs=1).estimate('tan')",
                mine.seconds, ref.seconds, repeats=mine.repeats, notes="same edge set")
    run.finish()


if __name__ == "__main__":
    main()
