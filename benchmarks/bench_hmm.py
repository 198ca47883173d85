"""Benchmark derivlib.sequences.hmm against hmmlearn on the same data, in one run.

For K in {4, 16, 64} states and N = 10**4 observations of a categorical HMM (8 symbols),
time, best of several repeats (``time.perf_counter``), with each repeat running derivlib and
the reference back to back on the same inputs:

* forward-backward: ``hmm.forward_backward(pi, A, hmm.categorical_likelihood(x, B),
  pairwise=None)`` against hmmlearn's ``score_samples(X)``; both return the log-likelihood
  and the posteriors gamma, both start from the parameters and the symbols (so both pay for
  their input validation and the emission likelihoods);
* Viterbi: ``hmm.viterbi(pi, A, log_B_obs=hmm.log_categorical_likelihood(x, B))`` against
  hmmlearn's ``decode(X)``;

each against hmmlearn's default implementation ("log") and its "scaling" implementation.
The results are checked to agree before they are timed. Targets (forward-backward only,
against the default implementation): ratio <= 2 at K = 4 and <= 1 at K >= 16.

Both sides run on one core: hmmlearn's recursions are single-threaded C++, so BLAS is limited
to one thread here too (``OPENBLAS_NUM_THREADS`` etc., unless already set in the
environment). On a busy 2-core machine, OpenBLAS's default threading made derivlib's few
large matrix products 10-20 times slower and the timings erratic.

Run from the repository root: ``.venv/bin/python benchmarks/bench_hmm.py``; writes
``benchmarks/results/hmm.json``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy is imported: one core for both sides

import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import hmmlearn  # noqa: E402
import numpy as np  # noqa: E402
from hmmlearn.hmm import CategoricalHMM  # noqa: E402

from derivlib.sequences import hmm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "hmm.json"
N = 10_000
M = 8
KS = (4, 16, 64)
IMPLEMENTATIONS = ("log", "scaling")
TARGETS = {4: 2.0, 16: 1.0, 64: 1.0}  # forward-backward vs hmmlearn's default ("log")


def best_pair(ours, reference, repeats: int) -> tuple[float, float]:
    """Best time of each, over ``repeats`` back-to-back runs on the same inputs."""
    t_ours, t_ref = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        ours()
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        reference()
        t_ref.append(time.perf_counter() - start)
    return min(t_ours), min(t_ref)


def model(K: int, rng: np.random.Generator):
    pi = rng.dirichlet(np.ones(K))
    A = rng.dirichlet(np.ones(K), size=K)
    A = 0.5 * A + 0.5 * np.eye(K)  # moderately sticky, as HMMs in practice are
    B = rng.dirichlet(np.ones(M), size=K)
    x = hmm.sample(pi, A, hmm.Categorical(B), N, rng=rng).x
    return pi, A, B, x


def reference_model(pi, A, B, implementation: str) -> CategoricalHMM:
    ref = CategoricalHMM(n_components=len(pi), n_features=B.shape[1], init_params="",
                         implementation=implementation)
    ref.startprob_, ref.transmat_, ref.emissionprob_ = pi, A, B
    return ref


def main() -> None:
    rng = np.random.default_rng(2026)
    rows = []
    for K in KS:
        pi, A, B, x = model(K, rng)
        X = x[:, None]

        def fb(pi=pi, A=A, B=B, x=x):
            return hmm.forward_backward(pi, A, hmm.categorical_likelihood(x, B), pairwise=None)

        def vit(pi=pi, A=A, B=B, x=x):
            return hmm.viterbi(pi, A, log_B_obs=hmm.log_categorical_likelihood(x, B))

        repeats = 5 if K >= 64 else 15
        for implementation in IMPLEMENTATIONS:
            ref = reference_model(pi, A, B, implementation)
            # same answers first
            post = fb()
            ref_loglik, ref_gamma = ref.score_samples(X)
            assert np.isclose(post.loglik, ref_loglik, rtol=1e-8), (post.loglik, ref_loglik)
            assert np.allclose(post.gamma, ref_gamma, atol=1e-8)
            ref_logprob, _ = ref.decode(X)
            assert np.isclose(vit().log_prob, ref_logprob, rtol=1e-8)

            label = f"hmmlearn {hmmlearn.__version__} ({implementation})"
            t_ours, t_ref = best_pair(fb, lambda ref=ref, X=X: ref.score_samples(X), repeats)
            rows.append({
                "benchmark": "forward_backward",
                "params": f"K={K}, N={N}, M={M}",
                "reference": label + " score_samples",
                "derivlib_s": t_ours,
                "reference_s": t_ref,
                "ratio": t_ours / t_ref,
                "target": TARGETS[K] if implementation == "log" else None,
            })
            t_ours, t_ref = best_pair(vit, lambda ref=ref, X=X: ref.decode(X), repeats)
            rows.append({
                "benchmark": "viterbi",
                "params": f"K={K}, N={N}, M={M}",
                "reference": label + " decode",
                "derivlib_s": t_ours,
                "reference_s": t_ref,
                "ratio": t_ours / t_ref,
                "target": None,
            })

    print(f"{'benchmark':18s} {'params':22s} {'reference':44s} {'derivlib':>10s} "
          f"{'reference':>10s} {'ratio':>7s} {'target':>7s}")
    for r in rows:
        target = "" if r["target"] is None else f"{r['target']:.1f}"
        miss = "  MISS" if r["target"] is not None and r["ratio"] > r["target"] else ""
        print(f"{r['benchmark']:18s} {r['params']:22s} {r['reference']:44s} "
              f"{r['derivlib_s'] * 1e3:8.2f}ms {r['reference_s'] * 1e3:8.2f}ms "
              f"{r['ratio']:7.2f} {target:>7s}{miss}")

    result = {
        "topic": "hmm",
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpu_count": os.cpu_count(),
            "blas_threads": os.environ["OPENBLAS_NUM_THREADS"],
            "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        },
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "rows": rows,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
