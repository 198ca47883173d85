r"""Support vector machines: the dual, kernels and sequential minimal optimisation (SMO).

Code of the chapter ``chapters/linear_models/svm.ipynb``; tested in
``tests/linear_models/test_svm.py`` against scikit-learn's ``SVC`` (LIBSVM). The solver is
the SMO algorithm of Platt (1998) with the second-order working-set selection of Fan, Chen
and Lin (2005) that LIBSVM uses (Chang and Lin, 2011), written with NumPy vectors: the
gradient of the dual is kept up to date with two kernel columns per iteration.

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
:math:`\eta`               ``eta``                   :math:`K_{ii} + K_{jj} - 2K_{ij}`
:math:`\gamma`             ``gamma``                 kernel width / scale
=========================  ========================  ============================================

Results of the chapter implemented here:

* eq. (svm-dual): :math:`D(\alpha) = \sum_n \alpha_n - \frac12 \sum_{n,m}
  \alpha_n\alpha_m y_n y_m K_{nm}` (:func:`dual_objective`);
* eq. (svm-primal-hinge): :math:`P(w, b) = \frac12\|w\|^2 + C\sum_n \max(0, 1 - y_n f(x_n))`
  (:func:`primal_objective`, :func:`hinge_loss`);
* eqs. (svm-smo-step), (svm-smo-clip): the two-variable update (:func:`two_variable_update`);
* eq. (svm-wss2): second-order working-set selection (:func:`select_working_set`);
* eq. (svm-bias): the bias from the free support vectors (:func:`bias`);
* eq. (svm-kkt): the stopping rule :math:`m(\alpha) - M(\alpha) \le \varepsilon`
  (:func:`kkt_gap`, :func:`kkt_violations`).
"""

from __future__ import annotations

import numbers
import warnings
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from derivlib._validation import as_array, check_positive, check_same_length, check_symmetric

__all__ = [
    "SMOResult",
    "SVC",
    "bias",
    "dual_objective",
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
    "two_variable_update",
]

KERNELS = ("linear", "poly", "rbf", "precomputed")
TAU = 1e-12  # LIBSVM's replacement for a non-positive curvature eta


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

    Examples
    --------
    >>> linear_kernel([[1.0, 2.0]], [[3.0, 4.0]])
    array([[11.]])
    """
    X, Y = _check_XY(X, Y)
    return X @ Y.T


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

    Notes
    -----
    Eq. (svm-poly). The same parametrisation as scikit-learn's ``SVC(kernel="poly")``.

    Examples
    --------
    >>> polynomial_kernel([[1.0, 2.0]], [[3.0, 4.0]], degree=2, gamma=0.5, coef0=1.0)
    array([[42.25]])
    """
    X, Y = _check_XY(X, Y)
    degree = int(check_positive(degree, "degree", integer=True))
    gamma = float(check_positive(gamma, "gamma"))
    coef0 = float(check_positive(coef0, "coef0", strict=False))
    return (gamma * (X @ Y.T) + coef0) ** degree


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
    rounding could make them slightly negative.

    Examples
    --------
    >>> rbf_kernel([[0.0, 0.0]], [[1.0, 1.0]], gamma=0.5)
    array([[0.36787944]])
    """
    same = Y is None
    X, Y = _check_XY(X, Y)
    gamma = float(check_positive(gamma, "gamma"))
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
    D *= -gamma
    return np.exp(D, out=D)


def _resolve_kernel(kernel, gamma, degree, coef0):
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {list(KERNELS)}, got {kernel!r}")
    if kernel in ("rbf", "poly"):
        check_positive(gamma, "gamma")
    if kernel == "poly":
        check_positive(degree, "degree", integer=True)
        check_positive(coef0, "coef0", strict=False)


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
    sq = np.einsum("ij,ij->i", X, X)
    if kernel == "linear":
        return sq
    return (gamma * sq + coef0) ** degree


class _FullKernel:
    """All kernel columns, precomputed (n <= precompute_limit)."""

    def __init__(self, K):
        self.K = K
        self.diag = np.ascontiguousarray(np.diag(K)).copy()

    def column(self, t):
        return self.K[t]  # K is symmetric: row t is column t, and rows are contiguous


class _CachedKernel:
    """Kernel columns computed on demand and kept in a least-recently-used cache."""

    def __init__(self, X, kernel, gamma, degree, coef0, cache_mb):
        self.X, self.params = X, {"kernel": kernel, "gamma": gamma, "degree": degree,
                                  "coef0": coef0}
        self.diag = _kernel_diagonal(X, kernel, gamma, degree, coef0)
        self.capacity = max(2, int(cache_mb * 2**20 // (8 * len(X))))
        self.cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self.misses = 0

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
    return float(alpha.sum() - 0.5 * v @ K @ v)


def hinge_loss(margins) -> np.ndarray:
    r"""The hinge loss :math:`\max(0, 1 - m)` of margins :math:`m_n = y_n f(x_n)`.

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
    Kv = K @ v
    return float(0.5 * v @ Kv + C * hinge_loss(y * (Kv + b)).sum())


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
    alpha_i_new, alpha_j_new : float

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
        \eta = K_{ii} + K_{jj} - 2K_{ij}, \qquad
        \alpha_j^{new} = \operatorname{clip}_{[L, H]}
        \Bigl(\alpha_j + \frac{y_j (E_i - E_j)}{\eta}\Bigr), \qquad
        \alpha_i^{new} = \alpha_i + y_i y_j (\alpha_j - \alpha_j^{new}),

    with :math:`[L, H] = [\max(0, \alpha_j - \alpha_i), \min(C, C + \alpha_j - \alpha_i)]`
    if :math:`y_i \ne y_j` and :math:`[\max(0, \alpha_i + \alpha_j - C), \min(C, \alpha_i +
    \alpha_j)]` if :math:`y_i = y_j`. A non-positive :math:`\eta` (duplicate points, a
    kernel that is not positive definite) is replaced by :math:`\tau = 10^{-12}` as in LIBSVM.

    Examples
    --------
    >>> two_variable_update(0.0, 0.0, 1, -1, -1.0, 1.0, 1.0, 1.0, 0.0, C=10.0)
    (1.0, 1.0)
    """
    if check_input:
        alpha_i, alpha_j, y_i, y_j, E_i, E_j, K_ii, K_jj, K_ij, C = _check_update_input(
            alpha_i, alpha_j, y_i, y_j, E_i, E_j, K_ii, K_jj, K_ij, C)
    s = y_i * y_j
    if s < 0:  # segment of the line alpha_j - alpha_i = const inside the box
        L, H = max(0.0, alpha_j - alpha_i), min(C, C + alpha_j - alpha_i)
    else:  # alpha_i + alpha_j = const
        L, H = max(0.0, alpha_i + alpha_j - C), min(C, alpha_i + alpha_j)
    eta = K_ii + K_jj - 2.0 * K_ij
    if eta <= 0.0:
        eta = TAU
    # alpha_j^new = alpha_j + y_j (E_i - E_j) / eta, clipped to [L, H]   eq. (svm-smo-step)
    aj = min(max(alpha_j + y_j * (E_i - E_j) / eta, L), H)
    # alpha_i^new = alpha_i + y_i y_j (alpha_j - alpha_j^new)             eq. (svm-smo-clip)
    ai = alpha_i + s * (alpha_j - aj)
    # rounding: an alpha_i that the clip sent to a bound must land on it exactly
    eps = 1e-12 * C
    ai = 0.0 if ai < eps else (C if ai > C - eps else ai)
    return float(ai), float(aj)


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
    i, j : int
        The pair; ``j = -1`` if no :math:`t \in I_{low}` has :math:`F_t > F_i`.
    gap : float
        :math:`m(\alpha) - M(\alpha)`, eq. (svm-kkt).
    K_i : ndarray
        Column :math:`K_{:, i}` (reused by the caller).

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
    if check_input:
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
    return i, j, gap, K_i


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


def kkt_violations(alpha, y, K, b, C) -> np.ndarray:
    r"""How much each point violates the KKT conditions of the soft-margin SVM.

    Parameters
    ----------
    alpha, y : array_like, shape (n,)
    K : array_like, shape (n, n)
    b : float
        Bias (finite).
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
    m = y * (K @ (alpha * y) + b)
    at_zero, at_C = alpha <= 0, alpha >= C
    v = np.where(at_zero, np.maximum(0.0, 1 - m),
                 np.where(at_C, np.maximum(0.0, m - 1), np.abs(m - 1)))
    return v + np.maximum(0.0, -alpha) + np.maximum(0.0, alpha - C)


# --------------------------------------------------------------------------- the solver
class SMOResult(NamedTuple):
    """The solution found by :func:`smo`.

    Attributes
    ----------
    alpha : ndarray, shape (n,)
        Dual variables, :math:`0 \\le \\alpha_n \\le C`, :math:`\\sum_n \\alpha_n y_n = 0`.
    b : float
        Bias, eq. (svm-bias).
    dual : ndarray, shape (n_iter + 1,)
        The dual objective after each iteration (starts at 0, never decreases).
    gap : float
        Final KKT gap :math:`m(\\alpha) - M(\\alpha)`, eq. (svm-kkt).
    n_iter : int
        Number of two-variable updates.
    converged : bool
        ``gap <= tol``.
    F : ndarray, shape (n,)
        :math:`F_n = f(x_n) - b - y_n`, the maintained gradient.
    """

    alpha: np.ndarray
    b: float
    dual: np.ndarray
    gap: float
    n_iter: int
    converged: bool
    F: np.ndarray


def smo(X, y, C=1.0, *, kernel="rbf", gamma=1.0, degree=3, coef0=0.0, tol=1e-3,
        max_iter=None, precompute_limit=5000, cache_mb=200.0) -> SMOResult:
    r"""Solve the soft-margin SVM dual by SMO with second-order working-set selection.

    Parameters
    ----------
    X : array_like, shape (n, d), or (n, n) if ``kernel="precomputed"``
        Inputs, or the kernel matrix (symmetric to a relative 1e-10, checked up front).
    y : array_like, shape (n,)
        Labels in {-1, +1}, both present.
    C : float
        Box constraint, :math:`0 \le \alpha_n \le C`; ``C > 0``.
    kernel : {"rbf", "poly", "linear", "precomputed"}
    gamma, degree, coef0
        Kernel parameters (:func:`rbf_kernel`, :func:`polynomial_kernel`).
    tol : float
        Stop when the KKT gap :math:`m(\alpha) - M(\alpha)` is at most ``tol``
        (LIBSVM's ``eps``, scikit-learn's ``tol``).
    max_iter : int, optional
        Maximal number of updates; default ``max(100_000, 100 n)``. A ``RuntimeWarning``
        is issued if it is reached.
    precompute_limit : int
        Up to this many points the whole kernel matrix is computed once; above it, kernel
        columns are computed on demand and kept in an LRU cache of ``cache_mb`` megabytes.
    cache_mb : float
        Size of the column cache.

    Returns
    -------
    SMOResult

    Notes
    -----
    Each iteration picks a pair by eq. (svm-wss2), updates it by eqs. (svm-smo-step) and
    (svm-smo-clip), and updates the gradient with the two kernel columns,

    .. math:: F \leftarrow F + K_{:,i}\, y_i \Delta\alpha_i + K_{:,j}\, y_j \Delta\alpha_j ,

    so an iteration costs :math:`O(n)`. The dual objective changes by
    :math:`-\nabla_B^\top\Delta\alpha_B - \frac12\Delta\alpha_B^\top Q_{BB}\Delta\alpha_B`
    (:math:`B = \{i, j\}`), which is recorded. The bias is eq. (svm-bias). Unlike LIBSVM,
    there is no shrinking: every iteration scans all :math:`n` points.
    """
    _resolve_kernel(kernel, gamma, degree, coef0)
    C = float(check_positive(C, "C"))
    tol = float(check_positive(tol, "tol"))
    X = as_array(X, "X", ndim=2)
    y = _check_labels_pm1(y)
    check_same_length(X, y, "X", "y")
    n = len(y)
    if max_iter is None:
        max_iter = max(100_000, 100 * n)
    max_iter = int(check_positive(max_iter, "max_iter", integer=True))
    if kernel == "precomputed":
        if X.shape != (n, n):
            raise ValueError(f"a precomputed kernel must have shape ({n}, {n}), got {X.shape}")
        check_symmetric(X, "X", rtol=1e-10, kind="precomputed kernel matrix")
        cols = _FullKernel(X)
    elif n <= precompute_limit:
        cols = _FullKernel(kernel_matrix(X, kernel=kernel, gamma=gamma, degree=degree,
                                         coef0=coef0))
    else:
        cols = _CachedKernel(X, kernel, gamma, degree, coef0, cache_mb)

    alpha = np.zeros(n)
    F = -y.copy()  # F = y * grad = K (alpha y) - y, at alpha = 0
    up, low = _masks(alpha, y, C)
    dual = [0.0]
    gap = np.inf
    n_iter = 0
    y_list, diag = y.tolist(), cols.diag.tolist()  # Python floats: cheaper scalar arithmetic
    while n_iter < max_iter:
        # eq. (svm-wss2); the arguments are valid by construction: no checks in this loop
        i, j, gap, K_i = select_working_set(F, up, low, cols.diag, cols.column,
                                            check_input=False)
        if gap <= tol or j < 0:
            break
        K_j = cols.column(j)
        y_i, y_j, a_i, a_j = y_list[i], y_list[j], float(alpha[i]), float(alpha[j])
        F_i, F_j, K_ij = float(F[i]), float(F[j]), float(K_i[j])
        # E_i - E_j = F_i - F_j: the bias cancels                    eqs. (svm-smo-step, -clip)
        ai, aj = two_variable_update(a_i, a_j, y_i, y_j, F_i, F_j, diag[i], diag[j], K_ij, C,
                                     check_input=False)
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
    else:
        gap = kkt_gap(alpha, y, F, C)
    converged = bool(gap <= tol)
    if not converged:
        warnings.warn(f"SMO stopped after max_iter={max_iter} updates with KKT gap {gap:.3g} "
                      f"> tol={tol:g}", RuntimeWarning, stacklevel=2)
    return SMOResult(alpha, bias(alpha, y, F, C), np.array(dual), float(gap), n_iter,
                     converged, F)


# --------------------------------------------------------------------------- estimator
class SVC:
    """A support vector classifier trained by :func:`smo` (scikit-learn-like).

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

    Attributes
    ----------
    classes_ : ndarray, shape (2,)
        The labels; ``classes_[1]`` is the positive class (:math:`y = +1`).
    alpha_ : ndarray, shape (n,)
    support_ : ndarray of int
        Indices of the support vectors (:math:`\\alpha_n > 0`), increasing.
    support_vectors_ : ndarray, shape (n_SV, d)
    dual_coef_ : ndarray, shape (1, n_SV)
        :math:`\\alpha_n y_n` of the support vectors.
    intercept_ : ndarray, shape (1,)
        The bias :math:`b`.
    gamma_ : float
        The kernel scale used.
    dual_objective_ : float
    kkt_gap_ : float
    n_iter_ : int
    converged_ : bool
    dual_history_ : ndarray
        The dual objective after each SMO update.

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
        g = self.gamma
        if isinstance(g, str):
            if g == "scale":
                var = X.var()
                return 1.0 / (X.shape[1] * var) if var > 0 else 1.0
            if g == "auto":
                return 1.0 / X.shape[1]
            raise ValueError(f"gamma must be 'scale', 'auto' or a positive number, got {g!r}")
        if isinstance(g, bool) or not isinstance(g, numbers.Real):
            raise TypeError(f"gamma must be 'scale', 'auto' or a positive number, got {g!r}")
        return float(check_positive(g, "gamma"))

    def _params(self):
        return {"kernel": self.kernel, "gamma": self.gamma_, "degree": self.degree,
                "coef0": self.coef0}

    def fit(self, X, y):
        """Fit by SMO; returns ``self``.

        Parameters
        ----------
        X : array_like, shape (n, d)
            Finite inputs.
        y : array_like, shape (n,)
            Exactly two distinct labels (any type NumPy can sort).
        """
        if self.kernel not in ("rbf", "poly", "linear"):
            raise ValueError(f"kernel must be 'rbf', 'poly' or 'linear', got {self.kernel!r}")
        X = as_array(X, "X", ndim=2)
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got an array of shape {y.shape}")
        check_same_length(X, y, "X", "y")
        if np.issubdtype(y.dtype, np.number) and not np.all(np.isfinite(y)):
            raise ValueError("y must not contain NaN or infinite labels")
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(f"y must contain exactly two classes, got {len(classes)}: "
                             f"{classes[:6]}")
        check_positive(self.C, "C")
        self.gamma_ = self._gamma(X)
        y_pm = np.where(y == classes[1], 1.0, -1.0)
        res = smo(X, y_pm, self.C, tol=self.tol, max_iter=self.max_iter, **self._params())
        self.classes_ = classes
        self.alpha_ = res.alpha
        self.support_ = np.flatnonzero(res.alpha > 0)
        self.support_vectors_ = X[self.support_]
        self.dual_coef_ = (res.alpha * y_pm)[self.support_][None, :]
        self.intercept_ = np.array([res.b])
        self.dual_objective_ = float(0.5 * np.sum(res.alpha * (1.0 - y_pm * res.F)))
        self.dual_history_ = res.dual
        self.kkt_gap_ = res.gap
        self.n_iter_ = res.n_iter
        self.converged_ = res.converged
        return self

    def decision_function(self, X) -> np.ndarray:
        r"""The score :math:`f(x) = \sum_{n \in SV} \alpha_n y_n k(x_n, x) + b`, shape (m,)."""
        if not hasattr(self, "support_vectors_"):
            raise ValueError("this SVC is not fitted yet; call fit(X, y) first")
        X = as_array(X, "X", ndim=2)
        d = self.support_vectors_.shape[1]
        if X.shape[1] != d:
            raise ValueError(f"X must have {d} features (as in fit), got {X.shape[1]}")
        K = kernel_matrix(X, self.support_vectors_, **self._params())
        return K @ self.dual_coef_[0] + self.intercept_[0]

    def predict(self, X) -> np.ndarray:
        """The class of each row of ``X``: ``classes_[1]`` where the score is positive."""
        return np.where(self.decision_function(X) > 0, self.classes_[1], self.classes_[0])
