"""Tests of derivlib.foundations.sample_variance (chapter foundations/sample_variance).

The references are independent implementations: numpy.var (ddof=0 and 1), the
standard library's statistics.pvariance / statistics.variance, scipy.stats.norm.fit
(the Gaussian maximum-likelihood fit), scipy.stats.tvar, and exact expectations
computed by sympy.stats. Monte Carlo tests compare simulated means with the closed
forms of eqs. (sv-bias), (sv-var-mu) and (sv-var-s2) within 4 standard errors.
"""

from __future__ import annotations

import statistics
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from derivlib.foundations import sample_variance as sv

# Finite, moderately sized floats: the references (statistics uses exact fractions)
# and the two-pass algorithm then agree to a few ulps of the data's scale.
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=2, max_size=50)


def _close(a, b, scale):
    """Agreement up to rounding relative to the data's scale (variance ~ scale**2)."""
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * scale**2 + 1e-300)


# --- against production implementations ------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(samples)
def test_ml_variance_matches_numpy_and_statistics(data):
    scale = max(1.0, max(abs(v) for v in data))
    got = sv.ml_variance(data)
    _close(got, np.var(data, ddof=0), scale)
    _close(got, statistics.pvariance(data), scale)


@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")  # scipy's own
@settings(max_examples=200, deadline=None)
@given(samples)
def test_unbiased_variance_matches_numpy_and_statistics(data):
    scale = max(1.0, max(abs(v) for v in data))
    got = sv.unbiased_variance(data)
    _close(got, np.var(data, ddof=1), scale)
    _close(got, statistics.variance(data), scale)
    _close(got, scipy.stats.tvar(data), scale)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=50))
def test_ml_mean_matches_numpy_and_statistics(data):
    scale = max(1.0, max(abs(v) for v in data))
    got = sv.ml_mean(data)
    np.testing.assert_allclose(got, np.mean(data), rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_allclose(got, statistics.fmean(data), rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("seed", range(5))
def test_ml_estimates_match_scipy_norm_fit(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(rng.uniform(-5, 5), rng.uniform(0.1, 4), size=rng.integers(2, 200))
    loc, scale = scipy.stats.norm.fit(x)  # scipy's Gaussian maximum-likelihood fit
    np.testing.assert_allclose(sv.ml_mean(x), loc, rtol=1e-12)
    np.testing.assert_allclose(sv.ml_variance(x), scale**2, rtol=1e-12)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_axis_matches_numpy(axis):
    x = np.random.default_rng(1).normal(3.0, 2.0, size=(3, 4, 5))
    np.testing.assert_allclose(sv.ml_mean(x, axis=axis), np.mean(x, axis=axis), rtol=1e-13)
    np.testing.assert_allclose(sv.ml_variance(x, axis=axis), np.var(x, axis=axis), rtol=1e-13)
    np.testing.assert_allclose(
        sv.unbiased_variance(x, axis=axis), np.var(x, axis=axis, ddof=1), rtol=1e-13
    )


def test_scalar_results_are_floats():
    assert isinstance(sv.ml_mean([1.0, 2.0]), float)
    assert isinstance(sv.ml_variance([1.0, 3.0]), float)
    assert isinstance(sv.unbiased_variance([1.0, 3.0]), float)
    assert sv.ml_variance([1.0, 3.0]) == 1.0
    assert sv.unbiased_variance([1.0, 3.0]) == 2.0


def test_known_mean_variance():
    x = np.random.default_rng(2).normal(size=(6, 9))
    # scalar known mean, pooled
    np.testing.assert_allclose(sv.ml_variance(x, mu=0.5), np.mean((x - 0.5) ** 2))
    # one known mean per row, observations along axis 1
    mu = np.linspace(-1, 1, 6)
    np.testing.assert_allclose(
        sv.ml_variance(x, axis=1, mu=mu), np.mean((x - mu[:, None]) ** 2, axis=1)
    )


def test_log_likelihood_matches_scipy_and_is_maximised_at_ml_estimates():
    rng = np.random.default_rng(3)
    x = rng.normal(1.0, 2.0, size=40)
    ll = sv.gaussian_log_likelihood(x, 0.3, 1.7)
    np.testing.assert_allclose(ll, scipy.stats.norm.logpdf(x, 0.3, np.sqrt(1.7)).sum(), rtol=1e-12)
    best = sv.gaussian_log_likelihood(x, sv.ml_mean(x), sv.ml_variance(x))
    for dmu, ds2 in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3), (0.1, 0.1)]:
        assert sv.gaussian_log_likelihood(x, sv.ml_mean(x) + dmu, sv.ml_variance(x) + ds2) < best


# --- invariants --------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    arrays(np.float64, st.integers(2, 30), elements=st.floats(-100, 100)),
    st.floats(-100, 100),
    st.floats(-10, 10),
)
def test_shift_and_scale(x, shift, scale):
    # Var[a x + b] = a^2 Var[x]: the estimators are shift invariant and scale quadratically.
    base = sv.ml_variance(x)
    np.testing.assert_allclose(sv.ml_variance(scale * x + shift), scale**2 * base,
                               rtol=1e-9, atol=1e-7 * (1 + scale**2))
    assert base >= 0
    n = x.size
    np.testing.assert_allclose(sv.unbiased_variance(x), n / (n - 1) * base, rtol=1e-12, atol=0)


def test_constant_data_has_zero_variance():
    assert sv.ml_variance(np.full(7, 3.25)) == 0.0
    assert sv.unbiased_variance(np.full(7, 3.25)) == 0.0


def test_two_pass_is_stable_for_large_mean():
    # One-pass E[x^2] - E[x]^2 loses every digit here; the two-pass form keeps them.
    x = 1e9 + np.array([4.0, 7.0, 13.0, 16.0])
    assert sv.ml_variance(x) == 22.5
    assert sv.unbiased_variance(x) == 30.0


# --- closed forms against exact expectations (sympy.stats) ------------------------------


@pytest.mark.parametrize("N", [2, 3, 4])
def test_expected_ml_variance_matches_sympy_stats(N):
    from sympy.stats import E, Normal

    mu = sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    xs = [Normal(f"x{n}", mu, sigma) for n in range(N)]
    mean = sum(xs) / N
    exact = sp.simplify(E(sp.expand(sum((x - mean) ** 2 for x in xs) / N)))
    assert sp.simplify(exact - sp.Rational(N - 1, N) * sigma**2) == 0
    np.testing.assert_allclose(sv.expected_ml_variance(2.5**2, N), float(exact.subs(sigma, 2.5)))


def test_closed_forms_values_and_broadcasting():
    N = np.arange(2, 7)
    np.testing.assert_allclose(sv.expected_ml_variance(4.0, N), (N - 1) / N * 4.0)
    np.testing.assert_allclose(sv.variance_of_ml_mean(4.0, N), 4.0 / N)
    np.testing.assert_allclose(sv.variance_of_unbiased_variance(4.0, N), 32.0 / (N - 1))
    np.testing.assert_allclose(sv.variance_of_ml_variance(4.0, N), 32.0 * (N - 1) / N**2)
    assert sv.expected_ml_variance(3.0, 1) == 0.0  # one point: the ML variance is always 0
    assert isinstance(sv.expected_ml_variance(3.0, 4), float)


@pytest.mark.parametrize("N", [2, 5, 10])
def test_variance_of_s2_matches_chi_square(N):
    # (N-1) s^2 / sigma^2 ~ chi^2_{N-1}, so Var[s^2] = sigma^4 Var[chi^2_{N-1}] / (N-1)^2.
    sigma2 = 1.7
    ref = sigma2**2 * scipy.stats.chi2(N - 1).var() / (N - 1) ** 2
    np.testing.assert_allclose(sv.variance_of_unbiased_variance(sigma2, N), ref, rtol=1e-12)


# --- Monte Carlo -------------------------------------------------------------------------

N_TRIALS = 100_000
Z = 4.0  # |mean - expectation| <= 4 standard errors: a false alarm has probability 6e-5


@pytest.mark.parametrize(("N", "sigma", "mu"), [(2, 1.0, 0.0), (5, 2.0, -3.0), (20, 0.5, 10.0)])
def test_monte_carlo_means_agree_with_closed_forms(N, sigma, mu):
    draws = sv.simulate_estimators(N, sigma, mu=mu, n_trials=N_TRIALS, rng=12345)
    assert draws.mu_ml.shape == draws.sigma2_ml.shape == draws.s2.shape == (N_TRIALS,)
    s2 = sigma**2
    # standard error of a mean of n_trials i.i.d. estimates = sqrt(Var[estimate] / n_trials),
    # with the exact Var from eqs. (sv-var-mu) and (sv-var-s2).
    se_mu = np.sqrt(sv.variance_of_ml_mean(s2, N) / N_TRIALS)
    se_ml = np.sqrt(sv.variance_of_ml_variance(s2, N) / N_TRIALS)
    se_s2 = np.sqrt(sv.variance_of_unbiased_variance(s2, N) / N_TRIALS)
    assert abs(draws.mu_ml.mean() - mu) < Z * se_mu
    assert abs(draws.sigma2_ml.mean() - sv.expected_ml_variance(s2, N)) < Z * se_ml
    assert abs(draws.s2.mean() - s2) < Z * se_s2
    # the bias itself is resolved: E[s2 - sigma2_ML] = sigma^2/N, exactly, in every trial
    np.testing.assert_allclose(draws.s2 - draws.sigma2_ml, draws.s2 / N, rtol=1e-12)


@pytest.mark.parametrize("N", [3, 10])
def test_monte_carlo_variances_agree_with_closed_forms(N):
    draws = sv.simulate_estimators(N, 1.5, n_trials=N_TRIALS, rng=7)
    for est, exact in [
        (draws.mu_ml, sv.variance_of_ml_mean(1.5**2, N)),
        (draws.s2, sv.variance_of_unbiased_variance(1.5**2, N)),
        (draws.sigma2_ml, sv.variance_of_ml_variance(1.5**2, N)),
    ]:
        # standard error of the sample variance, estimated from the draws themselves:
        # sd((est - mean)^2) / sqrt(n_trials)
        dev2 = (est - est.mean()) ** 2
        se = dev2.std(ddof=1) / np.sqrt(N_TRIALS)
        assert abs(est.var(ddof=1) - exact) < Z * se


def test_simulation_is_reproducible_and_accepts_generators():
    a = sv.simulate_estimators(4, 1.0, n_trials=50, rng=0)
    b = sv.simulate_estimators(4, 1.0, n_trials=50, rng=np.random.default_rng(0))
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    c = sv.simulate_estimators(4, 1.0, n_trials=50, rng=1)
    assert not np.array_equal(a.s2, c.s2)


def test_simulation_matches_direct_computation():
    x = np.random.default_rng(9).normal(2.0, 3.0, size=(30, 6))
    draws = sv.simulate_estimators(6, 3.0, mu=2.0, n_trials=30, rng=9)
    np.testing.assert_allclose(draws.mu_ml, x.mean(axis=1))
    np.testing.assert_allclose(draws.sigma2_ml, np.var(x, axis=1))
    np.testing.assert_allclose(draws.s2, np.var(x, axis=1, ddof=1))


# --- validation: every error once ----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: sv.ml_mean([]), ValueError, "x must have at least 1"),
        (lambda: sv.ml_mean([1.0, np.nan]), ValueError, "x must be finite"),
        (lambda: sv.ml_mean("abc"), TypeError, "x must be array-like"),
        (lambda: sv.ml_variance([]), ValueError, "x must have at least 1"),
        (lambda: sv.ml_variance([np.inf, 1.0]), ValueError, "x must be finite"),
        (lambda: sv.ml_variance(np.zeros((3, 0)), axis=1), ValueError, "x must have at least 1"),
        (lambda: sv.ml_variance([1.0, 2.0], mu=np.nan), ValueError, "mu must be finite"),
        (lambda: sv.unbiased_variance([1.0]), ValueError, "at least 2 observations"),
        (lambda: sv.unbiased_variance(np.ones((5, 1)), axis=1), ValueError, "got N = 1"),
        (lambda: sv.unbiased_variance([1.0, np.nan]), ValueError, "x must be finite"),
        (lambda: sv.expected_ml_variance(-1.0, 3), ValueError, "sigma2 must be >= 0"),
        (lambda: sv.expected_ml_variance(1.0, 0), ValueError, "N must be > 0"),
        (lambda: sv.expected_ml_variance(1.0, 2.5), TypeError, "N must be an integer"),
        (lambda: sv.expected_ml_variance(1.0, [2, 0]), ValueError, "N must be >= 1"),
        (lambda: sv.expected_ml_variance(1.0, [2, 2.5]), TypeError, "N must contain integers"),
        (lambda: sv.expected_ml_variance(np.nan, 2), ValueError, "sigma2 must be finite"),
        (lambda: sv.variance_of_unbiased_variance(1.0, 1), ValueError, "N must be >= 2"),
        (lambda: sv.variance_of_ml_variance(-2.0, 3), ValueError, "sigma2 must be >= 0"),
        (lambda: sv.variance_of_ml_mean(1.0, -3), ValueError, "N must be > 0"),
        (lambda: sv.gaussian_log_likelihood([1.0], 0.0, 0.0), ValueError, "sigma2 must be > 0"),
        (lambda: sv.gaussian_log_likelihood([[1.0]], 0.0, 1.0), ValueError, "x must be 1-D"),
        (lambda: sv.gaussian_log_likelihood([1.0], [0.0], 1.0), ValueError, "mu must be 0-D"),
        (lambda: sv.simulate_estimators(1, 1.0), ValueError, "N must be >= 2"),
        (lambda: sv.simulate_estimators(5, -1.0), ValueError, "sigma must be >= 0"),
        (lambda: sv.simulate_estimators(5, 1.0, mu=np.inf), ValueError, "mu must be finite"),
        (lambda: sv.simulate_estimators(5, 1.0, n_trials=0), ValueError, "n_trials must be > 0"),
        (lambda: sv.simulate_estimators(5, 1.0, rng="seed"), TypeError, "rng must be"),
        (lambda: sv.simulate_estimators(5, 1.0, rng=-1), ValueError, "rng seed"),
    ],
)
def test_validation_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_bad_axis():
    with pytest.raises(ValueError, match=r"axis must be in \[-2, 2\)"):
        sv.ml_variance(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis must be an integer"):
        sv.unbiased_variance(np.ones((2, 3)), axis=1.0)


# --------------------------------------------------------------------------- issue 10
def test_mis_shaped_mu_is_a_value_error_naming_mu_and_the_shape():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"mu must be a scalar or an array of shape \(4,\)"):
        sv.ml_variance(x, axis=1, mu=np.zeros(5))
    with pytest.raises(ValueError, match=r"mu must be .* got an array of shape \(2,\)"):
        sv.ml_variance(x, mu=np.zeros(2))
    with pytest.raises(TypeError, match="axis must be an integer"):
        sv.ml_mean(x, axis="0")
    with pytest.raises(ValueError, match="axis must be in"):
        sv.ml_mean(x, axis=2)


def test_mean_and_variance_of_huge_data_do_not_overflow():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    s = 2.0**1020  # x * s: the sum and the squares overflow, the mean does not
    assert sv.ml_mean(x * s) == 3.5 * s
    # the variance (6.25 * 2**2040) is not representable: an error, not inf
    from derivlib import NumericalError
    with pytest.raises(NumericalError, match="variance"):
        sv.ml_variance(x * s)
    # 2**500: the squares are near the limit; the exact scaled answer
    assert sv.ml_variance(x * 2.0**500) == np.var(x) * 2.0**1000


# --------------------------------------------------------------------------- review of issue 10
def _exact_var(values) -> float:
    """Population variance of the given floats in exact rational arithmetic."""
    v = [Fraction(float(a)) for a in values]
    m = sum(v) / len(v)
    return float(sum((a - m) ** 2 for a in v) / len(v))


def test_slices_of_very_different_sizes_are_each_right():
    # one scale for all slices scaled the small row to zero: mean and variance came out 0
    x = np.array([[1e150, -1e150], [1e-150, 3e-150]])
    np.testing.assert_allclose(sv.ml_variance(x, axis=1), [_exact_var(r) for r in x],
                               rtol=1e-15)
    np.testing.assert_allclose(sv.ml_variance(x.T, axis=0), [_exact_var(r) for r in x],
                               rtol=1e-15)
    np.testing.assert_allclose(sv.unbiased_variance(x, axis=1),
                               [2 * _exact_var(r) for r in x], rtol=1e-15)
    exact_means = [float(sum(Fraction(float(a)) for a in r) / 2) for r in x]
    np.testing.assert_allclose(sv.ml_mean(x, axis=1), exact_means, rtol=1e-15)
    # a known mean per slice, of the slice's own size
    mu = np.array([0.0, 2e-150])
    expected = [float(sum((Fraction(float(a)) - Fraction(float(m))) ** 2 for a in r) / 2)
                for r, m in zip(x, mu, strict=True)]
    np.testing.assert_allclose(sv.ml_variance(x, axis=1, mu=mu), expected, rtol=1e-15)


@pytest.mark.parametrize("axis", [0, 1])
def test_variance_keeps_its_digits_when_the_mean_dwarfs_the_spread(axis):
    # |mu| / sigma = 1e12: the plain two-pass form (and numpy.var) is 1e-6 off, because the
    # rounding error delta of the mean adds delta^2; the corrected two-pass form is not
    rng = np.random.default_rng(12)
    x = rng.normal(1e12, 1.0, size=(3000, 2) if axis == 0 else (2, 3000))
    slices = x.T if axis == 0 else x
    np.testing.assert_allclose(sv.ml_variance(x, axis=axis),
                               [_exact_var(s) for s in slices], rtol=1e-14)


def test_unbiased_variance_beyond_float64_is_an_error_not_inf():
    from derivlib import NumericalError
    # sigma2_ML = 1e308 fits, s^2 = 2e308 does not
    with pytest.raises(NumericalError, match="unbiased variance"):
        sv.unbiased_variance([-1e154, 1e154])
    assert sv.unbiased_variance([-1e153, 1e153]) == pytest.approx(2e306, rel=1e-15, abs=0)


def test_closed_forms_for_large_counts_and_variances():
    def frac(n, d):
        return float(Fraction(n) / Fraction(d))

    # N**2 wrapped around in int64 for N > 3e9: 2.6e-9 instead of 2e-10
    assert sv.variance_of_ml_variance(1.0, 10**10) == pytest.approx(
        frac(2 * (10**10 - 1), 10**20), rel=1e-15, abs=0)
    # counts beyond int64: a raw NumPy TypeError ("ufunc 'isfinite' not supported")
    assert sv.variance_of_ml_mean(1.0, 2**70) == pytest.approx(frac(1, 2**70), rel=1e-15, abs=0)
    assert sv.expected_ml_variance(2.0, 2**70) == pytest.approx(2.0, rel=1e-15, abs=0)
    # sigma^4 overflowed to inf although the result is representable
    assert sv.variance_of_unbiased_variance(1e160, 10**20) == pytest.approx(
        frac(2 * Fraction(1e160) ** 2, 10**20 - 1), rel=1e-15, abs=0)
    assert sv.variance_of_ml_variance(1e200, 10**300) == pytest.approx(
        frac(2 * (10**300 - 1) * Fraction(1e200) ** 2, 10**600), rel=1e-15, abs=0)
    # N**2 overflowed to inf and the result came out 0
    np.testing.assert_allclose(sv.variance_of_ml_variance(1.0, np.array([1e300])),
                               [frac(2 * (Fraction(1e300) - 1), Fraction(1e300) ** 2)],
                               rtol=1e-15)
    from derivlib import NumericalError
    with pytest.raises(NumericalError, match="Var"):  # 2e320 is not a float64
        sv.variance_of_unbiased_variance(1e160, 2)


def test_closed_forms_refuse_shapes_that_do_not_broadcast_and_boolean_counts():
    with pytest.raises(ValueError, match=r"sigma2, N must broadcast.*sigma2 \(3,\), N \(2,\)"):
        sv.expected_ml_variance(np.ones(3), np.array([2, 3]))
    with pytest.raises(TypeError, match="N must contain integers"):
        sv.expected_ml_variance(1.0, np.array([True, True]))


def test_log_likelihood_far_from_the_mean_is_finite_or_an_error():
    x = np.array([1e160, -1e160])
    # sum r^2 = 2e320 overflowed: -inf where the answer is about -1e220
    expected = float(np.sum(scipy.stats.norm.logpdf(x, 0.0, 1e50)))
    assert sv.gaussian_log_likelihood(x, 0.0, 1e100) == pytest.approx(expected, rel=1e-14, abs=0)
    from derivlib import NumericalError
    with pytest.raises(NumericalError, match="log-likelihood"):  # -5e309
        sv.gaussian_log_likelihood(np.array([1.0]), 0.0, 1e-310)
    # sigma2 given as a 0-d array, as mu may be
    assert sv.gaussian_log_likelihood(np.ones(3), np.array(0.0), np.array(1.5)) == \
        pytest.approx(float(np.sum(scipy.stats.norm.logpdf(np.ones(3), 0.0, np.sqrt(1.5)))),
                      rel=1e-14, abs=0)


def test_simulation_near_the_float64_limit():
    # x.mean(axis=1) overflowed to inf for mu = 1e308 (the draws are all 1e308 exactly)
    draws = sv.simulate_estimators(4, 1.0, mu=1e308, n_trials=3, rng=0)
    np.testing.assert_array_equal(draws.mu_ml, np.full(3, 1e308))
    np.testing.assert_array_equal(draws.s2, np.zeros(3))


# --------------------------------------------------------------------------- any kurtosis
# Exact references: the moments of s^2 = S/(N-1) and of S/d are polynomials in the x_n; their
# expectations are sums of products of the moments E[x^a] of ONE observation, which
# sympy.stats integrates exactly for each distribution. Nothing here uses the closed forms.
_SIGMA = sp.Rational(13, 10)


def _one_observation(name: str):
    """A sympy.stats variable with variance _SIGMA**2 (mean irrelevant: S is shift invariant)."""
    from sympy.stats import Exponential, Laplace, Normal

    return {"gaussian": lambda: Normal("u", 0, _SIGMA),
            "laplace": lambda: Laplace("u", 0, _SIGMA / sp.sqrt(2)),
            "exponential": lambda: Exponential("u", 1 / _SIGMA)}[name]()


def _exact_expectation(poly, xs, name: str):
    """E[poly(x_1..x_N)] for i.i.d. x_n, monomial by monomial from sympy.stats moments."""
    from sympy.stats import E

    u = _one_observation(name)
    moments: dict[int, sp.Expr] = {}

    def moment(a: int):
        if a not in moments:
            moments[a] = sp.simplify(E(u**a))
        return moments[a]

    total = sp.Integer(0)
    for monom, coeff in sp.Poly(sp.expand(poly), *xs).terms():
        term = coeff
        for a in monom:
            term *= moment(a)
        total += term
    return sp.nsimplify(sp.simplify(total))


def _sum_of_squares(N):
    xs = sp.symbols(f"x1:{N + 1}", real=True)
    mean = sum(xs) / N
    return xs, sum((x - mean) ** 2 for x in xs)


@pytest.mark.parametrize("name", ["gaussian", "laplace", "exponential"])
def test_excess_kurtosis_matches_scipy_and_sympy_stats(name):
    from sympy.stats import kurtosis

    ref = {"gaussian": scipy.stats.norm, "laplace": scipy.stats.laplace,
           "exponential": scipy.stats.expon}[name]
    assert sv.excess_kurtosis(name) == float(ref.stats(moments="k"))
    assert sv.excess_kurtosis(name) == float(sp.simplify(kurtosis(_one_observation(name)) - 3))


@pytest.mark.parametrize("name", ["gaussian", "laplace", "exponential"])
@pytest.mark.parametrize("N", [2, 3, 5])
def test_variance_of_s2_for_any_kurtosis_matches_exact_expectations(name, N):
    xs, S = _sum_of_squares(N)
    s2 = S / (N - 1)
    exact_var = _exact_expectation(s2**2, xs, name) - _exact_expectation(s2, xs, name) ** 2
    sigma2, kappa = float(_SIGMA**2), sv.excess_kurtosis(name)
    np.testing.assert_allclose(sv.variance_of_unbiased_variance(sigma2, N, kappa),
                               float(exact_var), rtol=1e-13)
    np.testing.assert_allclose(sv.variance_of_ml_variance(sigma2, N, kappa),
                               float(exact_var * sp.Rational(N - 1, N) ** 2), rtol=1e-13)
    assert _exact_expectation(s2, xs, name) == _SIGMA**2  # unbiased whatever the kurtosis


@pytest.mark.parametrize("name", ["gaussian", "laplace", "exponential"])
def test_mse_and_optimal_divisor_match_exact_minimisation(name):
    N = 4
    xs, S = _sum_of_squares(N)
    c = sp.Symbol("c", positive=True)
    s2 = _SIGMA**2
    mse = sp.expand(c**2 * _exact_expectation(S**2, xs, name)
                    - 2 * c * s2 * _exact_expectation(S, xs, name) + s2**2)
    (c_star,) = sp.solve(sp.diff(mse, c), c)
    kappa = sv.excess_kurtosis(name)
    np.testing.assert_allclose(sv.mse_optimal_divisor(N, kappa), float(1 / c_star), rtol=1e-14)
    for d in (N - 1, N, N + 1, float(1 / c_star), 9.5):
        np.testing.assert_allclose(sv.variance_estimator_mse(float(s2), N, d, kappa),
                                   float(mse.subs(c, sp.nsimplify(1 / sp.Float(d, 30)))),
                                   rtol=1e-12)


def test_optimal_divisor_is_n_plus_1_for_gaussian_data_and_grows_with_the_kurtosis():
    N = np.arange(2, 30)
    np.testing.assert_array_equal(sv.mse_optimal_divisor(N), N + 1)
    assert np.all(np.diff(sv.mse_optimal_divisor(10, np.array([-1.2, 0.0, 3.0, 6.0]))) > 0)
    # the MSE at d* is below that at N - 1, N and N + 1 for every kurtosis
    for kappa in (-1.2, 0.0, 3.0, 6.0):
        best = sv.variance_estimator_mse(1.0, 10, sv.mse_optimal_divisor(10, kappa), kappa)
        for d in (9, 10, 11):
            assert best <= sv.variance_estimator_mse(1.0, 10, d, kappa) + 1e-15


@pytest.mark.parametrize("name", ["gaussian", "laplace", "exponential"])
def test_monte_carlo_agrees_for_every_distribution(name):
    N, sigma, n = 5, 1.5, 200_000
    draws = sv.simulate_estimators(N, sigma, mu=-2.0, n_trials=n, rng=2024, distribution=name)
    kappa = sv.excess_kurtosis(name)
    s2 = sigma**2
    # unbiasedness of s^2 and the bias of the ML variance hold for every distribution
    assert abs(draws.mu_ml.mean() + 2.0) < Z * np.sqrt(sv.variance_of_ml_mean(s2, N) / n)
    se_s2 = np.sqrt(sv.variance_of_unbiased_variance(s2, N, kappa) / n)
    assert abs(draws.s2.mean() - s2) < Z * se_s2
    # Var[s^2]: standard error of a sample variance, from the draws themselves
    dev2 = (draws.s2 - draws.s2.mean()) ** 2
    assert abs(dev2.mean() - sv.variance_of_unbiased_variance(s2, N, kappa)) < \
        Z * dev2.std(ddof=1) / np.sqrt(n)
    # the MSE of S/d at three divisors
    S = draws.s2 * (N - 1)
    for d in (N - 1, N, sv.mse_optimal_divisor(N, kappa)):
        err2 = (S / d - s2) ** 2
        assert abs(err2.mean() - sv.variance_estimator_mse(s2, N, d, kappa)) < \
            Z * err2.std(ddof=1) / np.sqrt(n)


def test_the_gaussian_draws_are_unchanged_by_the_distribution_option():
    a = sv.simulate_estimators(4, 1.0, n_trials=20, rng=3)
    b = sv.simulate_estimators(4, 1.0, n_trials=20, rng=3, distribution="gaussian")
    np.testing.assert_array_equal(a.s2, b.s2)
    c = sv.simulate_estimators(4, 1.0, n_trials=20, rng=3, distribution="laplace")
    assert not np.array_equal(a.s2, c.s2)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: sv.variance_of_unbiased_variance(1.0, 5, -2.5), ValueError,
         "excess_kurtosis must be >= -2"),
        (lambda: sv.variance_of_ml_variance(1.0, 5, np.nan), ValueError,
         "excess_kurtosis must be finite"),
        (lambda: sv.mse_optimal_divisor(1), ValueError, "N must be >= 2"),
        (lambda: sv.mse_optimal_divisor(5, -3.0), ValueError, "excess_kurtosis must be >= -2"),
        (lambda: sv.variance_estimator_mse(1.0, 5, 0.0), ValueError, "divisor must be > 0"),
        (lambda: sv.variance_estimator_mse(1.0, np.array([5, 6]), np.ones(3)), ValueError,
         "must broadcast"),
        (lambda: sv.excess_kurtosis("cauchy"), ValueError, "distribution"),
        (lambda: sv.simulate_estimators(5, 1.0, distribution="uniform"), ValueError,
         "distribution"),
    ],
)
def test_kurtosis_validation_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
