"""Tests of derivlib.foundations.mle_kl (chapter ``chapters/foundations/mle_kl.ipynb``).

Each function is compared with an independent implementation on random inputs:
scikit-learn's ``log_loss`` and ``mean_squared_error``, ``scipy.stats.entropy`` (discrete
KL), ``scipy.stats.norm.logpdf`` (Gaussian NLL), ``scipy.special.log_softmax`` and numeric
integration with ``scipy.integrate.quad`` (Gaussian KL, eq. mle-gauss-kl), and high-precision
mpmath where a float64 reference is itself inaccurate. Gradients are
checked by central finite differences; Gibbs' inequality (eq. mle-gibbs) by hypothesis.
"""

from __future__ import annotations

import doctest

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import integrate, special, stats
from sklearn.metrics import log_loss, mean_squared_error

from derivlib.foundations import mle_kl

SEEDS = [0, 1, 2, 3, 4]


def _central_diff(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function f at x by central differences, entry by entry."""
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x, dtype=float)
        e[idx] = h
        grad[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


def _exact_softmax_ce(z, k: int) -> float:
    """-log softmax(z)_k = log sum_j e^(z_j) - z_k in 400-digit arithmetic (mpmath).

    log-sum-exp minus z_k loses as many digits as the loss is small (about margin / 2.3).
    """
    with mpmath.workdps(400):
        lse = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in z))
        return float(lse - mpmath.mpf(float(z[k])))


def _random_simplex(rng: np.random.Generator, k: int) -> np.ndarray:
    return rng.dirichlet(np.ones(k))


# --------------------------------------------------------------------------- docstrings
def test_docstring_examples_all_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    n_examples = 0
    for test in finder.find(mle_kl):
        n_examples += len(test.examples)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
    assert n_examples == result.attempted == 11


# --------------------------------------------------------------------------- discrete KL
@pytest.mark.parametrize("seed", SEEDS)
def test_kl_divergence_matches_scipy_entropy(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 10))
    p, q = _random_simplex(rng, k), _random_simplex(rng, k)
    assert mle_kl.kl_divergence(p, q) == pytest.approx(stats.entropy(p, q), rel=1e-12)


def test_kl_divergence_zero_conventions():
    # 0 log(0/q) = 0
    assert mle_kl.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2.0))
    # p > 0 where q = 0: infinite, matching scipy, not NaN
    value = mle_kl.kl_divergence([0.5, 0.5], [1.0, 0.0])
    assert value == np.inf == stats.entropy([0.5, 0.5], [1.0, 0.0])


def test_kl_divergence_is_not_symmetric():
    p, q = np.array([0.9, 0.1]), np.array([0.5, 0.5])
    assert mle_kl.kl_divergence(p, q) != pytest.approx(mle_kl.kl_divergence(q, p))


_simplex = arrays(np.float64, st.integers(2, 8), elements=st.floats(1e-3, 1.0)).map(
    lambda a: a / a.sum()
)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_gibbs_inequality_kl_nonnegative(data):
    p = data.draw(_simplex)
    q = data.draw(arrays(np.float64, p.shape, elements=st.floats(1e-3, 1.0)))
    q = q / q.sum()
    assert mle_kl.kl_divergence(p, q) >= -1e-15


@settings(max_examples=100, deadline=None)
@given(_simplex)
def test_kl_of_a_distribution_with_itself_is_zero(p):
    assert mle_kl.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-15)


# --------------------------------------------------------------------------- Gaussian KL
@pytest.mark.parametrize(
    ("mu0", "sigma0", "mu1", "sigma1"),
    [(0.0, 1.0, 0.0, 1.0), (0.3, 0.7, -1.2, 1.9), (2.0, 2.5, 1.0, 0.8), (-1.0, 0.4, 0.5, 0.6)],
)
def test_gaussian_kl_matches_numeric_integration(mu0, sigma0, mu1, sigma1):
    p, q = stats.norm(mu0, sigma0), stats.norm(mu1, sigma1)

    def integrand(x):
        return p.pdf(x) * (p.logpdf(x) - q.logpdf(x))

    lo, hi = mu0 - 12 * sigma0, mu0 + 12 * sigma0
    numeric, _ = integrate.quad(integrand, lo, hi, epsabs=1e-12, epsrel=1e-10, limit=200)
    assert mle_kl.gaussian_kl(mu0, sigma0, mu1, sigma1) == pytest.approx(numeric, abs=1e-9)


def test_gaussian_kl_special_cases_and_broadcasting():
    assert mle_kl.gaussian_kl(0.0, 1.0, 0.0, 1.0) == 0.0
    # equal variances: (mu0 - mu1)^2 / (2 sigma^2)
    assert mle_kl.gaussian_kl(1.0, 2.0, 3.0, 2.0) == pytest.approx(4.0 / 8.0)
    mu0 = np.linspace(-1.0, 1.0, 5)
    out = mle_kl.gaussian_kl(mu0, 1.0, 0.0, 1.0)
    assert isinstance(out, np.ndarray) and out.shape == (5,)
    np.testing.assert_allclose(out, mu0**2 / 2, rtol=1e-14, atol=1e-15)
    assert isinstance(mle_kl.gaussian_kl(0.0, 1.0, 1.0, 2.0), float)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(-5, 5), st.floats(0.05, 5), st.floats(-5, 5), st.floats(0.05, 5),
)
def test_gaussian_kl_nonnegative(mu0, sigma0, mu1, sigma1):
    assert mle_kl.gaussian_kl(mu0, sigma0, mu1, sigma1) >= -1e-12


def test_gaussian_kl_is_the_limit_of_discrete_kl_on_a_fine_grid():
    # a Riemann sum of the discrete KL between binned Gaussians converges to the closed form
    x = np.linspace(-15, 15, 30001)
    p = stats.norm.pdf(x, 0.5, 1.3)
    q = stats.norm.pdf(x, -0.2, 0.9)
    p, q = p / p.sum(), q / q.sum()
    expected = mle_kl.gaussian_kl(0.5, 1.3, -0.2, 0.9)
    assert mle_kl.kl_divergence(p, q) == pytest.approx(expected, rel=1e-6)


# --------------------------------------------------------------------------- regression
@pytest.mark.parametrize("seed", SEEDS)
def test_squared_loss_matches_sklearn_mse(seed):
    rng = np.random.default_rng(seed)
    y, y_hat = rng.normal(size=50), rng.normal(size=50)
    assert mle_kl.squared_loss(y, y_hat) == pytest.approx(mean_squared_error(y, y_hat), rel=1e-13)
    assert mle_kl.squared_loss(y, y_hat, reduction="sum") == pytest.approx(
        50 * mean_squared_error(y, y_hat), rel=1e-13
    )
    np.testing.assert_allclose(mle_kl.squared_loss(y, y_hat, reduction="none"), (y - y_hat) ** 2)


@pytest.mark.parametrize("seed", SEEDS)
def test_squared_loss_grad_finite_differences(seed):
    rng = np.random.default_rng(seed)
    y, y_hat = rng.normal(size=7), rng.normal(size=7)
    numeric = _central_diff(lambda v: mle_kl.squared_loss(y, v, reduction="sum"), y_hat)
    np.testing.assert_allclose(mle_kl.squared_loss_grad(y, y_hat), numeric, atol=1e-7)


@pytest.mark.parametrize("seed", SEEDS)
def test_gaussian_nll_matches_scipy_norm_logpdf(seed):
    rng = np.random.default_rng(seed)
    n = 40
    y, mu = rng.normal(size=n), rng.normal(size=n)
    sigma2 = float(rng.uniform(0.2, 3.0))
    expected = -stats.norm.logpdf(y, loc=mu, scale=np.sqrt(sigma2))
    np.testing.assert_allclose(
        mle_kl.gaussian_nll(y, mu, sigma2, reduction="none"), expected, rtol=1e-13
    )
    assert mle_kl.gaussian_nll(y, mu, sigma2) == pytest.approx(expected.mean(), rel=1e-13)
    assert mle_kl.gaussian_nll(y, mu, sigma2, reduction="sum") == pytest.approx(
        expected.sum(), rel=1e-13
    )
    # per-sample variances
    s2 = rng.uniform(0.2, 3.0, size=n)
    np.testing.assert_allclose(
        mle_kl.gaussian_nll(y, mu, s2, reduction="none"),
        -stats.norm.logpdf(y, loc=mu, scale=np.sqrt(s2)),
        rtol=1e-13,
    )


def test_gaussian_nll_is_scaled_squared_loss_plus_constant():
    # eq. (mle-gauss-nll): sum NLL = SSE / (2 sigma^2) + n/2 log(2 pi sigma^2)
    rng = np.random.default_rng(7)
    y, mu, sigma2 = rng.normal(size=20), rng.normal(size=20), 0.6
    nll = mle_kl.gaussian_nll(y, mu, sigma2, reduction="sum")
    sse = mle_kl.squared_loss(y, mu, reduction="sum")
    assert nll == pytest.approx(sse / (2 * sigma2) + 10 * np.log(2 * np.pi * sigma2))
    # scalar mean broadcasts
    assert mle_kl.gaussian_nll(y, 0.0, sigma2, reduction="none").shape == (20,)


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_gaussian_grad_in_weights_matrix_form(seed):
    # eq. (mle-sq-grad): grad_w of sum NLL = -X^T (y - X w) / sigma^2 = X^T gaussian_nll_grad
    rng = np.random.default_rng(seed)
    n, d, sigma2 = 12, 3, 0.7
    X, y, w = rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d)
    closed = -X.T @ (y - X @ w) / sigma2
    via_lib = X.T @ mle_kl.gaussian_nll_grad(y, X @ w, sigma2)
    numeric = _central_diff(lambda v: mle_kl.gaussian_nll(y, X @ v, sigma2, reduction="sum"), w)
    np.testing.assert_allclose(via_lib, closed, rtol=1e-12)
    np.testing.assert_allclose(via_lib, numeric, rtol=1e-6, atol=1e-6)


def test_gaussian_nll_grad_finite_differences():
    rng = np.random.default_rng(11)
    y, mu = rng.normal(size=6), rng.normal(size=6)
    numeric = _central_diff(lambda m: mle_kl.gaussian_nll(y, m, 1.7, reduction="sum"), mu)
    np.testing.assert_allclose(mle_kl.gaussian_nll_grad(y, mu, 1.7), numeric, atol=1e-7)


# --------------------------------------------------------------------------- binary
@pytest.mark.parametrize("seed", SEEDS)
def test_binary_cross_entropy_matches_sklearn_log_loss(seed):
    rng = np.random.default_rng(seed)
    n = 60
    z = rng.normal(scale=3.0, size=n)
    y = rng.integers(0, 2, size=n).astype(float)
    p = special.expit(z)
    assert mle_kl.binary_cross_entropy(y, z) == pytest.approx(log_loss(y, p), rel=1e-10)
    assert mle_kl.binary_cross_entropy(y, z, reduction="sum") == pytest.approx(
        log_loss(y, p, normalize=False), rel=1e-10
    )
    naive = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    np.testing.assert_allclose(mle_kl.binary_cross_entropy(y, z, reduction="none"), naive,
                               rtol=1e-9)


def test_binary_cross_entropy_extreme_logits_are_finite():
    y = np.array([1.0, 0.0, 1.0, 0.0])
    z = np.array([1000.0, -1000.0, -1000.0, 1000.0])
    losses = mle_kl.binary_cross_entropy(y, z, reduction="none")
    assert np.all(np.isfinite(losses))
    np.testing.assert_allclose(losses, [0.0, 0.0, 1000.0, 1000.0], atol=1e-300)
    grads = mle_kl.binary_cross_entropy_grad(y, z)
    np.testing.assert_allclose(grads, [0.0, 0.0, -1.0, 1.0])


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_cross_entropy_grad_finite_differences(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=8).astype(float)
    z = rng.normal(scale=2.0, size=8)
    numeric = _central_diff(lambda v: mle_kl.binary_cross_entropy(y, v, reduction="sum"), z)
    analytic = mle_kl.binary_cross_entropy_grad(y, z)
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)
    np.testing.assert_allclose(analytic, special.expit(z) - y)


def test_logistic_regression_grad_in_weights():
    # exercise (c): grad_w sum BCE(y, Xw) = X^T (sigmoid(Xw) - y)
    rng = np.random.default_rng(5)
    X, w = rng.normal(size=(15, 3)), rng.normal(size=3)
    y = rng.integers(0, 2, size=15).astype(float)
    numeric = _central_diff(lambda v: mle_kl.binary_cross_entropy(y, X @ v, reduction="sum"), w)
    analytic = X.T @ mle_kl.binary_cross_entropy_grad(y, X @ w)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------------- multiclass
@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_matches_sklearn_log_loss(seed):
    rng = np.random.default_rng(seed)
    n, k = 50, int(rng.integers(3, 7))
    Z = rng.normal(scale=2.0, size=(n, k))
    labels = rng.integers(0, k, size=n)
    P = special.softmax(Z, axis=1)
    expected = log_loss(labels, P, labels=np.arange(k))
    assert mle_kl.softmax_cross_entropy(labels, Z) == pytest.approx(expected, rel=1e-10)
    one_hot = np.eye(k)[labels]
    assert mle_kl.softmax_cross_entropy(one_hot, Z) == pytest.approx(expected, rel=1e-10)
    assert mle_kl.softmax_cross_entropy(labels, Z, reduction="sum") == pytest.approx(
        log_loss(labels, P, labels=np.arange(k), normalize=False), rel=1e-10
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_per_sample_is_minus_log_softmax(seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=5.0, size=(20, 4))
    labels = rng.integers(0, 4, size=20)
    # log-sum-exp minus the label's logit in 400-digit arithmetic: special.log_softmax itself
    # is only accurate to eps absolute, 3e-12 relative on a loss of 3e-5 (seed 0, row 15)
    expected = [_exact_softmax_ce(z, k) for z, k in zip(Z, labels, strict=True)]
    np.testing.assert_allclose(
        mle_kl.softmax_cross_entropy(labels, Z, reduction="none"), expected, rtol=1e-13
    )


def test_softmax_cross_entropy_extreme_logits_are_finite():
    Z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    labels = np.array([1, 0])
    losses = mle_kl.softmax_cross_entropy(labels, Z, reduction="none")
    assert np.all(np.isfinite(losses))
    np.testing.assert_allclose(losses, [2000.0, 2000.0 + np.log(2.0)], rtol=1e-14)
    grads = mle_kl.softmax_cross_entropy_grad(labels, Z)
    assert np.all(np.isfinite(grads))
    np.testing.assert_allclose(grads, [[1.0, -1.0, 0.0], [-1.0, 0.5, 0.5]], atol=1e-300)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_grad_finite_differences(seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=2.0, size=(5, 3))
    Y = rng.dirichlet(np.ones(3), size=5)  # soft targets: the formula holds for any rows
    numeric = _central_diff(lambda v: mle_kl.softmax_cross_entropy(Y, v, reduction="sum"), Z)
    analytic = mle_kl.softmax_cross_entropy_grad(Y, Z)
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)
    np.testing.assert_allclose(analytic.sum(axis=1), 0.0, atol=1e-15)


def test_softmax_with_two_classes_is_binary_cross_entropy_of_the_logit_difference():
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(10, 2))
    y = rng.integers(0, 2, size=10)
    z = Z[:, 1] - Z[:, 0]
    assert mle_kl.softmax_cross_entropy(y, Z) == pytest.approx(
        mle_kl.binary_cross_entropy(y, z), rel=1e-13
    )


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: mle_kl.kl_divergence([0.5, 0.6], [0.5, 0.5]), "p must sum to 1"),
        (lambda: mle_kl.kl_divergence([0.5, 0.5], [1.5, -0.5]), "q must be non-negative"),
        (lambda: mle_kl.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5]), "same shape"),
        (lambda: mle_kl.kl_divergence([[0.5, 0.5]], [[0.5, 0.5]]), "p must be 1-D"),
        (lambda: mle_kl.kl_divergence([np.nan, 1.0], [0.5, 0.5]), "p must be finite"),
        (lambda: mle_kl.gaussian_kl(0.0, 0.0, 0.0, 1.0), "sigma0 must be > 0"),
        (lambda: mle_kl.gaussian_kl(0.0, 1.0, 0.0, -2.0), "sigma1 must be > 0"),
        (lambda: mle_kl.gaussian_kl(np.nan, 1.0, 0.0, 1.0), "mu0 must be finite"),
        (lambda: mle_kl.squared_loss([1.0, 2.0], [1.0]), "y and y_hat must have the same"),
        (lambda: mle_kl.squared_loss([1.0], [np.nan]), "y_hat must be finite"),
        (lambda: mle_kl.squared_loss([1.0], [1.0], reduction="avg"), "reduction must be"),
        (lambda: mle_kl.squared_loss_grad([1.0, 2.0], [1.0]), "same length"),
        (lambda: mle_kl.gaussian_nll([1.0], 0.0, 0.0), "sigma2 must be > 0"),
        (lambda: mle_kl.gaussian_nll([1.0, 2.0], [0.0], 1.0), "mu must be a scalar or of shape"),
        (lambda: mle_kl.gaussian_nll([1.0, 2.0], 0.0, [1.0, 1.0, 1.0]), "sigma2 must be a"),
        (lambda: mle_kl.gaussian_nll_grad([1.0], 0.0, -1.0), "sigma2 must be > 0"),
        (lambda: mle_kl.gaussian_nll_grad([1.0], [0.0, 1.0], 1.0), "mu must be a scalar"),
        (lambda: mle_kl.binary_cross_entropy([0.0, 2.0], [0.1, 0.2]), r"labels in \{0, 1\}"),
        (lambda: mle_kl.binary_cross_entropy([0.0, 1.0], [0.1]), "y and z must have the same"),
        (lambda: mle_kl.binary_cross_entropy([0.0], [np.nan]), "z must be finite"),
        (lambda: mle_kl.binary_cross_entropy([[0.0]], [[1.0]]), "y must be 1-D"),
        (lambda: mle_kl.binary_cross_entropy_grad([0.5], [0.0]), r"labels in \{0, 1\}"),
        (lambda: mle_kl.softmax_cross_entropy([0, 3], np.zeros((2, 3))), "integers in 0..2"),
        (lambda: mle_kl.softmax_cross_entropy([0.5, 1], np.zeros((2, 3))), "integers in 0..2"),
        (lambda: mle_kl.softmax_cross_entropy([0, 1, 2], np.zeros((2, 3))), "Y and Z must have"),
        (lambda: mle_kl.softmax_cross_entropy(np.eye(2), np.zeros((2, 3))), "must have 3 columns"),
        (lambda: mle_kl.softmax_cross_entropy([[0.6, 0.6]], [[0.0, 0.0]]), "Y must sum to 1"),
        (lambda: mle_kl.softmax_cross_entropy([0], [[0.0]]), "at least 2 columns"),
        (lambda: mle_kl.softmax_cross_entropy([0], [0.0, 1.0]), "Z must be 2-D"),
        (lambda: mle_kl.softmax_cross_entropy_grad([[1.2, -0.2]], [[0.0, 0.0]]), "non-negative"),
        (lambda: mle_kl.softmax_cross_entropy([0], [[np.inf, 0.0]]), "Z must be finite"),
    ],
)
def test_validation_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="y must be array-like"):
        mle_kl.squared_loss("abc", [1.0])


# --------------------------------------------------------------------------- issue 10
def test_float32_probability_vectors_are_accepted():
    rng = np.random.default_rng(5)
    p64, q64 = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(7))
    p, q = p64.astype(np.float32), q64.astype(np.float32)  # correctly rounded, sum 1 +- 1e-7
    # (not stats.entropy, which renormalises: the float32 vectors sum to 1 only to 1e-7)
    expected = np.sum(special.rel_entr(p.astype(float), q.astype(float)))
    assert mle_kl.kl_divergence(p, q) == pytest.approx(expected, rel=1e-12)
    Y = rng.dirichlet(np.ones(5), size=20).astype(np.float32)
    Z = rng.normal(size=(20, 5))
    expected = -np.mean(np.sum(Y.astype(float) * special.log_softmax(Z, axis=1), axis=1))
    assert mle_kl.softmax_cross_entropy(Y, Z) == pytest.approx(expected, rel=1e-12)


def test_kl_divergence_with_a_tiny_q_is_finite_and_right():
    p, q = [0.5, 0.5], [1e-320, 1.0 - 1e-320]
    # 0.5 log(0.5 / 1e-320) + 0.5 log(0.5)
    expected = 0.5 * (np.log(0.5) - np.log(1e-320)) + 0.5 * np.log(0.5)
    assert mle_kl.kl_divergence(p, q) == pytest.approx(expected, rel=1e-12)


def test_gaussian_kl_with_extreme_ratios():
    # sigma0 / sigma1 underflows to 0: KL = log(s1/s0) + s0^2/(2 s1^2) - 1/2
    expected = np.log(1e10) - np.log(1e-320) - 0.5
    assert mle_kl.gaussian_kl(0.0, 1e-320, 0.0, 1e10) == pytest.approx(expected, rel=1e-12)
    # mu0 - mu1 overflows, (mu0 - mu1) / sigma1 = 2 does not: KL = 2^2 / 2
    assert mle_kl.gaussian_kl(1e308, 1e308, -1e308, 1e308) == pytest.approx(2.0, rel=1e-12)
    from derivlib import NumericalError
    with pytest.raises(NumericalError, match="Gaussian KL"):  # s0^2 / s1^2 ~ 1e600
        mle_kl.gaussian_kl(0.0, 1e300, 0.0, 1.0)


def test_losses_at_huge_logits_are_not_nan_or_inf():
    # class 2's logit is 2e308 below class 1's: its log-probability is -inf, its target 0
    assert mle_kl.softmax_cross_entropy([0], [[1e308, -1e308]]) == 0.0
    # per-sample losses 1e308: their mean is 1e308, not inf
    assert mle_kl.binary_cross_entropy([0.0, 0.0], [1e308, 1e308]) == 1e308
    from derivlib import NumericalError
    with pytest.raises(NumericalError, match="summed loss"):
        mle_kl.binary_cross_entropy([0.0, 0.0], [1e308, 1e308], reduction="sum")
    with pytest.raises(ValueError, match="reduction must be one of"):
        mle_kl.squared_loss([1.0], [1.0], reduction=np.array(["mean", "sum"]))


# --------------------------------------------------------------------------- review of issue 10
@pytest.mark.parametrize("t", [1e-3, 1e-6, -1e-8, 1e-8, 0.3, -0.4])
def test_gaussian_kl_keeps_its_digits_when_the_sigmas_are_close(t):
    # -log r + r^2/2 - 1/2 cancels: at t = 1e-8 it was 11% off (the docstring promised accuracy)
    sigma0, sigma1, mu0, mu1 = 2.0, 2.0 * (1.0 + t), 0.5, 0.5 + 1e-9
    with mpmath.workdps(50):
        s0, s1, m0, m1 = (mpmath.mpf(v) for v in (sigma0, sigma1, mu0, mu1))
        expected = float(mpmath.log(s1 / s0) + (s0**2 + (m0 - m1) ** 2) / (2 * s1**2) - 0.5)
    assert mle_kl.gaussian_kl(mu0, sigma0, mu1, sigma1) == pytest.approx(expected, rel=1e-14, abs=0)
    # equal sigmas, means 1e-9 apart: (mu0 - mu1)^2 / (2 sigma^2), not 0
    with mpmath.workdps(50):
        expected = float((mpmath.mpf(mu0) - mpmath.mpf(mu1)) ** 2 / 8)
    assert mle_kl.gaussian_kl(mu0, 2.0, mu1, 2.0) == pytest.approx(expected, rel=1e-14, abs=0)


@pytest.mark.parametrize("z", [5.0, 20.0, 40.0, -40.0, 700.0])
def test_binary_cross_entropy_grad_keeps_its_digits_at_confident_logits(z):
    # expit(z) - 1 rounds expit(z) to 1 first: 0 at z = 40 instead of -4.2e-18
    with mpmath.workdps(50):
        s_pos = float(1 / (1 + mpmath.exp(-mpmath.mpf(z))))
        s_neg = float(1 / (1 + mpmath.exp(mpmath.mpf(z))))  # 1 - s(z) = s(-z)
    np.testing.assert_allclose(mle_kl.binary_cross_entropy_grad([1.0, 0.0], [z, z]),
                               [-s_neg, s_pos], rtol=1e-14)


@pytest.mark.parametrize("margin", [5.0, 20.0, 40.0, 300.0])
def test_softmax_cross_entropy_keeps_its_digits_at_confident_logits(margin):
    # log_softmax rounds 1 + e^-40 to 1: the loss came out -0.0 and the gradient 0
    Z = np.array([[margin, 0.0, -1.0], [0.0, margin, 2.0]])
    labels = np.array([0, 2])
    expected = [_exact_softmax_ce(z, k) for z, k in zip(Z, labels, strict=True)]
    np.testing.assert_allclose(mle_kl.softmax_cross_entropy(labels, Z, reduction="none"),
                               expected, rtol=1e-14)
    with mpmath.workdps(400):
        expected_grad = []
        for z, k in zip(Z, labels, strict=True):
            e = [mpmath.exp(mpmath.mpf(float(v))) for v in z]
            expected_grad.append([float(ej / mpmath.fsum(e) - (j == k))
                                  for j, ej in enumerate(e)])
    np.testing.assert_allclose(mle_kl.softmax_cross_entropy_grad(labels, Z), expected_grad,
                               rtol=1e-14)
    # two classes: the binary cross-entropy of the logit difference, which was right already
    assert mle_kl.softmax_cross_entropy([0], [[margin, 0.0]]) == pytest.approx(
        mle_kl.binary_cross_entropy([1.0], [margin]), rel=1e-14, abs=0)


def test_soft_targets_at_huge_logits_give_the_representable_loss():
    # 0.5 (1e308 - (-1e308)) + 0.5 * 0 + log(1 + 0) = 1e308 (was a NumericalError)
    assert mle_kl.softmax_cross_entropy([[0.5, 0.5]], [[1e308, -1e308]]) == 1e308
    np.testing.assert_array_equal(
        mle_kl.softmax_cross_entropy_grad([[0.5, 0.5]], [[1e308, -1e308]]), [[0.5, -0.5]])


def test_overflowing_gradients_are_errors_not_inf():
    from derivlib import NumericalError
    with pytest.raises(NumericalError, match="squared-loss gradient"):  # 2 * 1.2e308
        mle_kl.squared_loss_grad([-0.6e308], [0.6e308])
    with pytest.raises(NumericalError, match="Gaussian NLL gradient"):  # 1e310
        mle_kl.gaussian_nll_grad([1.0], 0.0, 1e-310)
    # mu - y overflows, (mu - y) / sigma2 = 2e307 does not
    assert mle_kl.gaussian_nll_grad([-1e308], 1e308, 10.0) == pytest.approx([2e307],
                                                                              rel=1e-15, abs=0)


def test_gaussian_nll_with_huge_residuals_or_variances():
    # (y - mu)^2 = 1e400 overflowed before the division by sigma2 = 1e200
    y = np.array([1e200, -3e199])
    expected = -stats.norm.logpdf(y, 0.0, 1e100)
    np.testing.assert_allclose(mle_kl.gaussian_nll(y, 0.0, 1e200, reduction="none"), expected,
                               rtol=1e-15)
    # 2 pi sigma2 overflowed for sigma2 = 1e308
    with mpmath.workdps(50):
        expected = float(mpmath.log(2 * mpmath.pi * mpmath.mpf(1e308)) / 2)
    assert mle_kl.gaussian_nll([0.0], 0.0, 1e308) == pytest.approx(expected, rel=1e-15, abs=0)
    # a 2-D sigma2 was a raw NumPy broadcasting error
    with pytest.raises(ValueError, match="sigma2 must be 0-D or 1-D"):
        mle_kl.gaussian_nll([0.0, 1.0], 0.0, np.ones((1, 2)))


# --------------------------------------------------------------------------- Hessians
# References: central differences of the gradient functions (a Jacobian of the gradient), and
# exact second derivatives by SymPy of the losses written out entry by entry (symbolic
# differentiation, independent of the NumPy code).
def _fd_jacobian(g, v: np.ndarray, h: float = 1e-5) -> np.ndarray:
    # central differences, column by column: error O(h^2 g''') + O(eps |g| / h), about 1e-9
    cols = []
    for k in range(v.size):
        e = np.zeros(v.size)
        e[k] = h
        cols.append((g(v + e) - g(v - e)) / (2 * h))
    return np.column_stack(cols)


@pytest.mark.parametrize("seed", SEEDS)
def test_hessians_match_finite_differences_of_the_gradients(seed):
    rng = np.random.default_rng(seed)
    N, D, K = int(rng.integers(3, 12)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
    X = rng.normal(size=(N, D))
    w, b = rng.normal(size=D), float(rng.normal())
    y = rng.integers(0, 2, size=N).astype(float)
    # squared: gradient X^T (X w + b - y) / sigma^2
    sigma2 = float(rng.uniform(0.3, 3))
    yr = rng.normal(size=N)
    fd = _fd_jacobian(lambda v: X.T @ mle_kl.gaussian_nll_grad(yr, X @ v + b, sigma2), w)
    np.testing.assert_allclose(mle_kl.gaussian_nll_hessian(X, sigma2), fd, atol=1e-7, rtol=1e-7)
    # binary: gradient X^T (sigma(X w + b) - y)
    fd = _fd_jacobian(lambda v: X.T @ mle_kl.binary_cross_entropy_grad(y, X @ v + b), w)
    np.testing.assert_allclose(mle_kl.binary_cross_entropy_hessian(w, b, X), fd, atol=1e-7,
                               rtol=1e-7)
    # softmax: gradient in vec(W) (columns stacked) of sum_n E_n, X^T (P - Y)
    W, bk = rng.normal(size=(D, K)), rng.normal(size=K)
    labels = rng.integers(0, K, size=N)

    def grad_vec(v):
        G = X.T @ mle_kl.softmax_cross_entropy_grad(labels, X @ v.reshape(D, K, order="F") + bk)
        return G.ravel(order="F")

    fd = _fd_jacobian(grad_vec, W.ravel(order="F"))
    np.testing.assert_allclose(mle_kl.softmax_cross_entropy_hessian(W, bk, X), fd, atol=1e-7,
                               rtol=1e-7)


def test_hessians_match_sympy_exact_second_derivatives():
    import sympy as sp

    rng = np.random.default_rng(7)
    N, D, K = 3, 2, 3
    X = rng.normal(size=(N, D))
    Xs = sp.Matrix(X.tolist())
    ws = sp.symbols(f"w1:{D + 1}")
    Ws = sp.Matrix(D, K, lambda j, k: sp.Symbol(f"W{j}{k}"))
    b = 0.3
    y = [1, 0, 1]
    z = [sum(Xs[n, j] * ws[j] for j in range(D)) + b for n in range(N)]
    bce = sum(sp.log(1 + sp.exp(zn)) - yn * zn for zn, yn in zip(z, y, strict=True))
    squared = sum((yn - zn) ** 2 for zn, yn in zip(z, y, strict=True)) / 2
    w_val = rng.normal(size=D)
    at = dict(zip(ws, w_val, strict=True))
    H_bce = np.array(sp.hessian(bce, ws).subs(at).evalf(30), dtype=float)
    np.testing.assert_allclose(mle_kl.binary_cross_entropy_hessian(w_val, b, X), H_bce,
                               rtol=1e-12, atol=1e-14)
    H_sq = np.array(sp.hessian(squared, ws), dtype=float)
    np.testing.assert_allclose(mle_kl.gaussian_nll_hessian(X), H_sq, rtol=1e-12)
    bk = rng.normal(size=K)
    Z = [[sum(Xs[n, j] * Ws[j, k] for j in range(D)) + bk[k] for k in range(K)] for n in range(N)]
    ce = sum(sp.log(sum(sp.exp(zk) for zk in Zn)) - Zn[n % K] for n, Zn in enumerate(Z))
    vec = [Ws[j, k] for k in range(K) for j in range(D)]  # columns stacked
    W_val = rng.normal(size=(D, K))
    at = {Ws[j, k]: W_val[j, k] for j in range(D) for k in range(K)}
    H_ce = np.array(sp.hessian(ce, vec).subs(at).evalf(30), dtype=float)
    np.testing.assert_allclose(mle_kl.softmax_cross_entropy_hessian(W_val, bk, X), H_ce,
                               rtol=1e-11, atol=1e-14)


def test_hessians_are_positive_semidefinite_and_the_softmax_one_is_singular():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 3))
    for H in (mle_kl.gaussian_nll_hessian(X, 0.5),
              mle_kl.binary_cross_entropy_hessian(rng.normal(size=3), 0.1, X)):
        assert np.allclose(H, H.T)
        assert np.linalg.eigvalsh(H).min() > 0  # X has full column rank
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    H = mle_kl.softmax_cross_entropy_hessian(W, b, X)
    eig = np.linalg.eigvalsh(H)
    assert np.allclose(H, H.T) and eig.min() > -1e-12 * eig.max()
    # adding a to every column of W leaves the softmax unchanged: vec(a 1^T) = 1 kron a
    a = rng.normal(size=3)
    np.testing.assert_allclose(H @ np.kron(np.ones(4), a), 0.0, atol=1e-12)
    assert np.sum(eig < 1e-10 * eig.max()) == 3  # exactly D flat directions


def test_binary_hessian_agrees_with_logistic_regression_module():
    from derivlib.linear_models import logistic_regression as logreg

    rng = np.random.default_rng(5)
    X, w = rng.normal(size=(15, 3)), rng.normal(size=3)
    np.testing.assert_allclose(mle_kl.binary_cross_entropy_hessian(w, 0.0, X),
                               logreg.hessian(w, None, X), rtol=1e-12)


# --------------------------------------------------------------------------- forward/reverse KL
def _kl_by_quad(mu, sigma, weights, means, sigmas, reverse):
    """KL(p || q) or KL(q || p) with scipy.stats densities and quad (independent of derivlib)."""
    def log_p(x):
        return special.logsumexp([np.log(w) + stats.norm.logpdf(x, m, s)
                                  for w, m, s in zip(weights, means, sigmas, strict=True)])

    def f(x):
        lp, lq = log_p(x), stats.norm.logpdf(x, mu, sigma)
        la, lc = (lq, lp) if reverse else (lp, lq)
        return np.exp(la) * (la - lc)

    return integrate.quad(f, -30, 30, points=[*means, mu], limit=400, epsabs=1e-13)[0]


MIXTURES = [([0.5, 0.5], [-2.0, 2.0], [0.6, 0.6]), ([0.3, 0.7], [-1.0, 3.0], [0.5, 1.2]),
            ([0.2, 0.5, 0.3], [-3.0, 0.0, 2.5], [0.4, 1.0, 0.7])]


@pytest.mark.parametrize("mixture", MIXTURES)
def test_forward_fit_matches_numerical_minimisation_of_the_forward_kl(mixture):
    fit = mle_kl.forward_kl_gaussian_fit(*mixture)
    # moment matching against the moments by quadrature of x p(x) and x^2 p(x)
    w, m, s = mixture
    mean = integrate.quad(lambda x: x * sum(a * stats.norm.pdf(x, c, d) for a, c, d in
                                            zip(w, m, s, strict=True)), -30, 30, limit=200)[0]
    second = integrate.quad(lambda x: x * x * sum(a * stats.norm.pdf(x, c, d) for a, c, d in
                                                  zip(w, m, s, strict=True)), -30, 30,
                            limit=200)[0]
    np.testing.assert_allclose([fit.mu, fit.sigma**2], [mean, second - mean**2], rtol=1e-9,
                               atol=1e-10)
    best = _kl_by_quad(fit.mu, fit.sigma, *mixture, reverse=False)
    np.testing.assert_allclose(fit.kl, best, rtol=1e-8)
    # a minimum of the KL by quadrature: every nearby Gaussian is farther from p
    for dm, ds in [(1e-2, 0), (-1e-2, 0), (0, 1e-2), (0, -1e-2), (7e-3, 7e-3), (7e-3, -7e-3)]:
        assert _kl_by_quad(fit.mu + dm, fit.sigma + ds, *mixture, reverse=False) > best


@pytest.mark.parametrize("mixture", MIXTURES)
@pytest.mark.parametrize("start", [(-2.5, 0.5), (2.5, 0.5), (0.0, 2.0)])
def test_reverse_fit_is_a_local_minimum_of_the_reverse_kl(mixture, start):
    fit = mle_kl.reverse_kl_gaussian_fit(*mixture, *start)
    assert fit.converged
    best = _kl_by_quad(fit.mu, fit.sigma, *mixture, reverse=True)
    np.testing.assert_allclose(fit.kl, best, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(mle_kl.mixture_kl(fit.mu, fit.sigma, *mixture,
                                                 direction="reverse"), best, rtol=1e-8)
    for dm, ds in [(1e-2, 0), (-1e-2, 0), (0, 1e-2), (0, -1e-2), (7e-3, 7e-3), (7e-3, -7e-3)]:
        assert _kl_by_quad(fit.mu + dm, fit.sigma + ds, *mixture, reverse=True) > best


def test_reverse_fit_seeks_a_mode_and_forward_fit_covers_both():
    mixture = ([0.5, 0.5], [-3.0, 3.0], [0.5, 0.5])
    right = mle_kl.reverse_kl_gaussian_fit(*mixture, 2.0, 1.0)
    left = mle_kl.reverse_kl_gaussian_fit(*mixture, -2.0, 1.0)
    # well separated: each local minimum is nearly one component, KL ~ log 2
    np.testing.assert_allclose([right.mu, right.sigma], [3.0, 0.5], atol=1e-3)
    np.testing.assert_allclose([left.mu, left.sigma], [-3.0, 0.5], atol=1e-3)
    np.testing.assert_allclose(right.kl, np.log(2), rtol=1e-3)
    fwd = mle_kl.forward_kl_gaussian_fit(*mixture)
    np.testing.assert_allclose([fwd.mu, fwd.sigma**2], [0.0, 9.25], rtol=1e-12, atol=1e-12)


def test_reverse_fit_warns_when_the_budget_is_too_small():
    from derivlib import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="reverse_kl_gaussian_fit"):
        fit = mle_kl.reverse_kl_gaussian_fit([0.5, 0.5], [-2.0, 2.0], [0.6, 0.6], 0.7, 3.0,
                                             max_iter=1)
    assert not fit.converged


# --------------------------------------------------------------------------- mutual information
@pytest.mark.parametrize("seed", SEEDS)
def test_mutual_information_matches_sklearn_and_the_entropies(seed):
    from sklearn.metrics import mutual_info_score
    from sklearn.metrics.cluster import contingency_matrix

    rng = np.random.default_rng(seed)
    a = rng.integers(0, int(rng.integers(2, 6)), size=300)
    c = (a + rng.integers(0, 3, size=300)) % 4  # dependent on a
    P = contingency_matrix(a, c) / 300.0
    mi = mle_kl.mutual_information(P)
    np.testing.assert_allclose(mi, mutual_info_score(a, c), rtol=1e-12, atol=1e-15)
    # H(X) - H(X | Y), with H(X | Y) = sum_y p(y) H(X | Y = y)
    py = P.sum(axis=0)
    h_x_given_y = sum(py[j] * stats.entropy(P[:, j] / py[j]) for j in range(P.shape[1]))
    np.testing.assert_allclose(mi, stats.entropy(P.sum(axis=1)) - h_x_given_y, rtol=1e-12)
    assert mle_kl.mutual_information(np.outer(P.sum(axis=1), py)) == pytest.approx(0, abs=1e-15)


@pytest.mark.parametrize("rho", [-0.95, -0.3, 0.0, 1e-9, 0.6, 0.999])
def test_gaussian_mutual_information_matches_scipy_entropies(rho):
    cov = np.array([[2.0, rho * np.sqrt(2.0 * 0.5)], [rho * np.sqrt(2.0 * 0.5), 0.5]])
    ref = (stats.norm(scale=np.sqrt(2.0)).entropy() + stats.norm(scale=np.sqrt(0.5)).entropy()
           - stats.multivariate_normal(cov=cov).entropy())
    np.testing.assert_allclose(mle_kl.gaussian_mutual_information(rho), ref, rtol=1e-9,
                               atol=1e-14)
    if rho == 1e-9:  # log1p keeps the digits: rho^2 / 2
        assert mle_kl.gaussian_mutual_information(rho) == pytest.approx(5e-19, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: mle_kl.gaussian_nll_hessian(np.ones(3)), "X must be 2-D"),
        (lambda: mle_kl.gaussian_nll_hessian(np.ones((3, 2)), 0.0), "sigma2 must be > 0"),
        (lambda: mle_kl.binary_cross_entropy_hessian(np.ones(3), 0.0, np.ones((4, 2))),
         "w must have one entry per column of X"),
        (lambda: mle_kl.softmax_cross_entropy_hessian(np.ones((2, 1)), np.ones(1),
                                                      np.ones((4, 2))), "at least 2 columns"),
        (lambda: mle_kl.softmax_cross_entropy_hessian(np.ones((2, 3)), np.ones(2),
                                                      np.ones((4, 2))), "b must have one entry"),
        (lambda: mle_kl.mixture_moments([0.5, 0.6], [0.0, 1.0], [1.0, 1.0]), "weights"),
        (lambda: mle_kl.mixture_moments([0.5, 0.5], [0.0, 1.0], [1.0, 0.0]), "sigmas must be > 0"),
        (lambda: mle_kl.mixture_moments([0.5, 0.5], [0.0], [1.0, 1.0]), "same length"),
        (lambda: mle_kl.mixture_kl(0.0, 1.0, [1.0], [0.0], [1.0], direction="both"), "direction"),
        (lambda: mle_kl.reverse_kl_gaussian_fit([1.0], [0.0], [1.0], 0.0, -1.0),
         "sigma_init must be > 0"),
        (lambda: mle_kl.reverse_kl_gaussian_fit([1.0], [0.0], [1.0], 0.0, 1.0, n_grid=50),
         "n_grid must be >= 101"),
        (lambda: mle_kl.mutual_information(np.ones((2, 2))), "P"),
        (lambda: mle_kl.mutual_information(np.ones(4) / 4), "P must be 2-D"),
        (lambda: mle_kl.gaussian_mutual_information(1.0), r"rho must be in \(-1, 1\)"),
    ],
)
def test_new_validation_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
