r"""Linear regression: least squares, ridge, lasso, gradient descent, LMS and the Bayesian
treatment.

The code of the chapter ``chapters/linear_models/linear_regression.ipynb``. The normal
equation :math:`\mathbf{X}^\top \mathbf{X} \mathbf{w} = \mathbf{X}^\top \mathbf{y}`
(eq. ``lr-normal``) is solved through a QR or singular value decomposition of
:math:`\mathbf{X}`, never by forming :math:`(\mathbf{X}^\top\mathbf{X})^{-1}`; ridge
regression shrinks along the singular directions (eq. ``lr-ridge-svd``); the lasso is
solved by coordinate descent with the soft-thresholding update (eq. ``lr-cd-update``) and a
duality-gap stopping rule; gradient descent converges for step sizes below
:math:`2/L` (eq. ``lr-gd-bound``); the LMS rule is its one-sample version (eq. ``lr-lms``);
Bayesian linear regression has a Gaussian posterior (eqs. ``lr-bayes-precision``,
``lr-bayes-mean``), a Gaussian predictive distribution (eq. ``lr-bayes-predictive``) and a
closed-form evidence (eq. ``lr-evidence``).

Symbols
-------
==========  ==============================================================  ============
symbol      meaning                                                         shape
==========  ==============================================================  ============
``X``       data matrix, one row per sample                                 ``(n, d)``
``y``       targets :math:`\mathbf{y}`                                      ``(n,)``
``w``       weights                                                         ``(d,)``
``b``       intercept (bias) :math:`b`, never penalised                     scalar
``lam``     regularisation strength :math:`\lambda` (objective scalings     scalar
            below)
``eta``     gradient-descent step size :math:`\eta`                         scalar
``L``       largest eigenvalue of the Hessian :math:`\mathbf{X}^\top        scalar
            \mathbf{X}`
``sigma2``  noise variance :math:`\sigma^2`                                 scalar
``alpha``   prior precision :math:`\alpha` of Bayesian linear regression    scalar
``beta``    noise precision :math:`\beta = 1/\sigma^2`                      scalar
``n, d``    number of samples, number of features
==========  ==============================================================  ============

The names and the argument order are the library's (``CONTRIBUTING.md``, "Names and argument
order"): targets ``y`` and intercept ``b`` as in every module; a function that evaluates
something at given weights takes them first (``lasso_objective(w, b, X, y, lam)``), a
routine that fits from data takes the data first (``lasso(X, y, lam)``).

Objectives (the same scalings as scikit-learn, so ``lam`` is scikit-learn's ``alpha``)
-------------------------------------------------------------------------------------
================================  ==========================================  ================
function                          minimises                                   scikit-learn
================================  ==========================================  ================
``least_squares``                 ``||y - X w - b||^2``                      LinearRegression
``ridge``                         ``||y - X w - b||^2 + lam ||w||^2``        Ridge(alpha=lam)
``lasso``                         ``||y - X w - b||^2 / (2 n)                Lasso(alpha=lam)
                                  + lam ||w||_1``
``gradient_descent``              ``||y - X w - b||^2 / 2``                  (none)
================================  ==========================================  ================

Intercept: with ``fit_intercept=True`` (the default, as in scikit-learn) the columns of ``X``
and ``y`` are centred, the centred problem is solved for ``w`` and
``b = mean(y) - mean(X, axis=0) @ w``. The intercept is not penalised.

Floating-point range: every solver works on ``X / 2**ex`` and ``y / 2**ey`` (the centred data
scaled by exact powers of two so that their largest entry is about 1) and scales the answer
back, using the exact identities ``ridge(X, y, lam) = 2**(ey-ex) ridge(X/2**ex, y/2**ey,
lam/4**ex)`` and ``lasso(X, y, lam) = 2**(ey-ex) lasso(X/2**ex, y/2**ey, lam/2**(ex+ey))``.
For data of ordinary magnitude this changes no bit of the result; for data near the
overflow or underflow limits of float64 (entries of 1e-300 or 1e300) it gives the right
answer where the plain formulas give NaN or zeros. A result that float64 cannot represent
raises :class:`derivlib.NumericalError`; no function returns NaN or infinity.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import linalg
from scipy.linalg.blas import daxpy, ddot

from derivlib._convergence import NumericalError, report
from derivlib._validation import (
    as_array,
    check_choice,
    check_finite_result,
    check_positive,
    check_same_length,
    check_symmetric,
)
from derivlib._validation import check_bool as _check_bool

__all__ = [
    "GaussianPosterior",
    "GradientDescentResult",
    "LMSResult",
    "LassoResult",
    "LinearFit",
    "Predictive",
    "bayesian_posterior",
    "bayesian_predictive",
    "gradient_descent",
    "gradient_descent_step",
    "hat_matrix",
    "lasso",
    "lasso_duality_gap",
    "lasso_lam_max",
    "lasso_objective",
    "lasso_path",
    "least_squares",
    "lipschitz_constant",
    "lms",
    "log_evidence",
    "noise_variance",
    "ridge",
    "ridge_path",
    "ridge_shrinkage",
    "soft_threshold",
    "textbook_lasso",
]

_LSTSQ_METHODS = ("qr", "svd")
_LASSO_METHODS = ("auto", "gram", "residual")


# --------------------------------------------------------------------------- results
class LinearFit(NamedTuple):
    """A fitted linear model ``y(x) = x @ w + b``."""

    w: np.ndarray  #: weights, shape (d,)
    b: float  #: intercept (0.0 when ``fit_intercept=False``)

    def predict(self, X) -> np.ndarray:
        """Predictions ``X @ w + b`` for ``X`` of shape (m, d).

        An intermediate overflow (``1e200 * 1e200 - 1e200 * 1e200``) is avoided by scaling
        by powers of two; a prediction beyond float64 raises :class:`derivlib.NumericalError`.
        """
        X = _check_X(X, "X")
        if X.shape[1] != self.w.shape[0]:
            raise ValueError(f"X must have {self.w.shape[0]} columns, got shape {X.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            pred = X @ self.w + self.b
        if np.all(np.isfinite(pred)):
            return pred
        w = np.asarray(self.w, dtype=float)
        rs, a = _residual_scaled(X, np.zeros(len(X)), w, float(self.b))  # -(X w + b)
        pred = -_ldexp(rs, a)
        check_finite_result(pred, "a prediction X w + b", "it exceeds float64 (about "
                            "1.8e308); rescale X or y")
        return pred


class LassoResult(NamedTuple):
    """The lasso solution found by coordinate descent, with its convergence record."""

    w: np.ndarray  #: weights, shape (d,)
    b: float  #: intercept
    n_iter: int  #: number of full sweeps over the coordinates
    gap: float  #: duality gap of the returned w (objective scaling of ``lasso``)
    converged: bool  #: gap <= tol * ||y_c||^2 / n, for the returned w (fresh residual)
    objective: np.ndarray  #: objective after each sweep, shape (n_iter + 1,), start first

    def predict(self, X) -> np.ndarray:
        """Predictions ``X @ w + b``."""
        return LinearFit(self.w, self.b).predict(X)


class GradientDescentResult(NamedTuple):
    """The iterates of gradient descent on ``E(w) = ||y - X w||^2 / 2``."""

    w: np.ndarray  #: last iterate, shape (d,)
    path: np.ndarray  #: all iterates w_0, ..., w_K, shape (K + 1, d)
    objective: np.ndarray  #: E(w_k) for k = 0..K, shape (K + 1,)
    eta: float  #: the step size used


# --------------------------------------------------------------------------- validation
def _check_X(X, name="X") -> np.ndarray:
    return as_array(X, name, ndim=2)


def _check_Xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = _check_X(X)
    y = as_array(y, "y", ndim=1)
    check_same_length(X, y, "X", "y")
    return X, y


def _check_lam(lam, name="lam", *, strict=False) -> float:
    return float(check_positive(lam, name, strict=strict))


def _check_w(w, d, name="w") -> np.ndarray:
    w = as_array(w, name, ndim=1)
    if w.shape[0] != d:
        raise ValueError(f"{name} must have length {d} (the number of columns of X), "
                         f"got shape {w.shape}")
    return w


def _exponents(a, axis=None):
    """Binary exponents ``e`` with ``max|a| = m 2**e``, ``0.5 <= m < 1`` (0 for zeros)."""
    return np.frexp(np.max(np.abs(a), axis=axis, initial=0.0))[1].astype(np.int64)


def _ldexp(a, e, out=None):
    """``a * 2**e`` (exact unless the result leaves the normal range); over/underflow quiet."""
    with np.errstate(over="ignore", under="ignore"):
        e = np.asarray(e)
        if e.size and -1022 <= e.min() and e.max() <= 1023:
            # the factors 2**e are normal floats: a product by them is the same exact scaling,
            # several times faster than ldexp on a large array
            return np.multiply(a, np.ldexp(1.0, e), out=out)
        return np.ldexp(a, e, out=out) if out is not None else np.ldexp(a, e)


# Magnitudes for which no rescaling is needed: squares and sums of up to 2**100 squares of
# entries in [2**-400, 2**400] stay normal float64 numbers.
_SAFE_LO, _SAFE_HI = 2.0 ** -400, 2.0 ** 400


class _Scaled(NamedTuple):
    """Centred data scaled by powers of two: ``X - mean = 2**ex Xs``, ``y - mean = 2**ey ys``."""

    Xs: np.ndarray
    ys: np.ndarray
    ex: int
    ey: int
    x_mean: np.ndarray  # exact means of the columns of X (zeros without an intercept)
    y_mean: float


def _scaled(X, y, fit_intercept, order="C") -> _Scaled:
    """Centre (if asked) and scale ``X`` and ``y`` by exact powers of two, in a new array.

    Each column is first scaled by its own power of two (so neither the centring overflows
    nor a column of small entries beside a large constant one falls into subnormals), then
    the centred columns are brought to one common scale ``2**ex`` with ``max|Xs|`` in [0.5, 1).
    """
    with np.errstate(invalid="ignore"):
        col_max = np.maximum(X.max(axis=0, initial=-np.inf), -X.min(axis=0, initial=np.inf))
    y_max = float(np.max(np.abs(y), initial=0.0))
    if _SAFE_LO <= y_max <= _SAFE_HI and np.all((col_max == 0.0) | (
            (_SAFE_LO <= col_max) & (col_max <= _SAFE_HI))):
        # the common case: every column and y well inside float64's range, so products,
        # squares and sums of n terms can neither overflow nor lose digits to subnormals.
        # No scaling (ex = ey = 0): centred exactly as without this machinery, and two
        # reductions instead of the five passes of the scaling below
        Xs = np.empty(X.shape, order=order)
        x_mean = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
        np.subtract(X, x_mean, out=Xs)
        ym = float(y.mean()) if fit_intercept else 0.0
        return _Scaled(Xs, y - ym, 0, 0, x_mean, ym)
    e = _exponents(X, axis=0)
    Xs = np.empty(X.shape, order=order)
    if fit_intercept:
        _ldexp(X, -e, out=Xs)
        with np.errstate(over="ignore", invalid="ignore"):
            x_mean = X.mean(axis=0)  # (the mean of X, summed in X's own order)
        if np.all(np.isfinite(x_mean)):
            xm = _ldexp(x_mean, -e)  # exactly the mean of the scaled columns
        else:  # the sum overflowed: average the scaled columns instead
            xm = Xs.mean(axis=0)
            x_mean = _ldexp(xm, e)  # the exact column means of X
        Xs -= xm
        col_max = np.max(np.abs(Xs), axis=0, initial=0.0)
        c = e + np.frexp(col_max)[1].astype(np.int64)
        nonzero = col_max > 0.0
        ex = int(c[nonzero].max()) if nonzero.any() else 0
        _ldexp(Xs, e - ex, out=Xs)
    else:
        ex = int(e.max()) if e.size else 0
        _ldexp(X, -ex, out=Xs)
        x_mean = np.zeros(X.shape[1])
    ey0 = int(_exponents(y))
    ys = _ldexp(y, -ey0)
    ym = float(ys.mean()) if fit_intercept else 0.0
    ys = ys - ym
    ey1 = int(_exponents(ys))
    return _Scaled(Xs, _ldexp(ys, -ey1), ex, ey0 + ey1, x_mean, float(_ldexp(ym, ey0)))


def _unscale_w(v, sc: _Scaled, what="the weights w", shift=0) -> np.ndarray:
    """``w = 2**(ey - ex + shift) v``, refusing a result float64 cannot hold."""
    w = _ldexp(v, sc.ey - sc.ex + shift)
    check_finite_result(w, what, "their magnitude exceeds float64 (about 1.8e308): the targets "
                        "are too large compared with the columns of X; rescale y or X")
    return w


def _intercept_scaled(w, sc: _Scaled, fit_intercept) -> float:
    # b = mean(y) - mean(x) @ w: the intercept that makes the residuals sum to zero
    if not fit_intercept:
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        b = sc.y_mean - sc.x_mean @ w
    check_finite_result(b, "the intercept b", "mean(X, axis=0) @ w exceeds float64; centre "
                        "or rescale X beforehand")
    return float(b)


def _residual_scaled(X, y, w, b=0.0):
    """``r = y - X w - b`` as ``(rs, a)`` with ``r = 2**a rs`` (no intermediate overflow)."""
    ex, ew, ey = int(_exponents(X)), int(_exponents(w)), int(_exponents(y))
    eb = int(np.frexp(b)[1])
    a = max(ey, ex + ew, eb) + 1
    Xw = _ldexp(X, -ex) @ _ldexp(w, -ew)
    rs = _ldexp(y, -a) - _ldexp(Xw, ex + ew - a) - _ldexp(b, -a)
    return rs, a


def _scalar(value, name):
    """A finite real scalar (Python or NumPy number, or a 0-d array) as a float."""
    return float(as_array(value, name, ndim=0))


def _rank_tol(s, shape) -> float:
    # the rank threshold of numpy.linalg.lstsq / matrix_rank
    return float(s[0]) * max(shape) * np.finfo(float).eps if s.size else 0.0


# --------------------------------------------------------------------------- least squares
def least_squares(X, y, *, fit_intercept: bool = True, method: str = "qr") -> LinearFit:
    r"""Least-squares fit: the solution of the normal equation, without an inverse.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Data matrix.
    y : array_like, shape (n,)
        Targets.
    fit_intercept : bool, default True
        Fit an unpenalised intercept ``b`` by centring ``X`` and ``y``.
    method : {"qr", "svd"}, default "qr"
        ``"qr"``: ``X = Q R``, then ``R w = Q^T y`` by back substitution; needs full column
        rank. ``"svd"``: ``X = U diag(s) V^T`` and ``w = V diag(1/s) U^T y`` over the
        non-negligible singular values: the minimum-norm solution, as
        ``numpy.linalg.lstsq`` returns it, also when ``X`` is rank deficient.

    Returns
    -------
    LinearFit
        ``w`` of shape (d,) and the intercept ``b``.

    Notes
    -----
    The normal equation :math:`\mathbf{X}^\top\mathbf{X}\,\mathbf{w} = \mathbf{X}^\top
    \mathbf{y}` (eq. ``lr-normal``) becomes, with :math:`\mathbf{X} = \mathbf{Q}\mathbf{R}`,
    the triangular system :math:`\mathbf{R}\mathbf{w} = \mathbf{Q}^\top\mathbf{y}`. Solving it
    squares no condition number, whereas forming :math:`\mathbf{X}^\top\mathbf{X}` does.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> fit = least_squares(X, [1.0, 3.0, 5.0])
    >>> np.round(fit.w, 12), round(fit.b, 12)
    (array([2.]), 1.0)
    """
    X, y = _check_Xy(X, y)
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    check_choice(method, "method", _LSTSQ_METHODS)
    # centred, and scaled by powers of two: Xc = 2**ex Xs, yc = 2**ey ys (exact; see above)
    sc = _scaled(X, y, fit_intercept)
    Xc, yc = sc.Xs, sc.ys
    n, d = Xc.shape
    if method == "qr":
        if n < d:
            raise ValueError(f"method='qr' needs at least as many rows as columns in X, got "
                             f"shape {X.shape}; use method='svd' for the minimum-norm solution")
        Q, R = linalg.qr(Xc, mode="economic")
        diag = np.abs(np.diag(R))
        if diag.size and diag.min() <= diag.max() * max(n, d) * np.finfo(float).eps:
            raise ValueError("X is rank deficient (collinear columns): the least-squares "
                             "solution is not unique; use method='svd' for the minimum-norm one")
        # R w = Q^T y   (eq. lr-normal, after X = QR)
        w = linalg.solve_triangular(R, Q.T @ yc)
    else:
        U, s, Vt = linalg.svd(Xc, full_matrices=False)
        keep = s > _rank_tol(s, Xc.shape)
        # w = V diag(1/s) U^T y over the non-zero singular values (minimum norm)
        w = Vt[keep].T @ ((U[:, keep].T @ yc) / s[keep])
    w = _unscale_w(w, sc)  # w = 2**(ey - ex) w_scaled
    return LinearFit(w, _intercept_scaled(w, sc, fit_intercept))


def hat_matrix(X, *, fit_intercept: bool = False) -> np.ndarray:
    r"""The hat matrix: the orthogonal projection onto the column space of ``X``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    fit_intercept : bool, default False
        Include the constant column (the projection then also reproduces the mean).

    Returns
    -------
    ndarray, shape (n, n)
        :math:`\mathbf{H} = \mathbf{X}(\mathbf{X}^\top\mathbf{X})^{-1}\mathbf{X}^\top =
        \mathbf{U}_r\mathbf{U}_r^\top` (eq. ``lr-hat``), computed from the left singular
        vectors of the ``r`` non-zero singular values; symmetric and idempotent.
    """
    X = _check_X(X)
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    X = _ldexp(X, -int(_exponents(X)))  # H is scale-invariant: max|X| in [0.5, 1), exactly
    if fit_intercept:
        X = np.column_stack([np.ones(X.shape[0]), X])
    U, s, _ = linalg.svd(X, full_matrices=False)
    Ur = U[:, s > _rank_tol(s, X.shape)]
    # H = U_r U_r^T   (eq. lr-hat)
    return Ur @ Ur.T


def noise_variance(w, b: float, X, y, *, ddof: int = 0) -> float:
    r"""Noise-variance estimate from the residuals of a linear fit.

    Parameters
    ----------
    w : array_like, shape (d,)
        Weights of the fit (``fit.w``).
    b : float
        Its intercept (``fit.b``; ``0.0`` for a fit without one).
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
    ddof : int, default 0
        ``0`` gives the maximum-likelihood estimate (eq. ``lr-sigma-ml``); the unbiased
        estimate divides by ``n - p`` with ``p`` the number of fitted coefficients
        (``ddof = d + 1`` with an intercept).

    Returns
    -------
    float
        :math:`\hat\sigma^2 = \frac{1}{n - \text{ddof}}\lVert\mathbf{y} - \mathbf{X}\mathbf{w}
        - b\rVert^2`.
    """
    X, y = _check_Xy(X, y)
    w = _check_w(w, X.shape[1])
    b = _scalar(b, "b")
    ddof = int(check_positive(ddof, "ddof", strict=False, integer=True))
    if ddof >= X.shape[0]:
        raise ValueError(f"ddof must be smaller than the number of samples {X.shape[0]}, "
                         f"got {ddof}")
    r, a = _residual_scaled(X, y, w, b)  # r = 2**a * (y - X w - b), exactly
    # sigma2 = ||y - X w - b||^2 / (n - ddof)   (eq. lr-sigma-ml for ddof = 0)
    sigma2 = _ldexp(r @ r / (X.shape[0] - ddof), 2 * a)
    check_finite_result(sigma2, "the noise variance", "the residuals are too large to square "
                        "in float64; rescale y")
    return float(sigma2)


# --------------------------------------------------------------------------- ridge
def ridge(X, y, lam: float, *, fit_intercept: bool = True) -> LinearFit:
    r"""Ridge regression: minimise ``||y - X w - b||^2 + lam ||w||^2``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
    lam : float
        :math:`\lambda \ge 0` (scikit-learn's ``Ridge(alpha=lam)``); ``0`` gives the
        minimum-norm least-squares solution.
    fit_intercept : bool, default True
        Unpenalised intercept, by centring.

    Returns
    -------
    LinearFit

    Notes
    -----
    With the thin SVD :math:`\mathbf{X} = \mathbf{U}\mathbf{D}\mathbf{V}^\top`,
    :math:`\hat{\mathbf{w}}_\lambda = (\mathbf{X}^\top\mathbf{X} + \lambda\mathbf{I})^{-1}
    \mathbf{X}^\top\mathbf{y} = \mathbf{V}\,\operatorname{diag}\!\big(d_j/(d_j^2 +
    \lambda)\big)\,\mathbf{U}^\top\mathbf{y}` (eq. ``lr-ridge-svd``): each singular direction
    is shrunk by :math:`d_j^2/(d_j^2+\lambda)` (see :func:`ridge_shrinkage`).
    """
    return LinearFit(*_ridge_many(X, y, [lam], fit_intercept, scalar_name="lam"))


def ridge_path(X, y, lams, *, fit_intercept: bool = True) -> np.ndarray:
    """Ridge weights for several ``lam`` from one SVD: shape (len(lams), d).

    The intercepts are ``mean(y) - mean(X, axis=0) @ w`` for each row (when fitted).
    """
    lams = as_array(lams, "lams", ndim=1)
    W, _ = _ridge_many(X, y, lams, fit_intercept, scalar_name="lams")
    return W


def _ridge_many(X, y, lams, fit_intercept, scalar_name):
    X, y = _check_Xy(X, y)
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    lams = [_check_lam(v, scalar_name) for v in np.atleast_1d(lams)]
    sc = _scaled(X, y, fit_intercept)  # Xc = 2**ex Xs, yc = 2**ey ys, exactly
    U, s, Vt = linalg.svd(sc.Xs, full_matrices=False)
    keep = s > _rank_tol(s, sc.Xs.shape)
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    Ut_y = U.T @ sc.ys
    W = np.empty((len(lams), X.shape[1]))
    for k, lam in enumerate(lams):
        # in the scaled problem lam becomes lam / 4**ex; a power of two 2**m is factored out
        # of it when it is large, so that neither it nor d_j / (d_j^2 + lam) over/underflows
        m = max(0, int(np.frexp(lam)[1]) - 2 * sc.ex) if lam > 0 else 0
        # w = V diag(d_j / (d_j^2 + lam)) U^T y   (eq. lr-ridge-svd)
        v = Vt.T @ (s / (_ldexp(s**2, -m) + _ldexp(lam, -2 * sc.ex - m)) * Ut_y)
        W[k] = _unscale_w(v, sc, shift=-m)
    if len(lams) == 1 and scalar_name == "lam":
        return W[0], _intercept_scaled(W[0], sc, fit_intercept)
    return W, None


def ridge_shrinkage(X, lam: float, *, fit_intercept: bool = True) -> np.ndarray:
    r"""Shrinkage factors :math:`d_j^2/(d_j^2 + \lambda)` of ridge along the singular directions.

    Parameters
    ----------
    X : array_like, shape (n, d)
    lam : float
        :math:`\lambda \ge 0`.
    fit_intercept : bool, default True
        Use the centred ``X`` (as :func:`ridge` does).

    Returns
    -------
    ndarray, shape (min(n, d),)
        In decreasing order of the singular values :math:`d_j`. Their sum is the effective
        number of parameters :math:`\operatorname{df}(\lambda)` (eq. ``lr-shrink``).

    Notes
    -----
    Computed as :math:`1/(1 + q_j^2)` with :math:`q_j = \sqrt{\lambda}/d_j` (or
    :math:`u^2/(1 + u^2)`, :math:`u = 1/q_j`, when :math:`q_j > 1`) on the data scaled by a
    power of two, so that neither :math:`d_j^2` nor :math:`\lambda/d_j^2` over- or underflows:
    every factor is correct to a few units in the last place for any finite ``X`` and ``lam``.
    A zero singular value gives 0.
    """
    X = _check_X(X)
    lam = _check_lam(lam)
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    sc = _scaled(X, np.zeros(X.shape[0]), fit_intercept)  # Xc = 2**ex Xs
    s = linalg.svd(sc.Xs, compute_uv=False)
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        # q_j = sqrt(lam) / d_j, in the scaled units (sqrt(lam / 4**ex) = sqrt(lam) / 2**ex)
        q = _ldexp(np.sqrt(lam), -sc.ex) / s
        u = 1.0 / q
        # d_j^2 / (d_j^2 + lam) = 1 / (1 + q^2) = u^2 / (1 + u^2)   (eq. lr-shrink)
        f = np.where(q <= 1.0, 1.0 / (1.0 + q * q), u * u / (1.0 + u * u))
    return np.where(s > 0, f, 0.0)


# --------------------------------------------------------------------------- lasso
def soft_threshold(z, gamma):
    r"""The soft-thresholding operator :math:`S(z, \gamma) = \operatorname{sign}(z)
    \max(|z| - \gamma, 0)` (eq. ``lr-soft``), elementwise.

    Parameters
    ----------
    z : float or array_like
        Any shape, empty included: the operator is elementwise, like a NumPy ufunc.
    gamma : float
        Threshold :math:`\gamma \ge 0`.

    Examples
    --------
    >>> soft_threshold(np.array([-3.0, -0.5, 0.0, 2.0]), 1.0)
    array([-2., -0.,  0.,  1.])
    """
    z = as_array(z, "z", min_size=0)
    gamma = _check_lam(gamma, "gamma")
    # S(z, gamma) = sign(z) max(|z| - gamma, 0)   (eq. lr-soft)
    out = np.sign(z) * np.maximum(np.abs(z) - gamma, 0.0)
    return float(out) if out.ndim == 0 else out


def lasso_objective(w, b: float, X, y, lam: float) -> float:
    r"""The lasso objective :math:`\frac{1}{2n}\lVert\mathbf{y} - \mathbf{X}\mathbf{w} -
    b\rVert^2 + \lambda\lVert\mathbf{w}\rVert_1` (eq. ``lr-lasso``) at the weights ``w``
    and intercept ``b``: the function :func:`lasso` minimises."""
    X, y = _check_Xy(X, y)
    w = _check_w(w, X.shape[1])
    b = _scalar(b, "b")
    lam = _check_lam(lam)
    r, a = _residual_scaled(X, y, w, b)  # r = 2**a * (y - X w - b), exactly
    with np.errstate(over="ignore"):
        value = _ldexp(r @ r / (2 * X.shape[0]), 2 * a) + lam * np.abs(w).sum()
    check_finite_result(value, "the lasso objective", "it exceeds float64 (about 1.8e308); "
                        "rescale y (and lam with it)")
    return float(value)


def lasso_lam_max(X, y, *, fit_intercept: bool = True) -> float:
    r"""The smallest :math:`\lambda` for which the lasso solution is :math:`\mathbf{w} = 0`:
    :math:`\lambda_{\max} = \lVert\mathbf{X}^\top\mathbf{y}\rVert_\infty / n` (centred data)."""
    X, y = _check_Xy(X, y)
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    sc = _scaled(X, y, fit_intercept)  # Xc = 2**ex Xs, yc = 2**ey ys
    lam_max = _ldexp(np.max(np.abs(sc.Xs.T @ sc.ys)) / X.shape[0], sc.ex + sc.ey)
    check_finite_result(lam_max, "lam_max", "||X^T y||_inf / n exceeds float64; rescale X or y")
    return float(lam_max)


def _gap(r_norm2, r_t, w_l1, xtr_inf, n_lam):
    """Duality gap of 1/2||r||^2 + n_lam ||w||_1 (scikit-learn's cd_fast, formulation A).

    The dual point is the residual scaled into the dual feasible set {|X^T v| <= n_lam}.
    """
    scale = n_lam / xtr_inf if xtr_inf > n_lam else 1.0
    primal = 0.5 * r_norm2 + (n_lam * w_l1 if w_l1 else 0.0)  # (n_lam may be inf when w = 0)
    dual = -0.5 * scale**2 * r_norm2 + scale * r_t
    return primal - dual


def _scaled_gap(sc: _Scaled, v, lam_s) -> tuple[float, float]:
    """Duality gap of ``w = 2**(ey - ex) v`` from a fresh residual, on the scaled data.

    Returns the gap divided by ``n`` in the units of the original data, and the gap relative
    to ``||y_c||^2`` (the quantity ``lasso`` compares with ``tol``).
    """
    Xs, ys = sc.Xs, sc.ys
    n = Xs.shape[0]
    with np.errstate(over="ignore"):
        gap_s = _fresh_gap(Xs, ys, v, n * lam_s)
    return _gap_units(gap_s, ys, n, sc.ey)


def _gap_units(gap_s, ys, n: int, ey: int) -> tuple[float, float]:
    """A duality gap of the scaled problem as ``(gap / n in the data's units, gap relative to
    ||y_c||^2)``; the second is what ``lasso`` compares with ``tol``."""
    yy = float(ys @ ys)
    rel = gap_s / yy if yy > 0 else (0.0 if gap_s <= 0 else np.inf)
    gap = _ldexp(gap_s / n, 2 * ey)
    check_finite_result(gap, "the duality gap", "||y_c||^2 / n exceeds float64 (about "
                        "1.8e308): rescale y, and lam with it (the lasso weights scale with y "
                        "and lam together)")
    return float(gap), rel


def lasso_duality_gap(w, X, y, lam: float, *, fit_intercept: bool = True) -> float:
    r"""Duality gap of the lasso at ``w``: an upper bound on ``objective(w) - min objective``.

    Parameters
    ----------
    w, X, y, lam
        As for :func:`lasso`; ``lam > 0``.
    fit_intercept : bool, default True
        Evaluate on the centred data (the intercept is optimal for every ``w``).

    Returns
    -------
    float
        :math:`P(\mathbf{w}) - D(s\,\mathbf{r})` with :math:`\mathbf{r} = \mathbf{y} -
        \mathbf{X}\mathbf{w}` and :math:`s = \min(1, n\lambda/\lVert\mathbf{X}^\top\mathbf{r}
        \rVert_\infty)`, divided by ``n`` to match the objective of :func:`lasso`.
    """
    X, y = _check_Xy(X, y)
    w = _check_w(w, X.shape[1])
    lam = _check_lam(lam, strict=True)
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    sc = _scaled(X, y, fit_intercept)  # Xc = 2**ex Xs, yc = 2**ey ys
    with np.errstate(over="ignore"):
        v = _ldexp(w, sc.ex - sc.ey)  # w in the scaled units: w = 2**(ey - ex) v
    check_finite_result(v, "w in the units of the scaled data", "w is about 1e308 times "
                        "larger than y / X; its duality gap exceeds float64")
    gap, _ = _scaled_gap(sc, v, _ldexp(lam, -(sc.ex + sc.ey)))
    return gap


def textbook_lasso(X, y, lam: float, *, fit_intercept: bool = True, tol: float = 1e-4,
                   max_iter: int = 1000) -> LassoResult:
    r"""The lasso by cyclic coordinate descent, written line by line as the chapter derives it.

    The same problem, stopping rule and result as :func:`lasso`, which computes the same
    numbers faster: its loop runs on Python floats with in-place BLAS updates of the
    residual, checks the duality gap only after a sweep with small coefficient changes,
    switches to the Gram form on long runs, and rescales the data by powers of two so that
    entries near the limits of float64 cannot overflow. This version is for reading; the
    tests check that the two agree.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
    lam : float
        :math:`\lambda > 0` (scikit-learn's ``Lasso(alpha=lam)``).
    fit_intercept : bool, default True
        Unpenalised intercept, by centring.
    tol : float, default 1e-4
        Stop when the duality gap is at most ``tol * ||y_c||^2 / n`` (``y_c`` the centred
        targets), as :func:`lasso` does.
    max_iter : int, default 1000
        Maximum number of sweeps over all coordinates.

    Returns
    -------
    LassoResult
        As :func:`lasso`: ``w``, ``b``, the number of sweeps, the duality gap of the returned
        ``w``, whether it is below the tolerance, and the objective after every sweep.

    Raises
    ------
    derivlib.NumericalError (a ValueError)
        If squares of the data overflow float64 (entries beyond about 1e150): use
        :func:`lasso`, which rescales.
    """
    X, y = _check_Xy(X, y)
    lam = _check_lam(lam, strict=True)
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    tol = float(check_positive(tol, "tol"))
    max_iter = int(check_positive(max_iter, "max_iter", integer=True))
    n, d = X.shape
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
        # the intercept by centring: fit w to the centred data, then b = mean(y) - mean(x) @ w
        x_mean = X.mean(axis=0) if fit_intercept else np.zeros(d)
        y_mean = float(y.mean()) if fit_intercept else 0.0
        X, y = X - x_mean, y - y_mean
        a = (X**2).sum(axis=0)  # a_j = ||x_j||^2 for every column j
        yy = float(y @ y)  # ||y||^2
    check_finite_result(np.append(a, yy), "a squared norm of y or of a column of X",
                        "the squares of the data exceed float64 (about 1.8e308); use lasso, which "
                        "rescales the data by powers of two")

    def objective(w, r):
        # F(w) = ||y - X w||^2 / (2 n) + lam ||w||_1   (eq. lr-lasso)
        return float(r @ r) / (2 * n) + lam * float(np.abs(w).sum())

    def duality_gap(w, r):
        # the residual scaled into the dual feasible set {v : ||X^T v||_inf <= n lam} ...
        xtr = float(np.max(np.abs(X.T @ r), initial=0.0))
        v = r if xtr <= n * lam else r * (n * lam / xtr)
        # ... gives a lower bound G(v) = (v^T y - ||v||^2 / 2) / n on min F (weak duality)
        return objective(w, r) - (float(v @ y) - float(v @ v) / 2) / n

    w = np.zeros(d)
    r = y.copy()  # the residual r = y - X w, kept up to date below
    history = [objective(w, r)]
    gap = duality_gap(w, r)
    n_iter = 0
    while gap > tol * yy / n and n_iter < max_iter:
        n_iter += 1
        for j in range(d):
            if a[j] == 0.0:
                continue  # a column of zeros does not change F: its weight stays 0
            x_j = X[:, j]
            # rho_j = x_j^T (r + x_j w_j), the fit of x_j to the partial residual
            rho_j = float(x_j @ (r + x_j * w[j]))
            # w_j <- S(rho_j, n lam) / ||x_j||^2   (eq. lr-cd-update, with S of eq. lr-soft)
            w_j = soft_threshold(rho_j, n * lam) / a[j]
            # the residual follows the change of w_j: r <- r - x_j (w_j new - w_j old)
            r = r - x_j * (w_j - w[j])
            w[j] = w_j
        history.append(objective(w, r))
        gap = duality_gap(w, r)
    b = y_mean - float(x_mean @ w)
    converged = report("textbook_lasso (coordinate descent)",
                       measure="duality gap, against tol * ||y_c||^2 / n", value=gap,
                       tol=tol * yy / n, n_iter=n_iter, max_iter=max_iter,
                       advice="increase max_iter or tol")
    return LassoResult(w, b, n_iter, gap, converged, np.array(history))


def lasso(X, y, lam: float, *, fit_intercept: bool = True, tol: float = 1e-4,
          max_iter: int = 1000, method: str = "auto", w_init=None) -> LassoResult:
    r"""The lasso by cyclic coordinate descent, stopped on the duality gap.

    Minimises :math:`\frac{1}{2n}\lVert\mathbf{y} - \mathbf{X}\mathbf{w} - b\rVert^2 +
    \lambda\lVert\mathbf{w}\rVert_1` (scikit-learn's ``Lasso(alpha=lam)``).

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
    lam : float
        :math:`\lambda > 0`.
    fit_intercept : bool, default True
        Unpenalised intercept, by centring.
    tol : float, default 1e-4
        Stop when the duality gap is at most ``tol * ||y_c||^2 / n`` (``y_c`` the centred
        targets): scikit-learn's criterion in this objective's scaling.
    max_iter : int, default 1000
        Maximum number of sweeps over all coordinates.
    method : {"auto", "gram", "residual"}, default "auto"
        ``"residual"`` keeps the residual :math:`\mathbf{r} = \mathbf{y} - \mathbf{X}
        \mathbf{w}` up to date: O(n) per coordinate. ``"gram"`` precomputes
        :math:`\mathbf{X}^\top\mathbf{X}` and :math:`\mathbf{X}^\top\mathbf{y}` once (O(n d^2))
        and keeps :math:`\mathbf{X}^\top\mathbf{X}\mathbf{w}` up to date: O(d) per coordinate,
        and the duality gap costs O(d). ``"auto"`` uses ``"gram"`` when ``n >= 2 d``.
    w_init : array_like, shape (d,), optional
        Starting point (warm start); zeros by default.

    Returns
    -------
    LassoResult
        ``w``, ``b``, the number of sweeps, the final gap, whether it converged, and the
        objective after every sweep (coordinate descent never increases it).

    Notes
    -----
    Coordinate :math:`j` is set to the minimiser of the objective in :math:`w_j` alone,
    (eq. ``lr-cd-update``)

    .. math::

        w_j \leftarrow \frac{S(\rho_j, n\lambda)}{\lVert\mathbf{x}_j\rVert^2}, \qquad
        \rho_j = \mathbf{x}_j^\top(\mathbf{r} + \mathbf{x}_j w_j),

    with :math:`S` the soft-thresholding operator (eq. ``lr-soft``) and
    :math:`\mathbf{x}_j` the :math:`j`-th column. After a sweep whose largest coefficient
    change is at most ``tol`` times the largest coefficient (every sweep in Gram mode, where
    it is cheap), the duality gap is computed and the loop stops once it is small enough.
    ``converged`` is decided by the duality gap of the returned ``w`` computed from a fresh
    residual; when it is False (``max_iter`` reached) a
    :class:`derivlib.ConvergenceWarning` says by how much the gap missed ``tol``.
    :func:`textbook_lasso` is the same iteration written as the chapter's equations, for
    reading; the tests check that the two agree.
    """
    X, y = _check_Xy(X, y)
    lam = _check_lam(lam, strict=True)
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    tol = float(check_positive(tol, "tol"))
    max_iter = int(check_positive(max_iter, "max_iter", integer=True))
    check_choice(method, "method", _LASSO_METHODS)
    n, d = X.shape
    w = np.zeros(d) if w_init is None else _check_w(w_init, d, "w_init")
    # centre and scale by powers of two straight into column-major storage (columns
    # contiguous for BLAS): Xc = 2**ex Xs, yc = 2**ey ys; the scaled problem has
    # lam_s = lam / 2**(ex + ey) and solution v = w / 2**(ey - ex), exactly
    sc = _scaled(X, y, fit_intercept, order="F")
    Xc, yc = sc.Xs, sc.ys
    lam = float(_ldexp(lam, -(sc.ex + sc.ey)))
    with np.errstate(over="ignore"):
        w = _ldexp(w, sc.ex - sc.ey)  # a new array: the caller's w_init is never changed
    check_finite_result(w, "w_init in the units of the scaled data", "w_init is about 1e308 "
                        "times larger than y / X; start from zeros")
    if lam > 2.0**1000:  # far above lam_max (at most about n d here): the solution is w = 0
        lam, w = 2.0**1000, np.zeros(d)
    if method == "gram":
        w, n_iter, gap, converged, objective = _lasso_gram(Xc, yc, lam, w, tol, max_iter)
    else:
        # "auto": residual sweeps first; if they have not converged after about as many
        # sweeps as forming X^T X would cost, switch to the Gram form (warm start). Like
        # renting skis before buying, this is never worse than twice the better choice.
        budget = max_iter if method == "residual" else min(max_iter, max(5, d // 20))
        w, n_iter, gap, converged, objective = _lasso_residual(Xc, yc, lam, w, tol, budget)
        if not converged and n_iter < max_iter:
            w, more, gap, converged, obj2 = _lasso_gram(Xc, yc, lam, w, tol, max_iter - n_iter)
            n_iter, objective = n_iter + more, np.concatenate([objective, obj2[1:]])
    # converged is decided on the returned w: its duality gap (from the residual kept by the
    # residual form, or recomputed from a fresh residual by the Gram form before it stops)
    gap, rel_gap = _gap_units(gap, yc, n, sc.ey)
    converged = report("lasso (coordinate descent)", measure="duality gap / (||y_c||^2 / n)",
                       value=rel_gap, tol=tol, n_iter=n_iter, max_iter=max_iter,
                       advice="increase max_iter or tol; a very small lam (close to least "
                       "squares) can have a gap that float64 cannot bring below tol")
    objective = _ldexp(objective, 2 * sc.ey)
    check_finite_result(objective, "the lasso objective", "||y_c||^2 / n exceeds float64: "
                        "rescale y, and lam with it")
    w = _unscale_w(w, sc)
    return LassoResult(w, _intercept_scaled(w, sc, fit_intercept), n_iter, float(gap),
                       converged, objective)


def _lasso_residual(X, y, lam, w, tol, max_iter):
    """Coordinate descent keeping the residual r = y - X w (O(n) per coordinate)."""
    n, d = X.shape
    Xf = np.asfortranarray(X)  # columns contiguous: each x_j is one BLAS vector (no copy
    # when the caller already centred into column-major storage)
    cols = [Xf[:, j] for j in range(d)]
    norm2 = np.einsum("ij,ij->j", Xf, Xf).tolist()  # ||x_j||^2, once
    n_lam = n * lam
    gap_tol = tol * float(y @ y)
    r = y - Xf @ w if np.any(w) else y.copy()  # the residual, kept up to date below
    wl = w.tolist()

    def objective():
        return (0.5 * float(r @ r) + n_lam * sum(abs(v) for v in wl)) / n

    def gap():
        return _gap(float(r @ r), float(r @ y), sum(abs(v) for v in wl),
                    float(np.max(np.abs(Xf.T @ r))), n_lam)

    history = [objective()]
    g = gap()
    converged = g <= gap_tol
    n_iter = 0
    dot, axpy = ddot, daxpy  # local names: this loop runs d times per sweep
    coords = [(j, cols[j], norm2[j]) for j in range(d) if norm2[j] > 0.0]
    while not converged and n_iter < max_iter:
        n_iter += 1
        w_max = dw_max = 0.0
        for j, x_j, a in coords:
            wj = wl[j]
            # rho_j = x_j^T (r + x_j w_j): the fit of x_j to the partial residual
            rho = dot(x_j, r) + a * wj
            # w_j = S(rho_j, n lam) / ||x_j||^2   (eq. lr-cd-update, lr-soft)
            if rho > n_lam:
                new = (rho - n_lam) / a
            elif rho < -n_lam:
                new = (rho + n_lam) / a
            else:
                new = 0.0
            if new != wj:
                axpy(x_j, r, a=wj - new)  # r -= (new - w_j) x_j, in place
                wl[j] = new
                change = abs(new - wj)
                if change > dw_max:
                    dw_max = change
                if abs(new) > w_max:
                    w_max = abs(new)
            elif wj != 0.0 and abs(wj) > w_max:
                w_max = abs(wj)
        history.append(objective())
        if w_max == 0.0 or dw_max <= tol * w_max or n_iter == max_iter:
            g = gap()
            converged = g <= gap_tol
    return np.array(wl), n_iter, g, converged, np.array(history)


def _lasso_gram(X, y, lam, w, tol, max_iter):
    """Coordinate descent on the Gram matrix G = X^T X (O(d) per coordinate)."""
    n, d = X.shape
    G = X.T @ X  # precomputed once: O(n d^2)
    c = X.T @ y  # X^T y
    yy = float(y @ y)
    q = G @ w  # X^T X w, kept up to date below
    rows = list(G)  # G is symmetric: row j is column j, contiguous
    diag = np.diag(G).tolist()
    n_lam = n * lam
    gap_tol = tol * yy
    wl = w.tolist()
    cl = c.tolist()

    def objective_and_gap():
        wv = np.array(wl)
        wc = float(wv @ c)
        r_norm2 = max(yy - 2.0 * wc + float(wv @ q), 0.0)  # ||y - X w||^2 from the Gram form
        w_l1 = float(np.abs(wv).sum())
        xtr_inf = float(np.max(np.abs(c - q)))  # ||X^T r||_inf, r = y - X w
        return (0.5 * r_norm2 + n_lam * w_l1) / n, _gap(r_norm2, yy - wc, w_l1, xtr_inf, n_lam)

    obj, g = objective_and_gap()
    history = [obj]
    converged = g <= gap_tol
    n_iter = 0
    axpy = daxpy  # a local name: this loop runs d times per sweep
    coords = [(j, rows[j], diag[j], cl[j]) for j in range(d) if diag[j] > 0.0]
    while not converged and n_iter < max_iter:
        n_iter += 1
        for j, g_j, a, c_j in coords:
            wj = wl[j]
            # rho_j = x_j^T (y - X w) + ||x_j||^2 w_j = c_j - (G w)_j + G_jj w_j
            rho = c_j - q[j] + a * wj
            # w_j = S(rho_j, n lam) / ||x_j||^2   (eq. lr-cd-update, lr-soft)
            if rho > n_lam:
                new = (rho - n_lam) / a
            elif rho < -n_lam:
                new = (rho + n_lam) / a
            else:
                new = 0.0
            if new != wj:
                axpy(g_j, q, a=new - wj)  # G w += (new - w_j) G[:, j], in place
                wl[j] = new
        obj, g = objective_and_gap()  # O(d): cheap enough to check after every sweep
        history.append(obj)
        converged = g <= gap_tol
        if converged:
            # ||y - X w||^2 = y^T y - 2 w^T X^T y + w^T X^T X w cancels when the weights are
            # large: confirm the gap from a fresh residual (O(n d)) before stopping
            g = _fresh_gap(X, y, np.array(wl), n_lam)
            converged = g <= gap_tol
    return np.array(wl), n_iter, g, converged, np.array(history)


def _fresh_gap(X, y, w, n_lam) -> float:
    """Duality gap of ``1/2 ||y - X w||^2 + n_lam ||w||_1`` from the residual itself."""
    r = y - X @ w
    return _gap(float(r @ r), float(r @ y), float(np.abs(w).sum()),
                float(np.max(np.abs(X.T @ r))), n_lam)


def lasso_path(X, y, lams, *, fit_intercept: bool = True, tol: float = 1e-8,
               max_iter: int = 10_000) -> np.ndarray:
    """Lasso weights for several ``lam`` (warm starts from the largest): shape (len(lams), d).

    Row ``k`` belongs to ``lams[k]`` whatever the order of ``lams``.
    """
    X, y = _check_Xy(X, y)
    lams = as_array(lams, "lams", ndim=1)
    for v in lams:
        _check_lam(float(v), "lams", strict=True)
    W = np.empty((lams.size, X.shape[1]))
    w = np.zeros(X.shape[1])
    for k in np.argsort(-lams):
        w = lasso(X, y, float(lams[k]), fit_intercept=fit_intercept, tol=tol,
                  max_iter=max_iter, w_init=w).w
        W[k] = w
    return W


# --------------------------------------------------------------------------- gradient descent
def lipschitz_constant(X) -> float:
    r"""The largest eigenvalue :math:`L` of the Hessian :math:`\mathbf{X}^\top\mathbf{X}` of
    :math:`E(\mathbf{w}) = \frac12\lVert\mathbf{y} - \mathbf{X}\mathbf{w}\rVert^2`: the squared
    largest singular value of ``X``. Gradient descent converges iff :math:`0 < \eta < 2/L`
    (eq. ``lr-gd-bound``)."""
    X = _check_X(X)
    ex = int(_exponents(X))  # X = 2**ex Xs, exactly, so that s_max^2 cannot overflow early
    L = _ldexp(linalg.svd(_ldexp(X, -ex), compute_uv=False)[0] ** 2, 2 * ex)
    check_finite_result(L, "the Lipschitz constant L", "the largest singular value of X "
                        "squared exceeds float64; rescale X")
    return float(L)


def gradient_descent_step(w, X, y, eta: float) -> np.ndarray:
    r"""One step :math:`\mathbf{w} - \eta\,\mathbf{X}^\top(\mathbf{X}\mathbf{w} - \mathbf{y})`
    (eq. ``lr-gd``) on :math:`E(\mathbf{w}) = \frac12\lVert\mathbf{y} - \mathbf{X}\mathbf{w}
    \rVert^2`; returns the new ``w`` of shape (d,), or raises :class:`derivlib.NumericalError`
    if it overflows float64 (an ``eta`` far above :math:`2/L`)."""
    X, y = _check_Xy(X, y)
    w = _check_w(w, X.shape[1])
    eta = float(check_positive(eta, "eta"))
    with np.errstate(over="ignore", invalid="ignore"):
        w_new = w - eta * (X.T @ (X @ w - y))
    check_finite_result(w_new, "the gradient-descent step", f"eta = {eta:g} times the "
                        f"gradient X^T (X w - y) exceeds float64; use a smaller eta or rescale "
                        f"X and y")
    return w_new


def gradient_descent(X, y, *, eta: float | None = None, n_steps: int = 100,
                     w_init=None) -> GradientDescentResult:
    r"""Gradient descent on :math:`E(\mathbf{w}) = \frac12\lVert\mathbf{y} -
    \mathbf{X}\mathbf{w}\rVert^2`, returning every iterate.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Data matrix (add a column of ones for an intercept).
    y : array_like, shape (n,)
    eta : float, optional
        Step size; default :math:`1/L` (see :func:`lipschitz_constant`; a ``ValueError`` if
        :math:`L = 0`, a ``NumericalError`` if :math:`1/L` overflows). Steps
        :math:`\eta \ge 2/L` are allowed (the chapter shows them diverge) as long as the
        iterates stay representable; see Raises.
    n_steps : int, default 100
        Number of steps (all are taken: there is no stopping rule, so no ``max_iter``).
    w_init : array_like, shape (d,), optional
        Starting point; zeros by default.

    Returns
    -------
    GradientDescentResult
        The last iterate, the path of shape (n_steps + 1, d), the objective values and ``eta``.

    Raises
    ------
    derivlib.NumericalError (a ValueError)
        If an iterate or its objective overflows to infinity or NaN (a step ``eta`` well
        above :math:`2/L` diverges geometrically): the message gives the bound :math:`2/L`.
        No NaN is ever returned.

    Notes on convergence: this is a demonstration of the iteration, not a solver. It runs
    exactly ``n_steps`` steps with no stopping rule, and its result claims nothing about
    optimality (there is no ``converged`` field and no ConvergenceWarning): ``objective`` shows
    how far the iterates got; use :func:`least_squares` for the minimiser itself.

    Notes
    -----
    The update (eq. ``lr-gd``) is :math:`\mathbf{w}_{k+1} = \mathbf{w}_k - \eta\,
    \mathbf{X}^\top(\mathbf{X}\mathbf{w}_k - \mathbf{y})`; its error obeys
    :math:`\mathbf{w}_{k+1} - \hat{\mathbf{w}} = (\mathbf{I} - \eta\mathbf{X}^\top\mathbf{X})
    (\mathbf{w}_k - \hat{\mathbf{w}})`, which contracts iff :math:`0 < \eta < 2/L`
    (eq. ``lr-gd-bound``). The Gram matrix and ``X^T y`` are formed once, so each step costs
    O(d^2).
    """
    X, y = _check_Xy(X, y)
    d = X.shape[1]
    eta = _default_eta(X) if eta is None else float(check_positive(eta, "eta"))
    n_steps = int(check_positive(n_steps, "n_steps", integer=True))
    w = np.zeros(d) if w_init is None else _check_w(w_init, d, "w_init").astype(float)
    path = np.empty((n_steps + 1, d))
    objective = np.empty(n_steps + 1)
    path[0] = w
    # overflow is not ignored: a non-finite iterate or objective raises below
    with np.errstate(over="ignore", invalid="ignore"):
        G, c, yy = X.T @ X, X.T @ y, float(y @ y)
        for k in range(n_steps):
            # w <- w - eta X^T (X w - y)   (eq. lr-gd)
            w = w - eta * (G @ w - c)
            path[k + 1] = w
        # E(w) = (y^T y - 2 w^T X^T y + w^T X^T X w) / 2, for every iterate at once
        objective[:] = 0.5 * (yy - 2.0 * path @ c + np.einsum("kd,de,ke->k", path, G, path))
    _check_no_overflow(X, eta, path, objective)
    return GradientDescentResult(w, path, objective, eta)


def _default_eta(X) -> float:
    """The default step ``1/L``, refused when ``L`` is 0 (``X = 0``) or ``1/L`` overflows."""
    L = lipschitz_constant(X)
    with np.errstate(over="ignore", divide="ignore"):
        eta = 1.0 / L if L > 0 else np.inf
    if L == 0.0:
        raise ValueError("X is zero (or its squares underflow to 0), so the default step "
                         "eta = 1/L, L = ||X||_2^2, is undefined; pass eta explicitly or "
                         "rescale X")
    if not np.isfinite(eta):
        raise NumericalError(f"the default step eta = 1/L overflows float64 (L = {L:.3g}, the "
                             f"largest eigenvalue of X^T X, is below 5.6e-309): rescale X, or "
                             f"pass eta explicitly")
    return eta


def _check_no_overflow(X, eta, path, objective) -> None:
    """Raise (naming ``eta`` and 2/L) if an iterate or its objective is not finite.

    Checked once after the loop: an infinite or NaN coordinate of w stays non-finite (inf - inf
    is NaN), so the first non-finite row of the path is where the overflow happened.
    """
    finite = np.isfinite(objective) & np.isfinite(path).all(axis=1)
    if finite.all():
        return
    k = int(np.argmin(finite))
    with np.errstate(over="ignore"):  # L = inf is reported below
        L = float(linalg.svd(X, compute_uv=False)[0] ** 2)
    if np.isfinite(L) and eta * L >= 2.0:
        raise NumericalError(
            f"eta = {eta:g} diverges: gradient descent on this objective needs eta < 2/L = "
            f"{2.0 / L:.3g} (L = {L:.3g}, the largest eigenvalue of the Hessian X^T X, eq. "
            f"lr-gd-bound); the iterates overflowed to inf/NaN at step {k} of {len(path) - 1}"
        )
    if not np.isfinite(L):
        raise NumericalError("X is too large for gradient descent in floating point: the Hessian "
                         "X^T X overflows (L = inf); rescale X")
    raise NumericalError(
        f"gradient descent overflowed to inf/NaN at step {k} although eta = {eta:g} is below "
        f"2/L = {2.0 / L:.3g}: y or w_init are too large to square in floating point; "
        f"rescale them"
    )


# --------------------------------------------------------------------------- LMS (SGD)
class LMSResult(NamedTuple):
    """The weights after ``n_epochs`` passes of the LMS rule, with the objective per pass."""

    w: np.ndarray  #: weights after the last update, shape (d,)
    b: float  #: intercept (0.0 when ``fit_intercept=False``)
    objective: np.ndarray  #: E(w, b) = ||y - X w - b||^2 / 2 before the first pass and after
    #: each pass, shape (n_epochs + 1,)

    def predict(self, X) -> np.ndarray:
        """Predictions ``X @ w + b``."""
        return LinearFit(self.w, self.b).predict(X)


def lms(X, y, eta: float, *, n_epochs: int = 1, fit_intercept: bool = False,
        w_init=None) -> LMSResult:
    r"""The least-mean-squares (Widrow-Hoff) rule: stochastic gradient descent on the
    squared error, one sample at a time, in the order of the rows.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
    eta : float
        Constant step size :math:`\eta > 0` (scikit-learn's ``SGDRegressor(eta0=eta,
        learning_rate="constant")``).
    n_epochs : int, default 1
        Number of passes over the data, each in the order ``n = 0, ..., n-1`` (no shuffling).
        Every update is taken: there is no stopping rule, so the result claims no optimality.
    fit_intercept : bool, default False
        Also learn an intercept ``b`` with the same rule (the weight of a constant feature 1),
        as ``SGDRegressor`` does for dense data.
    w_init : array_like, shape (d,), optional
        Starting weights; zeros by default. The intercept starts at 0.

    Returns
    -------
    LMSResult
        ``w``, ``b`` and the objective before the first pass and after every pass.

    Raises
    ------
    derivlib.NumericalError (a ValueError)
        If the iterates overflow (a step far too large: each update multiplies the error
        on its own sample by :math:`1 - \eta(\lVert\mathbf{x}_n\rVert^2 + 1_{\text{b}})`).

    Notes
    -----
    Eq. ``lr-lms``: :math:`\mathbf{w} \leftarrow \mathbf{w} + \eta\,(y_n - \mathbf{w}^\top
    \mathbf{x}_n - b)\,\mathbf{x}_n` and :math:`b \leftarrow b + \eta\,(y_n - \mathbf{w}^\top
    \mathbf{x}_n - b)`, the negative gradient of :math:`E_n = \frac12(y_n - \mathbf{w}^\top
    \mathbf{x}_n - b)^2` (Bishop, PRML, eq. 3.23).
    """
    X, y = _check_Xy(X, y)
    eta = float(check_positive(eta, "eta"))
    n_epochs = int(check_positive(n_epochs, "n_epochs", integer=True))
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    d = X.shape[1]
    w = np.zeros(d) if w_init is None else _check_w(w_init, d, "w_init").astype(float)
    b = 0.0
    objective = np.empty(n_epochs + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        objective[0] = 0.5 * np.sum((y - X @ w - b) ** 2)
        for epoch in range(n_epochs):
            for x_n, y_n in zip(X, y, strict=True):
                # the error of the current model on sample n
                e_n = y_n - (x_n @ w + b)
                # w <- w + eta e_n x_n,  b <- b + eta e_n   (eq. lr-lms)
                w = w + eta * e_n * x_n
                if fit_intercept:
                    b = b + eta * e_n
            objective[epoch + 1] = 0.5 * np.sum((y - X @ w - b) ** 2)
    check_finite_result(np.r_[w, b, objective], "the LMS iterates",
                        f"eta = {eta:g} is too large for these data (the update on sample n "
                        f"is stable only for eta < 2 / ||x_n||^2); use a smaller eta or rescale X")
    return LMSResult(w, float(b), objective)


# --------------------------------------------------------------------------- Bayesian
class GaussianPosterior(NamedTuple):
    """The Gaussian posterior :math:`\\mathcal{N}(\\mathbf{m}_N, \\mathbf{S}_N)` of the weights."""

    mean: np.ndarray  #: posterior mean m_N, shape (d,)
    cov: np.ndarray  #: posterior covariance S_N, shape (d, d)


class Predictive(NamedTuple):
    """The Gaussian predictive distribution at each row of ``X``."""

    mean: np.ndarray  #: predictive means m_N^T x, shape (m,)
    var: np.ndarray  #: predictive variances 1/beta + x^T S_N x, shape (m,)


def _check_precisions(alpha, beta) -> tuple[float, float]:
    return float(check_positive(alpha, "alpha")), float(check_positive(beta, "beta"))


def _posterior_cholesky(X, y, alpha, beta):
    """Cholesky factor of the posterior precision A = alpha I + beta X^T X, and m_N."""
    d = X.shape[1]
    # S_N^{-1} = alpha I + beta X^T X   (eq. lr-bayes-precision)
    A = alpha * np.eye(d) + beta * (X.T @ X)
    try:
        c = linalg.cho_factor(A, lower=True)
    except linalg.LinAlgError:
        raise NumericalError("the posterior precision alpha I + beta X^T X is not positive "
                             "definite in float64 (alpha far below the scale of beta X^T X); "
                             "increase alpha or rescale X") from None
    # m_N = beta S_N X^T y, solved with the Cholesky factor   (eq. lr-bayes-mean)
    m = linalg.cho_solve(c, beta * (X.T @ y))
    return c, m


def bayesian_posterior(X, y, alpha: float, beta: float) -> GaussianPosterior:
    r"""Posterior of the weights of Bayesian linear regression (no separate intercept).

    Parameters
    ----------
    X : array_like, shape (n, d)
        Design matrix (include a column of ones, or basis functions, as PRML's
        :math:`\boldsymbol\Phi`).
    y : array_like, shape (n,)
    alpha : float
        Prior precision :math:`\alpha > 0`: :math:`\mathbf{w} \sim \mathcal{N}(\mathbf{0},
        \alpha^{-1}\mathbf{I})` (scikit-learn's ``BayesianRidge`` calls it ``lambda_``).
    beta : float
        Noise precision :math:`\beta = 1/\sigma^2 > 0` (``BayesianRidge``'s ``alpha_``).

    Returns
    -------
    GaussianPosterior
        ``mean`` :math:`\mathbf{m}_N` and ``cov`` :math:`\mathbf{S}_N`.

    Notes
    -----
    :math:`\mathbf{S}_N^{-1} = \alpha\mathbf{I} + \beta\mathbf{X}^\top\mathbf{X}` (eq.
    ``lr-bayes-precision``) and :math:`\mathbf{m}_N = \beta\,\mathbf{S}_N\mathbf{X}^\top
    \mathbf{y}` (eq. ``lr-bayes-mean``; PRML eqs. 3.53-3.54), by a Cholesky factorisation of
    the precision. The mean is ridge regression with :math:`\lambda = \alpha/\beta`.
    """
    X, y = _check_Xy(X, y)
    alpha, beta = _check_precisions(alpha, beta)
    c, m = _posterior_cholesky(X, y, alpha, beta)
    S = linalg.cho_solve(c, np.eye(X.shape[1]))  # the covariance is the result asked for
    S = 0.5 * (S + S.T)
    check_finite_result(np.r_[m, S.ravel()], "the posterior", "rescale X and y")
    return GaussianPosterior(m, S)


def bayesian_predictive(mean, cov, X, beta: float) -> Predictive:
    r"""Predictive distribution :math:`\mathcal{N}(\mathbf{m}_N^\top\mathbf{x},\ 1/\beta +
    \mathbf{x}^\top\mathbf{S}_N\mathbf{x})` at each row ``x`` of ``X``.

    Parameters
    ----------
    mean : array_like, shape (d,)
        Posterior mean :math:`\mathbf{m}_N` (``posterior.mean``).
    cov : array_like, shape (d, d)
        Posterior covariance :math:`\mathbf{S}_N` (``posterior.cov``): symmetric positive
        semidefinite.
    X : array_like, shape (m, d)
        Points at which to predict.
    beta : float
        Noise precision :math:`\beta > 0`.

    Returns
    -------
    Predictive
        ``mean`` and ``var``, each of shape (m,) (eq. ``lr-bayes-predictive``; PRML 3.58-3.59).
    """
    mean = as_array(mean, "mean", ndim=1)
    cov = as_array(cov, "cov", ndim=2)
    X = _check_X(X)
    beta = float(check_positive(beta, "beta"))
    d = mean.shape[0]
    if cov.shape != (d, d):
        raise ValueError(f"cov must have shape ({d}, {d}) to match mean, got {cov.shape}")
    if X.shape[1] != d:
        raise ValueError(f"X must have {d} columns (the length of mean), got shape {X.shape}")
    check_symmetric(cov, "cov")
    if np.linalg.eigvalsh(0.5 * (cov + cov.T))[0] < -1e-10 * max(np.abs(cov).max(), 1e-300):
        raise ValueError("cov must be positive semidefinite (a covariance), got a negative "
                         "eigenvalue")
    # mean: m_N^T x;  variance: 1/beta + x^T S_N x   (eq. lr-bayes-predictive)
    mu = X @ mean
    var = 1.0 / beta + np.einsum("nd,de,ne->n", X, cov, X)
    var = np.maximum(var, 1.0 / beta)  # x^T S_N x >= 0: rounding must not make it smaller
    check_finite_result(np.r_[mu, var], "the predictive distribution", "rescale X")
    return Predictive(mu, var)


def log_evidence(X, y, alpha: float, beta: float) -> float:
    r"""Log marginal likelihood :math:`\ln p(\mathbf{y}\mid\alpha,\beta)` of Bayesian linear
    regression (PRML eq. 3.86).

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
    alpha : float
        Prior precision :math:`\alpha > 0`.
    beta : float
        Noise precision :math:`\beta > 0`.

    Returns
    -------
    float
        :math:`\frac{D}{2}\ln\alpha + \frac{N}{2}\ln\beta - E(\mathbf{m}_N) - \frac12\ln
        |\mathbf{S}_N^{-1}| - \frac{N}{2}\ln 2\pi` with :math:`E(\mathbf{m}_N) =
        \frac{\beta}{2}\lVert\mathbf{y} - \mathbf{X}\mathbf{m}_N\rVert^2 + \frac{\alpha}{2}
        \mathbf{m}_N^\top\mathbf{m}_N` (eq. ``lr-evidence``). It equals
        :math:`\ln\mathcal{N}(\mathbf{y}\mid\mathbf{0}, \beta^{-1}\mathbf{I} + \alpha^{-1}
        \mathbf{X}\mathbf{X}^\top)`, the marginal of the Gaussian linear model, computed
        here in :math:`O(ND^2)` instead of :math:`O(N^3)`.
    """
    X, y = _check_Xy(X, y)
    alpha, beta = _check_precisions(alpha, beta)
    n, d = X.shape
    c, m = _posterior_cholesky(X, y, alpha, beta)
    r = y - X @ m
    E_m = 0.5 * beta * (r @ r) + 0.5 * alpha * (m @ m)
    log_det_A = 2.0 * np.sum(np.log(np.diag(c[0])))  # ln|S_N^{-1}| from the Cholesky factor
    # eq. lr-evidence (PRML 3.86)
    value = (0.5 * d * np.log(alpha) + 0.5 * n * np.log(beta) - E_m - 0.5 * log_det_A
             - 0.5 * n * np.log(2.0 * np.pi))
    check_finite_result(value, "the log evidence", "rescale X and y")
    return float(value)
