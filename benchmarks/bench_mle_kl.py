"""Benchmark: derivlib's mle_kl against SciPy and scikit-learn, same inputs, one run.

Rows (no targets were set by an issue):

* ``mutual_information`` of a dense ``K x K`` joint table against
  ``sklearn.metrics.mutual_info_score(None, None, contingency=counts)`` on the counts that
  give the table (scikit-learn normalises them itself);
* ``kl_divergence`` of two distributions over ``K`` outcomes against
  ``scipy.stats.entropy(p, q)``;
The Hessians and the KL fits have no production reference and are not timed.

Each pair must agree before it is timed. Each time is the best of ``REPEATS`` runs, the two
back to back (``_common.race``).

Run: ``.venv/bin/python benchmarks/bench_mle_kl.py`` (or ``make bench``); writes
``benchmarks/results/mle_kl.json``.
"""

from __future__ import annotations

import numpy as np
import scipy
import sklearn
from _common import Run, race
from scipy import stats
from sklearn.metrics import mutual_info_score

from derivlib.foundations import mle_kl

REPEATS = 7


def main():
    run = Run("mle_kl", "KL divergence and mutual information")
    rng = np.random.default_rng(0)
    for K in (100, 1000):
        counts = rng.integers(1, 50, size=(K, K)).astype(float)
        P = counts / counts.sum()

        def ours(P=P):
            return mle_kl.mutual_information(P)

        def ref(counts=counts):
            return mutual_info_score(None, None, contingency=counts)

        if not np.isclose(ours(), ref(), rtol=1e-10):
            raise RuntimeError(f"K={K}: mutual information disagrees: {ours()} vs {ref()}")
        t_ours, t_ref = race(ours, ref, REPEATS)
        run.add("mutual_information (dense joint table)", f"{K} x {K} table",
                f"scikit-learn {sklearn.__version__} mutual_info_score(contingency=counts)",
                t_ours.seconds, t_ref.seconds, repeats=t_ours.repeats,
                notes="derivlib validates that the table sums to 1; scikit-learn normalises "
                      "the counts")
    for K in (1000, 1_000_000):
        p, q = rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K))

        def ours_kl(p=p, q=q):
            return mle_kl.kl_divergence(p, q)

        def ref_kl(p=p, q=q):
            return stats.entropy(p, q)

        if not np.isclose(ours_kl(), ref_kl(), rtol=1e-10):
            raise RuntimeError(f"K={K}: KL disagrees: {ours_kl()} vs {ref_kl()}")
        t_ours, t_ref = race(ours_kl, ref_kl, REPEATS)
        run.add("kl_divergence", f"K={K}", f"SciPy {scipy.__version__} stats.entropy(p, q)",
                t_ours.seconds, t_ref.seconds, repeats=t_ours.repeats,
                notes="derivlib checks both arguments are probability vectors")
    run.finish()


if __name__ == "__main__":
    main()
