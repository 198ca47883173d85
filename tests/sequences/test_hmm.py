"""Tests of derivlib.sequences.hmm (chapter sequences/hmm).

References, independent of the code under test:

* hmmlearn 0.3 (``CategoricalHMM``, ``GaussianHMM``; C++ forward/backward/Viterbi) with the
  same parameters set through ``startprob_``, ``transmat_``, ``emissionprob_`` / ``means_``,
  ``covars_`` and ``init_params=""``: log-likelihood (``score``), posteriors
  (``predict_proba``), Viterbi (``decode``) and one Baum-Welch update (``fit`` with
  ``n_iter=1``, priors switched off), to 1e-8;
* brute-force enumeration of all K**N hidden paths for N <= 6, with the joint of eq.
  (hmm-joint) written out as a plain product: p(X), gamma, xi, Viterbi, the c_n;
* scipy.stats.multivariate_normal for the Gaussian emission densities.

Invariants: the readable recursions, the fast (blocked) ones and the log-space ones agree,
and so do the chapter's textbook_viterbi and the fast viterbi;
Baum-Welch never decreases the log-likelihood, keeps the parameters of states it never
visits and reports collapsing Gaussian covariances; a sequence of 10**6 steps runs without
underflow on both code paths (K <= 8 and K > 8). Every validation error is triggered once.
"""

from __future__ import annotations

import itertools
import warnings

import mpmath
import numpy as np
import pytest
import scipy.stats
from hmmlearn.hmm import CategoricalHMM, GaussianHMM

from derivlib import ConvergenceWarning, NumericalError
from derivlib.sequences import hmm

TOL = 1e-8
# K values cover the three code paths of the fast recursions (block scan, loop with
# premultiplied matrices, loop with matrix-vector products)
KS = [2, 3, 5, 12, 40]


def random_model(K, M, rng, *, concentration=1.0):
    pi = rng.dirichlet(np.full(K, concentration))
    A = rng.dirichlet(np.full(K, concentration), size=K)
    B = rng.dirichlet(np.full(M, concentration), size=K)
    return pi, A, B


def random_gaussian(K, D, rng, *, full=True):
    means = rng.normal(0, 2, size=(K, D))
    if full:
        G = rng.normal(size=(K, D, D))
        covars = G @ np.transpose(G, (0, 2, 1)) + 0.5 * np.eye(D)
    else:
        covars = rng.uniform(0.3, 2.0, size=(K, D))
    return means, covars


def categorical_reference(pi, A, B, **kwargs):
    K, M = B.shape
    model = CategoricalHMM(n_components=K, n_features=M, init_params="", **kwargs)
    model.startprob_, model.transmat_, model.emissionprob_ = pi.copy(), A.copy(), B.copy()
    return model


def gaussian_reference(pi, A, means, covars, **kwargs):
    K = len(pi)
    kind = "full" if covars.ndim == 3 else "diag"
    model = GaussianHMM(n_components=K, covariance_type=kind, init_params="",
                        covars_prior=0.0, means_prior=0.0, means_weight=0.0, **kwargs)
    model.startprob_, model.transmat_ = pi.copy(), A.copy()
    model.means_, model.covars_ = means.copy(), covars.copy()
    return model


# ============================================================================ hmmlearn
@pytest.mark.parametrize("K", KS)
@pytest.mark.parametrize("implementation", ["log", "scaling"])
def test_categorical_matches_hmmlearn(K, implementation):
    rng = np.random.default_rng(10 + K)
    M, N = 6, 400
    pi, A, B = random_model(K, M, rng)
    x = rng.integers(0, M, N)
    ref = categorical_reference(pi, A, B, implementation=implementation)
    B_obs = hmm.categorical_likelihood(x, B)
    post = hmm.forward_backward(pi, A, B_obs)
    assert post.loglik == pytest.approx(ref.score(x[:, None]), rel=TOL, abs=TOL)
    np.testing.assert_allclose(post.gamma, ref.predict_proba(x[:, None]), atol=TOL)
    log_post = hmm.log_forward_backward(pi, A, B_obs)
    assert log_post.loglik == pytest.approx(post.loglik, rel=TOL)
    np.testing.assert_allclose(log_post.gamma, post.gamma, atol=TOL)
    np.testing.assert_allclose(log_post.xi, post.xi, atol=TOL)


@pytest.mark.parametrize("K", KS)
def test_categorical_viterbi_matches_hmmlearn(K):
    rng = np.random.default_rng(20 + K)
    M, N = 6, 400
    pi, A, B = random_model(K, M, rng)
    x = rng.integers(0, M, N)
    log_prob, path = categorical_reference(pi, A, B).decode(x[:, None])
    best = hmm.viterbi(pi, A, log_B_obs=hmm.log_categorical_likelihood(x, B))
    assert best.log_prob == pytest.approx(log_prob, rel=TOL)
    # discrete symbols make exact ties between paths possible: compare the paths' scores
    B_obs = hmm.categorical_likelihood(x, B)
    assert hmm.log_joint(pi, A, best.path, B_obs) == pytest.approx(log_prob, rel=TOL)
    assert hmm.log_joint(pi, A, path, B_obs) == pytest.approx(best.log_prob, rel=TOL)


@pytest.mark.parametrize("full", [True, False], ids=["full", "diag"])
@pytest.mark.parametrize("K", [2, 4, 12, 40])
def test_gaussian_matches_hmmlearn(K, full):
    rng = np.random.default_rng(30 + K + full)
    D, N = 2, 300
    pi, A, _ = random_model(K, 2, rng)
    means, covars = random_gaussian(K, D, rng, full=full)
    X = hmm.sample(pi, A, hmm.Gaussian(means, covars), N, rng=rng).x
    ref = gaussian_reference(pi, A, means, covars)
    log_B = hmm.gaussian_log_likelihood(X, means, covars)
    post = hmm.forward_backward(pi, A, log_B_obs=log_B)
    assert post.loglik == pytest.approx(ref.score(X), rel=TOL)
    np.testing.assert_allclose(post.gamma, ref.predict_proba(X), atol=TOL)
    log_prob, path = ref.decode(X)
    best = hmm.viterbi(pi, A, log_B_obs=log_B)
    assert best.log_prob == pytest.approx(log_prob, rel=TOL)
    np.testing.assert_array_equal(best.path, path)


@pytest.mark.parametrize("K", [2, 4, 12])
def test_categorical_baum_welch_update_matches_hmmlearn(K):
    rng = np.random.default_rng(40 + K)
    M, N = 5, 500
    pi, A, B = random_model(K, M, rng)
    x = rng.integers(0, M, N)
    ref = categorical_reference(pi, A, B, n_iter=1, tol=1e-300, params="ste")
    ref.fit(x[:, None])
    pi1, A1, em1, loglik = hmm.baum_welch_step(x, pi, A, hmm.Categorical(B))
    np.testing.assert_allclose(pi1, ref.startprob_, atol=TOL)
    np.testing.assert_allclose(A1, ref.transmat_, atol=TOL)
    np.testing.assert_allclose(em1.B, ref.emissionprob_, atol=TOL)
    assert loglik == pytest.approx(ref.monitor_.history[0], rel=TOL)
    with pytest.warns(ConvergenceWarning, match="none measured: a single update"):
        result = hmm.baum_welch(x, pi, A, hmm.Categorical(B), max_iter=1)
    assert not result.converged
    np.testing.assert_array_equal(result.A, A1)
    assert result.history.tolist() == [loglik]


@pytest.mark.parametrize("full", [True, False], ids=["full", "diag"])
@pytest.mark.parametrize("K", [2, 3, 12])
def test_gaussian_baum_welch_update_matches_hmmlearn(K, full):
    rng = np.random.default_rng(50 + K + full)
    D, N = 2, 400
    pi, A, _ = random_model(K, 2, rng)
    means, covars = random_gaussian(K, D, rng, full=full)
    X = hmm.sample(pi, A, hmm.Gaussian(means, covars), N, rng=rng).x
    means0 = means + rng.normal(0, 0.5, size=means.shape)  # start away from the truth
    ref = gaussian_reference(pi, A, means0, covars, n_iter=1, tol=1e-300, params="stmc")
    ref.fit(X)
    pi1, A1, em1, loglik = hmm.baum_welch_step(X, pi, A, hmm.Gaussian(means0, covars))
    np.testing.assert_allclose(pi1, ref.startprob_, atol=TOL)
    np.testing.assert_allclose(A1, ref.transmat_, atol=TOL)
    np.testing.assert_allclose(em1.means, ref.means_, atol=TOL)
    ref_covars = ref.covars_ if full else np.diagonal(ref.covars_, axis1=1, axis2=2)
    np.testing.assert_allclose(em1.covars, ref_covars, atol=TOL)
    assert loglik == pytest.approx(ref.monitor_.history[0], rel=TOL)


# ============================================================================ brute force
def brute_force(pi, A, B_obs):
    """Enumerate all K**N paths with p(X, Z) of eq. (hmm-joint) as a plain product."""
    N, K = B_obs.shape
    paths = np.array(list(itertools.product(range(K), repeat=N)))
    joint = np.empty(len(paths))
    for p, z in enumerate(paths):
        prob = pi[z[0]] * B_obs[0, z[0]]
        for n in range(1, N):
            prob *= A[z[n - 1], z[n]] * B_obs[n, z[n]]
        joint[p] = prob
    evidence = joint.sum()
    gamma = np.zeros((N, K))
    xi = np.zeros((max(N - 1, 0), K, K))
    for z, w in zip(paths, joint / evidence, strict=True):
        gamma[np.arange(N), z] += w
        for n in range(1, N):
            xi[n - 1, z[n - 1], z[n]] += w
    return evidence, gamma, xi, paths[np.argmax(joint)], np.log(joint.max())


@pytest.mark.parametrize("N", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("K", [2, 3])
def test_against_brute_force_enumeration(N, K):
    rng = np.random.default_rng(100 * N + K)
    pi, A, B = random_model(K, 4, rng)
    x = rng.integers(0, 4, N)
    B_obs = hmm.categorical_likelihood(x, B)
    evidence, gamma, xi, best_path, best_log = brute_force(pi, A, B_obs)
    for run in (hmm.forward_backward, hmm.log_forward_backward):
        post = run(pi, A, B_obs, pairwise="full")
        assert post.loglik == pytest.approx(np.log(evidence), rel=1e-12)
        np.testing.assert_allclose(post.gamma, gamma, atol=1e-12)
        np.testing.assert_allclose(post.xi, xi, atol=1e-12)
        np.testing.assert_allclose(run(pi, A, B_obs).xi, xi.sum(axis=0), atol=1e-12)
    # c_n = p(x_n | x_1..x_{n-1}): each a ratio of brute-force prefix evidences
    fwd = hmm.forward(pi, A, B_obs)
    prefix = [brute_force(pi, A, B_obs[: n + 1])[0] for n in range(N)]
    np.testing.assert_allclose(fwd.c, np.array(prefix) / np.r_[1.0, prefix[:-1]], rtol=1e-12)
    # alpha_hat_n = p(z_n | x_1..x_n): the filtered marginal of the prefix
    filtered = np.array([brute_force(pi, A, B_obs[: n + 1])[1][n] for n in range(N)])
    np.testing.assert_allclose(fwd.alpha_hat, filtered, atol=1e-12)
    for run in (hmm.viterbi, hmm.textbook_viterbi):
        best = run(pi, A, B_obs)
        np.testing.assert_array_equal(best.path, best_path)
        assert best.log_prob == pytest.approx(best_log, rel=1e-12)
    assert hmm.log_joint(pi, A, best_path, B_obs) == pytest.approx(best_log, rel=1e-12)


# ============================================================================ consistency
@pytest.mark.parametrize("K", KS)
def test_fast_readable_and_log_space_recursions_agree(K):
    rng = np.random.default_rng(60 + K)
    pi, A, B = random_model(K, 7, rng, concentration=0.5)
    x = rng.integers(0, 7, 1000)
    B_obs = hmm.categorical_likelihood(x, B)
    fwd = hmm.forward(pi, A, B_obs)
    beta_hat = hmm.backward(A, B_obs, fwd.c)
    post = hmm.forward_backward(pi, A, B_obs, pairwise="full")
    np.testing.assert_allclose(post.gamma, fwd.alpha_hat * beta_hat, atol=1e-12)
    np.testing.assert_allclose(post.log_c, np.log(fwd.c), atol=1e-12)
    assert post.loglik == pytest.approx(np.log(fwd.c).sum(), rel=1e-12)
    np.testing.assert_allclose(post.gamma.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(post.xi.sum(axis=(1, 2)), 1.0, atol=1e-12)
    # the pairwise posteriors marginalise to gamma (eq. hmm-scaled-post)
    np.testing.assert_allclose(post.xi.sum(axis=2), post.gamma[:-1], atol=1e-12)
    np.testing.assert_allclose(post.xi.sum(axis=1), post.gamma[1:], atol=1e-12)
    from_log = hmm.forward_backward(pi, A, log_B_obs=np.log(B_obs))
    np.testing.assert_allclose(from_log.gamma, post.gamma, atol=1e-12)
    assert from_log.loglik == pytest.approx(post.loglik, rel=1e-12)
    log_post = hmm.log_forward_backward(pi, A, log_B_obs=np.log(B_obs))
    np.testing.assert_allclose(log_post.log_c, post.log_c, atol=1e-10)
    assert hmm.forward_backward(pi, A, B_obs, pairwise=None).xi is None


def test_zero_transitions_and_forbidden_states():
    """A left-right HMM (structural zeros in A) and an emission of probability 0."""
    pi = np.array([1.0, 0.0, 0.0])
    A = np.array([[0.6, 0.4, 0.0], [0.0, 0.7, 0.3], [0.0, 0.0, 1.0]])
    B = np.array([[0.8, 0.2, 0.0], [0.1, 0.6, 0.3], [0.0, 0.3, 0.7]])
    x = np.array([0, 0, 1, 1, 2, 2, 1, 2])
    B_obs = hmm.categorical_likelihood(x, B)
    evidence, gamma, xi, path, _ = brute_force(pi, A, B_obs)
    post = hmm.forward_backward(pi, A, B_obs, pairwise="full")
    assert post.loglik == pytest.approx(np.log(evidence), rel=1e-12)
    np.testing.assert_allclose(post.gamma, gamma, atol=1e-12)
    np.testing.assert_allclose(post.xi, xi, atol=1e-12)
    np.testing.assert_allclose(hmm.log_forward_backward(pi, A, B_obs).gamma, gamma, atol=1e-12)
    np.testing.assert_array_equal(hmm.viterbi(pi, A, B_obs).path, path)


def test_impossible_observations_raise():
    pi = np.array([1.0, 0.0])
    A = np.eye(2)
    B = np.array([[1.0, 0.0], [0.0, 1.0]])
    x = np.array([0, 0, 1])  # state 0 forever cannot emit symbol 1
    B_obs = hmm.categorical_likelihood(x, B)
    for run in (hmm.forward_backward, hmm.log_forward_backward, hmm.forward, hmm.viterbi):
        with pytest.raises(ValueError, match="probability zero"):
            run(pi, A, B_obs)


def test_log_joint_is_the_product_of_eq_hmm_joint():
    rng = np.random.default_rng(7)
    pi, A, B = random_model(3, 4, rng)
    x, z = rng.integers(0, 4, 5), rng.integers(0, 3, 5)
    direct = pi[z[0]] * B[z[0], x[0]]
    for n in range(1, 5):
        direct *= A[z[n - 1], z[n]] * B[z[n], x[n]]
    assert hmm.log_joint(pi, A, z, hmm.categorical_likelihood(x, B)) == pytest.approx(
        np.log(direct), rel=1e-12)


@pytest.mark.parametrize("full", [True, False], ids=["full", "diag"])
def test_gaussian_log_likelihood_matches_scipy(full):
    rng = np.random.default_rng(8)
    means, covars = random_gaussian(3, 3, rng, full=full)
    X = rng.normal(size=(50, 3))
    got = hmm.gaussian_log_likelihood(X, means, covars)
    for k in range(3):
        cov = covars[k] if full else np.diag(covars[k])
        want = scipy.stats.multivariate_normal(means[k], cov).logpdf(X)
        np.testing.assert_allclose(got[:, k], want, rtol=1e-12)
    assert hmm.emission_log_likelihood(X, hmm.Gaussian(means, covars)).shape == (50, 3)
    one_d = hmm.gaussian_log_likelihood(X[:, 0], means[:, :1], covars[:, :1, :1] if full
                                        else covars[:, :1])
    assert one_d.shape == (50, 3)


# ============================================================================ EM invariant
def _assert_non_decreasing(history):
    gains = np.diff(history)
    assert np.all(gains >= -1e-9 * np.abs(history[1:])), f"log-likelihood decreased: {gains.min()}"


@pytest.mark.parametrize("seed", range(4))
def test_baum_welch_never_decreases_the_likelihood_categorical(seed):
    rng = np.random.default_rng(seed)
    pi, A, B = random_model(3, 5, rng)
    x = hmm.sample(pi, A, hmm.Categorical(B), 600, rng=rng).x
    pi0, A0, B0 = random_model(3, 5, rng)
    with pytest.warns(ConvergenceWarning, match="after 40 iteration"):
        result = hmm.baum_welch(x, pi0, A0, hmm.Categorical(B0), max_iter=40, tol=0.0)
    assert len(result.history) == 40 and not result.converged
    _assert_non_decreasing(result.history)
    assert result.history[-1] > result.history[0]
    np.testing.assert_allclose(result.A.sum(axis=1), 1.0)
    np.testing.assert_allclose(result.emission.B.sum(axis=1), 1.0)


@pytest.mark.parametrize("full", [True, False], ids=["full", "diag"])
def test_baum_welch_never_decreases_the_likelihood_gaussian(full):
    rng = np.random.default_rng(11)
    pi, A, _ = random_model(3, 2, rng)
    A = 0.8 * np.eye(3) + 0.2 * A
    means, covars = random_gaussian(3, 2, rng, full=full)
    X = hmm.sample(pi, A, hmm.Gaussian(means, covars), 500, rng=rng).x
    start = hmm.Gaussian(X[rng.choice(500, 3, replace=False)],
                         np.stack([np.cov(X.T)] * 3) if full else np.tile(X.var(0), (3, 1)))
    with warnings.catch_warnings():  # it may stop on a gain of 0 (up to rounding) first
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = hmm.baum_welch(X, np.full(3, 1 / 3), np.full((3, 3), 1 / 3), start,
                                max_iter=30, tol=0.0)
    _assert_non_decreasing(result.history)
    if full:
        for S in result.emission.covars:
            np.testing.assert_allclose(S, S.T)
            assert np.linalg.eigvalsh(S).min() > 0


def test_baum_welch_stops_at_tolerance():
    rng = np.random.default_rng(3)
    pi, A, B = random_model(2, 3, rng)
    x = hmm.sample(pi, A, hmm.Categorical(B), 300, rng=rng).x
    result = hmm.baum_welch(x, pi, A, hmm.Categorical(B), max_iter=500, tol=1e-4)
    assert result.converged and len(result.history) < 500
    assert result.history[-1] - result.history[-2] < 1e-4


def _unvisited_state_model():
    """State 1 has probability 0 at the start and no transition leads to it (A = I)."""
    return np.array([1.0, 0.0]), np.eye(2)


@pytest.mark.parametrize("max_iter", [1, 5])
def test_baum_welch_keeps_the_parameters_of_states_never_visited_categorical(max_iter):
    pi, A = _unvisited_state_model()
    B = np.array([[0.5, 0.5], [0.3, 0.7]])
    x = np.array([0, 1, 0, 1, 1])
    pi1, A1, em1, _ = hmm.baum_welch_step(x, pi, A, hmm.Categorical(B))
    np.testing.assert_array_equal(em1.B[1], B[1])  # N_1 = 0: the old row, not NaN
    np.testing.assert_allclose(em1.B[0], [0.4, 0.6], rtol=1e-12)  # the counts of state 0
    np.testing.assert_array_equal(A1, A)
    # a fixed point may be reached exactly (gain 0 <= tol = 0): converged; else a warning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = hmm.baum_welch(x, pi, A, hmm.Categorical(B), max_iter=max_iter, tol=0.0)
    np.testing.assert_array_equal(result.emission.B[1], B[1])
    assert np.all(np.isfinite(result.history))
    _assert_non_decreasing(result.history)


@pytest.mark.parametrize("full", [True, False], ids=["full", "diag"])
def test_baum_welch_keeps_the_parameters_of_states_never_visited_gaussian(full):
    pi, A = _unvisited_state_model()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    means = np.array([[0.0, 0.0], [3.0, -1.0]])
    covars = np.stack([np.eye(2), 2 * np.eye(2)]) if full else np.array([[1.0, 1.0],
                                                                         [2.0, 0.5]])
    _, _, new, _ = hmm.baum_welch_step(X, pi, A, hmm.Gaussian(means, covars))
    np.testing.assert_array_equal(new.means[1], means[1])
    np.testing.assert_array_equal(new.covars[1], covars[1])
    np.testing.assert_allclose(new.means[0], X.mean(axis=0), rtol=1e-12)  # all weight on 0
    want = np.cov(X.T, bias=True)
    np.testing.assert_allclose(new.covars[0], want if full else np.diag(want), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = hmm.baum_welch(X, pi, A, hmm.Gaussian(means, covars), max_iter=5, tol=0.0)
    np.testing.assert_array_equal(result.emission.covars[1], covars[1])
    assert np.all(np.isfinite(result.history))


def _one_outlier():
    """50 points near 0 and one at 10: a state that starts on the outlier keeps only it."""
    X = np.r_[np.random.default_rng(1).normal(size=(50, 1)), [[10.0]]]
    return X, np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.1, 0.9]])


@pytest.mark.parametrize("full", [True, False], ids=["full", "diag"])
def test_baum_welch_reports_a_collapsing_variance(full):
    X, pi, A = _one_outlier()
    covars = np.ones((2, 1, 1)) if full else np.ones((2, 1))
    start = hmm.Gaussian(np.array([[0.0], [10.0]]), covars)
    # before: NaN in covars, then "log_B_obs must not contain NaN", an argument never passed
    with pytest.raises(ValueError, match=r"covars\[1\] collapsed in the M-step: the variance "
                                         r"of state 1 in dimension 0 is"):
        hmm.baum_welch(X, pi, A, start, max_iter=50)
    # the documented remedy: a floor on the variances
    fit = hmm.baum_welch(X, pi, A, start, max_iter=50, min_covar=1e-3)
    assert np.ravel(fit.emission.covars)[1] == 1e-3
    assert np.ravel(fit.emission.covars)[0] > 0.5
    _assert_non_decreasing(fit.history)


def test_baum_welch_reports_a_singular_full_covariance():
    # state 1 starts on four points of a line in 2-D: its covariance has rank 1
    rng = np.random.default_rng(2)
    line = np.array([[10.0, 10.0]]) + np.outer([-1.0, -0.3, 0.4, 1.0], [1.0, 2.0])
    X = np.r_[rng.normal(size=(60, 2)), line]
    start = hmm.Gaussian(np.array([[0.0, 0.0], [10.0, 10.0]]), np.stack([np.eye(2)] * 2))
    with pytest.raises(ValueError, match=r"covars\[1\] collapsed in the M-step: it is singular "
                                         r"to working precision"):
        hmm.baum_welch(X, [0.5, 0.5], [[0.95, 0.05], [0.05, 0.95]], start, max_iter=100)
    fit = hmm.baum_welch(X, [0.5, 0.5], [[0.95, 0.05], [0.05, 0.95]], start, max_iter=100,
                         min_covar=1e-2)
    assert np.linalg.eigvalsh(fit.emission.covars[1])[0] == pytest.approx(1e-2, rel=1e-10)


@pytest.mark.parametrize("full", [True, False], ids=["full", "diag"])
def test_min_covar_below_every_variance_changes_nothing(full):
    rng = np.random.default_rng(12)
    pi, A, _ = random_model(3, 2, rng)
    means, covars = random_gaussian(3, 2, rng, full=full)
    X = hmm.sample(pi, A, hmm.Gaussian(means, covars), 300, rng=rng).x
    with pytest.warns(ConvergenceWarning):
        plain = hmm.baum_welch(X, pi, A, hmm.Gaussian(means, covars), max_iter=10, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        floored = hmm.baum_welch(X, pi, A, hmm.Gaussian(means, covars), max_iter=10, tol=0.0,
                                 min_covar=1e-6)
    np.testing.assert_array_equal(floored.emission.covars, plain.emission.covars)
    np.testing.assert_array_equal(floored.history, plain.history)


# ============================================================================ long sequences
@pytest.mark.parametrize("K", [3, 12], ids=["block-scan-K3", "fused-loop-K12"])
def test_a_million_steps_without_underflow(K):
    rng = np.random.default_rng(2026)
    if K == 3:
        pi = np.array([0.5, 0.3, 0.2])
        A = np.array([[0.95, 0.03, 0.02], [0.04, 0.9, 0.06], [0.05, 0.05, 0.9]])
        B = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    else:  # K > 8: the fused forward-backward loop and the step-by-step Viterbi
        pi = rng.dirichlet(np.ones(K))
        A = 0.9 * np.eye(K) + 0.1 * rng.dirichlet(np.ones(K), size=K)
        B = rng.dirichlet(np.ones(4), size=K)
    N = 10**6
    x = hmm.sample(pi, A, hmm.Categorical(B), N, rng=rng).x
    B_obs = hmm.categorical_likelihood(x, B)
    post = hmm.forward_backward(pi, A, B_obs)
    assert np.prod(np.exp(post.log_c)) == 0.0  # the unscaled alpha_N would underflow
    assert np.isfinite(post.loglik) and post.loglik < -1e5
    np.testing.assert_allclose(post.gamma.sum(axis=1), 1.0, atol=1e-10)
    assert np.all(np.isfinite(post.gamma)) and np.all(np.isfinite(post.xi))
    ref = categorical_reference(pi, A, B)
    assert post.loglik == pytest.approx(ref.score(x[:, None]), rel=TOL)
    best = hmm.viterbi(pi, A, B_obs)
    ref_log_prob, ref_path = ref.decode(x[:, None])
    assert best.log_prob == pytest.approx(ref_log_prob, rel=TOL)
    assert hmm.log_joint(pi, A, best.path, B_obs) == pytest.approx(ref_log_prob, rel=TOL)


# ============================================================================ sampling
def test_sample_frequencies_and_reproducibility():
    pi = np.array([0.2, 0.8])
    A = np.array([[0.9, 0.1], [0.3, 0.7]])
    B = np.array([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]])
    s = hmm.sample(pi, A, hmm.Categorical(B), 50_000, rng=1)
    again = hmm.sample(pi, A, hmm.Categorical(B), 50_000, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(s.z, again.z)
    np.testing.assert_array_equal(s.x, again.x)
    z, x = s.z, s.x
    for i in range(2):
        frac = np.mean(z[1:][z[:-1] == i] == 1)
        assert frac == pytest.approx(A[i, 1], abs=0.01)
        assert np.mean(x[z == i] == 2) == pytest.approx(B[i, 2], abs=0.01)
    starts = [hmm.sample(pi, A, hmm.Categorical(B), 1, rng=r).z[0] for r in range(2000)]
    assert np.mean(starts) == pytest.approx(0.8, abs=0.03)


def test_sample_gaussian_moments():
    pi = np.array([1.0, 0.0])
    A = np.array([[1.0, 0.0], [0.5, 0.5]])
    means = np.array([[1.0, -2.0], [0.0, 0.0]])
    covars = np.array([[[2.0, 0.6], [0.6, 1.0]], np.eye(2)])
    X = hmm.sample(pi, A, hmm.Gaussian(means, covars), 40_000, rng=5).x
    np.testing.assert_allclose(X.mean(axis=0), means[0], atol=0.03)
    np.testing.assert_allclose(np.cov(X.T), covars[0], atol=0.05)
    Xd = hmm.sample(pi, A, hmm.Gaussian(means, np.array([[4.0, 0.25], [1, 1]])), 40_000, rng=5).x
    np.testing.assert_allclose(Xd.std(axis=0), [2.0, 0.5], atol=0.03)


# ============================================================================ validation
PI = np.array([0.6, 0.4])
A2 = np.array([[0.7, 0.3], [0.2, 0.8]])
B2 = np.array([[0.5, 0.4, 0.1], [0.1, 0.3, 0.6]])
X2 = np.array([0, 1, 2, 1])
BO = B2.T[X2]
MEANS = np.array([[0.0, 0.0], [1.0, 1.0]])
COVS = np.stack([np.eye(2), np.eye(2)])
INDEFINITE = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        # rows that do not sum to 1
        (lambda: hmm.forward_backward(PI, [[0.7, 0.4], [0.2, 0.8]], BO), "rows of A must sum to 1"),
        (lambda: hmm.categorical_likelihood(X2, [[0.5, 0.4, 0.2], [0.1, 0.3, 0.6]]),
         "rows of B must sum to 1"),
        (lambda: hmm.forward_backward([0.6, 0.5], A2, BO), "pi must sum to 1"),
        # negative probabilities
        (lambda: hmm.forward_backward([1.2, -0.2], A2, BO), "pi must be non-negative"),
        (lambda: hmm.viterbi(PI, [[1.1, -0.1], [0.2, 0.8]], BO), "A must be non-negative"),
        (lambda: hmm.sample(PI, A2, hmm.Categorical([[1.1, -0.1, 0], [0.1, 0.3, 0.6]]), 5),
         "B must be non-negative"),
        (lambda: hmm.forward(PI, A2, -BO), "B_obs must be non-negative"),
        # symbols out of range
        (lambda: hmm.categorical_likelihood([0, 3, 1], B2), r"symbols must be in 0\.\.2"),
        (lambda: hmm.categorical_likelihood([0, -1, 1], B2), "symbols must be in"),
        (lambda: hmm.categorical_likelihood([0, 1.5], B2), "integer symbols"),
        (lambda: hmm.baum_welch([0, 1, 7], PI, A2, hmm.Categorical(B2)), "X symbols must be"),
        # covariances not symmetric positive semi-definite
        (lambda: hmm.gaussian_log_likelihood(np.zeros((3, 2)), MEANS,
                                             np.stack([[[1.0, 0.5], [0.0, 1.0]], np.eye(2)])),
         r"covars\[0\] must be symmetric positive semi-definite; it is not symmetric"),
        (lambda: hmm.baum_welch(np.zeros((3, 2)), PI, A2, hmm.Gaussian(MEANS, INDEFINITE)),
         r"covars\[1\] must be symmetric positive semi-definite; its smallest eigenvalue"),
        (lambda: hmm.gaussian_log_likelihood(np.zeros((3, 2)), MEANS, [[1.0, 1.0], [0.0, 1.0]]),
         "diagonal covars must be positive"),
        (lambda: hmm.gaussian_log_likelihood(np.zeros((3, 2)), MEANS, np.zeros((2, 2, 2))),
         r"covars\[0\] must be positive definite"),
        # mismatched dimensions
        (lambda: hmm.forward_backward(PI, np.eye(3), BO), r"A must have shape \(K, K\) = \(2, 2\)"),
        (lambda: hmm.forward_backward(PI, A2, np.ones((4, 3)) / 3),
         r"B_obs must have shape \(N, K\)"),
        (lambda: hmm.viterbi(PI, A2, log_B_obs=np.zeros((4, 3))), r"log_B_obs must have shape"),
        (lambda: hmm.baum_welch(X2, PI, A2, hmm.Categorical(np.ones((3, 3)) / 3)),
         "B must have K = 2 rows"),
        (lambda: hmm.baum_welch(np.zeros((4, 3)), PI, A2, hmm.Gaussian(MEANS, COVS)),
         r"X must have shape \(N, D\) with D = 2"),
        (lambda: hmm.gaussian_log_likelihood(np.zeros(4), MEANS, COVS), "got a 1-D array"),
        (lambda: hmm.sample(PI, A2, hmm.Gaussian(np.zeros((3, 2)), COVS), 5),
         r"means must have shape \(K, D\) with K = 2"),
        (lambda: hmm.gaussian_log_likelihood(np.zeros((3, 2)), MEANS, np.ones((2, 3))),
         r"diagonal covars must have shape \(K, D\) = \(2, 2\)"),
        (lambda: hmm.gaussian_log_likelihood(np.zeros((3, 2)), MEANS, np.ones((2, 3, 3))),
         r"full covars must have shape \(K, D, D\)"),
        (lambda: hmm.log_joint(PI, A2, [0, 1], BO), "z and the emission likelihoods"),
        (lambda: hmm.backward(A2, BO, [1.0, 1.0]), "c must have length N = 4"),
        (lambda: hmm.backward(A2, BO, [1.0, 0.0, 1.0, 1.0]), "c must be positive"),
        # other arguments
        (lambda: hmm.forward_backward(PI, A2), "exactly one of B_obs"),
        (lambda: hmm.forward_backward(PI, A2, BO, log_B_obs=np.log(BO)), "exactly one of B_obs"),
        (lambda: hmm.log_forward_backward(PI, A2, log_B_obs=np.full((4, 2), np.nan)),
         "must not contain NaN"),
        (lambda: hmm.forward_backward(PI, A2, BO, pairwise="all"), "pairwise must be"),
        (lambda: hmm.log_forward_backward(PI, A2, BO, pairwise="all"), "pairwise must be"),
        (lambda: hmm.forward_backward(PI, A2, np.empty((0, 2))), "at least 1 element"),
        (lambda: hmm.baum_welch(X2, PI, A2, hmm.Categorical(B2), max_iter=0),
         "max_iter must be > 0"),
        (lambda: hmm.baum_welch(X2, PI, A2, hmm.Categorical(B2), tol=-1.0), "tol must be >= 0"),
        (lambda: hmm.sample(PI, A2, hmm.Categorical(B2), 0), "N must be > 0"),
        (lambda: hmm.sample(PI, A2, hmm.Categorical(B2), 10, rng=-3), "seed must be non-negative"),
        (lambda: hmm.baum_welch(np.zeros((3, 2)), PI, A2, hmm.Gaussian(MEANS, COVS),
                                min_covar=-1.0), "min_covar must be >= 0"),
        (lambda: hmm.baum_welch_step(np.zeros((3, 2)), PI, A2, hmm.Gaussian(MEANS, COVS),
                                     min_covar=np.nan), "min_covar must be finite"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: hmm.baum_welch(X2, PI, A2, B2), "emission must be hmm.Categorical"),
        (lambda: hmm.sample(PI, A2, hmm.Categorical(B2), 2.5), "N must be an integer"),
        (lambda: hmm.sample(PI, A2, hmm.Categorical(B2), 5, rng="seed"), "rng must be"),
        (lambda: hmm.forward(PI, A2, "BO"), "B_obs must be array-like"),
        # ragged nested lists: NumPy cannot convert them; the message names the argument and
        # shows what it got
        (lambda: hmm.forward_backward(PI, A2, [[0.5, 0.1], [0.2]]),
         r"B_obs must be array-like of numbers, got \[\[0\.5, 0\.1\], \[0\.2\]\] \(.*"
         r"inhomogeneous"),
        (lambda: hmm.baum_welch([[0.0, 1.0], [2.0]], PI, A2, hmm.Gaussian(MEANS, COVS)),
         r"X must be array-like of numbers, got \[\[0\.0, 1\.0\], \[2\.0\]\]"),
        (lambda: hmm.viterbi(PI, [[0.7, 0.3], [1.0]], BO), r"A must be array-like of numbers"),
    ],
)
def test_wrong_types_raise_type_error(call, match):
    with pytest.raises(TypeError, match=match):
        call()


@pytest.mark.parametrize("K", [3, 12, 40])
def test_fast_paths_survive_extreme_surprises(K, monkeypatch):
    """Every other step a 1e-60 surprise (c_n ~ 1e-60): the products of a block or chunk of
    steps underflow; the fast paths must notice and hand over to the step-by-step recursions."""
    N = 300
    A = np.full((K, K), 1e-60 / (K - 1))
    np.fill_diagonal(A, 1 - 1e-60)
    pi = np.full(K, 1 / K)
    B_obs = np.full((N, K), 1e-60)
    B_obs[np.arange(N), np.arange(N) % 2] = 1.0  # the favoured state flips every step
    calls = []
    readable = hmm.forward
    monkeypatch.setattr(hmm, "forward", lambda *a: calls.append(1) or readable(*a))
    post = hmm.forward_backward(pi, A, B_obs)
    assert calls, "the fast path should have detected the underflow"
    ref = hmm.log_forward_backward(pi, A, B_obs)
    assert post.loglik == pytest.approx(ref.loglik, rel=1e-10)
    np.testing.assert_allclose(post.gamma, ref.gamma, atol=1e-9)
    np.testing.assert_allclose(post.xi, ref.xi, atol=1e-9)
    np.testing.assert_array_equal(hmm.viterbi(pi, A, B_obs).path,
                                  hmm.viterbi(pi, A, log_B_obs=np.log(B_obs)).path)


def test_single_state_and_single_step():
    B_obs = np.array([[0.2], [0.5], [0.1]])
    post = hmm.forward_backward([1.0], [[1.0]], B_obs)
    assert post.loglik == pytest.approx(np.log(0.01), rel=1e-12)
    np.testing.assert_allclose(post.gamma, 1.0)
    np.testing.assert_array_equal(hmm.viterbi([1.0], [[1.0]], B_obs).path, [0, 0, 0])
    one = hmm.forward_backward(PI, A2, BO[:1], pairwise="full")
    assert one.loglik == pytest.approx(np.log(PI @ BO[0]), rel=1e-12)
    assert one.xi.shape == (0, 2, 2)
    assert hmm.viterbi(PI, A2, BO[:1]).path.tolist() == [int(np.argmax(PI * BO[0]))]
    for K in (12, 40):  # the fused paths
        pi, A, B = random_model(K, 3, np.random.default_rng(K))
        for N in (1, 2):
            B_obs = hmm.categorical_likelihood(np.arange(N) % 3, B)
            evidence, gamma, _, path, _ = brute_force(pi, A, B_obs)
            post = hmm.forward_backward(pi, A, B_obs)
            assert post.loglik == pytest.approx(np.log(evidence), rel=1e-12)
            np.testing.assert_allclose(post.gamma, gamma, atol=1e-12)
            np.testing.assert_array_equal(hmm.viterbi(pi, A, B_obs).path, path)


# ============================================================================ issue 10
# Each test below failed on the code before issue 10 ("the library never lies"), unless its
# docstring says otherwise.
EPS = np.finfo(float).eps


def _offset_problem(N, K, seed):
    """A sticky Gaussian HMM whose log-likelihoods carry huge per-step offsets (1e3..1e4).

    log_B0 is rounded to multiples of 2**-20 and the offsets are integers, so that
    log_B = log_B0 - offset is exact: both describe the same posteriors exactly, while
    |log p(X)| is ~5e3 N for log_B and ~N for log_B0.
    """
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(K))
    A = 0.8 * np.eye(K) + 0.2 * rng.dirichlet(np.ones(K), size=K)
    emission = hmm.Gaussian(np.linspace(-1.0, 1.0, K)[:, None], np.ones((K, 1)))
    x = hmm.sample(pi, A, emission, N, rng=rng).x
    log_B0 = np.round(hmm.emission_log_likelihood(x, emission) * 2**20) / 2**20
    offset = rng.integers(1000, 10_000, N).astype(float)
    log_B = log_B0 - offset[:, None]
    assert np.array_equal(log_B + offset[:, None], log_B0)  # exact
    return pi, A, log_B0, log_B, offset


def test_log_forward_backward_is_accurate_for_large_log_likelihoods():
    """Before: gamma, xi off by 1.6e-6 at N = 1e4 (3.7e-4 at N = 1e5), log_c by 1e-8:
    exp(log alpha + log beta - log p(X)) with |log p(X)| = 5.5e7 loses eps |log p(X)|."""
    pi, A, log_B0, log_B, offset = _offset_problem(10_000, 3, seed=1)
    ref = hmm.forward_backward(pi, A, log_B_obs=log_B0, pairwise="full")  # |log p| ~ 1e4
    got = hmm.log_forward_backward(pi, A, log_B_obs=log_B, pairwise="full")
    assert abs(got.loglik) > 5e7
    # both recursions add a few eps per step to the (normalised) logarithms and forget old
    # errors at the chain's mixing rate (here within ~10 steps): K eps * 10 steps * 10 ~ 1e-13
    np.testing.assert_allclose(got.gamma, ref.gamma, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got.xi, ref.xi, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got.xi.sum(axis=(1, 2)), 1.0, rtol=0, atol=1e-13)
    summed = hmm.log_forward_backward(pi, A, log_B_obs=log_B)
    np.testing.assert_allclose(summed.xi, ref.xi.sum(axis=0), rtol=1e-12)
    # log c_n = log c_n(log_B0) - offset_n, each to a few eps relative
    np.testing.assert_allclose(got.log_c, ref.log_c - offset, rtol=8 * EPS, atol=0)
    assert got.loglik == pytest.approx(math_fsum(ref.log_c - offset), rel=8 * EPS)


def math_fsum(values):
    import math

    return math.fsum(np.asarray(values).tolist())


def _exact_posteriors(pi, A, log_B, dps=40):
    """Forward-backward in mpmath (dps digits), from the exact values of the float inputs."""
    with mpmath.workdps(dps):
        N, K = log_B.shape
        b = [[mpmath.exp(mpmath.mpf(v)) for v in row] for row in log_B]
        a = [[mpmath.mpf(v) for v in row] for row in A]
        alpha = [[mpmath.mpf(pi[k]) * b[0][k] for k in range(K)]]
        for n in range(1, N):
            alpha.append([b[n][j] * mpmath.fsum(alpha[n - 1][i] * a[i][j] for i in range(K))
                          for j in range(K)])
        beta = [[mpmath.mpf(1)] * K]
        for n in range(N - 2, -1, -1):
            nxt = beta[0]
            beta.insert(0, [mpmath.fsum(a[i][j] * b[n + 1][j] * nxt[j] for j in range(K))
                            for i in range(K)])
        evidence = mpmath.fsum(alpha[-1])
        gamma = np.array([[float(alpha[n][k] * beta[n][k] / evidence) for k in range(K)]
                          for n in range(N)])
        xi = np.array([[[float(alpha[n - 1][i] * a[i][j] * b[n][j] * beta[n][j] / evidence)
                         for j in range(K)] for i in range(K)] for n in range(1, N)])
        return float(mpmath.log(evidence)), gamma, xi


def test_log_forward_backward_matches_an_exact_computation():
    """Against mpmath at 40 digits (N = 150, |log p(X)| ~ 8e5). Before: gamma off by ~1e-10."""
    pi, A, _, log_B, _ = _offset_problem(150, 3, seed=2)
    loglik, gamma, xi = _exact_posteriors(pi, A, log_B)
    got = hmm.log_forward_backward(pi, A, log_B_obs=log_B, pairwise="full")
    assert got.loglik == pytest.approx(loglik, rel=8 * EPS)
    # a few eps per step, forgotten as the chain mixes (see the test above)
    np.testing.assert_allclose(got.gamma, gamma, rtol=0, atol=1e-14)
    np.testing.assert_allclose(got.xi, xi, rtol=0, atol=1e-14)
    fast = hmm.forward_backward(pi, A, log_B_obs=log_B, pairwise="full")
    np.testing.assert_allclose(fast.gamma, gamma, rtol=0, atol=1e-14)


def test_forward_backward_keeps_a_state_lost_to_underflow():
    """A = I: the state never changes, so p(z | X) is proportional to pi_z prod_n b_n(z).
    State 1 is e^-800 times less likely at step 0 (below the float64 range after rescaling),
    then e times more likely at each of the 999 other steps. Before: forward_backward
    returned gamma = NaN and log p(X) = -999.69 (the exact value is -800.69)."""
    N = 1000
    log_B = np.zeros((N, 2))
    log_B[0, 1] = -800.0
    log_B[1:, 0] = -1.0
    # log p(X) = log(e^-999 / 2 + e^-800 / 2); p(z = 0 | X) = 1 / (1 + e^199)
    loglik = np.log(0.5) - 800.0 + np.log1p(np.exp(-199.0))
    gamma0 = np.exp(-199.0) / (1 + np.exp(-199.0))
    for run in (hmm.forward_backward, hmm.log_forward_backward):
        post = run([0.5, 0.5], np.eye(2), log_B_obs=log_B)
        assert post.loglik == pytest.approx(loglik, rel=1e-14)
        np.testing.assert_allclose(post.gamma[:, 0], gamma0, rtol=1e-12)
        np.testing.assert_allclose(post.gamma[:, 1], 1.0, rtol=1e-14)
        np.testing.assert_allclose(post.xi, [[0.0, 0.0], [0.0, N - 1]], atol=1e-12)


def _sparse_sticky_problem(seed, K=12, N=100):
    """Sparse transitions with near-zero self-transitions (1e-250): the fast recursions'
    unnormalised vectors can shrink below the float64 range within one chunk of steps."""
    rng = np.random.default_rng(seed)
    A = rng.dirichlet(np.full(K, 0.05), size=K)
    A[rng.random((K, K)) < 0.5] = 0.0
    A[np.arange(K), np.arange(K)] = 1e-250
    A /= A.sum(axis=1, keepdims=True)
    return rng.dirichlet(np.ones(K)), A, -rng.uniform(0, 50, size=(N, K))


def _underflow_cases():
    # B_obs given as probabilities whose rows span more than the float64 range, A = I: state 1
    # (1e-330 times state 0 at step 0, the largest after) is lost in the rescaling. Before:
    # gamma NaN, log p(X) off by 30% (the lost-state fallback was taken for log_B_obs only)
    B = np.array([[1e300, 1e-30, 1e200], [1.0, 1e300, 1e100], [1.0, 1e300, 1e100]])
    yield pytest.param(np.ones(3) / 3, np.eye(3), np.log(B), B, id="B_obs-beyond-range")
    # every row within e^-461 (no loss in the rescaling), but the product of two steps
    # underflows in the recursion. Before: gamma NaN, log p(X) off by 50%
    log_B = np.array([[0.0, -460.5]] * 2 + [[-460.5, 0.0]] * 3)
    yield pytest.param(np.array([0.5, 0.5]), np.eye(2), log_B, None, id="underflow-in-steps")
    # a rescaled likelihood e^-734 is subnormal (5 digits) and decides c_4. Before: log p(X)
    # off by 3.3e-6
    log_B = np.array([[0.0, -185.0], [0.0, -335.0], [-734.0, 0.0], [0.0, -622.0]])
    yield pytest.param(np.array([0.5, 0.5]), np.eye(2), log_B, None, id="subnormal-likelihood")
    # K = 12 (the fused loop): the unnormalised vectors went subnormal inside a chunk of 64
    # steps. Before: gamma off by 1.1e-4, log p(X) by 1.2e-3, silently
    pi, A, log_B = _sparse_sticky_problem(115)
    yield pytest.param(pi, A, log_B, None, id="fused-chunk-underflow")


@pytest.mark.parametrize(("pi", "A", "log_B", "B_obs"), list(_underflow_cases()))
def test_forward_backward_survives_underflow_with_zero_or_tiny_transitions(pi, A, log_B, B_obs):
    loglik, gamma, xi = _exact_posteriors(pi, A, log_B)
    given = dict(log_B_obs=log_B) if B_obs is None else dict(B_obs=B_obs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning either
        post = hmm.forward_backward(pi, A, pairwise="full", **given)
    assert post.loglik == pytest.approx(loglik, rel=1e-14)
    np.testing.assert_allclose(post.gamma, gamma, rtol=0, atol=1e-12)
    np.testing.assert_allclose(post.xi, xi, rtol=0, atol=1e-12)


def test_float32_probabilities_are_accepted():
    """Correctly rounded float32 pi, A, B do not sum to 1 within 1e-8; before, they were
    refused ("rows of A must sum to 1"). The answer is that of hmmlearn with the same values."""
    rng = np.random.default_rng(32)
    K, M = 20, 30
    pi, A, B = (p.astype(np.float32) for p in random_model(K, M, rng))
    assert abs(float(A.astype(float).sum(axis=1)[0]) - 1) > 1e-8 or \
        np.abs(B.astype(float).sum(axis=1) - 1).max() > 1e-8
    x = rng.integers(0, M, 200)
    ref = categorical_reference(pi.astype(float), A.astype(float), B.astype(float))
    post = hmm.forward_backward(pi, A, hmm.categorical_likelihood(x, B))
    assert post.loglik == pytest.approx(ref.score(x[:, None]), rel=TOL)
    np.testing.assert_allclose(post.gamma, ref.predict_proba(x[:, None]), atol=TOL)
    hmm.baum_welch_step(x, pi, A, hmm.Categorical(B))
    # what is really off is still refused, in float32 and in float64
    with pytest.raises(ValueError, match="pi must sum to 1"):
        hmm.forward(np.array([0.5, 0.51], dtype=np.float32), A2, BO)
    with pytest.raises(ValueError, match="pi must sum to 1"):
        hmm.forward([0.5, 0.5 + 1e-7], A2, BO)
    with pytest.raises(ValueError, match="rows of A must sum to 1"):
        hmm.forward(PI, np.array([[0.7, 0.3], [0.2, 0.81]], dtype=np.float32), BO)


def test_float32_covariances_are_accepted():
    """A float32 covariance one unit in the last place from symmetric (relative 1e-7) was
    refused as not symmetric. The density uses the lower triangle, as scipy would use the
    matrix symmetrised from it."""
    rng = np.random.default_rng(33)
    G = rng.normal(size=(2, 2))
    S = (G @ G.T + np.eye(2)).astype(np.float32)
    S[0, 1] = np.nextafter(S[0, 1], np.float32(np.inf))
    X = rng.normal(size=(5, 2))
    got = hmm.gaussian_log_likelihood(X, np.zeros((1, 2)), S[None])
    lower = np.tril(S.astype(float))
    want = scipy.stats.multivariate_normal(np.zeros(2), lower + np.tril(lower, -1).T).logpdf(X)
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-12)


def test_covariance_symmetry_is_checked_relative_to_its_scale():
    """Before: an asymmetry below 1e-8 in absolute terms passed, so a covariance in small
    units could be far from symmetric (here the upper entry is 50 times the diagonal, the
    lower one 0) and its upper triangle was silently ignored."""
    S = np.array([[[1e-10, 5e-9], [0.0, 1e-10]]])
    with pytest.raises(ValueError, match=r"covars\[0\] must be symmetric positive semi-"
                                         r"definite; it is not symmetric"):
        hmm.gaussian_log_likelihood(np.zeros((2, 2)), np.zeros((1, 2)), S)
    # the same matrix made symmetric is fine, whatever its units
    ok = hmm.gaussian_log_likelihood([[1e-5, 0.0]], [[0.0, 0.0]],
                                     [[[1e-10, 5e-11], [5e-11, 1e-10]]])
    want = scipy.stats.multivariate_normal([0, 0], [[1e-10, 5e-11], [5e-11, 1e-10]]).logpdf(
        [1e-5, 0.0])
    assert ok[0, 0] == pytest.approx(want, rel=1e-12)


def test_covariance_singular_to_working_precision_is_refused():
    """Eigenvalues 1.1e-16 and 2: Cholesky succeeds, but the density (before: -2.25e15)
    is made of rounding errors (cond = 1.8e16 > 1 / eps)."""
    S = np.array([[[1.0, 1 - 1e-16], [1 - 1e-16, 1.0]]])
    with pytest.raises(ValueError, match=r"covars\[0\] must be positive definite for a "
                                         r"Gaussian density; it is singular to working"):
        hmm.gaussian_log_likelihood([[1.0, 0.0]], [[0.0, 0.0]], S)


def test_gaussian_log_density_in_the_overflow_range():
    """x = 1e200 with variance 1e300: the log-density is -5e99 - 346.3, representable; before,
    diff**2 overflowed and the diagonal form returned -inf. Where the log-density itself is
    not representable, NumericalError says so (before: -inf, or a raw SciPy error)."""
    want = -0.5 * (np.log(2 * np.pi) + 300 * np.log(10) + 1e100)
    for covars in ([[1e300]], [[[1e300]]]):  # diagonal and full
        got = hmm.gaussian_log_likelihood([[1e200]], [[0.0]], covars)
        assert got[0, 0] == pytest.approx(want, rel=1e-14)
    with pytest.raises(NumericalError, match="Mahalanobis distance"):
        hmm.gaussian_log_likelihood([[1e200]], [[0.0]], [[1.0]])
    with pytest.raises(NumericalError, match="Mahalanobis distance"):
        hmm.gaussian_log_likelihood([[1e308, 0.0]], [[-1e308, 0.0]], np.eye(2)[None])


def test_baum_welch_reports_overflowing_second_moments():
    """Data of scale 1e160: the re-estimated variances (1e320) overflow. Before: a ValueError
    that the observations have probability zero, about B_obs, an argument never passed."""
    X = np.random.default_rng(0).normal(size=(40, 1)) * 1e160
    start = hmm.Gaussian(np.array([[-1e160], [1e160]]), np.array([[1e300], [1e300]]))
    with pytest.raises(NumericalError, match=r"covars \(re-estimated\) is not finite.*rescale X"):
        hmm.baum_welch(X, [0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], start, max_iter=5)


def test_baum_welch_warns_when_the_updates_run_out():
    """Before: converged=False without a warning (easy to miss)."""
    rng = np.random.default_rng(3)
    pi, A, B = random_model(2, 3, rng)
    x = hmm.sample(pi, A, hmm.Categorical(B), 300, rng=rng).x
    with pytest.warns(ConvergenceWarning, match=r"Baum-Welch did not converge: gain in log "
                                                r"p\(X\) of the last update = .* > tol = "
                                                r"1e-12 after 3 iteration\(s\) of max_iter=3"):
        result = hmm.baum_welch(x, pi, A, hmm.Categorical(B), max_iter=3, tol=1e-12)
    assert not result.converged
    with warnings.catch_warnings():  # converged: no warning
        warnings.simplefilter("error")
        result = hmm.baum_welch(x, pi, A, hmm.Categorical(B), max_iter=500, tol=1e-4)
    assert result.converged and result.history[-1] - result.history[-2] <= 1e-4


def test_baum_welch_detects_a_decreasing_likelihood(monkeypatch):
    """EM cannot decrease log p(X); a decrease (here injected: -1 per update) is numerical
    trouble or a bug. Before: a negative gain is below tol, so it was reported converged."""
    step = hmm._baum_welch_step
    calls = []

    def worse_each_time(*args):
        calls.append(1)
        pi, A, em, loglik = step(*args)
        return pi, A, em, loglik - 10.0 * len(calls)

    monkeypatch.setattr(hmm, "_baum_welch_step", worse_each_time)
    rng = np.random.default_rng(4)
    pi, A, B = random_model(2, 3, rng)
    x = hmm.sample(pi, A, hmm.Categorical(B), 300, rng=rng).x
    with pytest.warns(ConvergenceWarning, match="the log-likelihood decreased by"):
        result = hmm.baum_welch(x, pi, A, hmm.Categorical(B), max_iter=50, tol=1e-6)
    assert not result.converged and len(result.history) == 2


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        # before: an array equal to "sum" passed the check `pairwise not in (...)`
        (lambda: hmm.forward_backward(PI, A2, BO, pairwise=np.array(["sum"])), ValueError,
         "pairwise must be 'sum', 'full' or None"),
        (lambda: hmm.log_forward_backward(PI, A2, BO, pairwise=1), ValueError,
         "pairwise must be"),
        # before: True was taken as the seed 1
        (lambda: hmm.sample(PI, A2, hmm.Categorical(B2), 5, rng=True), TypeError,
         "rng must be a numpy.random.Generator"),
        (lambda: hmm.baum_welch(X2, PI, A2, hmm.Categorical(B2), max_iter=True), TypeError,
         "max_iter must be an integer"),
        (lambda: hmm.baum_welch(X2, PI, A2, hmm.Categorical(B2), tol="1e-3"), TypeError,
         "tol must be a real number"),
        (lambda: hmm.baum_welch(X2, PI, A2, hmm.Categorical(B2), tol=np.inf), ValueError,
         "tol must be finite"),
        (lambda: hmm.baum_welch(X2, PI, A2, hmm.Categorical(B2), max_iter=2.5), TypeError,
         "max_iter must be an integer"),
        (lambda: hmm.sample(PI, A2, hmm.Categorical(B2), "5"), TypeError,
         "N must be an integer"),
        # numeric strings and complex numbers (refused since as_array refuses them, commit
        # 02fb803: these pass on it too; they guard every input path of this module)
        (lambda: hmm.categorical_likelihood(["0", "1"], B2), TypeError,
         "x must be array-like of numbers, got strings"),
        (lambda: hmm.categorical_likelihood([0.0, 1 + 0j], B2), TypeError,
         "x must be real, got complex"),
        (lambda: hmm.forward(["0.6", "0.4"], A2, BO), TypeError, "pi must be array-like"),
        (lambda: hmm.forward(PI, A2.astype(complex), BO), TypeError, "A must be real"),
        (lambda: hmm.forward_backward(PI, A2, BO.astype(str)), TypeError,
         "B_obs must be array-like of numbers"),
        (lambda: hmm.viterbi(PI, A2, log_B_obs=np.log(BO) + 0j), TypeError,
         "log_B_obs must be real"),
        (lambda: hmm.baum_welch(["0", "1", "2"], PI, A2, hmm.Categorical(B2)), TypeError,
         "X must be array-like of numbers"),
        (lambda: hmm.baum_welch(X2, PI, A2, hmm.Categorical(B2.astype(str))), TypeError,
         "B must be array-like of numbers"),
        (lambda: hmm.gaussian_log_likelihood([["1", "2"]], MEANS, COVS), TypeError,
         "X must be array-like of numbers"),
        (lambda: hmm.gaussian_log_likelihood(np.zeros((1, 2)), MEANS + 1j, COVS), TypeError,
         "means must be real"),
        (lambda: hmm.sample(PI, A2, hmm.Gaussian(MEANS, COVS.astype(str)), 3), TypeError,
         "covars must be array-like of numbers"),
        (lambda: hmm.log_joint(PI, A2, ["0", "1", "0", "1"], BO), TypeError,
         "z must be array-like of numbers"),
        (lambda: hmm.backward(A2, BO, ["1", "1", "1", "1"]), TypeError,
         "c must be array-like of numbers"),
    ],
)
def test_bad_parameters_and_coerced_input_are_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_results_never_alias_the_inputs():
    """Every returned array is new memory (this held before too; it guards the fast paths,
    which return views of their inputs when they can)."""
    rng = np.random.default_rng(9)
    pi, A, B = random_model(3, 4, rng)
    x = hmm.sample(pi, A, hmm.Categorical(B), 50, rng=rng).x
    B_obs = hmm.categorical_likelihood(x, B)
    log_B = np.log(B_obs)
    means, covars = random_gaussian(3, 2, rng)
    X = hmm.sample(pi, A, hmm.Gaussian(means, covars), 50, rng=rng).x
    one_state = (np.array([1.0]), np.array([[1.0]]))
    inputs = [pi, A, B, x, B_obs, log_B, means, covars, X, *one_state]
    results = [
        hmm.categorical_likelihood(x, B), hmm.log_categorical_likelihood(x, B),
        hmm.gaussian_log_likelihood(X, means, covars),
        hmm.emission_log_likelihood(X, hmm.Gaussian(means, covars)),
        *hmm.forward(pi, A, B_obs), hmm.backward(A, B_obs, hmm.forward(pi, A, B_obs).c),
        hmm.viterbi(pi, A, B_obs).path, *hmm.sample(pi, A, hmm.Categorical(B), 5, rng=1),
        hmm.sample(one_state[0], one_state[1], hmm.Gaussian(means[:1], covars[:1]), 1,
                   rng=1).x,
    ]
    for run in (hmm.forward_backward, hmm.log_forward_backward):
        for pairwise in ("sum", "full"):
            post = run(pi, A, B_obs, pairwise=pairwise)
            results += [post.gamma, post.xi, post.log_c]
            post = run(pi, A, log_B_obs=log_B, pairwise=pairwise)
            results += [post.gamma, post.xi, post.log_c]
        post = run(one_state[0], one_state[1], np.ones((1, 1)), pairwise="full")
        results += [post.gamma, post.xi, post.log_c]
    for emission, obs in ((hmm.Categorical(B), x), (hmm.Gaussian(means, covars), X)):
        step = hmm.baum_welch_step(obs, pi, A, emission)
        results += [step[0], step[1], *step[2]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = hmm.baum_welch(obs, pi, A, emission, max_iter=2)
        results += [fit.pi, fit.A, *fit.emission, fit.history]
    # a state never visited keeps its old parameters: as a copy
    unvisited = hmm.baum_welch_step([0, 1, 0], [1.0, 0.0], np.eye(2),
                                    hmm.Categorical(np.array([[0.5, 0.5], [0.3, 0.7]])))
    results += [unvisited[1], unvisited[2].B]
    inputs += [np.eye(2)]
    for i, result in enumerate(results):
        for j, arr in enumerate(inputs):
            assert not np.shares_memory(result, arr), (i, j)


def test_backward_refuses_to_return_overflowed_messages():
    # A = I with evidence that switches state: forward's scaled alpha loses state 2 to
    # underflow (alpha_hat = 0), and the readable backward recursion used to return inf and
    # NaN with only a RuntimeWarning; forward_backward gets it right in log space
    A = np.eye(2)
    log_B = np.array([[0.0, -460.5]] * 2 + [[-460.5, 0.0]] * 3)
    fw = hmm.forward(np.full(2, 0.5), A, np.exp(log_B))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(NumericalError, match="beta_hat is not finite"):
            hmm.backward(A, np.exp(log_B), fw.c)
    post = hmm.forward_backward(np.full(2, 0.5), A, log_B_obs=log_B)
    assert np.all(np.isfinite(post.gamma))


# ============================================================================ issue 11
# The chapter shows the plain recursions (forward, backward, textbook_viterbi); the fast
# paths (forward_backward's block scan for K <= 8 and fused loop above, viterbi's max-plus
# block scan for K <= 8) must compute the same numbers. K = 1..8 runs the block scans, 9..32
# the fused loop with one block-diagonal product per step, 33 and up the batched one; N = 1
# (no step), N not a square (padded blocks), N > 2**15 (several super-chunks of the block
# scan) and N > 64 (several chunks of the fused loop).
FAST_PATH_CASES = [(1, 1), (1, 40), (2, 1), (2, 2), (3, 3), (3, 17), (5, 1000), (8, 40_000),
                   (9, 1), (9, 65), (12, 130), (32, 200), (33, 200), (40, 500), (3, 70_000)]


def _random_problem(K, N, seed):
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(K))
    A = rng.dirichlet(np.full(K, 0.5), size=K)
    B_obs = rng.uniform(0.01, 1.0, size=(N, K))  # continuous: no two paths tie exactly
    return pi, A, B_obs


@pytest.mark.parametrize(("K", "N"), FAST_PATH_CASES)
def test_fast_forward_backward_equals_the_plain_recursions(K, N, monkeypatch):
    """gamma, xi, log c_n of forward_backward against eq. (hmm-scaled-post) evaluated on the
    output of the plain `forward` and `backward` the chapter shows. Tolerances: gamma and xi
    are probabilities (at most 1), the two computations differ by rounding accumulated over
    the steps, measured below 3e-14 up to N = 70000: atol 1e-12; each log c_n is O(1):
    atol 1e-12; log p(X), a sum of N of them, to a relative 1e-12."""
    pi, A, B_obs = _random_problem(K, N, seed=K * 1000 + N)
    fwd = hmm.forward(pi, A, B_obs)
    beta_hat = hmm.backward(A, B_obs, fwd.c)
    gamma = fwd.alpha_hat * beta_hat
    w = B_obs[1:] * beta_hat[1:] / fwd.c[1:, None]
    xi = fwd.alpha_hat[:-1, :, None] * A[None] * w[:, None, :]
    fallbacks = []  # the fast path must not hand over to the step-by-step or log recursions
    for name in ("forward", "backward", "_log_forward_backward"):
        real = getattr(hmm, name)
        monkeypatch.setattr(hmm, name, lambda *a, _f=real, _n=name, **k: fallbacks.append(_n)
                            or _f(*a, **k))
    post = hmm.forward_backward(pi, A, B_obs, pairwise="full")
    summed = hmm.forward_backward(pi, A, B_obs, pairwise="sum")
    assert fallbacks == []
    np.testing.assert_allclose(post.gamma, gamma, rtol=0, atol=1e-12)
    np.testing.assert_allclose(post.xi, xi, rtol=0, atol=1e-12)
    np.testing.assert_allclose(summed.xi, xi.sum(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(post.log_c, np.log(fwd.c), rtol=0, atol=1e-12)
    assert post.loglik == pytest.approx(np.log(fwd.c).sum(), rel=1e-12, abs=1e-12)


# N < 64: viterbi's loop (the same sums as textbook_viterbi); N >= 64: its block-parallel
# path with the certificate (the loop where it cannot certify)
VITERBI_CASES = [(K, N) for K in (1, 2, 3, 5, 8, 9, 12, 40) for N in (1, 2, 3, 50, 700)]


@pytest.mark.parametrize(("K", "N"), VITERBI_CASES)
def test_textbook_viterbi_equals_viterbi(K, N):
    """Continuous likelihoods: the same path, and log_prob to the last bit (the fast path
    re-adds it along the path in the loop's order); in any case within a relative 1e-12."""
    pi, A, B_obs = _random_problem(K, N, seed=7 * K + N)
    for kwargs in ({"B_obs": B_obs}, {"log_B_obs": np.log(B_obs)}):
        plain, fast = hmm.textbook_viterbi(pi, A, **kwargs), hmm.viterbi(pi, A, **kwargs)
        np.testing.assert_array_equal(plain.path, fast.path)
        assert plain.path.dtype == fast.path.dtype and plain.path.shape == (N,)
        assert plain.log_prob == pytest.approx(fast.log_prob, rel=1e-12)
        assert plain.log_prob == fast.log_prob
        assert hmm.log_joint(pi, A, plain.path, B_obs) == pytest.approx(plain.log_prob,
                                                                        rel=1e-12)


@pytest.mark.parametrize("K", [2, 4, 16, 64])
@pytest.mark.parametrize("seed", [0, 1])
def test_block_parallel_viterbi_is_certified_and_exact(K, seed, monkeypatch):
    """Long sequences of the benchmark's kind (a moderately sticky chain, categorical
    emissions): the block-parallel path must certify its result (no hand-over to the loop)
    and return textbook_viterbi's path and log_prob exactly."""
    rng = np.random.default_rng(400 + 10 * K + seed)
    pi, A, B = random_model(K, 8, rng)
    A = 0.5 * A + 0.5 * np.eye(K)
    x = hmm.sample(pi, A, hmm.Categorical(B), 5000, rng=rng).x
    log_B = hmm.log_categorical_likelihood(x, B)
    loops = []
    real = hmm._viterbi_loop
    monkeypatch.setattr(hmm, "_viterbi_loop", lambda *a: loops.append(1) or real(*a))
    fast = hmm.viterbi(pi, A, log_B_obs=log_B)
    assert loops == []
    monkeypatch.undo()
    plain = hmm.textbook_viterbi(pi, A, log_B_obs=log_B)
    np.testing.assert_array_equal(fast.path, plain.path)
    assert fast.log_prob == plain.log_prob


@pytest.mark.parametrize("N", [100, 3000])
def test_viterbi_on_a_chain_that_is_slow_to_forget(N):
    """A = a near-permutation and weak emissions: a guessed start is remembered for many
    steps, so the runners of pass 2 run far past their blocks (or the loop decides); the
    result is still textbook_viterbi's, bit for bit."""
    K = 3
    A = np.roll(np.eye(K), 1, axis=1) * (1 - 3e-3) + 1e-3
    pi = np.full(K, 1 / K)
    B_obs = np.random.default_rng(410 + N).uniform(0.5, 1.0, size=(N, K))
    fast, plain = hmm.viterbi(pi, A, B_obs), hmm.textbook_viterbi(pi, A, B_obs)
    np.testing.assert_array_equal(fast.path, plain.path)
    assert fast.log_prob == plain.log_prob


@pytest.mark.parametrize("K", [2, 4, 16])
@pytest.mark.parametrize("sticky", [0.5, 0.99])
def test_viterbi_runners_gathered_are_exact(K, sticky, monkeypatch):
    """Pass 2 gathers the runners still going into smaller arrays once half have met pass 1
    (for large K only; forced here for every K): the records of the runners that met before
    a gathering, and of those after it, must still give textbook_viterbi's result, bit for
    bit, certified by the block-parallel path itself (no hand-over to the loop)."""
    monkeypatch.setattr(hmm, "_GATHER_CELLS", 1)
    gathered = []
    real_runners = hmm._viterbi_runners

    def runners(omT, BT, log_A):
        found = real_runners(omT, BT, log_A)
        gathered.append(found is not None)
        return found

    monkeypatch.setattr(hmm, "_viterbi_runners", runners)
    loops = []
    real_loop = hmm._viterbi_loop
    monkeypatch.setattr(hmm, "_viterbi_loop", lambda *a: loops.append(1) or real_loop(*a))
    rng = np.random.default_rng(430 + K + int(100 * sticky))
    pi, A, B = random_model(K, 8, rng)
    A = (1 - sticky) * A + sticky * np.eye(K)  # sticky: runners of very different lengths
    x = hmm.sample(pi, A, hmm.Categorical(B), 6000, rng=rng).x
    log_B = hmm.log_categorical_likelihood(x, B)
    fast = hmm.viterbi(pi, A, log_B_obs=log_B)
    assert gathered == [True] and loops == []
    plain = hmm.textbook_viterbi(pi, A, log_B_obs=log_B)
    np.testing.assert_array_equal(fast.path, plain.path)
    assert fast.log_prob == plain.log_prob


def test_viterbi_with_impossible_transitions_and_emissions():
    """-inf entries (zero transition and emission probabilities) on a long sequence: the
    result is textbook_viterbi's, bit for bit, whichever path decides."""
    rng = np.random.default_rng(440)
    K, N = 6, 3000
    pi, A, B = random_model(K, 8, rng)
    A[0, 3] = A[2, 5] = A[4, 1] = 0.0  # some impossible transitions
    A /= A.sum(axis=1, keepdims=True)
    B[1, 2] = B[3, 0] = 0.0  # and impossible emissions
    B /= B.sum(axis=1, keepdims=True)
    x = hmm.sample(pi, A, hmm.Categorical(B), N, rng=rng).x
    log_B = hmm.log_categorical_likelihood(x, B)
    assert np.isneginf(log_B).any()
    fast, plain = hmm.viterbi(pi, A, log_B_obs=log_B), hmm.textbook_viterbi(pi, A, log_B_obs=log_B)
    np.testing.assert_array_equal(fast.path, plain.path)
    assert fast.log_prob == plain.log_prob


def test_viterbi_hands_exact_ties_to_the_loop(monkeypatch):
    """Two identical states: every path has a twin of the same probability. The
    certificate cannot separate them, so the loop decides, with its tie rule."""
    pi, A = np.full(2, 0.5), np.full((2, 2), 0.5)
    B_obs = np.repeat(np.random.default_rng(420).uniform(0.1, 1.0, size=(500, 1)), 2, axis=1)
    loops = []
    real = hmm._viterbi_loop
    monkeypatch.setattr(hmm, "_viterbi_loop", lambda *a: loops.append(1) or real(*a))
    fast = hmm.viterbi(pi, A, B_obs)
    monkeypatch.undo()
    assert loops == [1]
    np.testing.assert_array_equal(fast.path, np.zeros(500, dtype=int))
    assert fast.log_prob == hmm.textbook_viterbi(pi, A, B_obs).log_prob


def _tied_problem(K, N, seed):
    """Uniform or coarsely rounded probabilities and three symbols: many best paths."""
    rng = np.random.default_rng(seed)
    pi = np.full(K, 1 / K)
    if seed % 2:
        A = np.full((K, K), 1 / K)
    else:
        A = np.round(rng.dirichlet(np.ones(K), size=K), 1) + 0.1
        A /= A.sum(axis=1, keepdims=True)
    B = np.full((K, 3), 1 / 3)
    B[0] = [0.5, 0.25, 0.25]
    return pi, A, hmm.categorical_likelihood(rng.integers(0, 3, N), B)


@pytest.mark.parametrize("seed", range(40))
def test_textbook_viterbi_and_viterbi_on_exact_ties(seed):
    """Where paths tie exactly, both break the ties the same way (towards the smaller state,
    from z_N backwards): the block-parallel path cannot certify a tie and hands over to the
    loop, whose sums are the plain loop's. Same path, same log_prob to the last bit, and it
    is a best path (its log joint, eq. (hmm-joint), is that maximum)."""
    K = (1, 2, 3, 5, 8, 9, 12)[seed % 7]
    N = (1, 2, 6, 60, 300)[seed % 5]
    pi, A, B_obs = _tied_problem(K, N, seed)
    plain, fast = hmm.textbook_viterbi(pi, A, B_obs), hmm.viterbi(pi, A, B_obs)
    np.testing.assert_array_equal(plain.path, fast.path)
    assert plain.log_prob == fast.log_prob
    assert hmm.log_joint(pi, A, fast.path, B_obs) == pytest.approx(fast.log_prob, rel=1e-12)


def test_textbook_viterbi_breaks_ties_towards_the_smaller_state():
    # every path has the same probability: argmax picks state 0 at the end and every
    # back-pointer picks state 0
    plain = hmm.textbook_viterbi(np.full(3, 1 / 3), np.full((3, 3), 1 / 3), np.ones((5, 3)))
    np.testing.assert_array_equal(plain.path, np.zeros(5, dtype=int))
    assert plain.log_prob == pytest.approx(5 * np.log(1 / 3), rel=1e-14)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: hmm.textbook_viterbi(PI, [[1.1, -0.1], [0.2, 0.8]], BO), ValueError,
     "A must be non-negative"),
    (lambda: hmm.textbook_viterbi([0.6, 0.5], A2, BO), ValueError, "pi must sum to 1"),
    (lambda: hmm.textbook_viterbi(PI, A2, log_B_obs=np.zeros((4, 3))), ValueError,
     r"log_B_obs must have shape"),
    (lambda: hmm.textbook_viterbi(PI, A2), ValueError, "exactly one of B_obs"),
    (lambda: hmm.textbook_viterbi(PI, A2, BO, log_B_obs=np.log(BO)), ValueError,
     "exactly one of B_obs"),
    (lambda: hmm.textbook_viterbi(PI, np.eye(2), np.array([[1.0, 0.0], [0.0, 1.0]])),
     ValueError, "probability zero"),
    (lambda: hmm.textbook_viterbi(PI, A2, "BO"), TypeError, "B_obs must be array-like"),
    (lambda: hmm.textbook_viterbi(PI, A2.astype(complex), BO), TypeError, "A must be real"),
])
def test_textbook_viterbi_refuses_bad_input_like_viterbi(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ============================================================================ alpha-gamma smoother
@pytest.mark.parametrize("K", KS)
def test_alpha_gamma_smoother_equals_forward_backward(K):
    """Eq. (hmm-gamma-backward): gamma from the filtered alpha_hat alone, against the
    alpha-beta form of forward_backward (eq. hmm-scaled-post). Both are probabilities
    computed by different recursions over 500 steps; rounding measured below 1e-14."""
    rng = np.random.default_rng(300 + K)
    pi, A, B = random_model(K, 5, rng, concentration=0.5)
    B_obs = hmm.categorical_likelihood(rng.integers(0, 5, 500), B)
    gamma = hmm.alpha_gamma_smoother(A, hmm.forward(pi, A, B_obs).alpha_hat)
    np.testing.assert_allclose(gamma, hmm.forward_backward(pi, A, B_obs).gamma, rtol=0,
                               atol=1e-12)


@pytest.mark.parametrize("N", [1, 2, 4, 6])
def test_alpha_gamma_smoother_against_brute_force_enumeration(N):
    rng = np.random.default_rng(310 + N)
    pi, A, B = random_model(3, 4, rng)
    B_obs = hmm.categorical_likelihood(rng.integers(0, 4, N), B)
    _, gamma, *_ = brute_force(pi, A, B_obs)
    filtered = np.array([brute_force(pi, A, B_obs[: n + 1])[1][n] for n in range(N)])
    np.testing.assert_allclose(hmm.alpha_gamma_smoother(A, filtered), gamma, atol=1e-12)


def test_alpha_gamma_smoother_with_zero_transitions():
    """A left-right chain: predicted probabilities of exactly zero (0/0 terms) are zero."""
    pi = np.array([1.0, 0.0, 0.0])
    A = np.array([[0.6, 0.4, 0.0], [0.0, 0.7, 0.3], [0.0, 0.0, 1.0]])
    B_obs = np.random.default_rng(320).uniform(0.1, 1.0, size=(8, 3))
    gamma = hmm.alpha_gamma_smoother(A, hmm.forward(pi, A, B_obs).alpha_hat)
    _, expected, *_ = brute_force(pi, A, B_obs)
    np.testing.assert_allclose(gamma, expected, atol=1e-12)
    assert gamma[0].tolist() == [1.0, 0.0, 0.0]


# ============================================================================ predictive
@pytest.mark.parametrize("N", [1, 2, 3, 5])
@pytest.mark.parametrize("K", [2, 3])
def test_predictive_against_brute_force_enumeration(N, K):
    """Eq. (hmm-predictive): p(x_{N+1} | X) = p(X, x_{N+1}) / p(X), both sums over all
    K**N (K**(N+1)) paths of the plain product (hmm-joint)."""
    rng = np.random.default_rng(330 + 10 * N + K)
    M = 4
    pi, A, B = random_model(K, M, rng)
    x = rng.integers(0, M, N)
    evidence = brute_force(pi, A, hmm.categorical_likelihood(x, B))[0]
    expected = np.array([brute_force(pi, A, hmm.categorical_likelihood(np.r_[x, m], B))[0]
                         for m in range(M)]) / evidence
    B_obs = hmm.categorical_likelihood(x, B)
    np.testing.assert_allclose(hmm.predictive(pi, A, B_obs, b_next=B.T), expected,
                               rtol=1e-12)
    np.testing.assert_allclose(hmm.predictive(pi, A, log_B_obs=np.log(B_obs), b_next=B.T),
                               expected, rtol=1e-12)
    one = hmm.predictive(pi, A, B_obs, b_next=B[:, 2])
    assert isinstance(one, float) and one == pytest.approx(expected[2], rel=1e-12)
    assert expected.sum() == pytest.approx(1.0, abs=1e-12)


def test_predictive_of_a_gaussian_hmm_against_numerical_integration():
    """A density: integrating p(x_{N+1} | X) over x_{N+1} gives 1, and it is the
    mixture of the state densities with the predicted weights."""
    pi, A = np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.2, 0.8]])
    means, covars = np.array([[-1.0], [2.0]]), np.array([[0.5], [1.5]])
    x = hmm.sample(pi, A, hmm.Gaussian(means, covars), 20, rng=3).x
    log_B = hmm.gaussian_log_likelihood(x, means, covars)
    grid = np.linspace(-12, 14, 20001)[:, None]
    density = hmm.predictive(pi, A, log_B_obs=log_B,
                             b_next=np.exp(hmm.gaussian_log_likelihood(grid, means, covars)))
    assert np.trapezoid(density, grid[:, 0]) == pytest.approx(1.0, abs=1e-9)


# ============================================================================ several sequences
@pytest.mark.parametrize("K", [2, 4])
def test_categorical_baum_welch_with_lengths_matches_hmmlearn(K):
    rng = np.random.default_rng(340 + K)
    M = 5
    pi, A, B = random_model(K, M, rng)
    lengths = [1, 40, 7, 120]
    x = rng.integers(0, M, sum(lengths))
    ref = categorical_reference(pi, A, B, n_iter=1, tol=1e-300, params="ste")
    ref.fit(x[:, None], lengths)
    pi1, A1, em1, loglik = hmm.baum_welch_step(x, pi, A, hmm.Categorical(B), lengths=lengths)
    np.testing.assert_allclose(pi1, ref.startprob_, atol=TOL)
    np.testing.assert_allclose(A1, ref.transmat_, atol=TOL)
    np.testing.assert_allclose(em1.B, ref.emissionprob_, atol=TOL)
    assert loglik == pytest.approx(ref.monitor_.history[0], rel=TOL)
    # pooling is not the same as one long sequence (no transitions across the boundaries)
    _, A_one, _, _ = hmm.baum_welch_step(x, pi, A, hmm.Categorical(B))
    assert np.abs(A_one - A1).max() > 1e-3


@pytest.mark.parametrize("full", [True, False], ids=["full", "diag"])
def test_gaussian_baum_welch_with_lengths_matches_hmmlearn(full):
    rng = np.random.default_rng(350 + full)
    K, D = 3, 2
    pi, A, _ = random_model(K, 2, rng)
    means, covars = random_gaussian(K, D, rng, full=full)
    lengths = [50, 3, 80]
    X = hmm.sample(pi, A, hmm.Gaussian(means, covars), sum(lengths), rng=rng).x
    means0 = means + rng.normal(0, 0.5, size=means.shape)
    ref = gaussian_reference(pi, A, means0, covars, n_iter=1, tol=1e-300, params="stmc")
    ref.fit(X, lengths)
    pi1, A1, em1, loglik = hmm.baum_welch_step(X, pi, A, hmm.Gaussian(means0, covars),
                                               lengths=lengths)
    np.testing.assert_allclose(pi1, ref.startprob_, atol=TOL)
    np.testing.assert_allclose(A1, ref.transmat_, atol=TOL)
    np.testing.assert_allclose(em1.means, ref.means_, atol=TOL)
    ref_covars = ref.covars_ if full else np.diagonal(ref.covars_, axis1=1, axis2=2)
    np.testing.assert_allclose(em1.covars, ref_covars, atol=TOL)
    assert loglik == pytest.approx(ref.monitor_.history[0], rel=TOL)


def test_baum_welch_with_lengths_never_decreases_and_matches_hmmlearn_fit():
    rng = np.random.default_rng(360)
    K, M = 3, 4
    pi, A, B = random_model(K, M, rng)
    lengths = [30, 45, 25]
    x = hmm.sample(pi, A, hmm.Categorical(B), sum(lengths), rng=rng).x
    pi0, A0, B0 = random_model(K, M, rng)
    with pytest.warns(ConvergenceWarning, match="after 15 iteration"):
        fit = hmm.baum_welch(x, pi0, A0, hmm.Categorical(B0), lengths=lengths, max_iter=15,
                             tol=0.0)
    assert np.all(np.diff(fit.history) >= -1e-10)
    ref = categorical_reference(pi0, A0, B0, n_iter=15, tol=0.0, params="ste")
    ref.fit(x[:, None], lengths)
    np.testing.assert_allclose(fit.history, ref.monitor_.history, rtol=1e-9)
    np.testing.assert_allclose(fit.A, ref.transmat_, atol=1e-8)


@pytest.mark.parametrize(("lengths", "match"), [
    ([2, 2], "lengths must sum to the number of observations N = 6"),
    ([3, 0, 3], "lengths must be positive integers"),
    ([2.5, 3.5], "lengths must be positive integers"),
    ([[3, 3]], "lengths must be 1-D"),
])
def test_bad_lengths_are_refused(lengths, match):
    x = np.array([0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match=match):
        hmm.baum_welch_step(x, PI, A2, hmm.Categorical(B2), lengths=lengths)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: hmm.alpha_gamma_smoother(A2, np.ones((4, 3)) / 3), r"alpha_hat must have shape"),
    (lambda: hmm.alpha_gamma_smoother(A2, np.ones((4, 2))), "rows of alpha_hat must sum to 1"),
    (lambda: hmm.predictive(PI, A2, BO, b_next=np.ones(3)), r"b_next must have shape"),
    (lambda: hmm.predictive(PI, A2, BO, b_next=[-0.1, 0.5]), "b_next must be non-negative"),
])
def test_smoother_and_predictive_refuse_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
