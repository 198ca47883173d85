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

Where Viterbi's time goes (issue 13; CPU times of ``hmm.viterbi``, medians of 5-20 calls
on the loaded 2-core benchmark machine, December 2026), against hmmlearn's 0.45 / 2.4 /
27-31 ms at K = 4 / 16 / 64:

=====  =======  ======  ========  =========  ===========  =======================
K      pass 1   pass 2  backtrack  certificate  layout etc.  total
=====  =======  ======  ========  =========  ===========  =======================
4      0.3      1.1     0.8        0.6          0.4          3.0-3.6 ms
16     3.5      3.7     3.2        1.5          1.8          13-16 ms (best 9)
64     47-50    15-19   4.5-6.5    5-6.5        4-6          80-90 ms
=====  =======  ======  ========  =========  ===========  =======================

(pass 1: the blocks side by side from guessed starts; pass 2: the runners from the end of
each block until they meet pass 1; backtrack: block by block from guessed end states;
certificate: the rounding margins along the path and the exact re-addition of log_prob.)
Why the target of 2x is out of reach in NumPy: at K = 64, pass 1 alone makes the
N K^2 = 4.1e7 sums and maxima of the recursion, and NumPy's ``add`` plus
``maximum.reduce`` over the (K, K, blocks) layout costs about 1.1 ns per score (72 us a
step with 16 blocks; 37 ms in all with 32 blocks, the best layout measured) where
hmmlearn's C++ loop spends 0.7 ns per score for the whole algorithm; the pass that makes
the result exact (pass 2), the backtracking and the certificate add at least 25 ms. At
K = 4, hmmlearn spends 45 ns a step; a NumPy call costs 1-2 us whatever its size, and the
block-parallel scheme makes several hundred of them (pass 1: 3 per step of a block of 33;
pass 2: 3 per step until the slowest runner meets pass 1, 59 steps here, plus a test
every 4 steps; backtracking: 4 per step of 32, twice for the blocks guessed wrong), while
``log_categorical_likelihood`` (0.15 ms) and the validation (0.1 ms) are already a quarter
of the 1 ms that 2x allows. Pass 2 gathers its runners still going into smaller arrays
once half have met pass 1 (for large arrays: at K = 64, 15-19 ms instead of 20-22 ms), and
the backtracking guesses each block's end state from a few steps further on (fewer blocks
traced twice).

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
