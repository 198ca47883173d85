"""Tests of derivlib.foundations.gaussian (chapter foundations/gaussian).

References, all independent of the code under test: ``scipy.stats.multivariate_normal``
(log-density, the density of a marginal); the joint precision matrix ``np.linalg.inv(Sigma)``
(the conditional in Bishop's precision form, eqs. 2.73 and 2.75); the ratio of joint
densities on a grid of the unobserved coordinate, integrated numerically with
``scipy.integrate.quad`` (the conditional and the marginal by brute force); the joint
Gaussian of (x, y) built explicitly and conditioned the other way (the linear-Gaussian
formulas); Monte Carlo sampling (within 5 standard errors); ``np.linalg.inv`` (the Woodbury
and push-through identities, the information form of the posterior); exact expectations
with fractions (the bias of the ML covariance).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from derivlib import NumericalError
from derivlib.foundations import gaussian

SIZES = [(1, 1), (2, 1), (1, 3), (3, 2), (4, 4)]


def _spd(rng, D, cond=10.0):
    """A random symmetric positive definite matrix with eigenvalues in [1, cond]."""
    Q, _ = np.linalg.qr(rng.normal(size=(D, D)))
    S = (Q * rng.uniform(1.0, cond, size=D)) @ Q.T
    return 0.5 * (S + S.T)  # exactly symmetric


def _problem(seed, D):
    rng = np.random.default_rng(seed)
    return rng.normal(size=D), _spd(rng, D), rng


# --- the density -----------------------------------------------------------------------------


@pytest.mark.parametrize("D", [1, 2, 5, 12])
def test_logpdf_matches_scipy(D):
    mu, Sigma, rng = _problem(D, D)
    x = rng.normal(size=(20, D)) * 3
    ref = scipy.stats.multivariate_normal(mu, Sigma).logpdf(x)
    np.testing.assert_allclose(gaussian.logpdf(x, mu, Sigma), ref, rtol=1e-12, atol=1e-12)
    assert gaussian.logpdf(x[0], mu, Sigma) == pytest.approx(ref[0], rel=1e-12)


def test_logpdf_is_a_density():
    """Integrates to one in 2-D (the normalising constant is right)."""
    mu, Sigma, _ = _problem(3, 2)
    sd = np.sqrt(np.diag(Sigma))
    total, _ = scipy.integrate.dblquad(
        lambda x1, x0: np.exp(gaussian.logpdf(np.array([x0, x1]), mu, Sigma)),
        mu[0] - 10 * sd[0], mu[0] + 10 * sd[0], mu[1] - 10 * sd[1], mu[1] + 10 * sd[1],
        epsabs=1e-10)
    assert total == pytest.approx(1.0, abs=1e-7)


# --- marginal and conditional ------------------------------------------------------------------


@pytest.mark.parametrize(("na", "nb"), SIZES)
def test_marginal_matches_scipy_and_the_blocks(na, nb):
    D = na + nb
    mu, Sigma, rng = _problem(10 + D, D)
    idx = list(rng.permutation(D)[:na])
    m = gaussian.marginal(mu, Sigma, idx)
    np.testing.assert_array_equal(m.mean, mu[idx])
    np.testing.assert_array_equal(m.cov, Sigma[np.ix_(idx, idx)])
    # the density of the marginal from samples' point of view: scipy on the same blocks
    x = rng.normal(size=(5, na))
    ref = scipy.stats.multivariate_normal(mu[idx], Sigma[np.ix_(idx, idx)]).logpdf(x)
    np.testing.assert_allclose(gaussian.logpdf(x, m.mean, m.cov), np.atleast_1d(ref))


def test_marginal_by_integrating_the_joint():
    """p(x_0) = integral of the 2-D joint over x_1 (quadrature), at several points."""
    mu, Sigma, _ = _problem(21, 2)
    m = gaussian.marginal(mu, Sigma, [0])
    for x0 in (-2.0, 0.3, 1.7):
        joint = scipy.integrate.quad(
            lambda x1, x0=x0: np.exp(gaussian.logpdf(np.array([x0, x1]), mu, Sigma)),
            -np.inf, np.inf, epsabs=1e-13)[0]
        assert joint == pytest.approx(scipy.stats.norm(m.mean[0], np.sqrt(m.cov[0, 0])).pdf(x0),
                                      rel=1e-8)


@pytest.mark.parametrize(("na", "nb"), SIZES)
def test_condition_matches_the_precision_form(na, nb):
    """Bishop (2.73), (2.75): cov = Lambda_aa^{-1}, mean = mu_a - Lambda_aa^{-1} Lambda_ab
    (x_b - mu_b), with Lambda = inv(Sigma) computed by NumPy."""
    D = na + nb
    mu, Sigma, rng = _problem(30 + D, D)
    perm = rng.permutation(D)
    b_idx, a_idx = np.sort(perm[:nb]), np.sort(perm[nb:])
    x_b = rng.normal(size=nb)
    Lam = np.linalg.inv(Sigma)
    cov_ref = np.linalg.inv(Lam[np.ix_(a_idx, a_idx)])
    mean_ref = mu[a_idx] - cov_ref @ Lam[np.ix_(a_idx, b_idx)] @ (x_b - mu[b_idx])
    c = gaussian.condition(mu, Sigma, list(perm[:nb]), x_b[np.argsort(np.argsort(perm[:nb]))])
    np.testing.assert_allclose(c.cov, cov_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c.mean, mean_ref, rtol=1e-10, atol=1e-12)


def test_condition_follows_the_order_of_idx():
    mu, Sigma, _ = _problem(40, 4)
    one = gaussian.condition(mu, Sigma, [1, 3], np.array([0.5, -1.0]))
    two = gaussian.condition(mu, Sigma, [3, 1], np.array([-1.0, 0.5]))
    np.testing.assert_allclose(one.mean, two.mean, rtol=1e-13)
    np.testing.assert_allclose(one.cov, two.cov, rtol=1e-13)


def test_condition_is_the_ratio_of_joint_densities():
    """p(x_a | x_b) = p(x_a, x_b) / p(x_b), with p(x_b) by quadrature over x_a: brute force."""
    mu, Sigma, _ = _problem(41, 2)
    x_b = 0.8
    c = gaussian.condition(mu, Sigma, [1], [x_b])

    def joint(x_a):
        return np.exp(gaussian.logpdf(np.array([x_a, x_b]), mu, Sigma))

    evidence = scipy.integrate.quad(joint, -np.inf, np.inf, epsabs=1e-14)[0]
    grid = np.linspace(c.mean[0] - 4, c.mean[0] + 4, 17)
    brute = np.array([joint(g) for g in grid]) / evidence
    ref = scipy.stats.norm(c.mean[0], np.sqrt(c.cov[0, 0])).pdf(grid)
    np.testing.assert_allclose(brute, ref, rtol=1e-8)
    # and the first two moments of the ratio, by quadrature
    m1 = scipy.integrate.quad(lambda g: g * joint(g), -np.inf, np.inf)[0] / evidence
    m2 = scipy.integrate.quad(lambda g: (g - m1) ** 2 * joint(g), -np.inf, np.inf)[0] / evidence
    assert m1 == pytest.approx(c.mean[0], rel=1e-8, abs=1e-10)
    assert m2 == pytest.approx(c.cov[0, 0], rel=1e-8)


def test_condition_by_sampling():
    """Samples of the joint with x_b in a thin slab: their x_a mean and variance."""
    rng = np.random.default_rng(5)
    mu = np.array([1.0, -0.5])
    Sigma = np.array([[2.0, 1.2], [1.2, 1.5]])
    z = rng.multivariate_normal(mu, Sigma, size=2_000_000)
    near = z[np.abs(z[:, 1] - 0.5) < 0.01, 0]
    c = gaussian.condition(mu, Sigma, [1], [0.5])
    se = np.sqrt(c.cov[0, 0] / near.size)
    assert abs(near.mean() - c.mean[0]) < 5 * se + 0.01  # the slab's width biases by < 0.01
    assert near.var() == pytest.approx(c.cov[0, 0], rel=0.05)


# --- the linear-Gaussian model ---------------------------------------------------------------


def _linear_problem(seed, D, M):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=D), _spd(rng, D), rng.normal(size=(M, D)), rng.normal(size=M),
            _spd(rng, M), rng.normal(size=M))


def _joint(mu, Sigma, A, b, R):
    """The joint Gaussian of (x, y), built block by block: y = A x + b + v."""
    mean = np.concatenate([mu, A @ mu + b])
    cov = np.block([[Sigma, Sigma @ A.T], [A @ Sigma, A @ Sigma @ A.T + R]])
    return mean, cov


@pytest.mark.parametrize(("D", "M"), [(1, 1), (2, 3), (3, 1), (4, 2)])
def test_linear_gaussian_against_the_joint(D, M):
    mu, Sigma, A, b, R, y = _linear_problem(50 + D + M, D, M)
    mean, cov = _joint(mu, Sigma, A, b, R)
    py = gaussian.linear_gaussian_marginal(mu, Sigma, A, b, R)
    np.testing.assert_allclose(py.mean, mean[D:], rtol=1e-12)
    np.testing.assert_allclose(py.cov, cov[D:, D:], rtol=1e-12)
    # the posterior: condition the joint on y, in the precision form (an independent route)
    Lam = np.linalg.inv(cov)
    cov_ref = np.linalg.inv(Lam[:D, :D])
    mean_ref = mean[:D] - cov_ref @ Lam[:D, D:] @ (y - mean[D:])
    post = gaussian.linear_gaussian_posterior(mu, Sigma, A, b, R, y)
    np.testing.assert_allclose(post.cov, cov_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(post.mean, mean_ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("D", "M"), [(2, 3), (3, 1)])
def test_linear_gaussian_posterior_information_form(D, M):
    """Bishop (2.116)-(2.117) with explicit inverses: the Woodbury/push-through route."""
    mu, Sigma, A, b, R, y = _linear_problem(60 + D, D, M)
    inv = np.linalg.inv
    P = inv(inv(Sigma) + A.T @ inv(R) @ A)
    post = gaussian.linear_gaussian_posterior(mu, Sigma, A, b, R, y)
    np.testing.assert_allclose(post.cov, P, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(post.mean, P @ (A.T @ inv(R) @ (y - b) + inv(Sigma) @ mu),
                               rtol=1e-9, atol=1e-12)


def test_linear_gaussian_by_sampling():
    mu, Sigma, A, b, R, _ = _linear_problem(70, 2, 2)
    rng = np.random.default_rng(7)
    n = 400_000
    x = rng.multivariate_normal(mu, Sigma, size=n)
    y = x @ A.T + b + rng.multivariate_normal(np.zeros(2), R, size=n)
    py = gaussian.linear_gaussian_marginal(mu, Sigma, A, b, R)
    se = np.sqrt(np.diag(py.cov) / n)
    assert np.all(np.abs(y.mean(axis=0) - py.mean) < 5 * se)
    # the sample covariance's entries have standard error about sqrt((s_ii s_jj + s_ij^2)/n)
    s = py.cov
    se_cov = np.sqrt((np.outer(np.diag(s), np.diag(s)) + s**2) / n)
    assert np.all(np.abs(np.cov(y.T) - s) < 5 * se_cov)


def test_posterior_of_the_scalar_case_by_hand():
    """1-D: precisions add, the mean is the precision-weighted average."""
    post = gaussian.linear_gaussian_posterior([1.0], [[4.0]], [[1.0]], [0.0], [[1.0]], [3.0])
    assert post.cov[0, 0] == pytest.approx(1 / (1 / 4 + 1 / 1))
    assert post.mean[0] == pytest.approx((1.0 / 4 + 3.0 / 1) * 0.8)


# --- Woodbury and push-through ---------------------------------------------------------------


@pytest.mark.parametrize(("D", "M"), [(1, 1), (3, 2), (5, 1), (2, 6)])
def test_woodbury_and_push_through_against_inv(D, M):
    rng = np.random.default_rng(80 + D * M)
    A, C = _spd(rng, D), _spd(rng, M)
    U, V = rng.normal(size=(D, M)), rng.normal(size=(M, D))
    inv = np.linalg.inv
    lhs = inv(A + U @ C @ V)
    rhs = inv(A) - inv(A) @ U @ inv(inv(C) + V @ inv(A) @ U) @ V @ inv(A)  # (woodbury)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-8, atol=1e-10)
    P, Q = rng.normal(size=(D, M)), rng.normal(size=(M, D)) / (D + M)
    np.testing.assert_allclose(inv(np.eye(D) + P @ Q) @ P, P @ inv(np.eye(M) + Q @ P),
                               rtol=1e-8, atol=1e-10)  # (push-through)


# --- products --------------------------------------------------------------------------------


@pytest.mark.parametrize("D", [1, 2, 4])
def test_product_pointwise(D):
    rng = np.random.default_rng(90 + D)
    a, A, b, B = rng.normal(size=D), _spd(rng, D), rng.normal(size=D), _spd(rng, D)
    prod = gaussian.product(a, A, b, B)
    x = rng.normal(size=(10, D))
    lhs = (scipy.stats.multivariate_normal(a, A).logpdf(x)
           + scipy.stats.multivariate_normal(b, B).logpdf(x))
    rhs = (scipy.stats.multivariate_normal(prod.mean, prod.cov).logpdf(x)
           + scipy.stats.multivariate_normal(b, A + B).logpdf(a))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)
    inv = np.linalg.inv
    np.testing.assert_allclose(prod.cov, inv(inv(A) + inv(B)), rtol=1e-10)
    assert prod.log_scale == pytest.approx(
        scipy.stats.multivariate_normal(b, A + B).logpdf(a), rel=1e-12)


def test_product_normaliser_by_quadrature():
    a, A, b, B = np.array([0.4]), np.array([[0.7]]), np.array([1.9]), np.array([[1.6]])
    Z = scipy.integrate.quad(lambda x: scipy.stats.norm(0.4, np.sqrt(0.7)).pdf(x)
                             * scipy.stats.norm(1.9, np.sqrt(1.6)).pdf(x), -np.inf, np.inf,
                             epsabs=1e-14)[0]
    assert np.exp(gaussian.product(a, A, b, B).log_scale) == pytest.approx(Z, rel=1e-9)


# --- the ML covariance -------------------------------------------------------------------------


def test_ml_covariance_matches_numpy():
    X = np.random.default_rng(100).normal(size=(30, 4)) * 5 + 100
    np.testing.assert_allclose(gaussian.ml_covariance(X), np.cov(X.T, bias=True), rtol=1e-10)
    np.testing.assert_allclose(gaussian.ml_covariance(X, ddof=1), np.cov(X.T), rtol=1e-10)


def test_ml_covariance_is_x_h_x():
    """The projection view: X^T H X / N with H = I - 11^T/N, and tr H = N - 1, exactly."""
    rng = np.random.default_rng(101)
    N = 7
    X = rng.integers(-5, 6, size=(N, 3))
    H = [[Fraction(int(n == m)) - Fraction(1, N) for m in range(N)] for n in range(N)]
    assert sum(H[n][n] for n in range(N)) == N - 1
    XHX = [[sum(Fraction(int(X[n, i])) * H[n][m] * int(X[m, j]) for n in range(N)
                for m in range(N)) / N for j in range(3)] for i in range(3)]
    np.testing.assert_allclose(gaussian.ml_covariance(X), np.array(XHX, dtype=float),
                               rtol=1e-12)


def test_ml_covariance_bias_exactly():
    """E[Sigma_ML] = (N-1)/N Sigma, exactly, for data drawn uniformly from a small finite set:
    the expectation is an average over all N-tuples of the set (enumeration, fractions)."""
    import itertools

    support = [(0, 0), (1, 2), (2, -1)]  # each point with probability 1/3
    pts = [tuple(Fraction(v) for v in p) for p in support]
    mean = [sum(p[i] for p in pts) / 3 for i in range(2)]
    Sigma = [[sum((p[i] - mean[i]) * (p[j] - mean[j]) for p in pts) / 3 for j in range(2)]
             for i in range(2)]
    for N in (2, 3, 4):
        total = [[Fraction(0)] * 2 for _ in range(2)]
        for tup in itertools.product(pts, repeat=N):
            est = gaussian.ml_covariance(np.array(tup, dtype=float))
            for i in range(2):
                for j in range(2):
                    total[i][j] += Fraction(est[i, j]).limit_denominator(10**6)
        expected = [[total[i][j] / 3**N for j in range(2)] for i in range(2)]
        assert expected == [[Fraction(N - 1, N) * Sigma[i][j] for j in range(2)]
                            for i in range(2)]


def test_ml_covariance_bias_monte_carlo():
    rng = np.random.default_rng(102)
    Sigma = np.array([[2.0, 0.6], [0.6, 1.0]])
    N, trials = 4, 40_000
    X = rng.multivariate_normal([1.0, -1.0], Sigma, size=(trials, N))
    centred = X - X.mean(axis=1, keepdims=True)
    est = np.einsum("tni,tnj->tij", centred, centred) / N
    mean, se = est.mean(axis=0), est.std(axis=0) / np.sqrt(trials)
    assert np.all(np.abs(mean - (N - 1) / N * Sigma) < 5 * se)
    assert np.any(np.abs(mean - Sigma) > 10 * se)  # and the bias is visible
    one = gaussian.ml_covariance(X[0])
    np.testing.assert_allclose(one, est[0], rtol=1e-12)


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "match"), [
    (lambda: gaussian.logpdf([0.0, 0.0], [0.0, 0.0], [[1.0, 0.5], [0.4, 1.0]]), "Sigma"),
    (lambda: gaussian.logpdf([0.0, 0.0], [0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]), "Sigma"),
    (lambda: gaussian.logpdf([0.0], [0.0, 0.0], np.eye(2)), "x"),
    (lambda: gaussian.logpdf([0.0, 0.0], [0.0, 0.0], np.eye(3)), "Sigma"),
    (lambda: gaussian.marginal([0.0, 0.0], np.eye(2), [2]), "idx"),
    (lambda: gaussian.marginal([0.0, 0.0], np.eye(2), [0, 0]), "idx"),
    (lambda: gaussian.marginal([0.0, 0.0], np.eye(2), []), "idx"),
    (lambda: gaussian.condition([0.0, 0.0], np.eye(2), [0, 1], [1.0, 1.0]), "idx"),
    (lambda: gaussian.condition([0.0, 0.0], np.eye(2), [0], [1.0, 1.0]), "values"),
    (lambda: gaussian.linear_gaussian_marginal([0.0], [[1.0]], np.ones((2, 2)), [0.0, 0.0],
                                               np.eye(2)), "A"),
    (lambda: gaussian.linear_gaussian_marginal([0.0], [[1.0]], np.ones((2, 1)), [0.0],
                                               np.eye(2)), "b"),
    (lambda: gaussian.linear_gaussian_marginal([0.0], [[1.0]], np.ones((2, 1)), [0.0, 0.0],
                                               -np.eye(2)), "R"),
    (lambda: gaussian.linear_gaussian_posterior([0.0], [[1.0]], np.ones((2, 1)), [0.0, 0.0],
                                                np.eye(2), [1.0]), "y"),
    (lambda: gaussian.product([0.0], [[1.0]], [0.0, 1.0], np.eye(2)), "mu2"),
    (lambda: gaussian.ml_covariance(np.ones((2, 2)), ddof=2), "ddof"),
    (lambda: gaussian.ml_covariance(np.ones((2, 2)), ddof=-1), "ddof"),
    (lambda: gaussian.ml_covariance(np.ones(3)), "X"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("idx", ["0", [0.5], True])
def test_bad_indices_are_type_errors(idx):
    with pytest.raises(TypeError, match="idx"):
        gaussian.marginal([0.0, 0.0], np.eye(2), idx)


def test_far_points_raise_no_silent_infinity():
    with pytest.raises(NumericalError, match="log-density"):
        gaussian.logpdf([1e200], [0.0], [[1e-200]])


def test_float32_symmetry_is_judged_at_its_precision():
    rng = np.random.default_rng(3)
    B = rng.normal(size=(6, 6)).astype(np.float32)
    Sigma = (B @ B.T + 6 * np.eye(6, dtype=np.float32)).astype(np.float32)
    Sigma[0, 1] += np.float32(2e-6) * Sigma[0, 1]  # asymmetric at float32's rounding
    gaussian.logpdf(np.zeros(6), np.zeros(6), Sigma)  # accepted
    with pytest.raises(ValueError, match="symmetric"):
        gaussian.logpdf(np.zeros(6), np.zeros(6), Sigma.astype(np.float64))  # not in float64


def test_results_do_not_alias_the_input():
    mu, Sigma = np.array([0.0, 1.0]), np.eye(2)
    m = gaussian.marginal(mu, Sigma, [0, 1])
    m.mean[0] = 99.0
    m.cov[0, 0] = 99.0
    assert mu[0] == 0.0 and Sigma[0, 0] == 1.0


# ---------------------------------------------------------------- the chapter's stored chains
CHAPTER = Path(__file__).resolve().parents[2] / "chapters" / "foundations" / "gaussian.ipynb"


def _stored_chains(path):
    """The derivation records the executed notebook stores (output metadata, key derivlib)."""
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            record = (output.get("metadata", {}).get("derivlib") or {}).get("derivation")
            if record and record.get("kind") != "cited result":
                yield record


def _steps_shown_as_identities(path):
    """Steps whose displayed right side is the displayed left side: SymPy cancelled the
    transformation (``X X^{-1}``) while the expression was built, so the reader sees A = A."""
    same = []
    for record in _stored_chains(path):
        previous = record["start"]
        for k, step in enumerate(record["steps"], start=1):
            if step["latex"] == previous:
                same.append(f"{record['title']!r}, step {k}: {previous}")
            previous = step["latex"]
    return same


def test_no_chain_of_the_chapter_shows_a_step_as_a_equals_a():
    records = list(_stored_chains(CHAPTER))
    assert len(records) >= 20  # the chapter's chains are there to be read
    same = _steps_shown_as_identities(CHAPTER)
    assert not same, "steps displayed with identical sides:\n" + "\n".join(same)
