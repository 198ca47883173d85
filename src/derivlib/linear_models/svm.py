r"""Support vector machines: the dual, kernels and sequential minimal optimisation (SMO).

Code of the chapter ``chapters/linear_models/svm.ipynb``; tested in
``tests/linear_models/test_svm.py`` against scikit-learn's ``SVC`` (LIBSVM). The solver is
the SMO algorithm of Platt (1998) with the second-order working-set selection of Fan, Chen
and Lin (2005) that LIBSVM uses (Chang and Lin, 2011), written with NumPy vectors: the
gradient of the dual is kept up to date with two kernel columns per iteration. When SMO
crawls (badly conditioned problems: a large C), its iterate is polished by a primal
active-set method on the same dual (see :func:`smo`, Notes). Convergence is decided by the
KKT gap of the returned solution (``derivlib._convergence``): :func:`smo` warns,
:meth:`SVC.fit` raises.

Symbols
-------
=========================  ========================  ============================================
book                       code                      meaning
=========================  ========================  ============================================
:math:`x_n`                ``X[n]``                  :math:`n`-th input, ``X`` has shape (N, d)
:math:`y_n \in \{-1, 1\}`  ``y[n]``                  its label
:math:`K_{nm}`             ``K[n, m]``               kernel :math:`k(x_n, x_m)`, eq. (svm-kernel)
:math:`Q_{nm}`             ``y[n]*y[m]*K[n, m]``     the dual's Hessian, eq. (svm-dual)
:math:`\alpha_n`           ``alpha[n]``              dual variable, :math:`0 \le \alpha_n \le C`
:math:`C`                  ``C``                     box constraint (soft-margin penalty)
:math:`b`                  ``b``                     bias, eq. (svm-bias)
:math:`f(x)`               ``decision_function``     :math:`\sum_n \alpha_n y_n k(x_n, x) + b`
:math:`E_n`                ``F[n] + b``              error :math:`f(x_n) - y_n`; the solver keeps
                                                     ``F[n]`` :math:`= E_n - b = y_n \nabla_n`
:math:`a_{ij}`             ``a_ij``                  :math:`K_{ii} + K_{jj} - 2K_{ij}` (Platt's
                                                     :math:`\eta`)
:math:`\gamma`             ``gamma``                 kernel width / scale
:math:`\alpha^*_n`         ``alpha_star[n]``         regression: multiplier below the tube
:math:`\epsilon`           ``epsilon``               regression: half-width of the tube
=========================  ========================  ============================================

Results of the chapter implemented here:

* eq. (svm-dual): :math:`D(\alpha) = \sum_n \alpha_n - \frac12 \sum_{n,m}
  \alpha_n\alpha_m y_n y_m K_{nm}` (:func:`dual_objective`);
* eq. (svm-primal-hinge): :math:`P(w, b) = \frac12\|w\|^2 + C\sum_n \max(0, 1 - y_n f(x_n))`
  (:func:`primal_objective`, :func:`hinge_loss`);
* eqs. (svm-smo-step), (svm-smo-clip): the two-variable update (:func:`two_variable_update`);
* eq. (svm-wss2): second-order working-set selection (:func:`textbook_select_working_set`,
  the chapter's loop, and :func:`select_working_set`, the same selection vectorised);
* eq. (svm-bias): the bias from the free support vectors (:func:`bias`);
* eq. (svm-kkt): the stopping rule :math:`m(\alpha) - M(\alpha) \le \mathrm{tol}`
  (:func:`kkt_gap`, :func:`kkt_violations`);
* eqs. (svm-eps-loss), (svm-svr-dual), (svm-svr-f), (svm-svr-bias), (svm-svr-libsvm):
  support vector regression, solved by the same SMO loop on LIBSVM's :math:`2N`-variable
  form (:func:`svr`, :class:`SVR`, :func:`svr_dual_objective`,
  :func:`epsilon_insensitive_loss`);
* eq. (svm-ovo-vote): one-versus-one classification of :math:`K > 2` classes with LIBSVM's
  vote and tie rule (:class:`SVC`).
"""

from __future__ import annotations

import math
import numbers
from collections import OrderedDict
from typing import NamedTuple

import numpy as np
from scipy import linalg

from derivlib._convergence import ConvergenceError, NumericalError, message, report
from derivlib._validation import (
    as_array,
    as_labels,
    check_bool,
    check_choice,
    check_finite_result,
    check_positive,
    check_same_length,
    check_symmetric,
    input_eps,
)

__all__ = [
    "PairUpdate",
    "SMOResult",
    "SVC",
    "SVR",
    "SVRResult",
    "WorkingSet",
    "bias",
    "dual_objective",
    "epsilon_insensitive_loss",
    "hinge_loss",
    "kernel_matrix",
    "kkt_gap",
    "kkt_violations",
    "linear_kernel",
    "polynomial_kernel",
    "primal_objective",
    "rbf_kernel",
    "select_working_set",
    "smo",
    "svr",
    "svr_dual_objective",
    "textbook_select_working_set",
    "two_variable_update",
]

KERNELS = ("linear", "poly", "rbf", "precomputed")
TAU = 1e-12  # LIBSVM's replacement for a non-positive curvature a_ij
_RBF_RANGE = 2.0**450  # inputs beyond it (or below its inverse) are rescaled in rbf_kernel
_OVERFLOW_ADVICE = "scale the inputs down (e.g. standardise the features)"
_VAR_RANGE = 2.0**-800  # a variance below it is recomputed from X scaled by a power of two


# --------------------------------------------------------------------------- kernels
def _check_XY(X, Y):
    X = as_array(X, "X", ndim=2)
    if Y is None:
        return X, X
    Y = as_array(Y, "Y", ndim=2)
    if Y.shape[1] != X.shape[1]:
        raise ValueError(
            f"Y must have the same number of features as X ({X.shape[1]}), got {Y.shape[1]}"
        )
    return X, Y


def linear_kernel(X, Y=None) -> np.ndarray:
    r"""Linear kernel :math:`k(x, x') = x^\top x'`.

    Parameters
    ----------
    X : array_like, shape (n, d)
    Y : array_like, shape (m, d), optional
        Defaults to ``X``.

    Returns
    -------
    K : ndarray, shape (n, m)

    Raises
    ------
    NumericalError
        If an inner product overflows float64 (entries of about 1e154 and more).

    Examples
    --------
    >>> linear_kernel([[1.0, 2.0]], [[3.0, 4.0]])
    array([[11.]])
    """
    X, Y = _check_XY(X, Y)
    with np.errstate(over="ignore", invalid="ignore"):
        K = X @ Y.T
    check_finite_result(K, "the linear kernel", _OVERFLOW_ADVICE)
    return K


def polynomial_kernel(X, Y=None, *, degree=3, gamma=1.0, coef0=1.0) -> np.ndarray:
    r"""Polynomial kernel :math:`k(x, x') = (\gamma\, x^\top x' + c_0)^p`.

    Parameters
    ----------
    X : array_like, shape (n, d)
    Y : array_like, shape (m, d), optional
        Defaults to ``X``.
    degree : int
        The power :math:`p \ge 1`.
    gamma : float
        Scale :math:`\gamma > 0`.
    coef0 : float
        Offset :math:`c_0 \ge 0` (with :math:`c_0 \ge 0` the kernel is positive semi-definite).

    Returns
    -------
    K : ndarray, shape (n, m)

    Raises
    ------
    NumericalError
        If an entry overflows float64 (large inputs or a high degree).

    Notes
    -----
    Eq. (svm-poly). The same parametrisation as scikit-learn's ``SVC(kernel="poly")``.

    Examples
    --------
    >>> polynomial_kernel([[1.0, 2.0]], [[3.0, 4.0]], degree=2, gamma=0.5, coef0=1.0)
    array([[42.25]])
    """
    X, Y = _check_XY(X, Y)
    gamma, degree, coef0 = _check_kernel_params(gamma, degree, coef0)
    with np.errstate(over="ignore", invalid="ignore"):
        K = (gamma * (X @ Y.T) + coef0) ** degree
    check_finite_result(K, "the polynomial kernel", _OVERFLOW_ADVICE)
    return K


def rbf_kernel(X, Y=None, *, gamma=1.0) -> np.ndarray:
    r"""Gaussian (RBF) kernel :math:`k(x, x') = \exp(-\gamma \|x - x'\|^2)`.

    Parameters
    ----------
    X : array_like, shape (n, d)
    Y : array_like, shape (m, d), optional
        Defaults to ``X``.
    gamma : float
        Inverse squared length scale, :math:`\gamma > 0`.

    Returns
    -------
    K : ndarray, shape (n, m)

    Notes
    -----
    Eq. (svm-rbf). The squared distances are computed as
    :math:`\|x\|^2 + \|x'\|^2 - 2x^\top x'` (one matrix product) and clipped at zero, where
    rounding could make them slightly negative. Inputs beyond about :math:`10^{135}` (whose
    squared norms would overflow float64 and give NaN) or below :math:`10^{-135}` are first
    divided by a power of two :math:`s` (exact), and the exponent is formed as
    :math:`-(\gamma s^2)\|x/s - x'/s\|^2`; if :math:`\gamma s^2` is outside float64's
    range, as :math:`-\gamma\|x/s - x'/s\|^2` times :math:`s^2` (``np.ldexp``), which
    overflows to :math:`-\infty`, a kernel value 0, as it should.

    Examples
    --------
    >>> rbf_kernel([[0.0, 0.0]], [[1.0, 1.0]], gamma=0.5)
    array([[0.36787944]])
    """
    same = Y is None
    X, Y = _check_XY(X, Y)
    gamma = float(check_positive(gamma, "gamma"))
    shift = 0  # X and Y are divided by 2**shift; the exponent multiplied by 4**shift
    with np.errstate(over="ignore", under="ignore"):
        sq_x = np.einsum("ij,ij->i", X, X)
        sq_y = sq_x if same else np.einsum("ij,ij->i", Y, Y)
    largest = max(float(sq_x.max()), float(sq_y.max()))  # inf if a square overflowed
    if largest > _RBF_RANGE**2 or 0.0 < largest < _RBF_RANGE**-2:
        shift = math.frexp(max(float(np.abs(X).max()), float(np.abs(Y).max())))[1]
        X, Y = np.ldexp(X, -shift), np.ldexp(Y, -shift)
        sq_x = np.einsum("ij,ij->i", X, X)
        sq_y = sq_x if same else np.einsum("ij,ij->i", Y, Y)
    # ||x - x'||^2 = ||x||^2 + ||x'||^2 - 2 x.x'
    D = X @ Y.T
    D *= -2.0
    D += sq_x[:, None]
    D += sq_y[None, :]
    np.maximum(D, 0.0, out=D)
    if same:
        np.fill_diagonal(D, 0.0)
    if not shift:
        D *= -gamma
        return np.exp(D, out=D)
    with np.errstate(over="ignore", under="ignore"):
        g = float(np.ldexp(gamma, 2 * shift))  # gamma s^2, if float64 holds it
        if np.finfo(float).tiny <= g < np.inf:
            D *= -g
        else:
            D *= -gamma
            D = np.ldexp(D, 2 * shift)  # exact, or -inf (a kernel value 0) on overflow
        return np.exp(D, out=D)


def _check_kernel_params(gamma, degree, coef0):
    """gamma > 0, degree a positive integer, coef0 >= 0: finite real numbers, not bools."""
    gamma = float(check_positive(gamma, "gamma"))
    degree = int(check_positive(degree, "degree", integer=True))
    coef0 = float(check_positive(coef0, "coef0", strict=False))
    return gamma, degree, coef0


def _resolve_kernel(kernel, gamma, degree, coef0):
    """Check the kernel name and every kernel parameter (also those the kernel ignores)."""
    check_choice(kernel, "kernel", KERNELS)
    return _check_kernel_params(gamma, degree, coef0)


def kernel_matrix(X, Y=None, *, kernel="rbf", gamma=1.0, degree=3, coef0=0.0) -> np.ndarray:
    """The kernel matrix of ``X`` (and ``Y``) for a kernel named as in scikit-learn's ``SVC``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    Y : array_like, shape (m, d), optional
    kernel : {"linear", "poly", "rbf"}
    gamma, degree, coef0
        Kernel parameters (see :func:`rbf_kernel`, :func:`polynomial_kernel`).

    Returns
    -------
    K : ndarray, shape (n, m)
    """
    _resolve_kernel(kernel, gamma, degree, coef0)
    if kernel == "linear":
        return linear_kernel(X, Y)
    if kernel == "poly":
        return polynomial_kernel(X, Y, degree=degree, gamma=gamma, coef0=coef0)
    if kernel == "rbf":
        return rbf_kernel(X, Y, gamma=gamma)
    raise ValueError("kernel='precomputed' has no kernel function; pass the kernel matrix")


def _kernel_diagonal(X, kernel, gamma, degree, coef0) -> np.ndarray:
    if kernel == "rbf":
        return np.ones(len(X))
    with np.errstate(over="ignore", invalid="ignore"):
        sq = np.einsum("ij,ij->i", X, X)
        diag = sq if kernel == "linear" else (gamma * sq + coef0) ** degree
    check_finite_result(diag, f"the {kernel} kernel", _OVERFLOW_ADVICE)
    return diag


class _FullKernel:
    """All kernel columns, precomputed (n <= precompute_limit)."""

    def __init__(self, K, psd=False):
        self.K = K
        self.diag = np.ascontiguousarray(np.diag(K)).copy()
        # max |K_nm|: max K_nn for a positive semi-definite kernel (Cauchy-Schwarz)
        self.bound = float(self.diag.max()) if psd else max(float(K.max()), -float(K.min()))

    def column(self, t):
        return self.K[t]  # K is symmetric: row t is column t, and rows are contiguous

    def rows(self, idx):
        """``K[idx]``, shape (m, n): row k is the column ``idx[k]``."""
        return self.K[idx]

    def times(self, v):
        """``sum_m v_m K[:, m]`` (the columns as :meth:`column` gives them)."""
        return v @ self.K


class _CachedKernel:
    """Kernel columns computed on demand and kept in a least-recently-used cache."""

    def __init__(self, X, kernel, gamma, degree, coef0, cache_mb):
        self.X, self.params = X, {"kernel": kernel, "gamma": gamma, "degree": degree,
                                  "coef0": coef0}
        self.diag = _kernel_diagonal(X, kernel, gamma, degree, coef0)
        self.capacity = max(2, int(cache_mb * 2**20 // (8 * len(X))))
        self.cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self.misses = 0

        # |K_nm| <= sqrt(K_nn K_mm) for a positive semi-definite kernel
        self.bound = float(self.diag.max())

    def column(self, t):
        col = self.cache.get(t)
        if col is not None:
            self.cache.move_to_end(t)
            return col
        self.misses += 1
        col = kernel_matrix(self.X, self.X[t : t + 1], **self.params)[:, 0]
        self.cache[t] = col
        if len(self.cache) > self.capacity:
            self.cache.popitem(last=False)
        return col

    def rows(self, idx):
        return np.stack([self.column(t) for t in idx]) if len(idx) else np.empty((0, len(self.X)))

    def times(self, v, block=512):
        out = np.zeros(len(self.X))
        missing = []
        for t in np.flatnonzero(v).tolist():
            col = self.cache.get(t)  # columns still in the cache are reused
            if col is None:
                missing.append(t)
            else:
                out += v[t] * col
        for start in range(0, len(missing), block):
            part = missing[start:start + block]
            out += kernel_matrix(self.X, self.X[part], **self.params) @ v[part]
        return out


# --------------------------------------------------------------------------- validation
def _check_labels_pm1(y, name="y", *, both=True):
    """Labels in {-1, +1}; with ``both``, each of the two must occur (a solvable problem)."""
    y = as_array(y, name, ndim=1)
    if not np.all((y == 1) | (y == -1)):
        raise ValueError(f"{name} must contain only -1 and +1, got values {np.unique(y)[:6]}")
    if both and not ((y == 1).any() and (y == -1).any()):
        raise ValueError(f"{name} must contain both classes -1 and +1, got only {y[0]:g}")
    return y


def _check_C(C) -> float:
    return float(check_positive(C, "C"))  # a real number, finite and > 0


def _check_b(b) -> float:
    return float(as_array(b, "b", ndim=0))  # a finite real number


def _check_alpha_y(alpha, y, K):
    alpha = as_array(alpha, "alpha", ndim=1)
    y = _check_labels_pm1(y, both=False)
    check_same_length(alpha, y, "alpha", "y")
    K = as_array(K, "K", ndim=2)
    if K.shape != (len(y), len(y)):
        raise ValueError(f"K must have shape ({len(y)}, {len(y)}), got {K.shape}")
    return alpha, y, K


def _check_alpha_y_F(alpha, y, F, C):
    alpha = as_array(alpha, "alpha", ndim=1)
    y = _check_labels_pm1(y, both=False)
    F = as_array(F, "F", ndim=1)
    check_same_length(alpha, y, "alpha", "y")
    check_same_length(alpha, F, "alpha", "F")
    return alpha, y, F, _check_C(C)


def _check_update_input(alpha_i, alpha_j, y_i, y_j, E_i, E_j, K_ii, K_jj, K_ij, C):
    """The scalars of :func:`two_variable_update`, validated and converted to float."""
    C = _check_C(C)
    out = []
    for name, value in (("alpha_i", alpha_i), ("alpha_j", alpha_j), ("y_i", y_i),
                        ("y_j", y_j), ("E_i", E_i), ("E_j", E_j), ("K_ii", K_ii),
                        ("K_jj", K_jj), ("K_ij", K_ij)):
        v = float(as_array(value, name, ndim=0))
        if name.startswith("alpha") and not 0.0 <= v <= C:
            raise ValueError(f"{name} must be in [0, C] = [0, {C:g}], got {v:g}")
        if name.startswith("y") and v not in (1.0, -1.0):
            raise ValueError(f"{name} must be -1 or +1, got {v:g}")
        out.append(v)
    return (*out, C)


def _check_wss_input(F, up, low, diag, column):
    """The arrays of :func:`select_working_set`, validated and converted."""
    F = as_array(F, "F", ndim=1)
    diag = as_array(diag, "diag", ndim=1)
    check_same_length(F, diag, "F", "diag")
    masks = []
    for name, mask in (("up", up), ("low", low)):
        mask = np.asarray(mask)
        if mask.dtype != bool or mask.shape != F.shape:
            raise ValueError(f"{name} must be a boolean mask of shape {F.shape} (membership "
                             f"of I_{name}), got dtype {mask.dtype} and shape {mask.shape}")
        if not mask.any():
            raise ValueError(f"{name} must select at least one index (I_{name} is empty)")
        masks.append(mask)
    if not callable(column):
        raise TypeError(f"column must be a callable returning K[:, i], got "
                        f"{type(column).__name__}")
    return F, masks[0], masks[1], diag


# --------------------------------------------------------------------------- objectives
def dual_objective(alpha, y, K) -> float:
    r"""The SVM dual :math:`D(\alpha) = \sum_n \alpha_n - \frac12 \alpha^\top Q \alpha`.

    Parameters
    ----------
    alpha : array_like, shape (n,)
    y : array_like, shape (n,)
        Labels in {-1, +1}.
    K : array_like, shape (n, n)
        Kernel matrix.

    Returns
    -------
    float

    Notes
    -----
    Eq. (svm-dual), with :math:`Q_{nm} = y_n y_m K_{nm}`:

    .. math:: D(\alpha) = \sum_n \alpha_n - \frac12\sum_{n,m}\alpha_n\alpha_m y_n y_m K_{nm}.

    Examples
    --------
    >>> dual_objective([0.5, 0.5], [1.0, -1.0], [[1.0, 0.0], [0.0, 1.0]])
    0.75
    """
    alpha, y, K = _check_alpha_y(alpha, y, K)
    v = alpha * y
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(alpha.sum() - 0.5 * v @ K @ v)
    check_finite_result(value, "the dual objective", _OVERFLOW_ADVICE + " (or C)")
    return value


def hinge_loss(margins) -> np.ndarray:
    r"""The hinge loss :math:`\max(0, 1 - m)` of margins :math:`m_n = y_n f(x_n)`.

    Parameters
    ----------
    margins : float or array_like
        Any shape: the loss is elementwise, like a NumPy ufunc (finite, non-empty).

    Examples
    --------
    >>> hinge_loss([-1.0, 0.5, 2.0])
    array([2. , 0.5, 0. ])
    """
    m = as_array(margins, "margins")
    return np.maximum(0.0, 1.0 - m)


def primal_objective(alpha, b, y, K, C) -> float:
    r"""The soft-margin primal at :math:`w = \sum_n \alpha_n y_n \phi(x_n)` and bias ``b``.

    Parameters
    ----------
    alpha : array_like, shape (n,)
    b : float
    y : array_like, shape (n,)
    K : array_like, shape (n, n)
    C : float

    Returns
    -------
    float

    Notes
    -----
    Eq. (svm-primal-hinge), the hinge-loss form of the soft-margin primal, with
    :math:`\|w\|^2 = \alpha^\top Q\alpha` and :math:`f(x_n) = (K(\alpha\circ y))_n + b`:

    .. math:: P = \frac12\|w\|^2 + C\sum_n \max\bigl(0, 1 - y_n f(x_n)\bigr).

    By weak duality :math:`P \ge D(\alpha)` for every feasible :math:`\alpha` and every
    :math:`b`, with equality at the optimum.
    """
    alpha, y, K = _check_alpha_y(alpha, y, K)
    C, b = _check_C(C), _check_b(b)
    v = alpha * y
    with np.errstate(over="ignore", invalid="ignore"):
        Kv = K @ v
        margins = y * (Kv + b)
        value = float(0.5 * v @ Kv + C * np.maximum(0.0, 1.0 - margins).sum())  # hinge loss
    check_finite_result(value, "the primal objective", _OVERFLOW_ADVICE + " (or C)")
    return value


# --------------------------------------------------------------------------- SMO pieces
def two_variable_update(alpha_i, alpha_j, y_i, y_j, E_i, E_j, K_ii, K_jj, K_ij, C, *,
                        check_input=True):
    r"""SMO's analytic solution of the dual restricted to :math:`(\alpha_i, \alpha_j)`.

    Parameters
    ----------
    alpha_i, alpha_j : float
        Current values, in :math:`[0, C]`.
    y_i, y_j : {-1, +1}
    E_i, E_j : float
        Errors :math:`E_n = f(x_n) - y_n` (only their difference matters).
    K_ii, K_jj, K_ij : float
        Kernel entries.
    C : float
        Box constraint, finite and > 0.
    check_input : bool, default True
        Validate the arguments; :func:`smo` skips it (its arguments are valid by construction).

    Returns
    -------
    PairUpdate
        ``(alpha_i, alpha_j)``, the new pair (floats).

    Raises
    ------
    ValueError
        If ``C`` is not finite and positive, an ``alpha`` is outside :math:`[0, C]`, a label
        is not -1 or +1, or a value is NaN or infinite.

    Notes
    -----
    Eq. (svm-smo-step), the unconstrained maximiser along the line
    :math:`y_i\alpha_i + y_j\alpha_j = \text{const}`, then eq. (svm-smo-clip):

    .. math::
        a_{ij} = K_{ii} + K_{jj} - 2K_{ij}, \qquad
        \alpha_j^{new} = \operatorname{clip}_{[L, H]}
        \Bigl(\alpha_j + \frac{y_j (E_i - E_j)}{a_{ij}}\Bigr), \qquad
        \alpha_i^{new} = \alpha_i + y_i y_j (\alpha_j - \alpha_j^{new}),

    with :math:`[L, H] = [\max(0, \alpha_j - \alpha_i), \min(C, C + \alpha_j - \alpha_i)]`
    if :math:`y_i \ne y_j` and :math:`[\max(0, \alpha_i + \alpha_j - C), \min(C, \alpha_i +
    \alpha_j)]` if :math:`y_i = y_j`. The curvature :math:`a_{ij}` is LIBSVM's name (Fan,
    Chen and Lin 2005); Platt (1998) calls it :math:`\eta`. A non-positive :math:`a_{ij}`
    (duplicate points, a kernel that is not positive definite) is replaced by
    :math:`\tau = 10^{-12}` as in LIBSVM. If :math:`a_{ij}` or :math:`E_i - E_j` overflows
    float64, both are formed from the inputs divided by their largest magnitude (the step,
    their ratio, is unchanged).

    Examples
    --------
    >>> two_variable_update(0.0, 0.0, 1, -1, -1.0, 1.0, 1.0, 1.0, 0.0, C=10.0)
    PairUpdate(alpha_i=1.0, alpha_j=1.0)
    """
    if check_input is not False and check_bool(check_input, "check_input"):
        alpha_i, alpha_j, y_i, y_j, E_i, E_j, K_ii, K_jj, K_ij, C = _check_update_input(
            alpha_i, alpha_j, y_i, y_j, E_i, E_j, K_ii, K_jj, K_ij, C)
    s = y_i * y_j
    if s < 0:  # segment of the line alpha_j - alpha_i = const inside the box
        L, H = max(0.0, alpha_j - alpha_i), min(C, C + alpha_j - alpha_i)
    else:  # alpha_i + alpha_j = const
        L, H = max(0.0, alpha_i + alpha_j - C), min(C, alpha_i + alpha_j)
    a_ij, dE = K_ii + K_jj - 2.0 * K_ij, E_i - E_j  # the curvature a_ij (Platt's eta)
    if not (math.isfinite(a_ij) and math.isfinite(dE)):  # overflow: the ratio is scale-free
        scale = max(abs(K_ii), abs(K_jj), abs(K_ij), abs(E_i), abs(E_j))
        a_ij = K_ii / scale + K_jj / scale - 2.0 * (K_ij / scale)
        dE = E_i / scale - E_j / scale
    if a_ij <= 0.0:
        a_ij = TAU
    # alpha_j^new = alpha_j + y_j (E_i - E_j) / a_ij, clipped to [L, H]  eq. (svm-smo-step)
    aj = min(max(alpha_j + y_j * dE / a_ij, L), H)
    # alpha_i^new = alpha_i + y_i y_j (alpha_j - alpha_j^new)             eq. (svm-smo-clip)
    ai = alpha_i + s * (alpha_j - aj)
    # rounding: an alpha_i that the clip sent to a bound must land on it exactly
    eps = 1e-12 * C
    ai = 0.0 if ai < eps else (C if ai > C - eps else ai)
    return PairUpdate(float(ai), float(aj))


def _masks(alpha, y, C):
    pos = y > 0
    below, above = alpha < C, alpha > 0
    up = np.where(pos, below, above)  # alpha_t may move in the direction +y_t
    low = np.where(pos, above, below)  # alpha_t may move in the direction -y_t
    return up, low


def kkt_gap(alpha, y, F, C) -> float:
    r"""The maximal KKT violation :math:`m(\alpha) - M(\alpha)` (zero at the optimum).

    Parameters
    ----------
    alpha, y : array_like, shape (n,)
        Dual variables and labels in {-1, +1}.
    F : array_like, shape (n,)
        :math:`F_n = y_n \nabla_n = f(x_n) - b - y_n`, the errors without the bias.
    C : float
        Box constraint, finite and > 0.

    Returns
    -------
    float

    Notes
    -----
    Eq. (svm-kkt): :math:`\max_{t \in I_{low}} F_t - \min_{t \in I_{up}} F_t`, where
    :math:`I_{up}` holds the :math:`\alpha_t` that can move in the direction :math:`+y_t`
    and :math:`I_{low}` those that can move in the direction :math:`-y_t`. SMO stops when it
    is at most the tolerance (LIBSVM's ``eps``).
    """
    alpha, y, F, C = _check_alpha_y_F(alpha, y, F, C)
    up, low = _masks(alpha, y, C)
    if not up.any() or not low.any():
        return 0.0
    return float(np.max(F[low]) - np.min(F[up]))


def select_working_set(F, up, low, diag, column, *, check_input=True):
    r"""Second-order working-set selection (Fan, Chen and Lin 2005, WSS2).

    Parameters
    ----------
    F : array_like, shape (n,)
        :math:`F_t = y_t\nabla_t`.
    up, low : array_like of bool, shape (n,)
        Membership of :math:`I_{up}` and :math:`I_{low}` (neither empty).
    diag : array_like, shape (n,)
        :math:`K_{tt}`.
    column : callable
        ``column(i)`` returns the kernel column :math:`K_{:, i}`.
    check_input : bool, default True
        Validate the arguments (lengths, boolean non-empty masks, finite values); :func:`smo`
        skips it in its inner loop.

    Returns
    -------
    WorkingSet
        ``i, j`` (int): the pair; ``j = -1`` if no :math:`t \in I_{low}` has
        :math:`F_t > F_i`. ``gap`` (float): :math:`m(\alpha) - M(\alpha)`, eq. (svm-kkt).
        ``column`` (ndarray): the kernel column :math:`K_{:, i}` (reused by the caller).

    Raises
    ------
    ValueError
        If the lengths differ, ``F`` or ``diag`` is not finite, or a mask is not boolean or
        is empty.

    Notes
    -----
    Eq. (svm-wss2): :math:`i = \arg\min_{t \in I_{up}} F_t` and, with
    :math:`b_{it} = F_t - F_i > 0` and :math:`a_{it} = K_{ii} + K_{tt} - 2K_{it}`,

    .. math:: j = \arg\min_{t \in I_{low},\, F_t > F_i} \; -\frac{b_{it}^2}{a_{it}},

    the pair whose unclipped two-variable step increases the dual the most.
    """
    if check_input is not False and check_bool(check_input, "check_input"):
        F, up, low, diag = _check_wss_input(F, up, low, diag, column)
    F_up = np.where(up, F, np.inf)
    i = int(F_up.argmin())
    F_i = F_up[i]
    b = np.where(low, F, -np.inf)
    gap = float(b.max() - F_i)
    K_i = column(i)
    b -= F_i  # b_it = F_t - F_i, -inf outside I_low
    np.maximum(b, 0.0, out=b)  # only b_it > 0 can increase the dual
    b *= b
    a = diag + (diag[i] + 0.0)
    a -= 2.0 * K_i
    np.maximum(a, TAU, out=a)  # a_it <= 0 (not positive definite) is replaced by tau
    b /= a  # b_it^2 / a_it: the dual increases by half of it; pick the largest
    j = int(b.argmax())
    if b[j] <= 0.0:
        j = -1
    return WorkingSet(i, j, gap, K_i)


def textbook_select_working_set(F, up, low, diag, column, *, check_input=True) -> WorkingSet:
    r"""Second-order working-set selection, eq. (svm-wss2), as the chapter writes it: a loop
    over the candidates for :math:`j`, one line per term.

    The plain version of :func:`select_working_set`, with the same arguments and result:
    the tests check on many random states, and on the states of whole SMO runs, that both
    pick the same pair (at an exact tie, pairs of the same gain). :func:`select_working_set`,
    which :func:`smo` calls, computes all the ratios at once with in-place NumPy operations
    on one buffer, without a Python loop.

    Parameters
    ----------
    F, up, low, diag, column, check_input
        As in :func:`select_working_set`.

    Returns
    -------
    WorkingSet
        As :func:`select_working_set`: ``i``, ``j`` (``-1`` if no :math:`t \in I_{low}` has
        :math:`F_t > F_i`), the KKT gap and the kernel column :math:`K_{:, i}`.

    Raises
    ------
    TypeError, ValueError
        As :func:`select_working_set`.
    """
    if check_input is not False and check_bool(check_input, "check_input"):
        F, up, low, diag = _check_wss_input(F, up, low, diag, column)
    I_up, I_low = np.flatnonzero(up), np.flatnonzero(low)
    # i = argmin_{t in I_up} F_t, the steepest first-order direction      (svm-wss2)
    i = int(I_up[np.argmin(F[I_up])])
    # the gap m(alpha) - M(alpha) = max_{t in I_low} F_t - min_{t in I_up} F_t  (svm-kkt)
    gap = float(np.max(F[I_low]) - F[i])
    K_i = column(i)  # the kernel column K_{:, i}
    j, best = -1, 0.0
    for t in I_low:
        b_it = F[t] - F[i]  # b_it = F_t - F_i
        if b_it <= 0:
            continue  # only F_t > F_i can increase the dual
        a_it = diag[i] + diag[t] - 2.0 * K_i[t]  # a_it = K_ii + K_tt - 2 K_it
        a_it = max(a_it, TAU)  # not positive (equal points, an indefinite kernel): tau
        ratio = b_it**2 / a_it  # (F_t - F_i)^2 / a_it, twice the gain of the best step
        if ratio > best:  # j = argmax of the ratio over t in I_low, F_t > F_i  (svm-wss2)
            j, best = int(t), ratio
    return WorkingSet(i, j, gap, K_i)


def bias(alpha, y, F, C) -> float:
    r"""The bias :math:`b` from the optimality conditions.

    Parameters
    ----------
    alpha, y, F : array_like, shape (n,)
        As in :func:`kkt_gap`.
    C : float
        Box constraint, finite and > 0.

    Returns
    -------
    float

    Notes
    -----
    Eq. (svm-bias): every free support vector (:math:`0 < \alpha_n < C`) lies on its margin,
    :math:`y_n f(x_n) = 1`, so :math:`b = y_n - \sum_m \alpha_m y_m K_{nm} = -F_n`; the
    average over the free vectors is used. Without free vectors, :math:`b` is the midpoint
    of the interval the bounded ones allow (as in LIBSVM).
    """
    alpha, y, F, C = _check_alpha_y_F(alpha, y, F, C)
    free = (alpha > 0) & (alpha < C)
    if free.any():
        return float(-np.mean(F[free]))
    up, low = _masks(alpha, y, C)
    # at a bound, F_t bounds -b from one side: I_up from above, I_low from below
    ub = np.min(F[up]) if up.any() else np.inf
    lb = np.max(F[low]) if low.any() else -np.inf
    if not np.isfinite(ub):
        ub = lb
    if not np.isfinite(lb):
        lb = ub
    return float(-(ub + lb) / 2)


def kkt_violations(alpha, b, y, K, C) -> np.ndarray:
    r"""How much each point violates the KKT conditions of the soft-margin SVM.

    The parameters ``alpha`` and ``b`` come first, then the data, as in
    :func:`primal_objective`.

    Parameters
    ----------
    alpha : array_like, shape (n,)
    b : float
        Bias (finite).
    y : array_like, shape (n,)
    K : array_like, shape (n, n)
    C : float
        Box constraint, finite and > 0.

    Returns
    -------
    ndarray, shape (n,)
        Non-negative; zero where the conditions hold.

    Notes
    -----
    Eq. (svm-kkt-cases), with margins :math:`m_n = y_n f(x_n)`:
    :math:`\alpha_n = 0 \Rightarrow m_n \ge 1`, :math:`0 < \alpha_n < C \Rightarrow m_n = 1`,
    :math:`\alpha_n = C \Rightarrow m_n \le 1`. Also checks :math:`0 \le \alpha_n \le C`.
    """
    alpha, y, K = _check_alpha_y(alpha, y, K)
    C, b = _check_C(C), _check_b(b)
    with np.errstate(over="ignore", invalid="ignore"):
        m = y * (K @ (alpha * y) + b)
    check_finite_result(m, "the margins y f(x)", _OVERFLOW_ADVICE + " (or C)")
    at_zero, at_C = alpha <= 0, alpha >= C
    v = np.where(at_zero, np.maximum(0.0, 1 - m),
                 np.where(at_C, np.maximum(0.0, m - 1), np.abs(m - 1)))
    return v + np.maximum(0.0, -alpha) + np.maximum(0.0, alpha - C)


# --------------------------------------------------------------------------- the solver
class PairUpdate(NamedTuple):
    """Output of :func:`two_variable_update`: the new pair after the step and the clip."""

    alpha_i: float
    alpha_j: float


class WorkingSet(NamedTuple):
    """Output of :func:`select_working_set`: the pair, the KKT gap and ``column(i)``."""

    i: int
    j: int
    gap: float
    column: np.ndarray


class SMOResult(NamedTuple):
    """The solution found by :func:`smo`.

    Attributes
    ----------
    alpha : ndarray, shape (n,)
        Dual variables, :math:`0 \\le \\alpha_n \\le C`, :math:`\\sum_n \\alpha_n y_n = 0`.
    b : float
        Bias, eq. (svm-bias).
    dual : ndarray, shape (n_iter + 1,)
        The dual objective after each update (starts at 0, never decreases).
    gap : float
        KKT gap :math:`m(\\alpha) - M(\\alpha)` of the returned ``alpha``, eq. (svm-kkt),
        from the gradient ``F`` recomputed from ``alpha`` (not the one the loop maintained).
    n_iter : int
        Number of updates: two-variable SMO updates plus ``n_polish`` active-set steps.
    converged : bool
        ``gap <= tol``.
    F : ndarray, shape (n,)
        :math:`F_n = f(x_n) - b - y_n = (K(\\alpha \\circ y))_n - y_n`, recomputed from
        ``alpha`` at the end.
    n_polish : int
        How many of the ``n_iter`` updates were active-set steps (0 unless SMO stalled).
    """

    alpha: np.ndarray
    b: float
    dual: np.ndarray
    gap: float
    n_iter: int
    converged: bool
    F: np.ndarray
    n_polish: int = 0


POLISH_AFTER = 50  # active-set polishing first after max(5000, 50 n) SMO updates ...
POLISH_MAX_FREE = 1000  # ... and only while at most this many alphas are free
_ADVICE = "raise max_iter, lower C, or scale X (e.g. standardise the features)"


def _dual_value(alpha, y, F, p=None) -> float:
    r""":math:`D(\alpha) = -\frac12\sum_n \alpha_n (y_n F_n + p_n)`, from the gradient.

    The dual in LIBSVM's form is :math:`D = -(\frac12\alpha^\top Q\alpha + p^\top\alpha)`
    with gradient :math:`\nabla = Q\alpha + p = y \circ F`; the classifier has
    :math:`p = -\mathbf 1`, where this is :math:`\frac12\sum_n \alpha_n(1 - y_n F_n)`."""
    if p is None:
        return float(0.5 * np.sum(alpha * (1.0 - y * F)))
    return float(-0.5 * np.sum(alpha * (y * F + p)))


def _polish(cols, alpha, F, y, C, tol, max_steps):
    """Primal active-set iterations on the dual QP, from SMO's iterate (see :func:`smo`).

    Returns ``(alpha, F, gains)``: the new iterate, its maintained gradient and the dual's
    increase at each step (one entry per step that moved alpha), or None if the free set
    is too large to factorise.
    """
    alpha, F = alpha.copy(), F.copy()
    v = alpha * y  # v_n = alpha_n y_n; the box is lo <= v <= hi
    lo, hi = np.where(y > 0, 0.0, -C), np.where(y > 0, C, 0.0)
    free = (alpha > 0) & (alpha < C)
    if free.sum() > POLISH_MAX_FREE:
        return None
    face_tol, release_tol = 0.01 * tol, 0.1 * tol
    gains: list[float] = []
    newton = 0  # Newton steps in a row on the current face
    tabu = np.zeros(len(y), dtype=bool)  # released, but could not move inward: not again yet
    for _ in range(4 * max_steps + 2 * len(y)):
        if len(gains) >= max_steps:
            break
        idx = np.flatnonzero(free)
        if len(idx) > POLISH_MAX_FREE:
            break
        g = F[idx]
        on_face = len(idx) == 0 or newton >= 3 or float(g.max() - g.min()) <= face_tol
        if not on_face:
            KF = cols.rows(idx)  # (m, n): row k is the column K[:, idx[k]]
            KFF = KF[:, idx]
            m = len(idx)
            s = float(np.mean(np.diag(KFF))) or 1.0  # balances the border of the system
            M = np.zeros((m + 1, m + 1))
            M[:m, :m], M[:m, m], M[m, :m] = KFF, s, s
            rhs = np.append(-g, 0.0)
            # the face's KKT system  K_FF dv + b 1 = -F_F,  1^T dv = 0  (least squares)
            z = linalg.lstsq(M, rhs, cond=1e-10, lapack_driver="gelsy", check_finite=False)[0]
            res = (rhs - M @ z)[:m]
            # inconsistent: the residual is a direction of zero curvature along which the
            # dual grows linearly (up to a bound); otherwise z is the Newton step
            p = res if np.linalg.norm(res) > 1e-6 * np.linalg.norm(g) else z[:m]
            p = p - p.mean()  # keep sum_n alpha_n y_n exactly
            slope = float(g @ p)
            on_face = not slope < 0.0
        if on_face:  # the face is solved: release the worst violator of the bounds' KKT
            newton = 0
            if len(idx):
                b = -float(g.mean())
            else:
                up, low = _masks(alpha, y, C)
                b = -(float(F[up].min()) + float(F[low].max())) / 2
            r = y * (F + b)  # >= 0 wanted where alpha = 0, <= 0 where alpha = C
            viol = np.where(alpha <= 0.0, -r, r)
            viol[free | tabu] = -np.inf
            k = int(viol.argmax())
            if not viol[k] > release_tol:
                break  # every KKT condition holds: the QP is solved
            free[k] = True
            continue
        curv = float(p @ KFF @ p)
        t_star = -slope / curv if curv > 0.0 else np.inf
        vF = v[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(p > 0, (hi[idx] - vF) / p, np.where(p < 0, (lo[idx] - vF) / p,
                                                                  np.inf))
        kb = int(room.argmin())
        if not room[kb] > 0.0:  # a just-released alpha would leave the box: fix it again
            free[idx[kb]], tabu[idx[kb]] = False, True
            continue
        t_max = float(room[kb])
        blocked = t_max <= t_star
        new = vF + min(t_star, t_max) * p
        if blocked:
            new[kb] = hi[idx][kb] if p[kb] > 0 else lo[idx][kb]
        np.clip(new, lo[idx], hi[idx], out=new)
        dv = new - vF
        gain = -float(g @ dv + 0.5 * dv @ KFF @ dv)
        if not gain >= 0.0:  # rounding has taken over: stop here
            break
        v[idx] = new
        alpha[idx] = y[idx] * new
        F += dv @ KF
        free[idx] = (alpha[idx] > 0) & (alpha[idx] < C)
        gains.append(gain)
        newton = 0 if blocked else newton + 1
        tabu[:] = False
    return alpha, F, gains


def _solve(cols, y, C, tol, max_iter, p=None) -> SMOResult:
    r"""SMO with active-set polishing on a validated problem; decides ``converged``.

    ``p`` is the linear term of LIBSVM's dual :math:`\min \frac12\alpha^\top Q\alpha +
    p^\top\alpha` (default :math:`-\mathbf 1`, the classifier; :func:`svr` passes the
    regression's). Only the start of the gradient ``F = y * (Q alpha + p)`` depends on it."""
    n = len(y)
    alpha = np.zeros(n)
    yp = -y.copy() if p is None else y * p  # F = y * grad = K (alpha y) + y p, at alpha = 0
    F = yp.copy()
    up, low = _masks(alpha, y, C)
    dual = [0.0]
    gap = np.inf
    n_iter = n_polish = 0
    next_polish = max(5000, POLISH_AFTER * n)
    y_list, diag = y.tolist(), cols.diag.tolist()  # Python floats: cheaper scalar arithmetic
    for _ in range(4):  # SMO; then the gap of the returned alpha, from a recomputed gradient
        while n_iter < max_iter:
            if n_iter >= next_polish:  # SMO is crawling: polish by active-set steps
                next_polish = 2 * n_iter
                out = _polish(cols, alpha, F, y, C, tol, min(max_iter - n_iter, 10 * n + 100))
                if out is not None and out[2]:
                    a_new, _, gains = out
                    F_new = cols.times(a_new * y) + yp
                    # accept only if the dual (recomputed) has not decreased
                    floor = dual[-1] - 1e-12 * max(1.0, abs(dual[-1]))
                    if _dual_value(a_new, y, F_new, p) >= floor:
                        alpha, F = a_new, F_new
                        dual.extend(np.cumsum(gains) + dual[-1])
                        n_iter += len(gains)
                        n_polish += len(gains)
                        up, low = _masks(alpha, y, C)
                continue
            # eq. (svm-wss2); the arguments are valid by construction: no checks in this loop
            i, j, gap, K_i = select_working_set(F, up, low, cols.diag, cols.column,
                                                check_input=False)
            if gap <= tol or j < 0:
                break
            K_j = cols.column(j)
            y_i, y_j, a_i, a_j = y_list[i], y_list[j], float(alpha[i]), float(alpha[j])
            F_i, F_j, K_ij = float(F[i]), float(F[j]), float(K_i[j])
            # E_i - E_j = F_i - F_j: the bias cancels                eqs. (svm-smo-step, -clip)
            ai, aj = two_variable_update(a_i, a_j, y_i, y_j, F_i, F_j, diag[i], diag[j], K_ij,
                                         C, check_input=False)
            dai, daj = ai - a_i, aj - a_j
            # dual change: -(g_i da_i + g_j da_j) - (Q_ii da_i^2 + Q_jj da_j^2 + 2 Q_ij da_i da_j)/2
            quad = diag[i] * dai * dai + diag[j] * daj * daj + 2.0 * y_i * y_j * K_ij * dai * daj
            dual.append(dual[-1] - (y_i * F_i * dai + y_j * F_j * daj) - 0.5 * quad)
            alpha[i], alpha[j] = ai, aj
            # F += K[:, i] y_i d(alpha_i) + K[:, j] y_j d(alpha_j)
            F += (y_i * dai) * K_i
            F += (y_j * daj) * K_j
            for t, a_t, y_t in ((i, ai, y_i), (j, aj, y_j)):
                up[t] = a_t < C if y_t > 0 else a_t > 0
                low[t] = a_t > 0 if y_t > 0 else a_t < C
            n_iter += 1
        # "converged" is decided on the returned alpha: recompute its gradient
        F = cols.times(alpha * y) + yp
        gap = _gap(F, up, low)
        if gap <= tol or n_iter >= max_iter:
            break
    converged = bool(gap <= tol)
    return SMOResult(alpha, bias(alpha, y, F, C), np.array(dual), float(gap), n_iter,
                     converged, F, n_polish)


def _gap(F, up, low) -> float:
    if not up.any() or not low.any():
        return 0.0
    return float(F[low].max() - F[up].min())


def _setup(X, y, C, kernel, gamma, degree, coef0, tol, max_iter, precompute_limit,
           cache_mb):
    """Validate the arguments of :func:`smo` and build the kernel columns."""
    kernel = check_choice(kernel, "kernel", KERNELS)
    gamma, degree, coef0 = _check_kernel_params(gamma, degree, coef0)
    C = float(check_positive(C, "C"))
    tol = float(check_positive(tol, "tol"))
    precompute_limit = int(check_positive(precompute_limit, "precompute_limit", strict=False,
                                          integer=True))
    cache_mb = float(check_positive(cache_mb, "cache_mb"))
    X_in = X
    X = as_array(X, "X", ndim=2)
    y = _check_labels_pm1(y)
    check_same_length(X, y, "X", "y")
    n = len(y)
    if max_iter is None:
        max_iter = max(100_000, 100 * n)
    max_iter = int(check_positive(max_iter, "max_iter", integer=True))
    params = {"kernel": kernel, "gamma": gamma, "degree": degree, "coef0": coef0}
    if kernel == "precomputed":
        if X.shape != (n, n):
            raise ValueError(f"a precomputed kernel must have shape ({n}, {n}), got {X.shape}")
        # a float32 kernel is symmetric only to its own precision
        rtol = max(1e-10, 16 * input_eps(X_in))
        check_symmetric(X, "X", rtol=rtol, kind="precomputed kernel matrix")
        cols = _FullKernel(X)
    elif n <= precompute_limit:
        cols = _FullKernel(kernel_matrix(X, **params), psd=True)
    else:
        cols = _CachedKernel(X, kernel, gamma, degree, coef0, cache_mb)
    # |F_n| <= C n max|K| + 1; beyond 1e150 the squares in eq. (svm-wss2) overflow float64
    reach = C * n * cols.bound
    if not reach <= 1e150:
        raise NumericalError(f"the dual's gradient can reach C * n * max|K| = {reach:.3g}, "
                             f"beyond 1e150, where SMO's arithmetic overflows float64: "
                             f"{_OVERFLOW_ADVICE}, or lower C")
    return cols, y, C, tol, max_iter


def smo(X, y, C=1.0, *, kernel="rbf", gamma=1.0, degree=3, coef0=0.0, tol=1e-3,
        max_iter=None, precompute_limit=5000, cache_mb=200.0) -> SMOResult:
    r"""Solve the soft-margin SVM dual by SMO with second-order working-set selection.

    Parameters
    ----------
    X : array_like, shape (n, d), or (n, n) if ``kernel="precomputed"``
        Inputs, or the kernel matrix (symmetric to a relative 1e-10, or to 16 times the
        precision of a float32 or float16 matrix; checked up front).
    y : array_like, shape (n,)
        Labels in {-1, +1}, both present.
    C : float
        Box constraint, :math:`0 \le \alpha_n \le C`; ``C > 0``.
    kernel : {"rbf", "poly", "linear", "precomputed"}
    gamma, degree, coef0
        Kernel parameters (:func:`rbf_kernel`, :func:`polynomial_kernel`): finite real
        numbers, ``gamma > 0``, ``degree`` a positive integer, ``coef0 >= 0``; checked for
        every kernel.
    tol : float
        Stop when the KKT gap :math:`m(\alpha) - M(\alpha)` is at most ``tol``
        (LIBSVM's ``eps``, scikit-learn's ``tol``).
    max_iter : int, optional
        Maximal number of updates; default ``max(100_000, 100 n)``.
    precompute_limit : int
        Up to this many points the whole kernel matrix is computed once; above it, kernel
        columns are computed on demand and kept in an LRU cache of ``cache_mb`` megabytes.
    cache_mb : float
        Size of the column cache, > 0.

    Returns
    -------
    SMOResult
        ``converged`` is ``gap <= tol`` for the returned ``alpha``, with the gradient
        recomputed from it. If it is False, a :class:`derivlib.ConvergenceWarning` says by
        how much and what to try.

    Raises
    ------
    NumericalError
        If the kernel, or the dual's gradient (up to :math:`C n \max|K|`), overflows float64.

    Notes
    -----
    Each iteration picks a pair by eq. (svm-wss2), updates it by eqs. (svm-smo-step) and
    (svm-smo-clip), and updates the gradient with the two kernel columns,

    .. math:: F \leftarrow F + K_{:,i}\, y_i \Delta\alpha_i + K_{:,j}\, y_j \Delta\alpha_j ,

    so an iteration costs :math:`O(n)`. The dual objective changes by
    :math:`-\nabla_B^\top\Delta\alpha_B - \frac12\Delta\alpha_B^\top Q_{BB}\Delta\alpha_B`
    (:math:`B = \{i, j\}`), which is recorded. The bias is eq. (svm-bias). Unlike LIBSVM,
    there is no shrinking: every iteration scans all :math:`n` points.

    **Active-set polishing.** On badly conditioned problems (a large ``C``, a linear kernel
    on overlapping classes) SMO crawls: LIBSVM needs about :math:`6\cdot 10^5` updates for
    80 points at ``C = 1e4`` and :math:`10^8` at ``C = 1e6``, far beyond a Python loop. So
    when SMO has made :math:`\max(5000, 50n)` updates (and again at every doubling of that
    count), the iterate is polished by a primal active-set method on the dual QP, started
    from SMO's partition of the points into free (:math:`0 < \alpha_n < C`), at 0 and at
    :math:`C`. With :math:`v = \alpha \circ y` restricted to the free set :math:`\mathcal F`,
    the face's optimality conditions are the linear system

    .. math:: K_{\mathcal F\mathcal F}\, \Delta v + b\,\mathbf 1 = -F_{\mathcal F}, \qquad
              \mathbf 1^\top \Delta v = 0

    (every free point on its margin, eq. (svm-bias)), solved by least squares because
    :math:`K_{\mathcal F\mathcal F}` is singular when, e.g., a linear kernel in :math:`d`
    dimensions has more than :math:`d + 1` free points. A step moves toward that solution
    (or, if the system is inconsistent, along its residual: a zero-curvature direction in
    which the dual grows linearly) with an exact line search, until a bound blocks; the
    blocking :math:`\alpha_n` is fixed at its bound. When the face is solved, the point that
    violates its KKT condition (eq. svm-kkt-cases) the most is released, until none does by
    more than ``tol / 10``. Every step increases the dual, each is recorded as an update,
    and the polished iterate is kept only if its dual (recomputed from scratch) is not
    lower; then SMO resumes and checks the gap (eq. svm-kkt) as always. Problems that SMO
    solves within :math:`50n` updates never reach this phase, and it is skipped while more
    than ``POLISH_MAX_FREE`` (1000) alphas are free (a dense factorisation per step).
    """
    cols, y, C, tol, max_iter = _setup(X, y, C, kernel, gamma, degree, coef0, tol, max_iter,
                                       precompute_limit, cache_mb)
    res = _solve(cols, y, C, tol, max_iter)
    report("SMO", measure="KKT gap", value=res.gap, tol=tol, n_iter=res.n_iter,
           max_iter=max_iter, advice=_ADVICE + "; the result is the last iterate, not a solution")
    return res


# --------------------------------------------------------------------------- estimator
def _class_labels(y):
    """``(y, classes, codes)`` for class labels: ``classes`` keeps the labels' own dtype.

    :func:`derivlib._validation.as_labels` refuses complex, NaN, mixed and unsortable labels
    (a TypeError or ValueError naming y)."""
    _, codes = as_labels(y, "y")
    y_arr = np.asarray(y)
    first = np.unique(codes, return_index=True)[1]
    return y_arr, y_arr[first], codes


def _clear_fitted(model) -> None:
    """Delete the attributes of an earlier fit (names ending in ``_``, and the kernel's)."""
    for name in [k for k in vars(model) if k.endswith("_") and not k.startswith("__")]:
        delattr(model, name)
    model.__dict__.pop("_kernel_params", None)


def _scale_gamma(X) -> float:
    r"""scikit-learn's ``gamma="scale"``, :math:`1 / (d \operatorname{Var}[X])` (1 if X is
    constant), with the variance of inputs beyond float64's squares, or so small that their
    squares underflow, taken by rescaling; :class:`NumericalError` if gamma itself is beyond
    float64's range."""
    d = X.shape[1]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        var = float(X.var())
    if math.isfinite(var) and var >= _VAR_RANGE:
        gamma = 1.0 / (d * var)
    else:  # Var[X] = 4^e Var[X / 2^e]: an overflow, or an underflow that is not a 0 variance
        e = math.frexp(float(np.abs(X).max()))[1]
        var_s = float(np.ldexp(X, -e).var())
        if var_s == 0.0:  # a constant X (scikit-learn's gamma = 1)
            return 1.0
        with np.errstate(over="ignore"):
            gamma = float(np.ldexp(1.0 / (d * var_s), -2 * e))
    if not gamma >= np.finfo(float).tiny:
        raise NumericalError(f"gamma='scale' is 1 / (d Var[X]) = {gamma:.3g}, below float64's "
                             f"normal range (Var[X] overflows): {_OVERFLOW_ADVICE}")
    if not math.isfinite(gamma):
        raise NumericalError("gamma='scale' is 1 / (d Var[X]), beyond float64's range (Var[X] "
                             "underflows to 0 or to subnormal numbers although X is not "
                             "constant): scale the inputs up (e.g. standardise the features)")
    return gamma


class SVC:
    """A support vector classifier trained by :func:`smo` (scikit-learn-like); two or more
    classes, the latter by one-versus-one voting.

    Parameters
    ----------
    C : float, default 1.0
    kernel : {"rbf", "poly", "linear"}, default "rbf"
    gamma : float or {"scale", "auto"}, default "scale"
        ``"scale"`` is :math:`1 / (d \\operatorname{Var}[X])`, ``"auto"`` is :math:`1/d`, as in
        scikit-learn.
    degree : int, default 3
    coef0 : float, default 0.0
    tol : float, default 1e-3
    max_iter : int, optional
        The budget of each binary machine.

    Attributes
    ----------
    classes_ : ndarray, shape (K,)
        The sorted labels; with two classes ``classes_[1]`` is the positive class
        (:math:`y = +1`).
    support_ : ndarray of int
        Indices of the support vectors (:math:`\\alpha_n > 0` in at least one machine),
        increasing.
    support_vectors_ : ndarray, shape (n_SV, d)
    intercept_ : ndarray, shape (1,) or (K(K-1)/2,)
        The bias :math:`b` of each machine.
    gamma_ : float
        The kernel scale used.
    alpha_ : ndarray, shape (n,)
        Two classes only: the dual variables.
    dual_coef_ : ndarray, shape (1, n_SV)
        Two classes only: :math:`\\alpha_n y_n` of the support vectors.
    pairs_ : ndarray of int, shape (K(K-1)/2, 2)
        More than two classes: the pairs :math:`(k, l)`, :math:`k < l`, indices into
        ``classes_``, in LIBSVM's order :math:`(0, 1), (0, 2), \\dots, (K-2, K-1)`.
    pair_coef_ : ndarray, shape (K(K-1)/2, n_SV)
        More than two classes: row :math:`p` holds :math:`\\alpha_n y_n` of machine :math:`p`
        for every support vector (zero where :math:`x_n` is not one of this machine's),
        with :math:`y_n = +1` for the first class of the pair, :math:`-1` for the second.
    dual_objective_, kkt_gap_ : float, or ndarray of shape (K(K-1)/2,)
    n_iter_ : int, or ndarray of int of shape (K(K-1)/2,)
    converged_ : bool
    dual_history_ : ndarray
        Two classes only: the dual objective after each update (SMO or active-set step,
        see :func:`smo`).

    Raises
    ------
    ConvergenceError
        From :meth:`fit`, if the KKT gap ``tol`` is not reached within ``max_iter`` updates
        (so ``converged_`` of a fitted model is always True).

    Notes
    -----
    With :math:`K > 2` classes, :meth:`fit` trains the :math:`K(K-1)/2` binary machines of
    the pairs of classes, each on the points of its two classes only, as LIBSVM does
    (Knerr et al. 1990; Hsu and Lin 2002). :meth:`decision_function` then returns the
    :math:`K(K-1)/2` pairwise scores, positive for the *first* class of the pair
    (scikit-learn's ``decision_function_shape="ovo"``), and :meth:`predict` counts the votes
    (a score :math:`> 0` votes for the first class, otherwise for the second) and returns
    the class with the most votes, the one of smallest index at a tie (LIBSVM's rule).

    Examples
    --------
    >>> X = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    >>> clf = SVC(kernel="linear", C=10.0).fit(X, [0, 1, 1, 0])
    >>> clf.predict([[0.1, 0.9], [0.9, 0.1]])
    array([1, 0])
    """

    def __init__(self, C=1.0, kernel="rbf", gamma="scale", degree=3, coef0=0.0, tol=1e-3,
                 max_iter=None):
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter

    def _gamma(self, X):
        return _resolve_gamma(self.gamma, X)

    def _params(self):
        return self._kernel_params

    def _binary(self, X, y_pm, C, tol, max_iter, params):
        """One binary machine by SMO; ConvergenceError if it does not reach ``tol``."""
        cols, y_pm, C, tol, max_iter = _setup(X, y_pm, C, tol=tol, max_iter=max_iter,
                                              precompute_limit=5000, cache_mb=200.0,
                                              **params)
        res = _solve(cols, y_pm, C, tol, max_iter)
        if not res.converged:
            raise ConvergenceError(message(
                "SMO (SVC.fit)", measure="KKT gap", value=res.gap, tol=tol, n_iter=res.n_iter,
                max_iter=max_iter, advice=_ADVICE + "; no model was fitted"))
        return res, y_pm

    def fit(self, X, y):
        """Fit by SMO (one machine per pair of classes if there are more than two); returns
        ``self``.

        Parameters
        ----------
        X : array_like, shape (n, d)
            Finite real inputs.
        y : array_like, shape (n,)
            At least two distinct labels that NumPy can sort (finite numbers, booleans or
            strings; not a mixture of types).

        Raises
        ------
        TypeError, ValueError
            For a parameter or an argument of the wrong type or value (the message names it).
        ConvergenceError
            If SMO did not reach the KKT gap ``tol`` within ``max_iter`` updates (for any of
            the machines); the estimator is then left unfitted (the attributes of an earlier
            fit are removed when ``fit`` starts, so a failed fit never leaves a stale model
            behind).
        NumericalError
            If the kernel overflows float64 (see :func:`smo`).
        """
        _clear_fitted(self)  # a failed fit must not leave an earlier model in place
        kernel = check_choice(self.kernel, "kernel", ("rbf", "poly", "linear"))
        C = float(check_positive(self.C, "C"))
        tol = float(check_positive(self.tol, "tol"))
        max_iter = self.max_iter
        if max_iter is not None:
            max_iter = int(check_positive(max_iter, "max_iter", integer=True))
        X = as_array(X, "X", ndim=2)
        y_in, classes, codes = _class_labels(y)
        check_same_length(X, y_in, "X", "y")
        if len(classes) < 2:
            raise ValueError(f"y must contain at least two classes, got {len(classes)}: "
                             f"{classes[:6]}")
        gamma = self._gamma(X)
        _, degree, coef0 = _check_kernel_params(gamma, self.degree, self.coef0)
        params = {"kernel": kernel, "gamma": gamma, "degree": degree, "coef0": coef0}
        if len(classes) == 2:
            res, y_pm = self._binary(X, np.where(codes == 1, 1.0, -1.0), C, tol, max_iter,
                                     params)
            self.alpha_ = res.alpha
            self.support_ = np.flatnonzero(res.alpha > 0)
            self.dual_coef_ = (res.alpha * y_pm)[self.support_][None, :]
            self.intercept_ = np.array([res.b])
            self.dual_objective_ = _dual_value(res.alpha, y_pm, res.F)
            self.dual_history_ = res.dual
            self.kkt_gap_ = res.gap
            self.n_iter_ = res.n_iter
        else:
            self._fit_one_versus_one(X, codes, len(classes), C, tol, max_iter, params)
        self.gamma_ = gamma
        self._kernel_params = params
        self.classes_ = classes
        self.support_vectors_ = X[self.support_]
        self.converged_ = True
        return self

    def _fit_one_versus_one(self, X, codes, n_classes, C, tol, max_iter, params):
        """K(K-1)/2 binary machines, class k (+1) against class l (-1), k < l."""
        pairs = [(k, l) for k in range(n_classes) for l in range(k + 1, n_classes)]
        coef = np.zeros((len(pairs), len(X)))  # alpha_n y_n of machine p, by training index
        b, dual, gap, n_iter = (np.zeros(len(pairs)) for _ in range(4))
        for p, (k, l) in enumerate(pairs):
            rows = np.flatnonzero((codes == k) | (codes == l))
            y_pm = np.where(codes[rows] == k, 1.0, -1.0)  # +1: the first class of the pair
            res, y_pm = self._binary(X[rows], y_pm, C, tol, max_iter, params)
            coef[p, rows] = res.alpha * y_pm
            b[p], gap[p], n_iter[p] = res.b, res.gap, res.n_iter
            dual[p] = _dual_value(res.alpha, y_pm, res.F)
        self.support_ = np.flatnonzero(np.any(coef != 0, axis=0))
        self.pairs_ = np.array(pairs, dtype=int)
        self.pair_coef_ = coef[:, self.support_]
        self.intercept_ = b
        self.dual_objective_, self.kkt_gap_ = dual, gap
        self.n_iter_ = n_iter.astype(int)

    def decision_function(self, X) -> np.ndarray:
        r"""The score :math:`f(x) = \sum_{n \in SV} \alpha_n y_n k(x_n, x) + b`.

        Returns
        -------
        ndarray, shape (m,) with two classes (positive for ``classes_[1]``), or
        (m, K(K-1)/2) with more: the score of each pair of ``pairs_``, positive for the
        first class of the pair (scikit-learn's ``decision_function_shape="ovo"``).
        """
        if not hasattr(self, "support_vectors_"):
            raise ValueError("this SVC is not fitted yet; call fit(X, y) first")
        X = as_array(X, "X", ndim=2)
        d = self.support_vectors_.shape[1]
        if X.shape[1] != d:
            raise ValueError(f"X must have {d} features (as in fit), got {X.shape[1]}")
        K = kernel_matrix(X, self.support_vectors_, **self._params())
        coef = self.dual_coef_ if len(self.classes_) == 2 else self.pair_coef_
        with np.errstate(over="ignore", invalid="ignore"):
            score = K @ coef.T + self.intercept_  # one column per machine
        check_finite_result(score, "the decision function", _OVERFLOW_ADVICE)
        return score[:, 0] if len(self.classes_) == 2 else score

    def predict(self, X) -> np.ndarray:
        """The class of each row of ``X``: with two classes ``classes_[1]`` where the score
        is positive; with more, the most votes of the pairwise machines, the first class
        (in ``classes_``) at a tie."""
        score = self.decision_function(X)
        if len(self.classes_) == 2:
            return np.where(score > 0, self.classes_[1], self.classes_[0])
        votes = np.zeros((len(score), len(self.classes_)), dtype=int)
        rows = np.arange(len(score))
        for p, (k, l) in enumerate(self.pairs_):
            winner = np.where(score[:, p] > 0, k, l)  # LIBSVM: > 0 votes k, otherwise l
            np.add.at(votes, (rows, winner), 1)
        return self.classes_[np.argmax(votes, axis=1)]  # argmax: the smallest index at a tie


def _resolve_gamma(g, X) -> float:
    """The kernel scale of an estimator: ``"scale"``, ``"auto"`` or a positive number."""
    if isinstance(g, str):
        if g == "scale":
            return _scale_gamma(X)
        if g == "auto":
            return 1.0 / X.shape[1]
        raise ValueError(f"gamma must be 'scale', 'auto' or a positive number, got {g!r}")
    if isinstance(g, bool) or not isinstance(g, numbers.Real):
        raise TypeError(f"gamma must be 'scale', 'auto' or a positive number, got {g!r}")
    return float(check_positive(g, "gamma"))


# --------------------------------------------------------------------------- regression
class SVRResult(NamedTuple):
    """The solution found by :func:`svr`.

    Attributes
    ----------
    alpha, alpha_star : ndarray, shape (N,)
        The multipliers of the constraints above and below the tube, eq. (svm-svr-dual),
        in :math:`[0, C]`, with :math:`\\sum_n (\\alpha_n - \\alpha^*_n) = 0`.
    b : float
        Bias, eq. (svm-svr-bias).
    dual : ndarray, shape (n_iter + 1,)
        The dual objective eq. (svm-svr-dual) after each update (starts at 0, never
        decreases).
    gap : float
        KKT gap eq. (svm-kkt) of the :math:`2N`-variable problem at the returned point,
        from a recomputed gradient.
    n_iter : int
        Number of updates (SMO plus active-set steps).
    converged : bool
        ``gap <= tol``.
    n_polish : int
        How many of the ``n_iter`` updates were active-set steps (see :func:`smo`).
    """

    alpha: np.ndarray
    alpha_star: np.ndarray
    b: float
    dual: np.ndarray
    gap: float
    n_iter: int
    converged: bool
    n_polish: int = 0


class _StackedKernel:
    """The kernel of the 2N-variable regression dual, ``[[K, K], [K, K]]``, from the N
    columns of ``base`` (a :class:`_FullKernel` or :class:`_CachedKernel`)."""

    def __init__(self, base):
        self.base, self.n = base, len(base.diag)
        self.diag = np.concatenate((base.diag, base.diag))
        self.bound = base.bound

    def column(self, t):
        col = self.base.column(t % self.n)
        return np.concatenate((col, col))

    def rows(self, idx):
        return np.tile(self.base.rows(np.asarray(idx) % self.n), (1, 2))

    def times(self, v):
        half = self.base.times(v[:self.n] + v[self.n:])
        return np.concatenate((half, half))


def _setup_svr(X, y, C, epsilon, kernel, gamma, degree, coef0, tol, max_iter,
               precompute_limit, cache_mb):
    """Validate the arguments of :func:`svr`; the 2N-variable problem in LIBSVM's form."""
    kernel = check_choice(kernel, "kernel", ("rbf", "poly", "linear"))
    gamma, degree, coef0 = _check_kernel_params(gamma, degree, coef0)
    C = float(check_positive(C, "C"))
    epsilon = float(check_positive(epsilon, "epsilon", strict=False))
    tol = float(check_positive(tol, "tol"))
    precompute_limit = int(check_positive(precompute_limit, "precompute_limit", strict=False,
                                          integer=True))
    cache_mb = float(check_positive(cache_mb, "cache_mb"))
    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", ndim=1)
    check_same_length(X, y, "X", "y")
    n = len(y)
    if max_iter is None:
        max_iter = max(100_000, 200 * n)
    max_iter = int(check_positive(max_iter, "max_iter", integer=True))
    params = {"kernel": kernel, "gamma": gamma, "degree": degree, "coef0": coef0}
    if n <= precompute_limit:
        base = _FullKernel(kernel_matrix(X, **params), psd=True)
    else:
        base = _CachedKernel(X, kernel, gamma, degree, coef0, cache_mb)
    # variables (alpha, alpha*), labels (+1, -1), linear term p = (epsilon - y, epsilon + y)
    z = np.concatenate((np.ones(n), -np.ones(n)))
    p = np.concatenate((epsilon - y, epsilon + y))
    reach = C * 2 * n * base.bound + float(np.abs(p).max())
    if not reach <= 1e150:
        raise NumericalError(f"the dual's gradient can reach 2 C N max|K| + max|p| = "
                             f"{reach:.3g}, beyond 1e150, where SMO's arithmetic overflows "
                             f"float64: {_OVERFLOW_ADVICE}, or lower C")
    return _StackedKernel(base), z, p, C, tol, max_iter


def _svr_solve(X, y, C, epsilon, kernel, gamma, degree, coef0, tol, max_iter,
               precompute_limit, cache_mb):
    cols, z, p, C, tol, max_iter = _setup_svr(X, y, C, epsilon, kernel, gamma, degree, coef0,
                                              tol, max_iter, precompute_limit, cache_mb)
    res = _solve(cols, z, C, tol, max_iter, p=p)
    n = len(p) // 2
    out = SVRResult(res.alpha[:n].copy(), res.alpha[n:].copy(), res.b, res.dual, res.gap,
                    res.n_iter, res.converged, res.n_polish)
    return out, tol, max_iter


def svr(X, y, C=1.0, *, epsilon=0.1, kernel="rbf", gamma=1.0, degree=3, coef0=0.0, tol=1e-3,
        max_iter=None, precompute_limit=5000, cache_mb=200.0) -> SVRResult:
    r"""Solve the epsilon-insensitive support vector regression dual by SMO.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Inputs.
    y : array_like, shape (N,)
        Real targets.
    C : float
        Box constraint, :math:`0 \le \alpha_n, \alpha^*_n \le C`; ``C > 0``.
    epsilon : float
        Half-width :math:`\epsilon \ge 0` of the insensitive tube.
    kernel : {"rbf", "poly", "linear"}
    gamma, degree, coef0
        Kernel parameters, as in :func:`smo`.
    tol : float
        Stop when the KKT gap of the :math:`2N`-variable problem is at most ``tol``.
    max_iter : int, optional
        Maximal number of updates; default ``max(100_000, 200 N)``.
    precompute_limit, cache_mb
        As in :func:`smo`.

    Returns
    -------
    SVRResult
        ``converged`` is ``gap <= tol`` at the returned point; if it is False, a
        :class:`derivlib.ConvergenceWarning` says by how much and what to try.

    Notes
    -----
    As in LIBSVM (Chang and Lin 2011, sec. 2.3), the dual eq. (svm-svr-dual) is written as
    one problem in :math:`2N` variables :math:`\beta = (\alpha, \alpha^*)` with labels
    :math:`z = (+\mathbf 1, -\mathbf 1)`,

    .. math:: \min_\beta \tfrac12 \beta^\top Q \beta + p^\top\beta, \quad
              Q = \begin{pmatrix} K & -K \\ -K & K \end{pmatrix}, \quad
              p = \begin{pmatrix} \epsilon\mathbf 1 - y \\ \epsilon\mathbf 1 + y
              \end{pmatrix}, \quad z^\top\beta = 0, \quad 0 \le \beta \le C,

    which has the classifier's form (:math:`Q_{st} = z_s z_t \tilde K_{st}` with
    :math:`\tilde K` the kernel matrix stacked twice in each direction) with a different
    linear term: the same SMO loop (eqs. svm-wss2, svm-smo-step, svm-smo-clip) solves it,
    started from the gradient :math:`p` at :math:`\beta = 0`; the bias is eq. (svm-bias)
    on the :math:`2N` variables, which is eq. (svm-svr-bias).
    """
    res, tol, max_iter = _svr_solve(X, y, C, epsilon, kernel, gamma, degree, coef0, tol,
                                    max_iter, precompute_limit, cache_mb)
    report("SMO (SVR)", measure="KKT gap", value=res.gap, tol=tol, n_iter=res.n_iter,
           max_iter=max_iter, advice=_ADVICE + "; the result is the last iterate, not a solution")
    return res


def svr_dual_objective(alpha, alpha_star, y, K, epsilon) -> float:
    r"""The regression dual :math:`D(\alpha, \alpha^*)`, eq. (svm-svr-dual).

    Parameters
    ----------
    alpha, alpha_star : array_like, shape (N,)
    y : array_like, shape (N,)
        Real targets.
    K : array_like, shape (N, N)
        Kernel matrix.
    epsilon : float
        Tube half-width, :math:`\ge 0`.

    Returns
    -------
    float

    Notes
    -----
    .. math:: D = -\frac12 \sum_{n,m} (\alpha_n - \alpha^*_n)(\alpha_m - \alpha^*_m) K_{nm}
              - \epsilon \sum_n (\alpha_n + \alpha^*_n) + \sum_n y_n (\alpha_n - \alpha^*_n).

    Examples
    --------
    >>> svr_dual_objective([0.5, 0.0], [0.0, 0.5], [1.0, -1.0], [[1.0, 0.0], [0.0, 1.0]], 0.1)
    0.65
    """
    alpha = as_array(alpha, "alpha", ndim=1)
    alpha_star = as_array(alpha_star, "alpha_star", ndim=1)
    y = as_array(y, "y", ndim=1)
    check_same_length(alpha, alpha_star, "alpha", "alpha_star")
    check_same_length(alpha, y, "alpha", "y")
    K = as_array(K, "K", ndim=2)
    if K.shape != (len(y), len(y)):
        raise ValueError(f"K must have shape ({len(y)}, {len(y)}), got {K.shape}")
    epsilon = float(check_positive(epsilon, "epsilon", strict=False))
    beta = alpha - alpha_star
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(-0.5 * beta @ K @ beta - epsilon * np.sum(alpha + alpha_star) + y @ beta)
    check_finite_result(value, "the regression dual", _OVERFLOW_ADVICE + " (or C)")
    return value


def epsilon_insensitive_loss(y, y_hat, epsilon) -> np.ndarray:
    r"""Vapnik's :math:`\epsilon`-insensitive loss :math:`\max(0, |y - \hat y| - \epsilon)`.

    Parameters
    ----------
    y, y_hat : array_like, same shape
        Targets and predictions (elementwise, any shape).
    epsilon : float
        Half-width of the tube, :math:`\ge 0`.

    Returns
    -------
    ndarray, the shape of ``y``

    Notes
    -----
    Eq. (svm-eps-loss).

    Examples
    --------
    >>> epsilon_insensitive_loss([0.0, 0.0, 0.0], [0.05, -0.5, 1.0], 0.1)
    array([0. , 0.4, 0.9])
    """
    y = as_array(y, "y")
    y_hat = as_array(y_hat, "y_hat")
    if y.shape != y_hat.shape:
        raise ValueError(f"y and y_hat must have the same shape, got {y.shape} and "
                         f"{y_hat.shape}")
    epsilon = float(check_positive(epsilon, "epsilon", strict=False))
    return np.maximum(0.0, np.abs(y - y_hat) - epsilon)


class SVR:
    """Epsilon-insensitive support vector regression trained by :func:`svr`
    (scikit-learn-like).

    Parameters
    ----------
    C : float, default 1.0
    epsilon : float, default 0.1
    kernel : {"rbf", "poly", "linear"}, default "rbf"
    gamma : float or {"scale", "auto"}, default "scale"
    degree : int, default 3
    coef0 : float, default 0.0
    tol : float, default 1e-3
    max_iter : int, optional

    Attributes
    ----------
    alpha_, alpha_star_ : ndarray, shape (N,)
        The dual variables of eq. (svm-svr-dual).
    support_ : ndarray of int
        Indices with :math:`\\alpha_n - \\alpha^*_n \\ne 0`, increasing.
    support_vectors_ : ndarray, shape (n_SV, d)
    dual_coef_ : ndarray, shape (1, n_SV)
        :math:`\\alpha_n - \\alpha^*_n` of the support vectors (scikit-learn's layout).
    intercept_ : ndarray, shape (1,)
        The bias :math:`b`, eq. (svm-svr-bias).
    gamma_ : float
    dual_objective_ : float
        Eq. (svm-svr-dual) at the solution.
    kkt_gap_ : float
    n_iter_ : int
    converged_ : bool
    dual_history_ : ndarray

    Raises
    ------
    ConvergenceError
        From :meth:`fit`, if the KKT gap ``tol`` is not reached within ``max_iter`` updates.

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> reg = SVR(kernel="linear", C=10.0, epsilon=0.1).fit(X, [0.0, 1.0, 2.0, 3.0])
    >>> bool(abs(reg.predict([[1.5]])[0] - 1.5) <= 0.1)
    True
    """

    def __init__(self, C=1.0, epsilon=0.1, kernel="rbf", gamma="scale", degree=3, coef0=0.0,
                 tol=1e-3, max_iter=None):
        self.C = C
        self.epsilon = epsilon
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y):
        """Fit by SMO on the 2N-variable dual (see :func:`svr`); returns ``self``.

        Raises
        ------
        TypeError, ValueError
            For a parameter or an argument of the wrong type or value (the message names it).
        ConvergenceError
            If SMO did not reach ``tol`` within ``max_iter`` updates; the estimator is then
            left unfitted.
        NumericalError
            If the kernel overflows float64.
        """
        _clear_fitted(self)
        kernel = check_choice(self.kernel, "kernel", ("rbf", "poly", "linear"))
        X = as_array(X, "X", ndim=2)
        gamma = _resolve_gamma(self.gamma, X)
        max_iter = self.max_iter
        if max_iter is not None:
            max_iter = int(check_positive(max_iter, "max_iter", integer=True))
        res, tol, max_iter = _svr_solve(X, y, self.C, self.epsilon, kernel, gamma,
                                        self.degree, self.coef0, self.tol, max_iter, 5000,
                                        200.0)
        if not res.converged:
            raise ConvergenceError(message(
                "SMO (SVR.fit)", measure="KKT gap", value=res.gap, tol=tol, n_iter=res.n_iter,
                max_iter=max_iter, advice=_ADVICE + "; no model was fitted"))
        _, degree, coef0 = _check_kernel_params(gamma, self.degree, self.coef0)
        self._kernel_params = {"kernel": kernel, "gamma": gamma, "degree": degree,
                               "coef0": coef0}
        beta = res.alpha - res.alpha_star
        self.gamma_ = gamma
        self.alpha_, self.alpha_star_ = res.alpha, res.alpha_star
        self.support_ = np.flatnonzero(beta != 0)
        self.support_vectors_ = X[self.support_]
        self.dual_coef_ = beta[self.support_][None, :]
        self.intercept_ = np.array([res.b])
        self.dual_objective_ = float(res.dual[-1])
        self.dual_history_ = res.dual
        self.kkt_gap_ = res.gap
        self.n_iter_ = res.n_iter
        self.converged_ = True
        return self

    def predict(self, X) -> np.ndarray:
        r"""The prediction :math:`f(x) = \sum_n (\alpha_n - \alpha^*_n) k(x_n, x) + b`,
        eq. (svm-svr-f), shape (m,)."""
        if not hasattr(self, "support_vectors_"):
            raise ValueError("this SVR is not fitted yet; call fit(X, y) first")
        X = as_array(X, "X", ndim=2)
        d = self.support_vectors_.shape[1]
        if X.shape[1] != d:
            raise ValueError(f"X must have {d} features (as in fit), got {X.shape[1]}")
        K = kernel_matrix(X, self.support_vectors_, **self._kernel_params)
        with np.errstate(over="ignore", invalid="ignore"):
            f = K @ self.dual_coef_[0] + self.intercept_[0]
        check_finite_result(f, "the prediction", _OVERFLOW_ADVICE)
        return f
