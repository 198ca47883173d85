"""Tests of derivlib.sequences.kalman (chapter ``chapters/sequences/kalman.ipynb``).

Independent references, on random models and data:

* pykalman 0.11 (``KalmanFilter.filter``, ``smooth``, ``loglikelihood``, one EM step with
  ``em(n_iter=1, em_vars=[...])``); pykalman's ``initial_state_mean`` is, like ``mu0`` here,
  the prior of the first state before its observation (Bishop's convention);
* filterpy 2.0 (a ``KalmanFilter`` predict/update loop, with no predict before the first
  update, and ``filterpy.kalman.rts_smoother``);
* brute force: the joint Gaussian of all states and observations built explicitly for small
  T and conditioned on the observations (Bishop 2.3.1), which gives the filtered and
  smoothed moments, the lag-one covariances (eq. kf-lag-one) and the likelihood;
* invariants: covariances symmetric positive definite over 10^5 steps (eq. kf-joseph, on a
  model where the short form (I - K C) P demonstrably fails), EM never decreases the
  log-likelihood, the steady-state shortcut equals the full recursion (also on slowly
  converging models);
* the chapter's plain textbook_filter and textbook_smoother equal the fast kalman_filter and
  smooth (with and without the steady-state shortcut) on random and ill-conditioned models.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from filterpy.kalman import KalmanFilter as FilterpyKF
from filterpy.kalman import rts_smoother
from pykalman import KalmanFilter as PykalmanKF
from scipy import stats

from derivlib import ConvergenceWarning, NumericalError
from derivlib.sequences import kalman

TOL = 1e-8
PK_NAMES = {
    "A": "transition_matrices",
    "C": "observation_matrices",
    "Q": "transition_covariance",
    "R": "observation_covariance",
    "mu0": "initial_state_mean",
    "V0": "initial_state_covariance",
}
CASES = [(1, 1, 30), (2, 1, 60), (3, 2, 200), (4, 4, 400), (5, 2, 150), (9, 4, 300)]


def random_ssm(rng: np.random.Generator, d: int, p: int) -> kalman.LinearGaussianSSM:
    """A stable random model with well-conditioned covariances."""
    A = rng.normal(size=(d, d))
    A *= rng.uniform(0.5, 0.98) / max(abs(np.linalg.eigvals(A)))
    C = rng.normal(size=(p, d))

    def spd(k, floor):
        B = rng.normal(size=(k, k))
        return B @ B.T / k + floor * np.eye(k)

    return kalman.LinearGaussianSSM(A, C, spd(d, 0.1), spd(p, 0.3), rng.normal(size=d),
                                    spd(d, 0.5))


def pykalman_model(ssm) -> PykalmanKF:
    return PykalmanKF(**{PK_NAMES[k]: np.array(v, dtype=float)
                         for k, v in ssm._asdict().items()})


def case(seed, d, p, T):
    rng = np.random.default_rng(seed)
    ssm = random_ssm(rng, d, p)
    return ssm, kalman.sample(ssm, T, rng).x


# --------------------------------------------------------------------------- docstrings
def test_docstring_examples_all_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    n_examples = 0
    for test in finder.find(kalman):
        n_examples += len(test.examples)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
    assert n_examples == result.attempted == 32


# --------------------------------------------------------------------------- pykalman
@pytest.mark.parametrize("steady_state", [True, False])
@pytest.mark.parametrize(("d", "p", "T"), CASES)
def test_filter_and_smoother_match_pykalman(d, p, T, steady_state):
    ssm, x = case(d * 100 + T, d, p, T)
    pk = pykalman_model(ssm)
    fm, fV = pk.filter(x)
    sm, sV = pk.smooth(x)
    s = kalman.smooth(x, ssm, steady_state=steady_state)
    np.testing.assert_allclose(s.filtered.mean, fm, rtol=0, atol=TOL)
    np.testing.assert_allclose(s.filtered.cov, fV, rtol=0, atol=TOL)
    np.testing.assert_allclose(s.mean, sm, rtol=0, atol=TOL)
    np.testing.assert_allclose(s.cov, sV, rtol=0, atol=TOL)
    ll = pk.loglikelihood(x)
    assert s.loglik == pytest.approx(ll, rel=1e-10, abs=TOL)
    assert kalman.loglikelihood(x, ssm) == pytest.approx(ll, rel=1e-10, abs=TOL)


def test_predicted_moments_and_lag_one_match_pykalman_internals():
    from pykalman.standard import _filter, _smooth, _smooth_pair

    ssm, x = case(7, 3, 2, 80)
    d, p = 3, 2
    mp, P, K, _, _ = _filter(ssm.A, ssm.C, ssm.Q, ssm.R, np.zeros(d), np.zeros(p), ssm.mu0,
                             ssm.V0, x)
    f = kalman.kalman_filter(x, ssm)
    np.testing.assert_allclose(f.predicted_mean, mp, atol=TOL)
    np.testing.assert_allclose(f.predicted_cov, P, atol=TOL)
    np.testing.assert_allclose(f.gain, K, atol=TOL)
    _, fV = pykalman_model(ssm).filter(x)
    fm = f.mean
    _, sV, J = _smooth(ssm.A, fm, fV, mp, P)
    lag = _smooth_pair(sV, J)
    s = kalman.smooth(x, ssm)
    np.testing.assert_allclose(s.gain, J, atol=TOL)
    np.testing.assert_allclose(s.lag_one_cov, lag[1:], atol=TOL)


@pytest.mark.parametrize(
    "fit",
    [kalman.FIT_ALL, ("A", "Q"), ("Q", "R"), ("C", "R"), ("Q",), ("mu0", "V0"), ("V0",)],
    ids=lambda f: "+".join(f),
)
def test_one_em_step_matches_pykalman(fit):
    ssm, x = case(11, 3, 2, 120)
    pk = pykalman_model(ssm)
    pk.em(x, n_iter=1, em_vars=[PK_NAMES[k] for k in fit])
    new = kalman.em_step(x, ssm, fit).ssm
    for name in kalman.FIT_ALL:
        ours, theirs = getattr(new, name), getattr(pk, PK_NAMES[name])
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=TOL, err_msg=name)
        if name not in fit:
            np.testing.assert_array_equal(ours, getattr(ssm, name), err_msg=name)


# --------------------------------------------------------------------------- filterpy
def filterpy_run(ssm, x):
    """Predict/update loop; the first state has no predict (mu0, V0 is its prior)."""
    d, p = ssm.A.shape[0], ssm.C.shape[0]
    f = FilterpyKF(dim_x=d, dim_z=p)
    f.F, f.H, f.Q, f.R = ssm.A, ssm.C, ssm.Q, ssm.R
    f.x, f.P = ssm.mu0.copy(), ssm.V0.copy()
    means, covs, ll = [], [], 0.0
    for t, xt in enumerate(x):
        if t > 0:
            f.predict()
        f.update(xt)
        means.append(f.x.copy())
        covs.append(f.P.copy())
        ll += f.log_likelihood
    return np.array(means), np.array(covs), ll


@pytest.mark.parametrize(("d", "p", "T"), CASES)
def test_filter_and_smoother_match_filterpy(d, p, T):
    ssm, x = case(d * 7 + T, d, p, T)
    fm, fV, ll = filterpy_run(ssm, x)
    s = kalman.smooth(x, ssm)
    np.testing.assert_allclose(s.filtered.mean, fm, rtol=0, atol=TOL)
    np.testing.assert_allclose(s.filtered.cov, fV, rtol=0, atol=TOL)
    assert s.loglik == pytest.approx(ll, rel=1e-10)
    sm, sV, _, _ = rts_smoother(fm, fV, [ssm.A] * T, [ssm.Q] * T)
    np.testing.assert_allclose(s.mean, sm, rtol=0, atol=TOL)
    np.testing.assert_allclose(s.cov, sV, rtol=0, atol=TOL)


# --------------------------------------------------------------------------- brute force
def joint_gaussian(ssm, T):
    """Mean and covariance of (z_1..z_T, x_1..x_T), stacked, built from the model."""
    A, C, Q, R, mu0, V0 = ssm
    d, p = A.shape[0], C.shape[0]
    mean_z = [mu0]
    cov_z = [[None] * T for _ in range(T)]
    var = [V0]
    for _ in range(1, T):
        mean_z.append(A @ mean_z[-1])
        var.append(A @ var[-1] @ A.T + Q)
    for i in range(T):
        for j in range(T):  # cov(z_i, z_j) = A^{i-j} var_j for i >= j
            lo, hi = min(i, j), max(i, j)
            block = np.linalg.matrix_power(A, hi - lo) @ var[lo]
            cov_z[i][j] = block if i >= j else block.T
    Szz = np.block(cov_z)
    Ck = np.kron(np.eye(T), C)
    mean = np.concatenate([np.concatenate(mean_z), Ck @ np.concatenate(mean_z)])
    Sxx = Ck @ Szz @ Ck.T + np.kron(np.eye(T), R)
    cov = np.block([[Szz, Szz @ Ck.T], [Ck @ Szz, Sxx]])
    return mean, cov, d, p


def condition(mean, cov, keep, given, values):
    """Gaussian conditioning (Bishop 2.81-2.82)."""
    Sgg = cov[np.ix_(given, given)]
    Skg = cov[np.ix_(keep, given)]
    m = mean[keep] + Skg @ np.linalg.solve(Sgg, values - mean[given])
    S = cov[np.ix_(keep, keep)] - Skg @ np.linalg.solve(Sgg, Skg.T)
    return m, S


@pytest.mark.parametrize(("d", "p", "T"), [(1, 1, 1), (2, 1, 4), (2, 2, 5), (3, 2, 6)])
def test_smoother_equals_conditioning_the_joint_gaussian(d, p, T):
    ssm, x = case(d + 10 * T, d, p, T)
    mean, cov, d, p = joint_gaussian(ssm, T)
    nz = T * d
    xs = x.reshape(-1)
    m, S = condition(mean, cov, np.arange(nz), nz + np.arange(T * p), xs)
    s = kalman.smooth(x, ssm)
    np.testing.assert_allclose(s.mean.reshape(-1), m, atol=TOL)
    for t in range(T):
        np.testing.assert_allclose(s.cov[t], S[t * d:(t + 1) * d, t * d:(t + 1) * d], atol=TOL)
    for t in range(T - 1):  # cov(z_{t+1}, z_t | x), eq. kf-lag-one
        np.testing.assert_allclose(s.lag_one_cov[t],
                                   S[(t + 1) * d:(t + 2) * d, t * d:(t + 1) * d], atol=TOL)
    ll = stats.multivariate_normal(mean[nz:], cov[nz:, nz:]).logpdf(xs)
    assert s.loglik == pytest.approx(ll, rel=1e-10)
    for t in range(T):  # filtering: condition z_t on x_1..x_t only
        keep = t * d + np.arange(d)
        given = nz + np.arange((t + 1) * p)
        mf, Sf = condition(mean, cov, keep, given, xs[: (t + 1) * p])
        np.testing.assert_allclose(s.filtered.mean[t], mf, atol=TOL)
        np.testing.assert_allclose(s.filtered.cov[t], Sf, atol=TOL)


def test_gain_is_p_ct_s_inverse_and_joseph_equals_short_form():
    ssm, x = case(3, 4, 3, 10)
    f = kalman.kalman_filter(x, ssm, steady_state=False)
    for t in range(10):
        P = f.predicted_cov[t]
        S = ssm.C @ P @ ssm.C.T + ssm.R
        K = P @ ssm.C.T @ np.linalg.inv(S)  # the textbook form, an inverse on purpose
        np.testing.assert_allclose(f.gain[t], K, atol=1e-10)
        np.testing.assert_allclose(f.cov[t], (np.eye(4) - K @ ssm.C) @ P, atol=1e-10)


# --------------------------------------------------------------------------- invariants
def slow_scalar_model(a, q):
    """z_n = a z_{n-1} + w, x_n = z_n + v, r = 1: the Riccati recursion contracts by a factor
    close to 1 per step, so that small changes per step still add up to a large drift."""
    return kalman.LinearGaussianSSM([[a]], [[1.0]], [[q]], [[1.0]], [0.0], [[1.0]])


def _steady_cases():
    for d in (4, 9):  # batched smoother gains and gains in the loop
        yield pytest.param(*case(5, d, 2, 3000), 500, id=f"random-d{d}")
    # contraction factors 0.9978 and 0.99936 per step: the covariances still drift by 4e-12
    # and 1.5e-11 (relative) after they change by less than 1e-14 per step
    for a, q, T, frozen_by in [(0.9995, 1e-6, 20_000, 16_000), (0.99995, 1e-7, 50_000, 48_000)]:
        ssm = slow_scalar_model(a, q)
        yield pytest.param(ssm, kalman.sample(ssm, T, rng=1).x, frozen_by, id=f"slow-a{a}-q{q}")


@pytest.mark.parametrize(("ssm", "x", "frozen_by"), list(_steady_cases()))
def test_steady_state_shortcut_equals_full_recursion(ssm, x, frozen_by):
    fast, full = kalman.smooth(x, ssm), kalman.smooth(x, ssm, steady_state=False)
    for a, b in zip(fast, full, strict=True):
        pairs = zip(a, b, strict=True) if isinstance(a, tuple) else [(a, b)]
        for u, v in pairs:  # relative to each array's scale (means cross zero)
            np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-12 * np.max(np.abs(v)))
    assert kalman._forward(x, kalman.check_ssm(ssm), True).n0 < frozen_by  # it did freeze


def test_steady_state_freezes_only_when_the_remaining_drift_is_small():
    # a model that converges too slowly to certify within T steps is never frozen
    ssm = slow_scalar_model(0.99995, 1e-7)
    x = kalman.sample(ssm, 20_000, rng=1).x  # 1e-14 per step after ~40000 steps only
    assert kalman._forward(x, kalman.check_ssm(ssm), True).n0 == 20_000
    # the test itself: drift bound by the geometric series of the linearised recursion
    test = kalman._SteadyTest()
    V = np.array([[1.0]])
    assert test(V, V, 100, np.array([[0.999]]))  # an exact fixed point
    step = V * 5e-15  # small change per step, but 0.999 / (1 - 0.999) = 999 times more to come
    assert not test(V + step, V, 10**6, np.array([[0.999**0.5]]))
    assert test.rtol < 1e-16  # tested again only once the change has shrunk enough
    assert kalman._drift(step, np.array([[0.5]]), 10**6) == pytest.approx(5e-15 / 3, rel=1e-12)
    assert test(V + step, V, 10**6, np.array([[0.5]])) is False  # rtol stays lowered
    assert kalman._SteadyTest()(V + step, V, 10**6, np.array([[0.5]]))


def test_steady_state_waits_for_the_small_coordinates_of_a_mixed_scale_model():
    # an unobserved coordinate of variance 1e8 next to an observed random walk of variance
    # ~1e-3 that converges slowly: the small coordinate's covariance changed by less than
    # 1e-14 times max |V| = 1e8 per step long before it had converged (the shortcut froze
    # it at step ~3800, and its variance, mean and the log-likelihood were off by ~1e-3)
    ssm = kalman.LinearGaussianSSM(np.diag([0.0, 1.0]), [[0.0, 1.0]], np.diag([1e8, 1e-6]),
                                   [[1.0]], np.zeros(2), np.diag([1e8, 1.0]))
    x = kalman.sample(ssm, 6000, rng=0).x
    fast, full = kalman.smooth(x, ssm), kalman.smooth(x, ssm, steady_state=False)
    ref = pykalman_model(ssm)
    ref_mean, ref_cov = ref.filter(x[:200])  # the full recursion is pykalman's
    np.testing.assert_allclose(full.filtered.cov[:200, 1, 1], ref_cov[:, 1, 1], rtol=1e-12)
    for u, v in [(fast.filtered.cov[:, 1, 1], full.filtered.cov[:, 1, 1]),
                 (fast.cov[:, 1, 1], full.cov[:, 1, 1])]:
        np.testing.assert_allclose(u, v, rtol=1e-12)
    for u, v in [(fast.filtered.mean[:, 1], full.filtered.mean[:, 1]),
                 (fast.mean[:, 1], full.mean[:, 1])]:
        np.testing.assert_allclose(u, v, rtol=0, atol=1e-12 * np.max(np.abs(v)))
    assert fast.loglik == pytest.approx(full.loglik, rel=1e-13)


def _accurate_sensor_model(d=4, seed=0):
    """Every state coordinate measured with noise 1e-17 times the process noise: the
    predicted covariance P ~ Q is about 1e17 times the filtered one V ~ R."""
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(d, d))
    A = 0.9 * G / max(abs(np.linalg.eigvals(G)))
    B = rng.normal(size=(d, d))
    Q = B @ B.T / d + 0.5 * np.eye(d)
    B = rng.normal(size=(d, d))
    R = 1e-17 * (B @ B.T / d + 0.5 * np.eye(d))
    return kalman.LinearGaussianSSM(A, np.eye(d), Q, R, np.zeros(d), np.eye(d))


def _naive_update_fails(ssm, steps=50) -> bool:
    """The short form V = (I - K C) P (symmetrised): does V become indefinite?"""
    A, C, Q, R, _, V = ssm
    for t in range(steps):
        P = A @ V @ A.T + Q if t > 0 else V  # V0 is the prior of z_1
        K = np.linalg.solve(C @ P @ C.T + R, C @ P).T  # K = P C^T S^{-1}
        V = (np.eye(len(A)) - K @ C) @ P
        V = (V + V.T) / 2
        if not np.linalg.eigvalsh(V)[0] > 0:
            return True
    return False


@pytest.mark.parametrize("model", ["slow-rotation", "accurate-sensor"])
def test_covariances_stay_symmetric_positive_definite_over_1e5_steps(model):
    if model == "slow-rotation":  # precise observations of one coordinate of a 2-D rotation
        theta = 0.01
        A = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        ssm = kalman.LinearGaussianSSM(A, np.array([[1.0, 0.0]]), 1e-6 * np.eye(2),
                                       np.array([[1e-8]]), np.zeros(2), 1e4 * np.eye(2))
    else:  # R / P ~ 1e-17 < machine epsilon: the short form cancels to rounding noise
        ssm = _accurate_sensor_model()
        assert _naive_update_fails(ssm)
    T = 100_000
    x = kalman.sample(ssm, T, rng=0).x
    f = kalman.kalman_filter(x, ssm, steady_state=False)
    for covs in (f.cov, f.predicted_cov):
        sym = np.abs(covs - covs.transpose(0, 2, 1)).max(axis=(1, 2))
        assert np.all(sym <= 1e-12 * np.abs(covs).max(axis=(1, 2)))
        assert np.all(np.linalg.eigvalsh(covs)[:, 0] > 0)
    np.testing.assert_array_equal(f.cov, f.cov.transpose(0, 2, 1))  # exactly symmetric
    if model == "accurate-sensor":  # and V is right: V = P - P (P + R)^{-1} P ~ R
        low = np.linalg.eigvalsh(ssm.R)[0]
        assert np.all(np.linalg.eigvalsh(f.cov)[:, 0] > 0.5 * low)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_em_never_decreases_the_loglikelihood(seed):
    rng = np.random.default_rng(seed)
    d, p = 2 + seed % 2, 2
    true = random_ssm(rng, d, p)
    x = kalman.sample(true, 150, rng).x
    start = random_ssm(rng, d, p)
    res = kalman.em(x, start, max_iter=12)
    assert res.loglik.shape == (13,) and res.n_iter == 12
    assert np.all(np.diff(res.loglik) >= -1e-9 * np.abs(res.loglik[:-1]))
    assert res.loglik[-1] > res.loglik[0]
    assert res.loglik[-1] == pytest.approx(kalman.loglikelihood(x, res.ssm))


def test_em_stops_at_tol_and_fits_a_subset():
    ssm, x = case(9, 2, 2, 300)
    start = ssm._replace(Q=3 * ssm.Q, R=0.2 * ssm.R)
    res = kalman.em(x, start, max_iter=200, tol=0.1, fit=("Q", "R"))
    assert res.n_iter < 200
    np.testing.assert_array_equal(res.ssm.A, start.A)
    np.testing.assert_array_equal(res.ssm.C, start.C)


def test_sample_is_reproducible_and_has_the_model_moments():
    ssm = kalman.constant_velocity(q=0.5, r=2.0)
    a, b = kalman.sample(ssm, 30, rng=4), kalman.sample(ssm, 30, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a.x, b.x)
    assert a.z.shape == (30, 4) and a.x.shape == (30, 2)
    rng = np.random.default_rng(0)
    draws = np.array([kalman.sample(ssm, 2, rng).x[1] for _ in range(4000)])
    P2 = ssm.A @ ssm.V0 @ ssm.A.T + ssm.Q  # cov of z_2
    expected = ssm.C @ P2 @ ssm.C.T + ssm.R
    np.testing.assert_allclose(np.cov(draws.T), expected, rtol=0, atol=0.05 * expected.max())


def test_constant_velocity_model():
    ssm = kalman.constant_velocity(dt=0.5, q=2.0, r=3.0, n_dims=3)
    assert ssm.A.shape == (6, 6) and ssm.C.shape == (3, 6)
    np.testing.assert_allclose(ssm.A @ np.r_[np.zeros(3), np.ones(3)], np.r_[0.5 * np.ones(3),
                                                                             np.ones(3)])
    assert np.linalg.eigvalsh(ssm.Q)[0] > 0
    np.testing.assert_allclose(ssm.R, 3 * np.eye(3))


def test_one_dimensional_observations_are_accepted_when_p_is_1():
    ssm, x = case(2, 2, 1, 20)
    np.testing.assert_allclose(kalman.kalman_filter(x[:, 0], ssm).mean,
                               kalman.kalman_filter(x, ssm).mean)


# --------------------------------------------------------------------------- validation
def _good():
    return kalman.LinearGaussianSSM(np.eye(2), np.ones((1, 2)), np.eye(2), np.eye(1),
                                    np.zeros(2), np.eye(2))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"A": np.ones((2, 3))}, r"A must have shape \(2, 2\)"),
        ({"C": np.ones((1, 3))}, "C must have d = 2 columns"),
        ({"Q": np.ones((3, 3))}, r"Q must have shape \(2, 2\)"),
        ({"R": np.eye(2)}, r"R must have shape \(1, 1\)"),
        ({"mu0": np.zeros(3)}, r"mu0 must have shape \(2,\)"),
        ({"V0": np.eye(3)}, r"V0 must have shape \(2, 2\)"),
        ({"Q": np.array([[1.0, 0.5], [0.0, 1.0]])}, "Q must be a symmetric"),
        ({"Q": np.diag([1.0, -1.0])}, "Q must be symmetric positive semi-definite"),
        ({"V0": np.diag([1.0, -0.5])}, "V0 must be symmetric positive semi-definite"),
        ({"R": np.zeros((1, 1))}, "R must be symmetric positive definite"),
        ({"A": np.array([[np.nan, 0.0], [0.0, 1.0]])}, "A must be finite"),
    ],
)
def test_bad_parameters_are_rejected(change, match):
    ssm = _good()._replace(**change)
    x = np.zeros((5, 1))
    with pytest.raises(ValueError, match=match):
        kalman.kalman_filter(x, ssm)


def test_singular_semidefinite_covariances_are_accepted():
    ssm = _good()._replace(Q=np.diag([1.0, 0.0]), V0=np.zeros((2, 2)))
    assert np.isfinite(kalman.kalman_filter(np.zeros((4, 1)), ssm).loglik)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.array([[0.0], [np.nan], [1.0]]), "x must be finite"),
        (np.zeros((4, 2)), "x must have p = 1 columns"),
        (np.zeros((0, 1)), "x must have at least 1"),
        (np.zeros((2, 2, 1)), "x must be 1-D or 2-D"),
    ],
)
def test_bad_observations_are_rejected(x, match):
    with pytest.raises(ValueError, match=match):
        kalman.smooth(x, _good())


def test_ragged_input_is_reported_naming_the_argument():
    # NumPy cannot make an array of ragged lists; the message names the argument and shows it
    with pytest.raises(TypeError, match=r"x must be array-like of numbers, got \[\[0\.0\], "
                                        r"\[1\.0, 2\.0\]\] \(.*inhomogeneous"):
        kalman.kalman_filter([[0.0], [1.0, 2.0]], _good())
    with pytest.raises(TypeError, match=r"A must be array-like of numbers, got \[\[1\.0\], "):
        kalman.smooth(np.zeros((3, 1)), _good()._replace(A=[[1.0], [0.0, 1.0]]))


def test_one_dimensional_x_needs_p_1():
    ssm = _good()._replace(C=np.eye(2), R=np.eye(2))
    with pytest.raises(ValueError, match="x must have shape"):
        kalman.kalman_filter(np.zeros(5), ssm)


def test_other_arguments_are_validated():
    x = np.zeros((5, 1))
    with pytest.raises(TypeError, match="ssm must be a LinearGaussianSSM"):
        kalman.kalman_filter(x, {"A": 1})
    with pytest.raises(ValueError, match="fit must be a non-empty subset"):
        kalman.em(x, _good(), fit=("A", "B"))
    with pytest.raises(ValueError, match="max_iter must be > 0"):
        kalman.em(x, _good(), max_iter=0)
    with pytest.raises(ValueError, match="tol must be >= 0"):
        kalman.em(x, _good(), tol=-1.0)
    with pytest.raises(ValueError, match="N must be > 0"):
        kalman.sample(_good(), 0)
    with pytest.raises(TypeError, match="rng must be"):
        kalman.sample(_good(), 3, rng="seed")
    with pytest.raises(TypeError, match="smoothed must be a SmootherResult"):
        kalman.m_step(x, None, _good())
    with pytest.raises(ValueError, match="q must be > 0"):
        kalman.constant_velocity(q=-1.0)


@pytest.mark.parametrize(
    ("field", "bad", "match"),
    [
        ("cov", lambda s: s.cov[:, :1, :1], r"smoothed.cov must have shape \(6, 2, 2\)"),
        ("cov", lambda s: s.cov[:-1], r"smoothed.cov must have shape \(6, 2, 2\)"),
        ("lag_one_cov", lambda s: s.lag_one_cov[:-1],
         r"smoothed.lag_one_cov must have shape \(5, 2, 2\)"),
        ("lag_one_cov", lambda s: s.lag_one_cov[:, :, :1],
         r"smoothed.lag_one_cov must have shape \(5, 2, 2\)"),
        ("mean", lambda s: s.mean[:, :1], r"smoothed.mean must have shape \(6, 2\)"),
    ],
)
def test_m_step_checks_the_shapes_of_the_e_step(field, bad, match):
    ssm, x = case(4, 2, 1, 6)
    smoothed = kalman.smooth(x, ssm)
    # each of these would broadcast against the (d, d) sums without the check
    with pytest.raises(ValueError, match=match):
        kalman.m_step(x, smoothed._replace(**{field: bad(smoothed)}), ssm)


def test_em_needs_two_time_steps():
    x = np.zeros((1, 1))
    for run in (kalman.em, kalman.em_step):
        with pytest.raises(ValueError, match="x must have at least 2 time steps for EM, got N = 1"):
            run(x, _good())
    smoothed = kalman.smooth(x, _good())
    with pytest.raises(ValueError, match="x must have at least 2 time steps to fit A or Q"):
        kalman.m_step(x, smoothed, _good(), fit=("Q",))
    kalman.m_step(x, smoothed, _good(), fit=("C", "R"))  # no transition needed


def test_em_reports_which_covariance_update_collapsed():
    one = kalman.LinearGaussianSSM([[1.0]], [[1.0]], [[1.0]], [[1.0]], [0.0], [[1.0]])
    # five observations, all six parameters: the fit explains the data without observation
    # noise after a few hundred iterations
    x = kalman.sample(one, 5, rng=0).x
    with pytest.raises(ValueError, match=r"the update of R \(eq\. kf-m-R\) collapsed at "
                                         r"iteration \d+: it is singular"):
        kalman.em(x, one, max_iter=500)
    # an exactly geometric sequence: no transition noise at all (from R = 1e-4, R reaches
    # zero first: both updates may collapse on this data)
    x = 0.5 ** np.arange(6.0)
    with pytest.raises(ValueError, match=r"the update of Q \(eq\. kf-m-Q\) collapsed at "
                                         r"iteration \d+: it is singular"):
        kalman.em(x, one._replace(R=[[1e-8]]), max_iter=500)


@pytest.mark.parametrize("d", [2, 9])  # batched gains (small d) and gains in the loop
def test_singular_predicted_covariance_is_reported_by_the_smoother(d):
    ssm = kalman.LinearGaussianSSM(np.zeros((d, d)), np.ones((1, d)), np.diag([1.0] * (d - 1)
                                   + [0.0]), np.eye(1), np.zeros(d), np.eye(d))
    with pytest.raises(ValueError, match="predicted covariance P at time step 2"):
        kalman.smooth(np.zeros((4, 1)), ssm)
    assert np.isfinite(kalman.kalman_filter(np.zeros((4, 1)), ssm).loglik)  # the filter is fine


# --------------------------------------------------------------------------- issue 10
# "The library never lies": no silent wrong answers, NaN, coercion or aliasing.
def _large_state_case(magnitude):
    """A constant-velocity track whose position is about ``magnitude`` (a tracking problem
    in metres far from the origin), and a start with the wrong noise levels."""
    ssm = kalman.constant_velocity(q=0.5, r=2.0, n_dims=1, mu0=[magnitude, 0.0], V0=np.eye(2))
    x = kalman.sample(ssm, 100, rng=1).x
    return ssm._replace(Q=2 * ssm.Q, R=0.5 * ssm.R), x


def _exact_m_step(x, s, A, C):
    """The M-step of A, C, Q, R in exact rational arithmetic from the float64 E-step moments
    (A, C: the normal equations of kf-m-A, kf-m-C, a 2 x 2 inverse; Q, R from the given A, C,
    where any form of the equations gives the same number)."""
    from fractions import Fraction

    def fr(M):
        return [[Fraction(float(v)) for v in row] for row in np.atleast_2d(M)]

    def mul(a, b):
        return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))]
                for i in range(len(a))]

    def add(a, b, sign=1):
        return [[u + sign * v for u, v in zip(ra, rb, strict=True)] for ra, rb in
                zip(a, b, strict=True)]

    def tr(a):
        return [list(r) for r in zip(*a, strict=True)]

    def inv2(M):
        det = M[0][0] * M[1][1] - M[0][1] * M[1][0]
        return [[M[1][1] / det, -M[0][1] / det], [-M[1][0] / det, M[0][0] / det]]

    def out(M, scale=1):
        return np.array([[float(v / scale) for v in r] for r in M])

    T, d = s.mean.shape
    mh = [[row] for row in fr(s.mean)]  # 1 x d rows
    xs = [[row] for row in fr(x)]
    V, L = [fr(v) for v in s.cov], [fr(v) for v in s.lag_one_cov]
    zero = [[Fraction(0)] * d for _ in range(d)]
    E10, E00, Ezz, Exz = zero, zero, zero, [[Fraction(0)] * d for _ in range(len(x[0]))]
    for t in range(T):
        Ezz = add(Ezz, add(V[t], mul(tr(mh[t]), mh[t])))
        Exz = add(Exz, mul(tr(xs[t]), mh[t]))
        if t > 0:
            E10 = add(E10, add(L[t - 1], mul(tr(mh[t]), mh[t - 1])))
            E00 = add(E00, add(V[t - 1], mul(tr(mh[t - 1]), mh[t - 1])))
    Af, Cf = fr(A), fr(C)
    Q = zero
    for t in range(1, T):
        e = add(tr(mh[t]), mul(Af, tr(mh[t - 1])), -1)
        LA = mul(L[t - 1], tr(Af))
        Q = add(Q, add(add(add(mul(e, tr(e)), mul(mul(Af, V[t - 1]), tr(Af))), V[t]),
                       add(LA, tr(LA)), -1))
    R = [[Fraction(0)] * len(x[0]) for _ in range(len(x[0]))]
    for t in range(T):
        e = add(tr(xs[t]), mul(Cf, tr(mh[t])), -1)
        R = add(R, add(mul(e, tr(e)), mul(mul(Cf, V[t]), tr(Cf))))
    return {"A": out(mul(E10, inv2(E00))), "C": out(mul(Exz, inv2(Ezz))),
            "Q": out(Q, T - 1), "R": out(R, T)}


@pytest.mark.parametrize("magnitude", [1e4, 1e5, 1e6])
def test_m_step_is_accurate_at_large_state_magnitudes(magnitude):
    # The uncentred M-step (sums of E[z z^T] of size |mu|^2 minus each other) lost 3.7e-8,
    # 1.7e-5 and 1.9e-4 (Q) and 2e-9 to 5e-4 (R) relative here; the centred form and one step
    # of iterative refinement of A and C keep every update to ~1e-12 of the exact M-step of
    # the same E-step moments, and to pykalman's centred EM step.
    start, x = _large_state_case(magnitude)
    s = kalman.smooth(x, start)
    exact = _exact_m_step(x, s, start.A, start.C)
    for name in ("Q", "R"):  # Q, R from the fixed A, C
        new = getattr(kalman.m_step(x, s, start, fit=(name,)), name)
        np.testing.assert_allclose(new, exact[name], rtol=1e-11, atol=0, err_msg=name)
    for name in ("A", "C"):
        new = getattr(kalman.m_step(x, s, start, fit=(name,)), name)
        err = np.abs(new - exact[name]).max() / np.abs(exact[name]).max()
        assert err < 1e-11, (name, err)
    pk = pykalman_model(start)
    pk.em(x, n_iter=1, em_vars=[PK_NAMES["Q"], PK_NAMES["R"]])
    new = kalman.em_step(x, start, ("Q", "R")).ssm
    np.testing.assert_allclose(new.Q, pk.transition_covariance, rtol=1e-10, atol=0)
    np.testing.assert_allclose(new.R, pk.observation_covariance, rtol=1e-10, atol=0)


def _explosive_hidden_mode():
    """A = diag(1.5, 0.5), only the stable coordinate observed: the variance of the first
    coordinate grows like 1.5^(2n) and exceeds float64 near n = 875."""
    return kalman.LinearGaussianSSM(np.diag([1.5, 0.5]), [[0.0, 1.0]], np.eye(2), [[1.0]],
                                    np.zeros(2), np.eye(2))


@pytest.mark.parametrize("run", ["filter", "filter-full", "smooth", "loglikelihood", "em"])
def test_unobserved_explosive_mode_raises_instead_of_nan(run):
    ssm = _explosive_hidden_mode()
    x = np.random.default_rng(0).normal(size=(3000, 1))
    call = {"filter": lambda: kalman.kalman_filter(x, ssm),
            "filter-full": lambda: kalman.kalman_filter(x, ssm, steady_state=False),
            "smooth": lambda: kalman.smooth(x, ssm),
            "loglikelihood": lambda: kalman.loglikelihood(x, ssm),
            "em": lambda: kalman.em(x, ssm, max_iter=2)}[run]
    with pytest.raises(NumericalError, match=r"not finite in float64 at time step 8\d\d of "
                                             r"N = 3000: A has the unstable mode\(s\) 1\.5 .*"
                                             r"that C does not observe"):
        call()


def test_unobserved_explosive_mode_is_filtered_while_representable():
    # before the overflow, the observed coordinate is the 1-D model (0.5, 1, 1, 1) filtered
    # alone (the unobservable mode does not affect it): pykalman on that model
    ssm = _explosive_hidden_mode()
    x = np.random.default_rng(0).normal(size=(500, 1))
    s = kalman.smooth(x, ssm)
    pk = PykalmanKF([[0.5]], [[1.0]], [[1.0]], [[1.0]], initial_state_mean=[0.0],
                    initial_state_covariance=[[1.0]])
    np.testing.assert_allclose(s.filtered.mean[:, 1], pk.filter(x)[0][:, 0], atol=TOL)
    np.testing.assert_allclose(s.mean[:, 1], pk.smooth(x)[0][:, 0], atol=TOL)
    assert s.loglik == pytest.approx(pk.loglikelihood(x), rel=1e-10)


def test_sample_of_an_explosive_model_raises_instead_of_inf():
    with pytest.raises(NumericalError, match=r"sampled states z is not finite in float64 at "
                                             r"time step 17\d\d: A has the eigenvalue\(s\) 1\.5"):
        kalman.sample(_explosive_hidden_mode(), 3000, rng=0)


def test_overflow_range_observations_raise_instead_of_minus_infinity():
    ssm = kalman.LinearGaussianSSM([[0.5]], [[1.0]], [[1.0]], [[1.0]], [0.0], [[1.0]])
    x = np.full((5, 1), 1e200)  # log-likelihood about -1e400
    with pytest.raises(NumericalError, match="log-likelihood is not finite in float64: the "
                                             "squared Mahalanobis distances"):
        kalman.loglikelihood(x, ssm)
    with pytest.raises(NumericalError, match=r"the M-step update of R is not finite"):
        kalman.m_step(x, kalman.smooth(x / 1e200, ssm), ssm, fit=("R",))
    with pytest.raises(NumericalError, match="dt = 1e"):
        kalman.constant_velocity(dt=1e110)


@pytest.mark.parametrize("bad", ["no", 1, None, np.array([True])])
def test_boolean_parameters_must_be_booleans(bad):
    for run in (kalman.kalman_filter, kalman.smooth):
        with pytest.raises(TypeError, match="steady_state must be True or False"):
            run(np.zeros((3, 1)), _good(), steady_state=bad)


def test_fit_max_iter_tol_and_t_are_validated():
    x = np.zeros((5, 1))
    with pytest.raises(TypeError, match="fit must be a name or an iterable of names"):
        kalman.em(x, _good(), fit=3)
    with pytest.raises(ValueError, match="fit must be a non-empty subset"):
        kalman.em_step(x, _good(), fit=["Q", 1])
    with pytest.raises(TypeError, match="max_iter must be an integer"):
        kalman.em(x, _good(), max_iter=2.5)
    with pytest.raises(TypeError, match="tol must be a real number"):
        kalman.em(x, _good(), tol="0.1")
    with pytest.raises(ValueError, match="tol must be finite"):
        kalman.em(x, _good(), tol=np.nan)
    with pytest.raises(TypeError, match="N must be an integer"):
        kalman.sample(_good(), "3")
    with pytest.raises(TypeError, match="dt must be a real number"):
        kalman.constant_velocity(dt=True)


def _shares(result, inputs) -> list[str]:
    return [f"{name}~{k}" for name, arr in result.items() for k, src in inputs.items()
            if np.shares_memory(np.asarray(arr), src)]


def test_results_never_alias_the_callers_arrays():
    ssm, x = case(12, 2, 2, 30)
    inputs = {**ssm._asdict(), "x": x}
    checked = kalman.check_ssm(ssm)
    assert _shares(checked._asdict(), inputs) == []
    for fit in (("Q",), ("mu0",), ("A", "R"), kalman.FIT_ALL):
        res = kalman.em(x, ssm, max_iter=2, fit=fit)
        assert _shares(res.ssm._asdict(), inputs) == [], fit
        step = kalman.em_step(x, ssm, fit)
        assert _shares(step.ssm._asdict(), inputs) == [], fit
        s = kalman.smooth(x, ssm)
        new = kalman.m_step(x, s, ssm, fit)
        assert _shares(new._asdict(), {**inputs, **{f"s.{k}": v for k, v in
                                                   s._asdict().items() if k != "filtered"}}) \
            == [], fit
    mu0, V0 = np.zeros(4), np.eye(4)
    cv = kalman.constant_velocity(mu0=mu0, V0=V0)
    assert _shares(cv._asdict(), {"mu0": mu0, "V0": V0}) == []


@pytest.mark.parametrize("field", ["x", *kalman.FIT_ALL])
@pytest.mark.parametrize("kind", ["numeric strings", "complex"])
def test_strings_and_complex_input_are_refused_naming_the_argument(field, kind):
    ssm, x = _good(), np.zeros((3, 1))
    value = np.asarray(x if field == "x" else getattr(ssm, field))
    bad = value.astype(str) if kind == "numeric strings" else value + 0j
    match = f"{field} must be " + ("array-like of numbers" if kind == "numeric strings"
                                   else "real")
    for run in (kalman.kalman_filter, kalman.smooth, kalman.em):
        args = (bad, ssm) if field == "x" else (x, ssm._replace(**{field: bad}))
        with pytest.raises(TypeError, match=match):
            run(*args)


def test_m_step_validates_the_e_step_arrays():
    ssm, x = case(4, 2, 1, 6)
    s = kalman.smooth(x, ssm)
    with pytest.raises(TypeError, match="smoothed.mean must be array-like of numbers"):
        kalman.m_step(x, s._replace(mean=s.mean.astype(str)), ssm)
    with pytest.raises(TypeError, match="smoothed.cov must be real"):
        kalman.m_step(x, s._replace(cov=s.cov + 0j), ssm)
    bad = s.lag_one_cov.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="smoothed.lag_one_cov must be finite"):
        kalman.m_step(x, s._replace(lag_one_cov=bad), ssm)


def test_float32_covariances_symmetric_to_their_precision_are_accepted():
    ssm, x = case(13, 3, 2, 50)
    Q32 = ssm.Q.astype(np.float32)
    Q32[0, 1] = np.nextafter(Q32[0, 1], np.float32(np.inf))  # one float32 ulp: 6e-8 relative
    f = kalman.kalman_filter(x.astype(np.float32), ssm._replace(Q=Q32, A=ssm.A.astype(np.float32)))
    Q64 = Q32.astype(float)
    ref = kalman.LinearGaussianSSM(ssm.A.astype(np.float32).astype(float), ssm.C,
                                   (Q64 + Q64.T) / 2, ssm.R, ssm.mu0, ssm.V0)
    fm, fV = pykalman_model(ref).filter(x.astype(np.float32).astype(float))
    np.testing.assert_allclose(f.mean, fm, rtol=0, atol=TOL)
    np.testing.assert_allclose(f.cov, fV, rtol=0, atol=TOL)
    with pytest.raises(ValueError, match="Q must be a symmetric"):  # float64: 1e-8 relative
        kalman.kalman_filter(x, ssm._replace(Q=Q32.astype(float)))


def test_symmetry_and_definiteness_are_relative_to_the_covariances_scale():
    # a tiny covariance that is far from symmetric, or indefinite, is not a covariance: the
    # old tolerance was absolute (1e-8 * max(1, max|M|)) and accepted both
    x = np.zeros((4, 1))
    with pytest.raises(ValueError, match="Q must be a symmetric covariance"):
        kalman.kalman_filter(x, _good()._replace(Q=1e-10 * np.array([[1.0, 0.5], [0.0, 1.0]])))
    with pytest.raises(ValueError, match="V0 must be symmetric positive semi-definite"):
        kalman.kalman_filter(x, _good()._replace(V0=np.diag([1e-6, -1e-9])))


def test_em_converged_is_the_relative_loglikelihood_change():
    ssm, x = case(9, 2, 2, 300)
    start = ssm._replace(Q=3 * ssm.Q, R=0.2 * ssm.R)
    res = kalman.em(x, start, max_iter=500, tol=1e-7, fit=("Q", "R"))
    ll = res.loglik
    assert res.converged is True
    assert abs(ll[-1] - ll[-2]) <= 1e-7 * abs(ll[-2])
    # it stopped at the first change <= tol (ll[-2] vs ll[-3]), not before
    assert abs(ll[-2] - ll[-3]) <= 1e-7 * abs(ll[-3]) < abs(ll[-3] - ll[-4])
    with pytest.warns(ConvergenceWarning, match=r"EM \(kalman.em\) did not converge: relative "
                                                r"change of the log-likelihood"):
        short = kalman.em(x, start, max_iter=2, tol=1e-10, fit=("Q", "R"))
    assert short.converged is False
    assert kalman.em(x, start, max_iter=2, fit=("Q", "R")).converged is None  # no tol: not tested


def test_em_detects_a_decrease_of_the_loglikelihood(monkeypatch):
    # a broken M-step (R ten times too large) must not pass unnoticed: EM never decreases it
    ssm, x = case(9, 2, 2, 100)
    real = kalman._em_step

    def broken(x, ssm, fit, iteration):
        step = real(x, ssm, fit, iteration)
        return step._replace(ssm=step.ssm._replace(R=10 * step.ssm.R))

    monkeypatch.setattr(kalman, "_em_step", broken)
    with pytest.warns(ConvergenceWarning, match="decreased the log-likelihood at iteration 1"):
        res = kalman.em(x, ssm, max_iter=3, tol=1e-3, fit=("R",))
    assert res.converged is False


# --------------------------------------------------------------------------- issue 11
# The chapter shows textbook_filter and textbook_smoother (a loop, one line per equation,
# numpy.linalg.solve); kalman_filter and smooth compute the same numbers faster (Cholesky
# solves in preallocated arrays, batched smoother gains, frozen steady-state covariances).
# Both are backward-stable evaluations of the same recursion, so they differ by rounding,
# amplified at most by the condition numbers of S_n and P_n: about 1e-14 relative for the
# well-conditioned random models, 2e-12 at condition number 1e4 (measured). The steady-state
# shortcut adds its own error, below 1e-14 relative by construction (_STEADY_RTOL). The
# tolerance, 1e-10 relative to the largest entry of each array (means and lag-one
# covariances cross zero, so entrywise relative errors are meaningless), leaves a margin of
# 50 over the worst of these and is still 10^5 times smaller than any defect of a formula.
AGREE = 1e-10


def assert_textbook_equals_fast(ssm, x, steady_state):
    plain = kalman.textbook_smoother(x, ssm)
    fast = kalman.smooth(x, ssm, steady_state=steady_state)
    fast_filter = kalman.kalman_filter(x, ssm, steady_state=steady_state)
    pairs = [(f"filtered.{name}", getattr(plain.filtered, name), getattr(ours, name))
             for ours in (fast.filtered, fast_filter)
             for name in ("mean", "cov", "predicted_mean", "predicted_cov", "gain")]
    pairs += [(name, getattr(plain, name), getattr(fast, name))
              for name in ("mean", "cov", "lag_one_cov", "gain")]
    for name, want, got in pairs:
        assert got.shape == want.shape, name
        scale = float(np.max(np.abs(want), initial=0.0))
        np.testing.assert_allclose(got, want, rtol=AGREE, atol=AGREE * scale, err_msg=name)
    for got in (fast.loglik, fast_filter.loglik, kalman.textbook_filter(x, ssm).loglik):
        assert got == pytest.approx(plain.loglik, rel=AGREE)
    assert plain.loglik == plain.filtered.loglik


def _frozen_from(ssm, x) -> int:
    """The row from which kalman_filter's covariances are frozen (N: never)."""
    return kalman._forward(kalman._check_observations(x, len(ssm.C)), kalman.check_ssm(ssm),
                           True).n0


# (seed, d, p, N): N = 1 and 2 (no smoother step, one), short runs that end before the
# covariances converge, long ones where kalman_filter freezes them; d = 9 > 8 puts the
# smoother gains of the fast path inside its loop instead of batching them after it
TEXTBOOK_CASES = [(s, d, p, N) for s, (d, p, N) in enumerate(
    [(1, 1, 1), (3, 2, 1), (2, 1, 2), (4, 3, 2), (1, 1, 3), (2, 2, 5), (5, 1, 7), (3, 3, 12),
     (1, 1, 200), (2, 1, 300), (3, 2, 400), (4, 4, 500), (6, 2, 300), (9, 3, 300),
     (9, 9, 40), (10, 2, 250)])]


@pytest.mark.parametrize("steady_state", [True, False])
@pytest.mark.parametrize(("seed", "d", "p", "N"), TEXTBOOK_CASES)
def test_textbook_functions_equal_the_fast_ones_on_random_models(seed, d, p, N, steady_state):
    ssm, x = case(1000 + seed, d, p, N)
    assert_textbook_equals_fast(ssm, x, steady_state)


def test_the_random_cases_include_frozen_and_unfrozen_runs():
    frozen = [N - _frozen_from(*case(1000 + s, d, p, N)) for s, d, p, N in TEXTBOOK_CASES]
    assert sum(f > 0 for f in frozen) >= 5  # steady state reached: the shortcut was taken
    assert sum(f == 0 for f in frozen) >= 5  # never frozen: the full recursion throughout


def _spd_with_condition(rng, k, cond):
    """A random symmetric positive definite matrix with eigenvalues from 1 down to 1/cond."""
    U, _ = np.linalg.qr(rng.normal(size=(k, k)))
    return (U * np.logspace(0, -np.log10(cond), k)) @ U.T


def _ill_conditioned(seed, d, p, cond=1e4):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    A *= rng.uniform(0.5, 0.98) / max(abs(np.linalg.eigvals(A)))
    ssm = kalman.LinearGaussianSSM(A, rng.normal(size=(p, d)), _spd_with_condition(rng, d, cond),
                                   _spd_with_condition(rng, p, cond), rng.normal(size=d),
                                   _spd_with_condition(rng, d, cond))
    return ssm, kalman.sample(ssm, 300, rng).x


def _ill_conditioned_cases():
    for seed, (d, p) in enumerate([(2, 1), (3, 2), (4, 3), (5, 5), (6, 2)]):
        yield pytest.param(*_ill_conditioned(seed, d, p), id=f"cond-1e4-d{d}-p{p}")
    # d > 8: the smoother gains J are solved inside the fast path's loop, and the covariances
    # are symmetrised there (not after it); Q, R, V0 ill-conditioned to near-singular
    for seed, (d, p, cond) in enumerate([(9, 4, 1e4), (12, 12, 1e4), (10, 6, 1e7)], start=5):
        yield pytest.param(*_ill_conditioned(seed, d, p, cond), id=f"cond-{cond:.0e}-d{d}-p{p}")
    # R ~ 1e-17 P: the short form V = (I - K C) P would cancel to rounding noise
    ssm = _accurate_sensor_model()
    yield pytest.param(ssm, kalman.sample(ssm, 300, rng=0).x, id="accurate-sensor")
    # singular Q and V0 (valid: semi-definite), a coordinate of variance 1e8 next to 1e-3
    ssm = kalman.LinearGaussianSSM(np.diag([0.0, 1.0]), [[0.0, 1.0]], np.diag([1e8, 1e-6]),
                                   [[1.0]], np.zeros(2), np.diag([1e8, 1.0]))
    yield pytest.param(ssm, kalman.sample(ssm, 3000, rng=0).x, id="mixed-scale")
    ssm = slow_scalar_model(0.9995, 1e-6)  # converges slowly: frozen late
    yield pytest.param(ssm, kalman.sample(ssm, 20_000, rng=1).x, id="slow")


@pytest.mark.parametrize("steady_state", [True, False])
@pytest.mark.parametrize(("ssm", "x"), list(_ill_conditioned_cases()))
def test_textbook_functions_equal_the_fast_ones_on_ill_conditioned_models(ssm, x, steady_state):
    assert_textbook_equals_fast(ssm, x, steady_state)


@pytest.mark.parametrize("run", [kalman.textbook_filter, kalman.textbook_smoother])
def test_textbook_functions_refuse_bad_input_like_the_fast_ones(run):
    x = np.zeros((5, 1))
    with pytest.raises(ValueError, match="R must be symmetric positive definite"):
        run(x, _good()._replace(R=np.zeros((1, 1))))
    with pytest.raises(ValueError, match=r"Q must have shape \(2, 2\)"):
        run(x, _good()._replace(Q=np.eye(3)))
    with pytest.raises(ValueError, match="x must be finite"):
        run(np.array([[0.0], [np.nan]]), _good())
    with pytest.raises(ValueError, match="x must have p = 1 columns"):
        run(np.zeros((4, 2)), _good())
    with pytest.raises(TypeError, match="x must be array-like of numbers"):
        run(x.astype(str), _good())
    with pytest.raises(TypeError, match="ssm must be a LinearGaussianSSM"):
        run(x, {"A": 1})
    np.testing.assert_allclose(run(x[:, 0], _good()).mean, run(x, _good()).mean)  # p = 1


@pytest.mark.parametrize("run", [kalman.textbook_filter, kalman.textbook_smoother])
def test_textbook_functions_raise_numerical_error_instead_of_nan(run):
    x = np.random.default_rng(0).normal(size=(3000, 1))
    with pytest.raises(NumericalError, match=r"not finite in float64 at time step 8\d\d of "
                                             r"N = 3000: A has the unstable mode\(s\) 1\.5 .*"
                                             r"that C does not observe"):
        run(x, _explosive_hidden_mode())
    ssm = kalman.LinearGaussianSSM([[0.5]], [[1.0]], [[1.0]], [[1.0]], [0.0], [[1.0]])
    with pytest.raises(NumericalError, match="log-likelihood is not finite in float64: the "
                                             "squared Mahalanobis distances"):
        run(np.full((5, 1), 1e200), ssm)


def test_textbook_smoother_reports_a_singular_predicted_covariance():
    ssm = kalman.LinearGaussianSSM(np.zeros((2, 2)), np.ones((1, 2)), np.diag([1.0, 0.0]),
                                   np.eye(1), np.zeros(2), np.eye(2))
    # P_n = Q is singular for n >= 2; the backward loop meets the last one first
    with pytest.raises(ValueError, match=r"predicted covariance P at time step 4 is not positive "
                                         r"definite \(singular\)"):
        kalman.textbook_smoother(np.zeros((4, 1)), ssm)
    assert np.isfinite(kalman.textbook_filter(np.zeros((4, 1)), ssm).loglik)


def test_an_indefinite_innovation_covariance_is_reported_by_both_implementations():
    # V0 has the eigenvalue -1e-9, which check_ssm accepts as semi-definite to rounding; the
    # tiny R = 1e-12 on that coordinate makes S_1 = -1e-9 + 1e-12 negative
    ssm = kalman.LinearGaussianSSM(np.eye(2), [[0.0, 1.0]], np.eye(2), [[1e-12]], np.zeros(2),
                                   np.diag([1.0, -1e-9]))
    for run in (kalman.kalman_filter, kalman.textbook_filter, kalman.textbook_smoother):
        with pytest.raises(ValueError, match=r"innovation covariance S = C P C\^T \+ R at time "
                                             r"step 1 is not positive definite"):
            run(np.zeros((3, 1)), ssm)


# --------------------------------------------------------------------------- control input
def control_case(seed, d, p, m, N):
    rng = np.random.default_rng(seed)
    ssm = random_ssm(rng, d, p)
    B = rng.normal(size=(d, m))
    u = rng.normal(size=(N, m))
    x = kalman.sample(ssm, N, rng, B=B, u=u).x
    return ssm, B, u, x


@pytest.mark.parametrize(("d", "p", "m", "N"), [(1, 1, 1, 30), (2, 1, 1, 60), (4, 2, 3, 150),
                                                 (9, 4, 2, 120)])
@pytest.mark.parametrize("steady_state", [True, False])
def test_control_input_matches_filterpy_predict_u(d, p, m, N, steady_state):
    """filterpy's KalmanFilter with B and predict(u=u_n): x = A x + B u before each update
    but the first, whose prior mean mu0 + B u_1 is set directly (the module's convention)."""
    ssm, B, u, x = control_case(100 * d + m, d, p, m, N)
    f = FilterpyKF(dim_x=d, dim_z=p, dim_u=m)
    f.F, f.H, f.Q, f.R, f.B = ssm.A, ssm.C, ssm.Q, ssm.R, B
    f.x, f.P = ssm.mu0 + B @ u[0], ssm.V0.copy()
    means, covs, ll = [], [], 0.0
    for n, xn in enumerate(x):
        if n > 0:
            f.predict(u=u[n])
        f.update(xn)
        means.append(f.x.copy())
        covs.append(f.P.copy())
        ll += f.log_likelihood
    means, covs = np.array(means), np.array(covs)
    s = kalman.smooth(x, ssm, steady_state=steady_state, B=B, u=u)
    np.testing.assert_allclose(s.filtered.mean, means, rtol=0, atol=TOL)
    np.testing.assert_allclose(s.filtered.cov, covs, rtol=0, atol=TOL)
    assert s.loglik == pytest.approx(ll, rel=1e-10)
    # filterpy's RTS smoother has no control term: the smoothed means against pykalman below
    for tb in (kalman.textbook_filter(x, ssm, B=B, u=u), kalman.textbook_smoother(x, ssm, B=B,
                                                                                   u=u).filtered):
        np.testing.assert_allclose(tb.mean, means, rtol=0, atol=TOL)


@pytest.mark.parametrize(("d", "p", "m", "N"), [(1, 1, 1, 30), (3, 2, 2, 100), (9, 4, 2, 120)])
@pytest.mark.parametrize("steady_state", [True, False])
def test_control_input_matches_pykalman_transition_offsets(d, p, m, N, steady_state):
    """pykalman: offsets b_n = B u_{n+1} of the transitions n -> n+1, the first mean shifted."""
    ssm, B, u, x = control_case(7 * d + m, d, p, m, N)
    pk = pykalman_model(ssm._replace(mu0=ssm.mu0 + B @ u[0]))
    pk.transition_offsets = u[1:] @ B.T
    pk_fm, pk_fV = pk.filter(x)
    pk_sm, pk_sV = pk.smooth(x)
    for s in (kalman.smooth(x, ssm, steady_state=steady_state, B=B, u=u),
              kalman.textbook_smoother(x, ssm, B=B, u=u)):
        np.testing.assert_allclose(s.filtered.mean, pk_fm, rtol=0, atol=TOL)
        np.testing.assert_allclose(s.filtered.cov, pk_fV, rtol=0, atol=TOL)
        np.testing.assert_allclose(s.mean, pk_sm, rtol=0, atol=TOL)
        np.testing.assert_allclose(s.cov, pk_sV, rtol=0, atol=TOL)
        assert s.loglik == pytest.approx(pk.loglikelihood(x), rel=1e-10)


def test_control_input_fast_equals_textbook_and_zero_control_is_none():
    ssm, B, u, x = control_case(3, 3, 2, 2, 80)
    fast, plain = kalman.smooth(x, ssm, steady_state=False, B=B, u=u), \
        kalman.textbook_smoother(x, ssm, B=B, u=u)
    for a, b in ((fast.mean, plain.mean), (fast.cov, plain.cov),
                 (fast.filtered.predicted_mean, plain.filtered.predicted_mean)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * np.abs(b).max())
    zero = kalman.smooth(x, ssm, B=B, u=np.zeros_like(u))
    none = kalman.smooth(x, ssm)
    np.testing.assert_array_equal(zero.mean, none.mean)
    assert zero.loglik == none.loglik
    # the control shifts the sampled states: z_n - B u_n follows the model without control
    s0 = kalman.sample(ssm, 5, rng=11)
    s1 = kalman.sample(ssm, 5, rng=11, B=B, u=u[:5])
    shift = np.zeros((5, 3))
    for n in range(5):
        shift[n] = (ssm.A @ shift[n - 1] if n else 0) + B @ u[n]
    np.testing.assert_allclose(s1.z - s0.z, shift, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("B", "u", "match"), [
    (np.ones((3, 2)), None, "B was given without u"),
    (None, np.ones((80, 2)), "u was given without B"),
    (np.ones((2, 2)), np.ones((80, 2)), r"B must have d = 3 rows"),
    (np.ones((3, 2)), np.ones((79, 2)), r"u must have shape \(N, m\) = \(80, 2\)"),
    (np.ones((3, 2)), np.ones((80, 3)), r"u must have shape \(N, m\) = \(80, 2\)"),
    (np.ones((3, 2)), np.ones(80), r"u must have shape \(N, m\) with m = 2"),
    (np.ones(3), np.ones((80, 1)), "B must be"),
    (np.ones((3, 2)), np.full((80, 2), np.nan), "u"),
])
@pytest.mark.parametrize("run", [kalman.kalman_filter, kalman.smooth, kalman.textbook_filter,
                                 kalman.textbook_smoother, kalman.innovations])
def test_control_input_is_validated_naming_the_argument(B, u, match, run):
    ssm, _, _, x = control_case(3, 3, 2, 2, 80)
    with pytest.raises(ValueError, match=match):
        run(x, ssm, B=B, u=u)


# --------------------------------------------------------------------------- consistency
def test_innovations_nis_and_nees_equal_direct_computation():
    ssm, B, u, x = control_case(5, 3, 2, 2, 40)
    f = kalman.textbook_filter(x, ssm, B=B, u=u)
    inn = kalman.innovations(x, ssm, B=B, u=u)
    eps = kalman.nis(x, ssm, B=B, u=u)
    for n in range(len(x)):  # the definitions, step by step, with explicit inverses
        mp = (ssm.A @ f.mean[n - 1] if n else ssm.mu0) + B @ u[n]
        r = x[n] - ssm.C @ mp
        S = ssm.C @ f.predicted_cov[n] @ ssm.C.T + ssm.R
        np.testing.assert_allclose(inn.residual[n], r, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(inn.cov[n], S, rtol=1e-10)
        assert eps[n] == pytest.approx(r @ np.linalg.inv(S) @ r, rel=1e-9)
    z = kalman.sample(ssm, 40, rng=1, B=B, u=u).z
    got = kalman.nees(z, f.mean, f.cov)
    direct = [(z[n] - f.mean[n]) @ np.linalg.inv(f.cov[n]) @ (z[n] - f.mean[n])
              for n in range(40)]
    np.testing.assert_allclose(got, direct, rtol=1e-9)
    # a 1-D state may be given as 1-D arrays
    assert kalman.nees(np.array([2.0]), np.array([0.0]), np.array([[[4.0]]]))[0] == 1.0


def test_nis_and_nees_have_chi_square_moments_under_the_true_model():
    """Bar-Shalom et al. (2001), sec. 5.4: NEES ~ chi2(d), NIS ~ chi2(p), NIS white."""
    rng = np.random.default_rng(2024)
    ssm = kalman.constant_velocity(dt=1.0, q=0.3, r=2.0)  # d = 4, p = 2
    nees_all, nis_all = [], []
    for _ in range(20):
        s = kalman.sample(ssm, 500, rng)
        f = kalman.kalman_filter(s.x, ssm)
        nees_all.append(kalman.nees(s.z, f.mean, f.cov))
        nis_all.append(kalman.nis(s.x, ssm))
    nees_all, nis_all = np.concatenate(nees_all), np.concatenate(nis_all)
    M = nees_all.size  # 10^4 values: the mean of chi2(k) has sd sqrt(2k/M)
    assert abs(nees_all.mean() - 4) < 5 * np.sqrt(8 / M)
    assert abs(nis_all.mean() - 2) < 5 * np.sqrt(4 / M)
    assert abs(nis_all.var() - 4) < 0.5  # var chi2(2) = 4
    # the distribution, not only the mean: Kolmogorov-Smirnov against chi2(p) (NIS is iid)
    assert stats.kstest(nis_all, stats.chi2(2).cdf).pvalue > 1e-3
    # a filter that assumes Q 100 times too small is overconfident: NEES far above d
    bad = ssm._replace(Q=ssm.Q / 100)
    s = kalman.sample(ssm, 500, rng)
    fb = kalman.kalman_filter(s.x, bad)
    assert kalman.nees(s.z, fb.mean, fb.cov).mean() > 3 * 4
    assert kalman.nis(s.x, bad).mean() > 2 * 2


@pytest.mark.parametrize(("args", "match"), [
    ((np.zeros((5, 2)), np.zeros((5, 3)), np.tile(np.eye(3), (5, 1, 1))), "z must have"),
    ((np.zeros((5, 3)), np.zeros((5, 3)), np.tile(np.eye(2), (5, 1, 1))), "cov must have"),
    ((np.zeros((5, 2)), np.zeros((5, 2)), np.tile(-np.eye(2), (5, 1, 1))),
     r"cov\[0\] \(time step 1\) must be symmetric positive definite"),
    ((np.zeros((5, 2)), np.zeros((5, 2)), np.tile([[1.0, 0.5], [0.0, 1.0]], (5, 1, 1))),
     "cov must hold symmetric"),
    ((np.zeros((5, 2)), np.full((5, 2), np.nan), np.tile(np.eye(2), (5, 1, 1))), "mean"),
])
def test_nees_validates_its_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        kalman.nees(*args)


# --------------------------------------------------------------------------- identifiability
def test_likelihood_is_invariant_under_a_change_of_state_basis():
    """x' = M x: A' = M A M^-1, C' = C M^-1, Q' = M Q M^T, mu0' = M mu0, V0' = M V0 M^T."""
    rng = np.random.default_rng(8)
    ssm = random_ssm(rng, 3, 2)
    x = kalman.sample(ssm, 200, rng).x
    M = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    Mi = np.linalg.inv(M)
    other = kalman.LinearGaussianSSM(M @ ssm.A @ Mi, ssm.C @ Mi, M @ ssm.Q @ M.T, ssm.R,
                                     M @ ssm.mu0, M @ ssm.V0 @ M.T)
    assert kalman.loglikelihood(x, other) == pytest.approx(kalman.loglikelihood(x, ssm),
                                                           rel=1e-10)
    s, s2 = kalman.smooth(x, ssm), kalman.smooth(x, other)
    np.testing.assert_allclose(s2.mean, s.mean @ M.T, rtol=1e-8, atol=1e-8)  # z' = M z
    assert not np.allclose(other.A, ssm.A)  # different parameters, same likelihood


# --------------------------------------------------------------------------- constant velocity
@pytest.mark.parametrize(("dt", "q", "n_dims"), [(0.1, 2.0, 1), (1.0, 0.5, 2), (2.5, 1e-3, 3)])
def test_constant_velocity_matches_filterpy_continuous_white_noise_and_expm(dt, q, n_dims):
    """Q = int_0^dt e^{F s} g q g^T e^{F^T s} ds (Bar-Shalom et al. 2001, sec. 6.2), as
    filterpy's Q_continuous_white_noise with the state ordered by derivative; A = expm(F dt)."""
    from filterpy.common import Q_continuous_white_noise
    from scipy.integrate import quad_vec
    from scipy.linalg import expm

    cv = kalman.constant_velocity(dt=dt, q=q, n_dims=n_dims)
    theirs = Q_continuous_white_noise(dim=2, dt=dt, spectral_density=q, block_size=n_dims,
                                      order_by_dim=False)
    np.testing.assert_allclose(cv.Q, theirs, rtol=1e-14, atol=0)
    F = np.kron(np.array([[0.0, 1.0], [0.0, 0.0]]), np.eye(n_dims))
    G = np.kron(np.array([[0.0], [1.0]]), np.eye(n_dims))
    np.testing.assert_allclose(cv.A, expm(F * dt), rtol=1e-14, atol=1e-14)
    integral, _ = quad_vec(lambda s: expm(F * s) @ G @ G.T @ expm(F * s).T * q, 0.0, dt,
                           epsrel=1e-12)
    np.testing.assert_allclose(cv.Q, integral, rtol=1e-10, atol=1e-14)
