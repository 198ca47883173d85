"""Benchmark derivlib.sequences.hmm against hmmlearn on the same data, in one run.

For K in {4, 16, 64} states and N = 10**4 observations of a categorical HMM (8 symbols),
time, best of several repeats (``time.perf_counter``), with each repeat running derivlib and
the reference back to back on the same inputs (alternating which goes first,
``_common.race``):

* forward-backward: ``hmm.forward_backward(pi, A, hmm.categorical_likelihood(x, B),
  pairwise=None)`` against hmmlearn's ``score_samples(X)``; both return the log-likelihood
  and the posteriors gamma, both start from the parameters and the symbols (so both pay for
  their input validation and the emission likelihoods);
* Viterbi: ``hmm.viterbi(pi, A, log_B_obs=hmm.log_categorical_likelihood(x, B))`` against
  hmmlearn's ``decode(X)``;

each against hmmlearn's default implementation ("log") and its "scaling" implementation.
The results are checked to agree before they are timed (Viterbi: the same path, and
``hmm.viterbi`` bit for bit ``hmm.textbook_viterbi``). Targets, against the default
implementation: forward-backward ratio <= 2 at K = 4 and <= 1 at K >= 16 (issue 5);
Viterbi ratio <= 2 at every K (issue 13, Part VII).

Both sides run on one core: hmmlearn's recursions are single-threaded C++, so BLAS is limited
to one thread here too (``_common.limit_blas_threads``, unless ``OPENBLAS_NUM_THREADS`` etc.
are set in the environment). On a busy 2-core machine, OpenBLAS's default threading made
derivlib's few large matrix products 10-20 times slower and the timings erratic.

Run from the repository root: ``.venv/bin/python benchmarks/bench_hmm.py``; writes
``benchmarks/results/hmm.json``.
"""

from __future__ import annotations

import hmmlearn
import numpy as np
from _common import Run, limit_blas_threads, race
from hmmlearn.hmm import CategoricalHMM

from derivlib.sequences import hmm

N = 10_000
M = 8
KS = (4, 16, 64)
IMPLEMENTATIONS = ("log", "scaling")
TARGETS = {4: 2.0, 16: 1.0, 64: 1.0}  # forward-backward vs hmmlearn's default ("log")
VITERBI_TARGET = 2.0  # Viterbi vs hmmlearn's default ("log"), every K (issue 13)


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
    limit_blas_threads(1)
    run = Run("hmm", "Hidden Markov models: forward-backward and Viterbi")
    rng = np.random.default_rng(2026)
    for K in KS:
        pi, A, B, x = model(K, rng)
        X = x[:, None]

        def fb(pi=pi, A=A, B=B, x=x):
            return hmm.forward_backward(pi, A, hmm.categorical_likelihood(x, B), pairwise=None)

        def vit(pi=pi, A=A, B=B, x=x):
            return hmm.viterbi(pi, A, log_B_obs=hmm.log_categorical_likelihood(x, B))

        repeats = 5 if K >= 64 else 15
        params = f"K={K}, N={N}, M={M}"
        for implementation in IMPLEMENTATIONS:
            ref = reference_model(pi, A, B, implementation)
            # same answers first
            post = fb()
            ref_loglik, ref_gamma = ref.score_samples(X)
            assert np.isclose(post.loglik, ref_loglik, rtol=1e-8), (post.loglik, ref_loglik)
            assert np.allclose(post.gamma, ref_gamma, atol=1e-8)
            ref_logprob, ref_path = ref.decode(X)
            best = vit()
            assert np.isclose(best.log_prob, ref_logprob, rtol=1e-8)
            assert np.array_equal(best.path, ref_path)
            plain = hmm.textbook_viterbi(pi, A, log_B_obs=hmm.log_categorical_likelihood(x, B))
            assert np.array_equal(best.path, plain.path) and best.log_prob == plain.log_prob

            label = (f"hmmlearn {hmmlearn.__version__} "
                     f"CategoricalHMM(implementation={implementation!r})")
            ours, theirs = race(fb, lambda ref=ref, X=X: ref.score_samples(X), repeats)
            run.add("forward-backward", params, label + ".score_samples", ours.seconds,
                    theirs.seconds, target=TARGETS[K] if implementation == "log" else None,
                    repeats=ours.repeats)
            ours, theirs = race(vit, lambda ref=ref, X=X: ref.decode(X), repeats)
            run.add("Viterbi", params, label + ".decode", ours.seconds, theirs.seconds,
                    target=VITERBI_TARGET if implementation == "log" else None,
                    repeats=ours.repeats)
    run.finish()


if __name__ == "__main__":
    main()
