r"""Logistic regression: cross-entropy, gradient, Hessian, IRLS, softmax regression.

The code of the chapter ``chapters/linear_models/logistic_regression.ipynb``. A Bernoulli
likelihood with :math:`p_i = \sigma(w^\top x_i + b)` turns into the binary cross-entropy
(eq. ``logreg-nll``); its gradient is :math:`X^\top(p - y)` (eq. ``logreg-grad``) and its Hessian
:math:`X^\top S X` with :math:`S = \mathrm{diag}(p_i(1 - p_i))` (eq. ``logreg-hess``), positive
semi-definite, so the loss is convex. Newton's method on it is iteratively reweighted least
squares (IRLS, eq. ``logreg-newton``); the L2 penalty makes the problem strictly convex and
keeps the weights finite on separable data. With K classes, the softmax gives softmax
regression (eq. ``logreg-softmax-grad``).

Beyond the L2 fit, the module has the chapter's other views of the same model: the weights
of Gaussian classes with a shared covariance (``lda_weights``, eq. ``logreg-lda-softmax``), the
L1 / elastic-net fit (share ``l1_ratio`` of L1, as in scikit-learn) by accelerated proximal
gradient (``fista``, eq. ``logreg-enet-obj``), the
Laplace approximation of the Bayesian posterior and its probit predictive
(``laplace_posterior``, ``predictive_probit``, eqs. ``logreg-laplace``, ``logreg-probit``) and the
Wald standard errors of the maximum-likelihood weights (``wald_standard_errors``, eq.
``logreg-wald``).

The per-sample losses and their derivatives are those of
:mod:`derivlib.foundations.mle_kl` (``binary_cross_entropy``, ``softmax_cross_entropy`` and
their ``*_grad``): this module reuses them, so every loss is computed from the logits in the
stable log-sum-exp form and logits of :math:`\pm 1000` give finite values.

The objective
-------------
Every function here minimises (or evaluates) the *summed* negative log-likelihood plus an
L2 penalty on the weights, never on the intercept,

.. math::
    E(w, b) = \sum_{i=1}^n E_i(w^\top x_i + b) + \frac{1}{2C}\lVert w\rVert^2,
    \qquad \text{(eq. logreg-obj)}

which is scikit-learn's ``LogisticRegression`` objective
:math:`C\sum_i E_i + \tfrac12\lVert w\rVert^2` divided by :math:`C`: the same minimiser.
``C = np.inf`` means no penalty (maximum likelihood).

Symbols
-------
==========  ===============================================================  ===========
symbol      meaning                                                          shape
==========  ===============================================================  ===========
``X``       inputs, one sample per row                                       ``(n, d)``
``y``       binary labels in {0, 1} (the fits accept any two sortable labels, ``(n,)``
            strings included, and map them back in ``predict``)
``w``       weights                                                          ``(d,)``
``b``       intercept (``None``: no intercept)                               scalar
``z``       logits :math:`z_i = w^\top x_i + b`                              ``(n,)``
``p``       probabilities :math:`p_i = \sigma(z_i)`                          ``(n,)``
``s``       IRLS weights :math:`s_i = p_i(1 - p_i) = \sigma'(z_i)`           ``(n,)``
``C``       inverse regularisation strength (as in scikit-learn), > 0
``W``       softmax weights, one column per class                            ``(d, K)``
``bK``      softmax intercepts                                               ``(K,)``
``P``       class probabilities :math:`\mathrm{softmax}(W^\top x_i + b)`    ``(n, K)``
``S0``      prior covariance of the weights (``laplace_posterior``)          ``(d, d)``
``S``       posterior covariance :math:`S_N` (``predictive_probit``)         ``(d, d)``
``n, d, K`` samples, features, classes
==========  ===============================================================  ===========

Gradients and Hessians are with respect to the parameter vector :math:`(w, b)`, **intercept
last**: shape ``(d + 1,)`` and ``(d + 1, d + 1)``, or ``(d,)`` and ``(d, d)`` when ``b`` is
``None``. For softmax regression the parameters are the ``(d + 1, K)`` matrix
:math:`\Theta = [W; b^\top]` (intercept row last), flattened row by row.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import NamedTuple

import numpy as np
from scipy import linalg, optimize, sparse
from scipy.special import expit, softmax

from derivlib._convergence import (
    ConvergenceError,
    ConvergenceWarning,
    NumericalError,
    SeparationWarning,
    message,
    report,
)
from derivlib._validation import (
    as_array,
    as_labels,
    check_bool,
    check_choice,
    check_finite_result,
    check_positive,
    check_probability_vector,
    check_same_length,
    check_symmetric,
)
from derivlib.foundations import mle_kl

__all__ = [
    "ConvergenceWarning",
    "LaplacePosterior",
    "LinearDiscriminant",
    "LogisticFit",
    "LogisticRegression",
    "NewtonStep",
    "SeparationWarning",
    "SoftmaxFit",
    "SoftmaxRegression",
    "SparseLogisticFit",
    "elastic_net_objective",
    "fista",
    "fit_softmax",
    "gradient",
    "gradient_descent",
    "hessian",
    "irls",
    "laplace_posterior",
    "lda_weights",
    "newton_step",
    "objective",
    "predict_proba",
    "predictive_probit",
    "sigmoid",
    "sigmoid_derivative",
    "softmax_gradient",
    "softmax_hessian",
    "softmax_objective",
    "softmax_predict_proba",
    "textbook_irls",
    "wald_standard_errors",
]


class NewtonStep(NamedTuple):
    """Output of :func:`newton_step`: the weights and bias after one Newton step."""

    w: np.ndarray
    b: float | None


class LogisticFit(NamedTuple):
    """Result of :func:`irls` or :func:`gradient_descent`.

    ``history[k]`` is the objective (eq. logreg-obj) at iterate ``k`` (``history[0]`` at the
    starting point) and ``norms[k]`` is :math:`\\lVert w_k \\rVert`; ``classes`` are the
    original labels mapped to 0 and 1.
    """

    w: np.ndarray
    b: float | None
    history: np.ndarray
    norms: np.ndarray
    n_iter: int
    converged: bool
    classes: np.ndarray


class SoftmaxFit(NamedTuple):
    """Result of :func:`fit_softmax`: ``W`` (d, K), ``b`` (K,) centred to sum to zero."""

    W: np.ndarray
    b: np.ndarray | None
    history: np.ndarray
    n_iter: int
    converged: bool
    classes: np.ndarray


# --------------------------------------------------------------------------- validation
def _check_C(C) -> float:
    if isinstance(C, bool) or not isinstance(C, numbers.Real):
        raise TypeError(f"C must be a real number (np.inf for no penalty), got {C!r}")
    if np.isnan(C) or C <= 0:
        raise ValueError(
            f"C must be > 0 (the inverse regularisation strength; np.inf for no penalty), "
            f"got {C!r}"
        )
    return float(C)


def _check_X(X) -> np.ndarray:
    return as_array(X, "X", ndim=2)


def _check_params(w, b, d: int) -> tuple[np.ndarray, float | None]:
    w = as_array(w, "w", ndim=1)
    if w.shape != (d,):
        raise ValueError(f"w must have shape ({d},) (one weight per column of X), got {w.shape}")
    if b is not None:
        b = float(as_array(b, "b", ndim=0))
    return w, b


def _check_labels01(y, n: int) -> np.ndarray:
    y = as_array(y, "y", ndim=1)
    if len(y) != n:
        raise ValueError(f"X and y must have the same length, got {n} and {len(y)}")
    if not np.all((y == 0) | (y == 1)):
        bad = np.unique(y[(y != 0) & (y != 1)])
        raise ValueError(f"y must contain labels in {{0, 1}} only, got {bad[:5]}")
    return y


def _binary_targets(X, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (X, y) for a binary fit; map the two labels (any sortable type) to 0 and 1."""
    X = _check_X(X)
    classes, y01 = as_labels(y, "y")
    check_same_length(X, y01, "X", "y")
    if len(classes) != 2:
        raise ValueError(
            "y must contain exactly two classes for binary logistic regression, got "
            f"{len(classes)}: {classes[:6]} (use fit_softmax for K classes)"
        )
    return X, y01.astype(float), classes


def _check_fit_options(tol, max_iter) -> tuple[float, int]:
    tol = float(check_positive(tol, "tol"))
    max_iter = int(check_positive(max_iter, "max_iter", integer=True))
    return tol, max_iter


def _penalty_diag(d: int, C: float, intercept: bool) -> np.ndarray:
    """Diagonal of the penalty's Hessian: 1/C on the weights, 0 on the intercept."""
    diag = np.full(d + intercept, 0.0 if np.isinf(C) else 1.0 / C)
    if intercept:
        diag[-1] = 0.0
    return diag


_EPS = float(np.finfo(float).eps)
_RESCALE_ABOVE = 2.0**100  # max |X| above which the fits rescale X (X^T S X would overflow)
_BIG_LOGIT = 1e300  # stands in for a logit beyond float64: sigma and softmax are 0 or 1 there
_NEWTON_MAX_SIZE = 2000  # largest (d + 1) K for which fit_softmax forms the dense Hessian
_NEWTON_MAX_WORK = 3e7  # largest n (d + 1) K (the (n, (d + 1) K) work array of the Hessian)
_RESCALE_ADVICE = ("rescale X (e.g. standardise its columns: the weights scale inversely "
                   "and, for the same fit, C by the square of the scale)")


def _power_of_two_scale(X: np.ndarray) -> tuple[np.ndarray, int]:
    """``(X * 2**-e, e)`` with ``max |X * 2**-e|`` in [1/2, 1) when ``max |X| > 2**100``.

    Scaling by a power of two is exact, so a fit of the scaled inputs with weights
    ``w * 2**e`` and ``C * 4**e`` is the same problem, without the overflow of
    ``X^T S X`` (about ``n max|X|^2``) that inputs of magnitude 1e150 and above cause.
    Otherwise ``(X, 0)``.
    """
    top = max(float(X.max()), -float(X.min()))  # max |X| without a temporary array
    if top <= _RESCALE_ABOVE:
        return X, 0
    e = int(np.frexp(top)[1])
    return np.ldexp(X, -e), e


def _scaled_C(C: float, e: int) -> float:
    """``C * 4**e``, the inverse penalty of the weights ``w * 2**e`` (inf beyond float64).

    An overflow here means a penalty below ``1e-308`` of the weights: negligible."""
    if e == 0 or math.isinf(C):
        return C
    with np.errstate(over="ignore"):
        return float(np.ldexp(C, 2 * e))


def _norm(w: np.ndarray) -> float:
    """``||w||`` without overflow or underflow of the squares (weights of 1e160 and more)."""
    top = float(np.max(np.abs(w), initial=0.0))
    if top == 0.0 or 2.0**-400 < top < 2.0**400:
        return float(np.linalg.norm(w))
    e = math.frexp(top)[1]
    return math.ldexp(float(np.linalg.norm(np.ldexp(w, -e))), e)


_CENTER_RATIO = 16.0  # a column is centred when |mean| > 16 std (only the offset dominates)


def _center_offset_columns(X: np.ndarray, intercept: bool):
    """``(X - mu, mu)`` for the columns whose mean exceeds 16 times their standard
    deviation (``mu`` is 0 elsewhere), or ``(X, None)`` if there are none or no intercept.

    With an intercept the model ``x^T w + b`` equals ``(x - mu)^T w + (b + mu^T w)``, so the
    fit of the centred columns is the same problem. For offset data (``X + 1e8``) it is a
    far better conditioned one: the logits of the raw columns carry a rounding error of
    ``eps |x|^T |w|``, which swamps the gradient and lets a point far from the minimum pass
    for stationary. Ordinary data (means within 16 standard deviations) are left as they are.
    """
    if not intercept:
        return X, None
    mean = X.mean(axis=0)
    with np.errstate(under="ignore"):
        std = X.std(axis=0)
    mu = np.where(np.abs(mean) > _CENTER_RATIO * std, mean, 0.0)
    if not mu.any():
        return X, None
    return X - mu, mu


def _exact_logits(X: np.ndarray, W: np.ndarray, b) -> np.ndarray:
    """``X @ W + b`` without NaN or a spurious infinity from an intermediate overflow.

    If a product or partial sum overflows (``1e200 * 1e200 - 1e200 * 1e200`` is NaN or inf
    in float64 but 0 in fact), the logits are recomputed from ``X`` and ``W`` scaled by powers
    of two and scaled back: an infinity left in the result then means a logit beyond float64
    (whose sigmoid is exactly 0 or 1 in float64), never a NaN.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        Z = X @ W
        if b is not None:
            Z = Z + b
    if np.all(np.isfinite(Z)):
        return Z
    ex = int(np.frexp(float(np.max(np.abs(X))))[1])
    ew = int(np.frexp(float(np.max(np.abs(W))))[1])
    with np.errstate(over="ignore", under="ignore"):
        Xs, Ws = np.ldexp(X, -ex), np.ldexp(W, -ew)
        Zs = Xs @ Ws  # |entries| <= d: no overflow
        bound = np.abs(Xs) @ np.abs(Ws)
        if b is not None:
            bs = np.ldexp(b, -(ex + ew))
            Zs, bound = Zs + bs, bound + np.abs(bs)
        Z = np.ldexp(Zs, ex + ew)
    # an infinite logit whose size does not exceed its own rounding error (cancellation:
    # the error eps sum_j |x_ij w_j| is itself beyond float64) has no determined value
    undetermined = np.isinf(Z) & (np.abs(Zs) <= 2.0 * (X.shape[1] + 2) * _EPS * bound)
    if undetermined.any():
        raise NumericalError(
            f"the logits X w + b of {int(np.sum(undetermined))} sample(s) cannot be computed "
            f"in float64: the products x_ij w_j overflow and cancel, so even their rounding "
            f"error exceeds the float64 range; {_RESCALE_ADVICE}")
    return Z


def _clip_logits(Z: np.ndarray) -> np.ndarray:
    """Replace logits beyond float64 (+-inf) by +-1e300, which give the same probabilities.

    For softmax logits, a row with two +inf, or only -inf, has no determined probabilities
    in float64: :class:`NumericalError`.
    """
    inf = np.isinf(Z)
    if not inf.any():
        return Z
    if Z.ndim == 2:
        ambiguous = (np.sum(Z == np.inf, axis=1) >= 2) | np.all(Z == -np.inf, axis=1)
        if ambiguous.any():
            raise NumericalError(
                f"the logits X W + b of {int(ambiguous.sum())} sample(s) overflow float64 in "
                f"two or more classes (or all of them), so their softmax is undetermined; "
                f"{_RESCALE_ADVICE}")
    return np.clip(Z, -_BIG_LOGIT, _BIG_LOGIT)


def _binary_floor(X, y01, w, b, C, z) -> np.ndarray:
    """Rounding-error bound of the computed gradient of eq. (logreg-obj), per coordinate.

    The gradient :math:`\\sum_i x_{ij}(p_i - y_i)` is computed with an absolute error of
    about :math:`\\varepsilon\\sum_i |x_{ij}|\\,(1 + s_i a_i + |p_i - y_i|\\log_2 n)`, with
    :math:`a_i = |x_i|^\\top|w| + |b|` bounding the rounding of the logit and :math:`s_i` the
    sigmoid's slope; four times that bound is returned. A gradient below it is zero to
    working precision: no float64 computation can certify more.
    """
    n = len(z)
    absX = np.abs(X)
    s = expit(z) * expit(-z)
    a = absX @ np.abs(w) + (0.0 if b is None else abs(b))
    r = np.abs(expit(z) - y01)
    e = _EPS * (1.0 + s * a + r * np.log2(n + 1.0))
    floor = e @ absX
    if not math.isinf(C):
        floor = floor + _EPS * np.abs(w) / C
    if b is not None:
        floor = np.append(floor, e.sum())
    return 4.0 * floor


def _abs_stats(Xt: np.ndarray) -> tuple[np.ndarray, float]:
    """``(n max_i |x_ij|, max |x_ij|)``, upper bounds of ``(sum_i |x_ij|, max |x_ij|)`` for the
    cheap bound of the rounding floor (two reductions, no temporary array)."""
    col = np.maximum(Xt.max(axis=0, initial=0.0), -Xt.min(axis=0, initial=0.0))
    return len(Xt) * col, float(col.max(initial=0.0))


def _floor_bound(stats, Theta, C, d: int, n: int, intercept: bool) -> np.ndarray:
    r"""An upper bound of :func:`_binary_floor` / :func:`_softmax_floor` in O(d K).

    With :math:`s_i \le 1/4` (binary; the softmax terms are bounded by 1),
    :math:`|p_i - y_i| \le 1` and :math:`a_i \le \max|x| \sum_j \max_k|\Theta_{jk}|`, each
    coordinate's floor is at most :math:`4\varepsilon\,(1 + a_{\max} + \log_2(n+1))
    \sum_i |x_{ij}|` (plus the penalty term), and ``stats`` bounds the sums by
    :math:`n \max_i |x_{ij}|`. A gradient above this bound is above the floor,
    so the exact floor (an O(n d) pass) is only computed near convergence.
    """
    colsum, xmax = stats
    T = np.abs(Theta).reshape(len(colsum), -1)
    a_max = xmax * float(T.max(axis=1).sum())
    factor = _EPS * (1.0 + a_max + math.log2(n + 1.0))
    bound = np.outer(colsum, np.ones(T.shape[1])) * factor
    if not math.isinf(C):
        bound[:d] += _EPS * T[:d] / C
    bound = 4.0 * bound
    return bound.ravel() if T.shape[1] == 1 else bound


def _gradient_test(g, floor_fn, scale, n: int, tol: float, bound_fn=None
                   ) -> tuple[bool, float]:
    """Is the gradient ``g`` (of the scaled problem) zero to ``tol``? Returns (ok, measure).

    ``g_j / scale_j`` is the gradient in the caller's units; ``ok`` when every coordinate has
    ``|g_j| / scale_j / n <= tol``, or is within its rounding-error bound ``floor_fn()``
    (computed only when needed, and not at all when a coordinate exceeds the cheap upper
    bound ``bound_fn()`` of that floor). ``measure`` is ``max_j |g_j| / scale_j / n``.
    """
    with np.errstate(over="ignore"):
        measure = float(np.max(np.abs(g) / scale)) / n
    if not np.all(np.isfinite(g)):
        return False, math.inf
    if measure <= tol:
        return True, measure
    threshold = n * tol * np.asarray(scale)
    if bound_fn is not None and np.any(np.abs(g) > np.maximum(threshold, bound_fn())):
        return False, measure
    ok = bool(np.all(np.abs(g) <= np.maximum(threshold, floor_fn())))
    return ok, measure


def _separated(X, y01, C, intercept: bool, known: bool) -> bool:
    """Binary fits with ``C = inf``: are the classes separable (``known`` already, or
    quasi-completely by :func:`_separation_certificate`, which then warns)? Two frames below
    the caller of the public function."""
    if known or not np.isinf(C):
        return known
    Xt = X if not intercept else np.column_stack([X, np.ones(len(X))])
    if _separation_certificate(Xt, y01.astype(int), 2):
        warnings.warn(_QUASI_SEPARATION_MSG, SeparationWarning, stacklevel=4)
        return True
    return False


def _separation_certificate(Xt: np.ndarray, labels: np.ndarray, K: int) -> bool:
    """True if the classes are (completely or quasi-completely) linearly separable.

    Solves the linear programme of Albert and Anderson (1984): find a direction :math:`D`
    (``(m, K)``, entries in [-1, 1]) with every margin
    :math:`\\tilde x_i^\\top(D_{y_i} - D_k) \\ge 0` (``k != y_i``) and the largest sum of
    margins. A direction with all margins >= 0 and some > 0 is one along which the
    unpenalised loss never increases and decreases somewhere: no maximum-likelihood estimate
    exists. Columns of ``Xt`` are first scaled to a maximum of about 1 (powers of two).
    """
    n, m = Xt.shape
    top = np.max(np.abs(Xt), axis=0)
    exps = np.where(top > 0, np.frexp(np.where(top > 0, top, 1.0))[1], 0)
    Xs = np.ldexp(Xt, -exps)
    others = np.array([[k for k in range(K) if k != c] for c in range(K)])[labels]  # (n, K-1)
    rows = np.repeat(np.arange(n * (K - 1)), 2 * m)
    i = np.repeat(np.arange(n), K - 1)
    kk = others.ravel()
    yy = labels[i]
    j = np.tile(np.arange(m), (n * (K - 1), 1))
    cols = np.concatenate([j * K + yy[:, None], j * K + kk[:, None]], axis=1).ravel()
    vals = np.concatenate([Xs[i], -Xs[i]], axis=1).ravel()
    A = sparse.csr_array((vals, (rows, cols)), shape=(n * (K - 1), m * K))
    res = optimize.linprog(-np.asarray(A.sum(axis=0)).ravel(), A_ub=-A,
                           b_ub=np.zeros(n * (K - 1)), bounds=(-1.0, 1.0), method="highs")
    if res.status != 0:
        return False
    margins = A @ res.x
    return bool(margins.min() >= -1e-7 and margins.max() >= 1e-3)


# --------------------------------------------------------------------------- the sigmoid
def sigmoid(z):
    r"""The logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, elementwise.

    Parameters
    ----------
    z : float or array_like
        Logits.

    Returns
    -------
    float or ndarray
        Values in [0, 1]; ``scipy.special.expit``, which never overflows.

    Notes
    -----
    Eq. (logreg-sigmoid) of the chapter.

    Examples
    --------
    >>> sigmoid(0.0)
    0.5
    >>> sigmoid([-1000.0, 1000.0])
    array([0., 1.])
    """
    z = as_array(z, "z")
    out = expit(z)
    return float(out) if out.ndim == 0 else out


def sigmoid_derivative(z):
    r"""The derivative :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z)) = \sigma(z)\sigma(-z)`.

    Parameters
    ----------
    z : float or array_like
        Logits.

    Returns
    -------
    float or ndarray
        Values in (0, 1/4].

    Notes
    -----
    Eq. (logreg-sigmoid-deriv). The product :math:`\sigma(z)\sigma(-z)` keeps the relative
    accuracy for large :math:`|z|` (about :math:`e^{-|z|}`), where
    :math:`\sigma(z)(1 - \sigma(z))` would round to 0 from :math:`|z| \approx 37` on.

    Examples
    --------
    >>> sigmoid_derivative(0.0)
    0.25
    """
    z = as_array(z, "z")
    out = expit(z) * expit(-z)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- binary model
def _logits(X, w, b):
    z = X @ w
    return z if b is None else z + b


def _objective(X, y, w, b, C, z=None) -> float:
    z = _logits(X, w, b) if z is None else z
    # sum_i l_i (mle-bce, reused from foundations.mle_kl) + |w|^2 / (2C)
    nll = mle_kl.binary_cross_entropy(y, z, reduction="sum")
    return nll if np.isinf(C) else nll + 0.5 * float(w @ w) / C


def _gradient(X, y, w, b, C, z=None) -> np.ndarray:
    z = _logits(X, w, b) if z is None else z
    r = mle_kl.binary_cross_entropy_grad(y, z)  # p - y                  (mle-bce-grad)
    g_w = r @ X  # X^T (p - y), as a row vector times X (faster than X.T @ r)  (logreg-grad)
    if not np.isinf(C):
        g_w = g_w + w / C  # + w / C                                      (logreg-grad-l2)
    return g_w if b is None else np.append(g_w, r.sum())


def _weighted_gram(X, s, intercept: bool, C, work=None) -> np.ndarray:
    """[X, 1]^T diag(s) [X, 1] + Lambda, by one symmetric BLAS product."""
    n, d = X.shape
    m = d + intercept  # the intercept is a column of ones
    # X~^T S X~ = A^T A with A = S^(1/2) X~: one symmetric BLAS product (syrk), half the
    # flops of (X * s[:, None]).T @ X; `work` is an optional (n, m) buffer reused by IRLS
    A = np.empty((n, m)) if work is None else work
    root = np.sqrt(s)
    np.multiply(X, root[:, None], out=A[:, :d])
    if intercept:
        A[:, d] = root
    H = A.T @ A  # X~^T S X~                                               (logreg-hess)
    H[np.diag_indices_from(H)] += _penalty_diag(d, C, intercept)  # + Lambda  (logreg-hess-l2)
    return H


def _hessian(X, w, b, C, z=None, work=None) -> np.ndarray:
    z = _logits(X, w, b) if z is None else z
    s = expit(z) * expit(-z)  # s_i = p_i (1 - p_i)                 (logreg-sigmoid-deriv)
    return _weighted_gram(X, s, b is not None, C, work)


def objective(w, b, X, y, *, C=np.inf) -> float:
    r"""The penalised negative log-likelihood :math:`E(w, b)` of eq. (logreg-obj).

    Parameters
    ----------
    w : array_like, shape (d,)
        Weights.
    b : float or None
        Intercept; ``None`` for a model without one.
    X : array_like, shape (n, d)
        Inputs.
    y : array_like, shape (n,)
        Labels in {0, 1}.
    C : float, default np.inf
        Inverse regularisation strength (> 0); ``np.inf`` gives the plain negative
        log-likelihood.

    Returns
    -------
    float
        :math:`\sum_i E_i + \lVert w\rVert^2 / (2C)`.

    Raises
    ------
    ValueError
        If shapes disagree, an input is NaN or infinite, ``y`` is not in {0, 1}, or
        ``C <= 0``.

    Notes
    -----
    Eq. (logreg-nll) plus the penalty of eq. (logreg-obj), with the per-sample cross-entropy

    .. math::
        E_i = -\bigl[y_i\log\sigma(z_i) + (1 - y_i)\log\sigma(-z_i)\bigr]

    computed by ``mle_kl.binary_cross_entropy`` from the logits (``log_expit``), so
    :math:`z = \pm 1000` gives a finite loss.

    Examples
    --------
    >>> round(objective([0.0], 0.0, [[1.0], [2.0]], [0, 1]), 6)  # 2 log 2
    1.386294
    """
    X = _check_X(X)
    w, b = _check_params(w, b, X.shape[1])
    y = _check_labels01(y, len(X))
    C = _check_C(C)
    z = _exact_logits(X, w, b)
    wrong = ((z == np.inf) & (y == 0)) | ((z == -np.inf) & (y == 1))
    if wrong.any():
        raise NumericalError(
            f"the objective is beyond float64: the logits X w + b of {int(wrong.sum())} "
            f"misclassified sample(s) overflow (each adds |z_i| to the loss); {_RESCALE_ADVICE}")
    f = _objective(X, y, w, b, C, _clip_logits(z))
    check_finite_result(f, "the objective", f"it exceeds the float64 range; {_RESCALE_ADVICE}")
    return f


def gradient(w, b, X, y, *, C=np.inf) -> np.ndarray:
    r"""Gradient of :math:`E(w, b)` (eq. logreg-obj), intercept last.

    Parameters
    ----------
    w, b, X, y, C
        As in :func:`objective`.

    Returns
    -------
    ndarray, shape (d + 1,) or (d,)
        :math:`\bigl(X^\top(p - y) + w/C,\; \sum_i (p_i - y_i)\bigr)`; without the last
        entry when ``b`` is None.

    Raises
    ------
    ValueError
        As :func:`objective`.

    Notes
    -----
    Eq. (logreg-grad) :math:`\nabla_w \sum_i E_i = X^\top(p - y)`, plus the penalty's
    :math:`w/C` (eq. logreg-grad-l2); the intercept is the weight of a column of ones.

    Examples
    --------
    >>> gradient([0.0], 0.0, [[1.0], [2.0]], [0, 1])
    array([-0.5,  0. ])
    """
    X = _check_X(X)
    w, b = _check_params(w, b, X.shape[1])
    y = _check_labels01(y, len(X))
    C = _check_C(C)
    with np.errstate(over="ignore", invalid="ignore"):
        g = _gradient(X, y, w, b, C, _clip_logits(_exact_logits(X, w, b)))
    check_finite_result(g, "the gradient", f"it exceeds the float64 range; {_RESCALE_ADVICE}")
    return g


def hessian(w, b, X, y=None, *, C=np.inf) -> np.ndarray:
    r"""Hessian of :math:`E(w, b)` (eq. logreg-obj), intercept last.

    Parameters
    ----------
    w, b, X, C
        As in :func:`objective`.
    y : array_like, shape (n,), optional
        Ignored (the Hessian does not depend on the labels); accepted so that
        ``hessian(w, b, X, y)`` reads like ``gradient(w, b, X, y)``.

    Returns
    -------
    ndarray, shape (d + 1, d + 1) or (d, d)
        :math:`[X, 1]^\top S\, [X, 1] + \mathrm{diag}(1/C, \dots, 1/C, 0)`: symmetric positive
        semi-definite (definite for finite ``C`` and data that are not degenerate).

    Raises
    ------
    ValueError
        As :func:`objective`.

    Notes
    -----
    Eq. (logreg-hess) :math:`\nabla^2_w \sum_iE_i = X^\top S X` with
    :math:`S = \mathrm{diag}(\sigma'(z_i))`, formed as :math:`A^\top A` with
    :math:`A = S^{1/2}X` (one symmetric BLAS product, no ``n x n`` diagonal matrix), plus
    :math:`I/C` on the weights (eq. logreg-hess-l2).

    Examples
    --------
    >>> hessian([0.0], None, [[1.0], [2.0]])  # (1 + 4) / 4
    array([[1.25]])
    """
    X = _check_X(X)
    w, b = _check_params(w, b, X.shape[1])
    if y is not None:
        _check_labels01(y, len(X))
    C = _check_C(C)
    with np.errstate(over="ignore", invalid="ignore"):
        H = _hessian(X, w, b, C, _clip_logits(_exact_logits(X, w, b)))
    check_finite_result(H, "the Hessian X^T S X",
                        f"it exceeds the float64 range (max |X| = "
                        f"{float(np.max(np.abs(X))):.3g}, and the entries are about "
                        f"n max|X|^2 / 4); {_RESCALE_ADVICE}")
    return H


def predict_proba(w, b, X) -> np.ndarray:
    r"""Probabilities of class 1, :math:`\sigma(Xw + b)`.

    Parameters
    ----------
    w : array_like, shape (d,)
    b : float or None
    X : array_like, shape (n, d)

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> predict_proba([1.0], 0.0, [[0.0]])
    array([0.5])
    """
    X = _check_X(X)
    w, b = _check_params(w, b, X.shape[1])
    return expit(_exact_logits(X, w, b))  # an infinite logit gives exactly 0 or 1


# --------------------------------------------------------------------------- Newton / IRLS
def _solve_spd(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve H x = g by Cholesky; H is symmetric positive (semi-)definite."""
    try:
        return linalg.cho_solve(linalg.cho_factor(H, lower=True, check_finite=False), g,
                                check_finite=False)
    except linalg.LinAlgError:
        # singular to working precision (a flat direction): a tiny ridge keeps the step finite
        jitter = 1e-10 * max(float(np.trace(H)) / len(H), np.finfo(float).tiny)
        H = H + jitter * np.eye(len(H))
        return linalg.cho_solve(linalg.cho_factor(H, lower=True, check_finite=False), g,
                                check_finite=False)


def newton_step(w, b, X, y, *, C=np.inf):
    r"""One Newton (IRLS) step on :math:`E(w, b)`, without line search.

    Parameters
    ----------
    w, b, X, y, C
        As in :func:`objective`.

    Returns
    -------
    NewtonStep
        ``(w, b)``: ``w`` of shape (d,), ``b`` a float or None.

    Notes
    -----
    Eq. (logreg-newton):
    :math:`\theta_{t+1} = \theta_t - H^{-1}\nabla E(\theta_t)`, solved with a Cholesky
    factorisation of the Hessian (no inverse), which is IRLS's weighted least-squares step
    with weights :math:`s_i` and working responses :math:`z_i + (y_i - p_i)/s_i`.

    Examples
    --------
    >>> w, b = newton_step([0.0], None, [[1.0], [-1.0]], [1, 0], C=1.0)
    >>> round(float(w[0]), 6)  # 1 / (1/2 + 1)
    0.666667
    """
    X = _check_X(X)
    w, b = _check_params(w, b, X.shape[1])
    y = _check_labels01(y, len(X))
    C = _check_C(C)
    z = _clip_logits(_exact_logits(X, w, b))
    with np.errstate(over="ignore", invalid="ignore"):
        H = _hessian(X, w, b, C, z)
        g = _gradient(X, y, w, b, C, z)
    why = (f"X^T S X or X^T (p - y) exceeds the float64 range (max |X| = "
           f"{float(np.max(np.abs(X))):.3g}); {_RESCALE_ADVICE}, or use irls, which rescales "
           f"X internally")
    check_finite_result(H, "the Hessian of the Newton step", why)
    check_finite_result(g, "the gradient of the Newton step", why)
    delta = -_solve_spd(H, g)
    w_new = w + delta if b is None else w + delta[:-1]
    check_finite_result(w_new, "the Newton step", "the Hessian is singular to working "
                        "precision (separable data without a penalty?); use a finite C")
    if b is None:
        return NewtonStep(w_new, None)
    return NewtonStep(w_new, b + float(delta[-1]))


def _separates(y01: np.ndarray, z: np.ndarray) -> bool:
    """True if the logits classify every sample correctly (complete separation)."""
    return bool(np.all(np.where(y01 == 1, z, -z) > 0))


_SEPARATION_MSG = (
    "the two classes are linearly separable (every training sample is classified correctly): "
    "the unpenalised likelihood has no maximum and the weights diverge; the returned weights "
    "are finite only because the iterations stopped. Use a finite C (L2 penalty)."
)
_SOFTMAX_SEPARATION_MSG = (
    "the classes are linearly separable (every training sample's own class has the largest "
    "logit): the unpenalised likelihood has no maximum and the weights diverge; the returned "
    "weights are finite only because the iterations stopped, so converged is False. Use a "
    "finite C (L2 penalty)."
)
_QUASI_SEPARATION_MSG = (
    "the classes are quasi-completely separable (a linear programme finds a direction along "
    "which no training sample's loss increases and some decrease): the unpenalised "
    "likelihood has no maximum and some weights diverge; the returned weights are finite "
    "only because the iterations stopped, so converged is False. Use a finite C (L2 penalty)."
)


def irls(X, y, *, C=1.0, fit_intercept=True, tol=1e-8, max_iter=100) -> LogisticFit:
    r"""Fit binary logistic regression by Newton's method (IRLS) with Cholesky solves.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs (finite).
    y : array_like, shape (n,)
        Labels: exactly two distinct values of any type ``np.unique`` can sort (strings
        included); the larger one is class 1 (as in scikit-learn).
    C : float, default 1.0
        Inverse regularisation strength, > 0 (scikit-learn's ``C``); ``np.inf``: none.
    fit_intercept : bool, default True
        Fit an unpenalised intercept ``b``.
    tol : float, default 1e-8
        Stop when :math:`\max_j |\partial E / \partial\theta_j| / n \le` ``tol``, the
        criterion of scikit-learn's lbfgs solver (whose objective is ours divided by
        :math:`n`), or when the Newton decrement reaches rounding level. ``converged`` is
        this test on the returned ``(w, b)`` (a coordinate within the rounding-error bound
        of the computed gradient also passes), never "the step was small". With
        ``C = np.inf`` on separable classes (complete, or quasi-complete by a linear
        programme), ``converged`` is False: no minimiser exists. Inputs with
        ``max |X| > 2**100`` are rescaled internally by a power of two (exactly), so
        ``X^T S X`` cannot overflow.
    max_iter : int, default 100
        Maximum number of Newton steps.

    Returns
    -------
    LogisticFit
        ``w``, ``b`` (None without intercept), ``history`` of the objective (eq. logreg-obj),
        ``norms`` of ``w``, ``n_iter``, ``converged`` and the two ``classes``.

    Raises
    ------
    ValueError
        If ``X`` is not 2-D or has NaN/inf, ``X`` and ``y`` differ in length, ``y`` does not
        have exactly two classes, or ``C <= 0``.
    TypeError
        If ``fit_intercept`` is not a bool, or the labels cannot be sorted.

    Warns
    -----
    SeparationWarning
        With ``C = np.inf``, when an iterate classifies every sample correctly: then no
        maximum-likelihood estimate exists (the weights diverge) and the fit stops.
    ConvergenceWarning
        If ``max_iter`` steps do not reach ``tol``.

    Notes
    -----
    The start is the usual one of GLM software (McCullagh and Nelder 1989; R's ``glm``): the
    fitted probabilities :math:`\mu_0 = (y + 1/2)/2` and one weighted least-squares fit of
    eq. (logreg-irls) to their working response (a ridge fit for finite ``C``); it is about
    one Newton step closer to the optimum than :math:`\theta = 0`. ``history[0]`` is the
    objective there. Each step then solves eq. (logreg-newton),

    .. math::
        \bigl(\tilde X^\top S \tilde X + \Lambda\bigr)\,\delta
            = -\bigl(\tilde X^\top(p - y) + \Lambda\theta\bigr),
        \qquad \tilde X = [X, 1],\; \Lambda = \mathrm{diag}(1/C, \dots, 1/C, 0),

    by a Cholesky factorisation, then backtracks (halves the step) until the objective
    decreases enough (Armijo), which makes the method monotone; the full step is accepted
    near the minimum, where convergence is quadratic. With an intercept, columns whose mean
    exceeds 16 times their standard deviation (offset data such as ``X + 1e8``) are fitted
    centred, with the intercept moved back by :math:`\mu^\top w` at the end: the same model,
    whose gradient test is not swamped by the rounding of the raw logits. Once the
    predicted decrease :math:`-\nabla E^\top\delta` is at rounding level, the last full step
    is taken and the fit stops.

    Examples
    --------
    >>> fit = irls([[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1], C=10.0)
    >>> fit.converged, fit.n_iter <= 10
    (True, True)
    """
    return _irls(X, y, C, fit_intercept, tol, max_iter, warn=True)[0]


def _irls(X, y, C, fit_intercept, tol, max_iter, *, warn: bool):
    """:func:`irls`; also returns the final measure ``max |grad| / n`` (for the estimator)."""
    X, y01, classes = _binary_targets(X, y)
    C = _check_C(C)
    tol, max_iter = _check_fit_options(tol, max_iter)
    intercept = check_bool(fit_intercept, "fit_intercept")
    n, d = X.shape
    # inputs of magnitude 1e150 and more: fit X 2^-e with weights w 2^e and C 4^e, the same
    # problem exactly (powers of two), whose Hessian X^T S X does not overflow
    X, e = _power_of_two_scale(X)
    Cs = _scaled_C(C, e)
    scale = np.full(d + intercept, np.ldexp(1.0, -e))  # d theta_caller / d theta_scaled
    if intercept:
        scale[-1] = 1.0
    # columns whose mean dwarfs their spread (X + 1e8) are centred, x - mu with b + mu^T w:
    # the same model, without the rounding of the logits that would swamp the gradient
    X, mu = _center_offset_columns(X, intercept)
    work = np.empty((n, d + intercept))  # S^(1/2) X~, reused by every Hessian
    # Start as GLM software does (McCullagh & Nelder; R's glm): from the fitted probabilities
    # mu0 = (y + 1/2) / 2, one weighted least-squares fit (eq. logreg-irls) to the working
    # response r0 = logit(mu0) + (y - mu0) / s0 with the weights s0 = mu0 (1 - mu0) = 3/16
    s0 = np.full(n, 3.0 / 16.0)
    r0 = (2.0 * y01 - 1.0) * (np.log(3.0) + 4.0 / 3.0)
    rhs = s0 * r0 @ X if not intercept else np.append(s0 * r0 @ X, s0 @ r0)
    theta = _solve_spd(_weighted_gram(X, s0, intercept, Cs, work), rhs)
    w, b = (theta[:-1], float(theta[-1])) if intercept else (theta, None)
    z = _logits(X, w, b)
    f = _objective(X, y01, w, b, Cs, z)
    history, norms = [f], [_norm(w) * scale[0]]

    stats = _abs_stats(X)
    if intercept:  # the intercept's column of ones
        stats = (np.append(stats[0], float(n)), max(stats[1], 1.0))

    def bound():  # cheap upper bound of the rounding floor
        theta = w if b is None else np.append(w, b)
        return _floor_bound(stats, theta, Cs, d, n, intercept)

    def stationary():  # the convergence test, on the current iterate
        return _gradient_test(g, lambda: _binary_floor(X, y01, w, b, Cs, z), scale, n, tol,
                              bound)[0]

    separated = failed_search = False
    for n_iter in range(max_iter + 1):
        g = _gradient(X, y01, w, b, Cs, z)
        if stationary():
            break
        if np.isinf(C) and _separates(y01, z):
            warnings.warn(_SEPARATION_MSG, SeparationWarning, stacklevel=3)
            separated = True
            break
        if n_iter == max_iter:
            break
        # (X~^T S X~ + Lambda) delta = -grad, by Cholesky                 (logreg-newton)
        delta = -_solve_spd(_hessian(X, w, b, Cs, z, work), g)
        decrement = -float(g @ delta)  # Newton decrement squared, >= 0
        # at rounding level the objective cannot judge a step: take the full (quadratically
        # convergent) Newton step and stop; the gradient test below judges the result
        final = decrement <= 1e3 * _EPS * (abs(f) + 1.0)
        dw, db = (delta, 0.0) if b is None else (delta[:-1], float(delta[-1]))
        dz = X @ dw + db
        t = 1.0
        while True:  # backtracking (Armijo) line search; t = 1 near the minimum
            z_new, w_new = z + t * dz, w + t * dw
            f_new = _objective(X, y01, w_new, None if b is None else b + t * db, Cs, z_new)
            if final or f_new <= f - 1e-4 * t * decrement or t < 1e-10:
                break
            t *= 0.5
        if not final and not f_new <= f:  # the line search failed: rounding dominates
            failed_search = True
            break
        w, z, f = w_new, z_new, f_new
        b = None if b is None else b + t * db
        history.append(f)
        norms.append(_norm(w) * scale[0])
        if final:
            g = _gradient(X, y01, w, b, Cs, z)
            break
    # converged: the gradient test on the returned (w, b), never "the step was small"
    ok, measure = _gradient_test(g, lambda: _binary_floor(X, y01, w, b, Cs, z), scale, n, tol)
    separated = _separated(X, y01, C, intercept, separated)
    if separated:
        converged = False  # no minimiser exists: no returned point is a solution
    else:
        advice = ("the line search failed to decrease the objective (rounding dominates: "
                  "rescale X or use a finite C)" if failed_search else
                  "raise max_iter, or use a finite C if the classes are nearly separable")
        converged = ok or report("IRLS", measure="max |gradient| / n", value=measure, tol=tol,
                           n_iter=len(history) - 1, max_iter=max_iter, advice=advice,
                           warn=warn, stacklevel=4)
    if mu is not None:  # back to the caller's columns: b = b_centred - mu^T w
        b = b - float(mu @ w)
    w = np.ldexp(w, -e) if e else w
    check_finite_result(w, "the IRLS weights", _RESCALE_ADVICE)
    fit = LogisticFit(w, b, np.array(history), np.array(norms), len(history) - 1, converged,
                      classes)
    return fit, measure, separated


def textbook_irls(X, y, *, C=1.0, fit_intercept=True, tol=1e-8, max_iter=100) -> LogisticFit:
    r"""Newton's method (IRLS) for binary logistic regression as the chapter derives it: a
    loop whose lines are the equations (their labels are in the comments).

    The plain version of :func:`irls`, with the same arguments, stopping rule and result.
    :func:`irls` computes the same weights (the tests check it to ``1e-8``) with safeguards
    this version leaves out: it starts from a least-squares fit (as GLM software does)
    instead of zero, halves a step that does not decrease the objective (Armijo), accepts a
    gradient within its rounding-error bound, rescales inputs beyond ``2**100`` by a power of
    two, centres offset columns, forms the Hessian by one symmetric BLAS product, and
    detects quasi-complete separation by a linear programme.

    Parameters
    ----------
    X, y, C, fit_intercept, tol, max_iter
        As in :func:`irls`: stop when :math:`\max_j |\partial E/\partial\theta_j| / n \le`
        ``tol``, after at most ``max_iter`` Newton steps from :math:`\theta = 0`.

    Returns
    -------
    LogisticFit
        As :func:`irls`; ``history[0]`` is the objective at :math:`\theta = 0`.

    Raises
    ------
    TypeError, ValueError
        As :func:`irls`.
    derivlib.NumericalError (a ValueError)
        If the gradient or the Hessian overflows float64 (inputs beyond about ``1e150``):
        use :func:`irls`, which rescales.

    Warns
    -----
    SeparationWarning
        With ``C = np.inf``, when an iterate classifies every sample correctly: no minimiser
        exists (theorem ``logreg-thm-separation``), and ``converged`` is False.
    ConvergenceWarning
        If the gradient test fails after ``max_iter`` steps, or a Newton step cannot be
        taken (a singular Hessian, logits that overflow); ``converged`` is then False.

    Examples
    --------
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]
    >>> plain, fast = textbook_irls(X, y, C=10.0), irls(X, y, C=10.0)
    >>> plain.converged, bool(np.allclose(plain.w, fast.w, rtol=1e-8))
    (True, True)
    """
    X, y, classes = _binary_targets(X, y)  # the two labels as 0 and 1
    C = _check_C(C)
    tol, max_iter = _check_fit_options(tol, max_iter)
    intercept = check_bool(fit_intercept, "fit_intercept")
    n, d = X.shape
    # the intercept is the weight of a column of ones: X~ = [X, 1], theta = (w, b)
    X_tilde = np.column_stack([X, np.ones(n)]) if intercept else X
    # Lambda = diag(1/C, ..., 1/C, 0): the penalty on the weights, none on the intercept
    Lam = np.diag(_penalty_diag(d, C, intercept))
    theta = np.zeros(d + intercept)
    z = X_tilde @ theta  # z_n = w^T x_n + b, the logits                   (logreg-sigmoid)
    history, norms, failure = [], [], None
    for n_iter in range(max_iter + 1):
        p = expit(z)  # p_n = sigma(z_n)                                      (logreg-sigmoid)
        # L = sum_n [log(1 + e^(z_n)) - y_n z_n] + |w|^2 / (2C)      (logreg-nll, logreg-obj)
        history.append(float(np.sum(np.logaddexp(0, z) - y * z) + theta @ Lam @ theta / 2))
        norms.append(float(np.linalg.norm(theta[:d])))
        g = X_tilde.T @ (p - y) + Lam @ theta  # X~^T (p - y) + Lambda theta  (logreg-grad-l2)
        if np.isinf(C) and np.all((2 * y - 1) * z > 0):  # every sample on its own side:
            warnings.warn(_SEPARATION_MSG, SeparationWarning, stacklevel=2)
            break  # no minimiser, the weights diverge                (logreg-thm-separation)
        if np.max(np.abs(g)) / n <= tol or n_iter == max_iter:
            break  # stationary (the stopping rule of irls), or out of steps
        s = p * (1 - p)  # s_n = p_n (1 - p_n)                                (logreg-dloss)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
            H = X_tilde.T @ (s[:, None] * X_tilde) + Lam  # X~^T S X~ + Lambda  (logreg-hess-l2)
        check_finite_result(np.append(g, H), "the gradient or the Hessian X~^T S X~",
                            "the squares of X exceed float64; use irls, which rescales X")
        try:  # theta_{t+1} = theta_t - H^{-1} grad L(theta_t), by a solve    (logreg-newton)
            theta_new = theta - np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            failure = "the Hessian is singular; use a finite C, or irls"
            break
        z_new = X_tilde @ theta_new
        if not np.all(np.isfinite(z_new)):
            failure = "the Newton step made the logits overflow; use a finite C, or irls"
            break
        theta, z = theta_new, z_new
    separated = bool(np.isinf(C) and np.all((2 * y - 1) * z > 0))
    converged = not separated and report(
        "textbook_irls (Newton)", measure="max |gradient| / n", value=float(np.max(np.abs(g))) / n,
        tol=tol, n_iter=n_iter, max_iter=max_iter, advice=failure or "raise max_iter")
    w, b = (theta[:d], float(theta[d])) if intercept else (theta, None)
    return LogisticFit(w, b, np.array(history), np.array(norms), n_iter, converged, classes)


def gradient_descent(X, y, *, C=1.0, fit_intercept=True, eta=None, tol=1e-6, max_iter=1000,
                     warn=True) -> LogisticFit:
    r"""Fit binary logistic regression by gradient descent with a fixed step.

    Parameters
    ----------
    X, y, C, fit_intercept
        As in :func:`irls`.
    eta : float, optional
        Step size; by default :math:`1/\Lambda_{\max}` with the Lipschitz constant
        :math:`\Lambda_{\max} = \lVert[X, 1]\rVert_2^2/4 + 1/C` of the gradient, which
        guarantees a monotone decrease.
    tol : float, default 1e-6
        Stop when :math:`\max_j |\partial E/\partial\theta_j| / n \le` ``tol``.
    max_iter : int, default 1000
    warn : bool, default True
        Emit :class:`ConvergenceWarning` when ``max_iter`` is reached (the chapter runs a
        fixed budget on purpose and turns it off).

    Returns
    -------
    LogisticFit
        With the whole ``history`` of the objective and of :math:`\lVert w\rVert`.

    Raises
    ------
    ValueError
        As :func:`irls`, or if ``eta <= 0``, or if ``eta`` is so large that the weights or the
        objective overflow (the message gives the stability bound :math:`2/\Lambda_{\max}`):
        no NaN is ever returned.
    TypeError
        If ``fit_intercept`` or ``warn`` is not a bool.

    Warns
    -----
    SeparationWarning
        Once, with ``C = np.inf``, when an iterate separates the classes; the iterations go
        on (the losses stay finite) and the norm of ``w`` keeps growing, like
        :math:`\log t`.
    ConvergenceWarning
        If ``max_iter`` steps do not reach ``tol`` (and ``warn`` is true).

    Notes
    -----
    Eq. (logreg-gd): :math:`\theta_{t+1} = \theta_t - \eta\,\nabla E(\theta_t)` with the gradient
    of eq. (logreg-grad).

    Examples
    --------
    >>> fit = gradient_descent([[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1], C=10.0)
    >>> bool(np.all(np.diff(fit.history) <= 0))
    True
    """
    X, y01, classes = _binary_targets(X, y)
    C = _check_C(C)
    tol, max_iter = _check_fit_options(tol, max_iter)
    n, d = X.shape
    intercept = check_bool(fit_intercept, "fit_intercept")
    warn = check_bool(warn, "warn")
    return _gradient_descent(X, y01, classes, C, intercept, eta, tol, max_iter, warn)[0]


def _gradient_descent(X, y01, classes, C, intercept, eta, tol, max_iter, warn):
    """:func:`gradient_descent` on validated input; also returns the measure and separation."""
    n, d = X.shape
    if eta is None:
        with np.errstate(over="ignore"):
            L = _gd_lipschitz(X, C, intercept)
        if not np.isfinite(L):
            raise NumericalError(
                f"the default step 1/L is 0 in float64: the Lipschitz constant L = "
                f"||[X, 1]||^2 / 4 + 1/C overflows (max |X| = {float(np.max(np.abs(X))):.3g}); "
                f"{_RESCALE_ADVICE}, or use irls, which rescales X internally")
        eta = 1.0 / L
    eta = float(check_positive(eta, "eta"))
    w, b = np.zeros(d), (0.0 if intercept else None)
    z = np.zeros(n)
    history = [_objective(X, y01, w, b, C, z)]
    norms = [0.0]
    ones = np.ones(d + intercept)
    warned = False
    g = _gradient(X, y01, w, b, C, z)
    for k in range(max_iter):
        floor = lambda w=w, b=b, z=z: _binary_floor(X, y01, w, b, C, z)  # noqa: E731
        if _gradient_test(g, floor, ones, n, tol)[0]:
            break
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
            # theta <- theta - eta * grad L                                   (logreg-gd)
            w = w - eta * g[:d]
            b = None if b is None else b - eta * float(g[d])
            z = _logits(X, w, b)
            finite = np.isfinite(z).all() and np.isfinite(w).all()
            f = _objective(X, y01, w, b, C, z) if finite else np.inf
        if not np.isfinite(f):
            raise _diverged(eta, X, C, intercept, k + 1)
        history.append(f)
        norms.append(_norm(w))
        if np.isinf(C) and not warned and _separates(y01, z):
            warnings.warn(_SEPARATION_MSG, SeparationWarning, stacklevel=3)
            warned = True
        g = _gradient(X, y01, w, b, C, z)
    ok, measure = _gradient_test(g, lambda: _binary_floor(X, y01, w, b, C, z), ones, n, tol)
    warned = _separated(X, y01, C, intercept, warned)
    if warned:
        converged = False  # no minimiser exists: no returned point is a solution
    else:
        converged = ok or report("gradient descent", measure="max |gradient| / n", value=measure,
                           tol=tol, n_iter=len(history) - 1, max_iter=max_iter,
                           advice="raise max_iter, or use irls (Newton's method)", warn=warn,
                           stacklevel=4)
    fit = LogisticFit(w, b, np.array(history), np.array(norms), len(history) - 1, converged,
                      classes)
    return fit, measure, warned


def _gd_lipschitz(X, C: float, intercept: bool) -> float:
    """Lipschitz constant of the gradient of eq. (logreg-obj): ||[X, 1]||_2^2 / 4 + 1/C.

    The largest eigenvalue the Hessian [X, 1]^T S [X, 1] + Lambda can take (s_i <= 1/4).
    """
    Xt = np.column_stack([X, np.ones(len(X))]) if intercept else X
    return np.linalg.norm(Xt, 2) ** 2 / 4 + (0.0 if np.isinf(C) else 1.0 / C)


def _diverged(eta: float, X, C: float, intercept: bool, k: int) -> ValueError:
    """The error for gradient descent whose weights or objective overflowed at step k."""
    L = _gd_lipschitz(X, C, intercept)
    bound = "||[X, 1]||^2/4 + 1/C" if intercept else "||X||^2/4 + 1/C"
    return ValueError(
        f"eta = {eta:g} diverges: the weights or the objective overflowed to inf/NaN at "
        f"iteration {k}; gradient descent on this objective is stable for eta < 2/L = "
        f"{2.0 / L:.3g}, with L = {bound} = {L:.3g} the largest eigenvalue the Hessian can "
        f"take (the default eta is 1/L)"
    )


# --------------------------------------------------------------------------- softmax
def _check_softmax_params(W, b, d: int) -> tuple[np.ndarray, np.ndarray | None]:
    W = as_array(W, "W", ndim=2)
    if W.shape[0] != d or W.shape[1] < 2:
        raise ValueError(f"W must have shape ({d}, K) with K >= 2 classes, got {W.shape}")
    if b is not None:
        b = as_array(b, "b", ndim=1)
        if b.shape != (W.shape[1],):
            raise ValueError(f"b must have shape ({W.shape[1]},) (one per class), got {b.shape}")
    return W, b


def _softmax_targets(Y, n: int, K: int) -> np.ndarray:
    Y = as_array(Y, "y", ndim=(1, 2))
    if len(Y) != n:
        raise ValueError(f"X and y must have the same length, got {n} and {len(Y)}")
    return mle_kl._one_hot_targets(Y, K, "y")


def _softmax_logits(X, W, b):
    Z = X @ W
    return Z if b is None else Z + b


def _softmax_objective(X, Y, W, b, C, Z=None) -> float:
    Z = _softmax_logits(X, W, b) if Z is None else Z
    # sum_i -sum_k Y_ik log softmax(z_i)_k (mle-softmax-ce) + |W|_F^2 / (2C)
    nll = mle_kl.softmax_cross_entropy(Y, Z, reduction="sum")
    return nll if np.isinf(C) else nll + 0.5 * float(np.sum(W * W)) / C


def _softmax_gradient(X, Y, W, b, C, Z=None) -> np.ndarray:
    Z = _softmax_logits(X, W, b) if Z is None else Z
    R = mle_kl.softmax_cross_entropy_grad(Y, Z)  # P - Y                  (mle-softmax-grad)
    G = X.T @ R  # X^T (P - Y)                                             (logreg-softmax-grad)
    if not np.isinf(C):
        G = G + W / C
    return G if b is None else np.vstack([G, R.sum(axis=0)])


def _softmax_hessian(X, W, b, C, Z=None) -> np.ndarray:
    Z = _softmax_logits(X, W, b) if Z is None else Z
    P = softmax(Z, axis=1)
    Xt = X if b is None else np.column_stack([X, np.ones(len(X))])
    n, m = Xt.shape
    K = P.shape[1]
    # sum_i (x_i x_i^T) kron (diag(p_i) - p_i p_i^T), Theta row by row  (logreg-softmax-hess)
    D = (Xt[:, :, None] * P[:, None, :]).reshape(n, m * K)  # x_ij p_ik
    H = -(D.T @ D)
    diag_part = np.einsum("ij,il,ik->jlk", Xt, Xt, P)  # sum_i x_ij x_il p_ik
    H4 = H.reshape(m, K, m, K)
    for k in range(K):
        H4[:, k, :, k] += diag_part[:, :, k]
    pen = _penalty_diag(X.shape[1], C, b is not None)
    H[np.diag_indices_from(H)] += np.repeat(pen, K)
    return H


def softmax_objective(W, b, X, y, *, C=np.inf) -> float:
    r"""Penalised softmax cross-entropy :math:`\sum_i E_i + \lVert W\rVert_F^2/(2C)`.

    Parameters
    ----------
    W : array_like, shape (d, K)
        Weights, one column per class.
    b : array_like, shape (K,), or None
        Intercepts (unpenalised).
    X : array_like, shape (n, d)
    y : array_like, shape (n,) or (n, K)
        Label indices in ``0..K-1`` or one-hot rows.
    C : float, default np.inf
        Inverse regularisation strength; ``np.inf`` for none.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If shapes disagree, labels are out of range, an input is NaN/inf, or ``C <= 0``.

    Notes
    -----
    Eq. (logreg-softmax-nll) with :math:`E_i = \log\sum_k e^{z_{ik}} - z_{i y_i}`, computed
    by ``mle_kl.softmax_cross_entropy`` (log-sum-exp, finite for logits of :math:`\pm1000`).

    Examples
    --------
    >>> round(softmax_objective([[0.0, 0.0, 0.0]], None, [[1.0]], [2]), 6)  # log 3
    1.098612
    """
    X = _check_X(X)
    W, b = _check_softmax_params(W, b, X.shape[1])
    Y = _softmax_targets(y, len(X), W.shape[1])
    C = _check_C(C)
    Z = _exact_logits(X, W, b)
    if not np.all(np.isfinite(Z)):
        raise NumericalError(
            f"the objective cannot be evaluated in float64: the logits X W + b of "
            f"{int(np.sum(~np.isfinite(Z).all(axis=1)))} sample(s) overflow; {_RESCALE_ADVICE}")
    f = _softmax_objective(X, Y, W, b, C, Z)
    check_finite_result(f, "the objective", f"it exceeds the float64 range; {_RESCALE_ADVICE}")
    return f


def softmax_gradient(W, b, X, y, *, C=np.inf) -> np.ndarray:
    r"""Gradient of :func:`softmax_objective` with respect to :math:`\Theta = [W; b^\top]`.

    Parameters
    ----------
    W, b, X, y, C
        As in :func:`softmax_objective`.

    Returns
    -------
    ndarray, shape (d + 1, K) or (d, K)
        :math:`X^\top(P - Y) + W/C` stacked over the intercept row :math:`1^\top(P - Y)`.

    Notes
    -----
    Eq. (logreg-softmax-grad): :math:`\nabla_{w_k} \sum_iE_i = \sum_i (p_{ik} - y_{ik})x_i`.

    Examples
    --------
    >>> softmax_gradient([[0.0, 0.0]], None, [[1.0]], [1])
    array([[ 0.5, -0.5]])
    """
    X = _check_X(X)
    W, b = _check_softmax_params(W, b, X.shape[1])
    Y = _softmax_targets(y, len(X), W.shape[1])
    C = _check_C(C)
    with np.errstate(over="ignore", invalid="ignore"):
        G = _softmax_gradient(X, Y, W, b, C, _clip_logits(_exact_logits(X, W, b)))
    check_finite_result(G, "the gradient", f"it exceeds the float64 range; {_RESCALE_ADVICE}")
    return G


def softmax_hessian(W, b, X, *, C=np.inf) -> np.ndarray:
    r"""Hessian of :func:`softmax_objective` in :math:`\Theta` flattened row by row.

    Parameters
    ----------
    W, b, X, C
        As in :func:`softmax_objective`.

    Returns
    -------
    ndarray, shape ((d + 1) K, (d + 1) K) or (d K, d K)
        Positive semi-definite; singular along :math:`\Theta_j \mapsto \Theta_j + c\,1^\top`
        for every unpenalised row :math:`j` (adding a constant to all the logits of a sample
        does not change the softmax).

    Notes
    -----
    Eq. (logreg-softmax-hess):
    :math:`\sum_i (\tilde x_i\tilde x_i^\top)\otimes(\mathrm{diag}(p_i) - p_ip_i^\top)`
    plus :math:`I/C` on the weights.

    Examples
    --------
    >>> softmax_hessian([[0.0, 0.0]], None, [[1.0]])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    X = _check_X(X)
    W, b = _check_softmax_params(W, b, X.shape[1])
    C = _check_C(C)
    with np.errstate(over="ignore", invalid="ignore"):
        H = _softmax_hessian(X, W, b, C, _clip_logits(_exact_logits(X, W, b)))
    check_finite_result(H, "the Hessian", f"it exceeds the float64 range (about n max|X|^2); "
                        f"{_RESCALE_ADVICE}")
    return H


def softmax_predict_proba(W, b, X) -> np.ndarray:
    """Class probabilities ``softmax(X W + b)``, shape ``(n, K)``.

    Examples
    --------
    >>> softmax_predict_proba([[0.0, 0.0]], None, [[1.0]])
    array([[0.5, 0.5]])
    """
    X = _check_X(X)
    W, b = _check_softmax_params(W, b, X.shape[1])
    return softmax(_clip_logits(_exact_logits(X, W, b)), axis=1)


def _center(W: np.ndarray, b: np.ndarray | None, C: float):
    """The symmetric solution: class-wise constants do not change the softmax."""
    if b is not None:
        b = b - b.mean()
    if np.isinf(C):
        W = W - W.mean(axis=1, keepdims=True)
    return W, b


def fit_softmax(X, y, *, C=1.0, fit_intercept=True, method="lbfgs", tol=1e-8,
                max_iter=1000) -> SoftmaxFit:
    r"""Fit softmax (multinomial logistic) regression for K classes.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
        Labels of any type ``np.unique`` can sort (strings included), at least two distinct
        values; ``classes = np.unique(y)``.
    C : float, default 1.0
        Inverse regularisation strength (> 0) on ``W``; ``np.inf`` for none.
    fit_intercept : bool, default True
    method : {"lbfgs", "newton"}, default "lbfgs"
        ``"lbfgs"``: ``scipy.optimize.minimize(method="L-BFGS-B")`` with the analytic
        gradient (eq. logreg-softmax-grad); it also stops when the objective no longer
        decreases beyond rounding (``ftol``), as in scikit-learn. ``"newton"``: Newton's
        method with the Hessian of eq. (logreg-softmax-hess) and Cholesky solves (for small
        ``d K``).
    tol : float, default 1e-8
        Converged when :math:`\max |\nabla E| / n \le` ``tol`` on the returned ``W, b``
        (or every coordinate within the rounding-error bound of the computed gradient).
        SciPy's own ``success`` is not trusted: L-BFGS also stops when the objective
        stalls (``ftol``) with a gradient far above ``tol``; then Newton steps (with the
        Hessian of eq. logreg-softmax-hess, when ``(d + 1) K <= 2000``) finish the fit
        within the remaining ``max_iter``. With ``C = np.inf`` on separable classes
        (complete, or quasi-complete by a linear programme) a :class:`SeparationWarning`
        is issued and ``converged`` is False: no minimiser exists.
    max_iter : int, default 1000

    Returns
    -------
    SoftmaxFit
        ``W`` (d, K), ``b`` (K,) with :math:`\sum_k b_k = 0`, ``history`` of the objective,
        ``n_iter``, ``converged``, ``classes``.

    Raises
    ------
    ValueError
        Bad shapes, NaN/inf in ``X``, fewer than two classes, ``C <= 0``, unknown ``method``.
    TypeError
        If ``fit_intercept`` is not a bool, or the labels cannot be sorted.

    Warns
    -----
    ConvergenceWarning
        If the optimiser stops before ``tol``.

    Notes
    -----
    The objective :math:`\sum_iE_i + \lVert W\rVert_F^2/(2C)` is invariant when the same
    vector is added to every column of an unpenalised row of :math:`\Theta`; the returned
    solution is the symmetric one (intercepts summing to zero), which is also the one
    scikit-learn's ``LogisticRegression`` returns. Newton's method adds
    :math:`\tfrac12(\sum_k\Theta_{jk})^2` for those rows, which removes the flat direction
    without moving the minimum.

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]]
    >>> fit = fit_softmax(X, [0, 0, 1, 1, 2, 2], C=10.0)
    >>> fit.converged, fit.W.shape, abs(float(fit.b.sum())) < 1e-12
    (True, (1, 3), True)
    """
    return _fit_softmax(X, y, C, fit_intercept, method, tol, max_iter, warn=True)[0]


def _softmax_floor(Xt, Y, Theta, C, d, Z) -> np.ndarray:
    """Rounding-error bound of the computed softmax gradient, as :func:`_binary_floor`."""
    n = len(Xt)
    absX = np.abs(Xt)
    P = softmax(Z, axis=1)
    a = absX @ np.max(np.abs(Theta), axis=1)  # bounds the rounding of the logits
    E = _EPS * (1.0 + P * a[:, None] + np.abs(P - Y) * np.log2(n + 1.0))
    floor = absX.T @ E
    if not math.isinf(C):
        floor[:d] += _EPS * np.abs(Theta[:d]) / C
    return 4.0 * floor


def _softmax_newton(X, Y, C, theta, G, unpack, max_iter, converged_at, history, check_sep):
    """Newton's method on the gauge-fixed softmax objective from ``theta``.

    Returns ``(theta, separated)``; stops when ``converged_at(theta, g)`` holds, after
    ``max_iter`` steps, when the Newton decrement reaches rounding level (after that full
    step), or (``check_sep``) when an iterate classifies every sample correctly.
    """
    W, b = unpack(theta)
    f = _softmax_objective(X, Y, W, b, C)
    labels = np.argmax(Y, axis=1)
    for n_step in range(max_iter + 1):
        W, b = unpack(theta)
        Z = _softmax_logits(X, W, b)
        g = _softmax_gradient(X, Y, W, b, C, Z).ravel() + G @ theta
        if converged_at(theta, g, Z):
            break
        if check_sep and _separates_softmax(labels, Z):
            return theta, True
        if n_step == max_iter:
            break
        delta = -_solve_spd(_softmax_hessian(X, W, b, C, Z) + G, g)
        decrement = -float(g @ delta)
        final = decrement <= 1e3 * _EPS * (abs(f) + 1.0)
        t = 1.0
        while True:  # backtracking on the gauge-fixed objective
            theta_new = theta + t * delta
            f_new = _softmax_objective(X, Y, *unpack(theta_new), C)
            gauge = 0.5 * float(theta_new @ G @ theta_new - theta @ G @ theta)
            if final or f_new + gauge <= f - 1e-4 * t * decrement or t < 1e-10:
                break
            t *= 0.5
        if not final and not f_new + gauge <= f:  # the line search failed: rounding
            break
        theta, f = theta_new, f_new
        history.append(f)
        if final:  # rounding level: the last full Newton step
            break
    return theta, False


def _separates_softmax(labels: np.ndarray, Z: np.ndarray) -> bool:
    """True if the logits put every sample's own class strictly on top."""
    own = Z[np.arange(len(Z)), labels]
    Zo = Z.copy()
    Zo[np.arange(len(Z)), labels] = -np.inf
    return bool(np.all(own > Zo.max(axis=1)))


def _fit_softmax(X, y, C, fit_intercept, method, tol, max_iter, *, warn: bool):
    """:func:`fit_softmax`; also returns the final measure and whether separation was found."""
    X = _check_X(X)
    classes, labels = as_labels(y, "y")
    check_same_length(X, labels, "X", "y")
    K = len(classes)
    if K < 2:
        raise ValueError(f"y must contain at least two classes, got {classes}")
    C = _check_C(C)
    tol, max_iter = _check_fit_options(tol, max_iter)
    check_choice(method, "method", ("lbfgs", "newton"))
    intercept = check_bool(fit_intercept, "fit_intercept")
    n, d = X.shape
    X, e = _power_of_two_scale(X)  # as in irls: the same problem, without overflow
    Cs = _scaled_C(C, e)
    Y = np.eye(K)[labels]
    m = d + intercept
    Xt = np.column_stack([X, np.ones(n)]) if intercept else X
    scale = np.full((m, 1), np.ldexp(1.0, -e))  # d Theta_caller / d Theta_scaled, per row
    if intercept:
        scale[-1] = 1.0

    def unpack(theta):
        T = theta.reshape(m, K)
        return (T[:d], T[d]) if intercept else (T, None)

    gauge_rows = list(range(m)) if np.isinf(Cs) else ([d] if intercept else [])
    G = np.zeros((m * K, m * K))
    for j in gauge_rows:  # 1/2 (sum_k Theta_jk)^2 has Hessian 1 1^T on row j
        G[j * K:(j + 1) * K, j * K:(j + 1) * K] = 1.0

    def test(theta, g, Z):  # the convergence test (g: gradient of the gauge-fixed objective)
        g = g.reshape(m, K)
        return _gradient_test(g, lambda: _softmax_floor(Xt, Y, theta.reshape(m, K), Cs, d, Z),
                              scale, n, tol)

    history = []
    separated = False
    newton_ok = m * K <= _NEWTON_MAX_SIZE and n * m * K <= _NEWTON_MAX_WORK
    if method == "lbfgs":
        def fun(theta):  # the objective over n, as scikit-learn scales it
            W, b = unpack(theta)
            Z = _softmax_logits(X, W, b)
            f = _softmax_objective(X, Y, W, b, Cs, Z)
            return f / n, _softmax_gradient(X, Y, W, b, Cs, Z).ravel() / n

        theta0 = np.zeros(m * K)
        history.append(fun(theta0)[0] * n)
        res = optimize.minimize(
            fun, theta0, jac=True, method="L-BFGS-B",
            callback=lambda intermediate_result: history.append(intermediate_result.fun * n),
            options={"maxiter": max_iter, "gtol": tol, "ftol": 64 * _EPS, "maxls": 50},
        )
        theta, n_lbfgs = res.x, int(res.nit)
        # SciPy's success also means "the objective stalled" (ftol), with a gradient that
        # may be 1e4 times tol: judge by the gradient test, and if L-BFGS stalled before its
        # budget, finish with Newton steps (quadratic convergence from a good start)
        W, b = unpack(theta)
        Z = _softmax_logits(X, W, b)
        g = _softmax_gradient(X, Y, W, b, Cs, Z).ravel() + G @ theta
        if np.isinf(C) and _separates_softmax(labels, Z):
            separated = True
        elif not test(theta, g, Z)[0] and n_lbfgs < max_iter and newton_ok:
            theta = _center_theta(theta, gauge_rows, m, K)
            theta, separated = _softmax_newton(X, Y, Cs, theta, G, unpack, max_iter - n_lbfgs,
                                               lambda t, g, Z: test(t, g, Z)[0], history,
                                               np.isinf(C))
    else:
        if not newton_ok:
            raise ValueError(f"method='newton' forms a dense ((d + 1) K)^2 Hessian and an "
                             f"(n, (d + 1) K) work array; here (d + 1) K = {m * K} and "
                             f"n (d + 1) K = {n * m * K:.3g}, above the limits "
                             f"{_NEWTON_MAX_SIZE} and {_NEWTON_MAX_WORK:.3g}: use "
                             f"method='lbfgs'")
        theta = np.zeros(m * K)
        history.append(_softmax_objective(X, Y, *unpack(theta), Cs))
        theta, separated = _softmax_newton(X, Y, Cs, theta, G, unpack, max_iter,
                                           lambda t, g, Z: test(t, g, Z)[0], history,
                                           np.isinf(C))
    n_iter = len(history) - 1
    W, b = unpack(theta)
    W, b = _center(W.copy(), None if b is None else b.copy(), Cs)
    # converged: the gradient test on the returned (centred) W, b
    Z = _softmax_logits(X, W, b)
    Theta = W if b is None else np.vstack([W, b])
    g = _softmax_gradient(X, Y, W, b, Cs, Z)
    ok, measure = _gradient_test(g, lambda: _softmax_floor(Xt, Y, Theta, Cs, d, Z), scale, n,
                                 tol)
    if np.isinf(C):
        if separated or _separates_softmax(labels, Z):
            warnings.warn(_SOFTMAX_SEPARATION_MSG, SeparationWarning, stacklevel=3)
            separated = True
        elif _separation_certificate(Xt, labels, K):
            warnings.warn(_QUASI_SEPARATION_MSG, SeparationWarning, stacklevel=3)
            separated = True
    if separated:
        converged = False  # no minimiser exists: no returned point is a solution
    else:
        name = "L-BFGS (fit_softmax)" if method == "lbfgs" else "Newton (fit_softmax)"
        advice = "raise max_iter, or standardise the columns of X"
        if method == "lbfgs" and not newton_ok:
            advice += " (the Newton finish is skipped for (d + 1) K or n (d + 1) K this large)"
        converged = ok or report(name, measure="max |gradient| / n", value=measure, tol=tol,
                           n_iter=n_iter, max_iter=max_iter, advice=advice, warn=warn,
                           stacklevel=4)
    if e:
        W = np.ldexp(W, -e)
    check_finite_result(W, "the softmax weights", _RESCALE_ADVICE)
    return SoftmaxFit(W, b, np.array(history), n_iter, converged, classes), measure, separated


def _center_theta(theta, rows, m: int, K: int) -> np.ndarray:
    """Subtract each gauge row's mean (does not change the objective)."""
    T = theta.reshape(m, K).copy()
    for j in rows:
        T[j] -= T[j].mean()
    return T.ravel()


# --------------------------------------------------------------------------- estimators
def _check_predict_X(model, X) -> np.ndarray:
    """Validate X for a fitted estimator: fitted first, then as many columns as in fit."""
    if not hasattr(model, "coef_"):
        raise ValueError(f"this {type(model).__name__} is not fitted yet; call fit(X, y) first")
    X = _check_X(X)
    d = model.coef_.shape[1]
    if X.shape[1] != d:
        raise ValueError(f"X must have {d} features (as in fit), got {X.shape[1]}")
    return X


def _raise_unless_converged(fit, method: str, measure: float, separated: bool, tol,
                            max_iter) -> None:
    """The estimators' rule: a fit that is not a solution raises ConvergenceError."""
    if fit.converged:
        return
    if separated:
        raise ConvergenceError(
            f"{method}: the classes are linearly separable and C = inf, so the maximum-"
            f"likelihood weights do not exist (they diverge); use a finite C (L2 penalty)")
    raise ConvergenceError(message(
        method, measure="max |gradient| / n", value=measure, tol=tol, n_iter=fit.n_iter,
        max_iter=max_iter, advice="raise max_iter, use a larger tol, or standardise the "
        "columns of X (for solver='gd': use 'irls')"))


def _clear_fitted(model) -> None:
    """Delete the attributes of an earlier fit (names ending in ``_``)."""
    for name in [k for k in vars(model) if k.endswith("_") and not k.startswith("__")]:
        delattr(model, name)


class LogisticRegression:
    """Binary logistic regression, scikit-learn style (``fit`` returns ``self``).

    Parameters
    ----------
    C : float, default 1.0
        Inverse regularisation strength, as in ``sklearn.linear_model.LogisticRegression``.
    solver : {"irls", "gd"}, default "irls"
        :func:`irls` or :func:`gradient_descent`.
    fit_intercept : bool, default True
    tol : float, default 1e-8
    max_iter : int, default 100

    Attributes
    ----------
    coef_ : ndarray, shape (1, d)
    intercept_ : ndarray, shape (1,)
    classes_ : ndarray, shape (2,)
    history_ : ndarray
        Objective (eq. logreg-obj) per iteration.
    n_iter_ : int

    Examples
    --------
    >>> model = LogisticRegression(C=10.0).fit([[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1])
    >>> model.predict_proba([[1.5]]).shape
    (1, 2)
    """

    def __init__(self, C=1.0, *, solver="irls", fit_intercept=True, tol=1e-8, max_iter=100):
        self.C = C
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y):
        """Fit by :func:`irls` or :func:`gradient_descent`; returns ``self``.

        Raises
        ------
        ConvergenceError
            If the solver stops before ``max |gradient| / n <= tol``, or (``C = np.inf``)
            the classes are separable, so that no maximum-likelihood weights exist: a model
            that is not a solution is never returned. A failed fit (this error or a bad
            argument) leaves the estimator unfitted: the attributes of an earlier fit are
            removed when ``fit`` starts.
        """
        _clear_fitted(self)  # a failed fit must not leave an earlier model in place
        check_choice(self.solver, "solver", ("irls", "gd"))
        if self.solver == "irls":
            fit, measure, separated = _irls(X, y, self.C, self.fit_intercept, self.tol,
                                            self.max_iter, warn=False)
            method = "IRLS (LogisticRegression.fit)"
        else:
            X, y01, classes = _binary_targets(X, y)
            C = _check_C(self.C)
            tol, max_iter = _check_fit_options(self.tol, self.max_iter)
            intercept = check_bool(self.fit_intercept, "fit_intercept")
            fit, measure, separated = _gradient_descent(X, y01, classes, C, intercept, None,
                                                        tol, max_iter, False)
            method = "gradient descent (LogisticRegression.fit)"
        _raise_unless_converged(fit, method, measure, separated, self.tol, self.max_iter)
        self.coef_ = fit.w[None, :]
        self.intercept_ = np.array([0.0 if fit.b is None else fit.b])
        self.classes_ = fit.classes
        self.history_ = fit.history
        self.n_iter_ = fit.n_iter
        return self

    def _logits(self, X) -> np.ndarray:
        # without NaN from an intermediate overflow; +-inf for a logit beyond float64
        return _exact_logits(_check_predict_X(self, X), self.coef_[0], self.intercept_[0])

    def decision_function(self, X) -> np.ndarray:
        """Logits ``X w + b``, shape ``(n,)``.

        Raises
        ------
        NumericalError
            If a logit is beyond float64 (:meth:`predict` and :meth:`predict_proba` still
            answer: its probability is exactly 0 or 1).
        """
        z = self._logits(X)
        check_finite_result(z, "the logits X w + b", f"they exceed float64; {_RESCALE_ADVICE}")
        return z

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of ``classes_[0]`` and ``classes_[1]``, shape ``(n, 2)``."""
        z = self._logits(X)  # an infinite logit gives exactly 0 or 1
        return np.column_stack([expit(-z), expit(z)])

    def predict(self, X) -> np.ndarray:
        """The more probable class of each sample (one of ``classes_``, any label type)."""
        positive = self._logits(X) > 0  # checks that fit was called first
        return self.classes_[positive.astype(int)]


class SoftmaxRegression:
    """Softmax regression for K classes, scikit-learn style.

    Parameters
    ----------
    C : float, default 1.0
    method : {"lbfgs", "newton"}, default "lbfgs"
    fit_intercept : bool, default True
    tol : float, default 1e-8
    max_iter : int, default 1000

    Attributes
    ----------
    coef_ : ndarray, shape (K, d)
        ``W.T``, the layout of scikit-learn.
    intercept_ : ndarray, shape (K,)
    classes_ : ndarray, shape (K,)
    history_ : ndarray

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]]
    >>> SoftmaxRegression(C=10.0).fit(X, [0, 0, 1, 1, 2, 2]).predict([[0.5], [4.5]])
    array([0., 2.])
    """

    def __init__(self, C=1.0, *, method="lbfgs", fit_intercept=True, tol=1e-8, max_iter=1000):
        self.C = C
        self.method = method
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y):
        """Fit by :func:`fit_softmax`; returns ``self``.

        Raises
        ------
        ConvergenceError
            As :meth:`LogisticRegression.fit`.
        """
        _clear_fitted(self)  # a failed fit must not leave an earlier model in place
        fit, measure, separated = _fit_softmax(X, y, self.C, self.fit_intercept, self.method,
                                               self.tol, self.max_iter, warn=False)
        _raise_unless_converged(fit, f"{self.method} (SoftmaxRegression.fit)", measure,
                                separated, self.tol, self.max_iter)
        self.coef_ = fit.W.T
        self.intercept_ = np.zeros(len(fit.classes)) if fit.b is None else fit.b
        self.classes_ = fit.classes
        self.history_ = fit.history
        self.n_iter_ = fit.n_iter
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape ``(n, K)``."""
        Z = _exact_logits(_check_predict_X(self, X), self.coef_.T, self.intercept_)
        return softmax(_clip_logits(Z), axis=1)  # no NaN from an intermediate overflow

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample."""
        best = np.argmax(self.predict_proba(X), axis=1)  # checks that fit was called first
        return self.classes_[best]


# --------------------------------------------------------------------------- generative view
class LinearDiscriminant(NamedTuple):
    """Output of :func:`lda_weights`: the softmax weights of shared-covariance Gaussian classes.

    ``W`` has shape ``(d, K)`` (one column per class) and ``b`` shape ``(K,)``, so that
    ``softmax_predict_proba(W, b, X)`` is the posterior :math:`p(k \\mid x)`.
    """

    W: np.ndarray
    b: np.ndarray


def _check_spd(A, name: str, d: int | None = None) -> tuple[np.ndarray, tuple]:
    """A symmetric positive definite (d, d) matrix and its Cholesky factor, or ValueError."""
    A = as_array(A, name, ndim=2)
    if d is not None and A.shape != (d, d):
        raise ValueError(f"{name} must have shape ({d}, {d}), got {A.shape}")
    check_symmetric(A, name)
    try:
        factor = linalg.cho_factor(A, lower=True)
    except linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite (its Cholesky factorisation "
                         "failed)") from None
    return A, factor


def lda_weights(means, Sigma, priors) -> LinearDiscriminant:
    r"""Softmax weights of Gaussian class-conditionals with a shared covariance.

    With :math:`p(x \mid k) = \mathcal N(x \mid \mu_k, \Sigma)` and priors :math:`\pi_k`,
    Bayes' rule gives the posterior :math:`p(k \mid x) = \mathrm{softmax}(W^\top x + b)_k`,
    linear in :math:`x`: the quadratic term :math:`x^\top\Sigma^{-1}x` is the same for every
    class and cancels.

    Parameters
    ----------
    means : array_like, shape (K, d)
        Class means :math:`\mu_k`, one per row (``K >= 2``).
    Sigma : array_like, shape (d, d)
        The shared covariance, symmetric positive definite.
    priors : array_like, shape (K,)
        Class priors :math:`\pi_k > 0`, summing to 1.

    Returns
    -------
    LinearDiscriminant
        ``W`` of shape ``(d, K)`` with columns :math:`w_k = \Sigma^{-1}\mu_k` and ``b`` of
        shape ``(K,)`` with :math:`b_k = -\tfrac12\mu_k^\top\Sigma^{-1}\mu_k + \log\pi_k`.

    Raises
    ------
    ValueError
        If shapes disagree, ``Sigma`` is not symmetric positive definite, or ``priors`` are
        not positive or do not sum to 1.

    Notes
    -----
    Eqs. (logreg-lda-softmax) of the chapter, from Bishop (2006), sec. 4.2.1-4.2.2; for
    two classes the sigmoid's weights are the differences
    :math:`w = w_1 - w_0 = \Sigma^{-1}(\mu_1 - \mu_0)` and :math:`b = b_1 - b_0`
    (eq. logreg-lda-w). :math:`\Sigma^{-1}` is never formed: one Cholesky solve with the
    ``K`` means as right-hand sides.

    Examples
    --------
    >>> lda = lda_weights([[0.0], [2.0]], [[1.0]], [0.5, 0.5])
    >>> lda.W, lda.b
    (array([[0., 2.]]), array([-0.69314718, -2.69314718]))
    """
    means = as_array(means, "means", ndim=2)
    K, d = means.shape
    if K < 2:
        raise ValueError(f"means must have at least 2 rows (one per class), got {K}")
    Sigma, factor = _check_spd(Sigma, "Sigma", d)
    raw_priors, priors = priors, as_array(priors, "priors", ndim=1)
    if priors.shape != (K,):
        raise ValueError(f"priors must have shape ({K},) (one per row of means), got "
                         f"{priors.shape}")
    if np.any(priors <= 0):
        raise ValueError(f"priors must be > 0, got minimum {priors.min():.3g}")
    check_probability_vector(raw_priors, "priors")  # tolerance from the input's precision
    W = linalg.cho_solve(factor, means.T)  # w_k = Sigma^{-1} mu_k          (logreg-lda-softmax)
    b = -0.5 * np.einsum("kd,dk->k", means, W) + np.log(priors)  # b_k     (logreg-lda-softmax)
    return LinearDiscriminant(W=W, b=b)


# --------------------------------------------------------------------------- L1 / elastic net
class SparseLogisticFit(NamedTuple):
    """Result of :func:`fista`.

    ``kkt`` is the optimality measure of the returned ``(w, b)`` (the largest violation of
    the subgradient condition, divided by ``n``); ``converged`` is ``kkt <= tol``.
    """

    w: np.ndarray
    b: float | None
    history: np.ndarray
    n_iter: int
    kkt: float
    converged: bool


def _check_l1_ratio(l1_ratio) -> float:
    if isinstance(l1_ratio, bool) or not isinstance(l1_ratio, numbers.Real):
        raise TypeError(f"l1_ratio must be a real number in [0, 1], got {l1_ratio!r}")
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}")
    return float(l1_ratio)


def _elastic_net_penalties(C: float, l1_ratio: float) -> tuple[float, float]:
    """(lambda_1, lambda_2) of eq. (logreg-enet-obj): scikit-learn's penalty divided by C."""
    return l1_ratio / C, (1.0 - l1_ratio) / C


def elastic_net_objective(w, b, X, y, *, C=1.0, l1_ratio=1.0) -> float:
    r"""The elastic-net penalised cross-entropy :math:`E(w, b)` of eq. (logreg-enet-obj).

    Parameters
    ----------
    w, b, X, y
        As in :func:`objective`.
    C : float, default 1.0
        Inverse regularisation strength, > 0 and finite.
    l1_ratio : float, default 1.0
        Share of the L1 penalty, in [0, 1] (1: the lasso penalty, 0: ridge).

    Returns
    -------
    float
        :math:`\sum_n E_n + \lambda_1\lVert w\rVert_1 + \tfrac{\lambda_2}{2}\lVert w\rVert^2`
        with :math:`\lambda_1 = r/C`, :math:`\lambda_2 = (1 - r)/C`, :math:`r` = ``l1_ratio``:
        scikit-learn's ``LogisticRegression(C=C, l1_ratio=l1_ratio)`` objective divided by
        ``C`` (the intercept is not penalised).

    Examples
    --------
    >>> round(elastic_net_objective([1.0], 0.0, [[1.0], [-1.0]], [1, 0], C=2.0), 6)
    1.126523
    """
    X = _check_X(X)
    w, b = _check_params(w, b, X.shape[1])
    y = _check_labels01(y, len(X))
    C = float(check_positive(C, "C"))
    lam1, lam2 = _elastic_net_penalties(C, _check_l1_ratio(l1_ratio))
    f = _objective(X, y, w, b, np.inf, _clip_logits(_exact_logits(X, w, b)))
    f = float(f + lam1 * np.abs(w).sum() + 0.5 * lam2 * float(w @ w))
    check_finite_result(f, "the objective", f"it exceeds the float64 range; {_RESCALE_ADVICE}")
    return f


def _kkt_violation(g: np.ndarray, w: np.ndarray, lam1: float) -> np.ndarray:
    """Distance of 0 to the subdifferential, per coordinate of w (eq. logreg-enet-kkt)."""
    return np.where(w != 0, np.abs(g + lam1 * np.sign(w)), np.maximum(np.abs(g) - lam1, 0.0))


def fista(X, y, *, C=1.0, l1_ratio=1.0, fit_intercept=True, tol=1e-8, max_iter=10000
          ) -> SparseLogisticFit:
    r"""L1 / elastic-net logistic regression by accelerated proximal gradient (FISTA).

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs (finite).
    y : array_like, shape (n,)
        Labels: exactly two distinct sortable values; the larger one is class 1.
    C : float, default 1.0
        Inverse regularisation strength, > 0 and finite (scikit-learn's ``C``).
    l1_ratio : float, default 1.0
        Share of the L1 penalty in [0, 1], as scikit-learn's ``l1_ratio``.
    fit_intercept : bool, default True
        Fit an unpenalised intercept ``b``.
    tol : float, default 1e-8
        Stop when the optimality measure ``kkt`` (below) is at most ``tol``.
    max_iter : int, default 10000
        Maximum number of proximal gradient steps.

    Returns
    -------
    SparseLogisticFit
        ``w``, ``b`` (None without intercept), ``history`` of the objective
        (eq. logreg-enet-obj) at every iterate, ``n_iter``, ``kkt`` and ``converged``.

    Raises
    ------
    ValueError, TypeError
        On bad input (as :func:`irls`), ``C`` not finite and positive, ``l1_ratio``
        outside [0, 1].

    Warns
    -----
    ConvergenceWarning
        If ``max_iter`` steps do not bring ``kkt`` to ``tol``.

    Notes
    -----
    Minimises eq. (logreg-enet-obj), the smooth :math:`f(\theta) = \sum_nE_n +
    \tfrac{\lambda_2}{2}\lVert w\rVert^2` plus :math:`\lambda_1\lVert w\rVert_1`. Each step
    is a gradient step on :math:`f` with :math:`\eta = 1/(\lVert\tilde X\rVert_2^2/4 +
    \lambda_2)` (the inverse Lipschitz constant of :math:`\nabla f`) followed by the
    proximal map of the L1 term, soft thresholding of the weights by :math:`\eta\lambda_1`
    (eq. logreg-prox); the intercept is not thresholded. The step is taken from an
    extrapolated point (Nesterov's momentum, Beck and Teboulle 2009), and the momentum is
    reset whenever the objective goes up (adaptive restart, O'Donoghue and Candès 2015),
    so ``history`` never increases. ``kkt`` is
    :math:`\max_j \mathrm{dist}(0, \partial_j E)/n` at the returned point, the
    subgradient optimality condition (eq. logreg-enet-kkt) scaled like :func:`irls`'s
    gradient test.

    Examples
    --------
    >>> fit = fista([[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1], C=10.0, tol=1e-10)
    >>> fit.converged, bool(fit.w[0] > 0)
    (True, True)
    """
    X, y, _classes = _binary_targets(X, y)
    C = float(check_positive(C, "C"))
    l1_ratio = _check_l1_ratio(l1_ratio)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    tol, max_iter = _check_fit_options(tol, max_iter)
    n, d = X.shape
    lam1, lam2 = _elastic_net_penalties(C, l1_ratio)
    intercept = fit_intercept

    def split(theta):
        return theta[:d], (theta[d] if intercept else None)

    def smooth_grad(theta):  # gradient of f: X~^T (p - y) + lambda_2 w     (logreg-grad-l2)
        w, b = split(theta)
        g = _gradient(X, y, w, b, np.inf)
        g[:d] += lam2 * w
        return g

    def energy(theta):  # E(theta), eq. (logreg-enet-obj)
        w, b = split(theta)
        return _objective(X, y, w, b, np.inf) + lam1 * np.abs(w).sum() + 0.5 * lam2 * w @ w

    def prox(theta, step):  # soft-threshold the weights, not the intercept  (logreg-prox)
        out = theta.copy()
        out[:d] = np.sign(theta[:d]) * np.maximum(np.abs(theta[:d]) - step * lam1, 0.0)
        return out

    def kkt(theta):  # max_j dist(0, subdifferential_j E) / n          (logreg-enet-kkt)
        g = smooth_grad(theta)
        viol = _kkt_violation(g[:d], theta[:d], lam1)
        if intercept:
            viol = np.append(viol, abs(g[d]))
        return float(viol.max()) / n

    Xt = np.column_stack([X, np.ones(n)]) if intercept else X
    eta = 1.0 / (np.linalg.norm(Xt, 2) ** 2 / 4.0 + lam2)  # 1 / Lipschitz constant of grad f
    theta = np.zeros(d + intercept)
    momentum_point, t_k = theta.copy(), 1.0
    history = [energy(theta)]
    measure = kkt(theta)
    k = 0
    while measure > tol and k < max_iter:
        k += 1
        new = prox(momentum_point - eta * smooth_grad(momentum_point), eta)  # FISTA step
        value = energy(new)
        if value > history[-1]:  # adaptive restart: drop the momentum, take a plain step
            new = prox(theta - eta * smooth_grad(theta), eta)
            value, t_k = energy(new), 1.0
        t_next = (1.0 + math.sqrt(1.0 + 4.0 * t_k**2)) / 2.0
        momentum_point = new + ((t_k - 1.0) / t_next) * (new - theta)
        theta, t_k = new, t_next
        history.append(value)
        measure = kkt(theta)
    converged = report("FISTA (fista)", measure="max KKT violation / n", value=measure,
                       tol=tol, n_iter=k, max_iter=max_iter,
                       advice="increase max_iter or tol, or standardise the columns of X")
    w, b = split(theta)
    return SparseLogisticFit(w=w.copy(), b=None if b is None else float(b),
                             history=np.array(history), n_iter=k, kkt=measure,
                             converged=converged)


# --------------------------------------------------------------------------- Laplace approximation
class LaplacePosterior(NamedTuple):
    """Output of :func:`laplace_posterior`: the Gaussian :math:`\\mathcal N(w, S)` at the MAP."""

    w: np.ndarray
    S: np.ndarray
    n_iter: int
    converged: bool


def laplace_posterior(X, y, S0, *, m0=None, tol=1e-10, max_iter=100) -> LaplacePosterior:
    r"""Laplace approximation of Bayesian logistic regression's posterior over the weights.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs; the model has no separate intercept (add a column of ones to ``X`` for one,
        which then gets the prior too).
    y : array_like, shape (n,)
        Labels in {0, 1}.
    S0 : array_like, shape (d, d)
        Prior covariance, symmetric positive definite.
    m0 : array_like, shape (d,), optional
        Prior mean (default zero).
    tol : float, default 1e-10
        Newton stops when :math:`\max_j |\partial E/\partial w_j| / n \le` ``tol``.
    max_iter : int, default 100
        Maximum number of Newton steps.

    Returns
    -------
    LaplacePosterior
        ``w`` the MAP weights :math:`w_{\mathrm{MAP}}`, ``S`` the covariance :math:`S_N`
        (eq. logreg-laplace), ``n_iter``, ``converged``.

    Raises
    ------
    ValueError
        On bad shapes, NaN/inf, labels outside {0, 1}, or ``S0`` not symmetric positive
        definite.

    Warns
    -----
    ConvergenceWarning
        If ``max_iter`` Newton steps do not reach ``tol``.

    Notes
    -----
    The prior :math:`\mathcal N(m_0, S_0)` makes :math:`E(w) = \sum_nE_n +
    \tfrac12(w - m_0)^\top S_0^{-1}(w - m_0)` strictly convex; Newton's method with
    backtracking finds its minimiser :math:`w_{\mathrm{MAP}}`, and the posterior is
    approximated by the Gaussian with the inverse Hessian there as covariance
    (Bishop 2006, sec. 4.4 and 4.5.1):
    :math:`S_N^{-1} = S_0^{-1} + \sum_n p_n(1 - p_n)\,x_n x_n^\top`.

    Examples
    --------
    >>> post = laplace_posterior([[1.0], [-1.0], [2.0]], [1, 0, 0], [[4.0]])
    >>> post.converged, post.S.shape
    (True, (1, 1))
    """
    X = _check_X(X)
    n, d = X.shape
    y = _check_labels01(y, n)
    S0, factor0 = _check_spd(S0, "S0", d)
    m0 = np.zeros(d) if m0 is None else as_array(m0, "m0", ndim=1)
    if m0.shape != (d,):
        raise ValueError(f"m0 must have shape ({d},) (one entry per column of X), got {m0.shape}")
    tol, max_iter = _check_fit_options(tol, max_iter)
    P0 = linalg.cho_solve(factor0, np.eye(d))  # the prior precision S0^{-1}

    def energy(w):  # E(w) = sum_n l_n + (w - m0)^T S0^{-1} (w - m0) / 2
        return _objective(X, y, w, None, np.inf) + 0.5 * (w - m0) @ P0 @ (w - m0)

    w = m0.copy()
    value = energy(w)
    g = _gradient(X, y, w, None, np.inf) + P0 @ (w - m0)
    k = 0
    while np.max(np.abs(g)) / n > tol and k < max_iter:
        k += 1
        H = _hessian(X, w, None, np.inf) + P0  # S_N^{-1} at w            (logreg-laplace)
        step = -_solve_spd(H, g)
        eta = 1.0
        while True:  # backtracking (Armijo): the objective must go down
            new_value = energy(w + eta * step)
            if new_value <= value + 1e-4 * eta * (g @ step) or eta < 1e-10:
                break
            eta /= 2.0
        w = w + eta * step
        value = new_value
        g = _gradient(X, y, w, None, np.inf) + P0 @ (w - m0)
    converged = report("Newton (laplace_posterior)", measure="max |gradient| / n",
                       value=float(np.max(np.abs(g))) / n, tol=tol, n_iter=k,
                       max_iter=max_iter, advice="increase max_iter or tol")
    H = _hessian(X, w, None, np.inf) + P0  # S_N^{-1} = S0^{-1} + X^T S X  (logreg-laplace)
    S = linalg.cho_solve(linalg.cho_factor(H, lower=True), np.eye(d))
    S = 0.5 * (S + S.T)
    return LaplacePosterior(w=w, S=S, n_iter=k, converged=converged)


def _probit_scale(s2):
    """The factor (1 + pi s^2 / 8)^(-1/2) of eq. (logreg-probit) (PRML's kappa)."""
    return 1.0 / np.sqrt(1.0 + np.pi * s2 / 8.0)


def predictive_probit(w, S, X) -> np.ndarray:
    r"""Approximate predictive probability :math:`p(y = 1 \mid x)` of the Laplace posterior.

    Parameters
    ----------
    w : array_like, shape (d,)
        Posterior mean (the MAP weights).
    S : array_like, shape (d, d)
        Posterior covariance, symmetric positive semi-definite.
    X : array_like, shape (n, d)
        Inputs.

    Returns
    -------
    ndarray, shape (n,)
        :math:`\sigma\bigl(\mu_a / \sqrt{1 + \pi s^2/8}\bigr)` with :math:`\mu_a = w^\top x`
        and :math:`s^2 = x^\top S x` (eq. logreg-probit).

    Notes
    -----
    The exact predictive :math:`\int\sigma(a)\,\mathcal N(a \mid \mu_a, s^2)\,da` has no
    closed form; replacing :math:`\sigma(a)` by the probit :math:`\Phi(\sqrt{\pi/8}\,a)`,
    whose Gaussian integral is again a probit, gives this approximation (Bishop 2006,
    sec. 4.5.2, where the factor is called :math:`\kappa(s^2)`).

    Examples
    --------
    >>> predictive_probit([2.0], [[0.0]], [[1.0]])  # no uncertainty: sigma(2)
    array([0.88079708])
    """
    X = _check_X(X)
    d = X.shape[1]
    w, _ = _check_params(w, None, d)
    S = as_array(S, "S", ndim=2)
    if S.shape != (d, d):
        raise ValueError(f"S must have shape ({d}, {d}), got {S.shape}")
    check_symmetric(S, "S")
    mu_a = X @ w  # the mean of the activation a = w^T x                 (logreg-probit)
    s2 = np.einsum("nd,de,ne->n", X, S, X)  # its variance x^T S x
    if np.any(s2 < -1e-12 * np.einsum("nd,nd->n", X, X) * np.abs(S).max()):
        raise ValueError("S must be positive semi-definite (x^T S x < 0 for a row of X)")
    return expit(mu_a * _probit_scale(np.maximum(s2, 0.0)))


# --------------------------------------------------------------------------- Wald standard errors
def wald_standard_errors(w, b, X) -> np.ndarray:
    r"""Standard errors of the maximum-likelihood weights from the observed information.

    Parameters
    ----------
    w : array_like, shape (d,)
        The unpenalised maximum-likelihood weights (e.g. ``irls(X, y, C=np.inf).w``).
    b : float or None
        The intercept; ``None`` for a model without one.
    X : array_like, shape (n, d)
        The inputs the weights were fitted on.

    Returns
    -------
    ndarray, shape (d + 1,) or (d,)
        :math:`\sqrt{\mathrm{diag}(H^{-1})}`, intercept last, where
        :math:`H = \tilde X^\top S\tilde X` is the Hessian of the negative log-likelihood
        (eq. logreg-hess), the observed Fisher information.

    Raises
    ------
    ValueError
        On bad input, or if :math:`H` is not positive definite (collinear columns, or
        probabilities rounded to 0 and 1: separated classes).

    Notes
    -----
    Asymptotically :math:`\hat\theta \approx \mathcal N(\theta, H^{-1})` (eq. logreg-wald);
    the Wald test divides a coefficient by its standard error. The inverse is taken by a
    Cholesky factorisation; only its diagonal is returned.

    Examples
    --------
    >>> wald_standard_errors([0.0], None, [[1.0], [1.0], [2.0]])  # 1 / sqrt((1 + 1 + 4) / 4)
    array([0.81649658])
    """
    X = _check_X(X)
    w, b = _check_params(w, b, X.shape[1])
    H = _hessian(X, w, b, np.inf, _clip_logits(_exact_logits(X, w, b)))  # (logreg-hess)
    singular = ValueError("the Hessian X~^T S X~ at (w, b) is not positive definite: collinear "
                          "columns of X, or separated classes (probabilities of 0 and 1)")
    try:
        factor = linalg.cho_factor(H, lower=True)
    except linalg.LinAlgError:
        raise singular from None
    pivots = np.diag(factor[0]) ** 2  # a pivot at rounding level: singular to working precision
    if pivots.min() <= len(H) * _EPS * np.diag(H).max():
        raise singular
    cov = linalg.cho_solve(factor, np.eye(len(H)))  # H^{-1}               (logreg-wald)
    return np.sqrt(np.diag(cov))
