r"""Why the maximum-likelihood variance is biased.

Code of the chapter ``chapters/foundations/sample_variance.ipynb``; tested in
``tests/foundations/test_sample_variance.py``. Every function mirrors one labelled
equation of the chapter (the label is given in its Notes), after Bishop (2006),
*Pattern Recognition and Machine Learning*, section 1.2.4, eqs. (1.54)-(1.59).

Symbols
-------
==================================  ========================  ====================================
book                                code                      meaning
==================================  ========================  ====================================
:math:`x_n`                         ``x[n - 1]``              :math:`n`-th observation, i.i.d.
                                                              :math:`\mathcal{N}(\mu, \sigma^2)`
                                                              (or another ``distribution``)
:math:`N`                           ``N``                     observations in one data set
:math:`\mu`                         ``mu``                    true mean
:math:`\sigma`                      ``sigma``                 true standard deviation
:math:`\sigma^2`                    ``sigma2``                true variance
:math:`\hat\mu_{\text{ML}}`         ``ml_mean(x)``            ML mean, eq. (sv-mu-ml)
:math:`\hat\sigma^2_{\text{ML}}`    ``ml_variance(x)``        ML variance, eq. (sv-var-ml)
:math:`s^2`                         ``unbiased_variance(x)``  Bessel-corrected variance,
                                                              eq. (sv-s2)
:math:`\gamma_2`                    ``excess_kurtosis``       excess kurtosis,
                                                              :math:`E[(x-\mu)^4]/\sigma^4 - 3`
:math:`d`                           ``divisor``               divisor of the sum of squares
==================================  ========================  ====================================

Results of the chapter implemented here:

* eq. (sv-bias): :math:`E[\hat\sigma^2_{\text{ML}}] = \frac{N-1}{N}\sigma^2`;
* eq. (sv-var-mu): :math:`\operatorname{Var}[\hat\mu_{\text{ML}}] = \sigma^2 / N`;
* eq. (sv-var-s2): :math:`\operatorname{Var}[s^2] = 2\sigma^4/(N-1)` for Gaussian data,
  hence :math:`\operatorname{Var}[\hat\sigma^2_{\text{ML}}] = 2(N-1)\sigma^4/N^2`;
* eq. (sv-var-s2-kurt): for any distribution with excess kurtosis :math:`\gamma_2`,
  :math:`\operatorname{Var}[s^2] = \sigma^4(\gamma_2/N + 2/(N-1))`;
* eqs. (sv-mse-d), (sv-optimal-divisor): the mean squared error of
  :math:`\frac1d\sum_n (x_n - \hat\mu_{\text{ML}})^2` and its best divisor
  :math:`d^\star = N + 1 + \gamma_2(N-1)/N` (:math:`N + 1` for Gaussian data).

The bias (sv-bias) needs only the first two moments and uncorrelated observations; the
variances and mean squared errors need the fourth moment, through :math:`\gamma_2`.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from derivlib._validation import (
    as_array,
    as_generator,
    check_broadcast,
    check_choice,
    check_finite_result,
    check_positive,
)

__all__ = [
    "EstimatorDraws",
    "excess_kurtosis",
    "expected_ml_variance",
    "gaussian_log_likelihood",
    "ml_mean",
    "ml_variance",
    "mse_optimal_divisor",
    "simulate_estimators",
    "unbiased_variance",
    "variance_estimator_mse",
    "variance_of_ml_mean",
    "variance_of_ml_variance",
    "variance_of_unbiased_variance",
]


class EstimatorDraws(NamedTuple):
    """The three estimates computed on each of ``n_trials`` simulated data sets.

    Attributes
    ----------
    mu_ml : ndarray, shape (n_trials,)
        Maximum-likelihood means, eq. (sv-mu-ml).
    sigma2_ml : ndarray, shape (n_trials,)
        Maximum-likelihood variances, eq. (sv-var-ml).
    s2 : ndarray, shape (n_trials,)
        Unbiased (Bessel-corrected) variances, eq. (sv-s2).
    """

    mu_ml: np.ndarray
    sigma2_ml: np.ndarray
    s2: np.ndarray


def _n_observations(x: np.ndarray, axis) -> int:
    """Number of observations that one estimate averages over."""
    if axis is None:
        return int(x.size)
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        raise TypeError(f"axis must be an integer or None, got {axis!r}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"axis must be in [-{x.ndim}, {x.ndim}) for x of shape {x.shape}, got {axis}"
        )
    return int(x.shape[axis])


def _exponent(a, axis=None) -> np.ndarray:
    """Binary exponent of ``max|a|`` (0 for zeros): ``a / 2**e`` has entries below 1.

    With an ``axis``, one exponent per slice along it (``axis`` kept, of length 1): a single
    exponent for all slices would scale a slice of small numbers into the subnormal range
    or to zero when another slice holds large ones.
    """
    big = np.max(np.abs(a), axis=axis, keepdims=axis is not None, initial=0.0)
    return np.frexp(big)[1]


def _squeeze(e: np.ndarray, axis) -> np.ndarray:
    """The per-slice exponents of :func:`_exponent` in the result's shape."""
    return e if axis is None else np.squeeze(e, axis=axis)


def _check_mu(mu, x: np.ndarray, axis) -> np.ndarray:
    """A known mean: a scalar, or an array of the result's shape or of x's with axis kept."""
    centre = as_array(mu, "mu")
    kept = (1,) * x.ndim if axis is None else tuple(
        1 if k == axis % x.ndim else n for k, n in enumerate(x.shape))
    result = () if axis is None else tuple(n for k, n in enumerate(x.shape)
                                           if k != axis % x.ndim)
    if axis is not None and centre.ndim == x.ndim - 1 and x.ndim > 0:
        centre = np.expand_dims(centre, axis)
    try:
        fits = np.broadcast_shapes(centre.shape, kept) == kept
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"mu must be a scalar or an array of shape {result} (the result) or "
                         f"{kept} (x's shape with axis {axis} of length 1), got an array of "
                         f"shape {np.shape(mu)}")
    return centre


def _check_N(N, name: str = "N", *, minimum: int = 1) -> int:
    if isinstance(N, numbers.Integral) and not isinstance(N, bool | np.bool_):
        N = int(N)  # any size: check_positive's isfinite fails on ints beyond int64
        if N <= 0:
            raise ValueError(f"{name} must be > 0, got {N!r}")
    else:
        N = int(check_positive(N, name, integer=True))
    if N < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {N}")
    return N


def ml_mean(x, axis=None):
    r"""Maximum-likelihood estimate of a Gaussian mean: the sample mean.

    Parameters
    ----------
    x : array_like
        Observations; non-empty and finite. Any shape.
    axis : int, optional
        Axis along which the observations lie. ``None`` (default) pools all entries.

    Returns
    -------
    mu_ml : float or ndarray
        A float if ``axis`` is None, else an array with ``axis`` removed.

    Raises
    ------
    ValueError
        If ``x`` is empty or contains NaN or infinity.

    Notes
    -----
    Eq. (sv-mu-ml), Bishop (2006) eq. (1.55):

    .. math:: \hat\mu_{\text{ML}} = \frac{1}{N}\sum_{n=1}^N x_n .

    It is unbiased, :math:`E[\hat\mu_{\text{ML}}] = \mu` (exercise sv-ex-mean).
    """
    x = as_array(x, "x")
    _n_observations(x, axis)
    e = _exponent(x, axis)  # averaged as x / 2**e (exact), so that the sum cannot overflow
    # mu_ML = (1/N) sum_n x_n                                            (sv-mu-ml)
    return np.ldexp(np.ldexp(x, -e).mean(axis=axis), _squeeze(e, axis))[()]


def ml_variance(x, axis=None, *, mu=None):
    r"""Maximum-likelihood estimate of a Gaussian variance (divides by :math:`N`).

    Parameters
    ----------
    x : array_like
        Observations; non-empty and finite. Any shape.
    axis : int, optional
        Axis along which the observations lie. ``None`` (default) pools all entries.
    mu : float or array_like, optional
        The mean, if it is *known*. By default the mean is estimated by
        :func:`ml_mean`, which is what makes the estimator biased.
        Must broadcast against ``x`` with ``axis`` kept (shape 1 along ``axis``)
        or against the result.

    Returns
    -------
    sigma2_ml : float or ndarray
        A float if ``axis`` is None, else an array with ``axis`` removed.

    Raises
    ------
    ValueError
        If ``x`` is empty or ``x`` or ``mu`` contain NaN or infinity.

    Notes
    -----
    Eq. (sv-var-ml), Bishop (2006) eq. (1.56):

    .. math:: \hat\sigma^2_{\text{ML}} = \frac{1}{N}\sum_{n=1}^N (x_n - \hat\mu_{\text{ML}})^2 ,

    computed in two passes (mean first, then squared deviations), which is the
    numerically stable form; the one-pass :math:`\overline{x^2} - \bar{x}^2`
    cancels catastrophically when :math:`|\mu| \gg \sigma`. The rounding error
    :math:`\delta` of the computed mean would still add :math:`\delta^2`, so the corrected
    two-pass form subtracts :math:`(\sum_n d_n)^2/N` from :math:`\sum_n d_n^2`
    (:math:`d_n` the deviations from the computed mean). Its expectation is
    eq. (sv-bias), :math:`E[\hat\sigma^2_{\text{ML}}] = \frac{N-1}{N}\sigma^2`. With a known
    ``mu`` it is unbiased: :math:`E[\frac1N\sum_n (x_n-\mu)^2] = \sigma^2`.
    """
    x = as_array(x, "x")
    N = _n_observations(x, axis)
    centre = None if mu is None else _check_mu(mu, x, axis)
    # x / 2**e and mu / 2**e are exact, one e per slice: the squares cannot overflow before
    # the average does, and a slice of small numbers is not scaled away by another's size
    e = _exponent(x, axis)
    if centre is not None:
        e = np.maximum(e, _exponent(centre) if axis is None else np.frexp(np.abs(centre))[1])
    x = np.ldexp(x, -e)
    centre = x.mean(axis=axis, keepdims=True) if centre is None else np.ldexp(centre, -e)
    # sigma2_ML = (1/N) sum_n (x_n - mu_ML)^2                             (sv-var-ml)
    deviations = x - centre
    squares = np.sum(deviations * deviations, axis=axis)
    if mu is None:
        # corrected two-pass (Chan, Golub & LeVeque 1983): the rounded mean is off by
        # delta = mean(deviations), which adds N delta^2 to the sum of squares; subtract it
        # (otherwise |mu| / sigma = 1e12 costs about 6 of the 16 digits)
        drift = np.sum(deviations, axis=axis)
        squares = np.maximum(squares - drift * drift / N, 0.0)
    with np.errstate(over="ignore"):  # an overflow is reported just below
        sigma2 = np.ldexp(squares / N, 2 * _squeeze(e, axis))[()]
    check_finite_result(sigma2, "the variance", "it exceeds float64 (about 1.8e308); rescale x")
    return sigma2


def unbiased_variance(x, axis=None):
    r"""Unbiased (Bessel-corrected) variance estimate :math:`s^2` (divides by :math:`N-1`).

    Parameters
    ----------
    x : array_like
        Observations; finite, at least two along ``axis``. Any shape.
    axis : int, optional
        Axis along which the observations lie. ``None`` (default) pools all entries.

    Returns
    -------
    s2 : float or ndarray
        A float if ``axis`` is None, else an array with ``axis`` removed.

    Raises
    ------
    ValueError
        If there are fewer than two observations (:math:`N < 2`), or ``x`` contains
        NaN or infinity.

    Notes
    -----
    Eq. (sv-s2), Bishop (2006) eq. (1.59):

    .. math:: s^2 = \frac{N}{N-1}\,\hat\sigma^2_{\text{ML}}
              = \frac{1}{N-1}\sum_{n=1}^N (x_n - \hat\mu_{\text{ML}})^2 ,

    so that :math:`E[s^2] = \sigma^2` by eq. (sv-bias).
    """
    x = as_array(x, "x")
    N = _n_observations(x, axis)
    if N < 2:
        raise ValueError(
            f"x must have at least 2 observations along axis {axis} for the unbiased "
            f"variance (N - 1 > 0), got N = {N}"
        )
    # s^2 = N/(N-1) sigma2_ML                                             (sv-s2)
    with np.errstate(over="ignore"):  # sigma2_ML < 1.8e308 <= s^2 is reported just below
        s2 = ml_variance(x, axis=axis) * (N / (N - 1))
    check_finite_result(s2, "the unbiased variance", "it exceeds float64 (about 1.8e308); "
                        "rescale x")
    return s2


def expected_ml_variance(sigma2, N):
    r"""Closed-form expectation of the maximum-likelihood variance.

    Parameters
    ----------
    sigma2 : float or array_like
        True variance :math:`\sigma^2 \ge 0`.
    N : int or array_like of int
        Number of observations, :math:`N \ge 1`. Broadcasts against ``sigma2``.

    Returns
    -------
    float or ndarray
        :math:`E[\hat\sigma^2_{\text{ML}}]`.

    Raises
    ------
    ValueError
        If ``sigma2`` is negative or not finite, or ``N < 1``.

    Notes
    -----
    Eq. (sv-bias), Bishop (2006) eq. (1.58); holds for any distribution with
    variance :math:`\sigma^2`, not only the Gaussian:

    .. math:: E[\hat\sigma^2_{\text{ML}}] = \frac{N-1}{N}\,\sigma^2 .
    """
    sigma2, N = _check_sigma2_N(sigma2, N)
    # E[sigma2_ML] = (N-1)/N sigma^2                                      (sv-bias)
    return ((N - 1) / N * sigma2)[()]


def variance_of_ml_mean(sigma2, N):
    r"""Variance of the maximum-likelihood mean over data sets of size :math:`N`.

    Parameters
    ----------
    sigma2 : float or array_like
        True variance :math:`\sigma^2 \ge 0`.
    N : int or array_like of int
        Number of observations, :math:`N \ge 1`.

    Returns
    -------
    float or ndarray
        :math:`\operatorname{Var}[\hat\mu_{\text{ML}}]`.

    Notes
    -----
    Eq. (sv-var-mu) (exercise sv-ex-varmean); any distribution with variance
    :math:`\sigma^2`:

    .. math:: \operatorname{Var}[\hat\mu_{\text{ML}}] = \frac{\sigma^2}{N} .
    """
    sigma2, N = _check_sigma2_N(sigma2, N)
    # Var[mu_ML] = sigma^2 / N                                            (sv-var-mu)
    return (sigma2 / N)[()]


def variance_of_unbiased_variance(sigma2, N, excess_kurtosis=0.0):
    r"""Variance of :math:`s^2` over data sets of size :math:`N`, for any kurtosis.

    Parameters
    ----------
    sigma2 : float or array_like
        True variance :math:`\sigma^2 \ge 0`.
    N : int or array_like of int
        Number of observations, :math:`N \ge 2`.
    excess_kurtosis : float or array_like, default 0.0
        :math:`\gamma_2 = \mathbb{E}[(x - \mu)^4]/\sigma^4 - 3 \ge -2` of the data's
        distribution: 0 for the Gaussian (the default), 3 for the Laplace, 6 for the
        exponential (see :func:`excess_kurtosis`). Broadcasts against ``sigma2`` and ``N``.

    Returns
    -------
    float or ndarray
        :math:`\operatorname{Var}[s^2]`.

    Raises
    ------
    ValueError
        If ``sigma2`` is negative, ``N < 2`` or ``excess_kurtosis < -2``.

    Notes
    -----
    Eq. (sv-var-s2-kurt), Casella & Berger (2002), exercise 5.8(b), for i.i.d. data with
    a finite fourth moment:

    .. math:: \operatorname{Var}[s^2] = \sigma^4\Bigl(\frac{\gamma_2}{N} + \frac{2}{N-1}\Bigr) .

    With :math:`\gamma_2 = 0` it is the Gaussian eq. (sv-var-s2), :math:`2\sigma^4/(N-1)`.
    Computed as :math:`\sigma^2\,(\sigma^2 f)` with :math:`f` the bracket, so that
    :math:`\sigma^4` is never formed (it overflows for :math:`\sigma^2 > 10^{154}` where
    the result need not).
    """
    sigma2, N, gamma2 = _check_sigma2_N_kurtosis(sigma2, N, excess_kurtosis)
    # Var[s^2] = sigma^4 (gamma2/N + 2/(N-1))                          (sv-var-s2-kurt)
    with np.errstate(over="ignore"):
        var = sigma2 * (sigma2 * (gamma2 / N + 2.0 / (N - 1)))
    return _finite_moment(np.asarray(var), "Var[s^2]")


def variance_of_ml_variance(sigma2, N, excess_kurtosis=0.0):
    r"""Variance of :math:`\hat\sigma^2_{\text{ML}}` over data sets of size :math:`N`.

    Parameters
    ----------
    sigma2 : float or array_like
        True variance :math:`\sigma^2 \ge 0`.
    N : int or array_like of int
        Number of observations, :math:`N \ge 2`.
    excess_kurtosis : float or array_like, default 0.0
        :math:`\gamma_2 \ge -2` of the data's distribution (0 for the Gaussian).

    Returns
    -------
    float or ndarray
        :math:`\operatorname{Var}[\hat\sigma^2_{\text{ML}}]`.

    Raises
    ------
    ValueError
        As :func:`variance_of_unbiased_variance`.

    Notes
    -----
    From eq. (sv-var-s2-kurt) and :math:`\hat\sigma^2_{\text{ML}} = \frac{N-1}{N}s^2`:

    .. math:: \operatorname{Var}[\hat\sigma^2_{\text{ML}}]
              = \frac{(N-1)^2}{N^2}\,\sigma^4\Bigl(\frac{\gamma_2}{N} + \frac{2}{N-1}\Bigr)
              = \frac{(N-1)\sigma^4}{N^2}\Bigl(\frac{(N-1)\gamma_2}{N} + 2\Bigr),

    for the Gaussian (:math:`\gamma_2 = 0`) :math:`2(N-1)\sigma^4/N^2`, eq. (sv-var-s2).
    """
    sigma2, N, gamma2 = _check_sigma2_N_kurtosis(sigma2, N, excess_kurtosis)
    # Var[sigma2_ML] = ((N-1)/N)^2 Var[s^2]                           (sv-var-s2-kurt)
    # as sigma^2 (sigma^2/N) ((N-1)/N) (gamma2 (N-1)/N + 2): neither sigma^4 nor N^2 is formed
    with np.errstate(over="ignore"):
        ratio = (N - 1) / N
        var = sigma2 * (sigma2 / N) * ratio * (gamma2 * ratio + 2.0)
    return _finite_moment(np.asarray(var), "Var[sigma2_ML]")


def variance_estimator_mse(sigma2, N, divisor, excess_kurtosis=0.0):
    r"""Mean squared error of the variance estimator :math:`\frac{1}{d}\sum_n (x_n - \bar x)^2`.

    Parameters
    ----------
    sigma2 : float or array_like
        True variance :math:`\sigma^2 \ge 0`.
    N : int or array_like of int
        Number of observations, :math:`N \ge 2`.
    divisor : float or array_like
        The divisor :math:`d > 0`: :math:`N` for :math:`\hat\sigma^2_{\text{ML}}`,
        :math:`N - 1` for :math:`s^2`, :func:`mse_optimal_divisor` for the best one.
    excess_kurtosis : float or array_like, default 0.0
        :math:`\gamma_2 \ge -2` of the data's distribution (0 for the Gaussian).

    Returns
    -------
    float or ndarray
        :math:`\mathbb{E}[(S/d - \sigma^2)^2]` with :math:`S = \sum_n (x_n - \bar x)^2`.

    Raises
    ------
    ValueError
        As :func:`variance_of_unbiased_variance`, or if ``divisor <= 0``.

    Notes
    -----
    Eq. (sv-mse-d): variance plus squared bias, with :math:`\mathbb{E}[S] = (N-1)\sigma^2`
    (eq. sv-bias) and :math:`\operatorname{Var}[S] = (N-1)^2\operatorname{Var}[s^2]`
    (eq. sv-var-s2-kurt):

    .. math:: \operatorname{MSE}(d) = \frac{(N-1)^2\sigma^4}{d^2}
              \Bigl(\frac{\gamma_2}{N} + \frac{2}{N-1}\Bigr)
              + \Bigl(\frac{N-1}{d} - 1\Bigr)^2\sigma^4 .
    """
    sigma2, N, gamma2 = _check_sigma2_N_kurtosis(sigma2, N, excess_kurtosis)
    d = as_array(divisor, "divisor")
    if np.any(d <= 0):
        raise ValueError(f"divisor must be > 0, got minimum {d.min():.6g}")
    check_broadcast({"sigma2": sigma2, "N": N, "divisor": d, "excess_kurtosis": gamma2})
    # MSE(d) = Var[S]/d^2 + (E[S]/d - sigma^2)^2                     (sv-mse-d)
    with np.errstate(over="ignore"):
        ratio = (N - 1) / d
        mse = sigma2 * (sigma2 * (ratio * ratio * (gamma2 / N + 2.0 / (N - 1))
                                  + (ratio - 1.0) ** 2))
    return _finite_moment(np.asarray(mse), "the mean squared error")


def mse_optimal_divisor(N, excess_kurtosis=0.0):
    r"""The divisor :math:`d` that minimises the MSE of :math:`\frac1d\sum_n (x_n - \bar x)^2`.

    Parameters
    ----------
    N : int or array_like of int
        Number of observations, :math:`N \ge 2`.
    excess_kurtosis : float or array_like, default 0.0
        :math:`\gamma_2 \ge -2` of the data's distribution (0 for the Gaussian).

    Returns
    -------
    float or ndarray
        :math:`d^\star = N + 1 + \gamma_2\,(N - 1)/N`; :math:`N + 1` for Gaussian data.

    Raises
    ------
    ValueError
        If ``N < 2`` or ``excess_kurtosis < -2``.

    Notes
    -----
    Eq. (sv-optimal-divisor), Searls & Intarapanich (1990): setting the derivative of
    eq. (sv-mse-d) in :math:`c = 1/d` to zero gives
    :math:`c^\star = \mathbb{E}[S]\,\sigma^2 / (\operatorname{Var}[S] + \mathbb{E}[S]^2)`,

    .. math:: d^\star = N + 1 + \frac{(N-1)\,\gamma_2}{N} .

    Heavy tails (:math:`\gamma_2 > 0`) call for a larger divisor, a flat distribution
    (:math:`\gamma_2 < 0`) for a smaller one. The mean squared error depends on the
    distribution only through :math:`\gamma_2`.
    """
    _, N, gamma2 = _check_sigma2_N_kurtosis(1.0, N, excess_kurtosis)
    # d* = N + 1 + gamma2 (N - 1) / N                                  (sv-optimal-divisor)
    return _finite_moment(np.asarray(N + 1.0 + gamma2 * ((N - 1) / N)), "the divisor")


def excess_kurtosis(distribution="gaussian"):
    r"""Excess kurtosis :math:`\gamma_2 = \mathbb{E}[(x-\mu)^4]/\sigma^4 - 3` of a distribution.

    Parameters
    ----------
    distribution : {"gaussian", "laplace", "exponential"}, default "gaussian"
        The distributions :func:`simulate_estimators` draws from.

    Returns
    -------
    float
        0 (Gaussian), 3 (Laplace), 6 (exponential): the same for every mean and scale.

    Raises
    ------
    ValueError
        If ``distribution`` is not one of the three.

    Notes
    -----
    The fourth central moments are :math:`3\sigma^4`, :math:`24 a^4 = 6\sigma^4`
    (Laplace with scale :math:`a`, :math:`\sigma^2 = 2a^2`) and :math:`9\sigma^4` (Casella & Berger
    2002, table of
    distributions; the chapter checks them exactly with ``sympy.stats``).
    """
    check_choice(distribution, "distribution", tuple(_KURTOSIS))
    return _KURTOSIS[distribution]


_KURTOSIS = {"gaussian": 0.0, "laplace": 3.0, "exponential": 6.0}


def gaussian_log_likelihood(x, mu, sigma2):
    r"""Log-likelihood of i.i.d. Gaussian data.

    Parameters
    ----------
    x : array_like, shape (N,)
        Observations; non-empty and finite.
    mu : float
        Mean.
    sigma2 : float
        Variance, :math:`\sigma^2 > 0`.

    Returns
    -------
    float
        :math:`\log p(\mathbf{x} \mid \mu, \sigma^2)`.

    Raises
    ------
    ValueError
        If ``x`` is empty or not 1-D, ``mu`` is not finite, or ``sigma2 <= 0``.

    Notes
    -----
    Eq. (sv-loglik), Bishop (2006) eq. (1.54):

    .. math:: \log p(\mathbf{x}\mid\mu,\sigma^2) = -\frac{1}{2\sigma^2}\sum_{n=1}^N (x_n-\mu)^2
              - \frac{N}{2}\log\sigma^2 - \frac{N}{2}\log(2\pi) .

    Its maximiser is :math:`(\hat\mu_{\text{ML}}, \hat\sigma^2_{\text{ML}})`, eqs. (sv-mu-ml)
    and (sv-var-ml).
    """
    x = as_array(x, "x", ndim=1)
    mu = float(as_array(mu, "mu", ndim=0))
    sigma2 = float(check_positive(float(as_array(sigma2, "sigma2", ndim=0)), "sigma2"))
    N = x.size
    with np.errstate(over="ignore"):
        r = x - mu
        quad = -0.5 * (r @ r) / sigma2
    if not np.isfinite(quad):
        # x - mu, sum r^2 or its ratio to sigma^2 overflowed: the same with x, mu scaled by
        # 2**-e and sigma^2 = m 2**k, so only a result beyond float64 overflows
        e = max(_exponent(x), _exponent(mu))
        rs = np.ldexp(x, -e) - np.ldexp(mu, -e)
        m, k = np.frexp(sigma2)
        with np.errstate(over="ignore"):
            quad = float(np.ldexp(-0.5 * (rs @ rs) / m, 2 * int(e) - int(k)))
    # ln p = -1/(2 sigma^2) sum (x_n - mu)^2 - N/2 ln sigma^2 - N/2 ln(2 pi)   (sv-loglik)
    loglik = float(quad - 0.5 * N * np.log(sigma2) - 0.5 * N * np.log(2 * np.pi))
    check_finite_result(loglik, "the log-likelihood", "sum (x_n - mu)^2 / sigma2 exceeds "
                        "float64 (about 1.8e308)")
    return loglik


def simulate_estimators(N, sigma, mu=0.0, n_trials=10_000, rng=None, *,
                        distribution="gaussian") -> EstimatorDraws:
    r"""Draw ``n_trials`` data sets of size ``N`` and estimate on each.

    Parameters
    ----------
    N : int
        Observations per data set, :math:`N \ge 2` (so that :math:`s^2` exists).
    sigma : float
        True standard deviation, :math:`\sigma \ge 0`.
    mu : float, default 0.0
        True mean.
    n_trials : int, default 10_000
        Number of independent data sets.
    rng : numpy.random.Generator, int or None
        Source of randomness.
    distribution : {"gaussian", "laplace", "exponential"}, default "gaussian"
        The distribution of each observation, always with mean ``mu`` and standard
        deviation ``sigma``: :math:`\mathcal{N}(\mu, \sigma^2)`, a Laplace with scale
        :math:`\sigma/\sqrt 2`, or :math:`\mu - \sigma + \operatorname{Exp}` with scale
        :math:`\sigma` (skewed). Their excess kurtoses are 0, 3 and 6
        (:func:`excess_kurtosis`).

    Returns
    -------
    EstimatorDraws
        ``mu_ml``, ``sigma2_ml`` and ``s2``, each of shape ``(n_trials,)``.

    Raises
    ------
    ValueError
        If ``N < 2``, ``sigma < 0``, ``mu`` is not finite, ``n_trials < 1``, or
        ``distribution`` is unknown.

    Notes
    -----
    Each row of an ``(n_trials, N)`` matrix of i.i.d. draws with mean :math:`\mu` and
    variance :math:`\sigma^2` is one data set; the estimators are
    eqs. (sv-mu-ml), (sv-var-ml) and (sv-s2) along ``axis=1``. The averages over
    trials estimate :math:`E[\hat\mu_{\text{ML}}] = \mu`, :math:`E[\hat\sigma^2_{\text{ML}}] =
    \frac{N-1}{N}\sigma^2` (sv-bias) and :math:`E[s^2] = \sigma^2`, with standard
    errors :math:`\sqrt{\operatorname{Var}/n_{\text{trials}}}` from eqs. (sv-var-mu)
    and (sv-var-s2-kurt).
    """
    check_choice(distribution, "distribution", tuple(_KURTOSIS))
    N = _check_N(N, minimum=2)
    sigma = float(check_positive(sigma, "sigma", strict=False))
    mu = float(as_array(mu, "mu", ndim=0))
    n_trials = _check_N(n_trials, "n_trials")
    rng = as_generator(rng)
    with np.errstate(over="ignore", invalid="ignore"):
        if distribution == "gaussian":
            x = rng.normal(mu, sigma, size=(n_trials, N))
        elif distribution == "laplace":  # scale a = sigma / sqrt(2): variance 2 a^2 = sigma^2
            x = rng.laplace(mu, sigma / np.sqrt(2.0), size=(n_trials, N))
        else:  # Exp(scale sigma) has mean sigma and variance sigma^2
            x = mu + sigma * (rng.standard_exponential(size=(n_trials, N)) - 1.0)
    check_finite_result(x, "a simulated draw", f"mu = {mu:g} and sigma = {sigma:g} give draws "
                        f"beyond float64 (about 1.8e308)")
    mu_ml = ml_mean(x, axis=1)  # not x.mean: its sum overflows for |mu| near 1e308
    sigma2_ml = ml_variance(x, axis=1)
    with np.errstate(over="ignore"):
        s2 = sigma2_ml * (N / (N - 1))
    check_finite_result(s2, "the unbiased variance", f"sigma = {sigma:g} gives variances "
                        f"beyond float64 (about 1.8e308)")
    return EstimatorDraws(mu_ml=mu_ml, sigma2_ml=sigma2_ml, s2=s2)


def _check_sigma2(sigma2) -> np.ndarray:
    sigma2 = as_array(sigma2, "sigma2")
    if np.any(sigma2 < 0):
        raise ValueError(f"sigma2 must be >= 0, got minimum {sigma2.min():.6g}")
    return sigma2


def _check_sigma2_N(sigma2, N, *, minimum: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``sigma2`` and ``N`` of the closed forms, checked and broadcast-compatible."""
    sigma2 = _check_sigma2(sigma2)
    N = _check_N_array(N, minimum=minimum)
    check_broadcast({"sigma2": sigma2, "N": N})
    return sigma2, N


def _check_sigma2_N_kurtosis(sigma2, N, excess_kurtosis):
    """``sigma2``, ``N >= 2`` and ``excess_kurtosis >= -2``, checked and broadcast-compatible."""
    sigma2 = _check_sigma2(sigma2)
    N = _check_N_array(N, minimum=2)
    gamma2 = as_array(excess_kurtosis, "excess_kurtosis")
    if np.any(gamma2 < -2):
        # E[(x-mu)^4] >= sigma^4 (Jensen), so gamma2 >= -2, with equality for two points
        raise ValueError(f"excess_kurtosis must be >= -2, got minimum {gamma2.min():.6g}")
    check_broadcast({"sigma2": sigma2, "N": N, "excess_kurtosis": gamma2})
    return sigma2, N, gamma2


def _finite_moment(value: np.ndarray, what: str):
    check_finite_result(value, what, "it exceeds float64 (about 1.8e308); rescale sigma2")
    return value[()]


def _check_N_array(N, name: str = "N", *, minimum: int = 1) -> np.ndarray:
    """Counts as float64 (exact below 2**53): int64 arithmetic would wrap (N**2 for N > 3e9)."""
    if np.ndim(N) == 0 and not isinstance(N, np.ndarray):
        return np.asarray(float(_check_N(N, name, minimum=minimum)))
    try:
        boolean = np.asarray(N).dtype.kind == "b"
    except (TypeError, ValueError):  # ragged: as_array reports it
        boolean = False
    if boolean:
        raise TypeError(f"{name} must contain integers (counts), got booleans")
    N_arr = as_array(N, name)
    if np.any(N_arr != np.round(N_arr)):
        raise TypeError(f"{name} must contain integers, got {N_arr}")
    if np.any(N_arr < minimum):
        raise ValueError(f"{name} must be >= {minimum}, got minimum {N_arr.min():.0f}")
    return N_arr
