"""Maximum likelihood as KL minimisation, and the losses it gives.

The code of the chapter ``chapters/foundations/mle_kl.ipynb``. Minimising the
Kullback-Leibler divergence from the data distribution to the model is the same as
maximising the expected log-likelihood (eq. ``mle-kl-split``); with the empirical
distribution, the average log-likelihood. Three likelihoods give the three everyday losses:

============================  ======================================  ====================
likelihood                    negative log-likelihood                 derivlib function
============================  ======================================  ====================
Gaussian, mean ``mu``         ``(y - mu)**2 / (2 sigma2) + const``    ``gaussian_nll``,
                                                                      ``squared_loss``
Bernoulli, ``p = expit(z)``   binary cross-entropy                    ``binary_cross_entropy``
categorical, ``softmax(z)``   softmax cross-entropy                   ``softmax_cross_entropy``
============================  ======================================  ====================

Their Hessians in the weights (eqs. mle-hess-sq, mle-hess-bce, mle-hess-softmax) are
``gaussian_nll_hessian``, ``binary_cross_entropy_hessian`` and
``softmax_cross_entropy_hessian``. One Gaussian fitted to a Gaussian mixture by the forward
divergence (moment matching, ``forward_kl_gaussian_fit``) or the reverse one (mode seeking,
``reverse_kl_gaussian_fit``) shows that the direction of the KL matters; the mutual
information ``mutual_information`` (eq. mle-mi) is a KL divergence too, with the Gaussian
closed form ``gaussian_mutual_information`` (eq. mle-mi-gauss).

Symbols
-------
==========  =============================================================  ===========
symbol      meaning                                                        shape
==========  =============================================================  ===========
``p, q``    discrete probability vectors (data, model)                     ``(K,)``
``mu``      Gaussian mean (``mu0, mu1`` for the two Gaussians of a KL)     scalar
``sigma``   Gaussian standard deviation (``sigma0, sigma1``)               scalar
``sigma2``  Gaussian noise variance ``sigma**2``                           scalar/(n,)
``y``       targets: reals (regression) or labels in {0, 1} (binary)       ``(n,)``
``y_hat``   predictions of a regression model                              ``(n,)``
``z``       logits, ``p = expit(z)`` (binary)                              ``(n,)``
``Y``       one-hot (or probability) rows, or label indices in 0..K-1      ``(n, K)``/``(n,)``
``Z``       logits, ``P = softmax(Z)`` row by row (multiclass)             ``(n, K)``
``X``       data matrix, one row per sample                                 ``(n, D)``
``w, b``    weights and intercept of a binary or regression model           ``(D,)``, scalar
``W, b``    softmax weights (one column per class) and intercepts           ``(D, K)``, ``(K,)``
``P``       a discrete joint distribution (mutual information)              ``(K, L)``
``n, K``    number of samples, number of classes
==========  =============================================================  ===========

Conventions
-----------
* Logarithms are natural: divergences and losses are in nats.
* Every loss is the **average over the samples** by default (``reduction="mean"``), as
  scikit-learn's ``log_loss`` and ``mean_squared_error`` are; ``reduction="sum"`` gives the
  sum and ``reduction="none"`` the per-sample losses ``E_i``.
* Every ``*_grad`` function returns the **per-sample derivatives** ``d E_i / d z_i`` (the
  formulas the chapter derives, e.g. ``expit(z) - y``). This is the gradient of the *summed*
  loss; divide by ``n`` for the gradient of the average.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
from scipy import integrate, optimize
from scipy.special import expit, log_expit, logsumexp, rel_entr

from derivlib._convergence import report
from derivlib._validation import (
    as_array,
    check_broadcast,
    check_choice,
    check_finite_result,
    check_positive,
    check_probability_vector,
    check_same_length,
)

__all__ = [
    "GaussianFit",
    "MixtureMoments",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_hessian",
    "forward_kl_gaussian_fit",
    "gaussian_kl",
    "gaussian_mutual_information",
    "gaussian_nll",
    "gaussian_nll_grad",
    "gaussian_nll_hessian",
    "kl_divergence",
    "mixture_kl",
    "mixture_moments",
    "mutual_information",
    "reverse_kl_gaussian_fit",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "softmax_cross_entropy_hessian",
    "squared_loss",
    "squared_loss_grad",
]

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------- helpers
def _reduce(losses: np.ndarray, reduction: str):
    """Average, sum or keep the per-sample losses."""
    check_finite_result(losses, "the per-sample losses", "they exceed float64 (about "
                        "1.8e308); rescale the inputs")
    if reduction == "mean":
        # averaged as losses / 2**e (exact), so that the sum cannot overflow
        e = int(np.frexp(np.max(np.abs(losses), initial=0.0))[1])
        return float(np.ldexp(np.mean(np.ldexp(losses, -e)), e))
    if reduction == "sum":
        with np.errstate(over="ignore"):
            total = np.sum(losses)
        check_finite_result(total, "the summed loss", "it exceeds float64 (about 1.8e308); "
                            "use reduction='mean'")
        return float(total)
    return losses


def _check_reduction(reduction: str) -> None:
    check_choice(reduction, "reduction", _REDUCTIONS)


def _binary_labels(y, name: str) -> np.ndarray:
    y = as_array(y, name, ndim=1)
    if not np.all((y == 0) | (y == 1)):
        bad = np.unique(y[(y != 0) & (y != 1)])
        raise ValueError(f"{name} must contain labels in {{0, 1}} only, got {bad[:5]}")
    return y


def _positive_array(x, name: str, ndim=None) -> np.ndarray:
    x = as_array(x, name, ndim=ndim)
    if np.any(x <= 0):
        raise ValueError(f"{name} must be > 0, got minimum {float(np.min(x)):.3g}")
    return x


def _check_gaussian(y, mu, sigma2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``y`` of shape (n,), ``mu`` and ``sigma2 > 0`` scalars or of shape (n,)."""
    y = as_array(y, "y", ndim=1)
    mu = as_array(mu, "mu", ndim=(0, 1))
    sigma2 = _positive_array(sigma2, "sigma2", ndim=(0, 1))
    for value, name in ((mu, "mu"), (sigma2, "sigma2")):
        if value.ndim == 1 and value.shape != y.shape:
            raise ValueError(f"{name} must be a scalar or of shape {y.shape}, got {value.shape}")
    return y, mu, sigma2


def _float_or_array(x: np.ndarray):
    return float(x) if np.ndim(x) == 0 else x


def _one_hot_targets(Y, n_classes: int, name: str = "Y") -> np.ndarray:
    """Label indices ``(n,)`` or probability rows ``(n, K)`` -> rows ``(n, K)``."""
    raw, Y = Y, as_array(Y, name, ndim=(1, 2))
    if Y.ndim == 1:
        if not np.all(Y == np.round(Y)) or np.any(Y < 0) or np.any(Y >= n_classes):
            raise ValueError(
                f"{name} as label indices must be integers in 0..{n_classes - 1}, "
                f"got values in [{Y.min():g}, {Y.max():g}]"
            )
        return np.eye(n_classes)[Y.astype(np.intp)]
    if Y.shape[1] != n_classes:
        raise ValueError(
            f"{name} must have {n_classes} columns (one per class, as Z), got shape {Y.shape}"
        )
    # the caller's own array: a float32 Y is judged at float32's sum-to-one tolerance
    return check_probability_vector(raw, name, axis=1)


def _check_logits_2d(Y, Z) -> tuple[np.ndarray, np.ndarray]:
    Z = as_array(Z, "Z", ndim=2)
    if Z.shape[1] < 2:
        raise ValueError(f"Z must have at least 2 columns (classes), got shape {Z.shape}")
    Y = _one_hot_targets(Y, Z.shape[1])
    check_same_length(Y, Z, "Y", "Z")
    return Y, Z


def _softmax_rest(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row maxima ``m`` (shape ``(n, 1)``) and ``rest = sum_j e^(z_ij - m_i) - 1`` (``(n,)``).

    ``rest`` sums the row without one of its maxima, so it is accurate when it is tiny, where
    ``sum_j e^(z_ij - m_i) - 1`` would cancel: ``log(1 + rest)`` is log-sum-exp minus ``m``
    and ``1 - softmax(z_i)_max = rest / (1 + rest)``.
    """
    m = Z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        e = np.exp(Z - m)  # z - m may overflow to -inf for logits of +-1e308: e^-inf = 0
    e[np.arange(len(Z)), np.argmax(Z, axis=1)] = 0.0
    return m, e.sum(axis=1)


def _check_pair_1d(a, b, name_a: str, name_b: str) -> tuple[np.ndarray, np.ndarray]:
    a = as_array(a, name_a, ndim=1)
    b = as_array(b, name_b, ndim=1)
    check_same_length(a, b, name_a, name_b)
    return a, b


# --------------------------------------------------------------------------- divergences
def _t_minus_log1p(t: np.ndarray) -> np.ndarray:
    """``t - log(1 + t)`` for ``|t| <= 1/2``, to full relative accuracy (no cancellation).

    With ``u = t / (2 + t)``, ``log(1 + t) = 2 atanh(u)`` and ``t = 2u + 2u^2 / (1 - u)``, so
    ``t - log1p(t) = 2u^2 / (1 - u) - 2 (u^3/3 + u^5/5 + ...)``; ``|u| <= 1/3``, and the
    series part is smaller than the first by a factor ``|u|`` or more, so nothing cancels.
    18 terms reach 1e-17.
    """
    u = t / (2.0 + t)
    u2 = u * u
    tail = np.zeros_like(u)
    for k in range(37, 1, -2):  # u^2/3 + u^4/5 + ..., by Horner in u^2
        tail = u2 * (tail + 1.0 / k)
    # atanh(u) - u = u * tail
    return 2.0 * u2 / (1.0 - u) - 2.0 * u * tail
def kl_divergence(p, q) -> float:
    r"""Kullback-Leibler divergence between two discrete distributions.

    Parameters
    ----------
    p : array_like, shape (K,)
        The first distribution (the data distribution in the chapter): non-negative,
        sums to 1.
    q : array_like, shape (K,)
        The second distribution (the model), same length as ``p``.

    Returns
    -------
    float
        :math:`\mathrm{KL}(p \,\|\, q) \ge 0` in nats; ``inf`` when ``q`` puts zero mass
        where ``p`` does not (``p`` is then not absolutely continuous w.r.t. ``q``).

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not 1-D, has a negative entry or does not sum to 1, or if the
        lengths differ.

    Notes
    -----
    Implements eq. (mle-kl-def) of the chapter,

    .. math::
        \mathrm{KL}(p \,\|\, q) = \sum_k p_k \log \frac{p_k}{q_k},

    with the conventions :math:`0 \log(0/q) = 0` and :math:`p \log(p/0) = \infty` for
    :math:`p > 0`, as ``scipy.special.rel_entr`` does. Gibbs' inequality
    (eq. mle-gibbs) says the result is non-negative, with equality iff ``p == q``.

    Examples
    --------
    >>> kl_divergence([0.5, 0.5], [0.5, 0.5])
    0.0
    >>> round(kl_divergence([1.0, 0.0], [0.5, 0.5]), 6)  # log 2
    0.693147
    """
    # the caller's own arrays are checked: float32 input is judged at float32's tolerance
    as_array(p, "p", ndim=1), as_array(q, "q", ndim=1)
    p = check_probability_vector(p, "p")
    q = check_probability_vector(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    # sum_k p_k log(p_k / q_k), term by term with 0 log 0 = 0   (mle-kl-def)
    # (rel_entr stays finite when p_k / q_k would overflow: a tiny q_k > 0 gives a finite term)
    return float(np.sum(rel_entr(p, q)))


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    r"""KL divergence between two univariate Gaussians, in closed form.

    Parameters
    ----------
    mu0, sigma0 : float or array_like
        Mean and standard deviation (> 0) of the first Gaussian :math:`N(\mu_0, \sigma_0^2)`.
    mu1, sigma1 : float or array_like
        Mean and standard deviation (> 0) of the second Gaussian :math:`N(\mu_1, \sigma_1^2)`.
        Arrays broadcast against each other (elementwise divergences).

    Returns
    -------
    float or ndarray
        :math:`\mathrm{KL}(N(\mu_0, \sigma_0^2) \,\|\, N(\mu_1, \sigma_1^2))` in nats.

    Raises
    ------
    ValueError
        If a standard deviation is not strictly positive, or an argument is NaN or infinite.

    Notes
    -----
    Implements eq. (mle-gauss-kl) of the chapter,

    .. math::
        \mathrm{KL} = \log\frac{\sigma_1}{\sigma_0}
            + \frac{\sigma_0^2 + (\mu_0 - \mu_1)^2}{2\sigma_1^2} - \frac{1}{2}.

    With :math:`t = (\sigma_0 - \sigma_1)/\sigma_1` (so :math:`r = \sigma_0/\sigma_1 = 1 + t`)
    the variance part is :math:`(t - \log(1+t)) + t^2/2`, a sum of non-negative terms; for
    :math:`|t| \le 1/2` the first is summed as a series in :math:`u = t/(2+t)`, so the result
    keeps its relative accuracy when the two standard deviations are close (the textbook
    form :math:`-\log r + r^2/2 - 1/2` cancels: at :math:`t = 10^{-8}` it is 11% off).

    Examples
    --------
    >>> gaussian_kl(0.0, 1.0, 0.0, 1.0)
    0.0
    >>> gaussian_kl(1.0, 1.0, 0.0, 1.0)  # (mu0 - mu1)^2 / 2
    0.5
    """
    mu0 = as_array(mu0, "mu0")
    mu1 = as_array(mu1, "mu1")
    sigma0 = _positive_array(sigma0, "sigma0")
    sigma1 = _positive_array(sigma1, "sigma1")
    check_broadcast({"mu0": mu0, "sigma0": sigma0, "mu1": mu1, "sigma1": sigma1})
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        r = sigma0 / sigma1
        d = (mu0 - mu1) / sigma1
        # log(s1/s0) + (s0^2 + (mu0 - mu1)^2) / (2 s1^2) - 1/2      (mle-gauss-kl)
        kl = np.asarray(-np.log(r) + 0.5 * (r * r + d * d) - 0.5)
        # where a ratio or a square left float64's normal range, the same terms without
        # forming them: log s1 - log s0, (r/2) r, and (mu0/2 - mu1/2) / s1 * 2
        bad = ~np.isfinite(kl) | (r < np.finfo(float).tiny)
        if np.any(bad):
            log_r = np.log(sigma0) - np.log(sigma1)
            d2 = (mu0 * 0.5 - mu1 * 0.5) / sigma1 * 2.0
            safe = -log_r + r * (0.5 * r) + d2 * (0.5 * d2) - 0.5
            kl = np.where(bad, safe, kl)
        # sigma0 close to sigma1: the variance part t - log1p(t) + t^2/2 without cancellation
        t = (sigma0 - sigma1) / sigma1  # sigma0 - sigma1 is exact there (Sterbenz)
        close = np.abs(t) <= 0.5
        if np.any(close):
            tc = np.where(close, t, 0.0)
            dc = np.where(np.isfinite(d), d, (mu0 * 0.5 - mu1 * 0.5) / sigma1 * 2.0)
            kl = np.where(close, _t_minus_log1p(tc) + 0.5 * tc * tc + 0.5 * dc * dc, kl)
    check_finite_result(kl, "the Gaussian KL divergence", "it exceeds float64 (about "
                        "1.8e308): the variances or the means are too far apart")
    return _float_or_array(kl)


# --------------------------------------------------------------------------- regression
def squared_loss(y, y_hat, *, reduction: str = "mean"):
    r"""Squared loss :math:`(y_i - \hat y_i)^2`, averaged over the samples.

    Parameters
    ----------
    y : array_like, shape (n,)
        Targets.
    y_hat : array_like, shape (n,)
        Predictions.
    reduction : {"mean", "sum", "none"}, default "mean"
        Average (the mean squared error), sum, or per-sample losses of shape ``(n,)``.

    Returns
    -------
    float or ndarray of shape (n,)

    Raises
    ------
    ValueError
        If ``y`` and ``y_hat`` are not 1-D of the same length, contain NaN, or
        ``reduction`` is unknown.

    Notes
    -----
    Per sample, :math:`E_i = (y_i - \hat y_i)^2`: up to the factor
    :math:`1/(2\sigma^2)` and an additive constant, the Gaussian negative log-likelihood
    eq. (mle-gauss-nll); see :func:`gaussian_nll`.

    Examples
    --------
    >>> squared_loss([1.0, 2.0], [1.0, 0.0])
    2.0
    """
    _check_reduction(reduction)
    y, y_hat = _check_pair_1d(y, y_hat, "y", "y_hat")
    with np.errstate(over="ignore"):  # an overflow is reported by _reduce
        losses = (y - y_hat) ** 2
    return _reduce(losses, reduction)


def squared_loss_grad(y, y_hat) -> np.ndarray:
    r"""Per-sample derivative of the squared loss with respect to the prediction.

    Parameters
    ----------
    y : array_like, shape (n,)
        Targets.
    y_hat : array_like, shape (n,)
        Predictions.

    Returns
    -------
    ndarray, shape (n,)
        :math:`\partial E_i / \partial \hat y_i = 2 (\hat y_i - y_i)`; the gradient of
        ``squared_loss(..., reduction="sum")``. Divide by ``n`` for the mean squared error.

    Raises
    ------
    ValueError
        If ``y`` and ``y_hat`` are not 1-D of the same length or contain NaN.

    Notes
    -----
    With :math:`\hat y = X w`, the chain rule gives the matrix form of eq. (mle-sq-grad):
    :math:`\nabla_w \sum_i E_i = X^\top \, 2(Xw - y)`.
    """
    y, y_hat = _check_pair_1d(y, y_hat, "y", "y_hat")
    with np.errstate(over="ignore"):  # an overflow is reported just below
        grad = 2.0 * (y_hat - y)
    check_finite_result(grad, "the squared-loss gradient", "2 |y_hat - y| exceeds float64 "
                        "(about 1.8e308); rescale y and y_hat")
    return grad


def gaussian_nll(y, mu, sigma2, *, reduction: str = "mean"):
    r"""Negative log-likelihood of :math:`y_i \sim N(\mu_i, \sigma^2)`.

    Parameters
    ----------
    y : array_like, shape (n,)
        Observations.
    mu : float or array_like, shape (n,)
        Means (e.g. :math:`\mu_i = w^\top x_i` in linear regression); a scalar broadcasts.
    sigma2 : float or array_like, shape (n,)
        Noise variance(s) :math:`\sigma^2 > 0`.
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    float or ndarray of shape (n,)

    Raises
    ------
    ValueError
        If ``sigma2`` is not strictly positive, shapes do not broadcast to ``(n,)``, an input
        is NaN or ``reduction`` is unknown.

    Notes
    -----
    Implements eq. (mle-gauss-nll) of the chapter, per sample

    .. math::
        -\log N(y_i \mid \mu_i, \sigma^2)
            = \frac{(y_i - \mu_i)^2}{2\sigma^2} + \frac{1}{2}\log(2\pi\sigma^2),

    so that with a fixed :math:`\sigma^2` minimising the summed NLL over :math:`w` is least
    squares.

    Examples
    --------
    >>> round(gaussian_nll([0.0], 0.0, 1.0), 6)  # log(2 pi) / 2
    0.918939
    """
    _check_reduction(reduction)
    y, mu, sigma2 = _check_gaussian(y, mu, sigma2)
    # (y - mu)^2 / (2 sigma^2) + log(2 pi sigma^2) / 2         (mle-gauss-nll)
    with np.errstate(over="ignore", invalid="ignore"):
        losses = 0.5 * (y - mu) ** 2 / sigma2 + 0.5 * np.log(2.0 * np.pi * sigma2)
        bad = ~np.isfinite(losses)
        if np.any(bad):
            # y - mu, its square or 2 pi sigma^2 overflowed: the same terms without forming
            # them, ((y/2 - mu/2) / sigma)^2 * 2 and log(2 pi) + log(sigma^2)
            h = (0.5 * y - 0.5 * mu) / np.sqrt(sigma2)
            safe = 2.0 * (h * h) + 0.5 * (np.log(2.0 * np.pi) + np.log(sigma2))
            losses = np.where(bad, safe, losses)
    return _reduce(np.broadcast_to(losses, y.shape).copy(), reduction)


def gaussian_nll_grad(y, mu, sigma2) -> np.ndarray:
    r"""Per-sample derivative of the Gaussian NLL with respect to the mean.

    Parameters
    ----------
    y : array_like, shape (n,)
    mu : float or array_like, shape (n,)
    sigma2 : float or array_like, shape (n,)
        Noise variance(s) > 0.

    Returns
    -------
    ndarray, shape (n,)
        :math:`(\mu_i - y_i) / \sigma^2`.

    Raises
    ------
    ValueError
        As :func:`gaussian_nll`.

    Notes
    -----
    With :math:`\mu = Xw`, the chain rule gives eq. (mle-sq-grad),

    .. math::
        \nabla_w \Bigl[\frac{1}{2\sigma^2}\lVert y - Xw\rVert^2\Bigr]
            = -\frac{1}{\sigma^2} X^\top (y - Xw)
            = X^\top \,\texttt{gaussian\_nll\_grad}(y, Xw, \sigma^2).
    """
    y, mu, sigma2 = _check_gaussian(y, mu, sigma2)
    with np.errstate(over="ignore"):
        grad = (mu - y) / sigma2
        # where mu - y overflowed but the quotient need not: (mu/2 - y/2) / sigma^2 * 2
        grad = np.where(np.isfinite(grad), grad, (0.5 * mu - 0.5 * y) / sigma2 * 2.0)
    check_finite_result(grad, "the Gaussian NLL gradient", "|mu - y| / sigma2 exceeds "
                        "float64 (about 1.8e308)")
    return np.broadcast_to(grad, y.shape).copy()


# --------------------------------------------------------------------------- classification
def binary_cross_entropy(y, z, *, reduction: str = "mean"):
    r"""Binary cross-entropy of labels ``y`` under :math:`p = \sigma(z)`, from the logits.

    Parameters
    ----------
    y : array_like, shape (n,)
        Labels in {0, 1}.
    z : array_like, shape (n,)
        Logits (log-odds); the model's probability of class 1 is ``expit(z)``.
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    float or ndarray of shape (n,)
        The mean equals ``sklearn.metrics.log_loss(y, expit(z))`` wherever the latter is
        not clipped.

    Raises
    ------
    ValueError
        If ``y`` has a label outside {0, 1}, the lengths differ, an input is NaN or
        infinite, or ``reduction`` is unknown.

    Notes
    -----
    Implements eq. (mle-bce) of the chapter, per sample

    .. math::
        E_i = -\bigl[y_i \log\sigma(z_i) + (1 - y_i)\log(1 - \sigma(z_i))\bigr],

    using :math:`1 - \sigma(z) = \sigma(-z)` and ``scipy.special.log_expit``, which never
    forms :math:`\sigma(z)` itself: logits of :math:`\pm 1000` give finite losses
    (0 or 1000) where the naive formula gives ``log(0) = -inf``.

    Examples
    --------
    >>> round(binary_cross_entropy([1.0], [0.0]), 6)  # log 2
    0.693147
    >>> binary_cross_entropy([0.0, 1.0], [1000.0, -1000.0])
    1000.0
    """
    _check_reduction(reduction)
    y, z = _check_pair_1d(y, z, "y", "z")
    y = _binary_labels(y, "y")
    # -[y log s(z) + (1 - y) log s(-z)]                          (mle-bce)
    losses = -(y * log_expit(z) + (1.0 - y) * log_expit(-z))
    return _reduce(losses, reduction)


def binary_cross_entropy_grad(y, z) -> np.ndarray:
    r"""Per-sample derivative of the binary cross-entropy with respect to the logit.

    Parameters
    ----------
    y : array_like, shape (n,)
        Labels in {0, 1}.
    z : array_like, shape (n,)
        Logits.

    Returns
    -------
    ndarray, shape (n,)
        :math:`\sigma(z_i) - y_i`; the gradient of ``binary_cross_entropy(...,
        reduction="sum")``. Divide by ``n`` for the gradient of the mean.

    Raises
    ------
    ValueError
        As :func:`binary_cross_entropy`.

    Notes
    -----
    Implements eq. (mle-bce-grad): :math:`\partial E_i/\partial z_i = \sigma(z_i) - y_i`,
    computed as :math:`-\sigma(-z_i)` where :math:`y_i = 1` (the same number, without the
    cancellation of :math:`\sigma(z_i) - 1`, which loses every digit beyond :math:`z_i = 37`).
    With :math:`z = Xw` the gradient in the weights is :math:`X^\top(\sigma(Xw) - y)`.

    Examples
    --------
    >>> binary_cross_entropy_grad([1.0, 0.0], [0.0, 0.0])
    array([-0.5,  0.5])
    """
    y, z = _check_pair_1d(y, z, "y", "z")
    y = _binary_labels(y, "y")
    # d/dz -[y log s(z) + (1 - y) log s(-z)] = s(z) - y           (mle-bce-grad)
    # for y = 1 as -s(-z): s(z) - 1 rounds s(z) to 1 first, so z = 40 would give 0, not -4e-18
    return np.where(y == 1, -expit(-z), expit(z))


def softmax_cross_entropy(Y, Z, *, reduction: str = "mean"):
    r"""Softmax cross-entropy of targets ``Y`` under :math:`P = \mathrm{softmax}(Z)`.

    Parameters
    ----------
    Y : array_like, shape (n, K) or (n,)
        One-hot rows (or, more generally, probability rows), or integer label indices in
        ``0..K-1``.
    Z : array_like, shape (n, K)
        Logits, one row per sample; ``softmax(Z, axis=1)`` are the class probabilities.
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    float or ndarray of shape (n,)
        The mean equals ``sklearn.metrics.log_loss(labels, softmax(Z, axis=1))``.

    Raises
    ------
    ValueError
        If ``Y``'s rows are not probability vectors, labels are out of range, ``Y`` and
        ``Z`` disagree in shape, ``Z`` has fewer than 2 columns, an input is NaN or
        infinite, or ``reduction`` is unknown.

    Notes
    -----
    Implements eq. (mle-softmax-ce) of the chapter, per sample

    .. math::
        E_i = -\sum_k Y_{ik} \log \mathrm{softmax}(z_i)_k
               = \log\sum_j e^{z_{ij}} - \sum_k Y_{ik} z_{ik},

    computed as :math:`\sum_k Y_{ik}(m_i - z_{ik}) + \log(1 + \rho_i)` with :math:`m_i` the row
    maximum and :math:`\rho_i` the sum of :math:`e^{z_{ij} - m_i}` without one maximum (for
    rows of ``Y`` summing to 1): a log-sum-exp shifted by the row maximum, so huge logits do
    not overflow, and a sum of non-negative terms, so a confident right prediction keeps its
    digits (``scipy.special.log_softmax`` gives 0 at a margin of 40, the loss is 4.2e-18).

    Examples
    --------
    >>> round(softmax_cross_entropy([0], [[0.0, 0.0, 0.0]]), 6)  # log 3
    1.098612
    """
    _check_reduction(reduction)
    Y, Z = _check_logits_2d(Y, Z)
    # -sum_k Y_ik log softmax(z_i)_k                              (mle-softmax-ce)
    # (only where Y_ik > 0: a class with zero target weight adds nothing, even when its
    # log-probability is -inf because its logit is 1e308 below the largest)
    # = sum_k Y_ik (m_i - z_ik) + (sum_k Y_ik) log(1 + rest_i), with m_i the row maximum and
    # rest_i = sum of e^(z_ij - m_i) over the row without one maximum: non-negative terms, so
    # a confident right prediction keeps its digits (log_softmax rounds 1 + 4e-18 to 1 and
    # gives 0 at a margin of 40) and log-sum-exp cannot overflow
    m, rest = _softmax_rest(Z)
    with np.errstate(over="ignore"):
        # halves: m - z_ik overflows for logits of +-1e308, Y_ik (m - z_ik) may not
        gaps = np.where(Y > 0, Y * (0.5 * m - 0.5 * Z), 0.0)
        losses = 2.0 * np.sum(gaps, axis=1) + np.sum(Y, axis=1) * np.log1p(rest)
    return _reduce(losses, reduction)


def softmax_cross_entropy_grad(Y, Z) -> np.ndarray:
    r"""Per-sample gradient of the softmax cross-entropy with respect to the logits.

    Parameters
    ----------
    Y : array_like, shape (n, K) or (n,)
        One-hot (probability) rows or integer label indices, as in
        :func:`softmax_cross_entropy`.
    Z : array_like, shape (n, K)
        Logits.

    Returns
    -------
    ndarray, shape (n, K)
        :math:`\mathrm{softmax}(z_i) - y_i` row by row; the gradient of
        ``softmax_cross_entropy(..., reduction="sum")``. Divide by ``n`` for the mean.

    Raises
    ------
    ValueError
        As :func:`softmax_cross_entropy`.

    Notes
    -----
    Implements eq. (mle-softmax-grad):
    :math:`\partial E_i / \partial z_{ik} = p_{ik} - Y_{ik}`, valid for any target
    row summing to one. At a row's largest logit, where :math:`p_{ik}` may round to 1, it is
    computed as :math:`(1 - Y_{ik}) - \sum_{j \ne k} p_{ij}` when :math:`Y_{ik} \ge 1/2`.

    Examples
    --------
    >>> softmax_cross_entropy_grad([1], [[0.0, 0.0]])
    array([[ 0.5, -0.5]])
    """
    Y, Z = _check_logits_2d(Y, Z)
    m, rest = _softmax_rest(Z)
    with np.errstate(over="ignore", invalid="ignore"):
        # softmax(Z); e^-inf = 0 where z - m overflows
        P = np.exp(Z - m) / (1.0 + rest)[:, None]
    # d E_i / d z_ik = softmax(z_i)_k - Y_ik                       (mle-softmax-grad)
    grad = P - Y
    # at a row's largest logit p_k = 1/(1 + rest) may round to 1 and p_k - 1 lose every digit
    # (margin 40: 0 instead of -4e-18); there p_k - Y_ik = (1 - Y_ik) - rest / (1 + rest)
    rows, top = np.arange(len(Z)), np.argmax(Z, axis=1)
    y_top = Y[rows, top]
    grad[rows, top] = np.where(y_top >= 0.5, (1.0 - y_top) - rest / (1.0 + rest),
                               grad[rows, top])
    return grad


# --------------------------------------------------------------------------- Hessians
def _check_design(X, name: str = "X") -> np.ndarray:
    return as_array(X, name, ndim=2)


def _logits(w, b, X) -> tuple[np.ndarray, np.ndarray]:
    """Check ``w`` (D,), ``b`` (scalar) and ``X`` (N, D); return ``X`` and ``z = X w + b``."""
    X = _check_design(X)
    w = as_array(w, "w", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w must have one entry per column of X ({X.shape[1]}), got shape "
                         f"{w.shape}")
    b = float(as_array(b, "b", ndim=0))
    return X, X @ w + b


def gaussian_nll_hessian(X, sigma2=1.0) -> np.ndarray:
    r"""Hessian in :math:`\mathbf w` of the summed Gaussian NLL with mean :math:`\mathbf{Xw} + b`.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Data matrix, one row :math:`\mathbf x_n^\top` per sample.
    sigma2 : float, default 1.0
        Noise variance :math:`\sigma^2 > 0`.

    Returns
    -------
    ndarray, shape (D, D)
        :math:`\mathbf X^\top\mathbf X / \sigma^2`, the same at every :math:`\mathbf w` and
        :math:`b`; for :math:`\sigma^2 = 1` the Hessian of
        :math:`E(\mathbf w) = \frac12\lVert\mathbf y - \mathbf X\mathbf w - b\rVert^2`.

    Raises
    ------
    ValueError
        If ``X`` is not 2-D or not finite, or ``sigma2 <= 0``.

    Notes
    -----
    Eq. (mle-hess-sq): the gradient (mle-sq-grad) is affine in :math:`\mathbf w`, so

    .. math:: \nabla^2_{\mathbf w}\, \frac{1}{2\sigma^2}\lVert\mathbf y - \mathbf X\mathbf w\rVert^2
              = \frac{1}{\sigma^2}\mathbf X^\top\mathbf X \succeq 0 .
    """
    X = _check_design(X)
    sigma2 = float(_positive_array(sigma2, "sigma2", ndim=0))
    # H = X^T X / sigma^2                                        (mle-hess-sq)
    H = X.T @ X / sigma2
    check_finite_result(H, "the Hessian", "X^T X / sigma2 exceeds float64; rescale X")
    return H


def binary_cross_entropy_hessian(w, b, X) -> np.ndarray:
    r"""Hessian in :math:`\mathbf w` of the summed binary cross-entropy, logits :math:`\mathbf{Xw}`.

    Parameters
    ----------
    w : array_like, shape (D,)
        Weights.
    b : float
        Intercept.
    X : array_like, shape (N, D)
        Data matrix.

    Returns
    -------
    ndarray, shape (D, D)
        :math:`\mathbf X^\top\mathbf S\mathbf X` with
        :math:`\mathbf S = \operatorname{diag}(p_n(1 - p_n))`, :math:`p_n = \sigma(z_n)`. It does
        not depend on the labels.

    Raises
    ------
    ValueError
        If the shapes disagree or an input is not finite.

    Notes
    -----
    Eq. (mle-hess-bce): the per-sample second derivative is
    :math:`\partial^2 E_n / \partial z_n^2 = \sigma(z_n)(1 - \sigma(z_n))`, and
    :math:`z_n = \mathbf w^\top\mathbf x_n + b` gives

    .. math:: \nabla^2_{\mathbf w} \sum_n E_n = \sum_n p_n(1-p_n)\,\mathbf x_n\mathbf x_n^\top
              = \mathbf X^\top\mathbf S\mathbf X \succeq 0 .

    :math:`p(1-p)` is computed as :math:`\sigma(z)\sigma(-z)`, accurate for large
    :math:`|z|` where :math:`1 - \sigma(z)` would round to 0.
    """
    X, z = _logits(w, b, X)
    # S = diag(p_n (1 - p_n)), 1 - sigma(z) = sigma(-z)
    s = expit(z) * expit(-z)
    # H = X^T S X                                                (mle-hess-bce)
    return X.T @ (s[:, None] * X)


def softmax_cross_entropy_hessian(W, b, X) -> np.ndarray:
    r"""Hessian of the summed softmax cross-entropy in :math:`\operatorname{vec}(\mathbf W)`.

    Parameters
    ----------
    W : array_like, shape (D, K)
        Weights, one column :math:`\mathbf w_k` per class; logits
        :math:`\mathbf z_n = \mathbf W^\top\mathbf x_n + \mathbf b`.
    b : array_like, shape (K,)
        Intercepts.
    X : array_like, shape (N, D)
        Data matrix.

    Returns
    -------
    ndarray, shape (D K, D K)
        The Hessian with the parameters ordered as :math:`\operatorname{vec}(\mathbf W)`, the
        columns stacked (:math:`\mathbf w_1` first; index ``k * D + j`` is ``W[j, k]``, i.e.
        ``W.ravel(order="F")``). It does not depend on the targets.

    Raises
    ------
    ValueError
        If the shapes disagree, ``K < 2``, or an input is not finite.

    Notes
    -----
    Eq. (mle-hess-softmax): with :math:`\mathbf p_n = \operatorname{softmax}(\mathbf z_n)`,

    .. math:: \nabla^2_{\operatorname{vec}\mathbf W} \sum_n E_n = \sum_n
              \bigl(\operatorname{diag}(\mathbf p_n) - \mathbf p_n\mathbf p_n^\top\bigr)
              \otimes \mathbf x_n\mathbf x_n^\top \succeq 0 ,

    a Kronecker product (``numpy.kron``) summed over the samples. It is singular: adding the
    same vector to every column of :math:`\mathbf W` does not change the softmax.
    """
    X = _check_design(X)
    W = as_array(W, "W", ndim=2)
    if W.shape[0] != X.shape[1]:
        raise ValueError(f"W must have one row per column of X ({X.shape[1]}), got shape "
                         f"{W.shape}")
    if W.shape[1] < 2:
        raise ValueError(f"W must have at least 2 columns (classes), got shape {W.shape}")
    b = as_array(b, "b", ndim=1)
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b must have one entry per column of W ({W.shape[1]}), got shape "
                         f"{b.shape}")
    Z = X @ W + b
    m, rest = _softmax_rest(Z)
    P = np.exp(Z - m) / (1.0 + rest)[:, None]
    D, K = W.shape
    H = np.zeros((D * K, D * K))
    for p, x in zip(P, X, strict=True):
        # (diag(p_n) - p_n p_n^T) kron x_n x_n^T                  (mle-hess-softmax)
        H += np.kron(np.diag(p) - np.outer(p, p), np.outer(x, x))
    return H


# --------------------------------------------------------------------------- forward/reverse KL
class GaussianFit(NamedTuple):
    """A Gaussian :math:`\\mathcal N(\\mu, \\sigma^2)` fitted to a target by a KL divergence.

    Attributes
    ----------
    mu, sigma : float
        Mean and standard deviation of the fitted Gaussian.
    kl : float
        The divergence that was minimised, at the fit (nats).
    converged : bool
        Whether the optimality condition (gradient below ``tol``) holds at the fit.
    """

    mu: float
    sigma: float
    kl: float
    converged: bool


def _check_mixture(weights, means, sigmas) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    weights = check_probability_vector(as_array(weights, "weights", ndim=1), "weights")
    means = as_array(means, "means", ndim=1)
    sigmas = _positive_array(sigmas, "sigmas", ndim=1)
    if not weights.shape == means.shape == sigmas.shape:
        raise ValueError(f"weights, means and sigmas must have the same length, got "
                         f"{weights.shape[0]}, {means.shape[0]} and {sigmas.shape[0]}")
    return weights, means, sigmas


def _mixture_logpdf(x, weights, means, sigmas) -> np.ndarray:
    """log p(x) of the mixture, by log-sum-exp over the components."""
    x = np.asarray(x, dtype=float)[..., None]
    log_comp = (np.log(weights) - np.log(sigmas) - 0.5 * np.log(2 * np.pi)
                - 0.5 * ((x - means) / sigmas) ** 2)
    return logsumexp(log_comp, axis=-1)


def _mixture_score(x, weights, means, sigmas) -> np.ndarray:
    """d/dx log p(x) = sum_k r_k(x) (mu_k - x) / sigma_k^2, with responsibilities r_k."""
    x = np.asarray(x, dtype=float)[..., None]
    log_comp = (np.log(weights) - np.log(sigmas) - 0.5 * ((x - means) / sigmas) ** 2)
    r = np.exp(log_comp - logsumexp(log_comp, axis=-1, keepdims=True))
    return np.sum(r * (means - x) / sigmas**2, axis=-1)


class MixtureMoments(NamedTuple):
    r"""Mean and variance of a distribution (here a Gaussian mixture).

    Attributes
    ----------
    mean, variance : float
        :math:`m = \mathbb E[x]` and :math:`v = \operatorname{Var}[x]`.
    """

    mean: float
    variance: float


def mixture_moments(weights, means, sigmas) -> MixtureMoments:
    r"""Mean and variance of a one-dimensional Gaussian mixture.

    Parameters
    ----------
    weights : array_like, shape (K,)
        Mixing weights :math:`\pi_k`, non-negative, summing to 1.
    means, sigmas : array_like, shape (K,)
        Means :math:`\mu_k` and standard deviations :math:`\sigma_k > 0` of the components.

    Returns
    -------
    MixtureMoments
        ``mean`` :math:`m = \sum_k \pi_k\mu_k` and ``variance``
        :math:`v = \sum_k \pi_k(\sigma_k^2 + \mu_k^2) - m^2`.

    Raises
    ------
    ValueError
        If the weights are not a probability vector, a standard deviation is not positive,
        or the lengths differ.

    Notes
    -----
    Eq. (mle-mixture-moments). By eq. (mle-moment-matching) the Gaussian
    :math:`\mathcal N(m, v)` minimises the forward divergence
    :math:`\mathrm{KL}(p \,\|\, q)` over all Gaussians :math:`q`: see
    :func:`forward_kl_gaussian_fit`. The variance is computed as
    :math:`\sum_k \pi_k(\sigma_k^2 + (\mu_k - m)^2)`, a sum of non-negative terms.
    """
    weights, means, sigmas = _check_mixture(weights, means, sigmas)
    # m = sum_k pi_k mu_k;  v = sum_k pi_k (sigma_k^2 + (mu_k - m)^2)   (mle-mixture-moments)
    m = float(weights @ means)
    v = float(weights @ (sigmas**2 + (means - m) ** 2))
    return MixtureMoments(m, v)


def mixture_kl(mu, sigma, weights, means, sigmas, *, direction="forward") -> float:
    r"""KL divergence between a Gaussian :math:`q` and a Gaussian mixture :math:`p`, by quadrature.

    Parameters
    ----------
    mu, sigma : float
        Mean and standard deviation (> 0) of :math:`q = \mathcal N(\mu, \sigma^2)`.
    weights, means, sigmas : array_like, shape (K,)
        The mixture :math:`p = \sum_k \pi_k\,\mathcal N(\mu_k, \sigma_k^2)`.
    direction : {"forward", "reverse"}, default "forward"
        ``"forward"``: :math:`\mathrm{KL}(p\,\|\,q)`; ``"reverse"``: :math:`\mathrm{KL}(q\,\|\,p)`.

    Returns
    -------
    float
        The divergence in nats, by ``scipy.integrate.quad`` of eq. (mle-kl-def) over the
        real line, split at the means.

    Raises
    ------
    ValueError
        On invalid mixture or Gaussian parameters, or an unknown ``direction``.
    """
    check_choice(direction, "direction", ("forward", "reverse"))
    weights, means, sigmas = _check_mixture(weights, means, sigmas)
    mu = float(as_array(mu, "mu", ndim=0))
    sigma = float(_positive_array(sigma, "sigma", ndim=0))

    def log_q(x):
        return -np.log(sigma) - 0.5 * np.log(2 * np.pi) - 0.5 * ((x - mu) / sigma) ** 2

    def integrand(x):
        lp, lq = float(_mixture_logpdf(x, weights, means, sigmas)), float(log_q(x))
        # p log(p/q) or q log(q/p), eq. (mle-kl-def)
        return np.exp(lp) * (lp - lq) if direction == "forward" else np.exp(lq) * (lq - lp)

    wide = 12.0 * max(float(np.max(sigmas)), sigma)
    lo = min(float(np.min(means)), mu) - wide
    hi = max(float(np.max(means)), mu) + wide
    cuts = np.unique(np.concatenate([[lo], means, [mu], [hi]]))
    total = sum(integrate.quad(integrand, a, c, limit=200)[0] for a, c in itertools.pairwise(cuts))
    return max(float(total), 0.0)


def forward_kl_gaussian_fit(weights, means, sigmas) -> GaussianFit:
    r"""The Gaussian closest to a mixture in the forward divergence :math:`\mathrm{KL}(p\,\|\,q)`.

    Parameters
    ----------
    weights, means, sigmas : array_like, shape (K,)
        The target mixture :math:`p`.

    Returns
    -------
    GaussianFit
        ``mu`` and ``sigma`` of the moment-matched Gaussian, ``kl`` =
        :math:`\mathrm{KL}(p\,\|\,q)` there (by :func:`mixture_kl`), ``converged = True``
        (a closed form).

    Notes
    -----
    Eq. (mle-moment-matching): :math:`\mathrm{KL}(p\,\|\,q)` depends on :math:`q`'s parameters
    only through :math:`-\mathbb E_p[\log q]`, minimised by matching the mean and the variance
    of :math:`p` (Bishop 2006, sec. 10.7): "mass-covering", the fit spreads over both modes.
    """
    m, v = mixture_moments(weights, means, sigmas)
    # mu = E_p[x], sigma^2 = Var_p[x]                           (mle-moment-matching)
    sigma = float(np.sqrt(v))
    return GaussianFit(m, sigma, mixture_kl(m, sigma, weights, means, sigmas), True)


def reverse_kl_gaussian_fit(weights, means, sigmas, mu_init, sigma_init, *, n_grid=2001,
                            tol=1e-6, max_iter=200) -> GaussianFit:
    r"""A Gaussian that locally minimises the reverse divergence :math:`\mathrm{KL}(q\,\|\,p)`.

    Parameters
    ----------
    weights, means, sigmas : array_like, shape (K,)
        The target mixture :math:`p`.
    mu_init, sigma_init : float
        Starting mean and standard deviation (> 0). The reverse divergence has one local
        minimum per well-separated mode: the start decides which one is found.
    n_grid : int, default 2001
        Points of the quadrature rule for :math:`\mathbb E_q[\cdot]`: the trapezoidal rule on
        :math:`z = (x - \mu)/\sigma \in [-12, 12]`, at least 101.
    tol : float, default 1e-6
        Converged when both partial derivatives (in :math:`\mu` and :math:`\log\sigma`) are
        below ``tol`` in absolute value.
    max_iter : int, default 200
        Budget of BFGS iterations.

    Returns
    -------
    GaussianFit
        ``mu``, ``sigma``, ``kl`` = :math:`\mathrm{KL}(q\,\|\,p)` at the fit (by the
        quadrature rule) and ``converged``; a :class:`derivlib.ConvergenceWarning` if not.

    Notes
    -----
    Eq. (mle-reverse-kl):
    :math:`\mathrm{KL}(q\,\|\,p) = -\tfrac12\log(2\pi e\sigma^2) - \mathbb E_q[\log p(x)]`,
    with :math:`\mathbb E_q[f(x)] \approx \sum_i \omega_i f(\mu + \sigma z_i)`, the
    trapezoidal rule on a fixed grid :math:`z_i` with weights :math:`\omega_i = h\,\phi(z_i)`
    (exponentially accurate for smooth integrands that decay like the Gaussian density
    :math:`\phi`; a Gauss-Hermite rule is not, since :math:`\log p` bends sharply between
    separated modes), minimised by BFGS over :math:`(\mu, \log\sigma)` with the exact
    gradient of the rule,

    .. math:: \partial_\mu = -\mathbb E_q[s(x)], \qquad
              \partial_{\log\sigma} = -1 - \sigma\,\mathbb E_q[s(x)\,z],

    :math:`s = (\log p)'` the score of the mixture and :math:`z = (x - \mu)/\sigma`. It is
    "mode-seeking": :math:`q` is penalised wherever it puts mass and :math:`p` has little.
    The result is a stationary point found by descent from the start (a local minimum).
    """
    weights, means, sigmas = _check_mixture(weights, means, sigmas)
    mu0 = float(as_array(mu_init, "mu_init", ndim=0))
    s0 = float(_positive_array(sigma_init, "sigma_init", ndim=0))
    n_grid = int(check_positive(n_grid, "n_grid", integer=True))
    if n_grid < 101:
        raise ValueError(f"n_grid must be >= 101, got {n_grid}")
    tol = float(check_positive(tol, "tol"))
    max_iter = int(check_positive(max_iter, "max_iter", integer=True))
    z = np.linspace(-12.0, 12.0, n_grid)
    omega = (z[1] - z[0]) * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)  # E[f(Z)] ~ sum w_i f(z_i)

    def kl_and_grad(theta):
        mu, log_s = theta
        s = np.exp(log_s)
        x = mu + s * z
        # KL(q || p) = -H(q) - E_q[log p]                          (mle-reverse-kl)
        kl = -0.5 * np.log(2 * np.pi * np.e) - log_s - omega @ _mixture_logpdf(x, weights,
                                                                                 means, sigmas)
        score = _mixture_score(x, weights, means, sigmas)
        return kl, np.array([-(omega @ score), -1.0 - s * (omega @ (score * z))])

    res = optimize.minimize(kl_and_grad, np.array([mu0, np.log(s0)]), jac=True, method="BFGS",
                            options={"maxiter": max_iter, "gtol": tol / 100})
    kl, grad = kl_and_grad(res.x)
    converged = report("BFGS (reverse_kl_gaussian_fit)", measure="max |gradient|",
                       value=float(np.max(np.abs(grad))), tol=tol, n_iter=int(res.nit),
                       max_iter=max_iter, advice="raise max_iter or n_grid")
    return GaussianFit(float(res.x[0]), float(np.exp(res.x[1])), max(float(kl), 0.0), converged)


# --------------------------------------------------------------------------- mutual information
def mutual_information(P) -> float:
    r"""Mutual information :math:`I(X; Y)` of a discrete joint distribution.

    Parameters
    ----------
    P : array_like, shape (K, L)
        Joint probabilities :math:`p(x, y)`: non-negative, summing to 1.

    Returns
    -------
    float
        :math:`I(X;Y) \ge 0` in nats.

    Raises
    ------
    ValueError
        If ``P`` is not 2-D, has a negative entry, or does not sum to 1.

    Notes
    -----
    Eq. (mle-mi): the KL divergence from the product of the marginals to the joint,

    .. math:: I(X;Y) = \mathrm{KL}\bigl(p(x,y)\,\|\,p(x)p(y)\bigr)
              = \sum_{x,y} p(x,y)\log\frac{p(x,y)}{p(x)\,p(y)} = H(X) - H(X\mid Y),

    with :math:`0\log 0 = 0` (``scipy.special.rel_entr``). For the empirical joint
    distribution of two label vectors it equals ``sklearn.metrics.mutual_info_score``.
    """
    shape = as_array(P, "P", ndim=2).shape
    # the caller's own array: a float32 P is judged at float32's sum-to-one tolerance
    P = check_probability_vector(np.ravel(P), "P").reshape(shape)
    px = P.sum(axis=1, keepdims=True)
    py = P.sum(axis=0, keepdims=True)
    # sum_xy p(x,y) log(p(x,y) / (p(x) p(y)))                     (mle-mi)
    return max(float(np.sum(rel_entr(P, px * py))), 0.0)


def gaussian_mutual_information(rho):
    r"""Mutual information of a bivariate Gaussian with correlation :math:`\rho`.

    Parameters
    ----------
    rho : float or array_like
        Correlation coefficient, :math:`-1 < \rho < 1`.

    Returns
    -------
    float or ndarray
        :math:`I(X;Y) = -\frac12\log(1 - \rho^2)` in nats, whatever the means and variances.

    Raises
    ------
    ValueError
        If :math:`|\rho| \ge 1` (the information is infinite) or ``rho`` is not finite.

    Notes
    -----
    Eq. (mle-mi-gauss) (Cover & Thomas 2006, example 8.5.1), computed as
    :math:`-\frac12\operatorname{log1p}(-\rho^2)`, accurate for small :math:`\rho`.
    """
    rho = as_array(rho, "rho")
    if np.any(np.abs(rho) >= 1):
        raise ValueError(f"rho must be in (-1, 1), got {rho[np.abs(rho) >= 1].ravel()[:3]}")
    # I = -1/2 log(1 - rho^2)                                      (mle-mi-gauss)
    return _float_or_array(-0.5 * np.log1p(-(rho * rho)))
