r"""Hidden Markov models: forward-backward, Viterbi, Baum-Welch.

Code of the chapter ``chapters/sequences/hmm.ipynb``; tested in
``tests/sequences/test_hmm.py`` against hmmlearn and against brute-force enumeration of
the hidden paths. Every function mirrors one labelled equation of the chapter (the label
is given in its Notes), after Bishop (2006), *Pattern Recognition and Machine Learning*,
section 13.2, and Rabiner (1989).

Symbols
-------
=======================  =================  ===============================================
book                     code               meaning
=======================  =================  ===============================================
:math:`N`                ``N``              length of the sequence, steps :math:`n=1..N`
:math:`K`                ``K``              number of hidden states
:math:`\pi_k`            ``pi[k]``          initial distribution :math:`p(z_1 = k)`, ``(K,)``
:math:`A_{ij}`           ``A[i, j]``        transition :math:`p(z_n = j \mid z_{n-1} = i)`,
                                            ``(K, K)``, rows sum to 1
:math:`b_n(k)`           ``B_obs[n, k]``    emission likelihood :math:`p(x_n \mid z_n = k)`,
                                            ``(N, K)``
:math:`\hat\alpha_n(k)`  ``alpha_hat``      scaled forward variable :math:`p(z_n=k \mid
                                            x_{1:n})`, ``(N, K)``
:math:`c_n`              ``c``              normaliser :math:`p(x_n \mid x_{1:n-1})`, ``(N,)``
:math:`\hat\beta_n(k)`   ``beta_hat``       scaled backward variable, ``(N, K)``
:math:`\gamma_n(k)`      ``gamma``          posterior :math:`p(z_n = k \mid X)`, ``(N, K)``
:math:`\xi_n(i, j)`      ``xi``             pairwise posterior :math:`p(z_{n-1}=i, z_n=j
                                            \mid X)`, ``(N-1, K, K)`` or summed ``(K, K)``
:math:`\mathbf{B}`       ``B``              categorical emissions :math:`B_{km} = p(x=m \mid
                                            z=k)`, ``(K, M)``
:math:`\boldsymbol\mu_k` ``means[k]``       Gaussian emission means, ``(K, D)``
:math:`\Sigma_k`         ``covars[k]``      Gaussian covariances, ``(K, D, D)`` (full) or
                                            ``(K, D)`` (diagonal)
=======================  =================  ===============================================

Python indexes steps from 0, the book from 1: ``B_obs[0]`` is :math:`b_1`.

Every inference function takes the emission likelihoods either as ``B_obs`` (probabilities)
or as ``log_B_obs`` (their logarithms, the safe choice for Gaussian emissions, whose
densities can underflow); exactly one of the two must be given.

Results of the chapter implemented here:

* eq. (hmm-joint): :func:`log_joint`, the log of the joint :math:`p(X, Z)`;
* eqs. (hmm-scaled-alpha), (hmm-scaled-beta), (hmm-loglik), (hmm-scaled-post):
  :func:`forward`, :func:`backward`, :func:`forward_backward`;
* eqs. (hmm-log-alpha), (hmm-log-beta): :func:`log_forward_backward`;
* eq. (hmm-viterbi): :func:`textbook_viterbi` (the chapter's, a plain loop) and
  :func:`viterbi` (the same result, faster);
* eq. (hmm-gamma-backward): :func:`alpha_gamma_smoother`, the posteriors from the filtered
  ones; eq. (hmm-predictive): :func:`predictive`, the next observation's distribution;
* eqs. (hmm-mstep-pi), (hmm-mstep-A), (hmm-mstep-B), (hmm-mstep-mu), (hmm-mstep-sigma),
  and (hmm-mstep-pooled) for several sequences: :func:`baum_welch_step`, :func:`baum_welch`;
* :func:`sample` draws a state path and observations from the model.
"""

from __future__ import annotations

import math
import numbers
import warnings
from bisect import bisect_right
from typing import NamedTuple

import numpy as np
from scipy.linalg import LinAlgError, cholesky, solve_triangular

from derivlib._convergence import ConvergenceWarning, NumericalError, report
from derivlib._validation import (
    as_array,
    as_generator,
    check_finite_result,
    check_positive,
    input_eps,
    sum_tolerance,
)

__all__ = [
    "BaumWelchResult",
    "BaumWelchStep",
    "Categorical",
    "Forward",
    "Gaussian",
    "HMMSample",
    "Posterior",
    "ViterbiResult",
    "alpha_gamma_smoother",
    "backward",
    "baum_welch",
    "baum_welch_step",
    "categorical_likelihood",
    "emission_log_likelihood",
    "forward",
    "forward_backward",
    "gaussian_log_likelihood",
    "log_categorical_likelihood",
    "log_forward_backward",
    "log_joint",
    "predictive",
    "sample",
    "textbook_viterbi",
    "viterbi",
]

_ATOL = 1e-8  # tolerance for "sums to 1" and for symmetry


# ============================================================================ results
class Categorical(NamedTuple):
    """Categorical emissions: ``B[k, m]`` = :math:`p(x_n = m \\mid z_n = k)`, shape (K, M)."""

    B: np.ndarray


class Gaussian(NamedTuple):
    """Gaussian emissions: ``means`` (K, D); ``covars`` (K, D, D) full or (K, D) diagonal."""

    means: np.ndarray
    covars: np.ndarray


class Forward(NamedTuple):
    """Result of the scaled forward recursion.

    Attributes
    ----------
    alpha_hat : ndarray, shape (N, K)
        :math:`\\hat\\alpha_n(k) = p(z_n = k \\mid x_1, \\dots, x_n)`, rows sum to 1.
    c : ndarray, shape (N,)
        Normalisers :math:`c_n = p(x_n \\mid x_1, \\dots, x_{n-1})`.
    """

    alpha_hat: np.ndarray
    c: np.ndarray


class Posterior(NamedTuple):
    """Result of forward-backward.

    Attributes
    ----------
    gamma : ndarray, shape (N, K)
        Smoothing posteriors :math:`\\gamma_n(k) = p(z_n = k \\mid X)`.
    xi : ndarray or None
        Pairwise posteriors: shape (K, K), summed over :math:`n = 2..N` (``pairwise="sum"``),
        shape (N-1, K, K) (``pairwise="full"``), or None (``pairwise=None``).
    loglik : float
        :math:`\\log p(X) = \\sum_n \\log c_n`.
    log_c : ndarray, shape (N,)
        The logarithms of the normalisers, :math:`\\log c_n = \\log p(x_n \\mid x_{1:n-1})`
        (logs: for Gaussian emissions :math:`c_n` itself can underflow).
    """

    gamma: np.ndarray
    xi: np.ndarray | None
    loglik: float
    log_c: np.ndarray


class ViterbiResult(NamedTuple):
    """The most probable path ``path`` (N,) and its log joint probability ``log_prob``."""

    path: np.ndarray
    log_prob: float


class BaumWelchResult(NamedTuple):
    """Result of :func:`baum_welch`.

    Attributes
    ----------
    pi, A : ndarray
        Re-estimated initial distribution (K,) and transition matrix (K, K).
    emission : Categorical or Gaussian
        Re-estimated emission parameters.
    history : ndarray, shape (n_updates,)
        ``history[i]`` is :math:`\\log p(X \\mid \\theta^{(i)})`, the log-likelihood of the
        parameters *before* update ``i`` (as hmmlearn's ``monitor_.history``); EM makes it
        non-decreasing.
    converged : bool
        True if the last measured gain in log-likelihood, ``history[-1] - history[-2]``, is at
        most ``tol`` (EM has no optimality certificate; see :func:`baum_welch`).
    """

    pi: np.ndarray
    A: np.ndarray
    emission: Categorical | Gaussian
    history: np.ndarray
    converged: bool


class BaumWelchStep(NamedTuple):
    """Output of :func:`baum_welch_step`: the re-estimated parameters and the log-likelihood
    of the old ones."""

    pi: np.ndarray
    A: np.ndarray
    emission: Categorical | Gaussian
    loglik: float


class HMMSample(NamedTuple):
    """A draw from an HMM: hidden states ``z`` (N,) and observations ``x`` (N,) or (N, D)."""

    z: np.ndarray
    x: np.ndarray


# ============================================================================ validation
def _check_pi(pi) -> np.ndarray:
    arr = as_array(pi, "pi", ndim=1)
    if np.any(arr < 0):
        raise ValueError(f"pi must be non-negative, got minimum {arr.min():.3g}")
    tol = sum_tolerance(pi, arr.shape[0], _ATOL)  # scaled to the precision pi was given in
    if abs(arr.sum() - 1.0) > tol:
        raise ValueError(f"pi must sum to 1 (to {tol:.2g}), got sum {arr.sum():.10g}")
    return arr


def _check_stochastic(M, name: str, shape=None) -> np.ndarray:
    """A matrix whose rows are probability vectors (transition or emission matrix).

    ``M`` is the caller's argument as given: the tolerance on the row sums is scaled to its
    dtype (float32 rows cannot sum to 1 more closely than float32 precision).
    """
    arr = as_array(M, name, ndim=2)
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape} to match the other arguments, "
                         f"got {arr.shape}")
    if np.any(arr < 0):
        i, j = np.unravel_index(np.argmin(arr), arr.shape)
        raise ValueError(f"{name} must be non-negative, got {name}[{i}, {j}] = "
                         f"{arr[i, j]:.3g}")
    tol = sum_tolerance(M, arr.shape[1], _ATOL)
    sums = arr.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > tol)
    if bad.size:
        raise ValueError(f"rows of {name} must sum to 1 (to {tol:.2g}), got row {bad[0]} "
                         f"summing to {sums[bad[0]]:.10g}")
    return arr


def _check_pi_A(pi, A) -> tuple[np.ndarray, np.ndarray]:
    pi = _check_pi(pi)
    K = pi.shape[0]
    shape = as_array(A, "A", ndim=2).shape
    if shape != (K, K):
        raise ValueError(f"A must have shape (K, K) = ({K}, {K}) to match pi of length {K}, "
                         f"got {shape}")
    return pi, _check_stochastic(A, "A")


def _check_emission_input(B_obs, log_B_obs, K: int) -> tuple[np.ndarray, bool]:
    """Return (array, is_log) after checking the (N, K) emission likelihoods."""
    if (B_obs is None) == (log_B_obs is None):
        raise ValueError("give exactly one of B_obs (likelihoods) and log_B_obs (their logs)")
    if B_obs is not None:
        B_obs = as_array(B_obs, "B_obs", ndim=2)
        if B_obs.shape[1] != K:
            raise ValueError(f"B_obs must have shape (N, K) with K = {K} states (the length "
                             f"of pi), got {B_obs.shape}")
        if np.any(B_obs < 0):
            raise ValueError(f"B_obs must be non-negative likelihoods, got minimum "
                             f"{B_obs.min():.3g}")
        return B_obs, False
    log_B_obs = as_array(log_B_obs, "log_B_obs", ndim=2, finite=False)
    if log_B_obs.shape[1] != K:
        raise ValueError(f"log_B_obs must have shape (N, K) with K = {K} states (the length "
                         f"of pi), got {log_B_obs.shape}")
    if np.any(np.isnan(log_B_obs)) or np.any(log_B_obs == np.inf):
        raise ValueError("log_B_obs must not contain NaN or +inf (use -inf for zero likelihood)")
    return log_B_obs, True


def _check_symbols(x, M: int | None = None, name: str = "x") -> np.ndarray:
    x = as_array(x, name, ndim=1, dtype=float)
    xi = x.astype(np.intp)
    if np.any(xi != x):
        raise ValueError(f"{name} must contain integer symbols, got {x[xi != x][0]!r}")
    if xi.min() < 0 or (M is not None and xi.max() >= M):
        hi = "" if M is None else f"..{M - 1}"
        bad = xi.min() if xi.min() < 0 else xi.max()
        raise ValueError(f"{name} symbols must be in 0{hi} (the columns of B), got {bad}")
    return xi


def _check_B(B, K: int | None = None) -> np.ndarray:
    shape = as_array(B, "B", ndim=2).shape
    if K is not None and shape[0] != K:
        raise ValueError(f"B must have K = {K} rows (one per state), got shape {shape}")
    return _check_stochastic(B, "B")


def _check_gaussian(means, covars, K: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    means = as_array(means, "means", ndim=2)
    if K is not None and means.shape[0] != K:
        raise ValueError(f"means must have shape (K, D) with K = {K} states, got {means.shape}")
    Kg, D = means.shape
    eps = input_eps(covars)  # the precision the covariances were given in
    covars = as_array(covars, "covars", ndim=(2, 3))
    if covars.ndim == 2:  # diagonal covariances
        if covars.shape != (Kg, D):
            raise ValueError(f"diagonal covars must have shape (K, D) = ({Kg}, {D}) like means, "
                             f"got {covars.shape}")
        if np.any(covars <= 0):
            raise ValueError(f"diagonal covars must be positive, got minimum {covars.min():.3g}")
        return means, covars
    if covars.shape != (Kg, D, D):
        raise ValueError(f"full covars must have shape (K, D, D) = ({Kg}, {D}, {D}), "
                         f"got {covars.shape}")
    # relative tolerances (a covariance in small units is as symmetric as one in large
    # units), scaled to the input's precision: rounding each entry to it perturbs the
    # eigenvalues by up to D eps max|S|
    rtol = max(_ATOL, 4 * D * eps)
    for k, S in enumerate(covars):
        scale = float(np.abs(S).max())
        if not np.allclose(S, S.T, atol=rtol * scale, rtol=0):
            raise ValueError(f"covars[{k}] must be symmetric positive semi-definite; it is not "
                             f"symmetric (max |S - S^T| = {np.abs(S - S.T).max():.3g}, "
                             f"max |S| = {scale:.3g})")
        low = float(np.linalg.eigvalsh(S).min())
        if low < -rtol * scale:
            raise ValueError(f"covars[{k}] must be symmetric positive semi-definite; its "
                             f"smallest eigenvalue is {low:.3g}")
    return means, covars


def _check_emission(emission, K: int | None = None):
    if isinstance(emission, Categorical):
        return Categorical(_check_B(emission.B, K))
    if isinstance(emission, Gaussian):
        return Gaussian(*_check_gaussian(emission.means, emission.covars, K))
    raise TypeError(f"emission must be hmm.Categorical(B) or hmm.Gaussian(means, covars), "
                    f"got {type(emission).__name__}")


def _check_observations(X, emission) -> np.ndarray:
    if isinstance(emission, Categorical):
        return _check_symbols(X, emission.B.shape[1], "X")
    X = as_array(X, "X", ndim=(1, 2))
    D = emission.means.shape[1]
    if X.ndim == 1:
        if D != 1:
            raise ValueError(f"X must have shape (N, D) with D = {D} (the columns of means), "
                             f"got a 1-D array")
        X = X[:, None]
    if X.shape[1] != D:
        raise ValueError(f"X must have shape (N, D) with D = {D} (the columns of means), "
                         f"got {X.shape}")
    return X


# ============================================================================ emissions
def categorical_likelihood(x, B) -> np.ndarray:
    r"""Emission likelihoods :math:`b_n(k) = B_{k x_n}` of a symbol sequence.

    Parameters
    ----------
    x : array_like of int, shape (N,)
        Observed symbols in ``0..M-1``.
    B : array_like, shape (K, M)
        Emission matrix, rows sum to 1.

    Returns
    -------
    ndarray, shape (N, K)
        ``B_obs[n, k] = B[k, x[n]]``.
    """
    B = _check_B(B)
    x = _check_symbols(x, B.shape[1])
    return B.T[x]


def log_categorical_likelihood(x, B) -> np.ndarray:
    """Logarithm of :func:`categorical_likelihood` (``-inf`` where ``B`` is 0), shape (N, K)."""
    B = _check_B(B)
    x = _check_symbols(x, B.shape[1])
    with np.errstate(divide="ignore"):
        return np.log(B.T)[x]


def gaussian_log_likelihood(X, means, covars) -> np.ndarray:
    r"""Gaussian emission log-densities :math:`\log \mathcal{N}(\mathbf{x}_n \mid
    \boldsymbol\mu_k, \boldsymbol\Sigma_k)`.

    Parameters
    ----------
    X : array_like, shape (N, D) or (N,) when D = 1
        Observations.
    means : array_like, shape (K, D)
    covars : array_like, shape (K, D, D) (full) or (K, D) (diagonal)
        Symmetric positive definite covariances (or their diagonals).

    Returns
    -------
    ndarray, shape (N, K)

    Notes
    -----
    With the Cholesky factor :math:`\boldsymbol\Sigma_k = \mathbf{L}\mathbf{L}^\top` and
    :math:`\mathbf{u} = \mathbf{L}^{-1}(\mathbf{x}_n - \boldsymbol\mu_k)` (a triangular solve,
    no inverse): :math:`\log\mathcal{N} = -\tfrac12 (D\log 2\pi + 2\sum_d \log L_{dd} +
    \mathbf{u}^\top\mathbf{u})`.
    """
    emission = _check_emission(Gaussian(means, covars))
    X = _check_observations(X, emission)
    return _gaussian_log_likelihood(X, emission.means, emission.covars)


def _gaussian_log_likelihood(X, means, covars) -> np.ndarray:
    N, D = X.shape
    K = means.shape[0]
    eps = np.finfo(float).eps
    out = np.empty((N, K))
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(K):
            diff = X - means[k]
            if covars.ndim == 2:  # diagonal: u = diff / sigma, squared (diff**2 overflows first)
                u = diff / np.sqrt(covars[k])
                out[:, k] = -0.5 * (D * np.log(2 * np.pi) + np.log(covars[k]).sum()
                                    + (u * u).sum(axis=1))
                continue
            w = np.linalg.eigvalsh(covars[k])
            if not w[0] > D * eps * w[-1]:
                # Cholesky may still succeed on such a matrix, but the density would be made
                # of rounding errors (u below is off by a relative cond(S) eps)
                raise ValueError(f"covars[{k}] must be positive definite for a Gaussian "
                                 f"density; it is singular to working precision "
                                 f"(eigenvalues from {w[0]:.3g} to {w[-1]:.3g})")
            try:
                L = cholesky(covars[k], lower=True)
            except LinAlgError:
                raise ValueError(f"covars[{k}] must be positive definite for a Gaussian "
                                 "density (it is singular)") from None
            u = solve_triangular(L, diff.T, lower=True, check_finite=False)
            out[:, k] = -0.5 * (D * np.log(2 * np.pi) + 2 * np.log(np.diag(L)).sum()
                                + np.einsum("dn,dn->n", u, u))
    check_finite_result(out, "the Gaussian log-density log N(x_n | mu_k, Sigma_k)",
                        "the squared Mahalanobis distance of some x_n from a mean overflows; "
                        "rescale X (with the means and covariances)")
    return out


def emission_log_likelihood(X, emission) -> np.ndarray:
    """Log emission likelihoods ``log_B_obs`` (N, K) of ``X`` under ``Categorical`` or
    ``Gaussian`` emissions (see :func:`log_categorical_likelihood`,
    :func:`gaussian_log_likelihood`)."""
    emission = _check_emission(emission)
    X = _check_observations(X, emission)
    return _emission_log_likelihood(X, emission)


def _emission_log_likelihood(X, emission) -> np.ndarray:
    if isinstance(emission, Categorical):
        with np.errstate(divide="ignore"):
            return np.log(emission.B.T)[X]
    return _gaussian_log_likelihood(X, emission.means, emission.covars)


# ============================================================================ joint
def log_joint(pi, A, z, B_obs=None, *, log_B_obs=None) -> float:
    r"""Log of the joint probability :math:`p(X, Z)` of observations and one state path.

    Parameters
    ----------
    pi : array_like, shape (K,)
    A : array_like, shape (K, K)
    z : array_like of int, shape (N,)
        A state path, states in ``0..K-1``.
    B_obs, log_B_obs : array_like, shape (N, K)
        Emission likelihoods or their logarithms (exactly one).

    Returns
    -------
    float

    Notes
    -----
    Eq. (hmm-joint): :math:`p(X, Z) = p(z_1) \prod_{n=2}^N p(z_n \mid z_{n-1})
    \prod_{n=1}^N p(x_n \mid z_n) = \pi_{z_1} \prod_{n=2}^N A_{z_{n-1} z_n}
    \prod_{n=1}^N b_n(z_n)`.
    """
    pi, A = _check_pi_A(pi, A)
    L, is_log = _check_emission_input(B_obs, log_B_obs, pi.shape[0])
    z = _check_symbols(z, pi.shape[0], "z")
    if len(z) != L.shape[0]:
        raise ValueError(f"z and the emission likelihoods must have the same length N, got "
                         f"{len(z)} and {L.shape[0]}")
    logL = L if is_log else _log(L)
    with np.errstate(divide="ignore"):
        return float(np.log(pi[z[0]]) + np.log(A[z[:-1], z[1:]]).sum()
                     + logL[np.arange(len(z)), z].sum())


def _log(a):
    with np.errstate(divide="ignore"):
        return np.log(a)


# ============================================================================ scaled recursions
def forward(pi, A, B_obs) -> Forward:
    r"""Scaled forward recursion: filtered state probabilities and normalisers.

    Parameters
    ----------
    pi : array_like, shape (K,)
        Initial state distribution.
    A : array_like, shape (K, K)
        Transition matrix, ``A[i, j]`` = :math:`p(z_n = j \mid z_{n-1} = i)`.
    B_obs : array_like, shape (N, K)
        Emission likelihoods :math:`b_n(k) = p(x_n \mid z_n = k)`.

    Returns
    -------
    Forward
        ``alpha_hat`` (N, K) and ``c`` (N,); :math:`\log p(X) = \sum_n \log c_n`.

    Raises
    ------
    ValueError
        If the observations have probability zero under the model (some :math:`c_n = 0`).

    Notes
    -----
    Eq. (hmm-scaled-alpha):
    :math:`c_n \hat\alpha_n(j) = b_n(j) \sum_{i} \hat\alpha_{n-1}(i) A_{ij}`, with
    :math:`c_1 \hat\alpha_1(j) = \pi_j b_1(j)`; :math:`c_n` is the sum of the right-hand side
    over :math:`j`, so that :math:`\hat\alpha_n` sums to 1.
    """
    pi, A = _check_pi_A(pi, A)
    B_obs, _ = _check_emission_input(B_obs, None, pi.shape[0])
    N, K = B_obs.shape
    alpha_hat = np.empty((N, K))
    c = np.empty(N)
    a = pi * B_obs[0]  # c_1 alpha_hat_1(j) = pi_j b_1(j)
    for n in range(N):
        if n > 0:
            np.dot(alpha_hat[n - 1], A, out=a)  # sum_i alpha_hat_{n-1}(i) A_ij
            a *= B_obs[n]  # times b_n(j)
        c[n] = a.sum()  # c_n = p(x_n | x_1..x_{n-1})
        if c[n] <= 0:
            _raise_impossible(n)
        np.divide(a, c[n], out=alpha_hat[n])
    return Forward(alpha_hat, c)


def _check_pairwise(pairwise):
    """``pairwise`` is "sum", "full" or None (and nothing merely equal to them, like an array)."""
    if pairwise is None or (isinstance(pairwise, str) and pairwise in ("sum", "full")):
        return pairwise
    raise ValueError(f"pairwise must be 'sum', 'full' or None, got {pairwise!r}")


def _raise_impossible(n: int):
    raise ValueError(f"B_obs: the observations have probability zero under the model "
                     f"(c_n = 0 at step n = {n}, 0-based)")


def backward(A, B_obs, c) -> np.ndarray:
    r"""Scaled backward recursion.

    Parameters
    ----------
    A : array_like, shape (K, K)
        Transition matrix.
    B_obs : array_like, shape (N, K)
        Emission likelihoods.
    c : array_like, shape (N,)
        Normalisers from :func:`forward`.

    Returns
    -------
    beta_hat : ndarray, shape (N, K)
        :math:`\hat\beta_n(k) = p(x_{n+1..N} \mid z_n = k) / p(x_{n+1..N} \mid x_{1..n})`.

    Notes
    -----
    Eq. (hmm-scaled-beta):
    :math:`c_{n+1} \hat\beta_n(i) = \sum_j A_{ij}\, b_{n+1}(j)\, \hat\beta_{n+1}(j)`, with
    :math:`\hat\beta_N = \mathbf{1}`.

    Raises
    ------
    derivlib.NumericalError
        If a scaled message overflows: with zero or tiny transitions and extreme
        likelihoods, :func:`forward` can lose a state to underflow (its scaled
        :math:`\hat\alpha` rounds to 0) and the backward recursion then divides by a
        :math:`c_{n+1}` computed without it. :func:`forward_backward` detects this and
        switches to the log-space recursions; use it (or :func:`log_forward_backward`).
    """
    K = as_array(A, "A", ndim=2).shape[0]
    A = _check_stochastic(A, "A", (K, K))
    B_obs, _ = _check_emission_input(B_obs, None, K)
    c = as_array(c, "c", ndim=1)
    if c.shape[0] != B_obs.shape[0]:
        raise ValueError(f"c must have length N = {B_obs.shape[0]} like B_obs, got {c.shape[0]}")
    if np.any(c <= 0):
        raise ValueError(f"c must be positive normalisers, got minimum {c.min():.3g}")
    N = B_obs.shape[0]
    beta_hat = np.empty((N, K))
    beta_hat[N - 1] = 1.0  # beta_hat_N = 1
    tmp = np.empty(K)
    for n in range(N - 2, -1, -1):
        np.multiply(B_obs[n + 1], beta_hat[n + 1], out=tmp)  # b_{n+1}(j) beta_hat_{n+1}(j)
        np.dot(A, tmp, out=beta_hat[n])  # sum_j A_ij (...)
        beta_hat[n] /= c[n + 1]  # divided by c_{n+1}
    check_finite_result(beta_hat, "beta_hat", "the scaled backward messages overflow (a state "
                        "was lost to underflow in the forward pass); use forward_backward")
    return beta_hat


# ---------------------------------------------------------------------------- fast paths
# The recursions are products of K x K matrices, M_n = A diag(b_n):
#     alpha_n^T = alpha_{n-1}^T M_n,      beta_{n-1} = M_n beta_n.
# Only the directions of alpha_n and beta_n are needed: alpha_hat_n is alpha_n normalised,
# c_n then follows from eq. (hmm-scaled-alpha) for all n at once, and beta_hat_n is beta_n
# scaled so that sum_k alpha_hat_n(k) beta_hat_n(k) = 1 (gamma_n sums to 1). The numbers are
# those of `forward` and `backward`; what changes is how few Python-level steps compute them:
#
# * small K: a loop over n costs far more than its arithmetic. The sequence is cut into
#   blocks of L ~ sqrt(N) steps; the partial products M_{b,0} ... M_{b,l} of *all* blocks are
#   built together (one batched matmul per position l), then a loop over the blocks chains
#   them. About 2 sqrt(N) Python steps instead of N; O(N K^3) arithmetic.
# * larger K: one loop over n that advances the forward and the backward recursion together
#   (one batched matmul of two vector-matrix products per step), with the matrices of a chunk
#   of steps built at once into preallocated memory. O(N K^2) arithmetic.
#
# Every partial product and every chunk of vectors is rescaled to sum 1, so nothing under-
# or overflows; if a block or chunk still comes near underflow (sums below _TINY) or the
# data are impossible, the readable step-by-step `forward`/`backward` take over and decide,
# and where their scaled numbers under- or overflow too (zero or tiny transitions), the
# log-space recursions.
_SMALL_K = 8  # block scan up to this number of states, fused loop above
_BLOCK_DIAGONAL_K = 32  # fused loop: one block-diagonal product per step up to here
_CHUNK = 64  # steps whose matrices are built (and vectors normalised) at once


_RESCALE_EVERY = 8  # block scan: rescale the partial products every few positions
_TINY = 1e-200  # a partial product this small means underflow is near: use the loop instead
_SUPER = 1 << 15  # block scan: steps per super-chunk (bounds the memory to _SUPER K^2 floats)


class _Underflow(Exception):
    """A fast path met numbers too small to trust; the step-by-step recursions take over."""


def _scan(M, reverse: bool):
    """Partial products along axis 0 of M (L, nb, K, K): prefix (M_0 ... M_l) or suffix."""
    L = M.shape[0]
    P = np.empty_like(M)
    order = range(L - 1, -1, -1) if reverse else range(L)
    prev = None
    for i, l in enumerate(order):
        if prev is None:
            P[l] = M[l]
        elif reverse:
            np.matmul(M[l], P[prev], out=P[l])
        else:
            np.matmul(P[prev], M[l], out=P[l])
        if i % _RESCALE_EVERY == _RESCALE_EVERY - 1 or i == L - 1:
            s = P[l].sum(axis=(1, 2))
            if not s.min() > _TINY:
                raise _Underflow
            P[l] /= s[:, None, None]
        prev = l
    return P


def _block_matrices(A, Bsteps):
    """M_n = A diag(b_n) for the given steps, laid out (L, nb, K, K); identity padding."""
    S, K = Bsteps.shape
    L = max(1, int(np.sqrt(S)))
    nb = -(-S // L)
    Bp = np.empty((nb * L, K))
    Bp[:S] = Bsteps
    Bp[S:] = 1.0
    M = np.empty((L, nb, K, K))
    np.multiply(A, Bp.reshape(nb, L, K).transpose(1, 0, 2)[:, :, None, :], out=M)
    pad = nb * L - S
    if pad:
        M[L - pad:, nb - 1] = np.eye(K)
    return M


def _unblock(X, S):
    """(L, nb, K) in block layout -> (S, K) in step order."""
    L, nb, K = X.shape
    return X.transpose(1, 0, 2).reshape(nb * L, K)[:S]


def _blocked_forward(M, v, S):
    """alpha directions after each of the S steps, from the normalised start ``v``."""
    P = _scan(M, reverse=False)
    L, nb = M.shape[:2]
    starts = np.empty((nb, M.shape[2]))
    for b in range(nb):
        starts[b] = v
        v = v @ P[L - 1, b]
        s = v.sum()
        if not s > _TINY:
            raise _Underflow
        v = v / s
    out = np.matmul(starts[None, :, None, :], P)[:, :, 0, :]
    return _unblock(out, S), v


def _blocked_backward(M, v, S):
    """beta directions before each of the S steps, from the normalised end ``v``."""
    P = _scan(M, reverse=True)
    nb = M.shape[1]
    ends = np.empty((nb, M.shape[2]))
    for b in range(nb - 1, -1, -1):
        ends[b] = v
        v = P[0, b] @ v
        s = v.sum()
        if not s > _TINY:
            raise _Underflow
        v = v / s
    out = np.matmul(P, ends[None, :, :, None])[:, :, :, 0]
    return _unblock(out, S), v


def _blocked_directions(pi, A, B):
    """Block scan: alpha_n and beta_n up to positive factors, shapes (N, K)."""
    N, K = B.shape
    S = N - 1  # steps n = 1..N-1 (0-based): alpha_n^T = alpha_{n-1}^T M_n, beta_{n-1} = M_n beta_n
    alpha = np.empty((N, K))
    beta = np.empty((N, K))
    np.multiply(pi, B[0], out=alpha[0])
    beta[N - 1] = 1.0
    s0 = alpha[0].sum()
    if not s0 > 0:
        raise _Underflow
    if S == 0:
        return alpha, beta
    bounds = list(range(0, S, _SUPER)) + [S]
    chunks = list(zip(bounds[:-1], bounds[1:], strict=True))
    v = alpha[0] / s0
    matrices = {}
    for s0_, s1 in chunks:  # forward over the super-chunks
        M = _block_matrices(A, B[s0_ + 1:s1 + 1])
        alpha[s0_ + 1:s1 + 1], v = _blocked_forward(M, v, s1 - s0_)
        if len(chunks) == 1:
            matrices[s0_] = M
    v = np.ones(K) / K
    for s0_, s1 in reversed(chunks):  # backward over the super-chunks
        M = matrices.pop(s0_, None)
        if M is None:
            M = _block_matrices(A, B[s0_ + 1:s1 + 1])
        beta[s0_:s1], v = _blocked_backward(M, v, s1 - s0_)
    return alpha, beta


def _fused_directions(pi, A, B):
    """One loop: alpha_n (forward) and beta_{N-1-n} (backward) advanced together.

    With f_k = alpha_k and g_k = b_{N-1-k} * beta_{N-1-k} (elementwise), both recursions take
    the form "vector times a constant matrix, then times the emission likelihoods":
        f_{k+1} = (f_k^T A) * b_{k+1},      g_{k+1} = (g_k^T A^T) * b_{N-2-k},
    so one step is one product of the stacked vector [f_k, g_k] with diag(A, A^T) (a single
    BLAS call up to _BLOCK_DIAGONAL_K states, a batched matmul above) and one multiplication.
    Afterwards beta_{N-2-k} = A g_k for all k at once.
    """
    N, K = B.shape
    S = N - 1
    if S == 0:
        return (pi * B[0])[None, :], np.ones((1, K))
    stacked = K <= _BLOCK_DIAGONAL_K
    shape = (2 * K,) if stacked else (2, 1, K)
    s = np.empty((N, *shape))
    s2 = s.reshape(N, 2, K)  # view: s2[k, 0] = f_k, s2[k, 1] = g_k
    emis = np.empty((S, *shape))  # what step k multiplies by: [b_{k+1}, b_{N-2-k}]
    emis2 = emis.reshape(S, 2, K)
    emis2[:, 0] = B[1:]
    emis2[:, 1] = B[S - 1::-1]
    if stacked:
        W = np.zeros((2 * K, 2 * K))
        W[:K, :K], W[K:, K:] = A, A.T
        product = np.dot
    else:
        W = np.stack([A, A.T])
        product = np.matmul
    np.multiply(pi, B[0], out=s2[0, 0])
    s2[0, 1] = B[N - 1]
    multiply = np.multiply
    for k0 in range(0, S, _CHUNK):
        k1 = min(k0 + _CHUNK, S)
        for k in range(k0, k1):
            row = s[k + 1]
            product(s[k], W, out=row)
            multiply(row, emis[k], out=row)
        block = s2[k0 + 1:k1 + 1]
        sums = block.sum(axis=2)
        if not sums.min() > _TINY:  # near underflow, digits lost (as in `_scan`)
            raise _Underflow
        block /= sums[:, :, None]
    beta = np.empty((N, K))
    beta[N - 1] = 1.0
    np.matmul(s2[S - 1::-1, 1], A.T, out=beta[:S])  # beta_{N-2-k} = A g_k
    return s2[:, 0].copy(), beta


_NORMAL = np.finfo(float).tiny  # below this, a float64 is 0 or subnormal (digits lost)


def _scaled_input(L, is_log):
    """Likelihoods with rows rescaled to max 1, the log of the factors removed, and whether
    a positive likelihood underflowed to 0, or to a subnormal number, in the rescaling."""
    shift = L.max(axis=1)
    if is_log:
        if np.any(shift == -np.inf):
            _raise_impossible(int(np.flatnonzero(shift == -np.inf)[0]))
        with np.errstate(under="ignore"):
            B = np.exp(L - shift[:, None])
        lost = bool(np.any((B < _NORMAL) & (L > -np.inf)))
        return B, shift, lost
    if np.any(shift <= 0):
        _raise_impossible(int(np.flatnonzero(shift <= 0)[0]))
    with np.errstate(under="ignore"):
        B = L / shift[:, None]
    lost = bool(np.any((B < _NORMAL) & (L > 0)))  # a row spanning more than the float64 range
    return B, np.log(shift), lost


# forward_backward: below this smallest entry of A, likelihoods lost to underflow in the
# rescaling could matter (see the Notes of forward_backward), and the log-space recursions run
_MIN_TRANSITION = 1e-100


def forward_backward(pi, A, B_obs=None, *, log_B_obs=None, pairwise="sum") -> Posterior:
    r"""Scaled forward-backward: smoothing posteriors and the log-likelihood.

    Parameters
    ----------
    pi : array_like, shape (K,)
        Initial state distribution.
    A : array_like, shape (K, K)
        Transition matrix, rows sum to 1.
    B_obs : array_like, shape (N, K), optional
        Emission likelihoods :math:`b_n(k)`.
    log_B_obs : array_like, shape (N, K), optional
        Their logarithms (give exactly one of ``B_obs``, ``log_B_obs``).
    pairwise : {"sum", "full", None}
        Return :math:`\sum_n \xi_n` (K, K), every :math:`\xi_n` (N-1, K, K), or nothing.

    Returns
    -------
    Posterior
        ``gamma`` (N, K), ``xi``, ``loglik`` and ``log_c`` (N,), the logs of the normalisers.

    Notes
    -----
    Eqs. (hmm-scaled-alpha) and (hmm-scaled-beta) give :math:`\hat\alpha, \hat\beta, c`;
    eq. (hmm-scaled-post): :math:`\gamma_n = \hat\alpha_n \odot \hat\beta_n` and
    :math:`\xi_n(i, j) = c_n^{-1} \hat\alpha_{n-1}(i) A_{ij} b_n(j) \hat\beta_n(j)`;
    eq. (hmm-loglik): :math:`\log p(X) = \sum_n \log c_n`. Each row of ``B_obs`` is first
    rescaled to maximum 1 (the factor is added back to the log-likelihood), which leaves
    :math:`\gamma, \xi` unchanged and keeps every quantity in floating-point range. The
    recursions are organised for speed (blocked matrix products for small K, forward and
    backward fused in one loop for larger K; see the comment above ``_blocked_directions``);
    they compute the same numbers as :func:`forward` and :func:`backward`.

    A likelihood (in ``B_obs`` or ``log_B_obs``) more than about :math:`e^{708}` times
    smaller than the largest of its row becomes 0 (or subnormal) in the rescaling. That
    changes the result by a relative
    :math:`2^{-1022} / \min_{ij} A_{ij}^2` at most (a state's forward and backward messages
    are at least :math:`\min A` times the others'), nothing in float64 when every
    :math:`A_{ij} \ge 10^{-100}`. If ``A`` has smaller entries (zeros in particular: with
    :math:`A = I` a state lost at one step can never recover, though later observations may
    make it the only likely one), :func:`log_forward_backward` computes the result instead.
    """
    pairwise = _check_pairwise(pairwise)
    pi, A = _check_pi_A(pi, A)
    L, is_log = _check_emission_input(B_obs, log_B_obs, pi.shape[0])
    B, shift, lost = _scaled_input(L, is_log)
    if lost and A.min() < _MIN_TRANSITION:
        return _log_forward_backward(pi, A, L if is_log else _log(L), pairwise)
    N, K = B.shape
    directions = _blocked_directions if K <= _SMALL_K else _fused_directions
    try:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
            alpha, beta = directions(pi, A, B)
            alpha_hat = alpha / alpha.sum(axis=1, keepdims=True)
            c = np.empty(N)
            c[0] = pi @ B[0]
            # c_n = sum_j b_n(j) sum_i alpha_hat_{n-1}(i) A_ij, all n at once (hmm-scaled-alpha)
            np.einsum("nj,nj->n", alpha_hat[:-1] @ A, B[1:], out=c[1:])
            norm = np.einsum("nk,nk->n", alpha_hat, beta)
            beta_hat = beta / norm[:, None]  # so that sum_k alpha_hat_n(k) beta_hat_n(k) = 1
        if not (np.all(c > 0) and np.all(np.isfinite(alpha_hat))
                and np.all(np.isfinite(beta_hat))):
            raise _Underflow
    except _Underflow:  # tiny numbers or impossible data: the step-by-step recursions decide
        try:
            alpha_hat, c = forward(pi, A, B)
        except ValueError:  # some c_n = 0: impossible data, or an underflow; log space decides
            return _log_forward_backward(pi, A, L if is_log else _log(L), pairwise)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                beta_hat = backward(A, B, c)
        except NumericalError:  # a state lost to underflow by `forward`: log space decides
            return _log_forward_backward(pi, A, L if is_log else _log(L), pairwise)
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        gamma = alpha_hat * beta_hat  # eq. (hmm-scaled-post)
        xi = None
        if pairwise is not None and N > 1:
            w = B[1:] * beta_hat[1:] / c[1:, None]
            if pairwise == "sum":
                xi = A * (alpha_hat[:-1].T @ w)  # sum_n xi_n(i, j)
            else:
                xi = alpha_hat[:-1, :, None] * A[None] * w[:, None, :]
    log_c = np.log(c) + shift  # log c_n of the original (unrescaled) likelihoods
    loglik = float(log_c.sum())  # eq. (hmm-loglik)
    if pairwise is not None and N == 1:
        xi = np.zeros((pi.shape[0],) * 2) if pairwise == "sum" else np.zeros((0,) + A.shape)
    if not (np.all(np.isfinite(gamma)) and (xi is None or np.all(np.isfinite(xi)))):
        # the scaled recursions over- or underflowed: the log-space ones cannot
        return _log_forward_backward(pi, A, L if is_log else _log(L), pairwise)
    return Posterior(gamma, xi, loglik, log_c)


# ============================================================================ log space
_LOG_FLOOR = -np.finfo(float).max  # a max of -inf is replaced by this (exp(-inf - floor) = 0)
_XI_CHUNK = 1 << 18  # log-space xi: entries formed at once (bounds memory to 2 MiB)


def log_forward_backward(pi, A, B_obs=None, *, log_B_obs=None, pairwise="sum") -> Posterior:
    r"""Forward-backward in log space, normalised at every step.

    Parameters
    ----------
    pi, A, B_obs, log_B_obs, pairwise
        As for :func:`forward_backward`.

    Returns
    -------
    Posterior
        As :func:`forward_backward`: ``gamma``, ``xi``, ``loglik`` and ``log_c``.

    Raises
    ------
    ValueError
        If the observations have probability zero under the model.

    Notes
    -----
    Eq. (hmm-log-alpha) in the scaled form: :math:`\log\hat\alpha_n(j) = \log b_n(j) +
    \operatorname{logsumexp}_i(\log\hat\alpha_{n-1}(i) + \log A_{ij}) - \log c_n`, where
    :math:`\log c_n` is the logsumexp over :math:`j` of the first two terms, so that
    :math:`\hat\alpha_n` sums to 1; eq. (hmm-log-beta) likewise,
    :math:`\log\hat\beta_n(i) = \operatorname{logsumexp}_j(\log A_{ij} + \log b_{n+1}(j) +
    \log\hat\beta_{n+1}(j))` minus its own logsumexp over :math:`i`. Then
    :math:`\gamma_n \propto \hat\alpha_n \odot \hat\beta_n` and :math:`\xi_n(i, j) \propto
    \hat\alpha_{n-1}(i) A_{ij} b_n(j) \hat\beta_n(j)`, each normalised at its own step, and
    :math:`\log p(X) = \sum_n \log c_n` (eq. (hmm-loglik), summed with ``math.fsum``). Each
    row of ``log_B_obs`` is first shifted to maximum 0 (the shift is added back to
    :math:`\log c_n`).

    Unlike the unnormalised recursion for :math:`\log\alpha_n = \log p(x_{1:n}, z_n)`, whose
    values grow like :math:`n` times the typical :math:`\log b_n` (so that :math:`\exp(\log
    \alpha_n + \log\beta_n - \log p(X))` loses about :math:`\epsilon |\log p(X)|` in its
    exponent: 1e-7 to 1e-4 for :math:`|\log p(X)| \sim 10^8`), every logarithm here is of a
    number between the smallest posterior ratio and 1, whatever :math:`N` and the scale of
    :math:`\log b_n`. Accuracy: each step adds a rounding error of a few :math:`\epsilon` to
    the logarithms, and the recursion forgets old errors as the chain mixes, so ``gamma`` and
    ``xi`` agree with :func:`forward_backward` and with an exact computation to about
    :math:`10^{-13}` in absolute terms (tested at :math:`|\log p(X)| = 5\times10^8`,
    :math:`N = 10^5`); ``log_c`` to a few :math:`\epsilon` times :math:`|\log c_n|`. In the
    worst case (a chain that never forgets, e.g. :math:`A = I`) the rounding errors add up to
    about :math:`N K \epsilon`. It runs a Python loop over :math:`n`, so
    :func:`forward_backward` is several times faster; this function is what
    :func:`forward_backward` itself falls back on when likelihoods of one step differ by
    more than the float64 range and ``A`` has (near-)zero entries.
    """
    pairwise = _check_pairwise(pairwise)
    pi, A = _check_pi_A(pi, A)
    L, is_log = _check_emission_input(B_obs, log_B_obs, pi.shape[0])
    return _log_forward_backward(pi, A, L if is_log else _log(L), pairwise)


def _log_forward_backward(pi, A, logB, pairwise) -> Posterior:
    shift = logB.max(axis=1)
    if np.any(shift == -np.inf):
        _raise_impossible(int(np.flatnonzero(shift == -np.inf)[0]))
    logB = logB - shift[:, None]  # rows with maximum 0 (a new array: the input is not touched)
    log_pi, log_A = _log(pi), _log(A)
    N, K = logB.shape
    log_alpha = np.empty((N, K))  # log alpha_hat_n
    log_beta = np.empty((N, K))  # log beta_hat_n, up to a constant per n
    log_c = np.empty(N)
    x = np.empty((K, K))
    m = np.empty(K)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        v = log_pi + logB[0]
        for n in range(N):
            if n > 0:  # v(j) = log b_n(j) + logsumexp_i (log alpha_hat_{n-1}(i) + log A_ij)
                np.add(log_alpha[n - 1][:, None], log_A, out=x)
                x.max(axis=0, out=m)
                np.maximum(m, _LOG_FLOOR, out=m)  # a column of -inf: state j unreachable
                x -= m
                np.exp(x, out=x)
                np.log(x.sum(axis=0), out=v)
                v += m
                v += logB[n]
            top = v.max()
            if top == -np.inf:
                _raise_impossible(n)
            log_c[n] = top + np.log(np.exp(v - top).sum())  # log c_n = logsumexp_j v(j)
            np.subtract(v, log_c[n], out=log_alpha[n])
        log_beta[N - 1] = 0.0
        w = np.empty(K)
        for n in range(N - 2, -1, -1):
            # logsumexp_j (log A_ij + log b_{n+1}(j) + log beta_hat_{n+1}(j)), normalised
            np.add(logB[n + 1], log_beta[n + 1], out=w)
            np.add(log_A, w, out=x)
            x.max(axis=1, out=m)
            np.maximum(m, _LOG_FLOOR, out=m)  # a row of -inf: state i cannot go on
            x -= m[:, None]
            np.exp(x, out=x)
            np.log(x.sum(axis=1), out=v)
            v += m
            top = v.max()
            np.subtract(v, top + np.log(np.exp(v - top).sum()), out=log_beta[n])
        gamma = log_alpha + log_beta  # eq. (hmm-scaled-post), normalised per step
        gamma -= gamma.max(axis=1, keepdims=True)
        np.exp(gamma, out=gamma)
        gamma /= gamma.sum(axis=1, keepdims=True)
        xi = None
        if pairwise is not None:
            xi = _log_space_xi(log_alpha, log_A, logB + log_beta, pairwise)
    log_c += shift  # log c_n of the original (unshifted) likelihoods
    return Posterior(gamma, xi, math.fsum(log_c.tolist()), log_c)


def _log_space_xi(log_alpha, log_A, log_w, pairwise):
    """xi_n(i, j) proportional to exp(log_alpha[n-1, i] + log_A[i, j] + log_w[n, j]), each
    step normalised to sum 1; summed over n ("sum") or all of them ("full"), in chunks."""
    N, K = log_alpha.shape
    full = np.empty((N - 1, K, K)) if pairwise == "full" else None
    total = np.zeros((K, K))
    chunk = max(1, _XI_CHUNK // (K * K))
    for n0 in range(1, N, chunk):
        n1 = min(n0 + chunk, N)
        t = log_alpha[n0 - 1:n1 - 1, :, None] + log_A + log_w[n0:n1, None, :]
        t -= t.max(axis=(1, 2), keepdims=True)
        np.exp(t, out=t)
        t /= t.sum(axis=(1, 2), keepdims=True)
        if full is not None:
            full[n0 - 1:n1 - 1] = t
        else:
            total += t.sum(axis=0)
    return full if full is not None else total


# ======================================================================== smoothing, prediction
def alpha_gamma_smoother(A, alpha_hat) -> np.ndarray:
    r"""Smoothing posteriors from the filtered ones: the backward pass in terms of gamma.

    Parameters
    ----------
    A : array_like, shape (K, K)
        Transition matrix, rows sum to 1.
    alpha_hat : array_like, shape (N, K)
        Filtered posteriors :math:`\hat\alpha_n(k) = p(z_n = k \mid x_1, \dots, x_n)`, rows
        sum to 1 (``forward(...).alpha_hat``).

    Returns
    -------
    gamma : ndarray, shape (N, K)
        Smoothing posteriors :math:`\gamma_n(k) = p(z_n = k \mid X)`, the same numbers as
        ``forward_backward(...).gamma``.

    Notes
    -----
    Eq. (hmm-gamma-backward) (the chapter's section hmm-alpha-gamma), the discrete analogue
    of the Rauch-Tung-Striebel smoother: :math:`\gamma_N = \hat\alpha_N` and

    .. math::

        \gamma_n(i) = \hat\alpha_n(i) \sum_{j} A_{ij}
        \frac{\gamma_{n+1}(j)}{\sum_l \hat\alpha_n(l) A_{lj}},

    where the denominator is the predicted :math:`p(z_{n+1} = j \mid x_{1:n})`. It needs
    no emission likelihoods: the backward pass only corrects the filtered posteriors. A
    predicted probability of exactly zero has :math:`\gamma_{n+1}(j) = 0` too, and its term
    is zero.
    """
    K = as_array(A, "A", ndim=2).shape[0]
    A = _check_stochastic(A, "A", (K, K))
    shape = as_array(alpha_hat, "alpha_hat", ndim=2).shape
    if shape[1] != K:
        raise ValueError(f"alpha_hat must have shape (N, K) with K = {K} states (the rows of "
                         f"A), got {shape}")
    alpha_hat = _check_stochastic(alpha_hat, "alpha_hat")
    N = alpha_hat.shape[0]
    gamma = np.empty((N, K))
    gamma[N - 1] = alpha_hat[N - 1]  # gamma_N = alpha_hat_N
    ratio = np.empty(K)
    for n in range(N - 2, -1, -1):
        predicted = alpha_hat[n] @ A  # p(z_{n+1} = j | x_1..x_n)
        np.divide(gamma[n + 1], predicted, out=ratio, where=predicted > 0)
        ratio[predicted <= 0] = 0.0  # an impossible state has gamma = 0 too
        gamma[n] = alpha_hat[n] * (A @ ratio)  # eq. (hmm-gamma-backward)
    return gamma


def predictive(pi, A, B_obs=None, *, log_B_obs=None, b_next):
    r"""Predictive probability (or density) of the next observation, :math:`p(x_{N+1} \mid X)`.

    Parameters
    ----------
    pi : array_like, shape (K,)
    A : array_like, shape (K, K)
    B_obs, log_B_obs : array_like, shape (N, K)
        Emission likelihoods of the observed :math:`x_1, \dots, x_N`, or their logarithms
        (exactly one).
    b_next : array_like, shape (K,) or (M, K)
        Emission likelihoods :math:`p(x_{N+1} \mid z_{N+1} = k)` of one candidate next
        observation, or of M candidates (one row each; for categorical emissions,
        ``B.T`` gives every symbol).

    Returns
    -------
    float or ndarray of shape (M,)
        :math:`p(x_{N+1} \mid X)` for the candidate(s).

    Notes
    -----
    Eq. (hmm-predictive) (Bishop 2006, eq. (13.44)):

    .. math::

        p(x_{N+1} \mid X) = \sum_{k} p(x_{N+1} \mid z_{N+1} = k)
        \sum_{j} \hat\alpha_N(j) A_{jk} .

    The filtered posterior :math:`\hat\alpha_N` is the last row of the smoothing posteriors
    (:math:`\hat\beta_N = 1`), taken from :func:`forward_backward`, which handles the
    rescaling of the likelihoods.
    """
    pi, A = _check_pi_A(pi, A)
    K = pi.shape[0]
    b_next = as_array(b_next, "b_next", ndim=(1, 2))
    if b_next.shape[-1] != K:
        raise ValueError(f"b_next must have shape (K,) or (M, K) with K = {K} states (the "
                         f"length of pi), got {b_next.shape}")
    if np.any(b_next < 0):
        raise ValueError(f"b_next must be non-negative likelihoods, got minimum "
                         f"{b_next.min():.3g}")
    pi, A = _renormalised(pi, A)  # float32 probabilities, accepted above, as a float64 model
    post = forward_backward(pi, A, B_obs, log_B_obs=log_B_obs, pairwise=None)
    alpha_hat_N = post.gamma[-1]  # p(z_N = j | X)
    predicted = alpha_hat_N @ A  # p(z_{N+1} = k | X) = sum_j alpha_hat_N(j) A_jk
    result = b_next @ predicted  # eq. (hmm-predictive)
    return float(result) if b_next.ndim == 1 else result


# ============================================================================ Viterbi
def textbook_viterbi(pi, A, B_obs=None, *, log_B_obs=None) -> ViterbiResult:
    r"""The Viterbi algorithm as the chapter derives it: a loop over the steps in log space,
    back-pointers, then backtracking (eq. (hmm-viterbi)).

    The plain version of :func:`viterbi`, which returns the same result (the same path, the
    same ``log_prob`` to the last bit, the same tie rule) faster.

    Parameters
    ----------
    pi : array_like, shape (K,)
    A : array_like, shape (K, K)
    B_obs, log_B_obs : array_like, shape (N, K)
        Emission likelihoods or their logarithms (exactly one).

    Returns
    -------
    ViterbiResult
        ``path`` (N,) of ints and ``log_prob`` = :math:`\max_Z \log p(X, Z)`. Ties are
        broken towards the smaller state (``argmax``), from :math:`z_N` backwards.

    Raises
    ------
    TypeError, ValueError
        As :func:`viterbi`, naming the argument; ``ValueError`` also if every path has
        probability zero.

    Examples
    --------
    >>> pi, A = np.array([0.6, 0.4]), np.array([[0.7, 0.3], [0.4, 0.6]])
    >>> B_obs = np.array([[0.5, 0.1], [0.4, 0.3], [0.1, 0.6]])
    >>> textbook_viterbi(pi, A, B_obs).path.tolist(), viterbi(pi, A, B_obs).path.tolist()
    ([0, 0, 1], [0, 0, 1])
    """
    pi, A = _check_pi_A(pi, A)
    L, is_log = _check_emission_input(B_obs, log_B_obs, pi.shape[0])
    log_b = L if is_log else _log(L)  # log b_n(j)
    log_pi, log_A = _log(pi), _log(A)
    N, K = log_b.shape
    omega = np.empty((N, K))  # omega[n, j]: log-probability of the best path ending in j
    psi = np.zeros((N, K), dtype=np.intp)  # psi[n, j]: the state before j on that path
    omega[0] = log_pi + log_b[0]  # omega_1(j) = log pi_j + log b_1(j)          (hmm-viterbi)
    for n in range(1, N):
        scores = omega[n - 1][:, None] + log_A  # scores[i, j] = omega_{n-1}(i) + log A_ij
        psi[n] = scores.argmax(axis=0)  # psi_n(j) = argmax_i scores[i, j]
        omega[n] = log_b[n] + scores.max(axis=0)  # omega_n(j)                    (hmm-viterbi)
    log_prob = omega[N - 1].max()  # max_Z log p(X, Z) = max_j omega_N(j)         (hmm-viterbi)
    if log_prob == -np.inf:
        raise ValueError("B_obs: the observations have probability zero under the model "
                         "(every path has log probability -inf)")
    path = np.empty(N, dtype=np.intp)
    path[N - 1] = omega[N - 1].argmax()  # z_N = argmax_j omega_N(j)
    for n in range(N - 1, 0, -1):
        path[n - 1] = psi[n, path[n]]  # z_{n-1} = psi_n(z_n)
    return ViterbiResult(path, float(log_prob))


def viterbi(pi, A, B_obs=None, *, log_B_obs=None) -> ViterbiResult:
    r"""Most probable state path (max-product in log space, with backtracking).

    Parameters
    ----------
    pi : array_like, shape (K,)
    A : array_like, shape (K, K)
    B_obs, log_B_obs : array_like, shape (N, K)
        Emission likelihoods or their logarithms (exactly one).

    Returns
    -------
    ViterbiResult
        ``path`` (N,) of ints and ``log_prob`` = :math:`\max_Z \log p(X, Z)`: the same path
        and the same ``log_prob`` (to the last bit) as :func:`textbook_viterbi`, with its
        tie rule (towards the smaller state, from :math:`z_N` backwards).

    Notes
    -----
    Eq. (hmm-viterbi): :math:`\omega_1(j) = \log\pi_j + \log b_1(j)`,
    :math:`\omega_n(j) = \log b_n(j) + \max_i [\omega_{n-1}(i) + \log A_{ij}]`, with the
    maximiser stored as :math:`\psi_n(j)`; the path ends at
    :math:`z_N = \arg\max_j \omega_N(j)` and is read back by
    :math:`z_{n-1} = \psi_n(z_n)`.

    The result of :func:`textbook_viterbi` (the chapter's plain loop), computed with fewer
    Python-level steps. The sequence is cut into blocks that run the recursion side by
    side, each from a guessed start (zeros): the recursion is max-plus linear, the vector
    :math:`\omega_n` forgets its start up to an additive constant after some steps (Maleki,
    Musuvathi and Mytkowicz 2016, "rank convergence"), and the argmaxes :math:`\psi_n`
    ignore constants. A second pass runs, side by side again, from the end of each block of
    the first (into the next blocks if need be) until its vector is parallel (to rounding)
    to the first pass's; from there on the first pass's values are right up to a constant.
    The path is read back block by block, each from a guessed end state, and the blocks
    whose end state turns out different are read back again until the new trace merges
    with the old one.

    The blocked sums round differently from the plain loop. So the result is certified:
    along the path, every maximum that chose a back-pointer (and the final argmax) must
    beat the runner-up by more than a bound on the rounding of both computations (and on
    the parallelism tolerance); ``log_prob`` is then re-added along the path in the
    plain loop's order, which gives its exact bits. Where the second pass does not meet the
    first within its budget of steps, where a maximum is that close to a tie (exact ties
    included), where some probability is zero, or for N < 64, the plain loop decides: the
    result is always that of :func:`textbook_viterbi`.
    """
    pi, A = _check_pi_A(pi, A)
    L, is_log = _check_emission_input(B_obs, log_B_obs, pi.shape[0])
    logB = L if is_log else _log(L)
    log_pi, log_A = _log(pi), _log(A)
    N, K = logB.shape
    if (K > 1 and N >= _VITERBI_MIN_N and np.isfinite(log_A).all()
            and np.isfinite(log_pi).all() and np.isfinite(logB).all()):
        found = _viterbi_blocked(log_pi, log_A, logB)
        if found is not None:
            return found
    return _viterbi_loop(log_pi, log_A, logB)


_VITERBI_MIN_N = 64  # shorter sequences: the loop
_VITERBI_CELLS = 1 << 14  # blocks side by side: about this many (block, j, i) scores per step,
_VITERBI_MIN_BLOCKS = 16  # but at least this many blocks
_VITERBI_MIN_L = 32  # and at least this many steps per block (room to forget the guessed start)


def _viterbi_loop(log_pi, log_A, logB) -> ViterbiResult:
    """textbook_viterbi's loop with preallocated buffers: the same sums in the same order."""
    N, K = logB.shape
    log_AT = np.ascontiguousarray(log_A.T)  # log_AT[j, i] = log A_ij: reduce the last axis
    omega = np.empty((N, K))
    psi = np.zeros((N, K), dtype=np.intp)
    omega[0] = log_pi + logB[0]  # omega_1(j)
    scores = np.empty((K, K))
    flat = scores.reshape(-1)
    rows = np.arange(K) * K
    where = np.empty(K, dtype=np.intp)
    for n in range(1, N):
        np.add(log_AT, omega[n - 1], out=scores)  # scores[j, i] = omega_{n-1}(i) + log A_ij
        np.argmax(scores, axis=1, out=psi[n])  # psi_n(j): the first maximiser, as argmax
        np.add(rows, psi[n], out=where)
        np.take(flat, where, out=omega[n])  # max_i scores[j, i]
        omega[n] += logB[n]  # + log b_n(j)
    log_prob = float(omega[N - 1].max())
    if log_prob == -np.inf:
        raise ValueError("B_obs: the observations have probability zero under the model "
                         "(every path has log probability -inf)")
    path = np.empty(N, dtype=np.intp)
    z = int(omega[N - 1].argmax())
    path[N - 1] = z
    psi_of = psi.item
    for n in range(N - 1, 0, -1):
        z = psi_of(n, z)  # z_{n-1} = psi_n(z_n)
        path[n - 1] = z
    return ViterbiResult(path, log_prob)


def _viterbi_blocked(log_pi, log_A, logB):
    """Block-parallel Viterbi with rank convergence (see :func:`viterbi`); None where the
    result cannot be certified to be textbook_viterbi's (the caller then runs the loop).

    Step g = 0..G-1 is the transition into state z_{g+1} (0-based); omega[g] is the vector
    of eq. (hmm-viterbi) at state index g. The steps are cut into nb blocks of Lb steps (the
    last one padded with steps of log b = 0); block-parallel arrays put the block index
    last, so that every operation runs over all blocks in one contiguous inner loop.
    """
    N, K = logB.shape
    S = N - 1
    nb = int(min(max(_VITERBI_MIN_BLOCKS, _VITERBI_CELLS // (K * K)), S // _VITERBI_MIN_L))
    if nb < 2:
        return None
    Lb = -(-S // nb)
    nb = -(-S // Lb)
    G = nb * Lb
    Bp = np.zeros((G, K))
    Bp[:S] = logB[1:]
    BT = np.ascontiguousarray(Bp.reshape(nb, Lb, K).transpose(1, 2, 0))  # (Lb, K, nb)
    A3 = log_A[:, :, None]  # (K_i, K_j, 1)
    work = np.empty((K, K, nb))
    omT = np.empty((Lb, K, nb))  # omT[l, j, b]: omega_{b Lb + l + 1}(j), guessed starts
    omega_1 = log_pi + logB[0]
    VT = np.zeros((K, nb))  # pass 1: every block from a guessed start (zeros) ...
    VT[:, 0] = omega_1  # ... block 0 from the true omega_1
    for l in range(Lb):
        np.add(VT[:, None, :], A3, out=work)  # work[i, j, b] = omega(i) + log A_ij
        np.maximum.reduce(work, axis=0, out=omT[l])  # max over i
        omT[l] += BT[l]  # + log b(j)
        VT = omT[l]
    # pass 2: a runner per block b >= 1 starts from the end of block b - 1 and runs (into
    # the next blocks if need be) until its vector is parallel to pass 1's
    runners = _viterbi_runners(omT, BT, log_A)
    if runners is None:
        return None  # a runner did not meet pass 1: the loop decides
    stop, rec, spreads = runners
    om = np.ascontiguousarray(omT.transpose(2, 0, 1)).reshape(G, K)  # step order
    r = 0  # the valid runners: block 1's, then the one after the block where it met pass 1
    while r < nb - 1:
        s0, s1 = (r + 1) * Lb, stop[r]
        om[s0:s1 + 1] = rec[:s1 - s0 + 1, :, r]
        r = s1 // Lb
    omega = np.empty((G + 1, K))
    omega[0] = omega_1
    omega[1:] = om
    omega = omega[:N]
    path = _viterbi_backtrack(omega, log_A)
    if path is None:
        return None
    # certificate: on the path, every maximum (so every back-pointer and the final argmax)
    # beats the runner-up by more than the rounding of both computations
    cand = np.add(omega[:S].T, log_A[:, path[1:]], order="C")  # omega_g(i) + log A_{i z_{g+1}}
    steps_ = np.arange(S)
    top = cand[path[:S], steps_]  # the maximum, if z_g is the argmax
    cand[path[:S], steps_] = -np.inf
    gaps = top - np.maximum.reduce(cand, axis=0)  # over the runner-up
    last = omega[S].copy()
    top_N = last[path[S]]
    last[path[S]] = -np.inf
    # |terms| of a sum up to step n: at most |log pi| + n (max |log b| + max |log A|)
    mass = np.abs(log_pi).max() + np.arange(1, N + 1) * (np.abs(logB).max() + np.abs(log_A).max())
    rho = (2 * np.arange(N) + 4) * _EPS * mass  # rounding of a sum of 2n + 2 of them
    margin = 8 * rho + 4 * rho[-1] + 2 * spreads
    if not (np.all(gaps > margin[:-1]) and top_N - last.max() > margin[-1]):
        return None  # a near-tie (or an exact one), or a wrong pointer: the loop decides
    terms = np.empty(2 * N)  # log pi, log b_1, log A, log b_2, ... along the path
    terms[0] = log_pi[path[0]]
    terms[1::2] = logB[np.arange(N), path]
    terms[2::2] = log_A[path[:-1], path[1:]]
    log_prob = float(np.add.accumulate(terms)[-1])  # the plain loop's order: its exact bits
    return ViterbiResult(path, log_prob)


_CHECK_EVERY = 4  # runners: test parallelism every few steps (once parallel, it stays so)
_GATHER_CELLS = 1 << 15  # runners: gather the ones still going only from this many scores a step


def _viterbi_runners(omT, BT, log_A):
    """Pass 2 of the block-parallel Viterbi: runners side by side, from the end of each
    block of pass 1 (layout (Lb, K, nb), block last), until parallel to pass 1 (tested every
    _CHECK_EVERY steps). Each step is three whole-array operations over the runners still
    going: once half of them have met pass 1, the others are gathered into smaller arrays
    (runners meet pass 1 after very different numbers of steps). Returns the last step each
    runner covers, their values rec[t, :, r] (step t of the runner of block r + 1, valid up
    to where it stopped) and the sum of the spreads."""
    Lb, K, nb = omT.shape
    G = nb * Lb
    cap = min(G - Lb, 4 * Lb + 256)  # steps a runner may take
    extra = -(-cap // Lb) + 1  # blocks past the end: zeros (log b) and nans (pass 1)
    Bx = np.zeros((Lb, K, nb + extra))
    Bx[:, :, :nb] = BT
    Ox = np.full((Lb, K, nb + extra), np.nan)
    Ox[:, :, :nb] = omT
    A3 = log_A[:, :, None]
    rec = np.empty((cap, K, nb - 1))
    stop = np.full(nb - 1, -1)  # last step a runner covers: where it met pass 1, or G - 1
    starts = np.arange(1, nb) * Lb  # the first step of each runner
    ends = G - starts  # steps until the end of the sequence
    spreads = 0.0
    act = np.arange(nb - 1)  # the runners in the arrays below (those still going, and some
    WT = omT[Lb - 1, :, :-1]  # that have met pass 1 since the last gathering); start: the
    # end of the block before. seg[t - t0]: step t of the runners in act (rec itself until
    # the first gathering)
    seg, work, t0, q0 = rec, np.empty((K, K, nb - 1)), 0, 0
    for t in range(cap):
        l, q = t % Lb, 1 + t // Lb  # position in the block, and the block, of step t
        if seg is None:  # (re)allocate for the runners in act
            seg, work, t0, q0 = np.empty((cap - t, K, len(act))), np.empty((K, K, len(act))), t, 0
        if q != q0:  # runner r is in block r + q: its log b and pass 1's values there
            cols, q0 = (slice(q, q + nb - 1) if len(act) == nb - 1 else act + q), q
        out = seg[t - t0]
        np.add(WT[:, None, :], A3, out=work)  # work[i, j, r] = omega(i) + log A_ij
        np.maximum.reduce(work, axis=0, out=out)  # max over i
        out += Bx[l][:, cols]  # + log b(j)
        WT = out
        if t % _CHECK_EVERY == _CHECK_EVERY - 1 or t == cap - 1:
            first = Ox[l][:, cols]
            d = WT - first
            spread = d.max(axis=0) - d.min(axis=0)  # nan past the end
            tol = 64 * _EPS * (np.abs(first).max(axis=0) + np.abs(WT).max(axis=0))
            going = stop[act] < 0
            met = (spread <= tol) & going
            stop[act[met]] = starts[act[met]] + t
            spreads += float(spread[met].sum())
            at_end = going & ~met & (ends[act] <= t + 1)
            stop[act[at_end]] = G - 1  # reached the end: covers it
            going &= ~(met | at_end)
            n_going = int(going.sum())
            if not n_going or (2 * n_going <= len(act) and work.size >= _GATHER_CELLS):
                # keep the records; gather the runners still going (large arrays only)
                if seg is not rec:
                    rec[t0:t + 1, :, act] = seg[:t + 1 - t0]
                if not n_going:
                    return stop, rec, spreads
                act, WT, seg = act[going], WT[:, going], None
    return None


def _viterbi_backtrack(omega, log_A):
    """z_N = argmax omega_N, z_g = argmax_i omega_g(i) + log A_{i z_{g+1}}, block by block:
    every block traces back from a guessed end state (its own argmax), side by side; blocks
    whose end state turns out different are traced again (only until the new traces merge
    with the old ones), until the ends agree. Its blocks are short (_VITERBI_MIN_L steps):
    a step costs N K operations in all, whatever the blocks."""
    N, K = omega.shape
    S = N - 1
    Lb = _VITERBI_MIN_L
    nb = -(-S // Lb)
    G = nb * Lb
    om_pad = np.zeros((G, K))
    om_pad[:S] = omega[:S]
    om_blk = np.ascontiguousarray(om_pad.reshape(nb, Lb, K).transpose(1, 0, 2))
    log_AT = np.ascontiguousarray(log_A.T)
    pad = G - S
    at = np.minimum(np.arange(1, nb + 1) * Lb, S)  # the state index of each block's end
    ends = omega[at].argmax(axis=1)  # guessed end states
    # better guesses: traced back from the argmax a few steps further on (traces from
    # different states merge within a few steps, in most chains)
    ahead = np.flatnonzero(at + _LOOK_AHEAD <= S)
    g = at[ahead] + _LOOK_AHEAD
    guess = omega[g].argmax(axis=1)
    for _ in range(_LOOK_AHEAD):
        g -= 1
        guess = (omega[g] + log_AT[guess]).argmax(axis=1)
    ends[ahead] = guess
    trace = np.empty((Lb, nb), dtype=np.intp)  # trace[l, b]: z_{b Lb + l}
    redo = np.arange(nb)
    for round_ in range(8):
        cur = ends[redo]
        last = redo == nb - 1
        every = len(redo) == nb
        for l in range(Lb - 1, -1, -1):
            rows = om_blk[l] if every else om_blk[l, redo]
            new = (rows + log_AT[cur]).argmax(axis=1)
            if l >= Lb - pad and last[-1]:  # padded steps of the last block keep z_N
                new[-1] = cur[-1]
            if round_ and np.array_equal(new, trace[l, redo]):
                break  # every new trace has merged with the old one: the rest is the same
            trace[l, redo] = new
            cur = new
        implied = np.empty(nb, dtype=np.intp)
        implied[:-1] = trace[0, 1:]
        implied[-1] = ends[-1]
        wrong = np.flatnonzero(implied != ends)
        if not wrong.size:
            path = np.empty(S + 1, dtype=np.intp)
            path[:S] = trace.T.reshape(-1)[:S]
            path[S] = ends[-1]
            return path
        ends[wrong] = implied[wrong]
        redo = wrong
    return None


_LOOK_AHEAD = 8  # backtracking: steps past a block's end from which its end state is guessed
_EPS = np.finfo(float).eps


# ============================================================================ Baum-Welch
def baum_welch_step(X, pi, A, emission, *, lengths=None, min_covar: float = 0.0):
    r"""One EM update of the HMM parameters (E-step by forward-backward, then the M-step).

    Parameters
    ----------
    X : array_like
        Observations: symbols (N,) for ``Categorical`` emissions, (N, D) (or (N,) when D = 1)
        for ``Gaussian``.
    pi : array_like, shape (K,)
    A : array_like, shape (K, K)
    emission : Categorical or Gaussian
        Current emission parameters.
    lengths : array_like of int, optional
        Several independent sequences: ``X`` is their concatenation and ``lengths`` their
        lengths (positive, summing to N), as hmmlearn's ``lengths``. Default: one sequence.
    min_covar : float, default 0.0
        Gaussian emissions only: a floor on the re-estimated variances. A diagonal variance
        below ``min_covar`` is raised to it; a full covariance whose smallest eigenvalue is
        below ``min_covar`` has its eigenvalues raised to it (the others are left exactly as
        computed). The default 0 applies no floor.

    Returns
    -------
    BaumWelchStep
        ``(pi, A, emission, loglik)``: the re-estimated parameters and
        :math:`\log p(X \mid \theta_{old})` (summed over the sequences).

    Raises
    ------
    ValueError
        If a re-estimated Gaussian covariance collapses: ``covars[k]`` is singular to working
        precision, or one of its variances is below ``eps`` (machine epsilon) times the
        variance of the data in that dimension. State ``k`` has then locked onto too few
        points (the likelihood grows without bound there); give ``min_covar > 0``, other
        starting parameters or fewer states.
    NumericalError
        If a re-estimated covariance (or a log-density) overflows float64: rescale ``X``.

    Notes
    -----
    The maximisers of :math:`Q(\theta, \theta_{old})` under the simplex constraints, derived
    with Lagrange multipliers in the chapter: eq. (hmm-mstep-pi) :math:`\pi_k = \gamma_1(k)`;
    eq. (hmm-mstep-A) :math:`A_{ij} = \sum_n \xi_n(i,j) / \sum_n\sum_l \xi_n(i,l)`;
    eq. (hmm-mstep-B) :math:`B_{km} = \sum_n \gamma_n(k) [x_n = m] / \sum_n \gamma_n(k)`;
    eqs. (hmm-mstep-mu), (hmm-mstep-sigma):
    :math:`\boldsymbol\mu_k = \sum_n \gamma_n(k)\mathbf{x}_n / N_k`,
    :math:`\boldsymbol\Sigma_k = \sum_n\gamma_n(k)(\mathbf{x}_n-\boldsymbol\mu_k)
    (\mathbf{x}_n-\boldsymbol\mu_k)^\top / N_k` with :math:`N_k = \sum_n \gamma_n(k)`
    (only the diagonal for diagonal covariances).

    With several sequences (``lengths``), eq. (hmm-mstep-pooled): the E-step runs on each
    sequence separately and the M-step pools the expected counts, :math:`\pi_k =
    \frac1S \sum_s \gamma^{(s)}_1(k)`, and the sums over :math:`n` in the other formulas
    run over every step of every sequence (the transitions :math:`\xi` only within a
    sequence); :math:`\log p(X) = \sum_s \log p(X^{(s)})`.

    A state that the posterior never visits (:math:`N_k = 0`, e.g. a state of probability 0
    under ``pi`` that no transition reaches; in practice :math:`N_k \le 10^{-300} N`, zero up
    to underflow) has no data to re-estimate its emission from: it keeps its old row of
    ``B``, or its old mean and covariance, as a state that is never left keeps its old row of
    ``A`` (the maximiser of :math:`Q` is not unique there).

    ``pi`` and the rows of ``A`` are first divided by their sums, so that probabilities given
    in float32 (accepted to float32 precision) define a float64 model.
    """
    pi, A = _renormalised(*_check_pi_A(pi, A))
    emission = _check_emission(emission, pi.shape[0])
    X = _check_observations(X, emission)
    bounds = _check_lengths(lengths, len(X))
    min_covar = check_positive(min_covar, "min_covar", strict=False)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked and reported
        return BaumWelchStep(*_baum_welch_step(X, pi, A, emission, min_covar, bounds))


def _check_lengths(lengths, N: int) -> list[tuple[int, int]]:
    """The (start, stop) of each sequence in the concatenated X (one sequence by default)."""
    if lengths is None:
        return [(0, N)]
    arr = as_array(lengths, "lengths", ndim=1)
    ints = arr.astype(np.intp)
    if np.any(ints != arr) or np.any(ints < 1):
        raise ValueError(f"lengths must be positive integers, got {arr.tolist()[:10]}")
    if ints.sum() != N:
        raise ValueError(f"lengths must sum to the number of observations N = {N}, got sum "
                         f"{int(ints.sum())}")
    stops = np.cumsum(ints).tolist()
    return list(zip([0, *stops[:-1]], stops, strict=True))


def _renormalised(pi, A):
    """pi and the rows of A divided by their sums: float32 input, accepted with a float32
    tolerance, is then a float64 model (the E-step checks its arguments at float64 precision).
    For float64 input this changes nothing beyond the last digit."""
    return pi / pi.sum(), A / A.sum(axis=1, keepdims=True)


_NO_VISITS = 1e-300  # N_k below this times N: the state is not visited (zero up to underflow)
# Baum-Welch: a decrease of log p(X) by more than this times max(|log p(X)|, N) is not rounding
_EM_NOISE = 1e-9


def _baum_welch_step(X, pi, A, emission, min_covar=0.0, bounds=None):
    log_B = _emission_log_likelihood(X, emission)
    if bounds is None or len(bounds) == 1:  # one sequence
        post = forward_backward(pi, A, log_B_obs=log_B)
        gamma, xi_sum, loglik, first = post.gamma, post.xi, post.loglik, post.gamma[0]
    else:  # several: E-step on each, expected counts pooled (hmm-mstep-pooled)
        gamma = np.empty_like(log_B)
        xi_sum, first, logliks = np.zeros_like(A), np.zeros_like(pi), []
        for start, stop in bounds:
            post = forward_backward(pi, A, log_B_obs=log_B[start:stop])
            gamma[start:stop] = post.gamma
            xi_sum += post.xi  # transitions within a sequence only
            first += post.gamma[0]  # sum_s gamma_1^(s)
            logliks.append(post.loglik)
        loglik = math.fsum(logliks)  # log p(X) = sum_s log p(X^(s))
    pi_new = first / first.sum()  # eq. (hmm-mstep-pi)
    row = xi_sum.sum(axis=1, keepdims=True)
    A_new = np.divide(xi_sum, row, out=A.copy(), where=row > 0)  # eq. (hmm-mstep-A)
    Nk = gamma.sum(axis=0)  # expected number of visits of each state
    seen = Nk > _NO_VISITS * len(X)  # states never visited keep their old parameters
    if isinstance(emission, Categorical):
        K, M = emission.B.shape
        counts = np.empty((K, M))
        for k in range(K):
            counts[k] = np.bincount(X, weights=gamma[:, k], minlength=M)
        B_new = np.divide(counts, Nk[:, None], out=emission.B.copy(),  # eq. (hmm-mstep-B)
                          where=seen[:, None])
        new = Categorical(B_new)
    else:
        means = np.divide(gamma.T @ X, Nk[:, None], out=emission.means.copy(),
                          where=seen[:, None])  # eq. (hmm-mstep-mu)
        covars = emission.covars.copy()
        for k in np.flatnonzero(seen):  # eq. (hmm-mstep-sigma)
            diff = X - means[k]
            if covars.ndim == 2:
                covars[k] = (gamma[:, k] @ diff**2) / Nk[k]
            else:
                covars[k] = (gamma[:, k, None] * diff).T @ diff / Nk[k]
                covars[k] = (covars[k] + covars[k].T) / 2  # exactly symmetric
        if min_covar > 0:
            _floor_covars(covars, seen, min_covar)
        _check_not_collapsed(covars, seen, X)
        new = Gaussian(means, covars)
    return pi_new, A_new, new, loglik


def _floor_covars(covars, seen, min_covar: float) -> None:
    """Raise variances (diagonal) or eigenvalues (full) below ``min_covar`` to it, in place."""
    if covars.ndim == 2:
        np.maximum(covars, min_covar, out=covars, where=seen[:, None])
        return
    for k in np.flatnonzero(seen):
        w, V = np.linalg.eigh(covars[k])
        if w[0] < min_covar:
            S = (V * np.maximum(w, min_covar)) @ V.T
            covars[k] = (S + S.T) / 2


def _check_not_collapsed(covars, seen, X) -> None:
    """Raise if a re-estimated covariance is singular to working precision or overflows
    (see Raises)."""
    eps = np.finfo(float).eps
    with np.errstate(over="ignore", invalid="ignore"):
        data_var = X.var(axis=0)
    for what, value in (("covars (re-estimated)", covars), ("the variance of X",
                                                               data_var)):
        check_finite_result(value, what, "X is of too large a scale for its second moments "
                                         "in float64; rescale X")
    for k in np.flatnonzero(seen):
        variances = covars[k] if covars.ndim == 2 else np.diagonal(covars[k])
        low = variances <= eps * data_var
        if np.any(low):
            d = int(np.flatnonzero(low)[0])
            raise ValueError(
                f"covars[{k}] collapsed in the M-step: the variance of state {k} in dimension "
                f"{d} is {variances[d]:.3g}, below eps times the data's variance "
                f"{data_var[d]:.3g}; state {k} has locked onto too few points. Give "
                f"min_covar > 0, other starting parameters or fewer states")
        if covars.ndim == 3:
            w = np.linalg.eigvalsh(covars[k])
            if not w[0] > len(w) * eps * w[-1]:
                raise ValueError(
                    f"covars[{k}] collapsed in the M-step: it is singular to working precision "
                    f"(eigenvalues from {w[0]:.3g} to {w[-1]:.3g}); the points of state {k} "
                    f"lie on a lower-dimensional subspace. Give min_covar > 0, other starting "
                    f"parameters or fewer states")


def baum_welch(X, pi, A, emission, *, lengths=None, max_iter: int = 100, tol: float = 1e-6,
               min_covar: float = 0.0) -> BaumWelchResult:
    r"""Baum-Welch: EM for an HMM, from initial parameters, with the log-likelihood history.

    Parameters
    ----------
    X : array_like
        Observations (see :func:`baum_welch_step`).
    pi : array_like, shape (K,)
    A : array_like, shape (K, K)
    emission : Categorical or Gaussian
        Initial parameters.
    lengths : array_like of int, optional
        Lengths of several independent sequences concatenated in ``X`` (see
        :func:`baum_welch_step`).
    max_iter : int, default 100
        Maximum number of EM updates.
    tol : float, default 1e-6
        Stop (converged) when the log-likelihood gains at most ``tol`` in one update. An
        absolute gain, as hmmlearn's ``tol``: :math:`\log p(X)` grows with :math:`N`, so for
        long sequences a ``tol`` proportional to :math:`N` may be the better choice.
    min_covar : float, default 0.0
        Floor on the re-estimated Gaussian variances (see :func:`baum_welch_step`).

    Returns
    -------
    BaumWelchResult
        The parameters after the last update, ``history``, the log-likelihood before each
        update, and ``converged``: whether the gain ``history[-1] - history[-2]`` is at most
        ``tol``.

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` updates end without a gain of at most ``tol`` (``converged`` is then
        False; with ``max_iter=1`` no gain is measured, so it is always False), and when the
        log-likelihood *decreases* by more than rounding (:math:`10^{-9} \max(|\log p(X)|,
        N)`): EM cannot decrease it in exact arithmetic, so the iteration stops there and
        returns ``converged=False`` (the parameters are numerically unreliable).

    Raises
    ------
    ValueError
        As :func:`baum_welch_step`, in particular when a Gaussian covariance collapses.
    NumericalError
        If a log-density or a re-estimated covariance overflows float64 (data too far from
        the means, or of too large a scale: rescale ``X``).

    Notes
    -----
    Repeats :func:`baum_welch_step` (eqs. (hmm-mstep-pi) to (hmm-mstep-sigma)). EM never
    decreases :math:`\log p(X \mid \theta)` (the chapter's theorem on the EM bound). States
    that the posterior never visits keep their emission parameters (see
    :func:`baum_welch_step`).
    """
    max_iter = check_positive(max_iter, "max_iter", integer=True)
    tol = check_positive(tol, "tol", strict=False)
    min_covar = check_positive(min_covar, "min_covar", strict=False)
    pi, A = _renormalised(*_check_pi_A(pi, A))
    emission = _check_emission(emission, pi.shape[0])
    X = _check_observations(X, emission)
    bounds = _check_lengths(lengths, len(X))
    history = []
    gain = np.inf  # no gain is measured before the second update
    for _ in range(max_iter):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked, reported
            pi, A, emission, loglik = _baum_welch_step(X, pi, A, emission, min_covar, bounds)
        history.append(loglik)
        if len(history) < 2:
            continue
        gain = history[-1] - history[-2]
        # rounding noise in log p(X), a sum of N terms: far below this bound
        noise = _EM_NOISE * max(abs(history[-2]), len(X))
        if gain < -noise:  # EM cannot decrease log p(X): numerical trouble, not convergence
            warnings.warn(
                f"Baum-Welch did not converge: the log-likelihood decreased by {-gain:.3g} "
                f"at update {len(history) - 1} (from {history[-2]:.10g} to {history[-1]:.10g}),"
                f" which EM cannot do in exact arithmetic; the parameters are numerically "
                f"unreliable (near-singular covariances? try min_covar > 0 or rescale X)",
                ConvergenceWarning, stacklevel=2)
            return BaumWelchResult(pi, A, emission, np.array(history), False)
        if gain <= tol:
            break
    measure = ("gain in log p(X) of the last update" if len(history) > 1 else
               "gain in log p(X) (none measured: a single update)")
    converged = report("Baum-Welch", measure=measure, value=gain,
                       tol=tol, n_iter=len(history), max_iter=max_iter,
                       advice="raise max_iter (or tol); EM has no optimality certificate, so "
                              "convergence means a gain of at most tol per update",
                       stacklevel=3)
    return BaumWelchResult(pi, A, emission, np.array(history), converged)


# ============================================================================ sampling
def sample(pi, A, emission, N: int, rng=None) -> HMMSample:
    r"""Draw a state path and observations from an HMM.

    Parameters
    ----------
    pi : array_like, shape (K,)
    A : array_like, shape (K, K)
    emission : Categorical or Gaussian
    N : int
        Number of steps.
    rng : numpy.random.Generator, int or None
        Source of randomness.

    Returns
    -------
    HMMSample
        ``z`` (N,) states and ``x``: symbols (N,) or vectors (N, D).

    Notes
    -----
    Ancestral sampling of eq. (hmm-joint): :math:`z_1 \sim \pi`,
    :math:`z_n \sim A_{z_{n-1}, :}`, :math:`x_n \sim p(x \mid z_n)`.
    """
    pi, A = _check_pi_A(pi, A)
    emission = _check_emission(emission, pi.shape[0])
    if not isinstance(N, numbers.Integral) or isinstance(N, bool):
        raise TypeError(f"N must be an integer, got {N!r}")
    N = check_positive(N, "N", integer=True)
    if isinstance(rng, bool | np.bool_):  # True is an int to Python: it would be seed 1
        raise TypeError(f"rng must be a numpy.random.Generator, an integer seed or None, "
                        f"got {rng!r}")
    rng = as_generator(rng)
    K = pi.shape[0]
    u = rng.random(N)
    cum_pi = np.cumsum(pi)
    cum_A = np.cumsum(A, axis=1)
    z = np.empty(N, dtype=np.intp)
    z[0] = min(int(np.searchsorted(cum_pi, u[0], side="right")), K - 1)
    # per state, the state-to-state draws are inverse-CDF lookups; one loop over n remains
    rows = [r.tolist() for r in cum_A]
    state = int(z[0])
    zl = [state]
    for un in u[1:].tolist():
        state = min(bisect_right(rows[state], un), K - 1)
        zl.append(state)
    z[:] = zl
    if isinstance(emission, Categorical):
        cum_B = np.cumsum(emission.B, axis=1)
        v = rng.random(N)
        x = np.minimum((cum_B[z] <= v[:, None]).sum(axis=1), emission.B.shape[1] - 1)
    else:
        means, covars = emission
        eps = rng.standard_normal((N, means.shape[1]))
        if covars.ndim == 2:
            x = means[z] + np.sqrt(covars)[z] * eps
        else:
            # a square root of each covariance (eigen-decomposition: PSD allowed)
            w, V = np.linalg.eigh(covars)
            roots = V * np.sqrt(np.clip(w, 0, None))[:, None, :]
            x = means[z] + np.einsum("nij,nj->ni", roots[z], eps)
    return HMMSample(z, x)
