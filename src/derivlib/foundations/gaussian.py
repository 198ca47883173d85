r"""The multivariate Gaussian: marginals, conditionals, the linear-Gaussian model, products.

Code of the chapter ``chapters/foundations/gaussian.ipynb``; tested in
``tests/foundations/test_gaussian.py``. Every function computes one labelled equation of the
chapter (the label is in its Notes and in a comment on the line that computes it), after
Bishop (2006), *Pattern Recognition and Machine Learning*, section 2.3.

Symbols
-------
=====================================  ===========  ===========================================
book                                   code         meaning, shape
=====================================  ===========  ===========================================
:math:`\boldsymbol\mu`                 ``mu``       mean, ``(D,)``
:math:`\boldsymbol\Sigma`              ``Sigma``    covariance, symmetric positive definite,
                                                    ``(D, D)``
:math:`\mathbf{x}_b`                   ``values``   the observed coordinates ``x[idx]``
:math:`\mathbf{A}, \mathbf{b}`         ``A, b``     linear-Gaussian model: the mean of
                                                    :math:`\mathbf y` given :math:`\mathbf x`
                                                    is :math:`\mathbf{A}\mathbf{x} + \mathbf{b}`,
                                                    ``(M, D)`` and ``(M,)``
:math:`\mathbf{R}`                     ``R``        covariance of :math:`\mathbf y` given
                                                    :math:`\mathbf x`, ``(M, M)``
:math:`\mathbf{X}`                     ``X``        data, one row per sample, ``(N, D)``
=====================================  ===========  ===========================================

Every covariance argument is a **covariance**, never a precision matrix (Bishop writes the
linear-Gaussian model with precisions :math:`\boldsymbol\Lambda` and :math:`\mathbf L`:
``Sigma`` is his :math:`\boldsymbol\Lambda^{-1}` and ``R`` his :math:`\mathbf L^{-1}`).

Numerics: no inverse is formed. Every product with an inverse covariance is a Cholesky solve
(``scipy.linalg.cho_factor``/``cho_solve``), log-determinants are twice the sum of the logs of
the Cholesky diagonal, and covariances that come out of a subtraction are symmetrised.
A covariance argument must be symmetric (to a relative ``1e-8``, or ``4 D eps`` for float32
input) and positive definite (its Cholesky factorisation must succeed); otherwise a
``ValueError`` names it.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.linalg

from derivlib._validation import as_array, check_finite_result, check_positive, input_eps

__all__ = [
    "Gaussian",
    "GaussianProduct",
    "condition",
    "linear_gaussian_marginal",
    "linear_gaussian_posterior",
    "logpdf",
    "marginal",
    "ml_covariance",
    "product",
]

_SYM_RTOL = 1e-8  # symmetry of a float64 covariance argument, relative to max |Sigma|


class Gaussian(NamedTuple):
    """A Gaussian :math:`\\mathcal N(\\text{mean}, \\text{cov})`.

    Attributes
    ----------
    mean : ndarray, shape (D,)
    cov : ndarray, shape (D, D)
    """

    mean: np.ndarray
    cov: np.ndarray


class GaussianProduct(NamedTuple):
    """The product of two Gaussian densities of the same variable, eq. (gauss-product).

    :math:`\\mathcal N(\\mathbf x \\mid \\mathbf a, \\mathbf A)\\,
    \\mathcal N(\\mathbf x \\mid \\mathbf b, \\mathbf B) = Z\\,
    \\mathcal N(\\mathbf x \\mid \\mathbf c, \\mathbf C)`.

    Attributes
    ----------
    mean : ndarray, shape (D,)
        :math:`\\mathbf c`.
    cov : ndarray, shape (D, D)
        :math:`\\mathbf C`.
    log_scale : float
        :math:`\\log Z = \\log \\mathcal N(\\mathbf a \\mid \\mathbf b, \\mathbf A + \\mathbf B)`,
        the log of the normalising constant (the constant itself, ``exp(log_scale)``,
        underflows for distant means).
    """

    mean: np.ndarray
    cov: np.ndarray
    log_scale: float


# --------------------------------------------------------------------------- validation
def _mean(mu, name: str = "mu") -> np.ndarray:
    return as_array(mu, name, ndim=1).copy()


def _covariance(Sigma, name: str, D: int, what: str):
    """A symmetric positive definite ``(D, D)`` float64 copy and its Cholesky factor."""
    eps = input_eps(Sigma)
    S = as_array(Sigma, name, ndim=2).copy()
    if S.shape != (D, D):
        raise ValueError(f"{name} must have shape ({D}, {D}) ({what}), got {S.shape}")
    rtol = max(_SYM_RTOL, 4.0 * D * eps)
    scale = float(np.max(np.abs(S)))
    asym = float(np.max(np.abs(S - S.T)))
    if asym > rtol * scale:
        raise ValueError(f"{name} must be a symmetric covariance matrix (to a relative "
                         f"{rtol:.2g}), got max |{name} - {name}^T| = {asym:.3g} with "
                         f"max |{name}| = {scale:.3g}")
    S = 0.5 * (S + S.T)
    return S, _cholesky(S, name)


def _cholesky(S: np.ndarray, name: str):
    try:
        return scipy.linalg.cho_factor(S, lower=True)
    except np.linalg.LinAlgError:
        low = float(np.linalg.eigvalsh(S)[0])
        raise ValueError(f"{name} must be symmetric positive definite, got smallest "
                         f"eigenvalue {low:.3g}") from None


def _indices(idx, D: int) -> np.ndarray:
    """Distinct integer indices into ``range(D)``, at least one and not all of them."""
    if isinstance(idx, str | bytes) or isinstance(idx, bool | np.bool_):
        raise TypeError(f"idx must be a sequence of integer indices, got {idx!r}")
    if isinstance(idx, numbers.Integral):
        idx = [idx]
    arr = np.asarray(idx)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"idx must be a non-empty 1-D sequence of indices, got shape "
                         f"{arr.shape}")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"idx must hold integers, got dtype {arr.dtype}")
    if np.any(arr < -D) or np.any(arr >= D):
        raise ValueError(f"idx must hold indices in [-{D}, {D}), got {arr.tolist()}")
    arr = arr % D
    if np.unique(arr).size != arr.size:
        raise ValueError(f"idx must not repeat an index, got {arr.tolist()}")
    return arr.astype(np.intp)


def _rest(idx: np.ndarray, D: int) -> np.ndarray:
    return np.setdiff1d(np.arange(D), idx)


# --------------------------------------------------------------------------- densities
def logpdf(x, mu, Sigma):
    r"""Log-density of :math:`\mathcal N(\boldsymbol\mu, \boldsymbol\Sigma)` at ``x``.

    .. math::

        \log \mathcal N(\mathbf x \mid \boldsymbol\mu, \boldsymbol\Sigma) =
        -\tfrac{D}{2}\log 2\pi - \tfrac12 \log|\boldsymbol\Sigma|
        - \tfrac12 (\mathbf x - \boldsymbol\mu)^\top \boldsymbol\Sigma^{-1}
        (\mathbf x - \boldsymbol\mu)

    Parameters
    ----------
    x : array_like, shape (D,) or (N, D)
        One point, or one point per row.
    mu : array_like, shape (D,)
    Sigma : array_like, shape (D, D)
        Symmetric positive definite.

    Returns
    -------
    float or ndarray of shape (N,)

    Notes
    -----
    Eq. (gauss-density), with :math:`\boldsymbol\Sigma = \mathbf L \mathbf L^\top`: the
    quadratic form is :math:`\lVert \mathbf L^{-1}(\mathbf x - \boldsymbol\mu)\rVert^2`
    (a triangular solve) and :math:`\log|\boldsymbol\Sigma| = 2\sum_i \log L_{ii}`.
    """
    mu = _mean(mu)
    D = mu.size
    x = as_array(x, "x", ndim=(1, 2))
    if x.shape[-1] != D:
        raise ValueError(f"x must have D = {D} entries per point (mu has {D}), got shape "
                         f"{x.shape}")
    Sigma, (L, lower) = _covariance(Sigma, "Sigma", D, "mu has D entries")
    diff = np.atleast_2d(x) - mu
    z = scipy.linalg.solve_triangular(L, diff.T, lower=lower)      # L^{-1} (x - mu)
    with np.errstate(over="ignore"):  # an overflow is reported below, not warned about
        quad = np.sum(z**2, axis=0)
    log_det = 2.0 * np.sum(np.log(np.diag(L)))                      # log |Sigma|
    out = -0.5 * (D * np.log(2.0 * np.pi) + log_det + quad)         # (gauss-density)
    check_finite_result(out, "the log-density", "x is too far from mu for float64")
    return float(out[0]) if x.ndim == 1 else out


# --------------------------------------------------------------------------- partitions
def marginal(mu, Sigma, idx):
    r"""The marginal of the coordinates ``idx`` of :math:`\mathcal N(\boldsymbol\mu,
    \boldsymbol\Sigma)`.

    Parameters
    ----------
    mu : array_like, shape (D,)
    Sigma : array_like, shape (D, D)
        Symmetric positive definite.
    idx : sequence of int
        The coordinates kept (in this order).

    Returns
    -------
    Gaussian
        ``mean = mu[idx]``, ``cov = Sigma[idx][:, idx]``.

    Notes
    -----
    Eq. (gauss-marginal): :math:`p(\mathbf x_a) = \mathcal N(\boldsymbol\mu_a,
    \boldsymbol\Sigma_{aa})`; nothing is computed, the blocks are read off.
    """
    mu = _mean(mu)
    D = mu.size
    Sigma, _ = _covariance(Sigma, "Sigma", D, "mu has D entries")
    a = _indices(idx, D)
    return Gaussian(mu[a].copy(), Sigma[np.ix_(a, a)].copy())       # (gauss-marginal)


def condition(mu, Sigma, idx, values):
    r"""The conditional of the other coordinates given ``x[idx] = values``.

    Parameters
    ----------
    mu : array_like, shape (D,)
    Sigma : array_like, shape (D, D)
        Symmetric positive definite.
    idx : sequence of int
        The observed coordinates :math:`b` (at least one, not all).
    values : array_like, shape (len(idx),)
        Their observed values :math:`\mathbf x_b`.

    Returns
    -------
    Gaussian
        The distribution of the remaining coordinates :math:`a` (in increasing order):

        .. math::

            \boldsymbol\mu_{a|b} = \boldsymbol\mu_a + \boldsymbol\Sigma_{ab}
            \boldsymbol\Sigma_{bb}^{-1}(\mathbf x_b - \boldsymbol\mu_b), \qquad
            \boldsymbol\Sigma_{a|b} = \boldsymbol\Sigma_{aa} - \boldsymbol\Sigma_{ab}
            \boldsymbol\Sigma_{bb}^{-1}\boldsymbol\Sigma_{ba}.

    Notes
    -----
    Eqs. (gauss-cond-mean) and (gauss-cond-cov). The products with
    :math:`\boldsymbol\Sigma_{bb}^{-1}` are one Cholesky solve with two right-hand sides;
    the Schur complement is symmetrised.
    """
    mu = _mean(mu)
    D = mu.size
    Sigma, _ = _covariance(Sigma, "Sigma", D, "mu has D entries")
    b = _indices(idx, D)
    if b.size == D:
        raise ValueError(f"idx must leave at least one coordinate unobserved, got all {D}")
    a = _rest(b, D)
    x_b = as_array(values, "values", ndim=1)
    if x_b.size != b.size:
        raise ValueError(f"values must have one entry per index in idx ({b.size}), got "
                         f"shape {x_b.shape}")
    S_ab, S_bb = Sigma[np.ix_(a, b)], Sigma[np.ix_(b, b)]
    factor = _cholesky(S_bb, "Sigma[idx][:, idx]")
    # one solve for both: Sigma_bb^{-1} [x_b - mu_b, Sigma_ba]
    rhs = np.column_stack([x_b - mu[b], S_ab.T])
    sol = scipy.linalg.cho_solve(factor, rhs)
    mean = mu[a] + S_ab @ sol[:, 0]                                 # (gauss-cond-mean)
    cov = Sigma[np.ix_(a, a)] - S_ab @ sol[:, 1:]                   # (gauss-cond-cov)
    return Gaussian(mean, 0.5 * (cov + cov.T))


# --------------------------------------------------------------------------- linear model
def _linear_model(mu, Sigma, A, b, R):
    mu = _mean(mu)
    D = mu.size
    Sigma, _ = _covariance(Sigma, "Sigma", D, "mu has D entries")
    A = as_array(A, "A", ndim=2).copy()
    if A.shape[1] != D:
        raise ValueError(f"A must have D = {D} columns (mu has {D} entries), got shape "
                         f"{A.shape}")
    M = A.shape[0]
    b = as_array(b, "b", ndim=1).copy()
    if b.size != M:
        raise ValueError(f"b must have M = {M} entries (A has {M} rows), got shape {b.shape}")
    R, _ = _covariance(R, "R", M, "A has M rows")
    return mu, Sigma, A, b, R


def linear_gaussian_marginal(mu, Sigma, A, b, R):
    r"""The marginal :math:`p(\mathbf y)` of the linear-Gaussian model.

    For :math:`p(\mathbf x) = \mathcal N(\boldsymbol\mu, \boldsymbol\Sigma)` and
    :math:`p(\mathbf y \mid \mathbf x) = \mathcal N(\mathbf A\mathbf x + \mathbf b,
    \mathbf R)`,

    .. math::

        p(\mathbf y) = \mathcal N(\mathbf A\boldsymbol\mu + \mathbf b,\;
        \mathbf R + \mathbf A\boldsymbol\Sigma\mathbf A^\top).

    Parameters
    ----------
    mu : array_like, shape (D,)
    Sigma : array_like, shape (D, D)
        Covariance of :math:`\mathbf x` (not a precision).
    A : array_like, shape (M, D)
    b : array_like, shape (M,)
    R : array_like, shape (M, M)
        Covariance of :math:`\mathbf y` given :math:`\mathbf x` (not a precision).

    Returns
    -------
    Gaussian

    Notes
    -----
    Eq. (gauss-lin-marginal); Bishop's (2.115) with :math:`\boldsymbol\Lambda^{-1} =
    \boldsymbol\Sigma` and :math:`\mathbf L^{-1} = \mathbf R`.
    """
    mu, Sigma, A, b, R = _linear_model(mu, Sigma, A, b, R)
    cov = R + A @ Sigma @ A.T                                       # (gauss-lin-marginal)
    return Gaussian(A @ mu + b, 0.5 * (cov + cov.T))


def linear_gaussian_posterior(mu, Sigma, A, b, R, y):
    r"""The posterior :math:`p(\mathbf x \mid \mathbf y)` of the linear-Gaussian model.

    With :math:`\mathbf S = \mathbf R + \mathbf A\boldsymbol\Sigma\mathbf A^\top` and the
    gain :math:`\mathbf K = \boldsymbol\Sigma\mathbf A^\top\mathbf S^{-1}`,

    .. math::

        p(\mathbf x \mid \mathbf y) = \mathcal N\big(\boldsymbol\mu + \mathbf K(\mathbf y
        - \mathbf A\boldsymbol\mu - \mathbf b),\; \boldsymbol\Sigma - \mathbf K\mathbf S
        \mathbf K^\top\big),

    which equals Bishop's information form :math:`\mathcal N\big(\mathbf P(\mathbf A^\top
    \mathbf R^{-1}(\mathbf y - \mathbf b) + \boldsymbol\Sigma^{-1}\boldsymbol\mu),
    \mathbf P\big)`, :math:`\mathbf P = (\boldsymbol\Sigma^{-1} + \mathbf A^\top
    \mathbf R^{-1}\mathbf A)^{-1}`, by the Woodbury and push-through identities.

    Parameters
    ----------
    mu, Sigma, A, b, R
        As in :func:`linear_gaussian_marginal` (covariances, not precisions).
    y : array_like, shape (M,)
        The observed :math:`\mathbf y`.

    Returns
    -------
    Gaussian

    Notes
    -----
    Eq. (gauss-lin-posterior), in the covariance (gain) form: one Cholesky factorisation of
    the ``(M, M)`` matrix :math:`\mathbf S` and no inverse of :math:`\boldsymbol\Sigma` or
    :math:`\mathbf R`, so a nearly singular prior covariance is harmless.
    """
    mu, Sigma, A, b, R = _linear_model(mu, Sigma, A, b, R)
    y = as_array(y, "y", ndim=1)
    if y.size != A.shape[0]:
        raise ValueError(f"y must have M = {A.shape[0]} entries (A has {A.shape[0]} rows), "
                         f"got shape {y.shape}")
    S = R + A @ Sigma @ A.T                                         # (gauss-lin-marginal)
    factor = _cholesky(0.5 * (S + S.T), "R + A Sigma A^T")
    K = scipy.linalg.cho_solve(factor, A @ Sigma).T                 # K = Sigma A^T S^{-1}
    mean = mu + K @ (y - A @ mu - b)                                # (gauss-lin-posterior)
    cov = Sigma - K @ A @ Sigma                                     # Sigma - K S K^T
    return Gaussian(mean, 0.5 * (cov + cov.T))


# --------------------------------------------------------------------------- products
def product(mu1, Sigma1, mu2, Sigma2):
    r"""The product of two Gaussian densities of the same variable.

    .. math::

        \mathcal N(\mathbf x \mid \mathbf a, \mathbf A)\,\mathcal N(\mathbf x \mid \mathbf b,
        \mathbf B) = \mathcal N(\mathbf a \mid \mathbf b, \mathbf A + \mathbf B)\,
        \mathcal N(\mathbf x \mid \mathbf c, \mathbf C),

    with :math:`\mathbf C = \mathbf A(\mathbf A + \mathbf B)^{-1}\mathbf B =
    (\mathbf A^{-1} + \mathbf B^{-1})^{-1}` and :math:`\mathbf c = \mathbf B(\mathbf A +
    \mathbf B)^{-1}\mathbf a + \mathbf A(\mathbf A + \mathbf B)^{-1}\mathbf b =
    \mathbf C(\mathbf A^{-1}\mathbf a + \mathbf B^{-1}\mathbf b)`.

    Parameters
    ----------
    mu1, Sigma1 : array_like, shapes (D,), (D, D)
        :math:`\mathbf a, \mathbf A`.
    mu2, Sigma2 : array_like, shapes (D,), (D, D)
        :math:`\mathbf b, \mathbf B`.

    Returns
    -------
    GaussianProduct
        ``mean`` :math:`\mathbf c`, ``cov`` :math:`\mathbf C`, and ``log_scale``, the log
        of the normalising constant :math:`\mathcal N(\mathbf a \mid \mathbf b, \mathbf A +
        \mathbf B)`.

    Notes
    -----
    Eq. (gauss-product), in the forms with :math:`(\mathbf A + \mathbf B)^{-1}`: one
    Cholesky factorisation of :math:`\mathbf A + \mathbf B` and no inverse of either
    covariance.
    """
    a = _mean(mu1, "mu1")
    D = a.size
    b = _mean(mu2, "mu2")
    if b.size != D:
        raise ValueError(f"mu2 must have D = {D} entries (mu1 has {D}), got shape {b.shape}")
    A, _ = _covariance(Sigma1, "Sigma1", D, "mu1 has D entries")
    B, _ = _covariance(Sigma2, "Sigma2", D, "mu1 has D entries")
    factor = _cholesky(A + B, "Sigma1 + Sigma2")
    sol = scipy.linalg.cho_solve(factor, np.column_stack([a, b, B]))  # (A+B)^{-1}[a, b, B]
    mean = B @ sol[:, 0] + A @ sol[:, 1]                             # c, (gauss-product)
    cov = A @ sol[:, 2:]                                             # C = A (A+B)^{-1} B
    log_scale = logpdf(a, b, A + B)                                  # log N(a | b, A + B)
    return GaussianProduct(mean, 0.5 * (cov + cov.T), log_scale)


# --------------------------------------------------------------------------- estimation
def ml_covariance(X, ddof=0):
    r"""The sample covariance of the rows of ``X``, dividing by ``N - ddof``.

    .. math::

        \hat{\boldsymbol\Sigma} = \frac{1}{N - \text{ddof}} \sum_{n=1}^N
        (\mathbf x_n - \bar{\mathbf x})(\mathbf x_n - \bar{\mathbf x})^\top
        = \frac{1}{N - \text{ddof}}\,\mathbf X^\top \mathbf H \mathbf X,
        \qquad \mathbf H = \mathbf I - \tfrac1N \mathbf 1 \mathbf 1^\top.

    Parameters
    ----------
    X : array_like, shape (N, D)
        One sample per row.
    ddof : int, default 0
        0 gives the maximum-likelihood covariance :math:`\hat{\boldsymbol\Sigma}_{\text{ML}}`
        (biased), 1 the unbiased covariance; ``ddof < N`` is required.

    Returns
    -------
    ndarray, shape (D, D)

    Notes
    -----
    Eq. (gauss-ml-cov); the expectation of the ML covariance is eq. (gauss-ml-cov-bias),
    :math:`\frac{N-1}{N}\boldsymbol\Sigma`. Computed in two passes (the mean first), the
    stable form.
    """
    X = as_array(X, "X", ndim=2)
    ddof = check_positive(ddof, "ddof", strict=False, integer=True)
    N = X.shape[0]
    if ddof >= N:
        raise ValueError(f"ddof must be smaller than the number of samples N = {N}, got "
                         f"{ddof}")
    centred = X - X.mean(axis=0)                                    # H X
    cov = centred.T @ centred / (N - ddof)                          # (gauss-ml-cov)
    check_finite_result(cov, "the covariance", "the data are too large for float64; "
                        "rescale them")
    return 0.5 * (cov + cov.T)
